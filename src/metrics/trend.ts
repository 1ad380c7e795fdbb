/**
 * Trend tests for a metric across generations.
 *
 * - `olsTrend`: OLS slope of y on x with a Newey–West (HAC, Bartlett kernel) standard error and a
 *   two-sided p-value. Lag: `'auto'` (default) is the usual floor(4·(T/100)^(2/9)) rule, which gives
 *   2 for 11–100 generations; PAPERS.md §1's neuron analysis uses lag 1 (pass `lag: 1`). The p-value
 *   uses Student-t with T − 2 degrees of freedom by default; `distribution: 'normal'` and
 *   `smallSampleCorrection: false` (the default) reproduce statsmodels'
 *   `OLS(y, X).fit(cov_type='HAC', cov_kwds={'maxlags': L})` exactly.
 * - `mannKendall`: the Mann–Kendall test with the tie correction of Var(S), continuity-corrected z,
 *   two-sided normal p-value, Kendall's τ = S / (n(n−1)/2), and Sen's slope (median pairwise slope)
 *   with its rank-based confidence interval (Gilbert 1987, as R's trend::sens.slope).
 * Observations are ordered by x before the HAC lags are taken.
 */
import { normalQuantile, normalTwoSidedP, studentTQuantile, studentTTwoSidedP } from './stats/special.ts';
import { quantileSorted } from './stats/descriptive.ts';

export interface OlsTrendOptions {
  /** HAC lag: a non-negative integer or `'auto'` (floor(4·(T/100)^(2/9))). */
  readonly lag?: number | 'auto';
  /** Reference distribution for the p-value (default `t` with T − 2 df). */
  readonly distribution?: 't' | 'normal';
  /** Multiply the HAC covariance by T / (T − 2) (default false, as statsmodels). */
  readonly smallSampleCorrection?: boolean;
  /** Level of the slope's confidence interval (default 0.95). */
  readonly level?: number;
}

export interface OlsTrend {
  readonly n: number;
  readonly slope: number;
  readonly intercept: number;
  /** Newey–West standard error of the slope. */
  readonly se: number;
  readonly t: number;
  readonly p: number;
  readonly lag: number;
  readonly distribution: 't' | 'normal';
  /** Confidence interval slope ± q·se, q from the same distribution as the p-value. */
  readonly ciLow: number;
  readonly ciHigh: number;
  /** Classical (i.i.d.) standard error, for comparison. */
  readonly seOls: number;
  readonly r2: number;
}

/** floor(4·(T/100)^(2/9)), the Newey–West (1994) rule of thumb. */
export function neweyWestAutoLag(T: number): number {
  return Math.floor(4 * Math.pow(T / 100, 2 / 9));
}

function orderedPairs(x: ArrayLike<number>, y: ArrayLike<number>): { xs: Float64Array; ys: Float64Array } {
  if (x.length !== y.length) throw new RangeError(`x has ${x.length} values, y has ${y.length}`);
  const idx: number[] = [];
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i]) && Number.isFinite(y[i])) idx.push(i);
  idx.sort((a, b) => x[a] - x[b] || a - b);
  return { xs: Float64Array.from(idx, (i) => x[i]), ys: Float64Array.from(idx, (i) => y[i]) };
}

