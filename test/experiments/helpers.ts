/** Helpers for the scale tests: a private redis-server, CLI processes, and result comparisons. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { StoreReader } from '../../src/experiments/store-query.ts';
import { tempDir } from '../helpers.ts';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'biasloop.js');
export const REDIS_SERVER = '/usr/bin/redis-server';
export const REDIS_AVAILABLE = existsSync(REDIS_SERVER);
if (!REDIS_AVAILABLE) {
  console.warn(`[biasloop tests] ${REDIS_SERVER} is absent: the distributed-mode tests are skipped`);
}

export function cli(args: string[], timeout = 120_000): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function spawnCli(args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Wait for a child to exit (resolves with its code or signal). */
export function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
}

/** SIGTERM, then SIGKILL after `graceMs`: for cleanup of processes a test started. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Stop the server by PID (SIGKILL: as if it crashed) and wait for it to exit. */
  kill(): Promise<void>;
  /** Start it again on the same port (empty: no persistence). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server on 127.0.0.1 with a free port and no persistence, stopped by PID. */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = tempDir('biasloop-redis-');
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    );
    const t0 = Date.now();
    while (!(await ping(port))) {
      if (Date.now() - t0 > 10_000) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    kill: async () => {
      if (!child) return;
      child.kill('SIGKILL');
      await exited(child);
    },
    stop: async () => {
      if (child) await stopProcess(child, 3000);
    },
  };
}

/** summary.csv and every run's metrics files, by relative path. */
export function metricsFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  out['summary.csv'] = readFileSync(join(dir, 'summary.csv'), 'utf8');
  for (const id of readdirSync(join(dir, 'runs'))) {
    for (const f of ['metrics.csv', 'metrics.json'])
      out[`${id}/${f}`] = readFileSync(join(dir, 'runs', id, f), 'utf8');
  }
  return out;
}

/** The store's metric rows, sorted, as JSON text (exact doubles; NaN as the string 'NaN'). */
export async function storeMetrics(dir: string): Promise<string> {
  const reader = await StoreReader.open(dir);
  try {
    const r = await reader.query(
      'SELECT run, generation, metric, "group", value, ci_low, ci_high FROM metrics ORDER BY run, generation, metric, "group"',
    );
    return JSON.stringify(r.rows);
  } finally {
    reader.close();
  }
}

/** (run, generation, metric, group) keys recorded more than once: must be 0. */
export async function duplicateKeys(dir: string): Promise<number> {
  const reader = await StoreReader.open(dir);
  try {
    const r = await reader.query(
      'SELECT count(*) FROM (SELECT run, generation, metric, "group", count(*) c FROM metrics GROUP BY ALL HAVING c > 1)',
    );
    return Number(r.rows[0][0]);
  } finally {
    reader.close();
  }
}

/** Poll until `check` is true (or `timeoutMs` passes, then throw). */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Number of complete checkpoint directories under an experiment (or worker) directory. */
export function checkpointCount(dir: string): number {
  const runs = join(dir, 'runs');
  if (!existsSync(runs)) return 0;
  let n = 0;
  for (const r of readdirSync(runs)) {
    const cps = join(runs, r, 'checkpoints');
    if (existsSync(cps)) n += readdirSync(cps).filter((d) => /^gen-\d+$/.test(d)).length;
  }
  return n;
}
