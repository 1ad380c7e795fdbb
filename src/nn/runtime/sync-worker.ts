/**
 * A worker thread that runs jobs for a synchronous caller: `post` hands it a job and returns at once,
 * `wait` blocks the calling thread (Atomics.wait on shared memory) until the job is done and returns
 * its result. Lets synchronous APIs (a training step, `generate`) use a second core without becoming
 * asynchronous. The worker runs `createHandler(data)` from the task module `task` (a path under
 * src/ without extension, e.g. `nn/runtime/shard-worker-task`); the handler returns undefined or
 * `{ result, transfer? }` per job and throws on failure; the caller's `wait` rethrows a BiasloopError
 * as it was (same kind and message) and anything else as "`label` failed: message".
 *
 * The worker serves jobs in a blocking loop (sync-worker-entry.js), is unref'd (an undisposed worker does
 * not keep the process alive) and leaves its loop on `dispose`.
 */
import { fileURLToPath } from 'node:url';
import type { MessagePort, Transferable } from 'node:worker_threads';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { BiasloopError } from '../../core/errors.ts';
import type { WireError } from '../../core/error-wire.ts';
import { deserializeError } from '../../core/error-wire.ts';

const WORKER_FILE = fileURLToPath(new URL('./sync-worker-entry.js', import.meta.url));

/** Control words: [0] last finished job, [2] last posted, [3] stop ([1] is unused). */
const DONE = 0;
const POSTED = 2;
const STOP = 3;

/** What a task module's handler returns for a job. */
export interface JobAnswer {
  readonly result: unknown;
  readonly transfer?: readonly Transferable[];
}

/** How long `wait` blocks before giving up (a job is one step or one generate call). */
const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;

export class SyncWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly control: Int32Array;
  private readonly label: string;
  private readonly timeoutMs: number;
  private seq = 0;
  private disposed = false;

  /** `data` goes to the handler factory (structured clone; SharedArrayBuffers are shared). */
  constructor(task: string, data: unknown, options: { label?: string; timeoutMs?: number } = {}) {
    this.label = options.label ?? task;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const controlBuffer = new SharedArrayBuffer(16);
    this.control = new Int32Array(controlBuffer);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER_FILE, {
      workerData: { task, data, control: controlBuffer, port: port2 },
      transferList: [port2],
    });
    this.worker.unref();
    port1.unref();
  }

  /** Hand the worker a job; returns its sequence number (for `wait`). */
  post(job: unknown, transfer: readonly Transferable[] = []): number {
    if (this.disposed) throw new Error(`${this.label}: worker used after dispose()`);
    const seq = ++this.seq;
    this.port.postMessage({ seq, job }, [...transfer]);
    Atomics.store(this.control, POSTED, seq);
    Atomics.notify(this.control, POSTED);
    return seq;
  }

  /**
   * Block until job `seq` is done; returns its result (undefined when the handler gave none).
   * `timeoutMs` (default: the worker's) bounds the wait: a worker that died cannot say so, so a job
   * that takes longer is reported as not finished.
   */
  wait(seq: number, timeoutMs = this.timeoutMs): unknown {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = Atomics.load(this.control, DONE);
      if (done >= seq) break;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label}: job ${seq} did not finish within ${timeoutMs} ms`);
      Atomics.wait(this.control, DONE, done, Math.min(left, 1000));
    }
    // The worker posts a job's answer (a result, or an error) before it marks the job done.
    let answer: { seq: number; result?: unknown; error?: WireError } | undefined;
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      const message = m.message as { seq: number; result?: unknown; error?: WireError };
      if (message.seq === seq) answer = message;
    }
    if (answer?.error !== undefined) {
      const error = deserializeError(answer.error);
      if (error instanceof BiasloopError) throw error;
      throw new Error(`${this.label} failed: ${error.message}`);
    }
    return answer?.result;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.control, STOP, 1);
    Atomics.notify(this.control, POSTED);
    this.port.close();
    void this.worker.terminate();
  }
}
