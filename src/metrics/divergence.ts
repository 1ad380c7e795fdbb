/**
 * Distances between distributions: discrete (KL, Jensen–Shannon), one-dimensional samples
 * (Wasserstein-1) and multivariate samples (MMD with an RBF kernel, Fréchet distance between Gaussian
 * fits). Inputs are plain arrays; samples are row-major n×d Float64Arrays.
 */
import type { Rng } from '../core/rng.ts';
import { matMul, sqrtSymmetric, symmetricEigen } from '../core/linalg.ts';

function normalise(p: ArrayLike<number>, what: string): Float64Array {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    if (!(p[i] >= 0)) throw new RangeError(`${what}[${i}] is ${p[i]}: counts/probabilities must be ≥ 0`);
    s += p[i];
  }
  if (!(s > 0)) throw new RangeError(`${what} sums to 0`);
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i] / s;
  return out;
}

/**
 * KL(p ‖ q) = Σ p_i ln(p_i / q_i) in nats (`base` 2 for bits). Inputs may be counts. `smoothing` adds
 * that pseudo-count to every cell of both before normalising; without it, p_i > 0 = q_i gives Infinity.
 */
export function klDivergence(
  p: ArrayLike<number>,
  q: ArrayLike<number>,
  opts: { base?: number; smoothing?: number } = {},
): number {
  if (p.length !== q.length)
    throw new RangeError(`distributions differ in length: ${p.length} vs ${q.length}`);
  const s = opts.smoothing ?? 0;
  const P = normalise(
    Array.from(p, (v) => v + s),
    'p',
  );
  const Q = normalise(
    Array.from(q, (v) => v + s),
    'q',
  );
  let kl = 0;
  for (let i = 0; i < P.length; i++) {
    if (P[i] === 0) continue;
    if (Q[i] === 0) return Infinity;
    kl += P[i] * Math.log(P[i] / Q[i]);
  }
  return opts.base !== undefined ? kl / Math.log(opts.base) : kl;
}

/** Jensen–Shannon divergence in bits (base 2 by default): symmetric, in [0, 1]. */
export function jsDivergence(
  p: ArrayLike<number>,
  q: ArrayLike<number>,
  opts: { base?: number } = {},
): number {
  if (p.length !== q.length)
    throw new RangeError(`distributions differ in length: ${p.length} vs ${q.length}`);
  const P = normalise(p, 'p');
  const Q = normalise(q, 'q');
  let js = 0;
  for (let i = 0; i < P.length; i++) {
    const m = (P[i] + Q[i]) / 2;
    if (P[i] > 0) js += 0.5 * P[i] * Math.log(P[i] / m);
    if (Q[i] > 0) js += 0.5 * Q[i] * Math.log(Q[i] / m);
  }
  return Math.max(0, js / Math.log(opts.base ?? 2));
}

/**
 * Wasserstein-1 distance between two 1-D samples (optionally weighted): ∫ |F_a(x) − F_b(x)| dx
 * (scipy.stats.wasserstein_distance).
 */
export function wasserstein1(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  weightsA?: ArrayLike<number>,
  weightsB?: ArrayLike<number>,
): number {
  if (a.length === 0 || b.length === 0) return NaN;
  if (weightsA === undefined && weightsB === undefined) return wasserstein1Unweighted(a, b);
  const ia = sortedOrder(a);
  const ib = sortedOrder(b);
  const wa = totalWeight(a.length, weightsA);
  const wb = totalWeight(b.length, weightsB);
  let i = 0;
  let j = 0;
  let fa = 0;
  let fb = 0;
  let dist = 0;
  let x = Math.min(a[ia[0]], b[ib[0]]);
  while (i < ia.length || j < ib.length) {
    const nextA = i < ia.length ? a[ia[i]] : Infinity;
    const nextB = j < ib.length ? b[ib[j]] : Infinity;
    const next = Math.min(nextA, nextB);
    dist += Math.abs(fa - fb) * (next - x);
    x = next;
    while (i < ia.length && a[ia[i]] === next) {
      fa += (weightsA === undefined ? 1 : weightsA[ia[i]]) / wa;
      i++;
    }
    while (j < ib.length && b[ib[j]] === next) {
      fb += (weightsB === undefined ? 1 : weightsB[ib[j]]) / wb;
      j++;
    }
  }
  return dist;
}

/** The unweighted case: sort copies natively (no comparator) and merge the two step functions. */
function wasserstein1Unweighted(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return wasserstein1InPlace(Float64Array.from(a), Float64Array.from(b));
}

