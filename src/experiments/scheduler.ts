/**
 * The scheduler contract: how an experiment's runs get executed. `runExperiment` owns the plan, the
 * results directory, the manifest and the results store; a scheduler only executes one run at a time
 * per slot and reports what happened:
 *
 * - `SerialScheduler` runs in this thread (the reference every other scheduler must match);
 * - `PoolScheduler` runs each run on a worker thread of a piscina pool (one model per thread);
 * - `QueueScheduler` enqueues runs on BullMQ/Redis for `biasloop worker` processes on any machine.
 *
 * A run's metrics depend only on its resolved spec and seed (every random stream is named by seed,
 * generation and component), so all three produce byte-identical metrics; the tests check it.
 */
import type { PlannedRun } from '../spec/sweep.ts';
import type { MetricRow } from '../results/rows.ts';

export type SchedulerKind = 'serial' | 'pool' | 'queue';

export interface RunTask {
  readonly run: PlannedRun;
  /** The experiment's id (`<name>-<hash>`); distributed workers file checkpoints under it. */
  readonly experimentId: string;
  /** The coordinator's experiment directory; local schedulers write checkpoints into it. */
  readonly experimentDir: string;
}

/** Where a generation's checkpoint was written (the coordinator records it as an artefact). */
export interface CheckpointLocation {
  /** `local` when it is on the coordinator's disk, otherwise the worker's host name. */
  readonly host: string;
  /** Directory of the generation's checkpoint (absolute on remote hosts). */
  readonly path: string;
  /** Whether the checkpoint holds the synthetic set S_g (samples). */
  readonly samples: boolean;
}

export interface RunProgress {
  readonly runId: string;
  readonly generation: number;
  readonly generations: number;
  readonly rows: readonly MetricRow[];
  /** Who computed it: `main`, `thread 3`, `host:pid/thread 2`. */
  readonly worker: string;
  readonly checkpoint?: CheckpointLocation;
}

export interface RunHooks {
  /** Abort = stop gracefully: finish the current generation, checkpoint it, report `interrupted`. */
  readonly signal?: AbortSignal;
  /** The run began on a worker (a queued run may wait before this). */
  readonly onStart?: (worker: string) => void;
  readonly onGeneration?: (e: RunProgress) => void;
  /** Something the user should know that is not an error (e.g. Redis reconnecting). */
  readonly onNotice?: (message: string) => void;
}

export interface RunReport {
  readonly status: 'complete' | 'interrupted';
  /** Every generation's rows (also those loaded from checkpoints on a resume). */
  readonly rows: readonly MetricRow[];
  /** First generation computed by this attempt (0 for a fresh start). */
  readonly startedAt: number;
  readonly worker: string;
  /** Versions of the process that computed the run (biasloop, node). */
  readonly versions: Readonly<Record<string, string>>;
  /** True when the scheduler already wrote runs/<id>/metrics.{csv,json} into the experiment dir. */
  readonly wroteMetricsFiles: boolean;
}

export interface Scheduler {
  readonly kind: SchedulerKind;
  /** How many runs may be in flight at once (the queue takes every pending run at once). */
  readonly slots: number;
  /** A short description for progress output, e.g. `pool of 4 worker threads`. */
  readonly description: string;
  execute(task: RunTask, hooks: RunHooks): Promise<RunReport>;
  /** Release threads and connections; an experiment never closes a scheduler it was given. */
  close(): Promise<void>;
}
