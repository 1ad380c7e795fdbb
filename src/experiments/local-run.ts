/**
 * Executing one run in the current thread, for the serial scheduler and for pool worker threads:
 * checkpoints go to the experiment directory on this machine, and each generation is reported with
 * the location of its checkpoint.
 */
import { join } from 'node:path';
import type { DataCache } from '../data/real.ts';
import { genDirName } from '../loop/checkpoint.ts';
import { executeRun } from '../loop/run.ts';
import { runPaths } from '../results/layout.ts';
import type { RunProgress, RunReport, RunTask } from './scheduler.ts';

export interface LocalRunOptions {
  readonly cache: DataCache;
  readonly worker: string;
  readonly versions: Readonly<Record<string, string>>;
  /** Host name recorded with checkpoints; `local` when the coordinator shares this disk. */
  readonly host?: string;
  readonly signal?: AbortSignal;
  readonly onGeneration?: (e: RunProgress) => void;
}

export async function executeRunLocally(task: RunTask, options: LocalRunOptions): Promise<RunReport> {
  const checkpoints = runPaths(task.experimentDir, task.run.id).checkpoints;
  const outcome = await executeRun(task.run, {
    experimentDir: task.experimentDir,
    cache: options.cache,
    ...(options.signal ? { signal: options.signal } : {}),
    onGeneration: (e) =>
      options.onGeneration?.({
        ...e,
        worker: options.worker,
        checkpoint: {
          host: options.host ?? 'local',
          path: join(checkpoints, genDirName(e.generation)),
          samples: e.generation > 0,
        },
      }),
  });
  return {
    status: outcome.status,
    rows: outcome.rows,
    startedAt: outcome.startedAt,
    worker: options.worker,
    versions: { ...options.versions, node: process.version },
    wroteMetricsFiles: outcome.status === 'complete',
  };
}
