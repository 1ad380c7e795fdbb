/**
 * Shared bench helpers: machine description, timing, running a Python peer, printing results.
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

export interface BenchResult {
  readonly name: string;
  /** Human-readable lines printed by `npm run bench`. */
  readonly lines: readonly string[];
  /** Machine-readable numbers (recorded in bench/out/<name>.json). */
  readonly numbers: Readonly<Record<string, number | string>>;
}

/** One measured quantity, possibly beside a peer's value for the same work. */
export interface BenchMeasurement {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The peer's value for the same work, when there is one. */
  readonly peer?: number;
  /** biasloop speed / peer speed (> 1: biasloop is faster). */
  readonly ratio?: number;
  readonly note?: string;
}

/** Wrap measurements (and the lines a bench logged) as a BenchResult. */
export function measurementsResult(
  name: string,
  lines: readonly string[],
  rows: readonly BenchMeasurement[],
): BenchResult {
  const numbers: Record<string, number> = {};
  for (const r of rows) {
    numbers[`${r.name} (${r.unit})`] = r.value;
    if (r.peer !== undefined) numbers[`${r.name} peer (${r.unit})`] = r.peer;
    if (r.ratio !== undefined) numbers[`${r.name} ratio`] = r.ratio;
  }
  return { name, lines, numbers };
}

export function machine(): string {
  const c = cpus();
  return `${c[0]?.model ?? 'unknown CPU'} × ${c.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export const PYTHON = '/usr/bin/python3';

/**
 * Environment that holds a Python peer to `threads` cores. Debian's numpy and torch link
 * OpenBLAS-pthread, whose GEMM/GEMV threads ignore `torch.set_num_threads` and default to every core:
 * a "1-thread" PyTorch peer measured without this ran its matrix products on both cores of this
 * machine (2.0 cores busy, 193 vs 98 GFLOP/s for a 1024³ product). OpenMP and MKL are pinned too.
 */
export function peerThreadEnv(threads: number): Record<string, string> {
  const t = String(threads);
  return { OPENBLAS_NUM_THREADS: t, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t };
}

/**
 * Run a peer script with Debian's python3 held to `threads` cores (see peerThreadEnv); returns its
 * stdout parsed as JSON, or an explanation.
 */
export function runPythonPeer(
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
  threads = 1,
): { ok: true; result: Record<string, number> } | { ok: false; why: string } {
  const r = spawnSync(PYTHON, [script, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...peerThreadEnv(threads), ...env },
    timeout: 30 * 60_000,
  });
  if (r.error) return { ok: false, why: `${PYTHON} not runnable (${r.error.message})` };
  if (r.status !== 0)
    return { ok: false, why: (r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? `exit ${r.status}` };
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return { ok: true, result: JSON.parse(last) as Record<string, number> };
  } catch {
    return { ok: false, why: `unexpected peer output: ${last.slice(0, 200)}` };
  }
}

/**
 * How our side uses its threads: 'spin' and 'nospin' are one session with ORT intra-op threads whose
 * idle threads spin or sleep; 'data' is data-parallel training (one single-threaded session per
 * thread on a share of each batch, see src/nn/data-parallel.ts).
 */
export type ThreadSetting = 'spin' | 'nospin' | 'data';

export function parseThreadSetting(arg: string | undefined): ThreadSetting {
  if (arg === 'spin' || arg === 'nospin' || arg === 'data') return arg;
  throw new Error(`thread setting '${arg}' must be spin, nospin or data`);
}

/**
 * Run this bench file again as a child process (`--child <threads> spin|nospin|data`) so each
 * configuration's peak RSS is its own; the child prints its measurement as the last JSON line.
 */
export function runBenchChild<T>(self: string, threads: number, setting: ThreadSetting = 'spin'): T {
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', String(threads), setting], {
    encoding: 'utf8',
    timeout: 20 * 60_000,
  });
  if (r.status !== 0) throw new Error(`bench child failed: ${(r.stderr || r.stdout).trim().slice(-500)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as T;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
