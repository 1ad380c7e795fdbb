/**
 * The (weighted) maximum-likelihood fit of a Beta(α, β) distribution, accurate for huge α and β.
 *
 * Weighted log-likelihood per unit weight, with W = Σ wᵢ, s₁ = Σ wᵢ ln xᵢ / W, s₂ = Σ wᵢ ln(1 − xᵢ) / W:
 *
 *     ℓ(α, β) = (α − 1) s₁ + (β − 1) s₂ − ln B(α, β)
 *
 * ℓ is strictly concave, and (s₁, s₂) are sufficient: the fit never touches the data again.
 * Gradient: g = (s₁ − ψ(α) + ψ(α+β), s₂ − ψ(β) + ψ(α+β)); Hessian: ψ'(α+β) − diag(ψ'(α), ψ'(β)).
 * We run Newton's method from the weighted method-of-moments estimate, with a positivity safeguard
 * (no step may shrink a parameter below a quarter of its value) and a backtracking line search on the
 * directional derivative, which, unlike the objective, has no catastrophic cancellation when α and β
 * are in the millions. The digamma differences in the gradient are computed without cancellation
 * (`digammaDifference`), so the fit stays accurate to ≈ 1e-15·(α+β) relative, far below the sampling
 * error √(2/N) for the parameter sizes the theory loop reaches. A generic minimiser with a fixed
 * absolute tolerance is what under-fits large α, β after ~7 doubling generations; this one does not.
 */
import { BiasloopError } from '../core/errors.ts';
import { digamma, lbeta, trigamma } from './special.ts';

export interface BetaStats {
  /** Total weight W. */
  readonly totalWeight: number;
  /** s₁ = Σ w ln x / W. */
  readonly meanLogX: number;
  /** s₂ = Σ w ln(1 − x) / W. */
  readonly meanLog1mX: number;
  /** Weighted mean and variance of x (for the method-of-moments start). */
  readonly mean: number;
  readonly variance: number;
  /** Kish effective sample size (Σw)² / Σw². */
  readonly effectiveSize: number;
}

export interface BetaFit {
  readonly alpha: number;
  readonly beta: number;
  /** Newton iterations used. */
  readonly iterations: number;
  /** Weighted mean log-likelihood ℓ(α, β) at the fit. */
  readonly logLikelihood: number;
  /** max(|Δα|/α, |Δβ|/β) of the last step. */
  readonly lastRelativeStep: number;
}

export interface BetaFitOptions {
  readonly maxIterations?: number;
  /**
   * Relative step below which Newton has converged (default 1e-12), raised to 4× the precision floor
   * (the step that rounding in the gradient alone produces) when that is larger, as for huge α+β.
   */
  readonly tolerance?: number;
}

/**
 * Weighted sufficient statistics from ln x and ln(1 − x) (pass both: computing ln(1 − x) from x loses
 * every digit when x is within 1e-16 of 1). `weights` may be omitted (all 1).
 */
export function betaStats(logX: Float64Array, log1mX: Float64Array, weights?: Float64Array): BetaStats {
  const n = logX.length;
  if (log1mX.length !== n || (weights !== undefined && weights.length !== n)) {
    throw new BiasloopError('data', 'betaStats: logX, log1mX and weights must have the same length');
  }
  let w = 0;
  let w2 = 0;
  let s1 = 0;
  let s2 = 0;
  let sx = 0;
  for (let i = 0; i < n; i++) {
    const wi = weights === undefined ? 1 : weights[i];
    if (!(wi >= 0) || !Number.isFinite(wi)) {
      throw new BiasloopError('data', `betaStats: weight ${i} is ${wi}; weights must be finite and ≥ 0`);
    }
    w += wi;
    w2 += wi * wi;
    s1 += wi * logX[i];
    s2 += wi * log1mX[i];
    sx += wi * Math.exp(logX[i]);
  }
  if (!(w > 0)) throw new BiasloopError('data', 'betaStats: the weights sum to 0; nothing to fit');
  const mean = sx / w;
  let sv = 0;
  for (let i = 0; i < n; i++) {
    const wi = weights === undefined ? 1 : weights[i];
    const d = Math.exp(logX[i]) - mean;
    sv += wi * d * d;
  }
  return {
    totalWeight: w,
    meanLogX: s1 / w,
    meanLog1mX: s2 / w,
    mean,
    variance: sv / w,
    effectiveSize: (w * w) / w2,
  };
}

/** Asymptotic-series tail of ψ: ψ(z) = ln z − 1/(2z) − tail(z), for z ≥ 10. */
function digammaTail(z: number): number {
  const inv2 = 1 / (z * z);
  return (
    inv2 *
    (1 / 12 -
      inv2 *
        (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132 - inv2 * (691 / 32760 - inv2 / 12))))))
  );
}

/**
 * ψ(y) − ψ(x) without cancellation when x and y are large and close (α and α+β after many doublings):
 * ln(y/x) via log1p plus the difference of the asymptotic series.
 */
export function digammaDifference(y: number, x: number): number {
  if (x < 10 || y < 10) return digamma(y) - digamma(x);
  return Math.log1p((y - x) / x) - 0.5 * (1 / y - 1 / x) - (digammaTail(y) - digammaTail(x));
}

/** A bound on the rounding error of `digammaDifference(y, x)` (a few ulps of what it sums). */
export function digammaDifferenceError(y: number, x: number): number {
  if (x < 10 || y < 10) return 1e-15 * (1 + Math.abs(digamma(y)) + Math.abs(digamma(x)));
  return 1e-15 * Math.abs(Math.log1p((y - x) / x)) + 1e-15 / Math.min(x, y);
}

