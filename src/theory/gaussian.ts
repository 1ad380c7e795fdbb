/**
 * Gaussian refit: the model-collapse baseline (Shumailov et al. 2023; Gerstgrasser et al. 2024).
 *
 * The real data are n draws from N(0, σ²I_d). Generation 0 fits a Gaussian by maximum likelihood
 * (mean, and covariance with divisor n) to them; generation g ≥ 1 draws n points from fit g−1 and
 * refits, with the training set chosen by the strategy:
 * - replace: the n new points only;
 * - accumulate: every point so far (real + all synthetic), n(g+1) points;
 * - accumulate-subsample: n points drawn without replacement from that pool.
 * The covariance is full (`full`) or diagonal (`diagonal`); either way each diagonal entry follows
 * the one-dimensional chain exactly, because dimension j's variance estimate depends only on
 * dimension j's draws.
 *
 * Reported per generation g, over seeds: the per-dimension variance ratio σ̂²_jj/σ² (every seed ×
 * dimension pair is a value; mean with a seed-clustered 95% CI, median), its logarithm (mean, median),
 * ln det Σ̂/det Σ (d > 1), and the mean shift ‖μ̂ − μ‖²/(dσ²). Exact oracles under replace, with
 * t = g + 1 fits (docs/theory.md):
 *   E[σ̂²/σ²] = ((n−1)/n)^t,  E[ln σ̂²/σ²] = t·(ψ((n−1)/2) + ln 2 − ln n),
 *   E[ln det Σ̂/det Σ] = t·Σ_{i=1..d} (ψ((n−i)/2) + ln 2 − ln n)   (full; d times the 1-D value if diagonal),
 *   E[‖μ̂ − μ‖²]/(dσ²) = (1/n)·Σ_{s=0..g} ((n−1)/n)^s.
 * Accumulate has no closed form here; the literature shows its error stays bounded.
 */
import { Rng } from '../core/rng.ts';
import { choleskyInPlace, choleskyLogDet } from '../core/linalg.ts';
import { digamma } from './special.ts';

export const GAUSSIAN_STRATEGIES = ['replace', 'accumulate', 'accumulate-subsample'] as const;
export type GaussianStrategy = (typeof GAUSSIAN_STRATEGIES)[number];

export interface GaussianParams {
  readonly dim: number;
  readonly n: number;
  readonly generations: number;
  readonly seeds: number;
  readonly seed: number;
  readonly strategies: readonly GaussianStrategy[];
  readonly covariance: 'full' | 'diagonal';
}
/** E[ln χ²_k / n] = ψ(k/2) + ln 2 − ln n. */
function expectedLogChiSquareOverN(k: number, n: number): number {
  return digamma(k / 2) + Math.LN2 - Math.log(n);
}

/** The exact expectations under replace at generation g (t = g + 1 fits). */
export function gaussianReplaceTheory(n: number, dim: number, g: number, covariance: 'full' | 'diagonal') {
  const t = g + 1;
  const q = (n - 1) / n;
  let logDetStep = 0;
  for (let i = 1; i <= dim; i++) {
    logDetStep += expectedLogChiSquareOverN(covariance === 'full' ? n - i : n - 1, n);
  }
  return {
    varianceRatioMean: q ** t,
    logVarianceRatioMean: t * expectedLogChiSquareOverN(n - 1, n),
    logDetRatioMean: t * logDetStep,
    meanShift: (1 - q ** (g + 1)) / (1 - q) / n,
  };
}

interface Fit {
  readonly mean: Float64Array;
  /** Covariance (row-major d×d); off-diagonals are 0 for the diagonal model. */
  readonly cov: Float64Array;
}

