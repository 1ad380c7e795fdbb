/**
 * Bias amplification under weighted maximum likelihood (Wang et al., arXiv 2410.15234, §Theory).
 *
 * A biased "pretrained" model Beta(α_P, β_P) weights the data each generation; the truth is
 * Beta(α_T, β_T). Generation t draws data D_t (D_0 = the truth, D_t = Beta(θ_{t−1}) after that),
 * weights each point by the density of the weighting model W_t (W_0 = the pretrained model,
 * W_t = θ_{t−1} after that) and fits θ_t = argmax Σ wᵢ ln f(xᵢ; θ).
 *
 * Population limit (no sampling error): the weighted MLE maximises ∫ f_D f_W ln f_θ, and f_D·f_W ∝
 * Beta(D + W − 1), so θ_t = D_t + W_t − 1 exactly; for t ≥ 1 that is θ_t = 2θ_{t−1} − 1. With the
 * defaults: (4, 3) → (7, 5) → (13, 9) → …, mean 4/7, 7/12, 13/22 → 3/5.
 * Sampled: finite N draws from seeded streams and the Newton weighted Beta MLE (beta-mle.ts).
 * Control: w ≡ 1 (population: θ_t = D_t, the truth forever).
 *
 * Amplification condition (ours, exact; docs/theory.md): generation t amplifies iff its weighted
 * refit, taken in the population limit, moves the mean further from the true mean than the data it
 * was trained on: |mean(D_t + W_t − 1) − μ_T| > |mean(D_t) − μ_T|. In population mode this is exactly
 * "|bias| grew this generation"; in sampled mode it is evaluated at the fitted θ̂ and is the theory's
 * prediction for that step.
 */
import { BiasloopError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { formatSignificant } from '../report/text-table.ts';
import { fitWeightedBeta } from './beta-mle.ts';

export type WmleMode = 'population' | 'sampled' | 'control';

export interface WmleParams {
  readonly alphaP: number;
  readonly betaP: number;
  readonly alphaT: number;
  readonly betaT: number;
  readonly n: number;
  readonly nPretrain: number;
  readonly generations: number;
  readonly seed: number;
  readonly mode: WmleMode;
}
export interface BetaParams {
  readonly alpha: number;
  readonly beta: number;
}

export interface WmleGeneration {
  readonly generation: number;
  readonly alpha: number;
  readonly beta: number;
  readonly mean: number;
  readonly variance: number;
  /** mean − true mean. */
  readonly bias: number;
  readonly amplificationCondition: boolean;
  /** Kish effective sample size of the weights (sampled runs only). */
  readonly effectiveSampleSize?: number;
}

export function betaMean(p: BetaParams): number {
  return p.alpha / (p.alpha + p.beta);
}

export function betaVariance(p: BetaParams): number {
  const s = p.alpha + p.beta;
  return (p.alpha * p.beta) / (s * s * (s + 1));
}

/** The population-limit weighted fit: Beta(D + W − 1), or D itself when weights are uniform (null). */
export function weightedRefitLimit(data: BetaParams, weighting: BetaParams | null): BetaParams {
  if (weighting === null) return data;
  return { alpha: data.alpha + weighting.alpha - 1, beta: data.beta + weighting.beta - 1 };
}

/** The amplification condition for one generation (see the file comment). */
export function amplificationCondition(
  data: BetaParams,
  weighting: BetaParams | null,
  trueMean: number,
): boolean {
  const refit = weightedRefitLimit(data, weighting);
  let refitMean: number;
  if (refit.alpha > 0 && refit.beta > 0) refitMean = betaMean(refit);
  else if (refit.beta > 0)
    refitMean = 0; // x^{α−1} with α ≤ 0 is not integrable at 0: all mass piles at 0
  else if (refit.alpha > 0) refitMean = 1;
  else return true; // both ends blow up: the refit leaves the family entirely
  const before = Math.abs(betaMean(data) - trueMean);
  const after = Math.abs(refitMean - trueMean);
  return after > before + 1e-14;
}

/**
 * The long-run mean of the weighted population loop: θ_t − 1 = 2^t (θ_0 − 1), so the mean tends to
 * (α_0 − 1)/(α_0 + β_0 − 2), the mode of Beta(θ_0). NaN when the loop leaves the Beta family.
 */
export function wmleLongRunMean(p: Pick<WmleParams, 'alphaP' | 'betaP' | 'alphaT' | 'betaT'>): number {
  const a0 = p.alphaT + p.alphaP - 1;
  const b0 = p.betaT + p.betaP - 1;
  if (a0 < 1 || b0 < 1) return NaN;
  if (a0 === 1 && b0 === 1) return 0.5;
  return (a0 - 1) / (a0 + b0 - 2);
}

function row(
  generation: number,
  theta: BetaParams,
  trueMean: number,
  amplifies: boolean,
  ess?: number,
): WmleGeneration {
  const mean = betaMean(theta);
  return {
    generation,
    alpha: theta.alpha,
    beta: theta.beta,
    mean,
    variance: betaVariance(theta),
    bias: mean - trueMean,
    amplificationCondition: amplifies,
    ...(ess === undefined ? {} : { effectiveSampleSize: ess }),
  };
}

/** The exact population recursion (weighting 'model') or the exact control (weighting 'uniform'). */
export function wmlePopulation(
  p: Pick<WmleParams, 'alphaP' | 'betaP' | 'alphaT' | 'betaT' | 'generations'>,
  weighting: 'model' | 'uniform',
): WmleGeneration[] {
  const truth = { alpha: p.alphaT, beta: p.betaT };
  const trueMean = betaMean(truth);
  let data: BetaParams = truth;
  let weights: BetaParams | null = weighting === 'model' ? { alpha: p.alphaP, beta: p.betaP } : null;
  const out: WmleGeneration[] = [];
  for (let t = 0; t < p.generations; t++) {
    const theta = weightedRefitLimit(data, weights);
    out.push(row(t, theta, trueMean, amplificationCondition(data, weights, trueMean)));
    data = theta;
    if (weights !== null) weights = theta;
  }
  return out;
}

/** Draw n Beta(a, b) points as ln x and ln(1 − x) (both accurate: x = X/(X+Y) from two gamma draws). */
export function drawBetaLogs(rng: Rng, p: BetaParams, logX: Float64Array, log1mX: Float64Array): void {
  for (let i = 0; i < logX.length; i++) {
    const x = rng.gamma(p.alpha);
    const y = rng.gamma(p.beta);
    const s = x + y;
    logX[i] = Math.log(x / s);
    log1mX[i] = Math.log(y / s);
    if (!Number.isFinite(logX[i]) || !Number.isFinite(log1mX[i])) {
      throw new BiasloopError(
        'numeric',
        `a Beta(${p.alpha}, ${p.beta}) draw underflowed to 0 or 1; the shape is too small for sampled mode`,
      );
    }
  }
}

/** Density weights of Beta(w) at the points, rescaled so the largest is 1 (scale does not matter). */
function densityWeights(w: BetaParams, logX: Float64Array, log1mX: Float64Array, out: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < logX.length; i++) {
    const lw = (w.alpha - 1) * logX[i] + (w.beta - 1) * log1mX[i];
    out[i] = lw;
    if (lw > max) max = lw;
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.exp(out[i] - max);
}

function effectiveSize(w: Float64Array): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < w.length; i++) {
    s += w[i];
    s2 += w[i] * w[i];
  }
  return (s * s) / s2;
}

