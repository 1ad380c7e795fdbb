// Entry module of a data-parallel shard worker thread (data-parallel-step.ts). From the sources,
// worker threads start without the TypeScript loader, so register tsx here (as bin/biasloop.js does);
// from the compiled dist/, load the compiled task. A failure to start is answered to every step
// request, so the thread waiting for this shard gets the error instead of a timeout.
import { parentPort, workerData } from 'node:worker_threads';

const compiled = import.meta.url.endsWith('/dist/nn/runtime/shard-worker.js');
try {
  if (!compiled) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  const { startShardWorker } = await import(compiled ? './shard-worker-task.js' : './shard-worker-task.ts');
  startShardWorker(workerData, parentPort);
} catch (error) {
  const message = `the shard worker could not start: ${error instanceof Error ? error.message : String(error)}`;
  const control = new Int32Array(workerData.control);
  parentPort.on('message', (job) => {
    workerData.port.postMessage({ seq: job.seq, message });
    Atomics.store(control, 1, 1);
    Atomics.store(control, 0, job.seq);
    Atomics.notify(control, 0);
  });
}
