/**
 * Sweep benchmark (issue #5): a sweep of 8 equal runs executed serially, on a pool of 2 worker
 * threads, and by 2 `biasloop worker` processes through a loopback redis-server; prints the
 * speed-ups over the serial sweep, the CPU work and cores each mode kept busy, and the queue's
 * overhead per job (200 near-empty runs through one worker process: its time between jobs, i.e. its
 * span minus its execution time, per job).
 *
 * Each mode is coordinated by its own long-lived process (as `biasloop sweep` is, and as the worker
 * processes of the distributed mode are), which first runs a warm-up sweep at the timed size, so
 * thread and process start-up and the JIT's warm-up are not counted as throughput, and no mode runs in
 * a process that hosted another. (Timing all modes in the bench's own process made the serial sweep do
 * 7–12% more CPU work than the same runs in a pool, which inflated both speed-ups.)
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { PoolScheduler } from '../src/experiments/pool.ts';
import type { QueueScheduler } from '../src/experiments/queue.ts';
import type { Scheduler } from '../src/experiments/scheduler.ts';
import type { SerialScheduler } from '../src/experiments/serial.ts';
import type { runExperiment } from '../src/loop/experiment.ts';
import { distIsFresh } from '../scripts/dist-fresh.js';
import { machine, type BenchResult } from './common.ts';

/**
 * The library as `biasloop` itself would run it: the compiled dist/ when it is up to date, the
 * sources otherwise. (From the sources every pool thread loads the TypeScript through tsx; in one
 * sitting the same pool sweep took 10.3 s of CPU compiled and 11.0 s from the sources.)
 */
interface Library {
  readonly runExperiment: typeof runExperiment;
  readonly SerialScheduler: typeof SerialScheduler;
  readonly PoolScheduler: typeof PoolScheduler;
  readonly QueueScheduler: typeof QueueScheduler;
}

async function loadLibrary(): Promise<Library> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const [dir, ext] = distIsFresh(root) ? ['dist', 'js'] : ['src', 'ts'];
  const load = (path: string): Promise<Record<string, unknown>> =>
    import(pathToFileURL(`${root}${dir}/${path}.${ext}`).href) as Promise<Record<string, unknown>>;
  const [experiment, serial, pool, queue] = await Promise.all([
    load('loop/experiment'),
    load('experiments/serial'),
    load('experiments/pool'),
    load('experiments/queue'),
  ]);
  return {
    ...(experiment as Pick<Library, 'runExperiment'>),
    ...(serial as Pick<Library, 'SerialScheduler'>),
    ...(pool as Pick<Library, 'PoolScheduler'>),
    ...(queue as Pick<Library, 'QueueScheduler'>),
  };
}

/** Loaded once per process, when it first needs it. */
let library: Promise<Library> | undefined;

export const SWEEP_BENCH = { runs: 8, n: 20_000, dim: 12, generations: 15, overheadJobs: 200 };