/** α + β beyond which the sampled fit is limited by double precision rather than by sampling error. */
export function sampledPrecisionLimit(n: number): number {
  return 1e13 * Math.sqrt(2 / n);
}

export interface WmleSampledRun {
  readonly generations: WmleGeneration[];
  /** The pretrained model fitted to nPretrain draws (weighting 'model' only). */
  readonly pretrained: BetaParams | null;
}

/** The finite-N loop: seeded draws, density weights, Newton weighted MLE. */
export function wmleSampled(p: WmleParams, weighting: 'model' | 'uniform'): WmleSampledRun {
  const truth = { alpha: p.alphaT, beta: p.betaT };
  const trueMean = betaMean(truth);
  let pretrained: BetaParams | null = null;
  if (weighting === 'model') {
    const lx = new Float64Array(p.nPretrain);
    const l1x = new Float64Array(p.nPretrain);
    drawBetaLogs(
      Rng.stream(p.seed, 'theory', 'wmle', 'pretrain'),
      { alpha: p.alphaP, beta: p.betaP },
      lx,
      l1x,
    );
    const fit = fitWeightedBeta(lx, l1x);
    pretrained = { alpha: fit.alpha, beta: fit.beta };
  }
  const logX = new Float64Array(p.n);
  const log1mX = new Float64Array(p.n);
  const w = new Float64Array(p.n);
  const limit = 10 * sampledPrecisionLimit(p.n);
  let data: BetaParams = truth;
  let weights: BetaParams | null = pretrained;
  const out: WmleGeneration[] = [];
  for (let t = 0; t < p.generations; t++) {
    drawBetaLogs(Rng.stream(p.seed, 'theory', 'wmle', 'gen', t), data, logX, log1mX);
    let ess: number | undefined;
    let theta: BetaParams;
    if (weights === null) {
      const fit = fitWeightedBeta(logX, log1mX);
      theta = { alpha: fit.alpha, beta: fit.beta };
    } else {
      densityWeights(weights, logX, log1mX, w);
      ess = effectiveSize(w);
      const fit = fitWeightedBeta(logX, log1mX, w);
      theta = { alpha: fit.alpha, beta: fit.beta };
    }
    out.push(row(t, theta, trueMean, amplificationCondition(data, weights, trueMean), ess));
    if (theta.alpha + theta.beta > limit) {
      throw new BiasloopError(
        'numeric',
        `sampled WMLE: α + β = ${formatSignificant(theta.alpha + theta.beta)} at generation ${t} is beyond double precision for N = ${p.n}`,
        { hint: 'use --mode population, or fewer --generations' },
      );
    }
    data = theta;
    if (weights !== null) weights = theta;
  }
  return { generations: out, pretrained };
}
