// Entry module of a synchronous-job worker thread (sync-worker.ts). From the sources, worker threads
// start without the TypeScript loader, so register tsx here (as bin/biasloop.js does); from the
// compiled dist/, load the compiled task module.
//
// The worker serves jobs in a blocking loop on shared control words instead of its event loop: the
// coordinator posts a job on the port, bumps the "posted" word and wakes this thread with
// Atomics.notify, which is quicker than waking an event loop. A result (if any) goes back on the port
// before the "done" word is bumped; a failure goes back as a wire error (core/error-wire.ts), so a
// BiasloopError arrives with its kind. A worker that failed to start answers every job with that
// error, so the coordinator fails fast instead of waiting.
import { receiveMessageOnPort, workerData } from 'node:worker_threads';

const DONE = 0;
const POSTED = 2;
const STOP = 3;

const compiled = import.meta.url.endsWith('/dist/nn/runtime/sync-worker-entry.js');
const extension = compiled ? '.js' : '.ts';
let handle;
let serializeError = (error) => ({
  biasloop: false,
  message: error instanceof Error ? error.message : String(error),
});
try {
  if (!compiled) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  ({ serializeError } = await import(new URL(`../../core/error-wire${extension}`, import.meta.url).href));
  const task = new URL(`../../${workerData.task}${extension}`, import.meta.url);
  const { createHandler } = await import(task.href);
  handle = createHandler(workerData.data);
} catch (error) {
  const message = `the worker could not start: ${error instanceof Error ? error.message : String(error)}`;
  handle = () => {
    throw new Error(message);
  };
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
  const { seq, job } = received.message;
  try {
    const answer = handle(job);
    if (answer !== undefined) port.postMessage({ seq, result: answer.result }, answer.transfer ?? []);
  } catch (error) {
    port.postMessage({ seq, error: serializeError(error) });
  }
  Atomics.store(control, DONE, seq);
  Atomics.notify(control, DONE);
  last = seq;
}
port.close();
