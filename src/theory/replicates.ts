/**
 * Summaries over simulation replicates (seeds): mean with a normal 95% confidence interval,
 * median, standard deviation. Seeds are independent, so the standard error of a mean over S seeds
 * is sd/√S; when one seed contributes several correlated values (d dimensions), average them per
 * seed first (`clusterMeans`) and take the standard error over seeds.
 */

/** z for a two-sided 95% normal interval. */
export const Z95 = 1.959963984540054;

export interface MeanSummary {
  readonly mean: number;
  /** Sample standard deviation (divisor S − 1); NaN for one value. */
  readonly sd: number;
  /** Standard error of the mean, sd/√S. */
  readonly se: number;
  readonly ci: readonly [number, number];
}

export function summariseMean(values: ArrayLike<number>): MeanSummary {
  const n = values.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i];
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    ss += d * d;
  }
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : NaN;
  const se = sd / Math.sqrt(n);
  return { mean, sd, se, ci: [mean - Z95 * se, mean + Z95 * se] };
}

/** Median (average of the two middle values for an even count). */
export function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = n >> 1;
  return n % 2 === 1 ? sorted[h] : 0.5 * (sorted[h - 1] + sorted[h]);
}

/** Mean of each consecutive block of `blockSize` values (one block per seed). */
export function clusterMeans(values: ArrayLike<number>, blockSize: number): Float64Array {
  const blocks = Math.floor(values.length / blockSize);
  const out = new Float64Array(blocks);
  for (let b = 0; b < blocks; b++) {
    let s = 0;
    for (let j = 0; j < blockSize; j++) s += values[b * blockSize + j];
    out[b] = s / blockSize;
  }
  return out;
}

/** Fraction with a Wilson 95% interval (well-behaved at 0 and 1, unlike the normal interval). */
export function proportionWithCi(successes: number, n: number): { p: number; ci: readonly [number, number] } {
  const p = successes / n;
  const z2 = Z95 * Z95;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { p, ci: [Math.max(0, centre - half), Math.min(1, centre + half)] };
}
