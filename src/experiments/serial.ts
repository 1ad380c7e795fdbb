/**
 * The serial scheduler: one run at a time in this thread. It is the reference the pool and the
 * queue must match byte for byte, and the right choice for a single run or a debugger session.
 */
import { DataCache } from '../data/real.ts';
import { executeRunLocally } from './local-run.ts';
import type { RunHooks, RunReport, RunTask, Scheduler } from './scheduler.ts';

export class SerialScheduler implements Scheduler {
  readonly kind = 'serial';
  readonly slots = 1;
  readonly description = 'serial (this process)';
  private readonly cache = new DataCache();
  private readonly versions: Readonly<Record<string, string>>;

  constructor(options: { versions?: Readonly<Record<string, string>> } = {}) {
    this.versions = options.versions ?? {};
  }

  async execute(task: RunTask, hooks: RunHooks): Promise<RunReport> {
    hooks.onStart?.('main');
    return executeRunLocally(task, {
      cache: this.cache,
      worker: 'main',
      versions: this.versions,
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      ...(hooks.onGeneration ? { onGeneration: hooks.onGeneration } : {}),
    });
  }

  async close(): Promise<void> {}
}
