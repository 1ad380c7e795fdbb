/**
 * Weighted moments of selected rows: the fit step of the Gaussian and mixture generators.
 */

import type { Dataset } from '../core/dataset.ts';
import { choleskyJittered } from '../core/linalg.ts';
import { CentredGramKernel } from './tabular-kernels.ts';

/** Row indices of each (class, group) cell, laid out `[class * G + group]`. */
export function rowsByCell(data: Dataset): Int32Array[] {
  // A counting sort into one array: no per-row pushes into growing JS arrays (a fit runs every
  // generation, and those arrays were the generator's largest source of garbage).
  const G = data.schema.groupNames.length;
  const K = data.schema.classNames.length * G;
  const start = new Int32Array(K + 1);
  for (let i = 0; i < data.n; i++) start[data.y[i] * G + data.group[i] + 1]++;
  for (let c = 0; c < K; c++) start[c + 1] += start[c];
  const order = new Int32Array(data.n);
  const next = start.slice(0, K);
  for (let i = 0; i < data.n; i++) order[next[data.y[i] * G + data.group[i]]++] = i;
  return Array.from({ length: K }, (_, c) => order.subarray(start[c], start[c + 1]));
}

/**
 * The Cholesky factor of a generator's covariance: off-diagonal entries dropped for `diag`, then
 * `regularization · mean(diag)` added to the diagonal (escalating jitter if still not positive definite).
 */
export function regularisedCholesky(
  cov: Float64Array,
  d: number,
  covariance: 'full' | 'diag',
  regularization: number,
): Float64Array {
  const c = Float64Array.from(cov);
  if (covariance === 'diag') {
    for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) if (j !== k) c[j * d + k] = 0;
  }
  let meanVar = 0;
  for (let j = 0; j < d; j++) meanVar += c[j * d + j];
  meanVar = meanVar / d || 1;
  for (let j = 0; j < d; j++) c[j * d + j] += regularization * meanVar;
  return choleskyJittered(c, d).l;
}

/**
 * Weighted mean and covariance of the rows `rows` of x (row-major, d columns). `divisor`: 'mle'
 * divides by Σw, 'unbiased' by Σw − Σw²/Σw (reliability weights; n − 1 for unit weights).
 * `weightIndexing`: 'row' reads the weight of row i as weight[i]; 'position' reads the weight of the
 * r-th listed row as weight[r].
 */
export function weightedMoments(
  x: Float64Array,
  d: number,
  rows: ArrayLike<number>,
  weight: Float64Array | undefined,
  divisor: 'mle' | 'unbiased',
  weightIndexing: 'row' | 'position' = 'row',
  gram: CentredGramKernel = new CentredGramKernel(),
): { mean: Float64Array; cov: Float64Array; weightSum: number } {
  const byPosition = weightIndexing === 'position';
  const mean = new Float64Array(d);
  let wSum = 0;
  let w2Sum = 0;
  const m = rows.length;
  for (let r = 0; r < m; r++) {
    const off = rows[r] * d;
    const w = weight ? weight[byPosition ? r : rows[r]] : 1;
    wSum += w;
    w2Sum += w * w;
    for (let j = 0; j < d; j++) mean[j] += w * x[off + j];
  }
  if (wSum <= 0) return { mean, cov: new Float64Array(d * d), weightSum: 0 };
  for (let j = 0; j < d; j++) mean[j] /= wSum;
  const cov = gram.compute(x, d, rows, mean, weight, weightIndexing);
  const denom = divisor === 'mle' ? wSum : wSum - w2Sum / wSum;
  const scale = denom > 0 ? 1 / denom : 0;
  for (let i = 0; i < d * d; i++) cov[i] *= scale;
  return { mean, cov, weightSum: wSum };
}
