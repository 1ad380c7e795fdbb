/**
 * What a pool worker thread does with one task: execute one run with a single-threaded model,
 * writing checkpoints to the experiment directory on this machine, and report each generation and
 * then the result over the task's MessagePort (one port, so the order is kept). A `stop` message
 * stops the run gracefully after the current generation.
 */
import type { MessagePort } from 'node:worker_threads';
import { threadId } from 'node:worker_threads';
import { DataCache } from '../data/real.ts';
import { serializeError, type WireError } from '../core/error-wire.ts';
import { executeRunLocally } from './local-run.ts';
import type { RunProgress, RunReport, RunTask } from './scheduler.ts';

export interface PoolTask extends RunTask {
  readonly port: MessagePort;
  /** Prefix of the worker label, e.g. `host:pid/` for a distributed worker ('' locally). */
  readonly workerPrefix: string;
  /** Host recorded with checkpoints ('local' in the coordinator's pool). */
  readonly host: string;
  readonly versions: Readonly<Record<string, string>>;
}

export type PoolMessage =
  | { readonly type: 'start'; readonly worker: string }
  | { readonly type: 'generation'; readonly progress: RunProgress }
  | { readonly type: 'end'; readonly report?: RunReport; readonly error?: WireError };

// Parsed data files, per worker thread, shared by the runs this thread executes (keyed by path and
// modification time). This module-level cache is the one piece of state a thread keeps between tasks.
const threadCache = new DataCache();

export async function runPoolTask(task: PoolTask): Promise<void> {
  const { port } = task;
  const controller = new AbortController();
  port.on('message', (m: { type: string }) => {
    if (m.type === 'stop') controller.abort();
  });
  const worker = `${task.workerPrefix}thread ${threadId}`;
  const post = (m: PoolMessage): void => port.postMessage(m);
  try {
    post({ type: 'start', worker });
    const report = await executeRunLocally(
      { run: task.run, experimentId: task.experimentId, experimentDir: task.experimentDir },
      {
        cache: threadCache,
        worker,
        host: task.host,
        versions: task.versions,
        signal: controller.signal,
        onGeneration: (progress) => post({ type: 'generation', progress }),
      },
    );
    post({ type: 'end', report });
  } catch (e) {
    post({ type: 'end', error: serializeError(e) });
  } finally {
    port.close();
  }
}
