/**
 * Descriptive statistics shared by the summaries: mean, sample standard deviation, quantiles of
 * sorted values, and the Student-t confidence interval of a mean.
 */
import { studentTQuantile } from './special.ts';

/** Linear-interpolation quantile of sorted values (numpy's default); NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const m = sorted.length;
  if (m === 0) return NaN;
  const h = (m - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, m - 1);
  const a = sorted[lo];
  const b = sorted[hi];
  if (a === b) return a;
  return a + (h - lo) * (b - a);
}

export interface MeanSummary {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1); NaN for n < 2. */
  readonly std: number;
  /** Standard error of the mean. */
  readonly se: number;
  /** Student-t interval mean ± t_{(1+level)/2, n−1} · se; NaN for n < 2. */
  readonly ciLow: number;
  readonly ciHigh: number;
}

/** Mean, standard deviation and t-interval of the finite values (non-finite values are skipped). */
export function meanWithCi(values: ArrayLike<number>, level = 0.95): MeanSummary {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must lie in (0, 1), got ${level}`);
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    n++;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
  }
  if (n === 0) return { n, mean: NaN, std: NaN, se: NaN, ciLow: NaN, ciHigh: NaN };
  if (n === 1) return { n, mean, std: NaN, se: NaN, ciLow: NaN, ciHigh: NaN };
  const std = Math.sqrt(m2 / (n - 1));
  const se = std / Math.sqrt(n);
  const h = studentTQuantile((1 + level) / 2, n - 1) * se;
  return { n, mean, std, se, ciLow: mean - h, ciHigh: mean + h };
}
