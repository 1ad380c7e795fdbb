/**
 * Metrics bench: throughput of every registry metric over 10,000,000 predictions with 8 groups, and
 * bootstrap time (1,000 resamples over 100,000 rows), against a numpy peer (bench/peers/metrics_numpy.py)
 * that does the same counts with bincount on the very same rows (written to bench/out/).
 *
 * Standalone: `npx tsx bench/metrics.ts` (env BENCH_ROWS to change the size).
 */
import type { BenchMeasurement } from './common.ts';
import { peerThreadEnv } from './common.ts';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/rng.ts';
import { bootstrapPlan } from '../src/metrics/bootstrap.ts';
import { countConfusion } from '../src/metrics/confusion.ts';
import { prepareGroupMetrics } from '../src/metrics/frame.ts';
import { evaluatePlan } from '../src/metrics/plan.ts';

const GROUPS = 8;
const BOOT_ROWS = 100_000;
const RESAMPLES = 1000;

function makeRows(n: number): { yTrue: Uint8Array; yPred: Uint8Array; group: Uint8Array } {
  const rng = Rng.stream(2024, 'bench', 'metrics');
  const yTrue = new Uint8Array(n);
  const yPred = new Uint8Array(n);
  const group = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.nextUint32();
    const g = u & 7; // 8 groups
    const t = (u >>> 3) % 100 < 30 + 5 * g ? 1 : 0; // base rate differs by group
    const correct = (u >>> 10) % 100 < 80;
    group[i] = g;
    yTrue[i] = t;
    yPred[i] = correct ? t : 1 - t;
  }
  return { yTrue, yPred, group };
}

function best<T>(repeats: number, fn: () => T): { seconds: number; out: T } {
  let min = Infinity;
  let out: T | undefined;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    out = fn();
    min = Math.min(min, (performance.now() - t0) / 1000);
  }
  return { seconds: min, out: out as T };
}

interface PeerResult {
  numpy: string;
  rows: number;
  values: number;
  counts_s: number;
  counts_and_rates_s: number;
  bootstrap_rows_s: number;
  bootstrap_rows_plain_s: number;
  bootstrap_rows_prealloc_s: number;
  bootstrap_cells_s: number;
  counts: number[];
}

function runPeer(dir: string): PeerResult | undefined {
  const res = spawnSync(
    '/usr/bin/python3',
    ['bench/peers/metrics_numpy.py', dir, String(GROUPS), String(BOOT_ROWS), String(RESAMPLES)],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      env: { ...process.env, ...peerThreadEnv(1) },
    },
  );
  if (res.status !== 0) {
    console.error(`numpy peer failed: ${res.stderr || res.error?.message}`);
    return undefined;
  }
  return JSON.parse(res.stdout.trim().split('\n').pop() as string) as PeerResult;
}

