/**
 * Summaries over runs and generations of long-format metric rows: multi-seed aggregation (mean,
 * standard deviation, t-interval per generation, metric and group), the generational view of
 * amplification (each generation against generation 0 and against the previous one), and trend
 * tests per series.
 */
import type { MetricRow } from '../results/rows.ts';
import { meanWithCi } from './stats/descriptive.ts';
import {
  mannKendall,
  olsTrend,
  type MannKendallResult,
  type OlsTrend,
  type OlsTrendOptions,
} from './trend.ts';

export interface SeedAggregate {
  readonly generation: number;
  readonly metric: string;
  readonly group: string;
  /** Number of runs with a finite value. */
  readonly n: number;
  readonly mean: number;
  readonly std: number;
  readonly ciLow: number;
  readonly ciHigh: number;
}

function seriesKey(metric: string, group: string): string {
  return `${metric}\u0000${group}`;
}

/**
 * Aggregate rows of several runs (typically the same configuration under different seeds): one entry
 * per (generation, metric, group) with the mean over runs, the sample standard deviation and the
 * Student-t interval at `level`. NaN values (undefined in that run) are left out and counted in `n`.
 */
export function aggregateOverSeeds(
  rows: readonly MetricRow[],
  opts: { level?: number } = {},
): SeedAggregate[] {
  const level = opts.level ?? 0.95;
  const buckets = new Map<string, { generation: number; metric: string; group: string; values: number[] }>();
  for (const r of rows) {
    const key = `${r.generation}\u0000${seriesKey(r.metric, r.group)}`;
    let b = buckets.get(key);
    if (b === undefined) {
      b = { generation: r.generation, metric: r.metric, group: r.group, values: [] };
      buckets.set(key, b);
    }
    b.values.push(r.value);
  }
  const out: SeedAggregate[] = [];
  for (const b of buckets.values()) {
    const s = meanWithCi(b.values, level);
    out.push({
      generation: b.generation,
      metric: b.metric,
      group: b.group,
      n: s.n,
      mean: s.mean,
      std: s.std,
      ciLow: s.ciLow,
      ciHigh: s.ciHigh,
    });
  }
  return out.sort((a, b) => a.generation - b.generation || cmp(a.metric, b.metric) || cmp(a.group, b.group));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Seed aggregates as rows (value = mean, interval = t-interval) under one run label, plus `<metric>.std` rows. */
export function seedAggregatesToRows(aggregates: readonly SeedAggregate[], run = 'mean'): MetricRow[] {
  const out: MetricRow[] = [];
  for (const a of aggregates) {
    out.push({
      run,
      generation: a.generation,
      metric: a.metric,
      group: a.group,
      value: a.mean,
      ciLow: a.ciLow,
      ciHigh: a.ciHigh,
    });
    out.push({ run, generation: a.generation, metric: `${a.metric}.std`, group: a.group, value: a.std });
  }
  return out;
}

/** Group rows into series: one per (run, metric, group), points ordered by generation. */
export function toSeries(
  rows: readonly MetricRow[],
): Map<string, { run: string; metric: string; group: string; points: MetricRow[] }> {
  const out = new Map<string, { run: string; metric: string; group: string; points: MetricRow[] }>();
  for (const r of rows) {
    const key = `${r.run}\u0000${seriesKey(r.metric, r.group)}`;
    let s = out.get(key);
    if (s === undefined) {
      s = { run: r.run, metric: r.metric, group: r.group, points: [] };
      out.set(key, s);
    }
    s.points.push(r);
  }
  for (const s of out.values()) s.points.sort((a, b) => a.generation - b.generation);
  return out;
}

/**
 * The generational view of amplification, for every series (run, metric, group) in `rows`:
 * - `amplification.<metric>`: v_g − v_baseline (baseline generation: `baseline`, default the first
 *   generation of the series);
 * - `amplification_ratio.<metric>`: v_g / v_baseline (NaN when v_baseline is 0);
 * - `amplification_step.<metric>`: v_g − v_{previous generation} (from the second generation on).
 * `metrics` restricts which series are used.
 */
export function generationalAmplification(
  rows: readonly MetricRow[],
  opts: { baseline?: number; metrics?: readonly string[] } = {},
): MetricRow[] {
  const wanted = opts.metrics === undefined ? undefined : new Set(opts.metrics);
  const out: MetricRow[] = [];
  for (const s of toSeries(rows).values()) {
    if (wanted !== undefined && !wanted.has(s.metric)) continue;
    const base =
      opts.baseline === undefined ? s.points[0] : s.points.find((p) => p.generation === opts.baseline);
    if (base === undefined) continue;
    let prev: MetricRow | undefined;
    for (const p of s.points) {
      const common = { run: s.run, generation: p.generation, group: s.group };
      out.push({ ...common, metric: `amplification.${s.metric}`, value: p.value - base.value });
      out.push({
        ...common,
        metric: `amplification_ratio.${s.metric}`,
        value: base.value === 0 ? (p.value === 0 ? 1 : NaN) : p.value / base.value,
      });
      if (prev !== undefined)
        out.push({ ...common, metric: `amplification_step.${s.metric}`, value: p.value - prev.value });
      prev = p;
    }
  }
  return out;
}

export interface SeriesTrend {
  readonly run: string;
  readonly metric: string;
  readonly group: string;
  readonly ols: OlsTrend;
  readonly mannKendall: MannKendallResult;
}

/** OLS (Newey–West) and Mann–Kendall trend of every series across generations. */
export function trendsOverGenerations(
  rows: readonly MetricRow[],
  opts: OlsTrendOptions & { metrics?: readonly string[]; level?: number } = {},
): SeriesTrend[] {
  const wanted = opts.metrics === undefined ? undefined : new Set(opts.metrics);
  const out: SeriesTrend[] = [];
  for (const s of toSeries(rows).values()) {
    if (wanted !== undefined && !wanted.has(s.metric)) continue;
    const x = s.points.map((p) => p.generation);
    const y = s.points.map((p) => p.value);
    out.push({
      run: s.run,
      metric: s.metric,
      group: s.group,
      ols: olsTrend(x, y, opts),
      mannKendall: mannKendall(x, y, { level: opts.level }),
    });
  }
  return out;
}
