/**
 * Sweep benchmark (issue #5): a sweep of 8 equal runs executed serially, on a pool of 2 worker
 * threads, and by 2 `biasloop worker` processes through a loopback redis-server; prints the
 * speed-ups over the serial sweep and the queue's overhead per job (200 near-empty runs through one
 * worker process: its time between jobs, i.e. its span minus its execution time, per job). Each mode first runs a small warm-up sweep, so
 * thread and process start-up (reported separately) is not counted as throughput.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PoolScheduler } from '../src/experiments/pool.ts';
import { QueueScheduler } from '../src/experiments/queue.ts';
import type { Scheduler } from '../src/experiments/scheduler.ts';
import { SerialScheduler } from '../src/experiments/serial.ts';
import { runExperiment } from '../src/loop/experiment.ts';
import { machine, type BenchResult } from './common.ts';

export const SWEEP_BENCH = { runs: 8, n: 20_000, dim: 12, generations: 15, overheadJobs: 200 };

const BIN = fileURLToPath(new URL('../bin/biasloop.js', import.meta.url));
const REDIS = '/usr/bin/redis-server';

/** Every directory the bench writes (~400 MB of checkpoints per sweep); removed when it ends. */
const tempDirs: string[] = [];
const tmp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'biasloop-bench-'));
  tempDirs.push(dir);
  return dir;
};

function sweepSpec(name: string, runs: number, n: number, generations: number): Record<string, unknown> {
  return {
    name,
    seeds: runs,
    generations,
    data: { source: 'synthetic', n, dim: SWEEP_BENCH.dim, testSize: 5000 },
    strategy: { kind: 'replace' },
  };
}

async function timeSweep(scheduler: Scheduler, spec: Record<string, unknown>): Promise<number> {
  const t0 = performance.now();
  const r = await runExperiment(spec, { outDir: tmp(), scheduler });
  if (r.status !== 'complete') throw new Error('bench sweep did not complete');
  return (performance.now() - t0) / 1000;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function waitForRedis(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('error', () => resolve(false));
      s.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not start');
}

interface BenchWorker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  /**
   * The jobs this worker finished since the last call: how many, the seconds it spent executing them
   * (its `job-done` events) and the span from the first job's start to the last one's end.
   */
  takeJobs(): { jobs: number; busySeconds: number; spanSeconds: number };
}

function startWorker(url: string): BenchWorker {
  const child = spawn(
    process.execPath,
    [BIN, 'worker', '--queue', url, '--work-dir', tmp(), '--json', '--queue-name', 'bench'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let log = '';
  const ready = new Promise<void>((resolve) => {
    child.stdout?.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('"type":"ready"')) resolve();
    });
  });
  return {
    child,
    ready,
    takeJobs: () => {
      const lines = log.split('\n');
      log = lines.pop() ?? '';
      const events = lines
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { type: string; time: string; seconds?: number });
      const starts = events.filter((e) => e.type === 'job-start').map((e) => Date.parse(e.time));
      const dones = events.filter((e) => e.type === 'job-done');
      return {
        jobs: dones.length,
        busySeconds: dones.reduce((sum, e) => sum + (e.seconds ?? 0), 0),
        spanSeconds: (Math.max(...dones.map((e) => Date.parse(e.time))) - Math.min(...starts)) / 1000,
      };
    },
  };
}

/** Repetitions per mode, interleaved; the minimum counts (the machine may be shared and noisy). */
const REPS = Number(process.env.BENCH_REPS ?? 3);