export async function runMetricsBench(
  opts: { rows?: number; log?: (s: string) => void } = {},
): Promise<BenchMeasurement[]> {
  const n = opts.rows ?? Number(process.env.BENCH_ROWS ?? 10_000_000);
  const log = opts.log ?? ((s: string) => console.log(s));
  log(
    `metrics bench: ${n.toLocaleString('en')} rows, ${GROUPS} groups; node ${process.version}, ${cpus()[0]?.model ?? 'cpu'}`,
  );
  const { yTrue, yPred, group } = makeRows(n);
  const dir = join('bench', 'out', 'metrics');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'y_true.u8'), yTrue);
  writeFileSync(join(dir, 'y_pred.u8'), yPred);
  writeFileSync(join(dir, 'group.u8'), group);
  const levels = Array.from({ length: GROUPS }, (_, k) => `g${k}`);
  const input = {
    yTrue,
    yPred,
    groups: [{ name: 'g', codes: group, levels }],
    classNames: ['neg', 'pos'],
    metrics: ['all'],
    privileged: 'g0',
  };

  // Warm up the JIT on a slice, then time the count pass alone and the full registry.
  prepareGroupMetrics({
    ...input,
    yTrue: yTrue.subarray(0, 100_000),
    yPred: yPred.subarray(0, 100_000),
    groups: [{ name: 'g', codes: group.subarray(0, 100_000), levels }],
  });
  const count = best(5, () =>
    countConfusion({ yTrue, yPred, groupCodes: group, groupCount: GROUPS, classCount: 2 }),
  );
  const full = best(5, () => {
    const p = prepareGroupMetrics(input);
    return { values: evaluatePlan(p.plan, p.confusion), slots: p.plan.slots.length };
  });
  const metricsCount = full.out.slots;

  // Bootstrap: 1,000 resamples of 100,000 rows with percentile intervals for every value, once with
  // the same 55 values as the numpy peer (5 rates per group and overall, their difference and ratio)
  // and once with the whole registry.
  const SUBSET = ['selection_rate', 'accuracy', 'true_positive_rate', 'false_positive_rate', 'precision'];
  const subsetMetrics = [
    ...SUBSET,
    ...SUBSET.map((m) => `${m}_difference`),
    ...SUBSET.map((m) => `${m}_ratio`),
  ];
  const slice = {
    yTrue: yTrue.subarray(0, BOOT_ROWS),
    yPred: yPred.subarray(0, BOOT_ROWS),
    groups: [{ name: 'g', codes: group.subarray(0, BOOT_ROWS), levels }],
  };
  const rowData = { groupCodes: slice.groups[0].codes, yTrue: slice.yTrue, yPred: slice.yPred };
  const boot = (metrics: string[], method: 'cells' | 'rows', repeats: number) => {
    const prepared = prepareGroupMetrics({ ...input, ...slice, metrics });
    const timed = best(repeats, () =>
      bootstrapPlan(prepared.plan, prepared.confusion, rowData, {
        rng: Rng.stream(1, 'boot'),
        resamples: RESAMPLES,
        method,
      }),
    );
    return { seconds: timed.seconds, values: prepared.plan.slots.length - 1 }; // minus the empty_groups flag
  };
  const cellsSubset = boot(subsetMetrics, 'cells', 5);
  const rowsSubset = boot(subsetMetrics, 'rows', 2);
  const cellsAll = boot(['all'], 'cells', 3);

  const peer = runPeer(dir);
  if (peer !== undefined) {
    const ours = Array.from(count.out.cells);
    if (JSON.stringify(ours) !== JSON.stringify(peer.counts))
      throw new Error('numpy peer counted different cells');
  }
  const bootName = (what: string) =>
    `bootstrap ${RESAMPLES}× over ${BOOT_ROWS.toLocaleString('en')} rows, ${what}`;
  const results: BenchMeasurement[] = [
    {
      name: 'confusion counts (one pass)',
      value: n / count.seconds,
      unit: 'rows/s',
      peer: peer && n / peer.counts_s,
      ratio: peer && peer.counts_s / count.seconds,
      note: `${(count.seconds * 1000).toFixed(1)} ms vs numpy bincount ${peer ? (peer.counts_s * 1000).toFixed(1) : 'n/a'} ms`,
    },
    {
      name: `all registry metrics (${metricsCount} values)`,
      value: n / full.seconds,
      unit: 'rows/s',
      peer: peer && n / peer.counts_and_rates_s,
      ratio: peer && peer.counts_and_rates_s / full.seconds,
      note: `${(full.seconds * 1000).toFixed(1)} ms; the numpy peer derives only ${peer?.values ?? 55} values from its counts`,
    },
    {
      name: bootName(`cells (multinomial), ${cellsSubset.values} values`),
      value: cellsSubset.seconds,
      unit: 's',
      peer: peer?.bootstrap_cells_s,
      ratio: peer && peer.bootstrap_cells_s / cellsSubset.seconds,
      note: 'numpy: rng.multinomial for all resamples + vectorised rates + nanpercentile',
    },
    {
      name: bootName(`rows (index resampling), ${rowsSubset.values} values`),
      value: rowsSubset.seconds,
      unit: 's',
      peer: peer?.bootstrap_rows_s,
      ratio: peer && peer.bootstrap_rows_s / rowsSubset.seconds,
      note: `numpy: per resample rng.integers + bincount (${peer?.bootstrap_rows_plain_s.toFixed(3)} s) or preallocated buffers (${peer?.bootstrap_rows_prealloc_s.toFixed(3)} s), the faster counted`,
    },
    {
      name: bootName(`cells, whole registry (${cellsAll.values} values)`),
      value: cellsAll.seconds,
      unit: 's',
      note: 'no numpy equivalent',
    },
  ];
  for (const r of results) {
    const v = r.unit === 'rows/s' ? `${(r.value / 1e6).toFixed(1)} M rows/s` : `${r.value.toFixed(3)} s`;
    const p =
      r.peer === undefined
        ? ''
        : r.unit === 'rows/s'
          ? `numpy ${(r.peer / 1e6).toFixed(1)} M rows/s`
          : `numpy ${r.peer.toFixed(3)} s`;
    const ratio = r.ratio === undefined ? '' : `  ×${r.ratio.toFixed(2)} vs numpy`;
    log(`  ${r.name}: ${v}  ${p}${ratio}  (${r.note ?? ''})`);
  }
  if (peer) log(`  peer: numpy ${peer.numpy}, /usr/bin/python3`);
  return results;
}

const isMain =
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() as string);
if (isMain) await runMetricsBench();
