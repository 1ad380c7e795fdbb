/**
 * The distributed scheduler (coordinator side): every pending run becomes one BullMQ job on Redis,
 * with job id `run-<run id>` (BullMQ refuses ids that look like integers, and a hex run id can), for `biasloop worker` processes on any number of machines. Workers post
 * each generation's rows as job progress and the run's rows as the job's return value; this side
 * hands them to the experiment, which records them idempotently by run id (and (run, generation)).
 *
 * Robustness, in order of defence:
 * - BullMQ retries a failed job with exponential backoff, and re-runs the job of a worker that died
 *   (its lock expires after the worker's stall timeout);
 * - events (QueueEvents) give low latency, but every outstanding job is also polled, so a missed
 *   event, a coordinator restart or a Redis restart cannot lose a result: a job Redis no longer knows
 *   (restarted without persistence) is enqueued again, and a job found completed is collected;
 * - a duplicate delivery (a job run twice, or its completion seen twice) is harmless: the first
 *   result settles the run, later ones are ignored, and generation rows replace equal rows.
 */
import { hostname } from 'node:os';
import { Queue, QueueEvents, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';
import { packageVersion } from '../core/version.ts';
import { BiasloopError } from '../core/errors.ts';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  DEFAULT_QUEUE_NAME,
  KEEP_FINISHED_SECONDS,
  QUEUE_PROTOCOL_VERSION,
  checkQueueName,
  jobIdOf,
  type RunJobData,
  type RunJobProgress,
  type RunJobResult,
} from './queue-protocol.ts';
import { parseRedisUrl, probeRedis, resilientOptions, type RedisTarget } from './redis.ts';
import type { RunHooks, RunReport, RunTask, Scheduler } from './scheduler.ts';
import { decodeRows } from './wire.ts';

export interface QueueSchedulerOptions {
  readonly queueName?: string;
  readonly versions?: Readonly<Record<string, string>>;
  /** Attempts per run before it fails (default 3), with exponential backoff from `backoffMs`. */
  readonly attempts?: number;
  readonly backoffMs?: number;
  /** How often outstanding jobs are checked besides the events (default 1000 ms). */
  readonly pollMs?: number;
  /** Seconds to wait for Redis on the first probe (default 3). */
  readonly connectTimeoutMs?: number;
}

interface Waiter {
  readonly task: RunTask;
  readonly hooks: RunHooks;
  readonly resolve: (r: RunReport) => void;
  readonly reject: (e: Error) => void;
  readonly reported: Set<number>;
  settled: boolean;
  started: boolean;
  checking: boolean;
}

type JobOf = Job<RunJobData, RunJobResult>;

export class QueueScheduler implements Scheduler {
  readonly kind = 'queue';
  readonly slots = Number.POSITIVE_INFINITY;
  readonly description: string;
  readonly target: RedisTarget;
  readonly queueName: string;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly waiters = new Map<string, Waiter>();
  private readonly options: QueueSchedulerOptions;
  private readonly timer: NodeJS.Timeout;
  private readonly coordinator = `${hostname()}:${process.pid}`;
  private lastNotice = 0;
  private closed = false;

  private constructor(target: RedisTarget, options: QueueSchedulerOptions) {
    this.target = target;
    this.options = options;
    this.queueName = checkQueueName(options.queueName ?? DEFAULT_QUEUE_NAME);
    this.description = `queue ${this.queueName} on ${target.display}`;
    const connection: ConnectionOptions = resilientOptions(target);
    this.queue = new Queue(this.queueName, { connection });
    this.events = new QueueEvents(this.queueName, { connection });
    this.queue.on('error', (e) => this.notice(`Redis at ${target.display}: ${e.message} (retrying)`));
    this.events.on('error', (e) => this.notice(`Redis at ${target.display}: ${e.message} (retrying)`));
    this.events.on('progress', ({ jobId, data }) => this.onProgress(jobId, data as RunJobProgress));
    this.events.on('completed', ({ jobId }) => void this.check(jobId));
    this.events.on('failed', ({ jobId }) => void this.check(jobId));
    this.timer = setInterval(() => this.pollAll(), options.pollMs ?? 1000);
  }

  /** Probe Redis (failing fast with a one-line error), then open the queue and its event stream. */
  static async connect(url: string, options: QueueSchedulerOptions = {}): Promise<QueueScheduler> {
    const target = parseRedisUrl(url);
    await probeRedis(target, options.connectTimeoutMs);
    const scheduler = new QueueScheduler(target, options);
    await scheduler.queue.waitUntilReady();
    await scheduler.events.waitUntilReady();
    return scheduler;
  }

  private notice(message: string): void {
    // At most one connection notice per 5 s: ioredis reports every failed reconnect.
    const now = Date.now();
    if (now - this.lastNotice < 5000) return;
    this.lastNotice = now;
    for (const w of this.waiters.values()) {
      if (!w.settled) {
        w.hooks.onNotice?.(message);
        return;
      }
    }
  }