/** OLS trend with Newey–West standard error. Non-finite pairs are dropped; fewer than 3 points give NaN. */
export function olsTrend(x: ArrayLike<number>, y: ArrayLike<number>, opts: OlsTrendOptions = {}): OlsTrend {
  const { xs, ys } = orderedPairs(x, y);
  const n = xs.length;
  const distribution = opts.distribution ?? 't';
  const lagOpt = opts.lag ?? 'auto';
  const lag = lagOpt === 'auto' ? neweyWestAutoLag(n) : lagOpt;
  if (!(Number.isInteger(lag) && lag >= 0))
    throw new RangeError(`HAC lag must be an integer ≥ 0, got ${lagOpt}`);
  const nan: OlsTrend = {
    n,
    slope: NaN,
    intercept: NaN,
    se: NaN,
    t: NaN,
    p: NaN,
    lag,
    distribution,
    ciLow: NaN,
    ciHigh: NaN,
    seOls: NaN,
    r2: NaN,
  };
  if (n < 3) return nan;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
    syy += (ys[i] - my) ** 2;
  }
  if (!(sxx > 0)) return nan;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const e = new Float64Array(n);
  let sse = 0;
  for (let i = 0; i < n; i++) {
    e[i] = ys[i] - intercept - slope * xs[i];
    sse += e[i] * e[i];
  }
  // (XᵀX)⁻¹ for X = [1, x].
  const s1 = n;
  const sx = mx * n;
  let sx2 = 0;
  for (let i = 0; i < n; i++) sx2 += xs[i] * xs[i];
  const det = s1 * sx2 - sx * sx;
  const inv = [sx2 / det, -sx / det, -sx / det, s1 / det];
  // S = Σ_l w_l Σ_t (u_t u_{t−l}ᵀ + u_{t−l} u_tᵀ), u_t = e_t·x_t, w_0 = 1 (counted once).
  const S = [0, 0, 0, 0];
  for (let l = 0; l <= Math.min(lag, n - 1); l++) {
    const w = 1 - l / (lag + 1);
    let a00 = 0;
    let a01 = 0;
    let a10 = 0;
    let a11 = 0;
    for (let t = l; t < n; t++) {
      const u0 = e[t];
      const u1 = e[t] * xs[t];
      const v0 = e[t - l];
      const v1 = e[t - l] * xs[t - l];
      a00 += u0 * v0;
      a01 += u0 * v1;
      a10 += u1 * v0;
      a11 += u1 * v1;
    }
    if (l === 0) {
      S[0] += a00;
      S[1] += a01;
      S[2] += a10;
      S[3] += a11;
    } else {
      S[0] += w * 2 * a00;
      S[1] += w * (a01 + a10);
      S[2] += w * (a10 + a01);
      S[3] += w * 2 * a11;
    }
  }
  // V = inv · S · inv; we need V[1][1].
  const m10 = inv[2] * S[0] + inv[3] * S[2];
  const m11 = inv[2] * S[1] + inv[3] * S[3];
  let v11 = m10 * inv[1] + m11 * inv[3];
  if (opts.smallSampleCorrection === true) v11 *= n / (n - 2);
  const se = Math.sqrt(Math.max(v11, 0));
  const t = slope / se;
  const p = distribution === 't' ? studentTTwoSidedP(t, n - 2) : normalTwoSidedP(t);
  const seOls = Math.sqrt(sse / (n - 2) / sxx);
  const r2 = syy > 0 ? 1 - sse / syy : NaN;
  const level = opts.level ?? 0.95;
  const q = distribution === 't' ? studentTQuantile((1 + level) / 2, n - 2) : normalQuantile((1 + level) / 2);
  return {
    n,
    slope,
    intercept,
    se,
    t,
    p: se > 0 ? p : NaN,
    lag,
    distribution,
    ciLow: slope - q * se,
    ciHigh: slope + q * se,
    seOls,
    r2,
  };
}

export interface MannKendallResult {
  readonly n: number;
  /** S = Σ_{i<j} sign(y_j − y_i). */
  readonly s: number;
  /** Var(S) with the tie correction. */
  readonly varS: number;
  readonly z: number;
  /** Two-sided p-value. */
  readonly p: number;
  /** Kendall's τ-a = S / (n(n−1)/2). */
  readonly tau: number;
  /** Sen's slope: median of (y_j − y_i)/(x_j − x_i) over pairs with x_i ≠ x_j. */
  readonly senSlope: number;
  /** median(y) − senSlope · median(x). */
  readonly senIntercept: number;
  /** Confidence interval of Sen's slope at `level`. */
  readonly senLow: number;
  readonly senHigh: number;
  readonly trend: 'increasing' | 'decreasing' | 'no trend';
}

/** Mann–Kendall trend test and Sen's slope. `level` is the confidence of the slope interval and the trend call. */
export function mannKendall(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  opts: { level?: number } = {},
): MannKendallResult {
  const level = opts.level ?? 0.95;
  const { xs, ys } = orderedPairs(x, y);
  const n = xs.length;
  let s = 0;
  const slopes: number[] = [];
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) {
      s += Math.sign(ys[j] - ys[i]);
      if (xs[j] !== xs[i]) slopes.push((ys[j] - ys[i]) / (xs[j] - xs[i]));
    }
  }
  // Tie correction: Σ t(t−1)(2t+5) over groups of tied y values.
  const sortedY = Float64Array.from(ys).sort();
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && sortedY[j] === sortedY[i]) j++;
    const t = j - i;
    tieTerm += t * (t - 1) * (2 * t + 5);
    i = j;
  }
  const varS = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  const z = varS > 0 ? (s > 0 ? (s - 1) / Math.sqrt(varS) : s < 0 ? (s + 1) / Math.sqrt(varS) : 0) : NaN;
  const p = n >= 3 ? normalTwoSidedP(z) : NaN;
  const tau = n >= 2 ? s / ((n * (n - 1)) / 2) : NaN;
  const sorted = Float64Array.from(slopes).sort();
  const senSlope = quantileSorted(sorted, 0.5);
  const medX = quantileSorted(Float64Array.from(xs).sort(), 0.5);
  const medY = quantileSorted(sortedY, 0.5);
  const senIntercept = medY - senSlope * medX;
  const N = sorted.length;
  let senLow = NaN;
  let senHigh = NaN;
  if (N > 0 && varS > 0) {
    const c = normalQuantile(1 - (1 - level) / 2) * Math.sqrt(varS);
    const m1 = (N - c) / 2;
    const m2 = (N + c) / 2;
    senLow = sorted[Math.min(N - 1, Math.max(0, Math.round(m1) - 1))];
    senHigh = sorted[Math.min(N - 1, Math.max(0, Math.round(m2)))];
  }
  const significant = p < 1 - level;
  const trend = significant && z > 0 ? 'increasing' : significant && z < 0 ? 'decreasing' : 'no trend';
  return { n, s, varS, z, p, tau, senSlope, senIntercept, senLow, senHigh, trend };
}
