/**
 * Sweep benchmark (issue #5): a sweep of 8 equal runs executed serially, on a pool of 2 worker
 * threads, and by 2 `biasloop worker` processes through a loopback redis-server; prints the
 * speed-ups over the serial sweep and the queue's overhead per job (100 near-empty runs through one
 * worker, minus the same runs executed serially). Each mode first runs a small warm-up sweep, so
 * thread and process start-up (reported separately) is not counted as throughput.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
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

export const SWEEP_BENCH = { runs: 8, n: 20_000, dim: 12, generations: 15, overheadJobs: 100 };

const BIN = fileURLToPath(new URL('../bin/biasloop.js', import.meta.url));
const REDIS = '/usr/bin/redis-server';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'biasloop-bench-'));

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

function startWorker(url: string): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(
    process.execPath,
    [BIN, 'worker', '--queue', url, '--work-dir', tmp(), '--json', '--queue-name', 'bench'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const ready = new Promise<void>((resolve) => {
    let log = '';
    child.stdout?.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('"type":"ready"')) resolve();
    });
  });
  return { child, ready };
}

export async function runSweepBench(): Promise<BenchResult> {
  const { runs, n, generations, overheadJobs } = SWEEP_BENCH;
  const spec = sweepSpec('bench-sweep', runs, n, generations);
  const warm = sweepSpec('bench-warm', 2, 2000, 2);
  const lines = [
    `sweep: ${runs} equal runs (synthetic n=${n}, d=${SWEEP_BENCH.dim}, ${generations} generations, replace), results store on`,
  ];
  const numbers: Record<string, number | string> = { machine: machine() };

  const serial = new SerialScheduler();
  await timeSweep(serial, warm);
  const tSerial = await timeSweep(serial, spec);
  lines.push(`  serial:            ${tSerial.toFixed(2)} s (${(tSerial / runs).toFixed(2)} s per run)`);
  numbers.serialSeconds = tSerial;

  let t0 = performance.now();
  const pool = new PoolScheduler({ threads: 2 });
  await timeSweep(pool, warm);
  const poolStartup = (performance.now() - t0) / 1000;
  const tPool = await timeSweep(pool, spec);
  await pool.close();
  lines.push(
    `  pool, 2 threads:   ${tPool.toFixed(2)} s → speed-up ${(tSerial / tPool).toFixed(2)}× (start-up + warm-up ${poolStartup.toFixed(1)} s, not counted)`,
  );
  numbers.poolSeconds = tPool;
  numbers.poolSpeedup = tSerial / tPool;

  if (!existsSync(REDIS)) {
    lines.push(`  distributed: skipped (${REDIS} is absent; apt-get install -y redis-server)`);
    return { name: 'sweep', lines, numbers };
  }
  const port = await freePort();
  const redis = spawn(
    REDIS,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const workers: ChildProcess[] = [];
  try {
    await waitForRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    t0 = performance.now();
    const started = [startWorker(url), startWorker(url)];
    workers.push(...started.map((w) => w.child));
    await Promise.all(started.map((w) => w.ready));
    const queue = await QueueScheduler.connect(url, { queueName: 'bench' });
    await timeSweep(queue, warm);
    const queueStartup = (performance.now() - t0) / 1000;
    const tQueue = await timeSweep(queue, spec);
    lines.push(
      `  2 worker processes on loopback Redis: ${tQueue.toFixed(2)} s → speed-up ${(tSerial / tQueue).toFixed(2)}× (start-up + warm-up ${queueStartup.toFixed(1)} s, not counted)`,
    );
    numbers.distributedSeconds = tQueue;
    numbers.distributedSpeedup = tSerial / tQueue;

    // Queue overhead: near-empty runs (generation 0 only, 100 rows) through one worker, against the
    // same runs executed serially in this process; the difference per job is what the queue costs.
    const tiny = {
      ...sweepSpec('bench-tiny', overheadJobs, 100, 0),
      data: { source: 'synthetic', n: 100, dim: 4, testSize: 100 },
    };
    const tTinySerial = await timeSweep(serial, tiny);
    await new Promise<void>((resolve) => {
      workers[1].once('exit', () => resolve());
      workers[1].kill('SIGTERM');
    });
    const tTinyQueue = await timeSweep(queue, { ...tiny, name: 'bench-tiny-queue' });
    await queue.close();
    const overheadMs = ((tTinyQueue - tTinySerial) / overheadJobs) * 1000;
    lines.push(
      `  queue overhead: ${overheadMs.toFixed(1)} ms per job (${overheadJobs} near-empty runs through 1 worker: ${tTinyQueue.toFixed(2)} s, serially ${tTinySerial.toFixed(2)} s)`,
    );
    numbers.queueOverheadMsPerJob = overheadMs;
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
    redis.kill('SIGTERM');
  }
  return { name: 'sweep', lines, numbers };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await runSweepBench();
  console.log(r.lines.join('\n'));
}