  private jobOptions(runId: string): JobsOptions {
    return {
      jobId: jobIdOf(runId),
      attempts: this.options.attempts ?? DEFAULT_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.options.backoffMs ?? DEFAULT_BACKOFF_MS },
      removeOnComplete: { age: KEEP_FINISHED_SECONDS },
      removeOnFail: { age: KEEP_FINISHED_SECONDS },
    };
  }

  private async enqueue(task: RunTask): Promise<void> {
    const id = jobIdOf(task.run.id);
    const existing = (await this.queue.getJob(id)) as JobOf | undefined;
    if (existing && (await existing.isFailed())) {
      // Failed in an earlier sweep: try again from scratch.
      await existing.remove();
    } else if (existing) {
      return; // waiting, running or finished: collected by check()
    }
    const data: RunJobData = {
      protocol: QUEUE_PROTOCOL_VERSION,
      experimentId: task.experimentId,
      run: task.run,
      coordinator: this.coordinator,
      biasloopVersion: this.options.versions?.biasloop ?? packageVersion(),
    };
    await this.queue.add('run', data, this.jobOptions(task.run.id));
  }

  execute(task: RunTask, hooks: RunHooks): Promise<RunReport> {
    return new Promise<RunReport>((resolve, reject) => {
      const waiter: Waiter = {
        task,
        hooks,
        resolve,
        reject,
        reported: new Set(),
        settled: false,
        started: false,
        checking: false,
      };
      this.waiters.set(jobIdOf(task.run.id), waiter);
      const onAbort = (): void => void this.release(waiter);
      hooks.signal?.addEventListener('abort', onAbort, { once: true });
      this.enqueue(task)
        .then(() => {
          if (hooks.signal?.aborted) void this.release(waiter);
          else void this.check(jobIdOf(task.run.id));
        })
        .catch((e: unknown) => this.settle(waiter, undefined, asError(e)));
    });
  }

  /** Graceful stop: a job still waiting is taken back; a running one finishes on its worker and is
   *  collected by the next `--resume`. Either way the run is reported interrupted now. */
  private async release(w: Waiter): Promise<void> {
    if (w.settled) return;
    try {
      const job = (await this.queue.getJob(jobIdOf(w.task.run.id))) as JobOf | undefined;
      if (job && ((await job.isWaiting()) || (await job.isDelayed()))) await job.remove();
    } catch {
      // Best effort: a job left behind is collected (or re-run) by the next sweep.
    }
    this.settle(w, {
      status: 'interrupted',
      rows: [],
      startedAt: 0,
      worker: '',
      versions: {},
      wroteMetricsFiles: false,
    });
  }

  private settle(w: Waiter, report: RunReport | undefined, error?: Error): void {
    if (w.settled) return;
    w.settled = true;
    this.waiters.delete(jobIdOf(w.task.run.id));
    if (error) w.reject(error);
    else if (report) w.resolve(report);
  }

  private onProgress(jobId: string, data: RunJobProgress): void {
    const w = this.waiters.get(jobId);
    if (!w || w.settled || typeof data !== 'object' || data === null) return;
    if (data.kind === 'start') {
      w.started = true;
      w.hooks.onStart?.(data.worker);
    } else if (data.kind === 'generation') {
      if (!w.started) {
        w.started = true;
        w.hooks.onStart?.(data.worker);
      }
      // A generation already reported (a re-run after a lost job or a duplicate delivery) has
      // identical rows: report each generation once.
      if (w.reported.has(data.generation)) return;
      w.reported.add(data.generation);
      w.hooks.onGeneration?.({
        runId: w.task.run.id,
        generation: data.generation,
        generations: data.generations,
        rows: decodeRows(data.rows),
        worker: data.worker,
        ...(data.checkpoint ? { checkpoint: data.checkpoint } : {}),
      });
    }
  }

  private pollAll(): void {
    for (const id of this.waiters.keys()) void this.check(id);
  }

  /** Look at a job's state and settle its run when it finished; re-enqueue it if Redis lost it. */
  private async check(jobId: string): Promise<void> {
    const w = this.waiters.get(jobId);
    if (!w || w.settled || w.checking || this.closed) return;
    w.checking = true;
    try {
      const state = await this.queue.getJobState(jobId);
      if (state === 'completed') {
        const job = (await this.queue.getJob(jobId)) as JobOf | undefined;
        const result = job?.returnvalue;
        if (!job || !result) return; // removed in between: the next poll sees 'unknown'
        if (result.protocol !== QUEUE_PROTOCOL_VERSION || result.runId !== w.task.run.id) {
          throw new BiasloopError('service', `job ${jobId} returned a result this coordinator cannot read`, {
            hint: 'use the same biasloop version on the coordinator and the workers',
          });
        }
        const report: RunReport = {
          status: 'complete',
          rows: decodeRows(result.rows),
          startedAt: result.startedAt,
          worker: result.worker,
          versions: result.versions,
          wroteMetricsFiles: false,
        };
        this.settle(w, report);
        // Collected: free Redis. (If this coordinator dies first, the job waits for the next one.)
        await job.remove().catch(() => undefined);
      } else if (state === 'failed') {
        const job = (await this.queue.getJob(jobId)) as JobOf | undefined;
        const attempts = job?.attemptsMade ?? 0;
        this.settle(
          w,
          undefined,
          new BiasloopError(
            'service',
            `run '${w.task.run.label}' failed on the workers after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${job?.failedReason ?? 'unknown reason'}`,
          ),
        );
      } else if (state === 'unknown') {
        if (w.hooks.signal?.aborted) return this.release(w);
        w.hooks.onNotice?.(`run ${w.task.run.label} is no longer in Redis (restarted?); enqueued again`);
        w.reported.clear();
        await this.enqueue(w.task).catch((e: unknown) => {
          // Redis refused the job itself (not a connection problem): the run cannot go on.
          if (!isConnectionError(e)) this.settle(w, undefined, asError(e));
          else throw e;
        });
      }
    } catch (e) {
      if (e instanceof BiasloopError) this.settle(w, undefined, e);
      // Anything else is a connection problem: the next poll tries again.
    } finally {
      w.checking = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.events.close();
    await this.queue.close();
  }

  /** Jobs of this queue by state (for `biasloop worker --status` and tests). */
  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
  }
}

function isConnectionError(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  return /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection is closed|connect|Stream isn't writeable/i.test(
    msg,
  );
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
