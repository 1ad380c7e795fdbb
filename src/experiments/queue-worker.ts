/**
 * A distributed worker (`biasloop worker --queue redis://…`): pulls run jobs from BullMQ and executes
 * them on a local piscina pool (one thread per concurrent job, so the main thread stays free to renew
 * job locks however long a generation takes). Checkpoints go to `<workDir>/<experiment-id>/runs/…` on
 * this machine; each generation's rows are posted as job progress and the run's rows are the job's
 * return value, so results reach the coordinator over Redis alone.
 *
 * Failure behaviour:
 * - a run that throws is retried by BullMQ with exponential backoff (attempts set by the coordinator);
 * - a worker that dies stops renewing its lock; after `stallTimeoutMs` another worker (or this one,
 *   restarted) takes the job over, resuming from checkpoints when it shares the work directory;
 * - `stop()` (SIGTERM) finishes the current generation of every running job, checkpoints it, and
 *   releases the job back to the queue (moveToWait), so another worker continues it at once.
 */
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker, WaitingError, type ConnectionOptions, type Job } from 'bullmq';
import { packageVersion } from '../core/version.ts';
import { BiasloopError } from '../core/errors.ts';
import { ensureDir } from '../core/files.ts';
import { PoolScheduler } from './pool.ts';
import {
  DEFAULT_QUEUE_NAME,
  DEFAULT_STALL_TIMEOUT_MS,
  QUEUE_PROTOCOL_VERSION,
  checkQueueName,
  type RunJobData,
  type RunJobProgress,
  type RunJobResult,
} from './queue-protocol.ts';
import { parseRedisUrl, probeRedis, resilientOptions } from './redis.ts';
import { encodeRows } from './wire.ts';

export interface QueueWorkerOptions {
  readonly url: string;
  readonly queueName?: string;
  /** Runs executed at once, one worker thread each (default 1). */
  readonly concurrency?: number;
  /** Where checkpoints are written on this machine (default ./biasloop-worker). */
  readonly workDir?: string;
  /** A job whose worker stops renewing its lock for this long is taken over (default 30 s). */
  readonly stallTimeoutMs?: number;
  /** Versions reported with results (biasloop defaults to this package's version). */
  readonly versions?: Readonly<Record<string, string>>;
  readonly onEvent?: (e: QueueWorkerEvent) => void;
}

export type QueueWorkerEvent =
  | { readonly type: 'ready'; readonly worker: string; readonly queue: string; readonly target: string }
  | {
      readonly type: 'job-start';
      readonly runId: string;
      readonly label: string;
      readonly experiment: string;
    }
  | { readonly type: 'job-done'; readonly runId: string; readonly label: string; readonly seconds: number }
  | {
      readonly type: 'job-released';
      readonly runId: string;
      readonly label: string;
      readonly generation: number;
    }
  | { readonly type: 'job-failed'; readonly runId: string; readonly label: string; readonly message: string }
  | { readonly type: 'notice'; readonly message: string };

export interface QueueWorkerHandle {
  readonly name: string;
  /** Graceful stop: finish the current generation of each job, release the jobs, close. */
  stop(): Promise<void>;
  /** Resolves when the worker has closed (after stop(), or a fatal error). */
  readonly closed: Promise<void>;
}