/** ML fit to m points (row-major m×d in `x`, optionally the rows listed in `rows`). */
function fitPoints(x: Float64Array, m: number, d: number, full: boolean, rows?: Int32Array): Fit {
  const mean = new Float64Array(d);
  const cov = new Float64Array(d * d);
  for (let r = 0; r < m; r++) {
    const o = (rows === undefined ? r : rows[r]) * d;
    for (let j = 0; j < d; j++) mean[j] += x[o + j];
  }
  for (let j = 0; j < d; j++) mean[j] /= m;
  for (let r = 0; r < m; r++) {
    const o = (rows === undefined ? r : rows[r]) * d;
    for (let j = 0; j < d; j++) {
      const dj = x[o + j] - mean[j];
      if (full) for (let k = 0; k <= j; k++) cov[j * d + k] += dj * (x[o + k] - mean[k]);
      else cov[j * d + j] += dj * dj;
    }
  }
  for (let j = 0; j < d; j++) {
    for (let k = 0; k <= j; k++) {
      cov[j * d + k] /= m;
      cov[k * d + j] = cov[j * d + k];
    }
  }
  return { mean, cov };
}

/** Draw m points from N(fit.mean, fit.cov) into `out` (row-major), starting at row `offset`. */
function drawPoints(rng: Rng, fit: Fit, d: number, m: number, out: Float64Array, offset: number): void {
  const l = choleskyInPlace(Float64Array.from(fit.cov), d, 'fitted covariance');
  const start = offset * d;
  const end = start + m * d;
  // Standard normals straight into place, then x = μ + L z row by row; going down j from d−1 keeps
  // z_k (k ≤ j) untouched until row j has used them.
  rng.fillNormal(out, start, m * d);
  if (d === 1) {
    const mu = fit.mean[0];
    const sd = l[0];
    for (let i = start; i < end; i++) out[i] = mu + sd * out[i];
    return;
  }
  for (let o = start; o < end; o += d) {
    for (let j = d - 1; j >= 0; j--) {
      let s = fit.mean[j];
      for (let k = 0; k <= j; k++) s += l[j * d + k] * out[o + k];
      out[o + j] = s;
    }
  }
}

/**
 * k distinct indices from [0, n), uniformly as a set, in O(k) time (Floyd's algorithm): the pool grows
 * to n·G rows, and a partial shuffle of the whole pool every generation would cost O(n·G) each time.
 * `mark` (length ≥ n) remembers picks: mark[i] === stamp means "chosen in this call".
 */
function distinctIndices(
  rng: Rng,
  n: number,
  k: number,
  out: Int32Array,
  mark: Int32Array,
  stamp: number,
): Int32Array {
  let i = 0;
  for (let j = n - k; j < n; j++) {
    const t = rng.int(j + 1);
    const pick = mark[t] === stamp ? j : t;
    mark[pick] = stamp;
    out[i++] = pick;
  }
  return out;
}

/** Per-generation values of one strategy, over every replicate. */
export interface Recorded {
  /** [g][replicate·d + j]: σ̂²_jj / σ². */
  readonly ratio: Float64Array[];
  /** [g][replicate]: ln det Σ̂ / det Σ. */
  readonly logDet: Float64Array[];
  /** [g][replicate]: ‖μ̂ − μ‖² / (dσ²). */
  readonly meanShift: Float64Array[];
}

function record(rec: Recorded, g: number, r: number, fit: Fit, d: number): void {
  let shift = 0;
  for (let j = 0; j < d; j++) {
    rec.ratio[g][r * d + j] = fit.cov[j * d + j];
    shift += fit.mean[j] * fit.mean[j];
  }
  rec.meanShift[g][r] = shift / d;
  rec.logDet[g][r] = choleskyLogDet(choleskyInPlace(Float64Array.from(fit.cov), d, 'fitted covariance'), d);
}

/**
 * Running sums of (x − c) and (x − c)(x − c)ᵀ over a growing pool, centred on the real-data mean c
 * so the one-pass covariance does not cancel: the accumulate fit without storing the pool.
 */
