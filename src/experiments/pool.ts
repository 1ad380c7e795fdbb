/**
 * The local pool: a piscina pool of worker threads, one run per task and one single-threaded model
 * per thread, `threads` runs at a time. Threads write checkpoints into the experiment directory
 * themselves and post each generation back; the coordinator alone writes the manifest and the store.
 * Results are byte-identical to the serial scheduler's: a run's random streams are named by its
 * seed, generation and component, never by the thread or the order of execution.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { BiasloopError } from '../core/errors.ts';
import { deserializeError } from '../core/error-wire.ts';
import type { PoolMessage, PoolTask } from './pool-task.ts';
import type { RunHooks, RunReport, RunTask, Scheduler } from './scheduler.ts';

export interface PoolOptions {
  /** Worker threads (default: the number of cores). */
  readonly threads?: number;
  readonly versions?: Readonly<Record<string, string>>;
  /** Label prefix for the threads (a distributed worker uses `host:pid/`). */
  readonly workerPrefix?: string;
  /** Host recorded with checkpoints: 'local' (default) when the coordinator shares this disk. */
  readonly host?: string;
}

export const POOL_WORKER_FILE = fileURLToPath(new URL('./pool-worker.js', import.meta.url));

export function defaultWorkerCount(): number {
  return availableParallelism();
}

export class PoolScheduler implements Scheduler {
  readonly kind = 'pool';
  readonly slots: number;
  readonly description: string;
  private readonly pool: Piscina;
  private readonly options: PoolOptions;

  constructor(options: PoolOptions = {}) {
    const threads = options.threads ?? defaultWorkerCount();
    if (!Number.isInteger(threads) || threads < 1) {
      throw new BiasloopError('usage', `--workers must be an integer ≥ 1, got ${threads}`, {
        field: '--workers',
      });
    }
    this.options = options;
    this.slots = threads;
    this.description = `pool of ${threads} worker thread${threads === 1 ? '' : 's'}`;
    this.pool = new Piscina({
      filename: POOL_WORKER_FILE,
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      // Every run gets its own MessagePort; the port, not piscina's channel, carries the results.
      atomics: 'disabled',
    });
  }

  async execute(task: RunTask, hooks: RunHooks): Promise<RunReport> {
    const { port1, port2 } = new MessageChannel();
    let end: PoolMessage & { type: 'end' } = { type: 'end' };
    const ended = new Promise<void>((resolve) => {
      port1.on('message', (m: PoolMessage) => {
        if (m.type === 'start') hooks.onStart?.(m.worker);
        else if (m.type === 'generation') hooks.onGeneration?.(m.progress);
        else {
          end = m;
          resolve();
        }
      });
    });
    const onAbort = (): void => port1.postMessage({ type: 'stop' });
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    const poolTask: PoolTask = {
      run: task.run,
      experimentId: task.experimentId,
      experimentDir: task.experimentDir,
      port: port2,
      workerPrefix: this.options.workerPrefix ?? '',
      host: this.options.host ?? 'local',
      versions: this.options.versions ?? {},
    };
    try {
      if (hooks.signal?.aborted) onAbort();
      await this.pool.run(poolTask, { transferList: [port2] });
      await ended;
    } catch (e) {
      // The thread died (out of memory, a native crash): the run is retried on the next attempt.
      throw new BiasloopError(
        'io',
        `worker thread failed while running ${task.run.label}: ${e instanceof Error ? e.message : String(e)}`,
      );
    } finally {
      hooks.signal?.removeEventListener('abort', onAbort);
      port1.close();
    }
    if (end.error) throw deserializeError(end.error);
    if (!end.report) throw new Error(`worker thread ended ${task.run.label} without a result`);
    return end.report;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