export async function runSweepBench(): Promise<BenchResult> {
  const { runs, n, generations, overheadJobs } = SWEEP_BENCH;
  const spec = sweepSpec('bench-sweep', runs, n, generations);
  const warm = sweepSpec('bench-warm', 2, 2000, 2);
  const tiny = {
    ...sweepSpec('bench-tiny', overheadJobs, 100, 0),
    data: { source: 'synthetic', n: 100, dim: 4, testSize: 100 },
  };
  const lines = [
    `sweep: ${runs} equal runs (synthetic n=${n}, d=${SWEEP_BENCH.dim}, ${generations} generations, replace), results store on; best of ${REPS}, modes interleaved`,
  ];
  const numbers: Record<string, number | string> = { machine: machine(), reps: REPS };
  const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(', ');

  const serial = new SerialScheduler();
  await timeSweep(serial, warm);
  let t0 = performance.now();
  const pool = new PoolScheduler({ threads: 2 });
  await timeSweep(pool, warm);
  const poolStartup = (performance.now() - t0) / 1000;

  let queue: QueueScheduler | undefined;
  let queueStartup = NaN;
  const workers: ChildProcess[] = [];
  let first: BenchWorker | undefined;
  let redis: ChildProcess | undefined;
  const redisOk = existsSync(REDIS);
  try {
    if (redisOk) {
      const port = await freePort();
      redis = spawn(
        REDIS,
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
      await waitForRedis(port);
      const url = `redis://127.0.0.1:${port}`;
      t0 = performance.now();
      const started = [startWorker(url), startWorker(url)];
      workers.push(...started.map((w) => w.child));
      first = started[0];
      await Promise.all(started.map((w) => w.ready));
      queue = await QueueScheduler.connect(url, { queueName: 'bench' });
      await timeSweep(queue, warm);
      queueStartup = (performance.now() - t0) / 1000;
    }
    const times: Record<'serial' | 'pool' | 'queue', number[]> = { serial: [], pool: [], queue: [] };
    for (let rep = 0; rep < REPS; rep++) {
      // A new experiment name each time: a worker would otherwise find the runs' checkpoints from the
      // previous repetition in its work directory and skip the computation.
      const named = (mode: string): Record<string, unknown> => ({ ...spec, name: `bench-${mode}-${rep}` });
      times.serial.push(await timeSweep(serial, named('serial')));
      times.pool.push(await timeSweep(pool, named('pool')));
      if (queue) times.queue.push(await timeSweep(queue, named('queue')));
    }
    const tSerial = Math.min(...times.serial);
    const tPool = Math.min(...times.pool);
    lines.push(
      `  serial:            ${tSerial.toFixed(2)} s (${(tSerial / runs).toFixed(2)} s per run; all: ${fmt(times.serial)})`,
    );
    lines.push(
      `  pool, 2 threads:   ${tPool.toFixed(2)} s → speed-up ${(tSerial / tPool).toFixed(2)}× (all: ${fmt(times.pool)}; start-up + warm-up ${poolStartup.toFixed(1)} s, not counted)`,
    );
    numbers.serialSeconds = tSerial;
    numbers.poolSeconds = tPool;
    numbers.poolSpeedup = tSerial / tPool;
    if (!queue) {
      lines.push(`  distributed: skipped (${REDIS} is absent; apt-get install -y redis-server)`);
      return { name: 'sweep', lines, numbers };
    }
    const tQueue = Math.min(...times.queue);
    lines.push(
      `  2 worker processes on loopback Redis: ${tQueue.toFixed(2)} s → speed-up ${(tSerial / tQueue).toFixed(2)}× (all: ${fmt(times.queue)}; start-up + warm-up ${queueStartup.toFixed(1)} s, not counted)`,
    );
    numbers.distributedSeconds = tQueue;
    numbers.distributedSpeedup = tSerial / tQueue;

    // Queue overhead: near-empty runs (generation 0 only, 100 rows) through one worker process. From
    // the worker's first job start to its last job end, the time not spent executing jobs (its own
    // measurement, from dispatch to its thread to the result) is what taking a job from Redis,
    // progress messages and completion cost: the queue's overhead per job, in the steady state.
    await new Promise<void>((resolve) => {
      workers[1].once('exit', () => resolve());
      workers[1].kill('SIGTERM');
    });
    const overheads: number[] = [];
    const walls: number[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      first?.takeJobs();
      walls.push(await timeSweep(queue, { ...tiny, name: `bench-tiny-queue-${rep}` }));
      await new Promise((r) => setTimeout(r, 300)); // the last job-done line
      const j = first?.takeJobs();
      if (j && j.jobs > 1) overheads.push(((j.spanSeconds - j.busySeconds) / (j.jobs - 1)) * 1000);
    }
    const overheadMs = Math.min(...overheads);
    lines.push(
      `  queue overhead: ${overheadMs.toFixed(1)} ms per job (${overheadJobs} near-empty runs through 1 worker process in ${fmt(walls)} s; idle time per job between jobs: ${overheads.map((o) => o.toFixed(1)).join(', ')} ms)`,
    );
    numbers.queueOverheadMsPerJob = overheadMs;
    return { name: 'sweep', lines, numbers };
  } finally {
    await pool.close();
    await queue?.close();
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null || w.signalCode !== null) return resolve();
            const timer = setTimeout(resolve, 10_000);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            w.kill('SIGTERM');
          }),
      ),
    );
    redis?.kill('SIGTERM');
    for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await runSweepBench();
  console.log(r.lines.join('\n'));
}
