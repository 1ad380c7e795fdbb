// Entry module of a data-parallel shard worker thread (data-parallel-step.ts). From the sources,
// worker threads start without the TypeScript loader, so register tsx here (as bin/biasloop.js does);
// from the compiled dist/, load the compiled task.
//
// The worker serves jobs in a blocking loop on shared control words (see shard-worker-task.ts)
// instead of its event loop: the coordinator posts a job on the port, bumps the "posted" word and
// wakes this thread with Atomics.notify, which is quicker than waking an event loop. A worker that
// failed to start answers every job with that error, so the coordinator fails fast instead of waiting.
import { receiveMessageOnPort, workerData } from 'node:worker_threads';

const DONE = 0;
const STATUS = 1;
const POSTED = 2;
const STOP = 3;

const compiled = import.meta.url.endsWith('/dist/nn/runtime/shard-worker.js');
let handle;
try {
  if (!compiled) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  const { createShardHandler } = await import(compiled ? './shard-worker-task.js' : './shard-worker-task.ts');
  handle = createShardHandler(workerData);
} catch (error) {
  const message = `the shard worker could not start: ${error instanceof Error ? error.message : String(error)}`;
  handle = () => message;
}

const control = new Int32Array(workerData.control);
const port = workerData.port;
let last = 0;
while (Atomics.load(control, STOP) === 0) {
  if (Atomics.load(control, POSTED) === last) {
    // Bounded waits, so a stop request is seen even without a wake-up.
    Atomics.wait(control, POSTED, last, 200);
    continue;
  }
  const received = receiveMessageOnPort(port);
  if (received === undefined) continue;
  const job = received.message;
  const error = handle(job);
  if (error !== undefined) port.postMessage({ seq: job.seq, message: error });
  Atomics.store(control, STATUS, error === undefined ? 0 : 1);
  Atomics.store(control, DONE, job.seq);
  Atomics.notify(control, DONE);
  last = job.seq;
}
port.close();