export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorkerHandle> {
  const target = parseRedisUrl(options.url);
  const queueName = checkQueueName(options.queueName ?? DEFAULT_QUEUE_NAME);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new BiasloopError('usage', `--concurrency must be an integer ≥ 1, got ${concurrency}`);
  }
  const stall = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  if (!Number.isFinite(stall) || stall < 500) {
    throw new BiasloopError('usage', `--stall-timeout must be at least 0.5 s`, { field: '--stall-timeout' });
  }
  await probeRedis(target);
  const workDir = resolve(options.workDir ?? 'biasloop-worker');
  ensureDir(workDir);
  const host = hostname();
  const name = `${host}:${process.pid}`;
  const emit = (e: QueueWorkerEvent): void => options.onEvent?.(e);
  const ownVersion = options.versions?.biasloop ?? packageVersion();
  const versions = { ...options.versions, biasloop: ownVersion, node: process.version };
  const pool = new PoolScheduler({ threads: concurrency, versions, workerPrefix: `${name}/`, host });
  const running = new Map<string, AbortController>();
  let stopping = false;

  const processor = async (job: Job<RunJobData, RunJobResult>, token?: string): Promise<RunJobResult> => {
    const data = job.data;
    if (data.protocol !== QUEUE_PROTOCOL_VERSION || data.biasloopVersion !== ownVersion) {
      // Another version must not compute this run (results could differ): hand it back and stop.
      void handle.stop();
      await job.moveToWait(token);
      emit({
        type: 'notice',
        message: `job ${job.id} comes from biasloop ${data.biasloopVersion} (protocol ${data.protocol}); this worker is ${ownVersion} (protocol ${QUEUE_PROTOCOL_VERSION}): released it and stopping; run the same version everywhere`,
      });
      throw new WaitingError();
    }
    const run = data.run;
    const controller = new AbortController();
    running.set(run.id, controller);
    if (stopping) controller.abort();
    emit({ type: 'job-start', runId: run.id, label: run.label, experiment: data.experimentId });
    const started = performance.now();
    // Progress and completion go over the worker's one Redis connection, whose commands ioredis
    // sends in call order: no need to wait for one before sending the next (or the result).
    const send = (p: RunJobProgress): void => {
      job.updateProgress(p).catch(() => undefined);
    };
    let lastGeneration = -1;
    try {
      const report = await pool.execute(
        { run, experimentId: data.experimentId, experimentDir: join(workDir, data.experimentId) },
        {
          signal: controller.signal,
          onStart: (worker) => send({ kind: 'start', worker }),
          onGeneration: (p) => {
            lastGeneration = p.generation;
            send({
              kind: 'generation',
              generation: p.generation,
              generations: p.generations,
              rows: encodeRows(p.rows),
              worker: p.worker,
              ...(p.checkpoint ? { checkpoint: p.checkpoint } : {}),
            });
          },
        },
      );
      if (report.status === 'interrupted') {
        await job.moveToWait(token);
        emit({ type: 'job-released', runId: run.id, label: run.label, generation: lastGeneration });
        throw new WaitingError();
      }
      emit({
        type: 'job-done',
        runId: run.id,
        label: run.label,
        seconds: (performance.now() - started) / 1000,
      });
      return {
        protocol: QUEUE_PROTOCOL_VERSION,
        runId: run.id,
        rows: encodeRows(report.rows),
        startedAt: report.startedAt,
        worker: report.worker,
        versions: { ...report.versions, host },
      };
    } catch (e) {
      if (!(e instanceof WaitingError)) {
        emit({
          type: 'job-failed',
          runId: run.id,
          label: run.label,
          message: e instanceof Error ? e.message : String(e),
        });
      }
      throw e;
    } finally {
      running.delete(run.id);
    }
  };

  const worker = new Worker<RunJobData, RunJobResult>(queueName, processor, {
    connection: resilientOptions(target) as ConnectionOptions,
    concurrency,
    lockDuration: stall,
    stalledInterval: Math.max(250, Math.floor(stall / 2)),
    maxStalledCount: 3,
    autorun: false,
  });
  let lastNotice = 0;
  worker.on('error', (e) => {
    const now = Date.now();
    if (now - lastNotice < 5000) return;
    lastNotice = now;
    emit({ type: 'notice', message: `Redis at ${target.display}: ${e.message} (retrying)` });
  });
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let stopPromise: Promise<void> | undefined;
  const handle: QueueWorkerHandle = {
    name,
    closed,
    stop: () => {
      stopPromise ??= (async () => {
        stopping = true;
        for (const c of running.values()) c.abort();
        await worker.close();
        await pool.close();
        resolveClosed();
      })();
      return stopPromise;
    },
  };
  await worker.waitUntilReady();
  void worker.run().catch((e: unknown) => {
    emit({ type: 'notice', message: `worker stopped: ${e instanceof Error ? e.message : String(e)}` });
    void handle.stop();
  });
  emit({ type: 'ready', worker: name, queue: queueName, target: target.display });
  return handle;
}