/** ℓ(α, β) per unit weight. */
export function betaLogLikelihood(stats: BetaStats, alpha: number, beta: number): number {
  return (alpha - 1) * stats.meanLogX + (beta - 1) * stats.meanLog1mX - lbeta(alpha, beta);
}

/** Method-of-moments start: α = m·k, β = (1−m)·k with k = m(1−m)/v − 1. */
function momentsStart(stats: BetaStats): [number, number] {
  const m = stats.mean;
  const v = stats.variance;
  const k = (m * (1 - m)) / v - 1;
  if (Number.isFinite(k) && k > 0 && m > 0 && m < 1) return [m * k, (1 - m) * k];
  return [1, 1];
}

/** Newton ascent on ℓ from the method-of-moments estimate. Throws a numeric error if it cannot converge. */
export function fitBeta(stats: BetaStats, options: BetaFitOptions = {}): BetaFit {
  const maxIterations = options.maxIterations ?? 200;
  const baseTolerance = options.tolerance ?? 1e-12;
  const s1 = stats.meanLogX;
  const s2 = stats.meanLog1mX;
  if (!Number.isFinite(s1) || !Number.isFinite(s2)) {
    throw new BiasloopError('numeric', 'Beta MLE: the data contain 0 or 1 exactly (ln x is infinite)');
  }
  // Jensen: s₁ < ln E[x] unless every x is the same; then the likelihood grows without bound.
  if (!(stats.variance > 0)) {
    throw new BiasloopError('numeric', 'Beta MLE: all data points are identical; the fit does not exist');
  }
  let [a, b] = momentsStart(stats);
  const gradient = (pa: number, pb: number): [number, number] => {
    const c = pa + pb;
    return [s1 + digammaDifference(c, pa), s2 + digammaDifference(c, pb)];
  };
  let [g1, g2] = gradient(a, b);
  let relStep = Infinity;
  for (let it = 1; it <= maxIterations; it++) {
    const tc = trigamma(a + b);
    // M = −Hessian (positive definite): [ψ'(a) − ψ'(c), −ψ'(c); −ψ'(c), ψ'(b) − ψ'(c)].
    const m11 = trigamma(a) - tc;
    const m22 = trigamma(b) - tc;
    const m12 = -tc;
    const det = m11 * m22 - m12 * m12;
    if (!(det > 0)) {
      throw new BiasloopError(
        'numeric',
        `Beta MLE: the Hessian lost definiteness at α = ${a}, β = ${b} (parameters beyond double precision)`,
      );
    }
    const d1 = (m22 * g1 - m12 * g2) / det;
    const d2 = (m11 * g2 - m12 * g1) / det;
    const slope0 = g1 * d1 + g2 * d2; // φ'(0) = gᵀM⁻¹g ≥ 0 (twice the predicted gain)
    let t = 1;
    while (a + t * d1 < 0.25 * a || b + t * d2 < 0.25 * b) t *= 0.5;
    // Backtrack until the directional derivative at the new point has not overshot by more than half
    // the initial slope (for a concave φ this bounds the overshoot; exact for a quadratic).
    let na = a + t * d1;
    let nb = b + t * d2;
    let [ng1, ng2] = gradient(na, nb);
    for (let k = 0; k < 60 && ng1 * d1 + ng2 * d2 < -0.5 * slope0; k++) {
      t *= 0.5;
      na = a + t * d1;
      nb = b + t * d2;
      [ng1, ng2] = gradient(na, nb);
    }
    // Precision floor: the step that rounding in the gradient alone produces, |M⁻¹|·ε with ε the
    // rounding error of gᵢ = sᵢ + [ψ(α+β) − ψ(θᵢ)]. Newton cannot resolve the optimum more finely.
    const eps1 = 1e-15 * Math.abs(s1) + digammaDifferenceError(a + b, a);
    const eps2 = 1e-15 * Math.abs(s2) + digammaDifferenceError(a + b, b);
    const floor1 = (Math.abs(m22) * eps1 + Math.abs(m12) * eps2) / det / a;
    const floor2 = (Math.abs(m12) * eps1 + Math.abs(m11) * eps2) / det / b;
    const rel1 = Math.abs(na - a) / a;
    const rel2 = Math.abs(nb - b) / b;
    relStep = Math.max(rel1, rel2);
    a = na;
    b = nb;
    g1 = ng1;
    g2 = ng2;
    if (!Number.isFinite(a) || !Number.isFinite(b)) break;
    if (rel1 <= Math.max(baseTolerance, 4 * floor1) && rel2 <= Math.max(baseTolerance, 4 * floor2)) {
      return {
        alpha: a,
        beta: b,
        iterations: it,
        logLikelihood: betaLogLikelihood(stats, a, b),
        lastRelativeStep: relStep,
      };
    }
  }
  throw new BiasloopError(
    'numeric',
    `Beta MLE did not converge in ${maxIterations} Newton steps (α = ${a}, β = ${b}, last relative step ${relStep})`,
  );
}

/** Convenience: the weighted Beta MLE from ln x, ln(1 − x) and optional weights. */
export function fitWeightedBeta(
  logX: Float64Array,
  log1mX: Float64Array,
  weights?: Float64Array,
  options?: BetaFitOptions,
): BetaFit {
  return fitBeta(betaStats(logX, log1mX, weights), options);
}
