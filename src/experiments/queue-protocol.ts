/**
 * What travels over Redis between a coordinator (`biasloop sweep --queue`) and workers
 * (`biasloop worker --queue`): one BullMQ job per run, whose id is `run-<run id>` (so BullMQ itself
 * rejects a second copy), progress messages per generation carrying that generation's metric rows,
 * and the run's rows as the job's return value. Checkpoints stay on the worker's disk.
 */
import { BiasloopError } from '../core/errors.ts';
import type { PlannedRun } from '../spec/sweep.ts';
import type { CheckpointLocation } from './scheduler.ts';
import type { WireRow } from './wire.ts';

/** Bumped when job data or results change shape; a worker refuses jobs of another version. */
export const QUEUE_PROTOCOL_VERSION = 1;
export const DEFAULT_QUEUE_NAME = 'biasloop-runs';

/** Retries with exponential backoff: 3 attempts, 2 s then 4 s apart. */
export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 2000;
/** A worker that stops renewing its job lock for this long is considered dead; its job is re-run. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;
/** Finished jobs left in Redis (if the coordinator never collects them) are dropped after a week. */
export const KEEP_FINISHED_SECONDS = 7 * 24 * 3600;

export interface RunJobData {
  readonly protocol: number;
  readonly experimentId: string;
  readonly run: PlannedRun;
  /** `host:pid` of the coordinator that enqueued it. */
  readonly coordinator: string;
  /** biasloop version of the coordinator: workers with another version refuse the job. */
  readonly biasloopVersion: string;
}

export type RunJobProgress =
  | { readonly kind: 'start'; readonly worker: string }
  | {
      readonly kind: 'generation';
      readonly generation: number;
      readonly generations: number;
      readonly rows: readonly WireRow[];
      readonly worker: string;
      readonly checkpoint?: CheckpointLocation;
    };

export interface RunJobResult {
  readonly protocol: number;
  readonly runId: string;
  readonly rows: readonly WireRow[];
  readonly startedAt: number;
  readonly worker: string;
  readonly versions: Readonly<Record<string, string>>;
}

/**
 * The BullMQ job id of a run: `run-<run id>`. One id per run, so BullMQ itself refuses a second copy;
 * the prefix because BullMQ refuses custom ids that look like integers, and a 12-digit hex run id
 * can be all decimal digits.
 */
export function jobIdOf(runId: string): string {
  return `run-${runId}`;
}

/** BullMQ queue names may not contain ':'; keep them to a safe alphabet. */
export function checkQueueName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new BiasloopError(
      'usage',
      `--queue-name '${name}' may use letters, digits, dot, dash and underscore only`,
      { field: '--queue-name' },
    );
  }
  return name;
}