/**
 * Unweighted Wasserstein-1 of two samples that the caller owns: sorts `sa` and `sb` in place (no
 * copies) and returns the same value as `wasserstein1(sa, sb)`. For callers that reuse buffers.
 */
export function wasserstein1InPlace(sa: Float64Array, sb: Float64Array): number {
  if (sa.length === 0 || sb.length === 0) return NaN;
  for (let i = 0; i < sa.length; i++)
    if (Number.isNaN(sa[i])) throw new RangeError(`sample value ${i} is NaN`);
  for (let i = 0; i < sb.length; i++)
    if (Number.isNaN(sb[i])) throw new RangeError(`sample value ${i} is NaN`);
  sa.sort();
  sb.sort();
  const stepA = 1 / sa.length;
  const stepB = 1 / sb.length;
  let i = 0;
  let j = 0;
  let fa = 0;
  let fb = 0;
  let dist = 0;
  let x = Math.min(sa[0], sb[0]);
  while (i < sa.length || j < sb.length) {
    const next = Math.min(i < sa.length ? sa[i] : Infinity, j < sb.length ? sb[j] : Infinity);
    dist += Math.abs(fa - fb) * (next - x);
    x = next;
    while (i < sa.length && sa[i] === next) {
      fa += stepA;
      i++;
    }
    while (j < sb.length && sb[j] === next) {
      fb += stepB;
      j++;
    }
  }
  return dist;
}

function sortedOrder(v: ArrayLike<number>): Int32Array {
  const idx = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    if (Number.isNaN(v[i])) throw new RangeError(`sample value ${i} is NaN`);
    idx[i] = i;
  }
  return idx.sort((x, y) => v[x] - v[y]);
}

function totalWeight(n: number, w?: ArrayLike<number>): number {
  if (w === undefined) return n;
  if (w.length !== n) throw new RangeError(`weights have ${w.length} entries for ${n} values`);
  let s = 0;
  for (let i = 0; i < n; i++) s += w[i];
  return s;
}

/** Squared Euclidean distance between row i of x and row j of y (row-major, width d). */
function sqDist(x: ArrayLike<number>, i: number, y: ArrayLike<number>, j: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) {
    const t = x[i * d + k] - y[j * d + k];
    s += t * t;
  }
  return s;
}

/** The k-th smallest value of a (0-based), reordering a in place (iterative quickselect, median-of-3). */
export function selectKth(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as pivot.
    if (a[mid] < a[lo]) [a[mid], a[lo]] = [a[lo], a[mid]];
    if (a[hi] < a[lo]) [a[hi], a[lo]] = [a[lo], a[hi]];
    if (a[hi] < a[mid]) [a[hi], a[mid]] = [a[mid], a[hi]];
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** Median pairwise distance of the pooled rows (the usual RBF bandwidth heuristic). */
export function medianHeuristic(x: ArrayLike<number>, y: ArrayLike<number>, d: number): number {
  const nx = x.length / d;
  const ny = y.length / d;
  const pooled = new Float64Array((nx + ny) * d);
  for (let i = 0; i < x.length; i++) pooled[i] = x[i];
  for (let i = 0; i < y.length; i++) pooled[nx * d + i] = y[i];
  const n = nx + ny;
  // Squared distances: the square root is monotone, so it is taken of the median only.
  const dists = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) dists[k++] = sqDist(pooled, i, pooled, j, d);
  const m = dists.length;
  if (m === 0) return 1;
  const upper = selectKth(dists, m >> 1);
  let medSq = upper;
  if (m % 2 === 0) {
    // The lower middle value is the largest of the left part after selection.
    let lower = -Infinity;
    for (let t = 0; t < m >> 1; t++) if (dists[t] > lower) lower = dists[t];
    medSq = (Math.sqrt(lower) + Math.sqrt(upper)) ** 2 / 4;
  }
  const med = Math.sqrt(medSq);
  return med > 0 ? med : 1;
}

/**
 * Squared maximum mean discrepancy with the RBF kernel k(u, v) = exp(−‖u − v‖² / (2σ²)), unbiased
 * U-statistic (can be slightly negative when the samples match). `bandwidth` σ defaults to the
 * median heuristic on the pooled rows.
 */