class PooledMoments {
  private count = 0;
  private readonly sum: Float64Array;
  private readonly cross: Float64Array;
  constructor(
    private readonly d: number,
    private readonly centre: Float64Array,
  ) {
    this.sum = new Float64Array(d);
    this.cross = new Float64Array(d * d);
  }

  add(x: Float64Array, rows: number): void {
    const d = this.d;
    const y = new Float64Array(d);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < d; j++) y[j] = x[r * d + j] - this.centre[j];
      for (let j = 0; j < d; j++) {
        this.sum[j] += y[j];
        for (let k = 0; k <= j; k++) this.cross[j * d + k] += y[j] * y[k];
      }
    }
    this.count += rows;
  }

  fit(full: boolean): Fit {
    const d = this.d;
    const m = this.count;
    const mean = new Float64Array(d);
    const cov = new Float64Array(d * d);
    for (let j = 0; j < d; j++) mean[j] = this.sum[j] / m;
    for (let j = 0; j < d; j++) {
      for (let k = 0; k <= j; k++) {
        if (!full && k !== j) continue;
        const v = this.cross[j * d + k] / m - mean[j] * mean[k];
        cov[j * d + k] = v;
        cov[k * d + j] = v;
      }
    }
    for (let j = 0; j < d; j++) mean[j] += this.centre[j];
    return { mean, cov };
  }
}

function simulateStrategy(
  strategy: GaussianStrategy,
  p: GaussianParams,
  rec: Recorded,
  r: number,
  real: Float64Array,
): void {
  const { n, dim: d, generations: G } = p;
  const full = p.covariance === 'full';
  const rng = Rng.stream(p.seed, 'theory', 'gaussian', strategy, 'replicate', r);
  let fit = fitPoints(real, n, d, full);
  record(rec, 0, r, fit, d);
  if (strategy === 'replace') {
    const batch = new Float64Array(n * d);
    for (let g = 1; g < G; g++) {
      drawPoints(rng, fit, d, n, batch, 0);
      fit = fitPoints(batch, n, d, full);
      record(rec, g, r, fit, d);
    }
  } else if (strategy === 'accumulate') {
    const batch = new Float64Array(n * d);
    const moments = new PooledMoments(d, fit.mean);
    moments.add(real, n);
    for (let g = 1; g < G; g++) {
      drawPoints(rng, fit, d, n, batch, 0);
      moments.add(batch, n);
      fit = moments.fit(full);
      record(rec, g, r, fit, d);
    }
  } else {
    const pool = new Float64Array(n * G * d);
    const rows = new Int32Array(n);
    const mark = new Int32Array(n * G);
    pool.set(real);
    let poolRows = n;
    for (let g = 1; g < G; g++) {
      drawPoints(rng, fit, d, n, pool, poolRows);
      poolRows += n;
      fit = fitPoints(pool, n, d, full, distinctIndices(rng, poolRows, n, rows, mark, g));
      record(rec, g, r, fit, d);
    }
  }
}

/** Simulate every strategy over every replicate; the real data of replicate r is shared by strategies. */
export function simulateGaussian(p: GaussianParams): Map<GaussianStrategy, Recorded> {
  const out = new Map<GaussianStrategy, Recorded>();
  for (const s of p.strategies) {
    out.set(s, {
      ratio: Array.from({ length: p.generations }, () => new Float64Array(p.seeds * p.dim)),
      logDet: Array.from({ length: p.generations }, () => new Float64Array(p.seeds)),
      meanShift: Array.from({ length: p.generations }, () => new Float64Array(p.seeds)),
    });
  }
  const real = new Float64Array(p.n * p.dim);
  for (let r = 0; r < p.seeds; r++) {
    Rng.stream(p.seed, 'theory', 'gaussian', 'replicate', r, 'real').fillNormal(real);
    for (const s of p.strategies) simulateStrategy(s, p, out.get(s) as Recorded, r, real);
  }
  return out;
}
