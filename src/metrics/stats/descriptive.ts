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

/** Rearrange a[lo..hi] so that a[k] is the value a full sort would put there (quickselect, median of three). */
function selectInPlace(a: Float64Array, k: number, lo: number, hi: number): void {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as the pivot.
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * Linear-interpolation quantiles (numpy's default) of unsorted values, by selection instead of a
 * full sort; `values` is reordered. `qs` must be ascending. NaN for an empty array.
 */
export function quantilesInPlace(values: Float64Array, qs: readonly number[]): number[] {
  const m = values.length;
  if (m === 0) return qs.map(() => NaN);
  const out: number[] = [];
  let from = 0;
  for (const q of qs) {
    const h = (m - 1) * q;
    const k = Math.floor(h);
    selectInPlace(values, k, from, m - 1);
    const a = values[k];
    let b = a;
    if (k + 1 < m && h > k) {
      // The next order statistic is the smallest value to the right of k.
      b = values[k + 1];
      for (let i = k + 2; i < m; i++) if (values[i] < b) b = values[i];
    }
    out.push(a === b ? a : a + (h - k) * (b - a));
    from = k;
  }
  return out;
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
  return meanSummaryFromMoments(n, mean, m2, level);
}

/**
 * The same summary from streaming moments: count, mean and the sum of squared deviations m2
 * (Welford's running state), so callers need not keep the values.
 */
export function meanSummaryFromMoments(n: number, mean: number, m2: number, level = 0.95): MeanSummary {
  if (n === 0) return { n, mean: NaN, std: NaN, se: NaN, ciLow: NaN, ciHigh: NaN };
  if (n === 1) return { n, mean, std: NaN, se: NaN, ciLow: NaN, ciHigh: NaN };
  const std = Math.sqrt(m2 / (n - 1));
  const se = std / Math.sqrt(n);
  const h = studentTQuantile((1 + level) / 2, n - 1) * se;
  return { n, mean, std, se, ciLow: mean - h, ciHigh: mean + h };
}