export function mmdRbf(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  d: number,
  opts: { bandwidth?: number; biased?: boolean } = {},
): number {
  const nx = x.length / d;
  const ny = y.length / d;
  if (!Number.isInteger(nx) || !Number.isInteger(ny))
    throw new RangeError(`sample sizes are not multiples of d = ${d}`);
  if (nx < 2 || ny < 2) return NaN;
  const sigma = opts.bandwidth ?? medianHeuristic(x, y, d);
  const gamma = 1 / (2 * sigma * sigma);
  const biased = opts.biased === true;
  let kxx = 0;
  for (let i = 0; i < nx; i++)
    for (let j = i + 1; j < nx; j++) kxx += Math.exp(-gamma * sqDist(x, i, x, j, d));
  let kyy = 0;
  for (let i = 0; i < ny; i++)
    for (let j = i + 1; j < ny; j++) kyy += Math.exp(-gamma * sqDist(y, i, y, j, d));
  let kxy = 0;
  for (let i = 0; i < nx; i++) for (let j = 0; j < ny; j++) kxy += Math.exp(-gamma * sqDist(x, i, y, j, d));
  if (biased) {
    return (2 * kxx + nx) / (nx * nx) + (2 * kyy + ny) / (ny * ny) - (2 * kxy) / (nx * ny);
  }
  return (2 * kxx) / (nx * (nx - 1)) + (2 * kyy) / (ny * (ny - 1)) - (2 * kxy) / (nx * ny);
}

/** Mean vector and (n − 1)-normalised covariance of row-major n×d samples. */
export function gaussianFit(
  x: ArrayLike<number>,
  d: number,
): { mean: Float64Array; cov: Float64Array; n: number } {
  const n = x.length / d;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k] += x[i * d + k];
  for (let k = 0; k < d; k++) mean[k] /= n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) row[k] = x[i * d + k] - mean[k];
    for (let a = 0; a < d; a++) {
      const ra = row[a];
      for (let b = a; b < d; b++) cov[a * d + b] += ra * row[b];
    }
  }
  const denom = Math.max(n - 1, 1);
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      cov[a * d + b] /= denom;
      cov[b * d + a] = cov[a * d + b];
    }
  }
  return { mean, cov, n };
}

/**
 * Fréchet distance between N(μ1, Σ1) and N(μ2, Σ2): ‖μ1 − μ2‖² + tr Σ1 + tr Σ2 − 2·tr (Σ1^½ Σ2 Σ1^½)^½
 * (the FID formula, on whatever features are given).
 */
export function frechetDistance(
  mean1: ArrayLike<number>,
  cov1: ArrayLike<number>,
  mean2: ArrayLike<number>,
  cov2: ArrayLike<number>,
  d: number,
): number {
  let dm = 0;
  let tr = 0;
  for (let k = 0; k < d; k++) {
    dm += (mean1[k] - mean2[k]) ** 2;
    tr += cov1[k * d + k] + cov2[k * d + k];
  }
  const s1 = sqrtSymmetric(cov1, d);
  const inner = matMul(matMul(s1, cov2, d), s1, d);
  // Symmetrise away round-off before the eigen solve.
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const m = (inner[i * d + j] + inner[j * d + i]) / 2;
      inner[i * d + j] = m;
      inner[j * d + i] = m;
    }
  }
  const { values } = symmetricEigen(inner, d);
  let trSqrt = 0;
  for (const v of values) trSqrt += Math.sqrt(Math.max(v, 0));
  return Math.max(0, dm + tr - 2 * trSqrt);
}

/** Fréchet distance between Gaussian fits of two row-major samples. */
export function frechetDistanceOfSamples(x: ArrayLike<number>, y: ArrayLike<number>, d: number): number {
  const a = gaussianFit(x, d);
  const b = gaussianFit(y, d);
  return frechetDistance(a.mean, a.cov, b.mean, b.cov, d);
}

/**
 * The rows `subsampleRows` keeps: `m` of `n` drawn without replacement, in increasing order (the same
 * draws), or undefined when n ≤ m (all rows are kept).
 */
export function subsampleRowIndices(n: number, m: number, rng: Rng): Int32Array | undefined {
  return n <= m ? undefined : rng.sampleWithoutReplacement(n, m).sort();
}

/** Up to `m` rows of a row-major sample, drawn without replacement (all rows when n ≤ m). */
export function subsampleRows(x: Float64Array, d: number, m: number, rng: Rng): Float64Array {
  const n = x.length / d;
  const idx = subsampleRowIndices(n, m, rng);
  if (idx === undefined) return x;
  const out = new Float64Array(m * d);
  for (let r = 0; r < m; r++) out.set(x.subarray(idx[r] * d, idx[r] * d + d), r * d);
  return out;
}
