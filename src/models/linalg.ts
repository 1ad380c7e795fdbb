/**
 * Small dense linear algebra on row-major Float64Arrays: what the tabular models need (Cholesky
 * factorisation and solves, weighted moments). Plain loops, written so V8 keeps them monomorphic.
 */

import { CentredGramKernel } from './tabular-kernels.ts';

/**
 * Cholesky factorisation of a symmetric positive-definite d×d matrix: returns lower-triangular L
 * (row-major, upper part zero) with A = L·Lᵀ, or undefined when A is not positive definite.
 */
export function cholesky(a: Float64Array, d: number): Float64Array | undefined {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        if (!(s > 0)) return undefined;
        l[i * d + i] = Math.sqrt(s);
      } else {
        l[i * d + j] = s / l[j * d + j];
      }
    }
  }
  return l;
}

/**
 * Cholesky with escalating diagonal jitter: tries A, then A + ε·mean(diag)·I for ε = 1e-10, 1e-8, …,
 * 1e-2. Returns the factor and the jitter used.
 */
export function choleskyJittered(a: Float64Array, d: number): { l: Float64Array; jitter: number } {
  const direct = cholesky(a, d);
  if (direct) return { l: direct, jitter: 0 };
  let meanDiag = 0;
  for (let i = 0; i < d; i++) meanDiag += Math.abs(a[i * d + i]);
  meanDiag = meanDiag / d || 1;
  for (let e = 1e-10; e <= 1e-2; e *= 100) {
    const b = Float64Array.from(a);
    for (let i = 0; i < d; i++) b[i * d + i] += e * meanDiag;
    const l = cholesky(b, d);
    if (l) return { l, jitter: e * meanDiag };
  }
  // Fall back to the diagonal: always positive definite.
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) l[i * d + i] = Math.sqrt(Math.max(Math.abs(a[i * d + i]), 1e-12));
  return { l, jitter: Infinity };
}

/** Solve L·Lᵀ·x = b in place of a copy of b, given the Cholesky factor L. */
export function choleskySolve(l: Float64Array, d: number, b: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < d; i++) {
    let s = x[i];
    for (let k = 0; k < i; k++) s -= l[i * d + k] * x[k];
    x[i] = s / l[i * d + i];
  }
  for (let i = d - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < d; k++) s -= l[k * d + i] * x[k];
    x[i] = s / l[i * d + i];
  }
  return x;
}

/** log det(A) from its Cholesky factor. */
export function choleskyLogDet(l: Float64Array, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += Math.log(l[i * d + i]);
  return 2 * s;
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