const BIN = fileURLToPath(new URL('../bin/biasloop.js', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
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

/** One timed sweep: its wall time and the CPU time every thread of the processes involved spent. */
interface SweepTiming {
  readonly wall: number;
  readonly cpu: number;
}

/** Linux clock ticks per second, the unit of /proc/<pid>/stat's CPU times (USER_HZ: 100 on Linux). */
const CLOCK_TICKS = 100;

/** CPU seconds (user + system, all threads) of another process so far, from /proc (0 when unreadable). */
function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Time a sweep; `helpers` are the other processes whose CPU counts (worker processes, redis-server). */
async function timeSweep(
  scheduler: Scheduler,
  spec: Record<string, unknown>,
  helpers: readonly (number | undefined)[] = [],
): Promise<SweepTiming> {
  const { runExperiment } = await (library ??= loadLibrary());
  const others = (): number => helpers.reduce((sum: number, pid) => sum + processCpuSeconds(pid), 0);
  const cpu0 = process.cpuUsage();
  const others0 = others();
  const t0 = performance.now();
  const r = await runExperiment(spec, { outDir: tmp(), scheduler });
  if (r.status !== 'complete') throw new Error('bench sweep did not complete');
  const wall = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(cpu0);
  return { wall, cpu: (own.user + own.system) / 1e6 + others() - others0 };
}

/** The fastest of a mode's repetitions. */
const fastest = <T extends SweepTiming>(xs: readonly T[]): T =>
  xs.reduce((a, b) => (b.wall < a.wall ? b : a));

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

type SweepMode = 'serial' | 'pool' | 'queue';

/**
 * The timed sweep, and the warm-up every coordinator runs first: two runs of the timed size on other
 * seeds, so every thread has run one whole run (JIT-compiled at this size) before the clock starts.
 */
function benchSpecs(name: string): { timed: Record<string, unknown>; warm: Record<string, unknown> } {
  const { runs, n, generations } = SWEEP_BENCH;
  return {
    timed: sweepSpec(name, runs, n, generations),
    warm: { ...sweepSpec(`${name}-warm`, 2, n, generations), seeds: [1000, 1001] },
  };
}

/** Messages between the bench and a mode's coordinator process. */
type ModeRequest = { readonly name: string } | { readonly close: true };
type ModeReply =
  { readonly type: 'ready'; readonly startup: number } | ({ readonly type: 'timing' } & SweepTiming);

/**
 * The coordinator process of one mode (this file with `--child`): it warms up once, then times the
 * sweeps it is asked for, one at a time. `helpers` are the processes whose CPU counts with its own
 * (the worker processes and redis-server of the distributed mode).
 */
async function serveMode(
  mode: SweepMode,
  url: string | undefined,
  helpers: readonly number[],
): Promise<void> {
  const send = (m: ModeReply): void => void process.send?.(m);
  const lib = await (library ??= loadLibrary());
  const scheduler: Scheduler =
    mode === 'serial'
      ? new lib.SerialScheduler()
      : mode === 'pool'
        ? new lib.PoolScheduler({ threads: 2 })
        : await lib.QueueScheduler.connect(url ?? '', { queueName: 'bench' });
  const clean = (): void => {
    for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  };
  await timeSweep(scheduler, benchSpecs(`bench-${mode}`).warm);
  clean();
  send({ type: 'ready', startup: performance.now() / 1000 });
  process.on('message', (m: ModeRequest) => {
    void (async () => {
      if ('close' in m) {
        await scheduler.close?.();
        clean();
        process.disconnect();
        return;
      }
      const timing = await timeSweep(scheduler, benchSpecs(m.name).timed, helpers);
      clean();
      send({ type: 'timing', ...timing });
    })();
  });
}

interface ModeProcess {
  /** Start-up and warm-up of its coordinator, in seconds. */
  readonly startup: number;
  time(name: string): Promise<SweepTiming>;
  close(): Promise<void>;
}

/**
 * Start a mode's own coordinator process and wait for its warm-up. Each mode keeps its process for
 * the whole bench, as the worker processes of the distributed mode do, so no mode runs in a process
 * that also hosted another (timing all three in this one process made the serial sweep do 7–12% more
 * CPU work than the same runs in the pool, which inflated both speed-ups).
 */
async function startMode(
  mode: SweepMode,
  url?: string,
  helpers: readonly (number | undefined)[] = [],
): Promise<ModeProcess> {
  const pids = helpers.filter((p): p is number => p !== undefined).join(',');
  const child = fork(SELF, ['--child', mode, url ?? '', pids], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (): Promise<ModeReply> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`${mode} coordinator exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (m: ModeReply) => {
        child.off('exit', onExit);
        resolve(m);
      });
    });
  const ready = await next();
  return {
    startup: ready.type === 'ready' ? ready.startup : NaN,
    time: async (name) => {
      const reply = next();
      child.send({ name } satisfies ModeRequest);
      const m = await reply;
      if (m.type !== 'timing') throw new Error(`${mode} coordinator: unexpected reply`);
      return { wall: m.wall, cpu: m.cpu };
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ close: true } satisfies ModeRequest);
      }),
  };
}

export async function runSweepBench(): Promise<BenchResult> {
  const { runs, n, generations, overheadJobs } = SWEEP_BENCH;
  const tiny = {
    ...sweepSpec('bench-tiny', overheadJobs, 100, 0),
    data: { source: 'synthetic', n: 100, dim: 4, testSize: 100 },
  };
  const lines = [
    `sweep: ${runs} equal runs (synthetic n=${n}, d=${SWEEP_BENCH.dim}, ${generations} generations, replace), results store on; each mode coordinated by its own process, warmed up first; best of ${REPS}, modes interleaved`,
  ];
  const numbers: Record<string, number | string> = { machine: machine(), reps: REPS };
  const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(', ');

  let queue: QueueScheduler | undefined;
  let url: string | undefined;
  const modes: ModeProcess[] = [];
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
      url = `redis://127.0.0.1:${port}`;
      const started = [startWorker(url), startWorker(url)];
      workers.push(...started.map((w) => w.child));
      first = started[0];
      await Promise.all(started.map((w) => w.ready));
    }
    // Each mode's coordinator in its own process; the distributed mode's CPU counts the coordinator,
    // both worker processes and Redis.
    const serialMode = await startMode('serial');
    modes.push(serialMode);
    const poolMode = await startMode('pool');
    modes.push(poolMode);
    const queueMode = url
      ? await startMode('queue', url, [...workers.map((w) => w.pid), redis?.pid])
      : undefined;
    if (queueMode) modes.push(queueMode);
    const times: Record<SweepMode, SweepTiming[]> = { serial: [], pool: [], queue: [] };
    for (let rep = 0; rep < REPS; rep++) {
      // A new experiment name each time: a worker would otherwise find the runs' checkpoints from the
      // previous repetition in its work directory and skip the computation.
      times.serial.push(await serialMode.time(`bench-serial-${rep}`));
      times.pool.push(await poolMode.time(`bench-pool-${rep}`));
      if (queueMode) times.queue.push(await queueMode.time(`bench-queue-${rep}`));
    }
    const walls = (xs: readonly SweepTiming[]): string => fmt(xs.map((x) => x.wall));
    const cpuText = (t: SweepTiming): string =>
      `${t.cpu.toFixed(1)} s CPU, ${(t.cpu / t.wall).toFixed(2)} cores busy`;
    const serialBest = fastest(times.serial);
    const poolBest = fastest(times.pool);
    const tSerial = serialBest.wall;
    const tPool = poolBest.wall;
    const serialCores = serialBest.cpu / tSerial;
    lines.push(
      `  serial:            ${tSerial.toFixed(2)} s, ${cpuText(serialBest)} (${(tSerial / runs).toFixed(2)} s per run; all: ${walls(times.serial)})`,
    );
    lines.push(
      `  pool, 2 threads:   ${tPool.toFixed(2)} s, ${cpuText(poolBest)} → speed-up ${(tSerial / tPool).toFixed(2)}× (all: ${walls(times.pool)}; coordinator start-up + warm-up ${poolMode.startup.toFixed(1)} s, not counted)`,
    );
    numbers.serialSeconds = tSerial;
    numbers.serialCpuSeconds = serialBest.cpu;
    numbers.poolSeconds = tPool;
    numbers.poolCpuSeconds = poolBest.cpu;
    numbers.poolSpeedup = tSerial / tPool;
    // speed-up = (serial CPU / mode CPU) × (mode's cores busy / serial's cores busy): what the mode
    // saved or added in work, times how much more of the machine it kept busy. The serial sweep is not
    // a one-core baseline (V8's collector and compiler and libuv's fsyncs run beside it on the free
    // core), so on 2 cores no schedule doing the same work can beat it by more than 2 / its cores.
    const decompose = (t: SweepTiming): string =>
      `${(serialBest.cpu / t.cpu).toFixed(2)} (work) × ${(t.cpu / t.wall / serialCores).toFixed(2)} (cores)`;
    const bound = `the serial sweep keeps ${serialCores.toFixed(2)} cores busy, so the same CPU work on 2 cores is at most ${(2 / serialCores).toFixed(2)}× faster`;
    numbers.twoCoreBound = 2 / serialCores;
    if (!url) {
      lines.push(`  distributed: skipped (${REDIS} is absent; apt-get install -y redis-server)`);
      lines.push(`  speed-up = work × cores: pool ${decompose(poolBest)}; ${bound}`);
      return { name: 'sweep', lines, numbers };
    }
    const queueBest = fastest(times.queue);
    queue = await (await (library ??= loadLibrary())).QueueScheduler.connect(url, { queueName: 'bench' });
    const tQueue = queueBest.wall;
    lines.push(
      `  2 worker processes on loopback Redis: ${tQueue.toFixed(2)} s, ${cpuText(queueBest)} (coordinator, workers and redis-server) → speed-up ${(tSerial / tQueue).toFixed(2)}× (all: ${walls(times.queue)}; coordinator start-up + warm-up ${(queueMode?.startup ?? NaN).toFixed(1)} s, not counted)`,
    );
    lines.push(
      `  speed-up = work × cores: pool ${decompose(poolBest)}, distributed ${decompose(queueBest)}; ${bound}`,
    );
    numbers.distributedSeconds = tQueue;
    numbers.distributedCpuSeconds = queueBest.cpu;
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
    const tinyWalls: number[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      first?.takeJobs();
      tinyWalls.push((await timeSweep(queue, { ...tiny, name: `bench-tiny-queue-${rep}` })).wall);
      await new Promise((r) => setTimeout(r, 300)); // the last job-done line
      const j = first?.takeJobs();
      if (j && j.jobs > 1) overheads.push(((j.spanSeconds - j.busySeconds) / (j.jobs - 1)) * 1000);
    }
    const overheadMs = Math.min(...overheads);
    lines.push(
      `  queue overhead: ${overheadMs.toFixed(1)} ms per job (${overheadJobs} near-empty runs through 1 worker process in ${fmt(tinyWalls)} s; idle time per job between jobs: ${overheads.map((o) => o.toFixed(1)).join(', ')} ms)`,
    );
    numbers.queueOverheadMsPerJob = overheadMs;
    return { name: 'sweep', lines, numbers };
  } finally {
    await Promise.all(modes.map((m) => m.close()));
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

if (process.argv[2] === '--child') {
  const [mode, url, pids] = process.argv.slice(3);
  const helpers = (pids ?? '').split(',').filter(Boolean).map(Number);
  await serveMode(mode as SweepMode, url || undefined, helpers);
} else if (process.argv[1] === SELF) {
  const r = await runSweepBench();
  console.log(r.lines.join('\n'));
}
