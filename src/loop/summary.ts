/**
 * The end-of-experiment summary: for each sweep point (runs that differ only by seed), the mean and
 * standard deviation over seeds of chosen metrics at generation 0 and at the last generation.
 */
import type { MetricRow } from '../results/rows.ts';
import type { RunResult } from './experiment.ts';

export interface SummaryCell {
  readonly mean: number;
  readonly sd: number;
  readonly n: number;
}

export interface SummaryRow {
  /** The sweep point, e.g. `strategy=preserve(rho=0.1)` ('' without a sweep). */
  readonly variant: string;
  readonly seeds: number;
  readonly lastGeneration: number;
  /** metric → value at generation 0 and at the last generation. */
  readonly first: Readonly<Record<string, SummaryCell>>;
  readonly last: Readonly<Record<string, SummaryCell>>;
}

export const DEFAULT_SUMMARY_METRICS = [
  'test.accuracy',
  'test.demographic_parity_difference',
  'test.equalized_odds_difference',
  'train.synthetic_share',
] as const;

function cell(values: number[]): SummaryCell {
  const v = values.filter((x) => !Number.isNaN(x));
  const n = v.length;
  if (n === 0) return { mean: NaN, sd: NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n };
}

function overallValue(rows: readonly MetricRow[], metric: string, generation: number): number {
  const r = rows.find((x) => x.metric === metric && x.group === '' && x.generation === generation);
  return r ? r.value : NaN;
}

export function summarizeRuns(
  runs: readonly RunResult[],
  metrics: readonly string[] = DEFAULT_SUMMARY_METRICS,
): SummaryRow[] {
  const byVariant = new Map<string, RunResult[]>();
  for (const r of runs) {
    const key = r.run.label.replace(/\s*seed=\d+$/, '');
    const list = byVariant.get(key) ?? [];
    list.push(r);
    byVariant.set(key, list);
  }
  const out: SummaryRow[] = [];
  for (const [variant, list] of byVariant) {
    const last = list[0].run.spec.generations;
    const first: Record<string, SummaryCell> = {};
    const lastCells: Record<string, SummaryCell> = {};
    for (const m of metrics) {
      first[m] = cell(list.map((r) => overallValue(r.rows, m, 0)));
      lastCells[m] = cell(list.map((r) => overallValue(r.rows, m, last)));
    }
    out.push({ variant, seeds: list.length, lastGeneration: last, first, last: lastCells });
  }
  return out;
}
