/**
 * Binary logistic regression with an L2 penalty, sample weights, and two solvers (L-BFGS, Newton).
 *
 * Objective (features standardised internally by their weighted mean and standard deviation, the
 * intercept not penalised):
 *
 *   f(β, b) = (1/Σw) Σ_i w_i [log(1 + e^{z_i}) − y_i z_i] + (λ/2)‖β‖²,   z_i = b + Σ_j β_j (x_ij − μ_j)/s_j
 *
 * This equals scikit-learn's `LogisticRegression(C)` on standardised features with C = 1/(λ·Σw).
 * Convergence: the largest absolute gradient component falls below `tol`. A fit that stops at
 * `maxIter` reports `converged: false` (the loop records it), it does not throw.
 */
import type { Dataset } from '../core/dataset.ts';
import { BiasloopError } from '../core/errors.ts';
import { cholesky, choleskySolve } from '../core/linalg.ts';
import { LogisticKernels, type LogisticLossKernel } from './tabular-kernels.ts';
import {
  assertStateMatches,
  type Classifier,
  type FitContext,
  type FitReport,
  type ModelState,
} from './types.ts';

export interface LogisticRegressionOptions {
  /** L2 strength λ on the standardised coefficients (not the intercept). */
  readonly l2: number;
  readonly solver: 'lbfgs' | 'newton';
  readonly maxIter: number;
  /** Stop when max |∂f/∂θ| ≤ tol. */
  readonly tol: number;
  /** L-BFGS memory. */
  readonly memory: number;
}

export const DEFAULT_LOGISTIC_OPTIONS: LogisticRegressionOptions = {
  l2: 1e-4,
  solver: 'lbfgs',
  maxIter: 200,
  tol: 1e-6,
  memory: 10,
};

/** Numerically stable log(1 + e^z) − y·z and its derivative p − y. */
function lossTerm(z: number, y: number): { loss: number; p: number } {
  const e = Math.exp(-Math.abs(z));
  const log1pe = Math.log1p(e);
  const p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
  const softplus = z > 0 ? z + log1pe : log1pe;
  return { loss: softplus - y * z, p };
}

export class LogisticRegression implements Classifier {
  readonly kind = 'logistic';
  readonly options: LogisticRegressionOptions;
  /** Coefficients on the original (unstandardised) feature scale. */
  coef: Float64Array = new Float64Array(0);
  intercept = 0;
  private d = -1;
  private readonly kernels = new LogisticKernels();

  constructor(options: Partial<LogisticRegressionOptions> = {}) {
    this.options = { ...DEFAULT_LOGISTIC_OPTIONS, ...options };
    const o = this.options;
    if (!(o.l2 >= 0))
      throw new BiasloopError('spec', `model.l2 must be ≥ 0, got ${o.l2}`, { field: 'model.l2' });
    if (!(o.maxIter >= 1)) throw new BiasloopError('spec', `model.maxIter must be ≥ 1, got ${o.maxIter}`);
    if (!(o.tol > 0)) throw new BiasloopError('spec', `model.tol must be > 0, got ${o.tol}`);
  }

  get fitted(): boolean {
    return this.d >= 0;
  }

  fit(data: Dataset, ctx: FitContext): FitReport {
    if (data.schema.classNames.length !== 2) {
      throw new BiasloopError(
        'data',
        `logistic regression needs exactly 2 classes, the data has ${data.schema.classNames.length}`,
        { hint: 'map the label to a positive and a negative class (data.label.positive)' },
      );
    }
    if (data.n === 0)
      throw new BiasloopError('data', 'cannot fit logistic regression on an empty training set');
    const { x, y, n, d } = data;
    const w = ctx.sampleWeight;
    if (w && w.length !== n)
      throw new BiasloopError('data', `sampleWeight has ${w.length} entries, data has ${n} rows`);
    const l2 = ctx.weightDecayOverride ?? this.options.l2;
    const maxIter = Math.max(1, Math.round(this.options.maxIter * (ctx.epochScale ?? 1)));

    // Weighted standardisation.
    let wSum = 0;
    const mu = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const wi = w ? w[i] : 1;
      wSum += wi;
      for (let j = 0; j < d; j++) mu[j] += wi * x[i * d + j];
    }
    if (!(wSum > 0)) throw new BiasloopError('data', 'sample weights sum to zero');
    for (let j = 0; j < d; j++) mu[j] /= wSum;
    const sd = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const wi = w ? w[i] : 1;
      for (let j = 0; j < d; j++) {
        const c = x[i * d + j] - mu[j];
        sd[j] += wi * c * c;
      }
    }
    for (let j = 0; j < d; j++) {
      const s = Math.sqrt(sd[j] / wSum);
      sd[j] = s > 1e-12 ? s : 1; // constant column: leave unscaled (its coefficient stays ~0 under L2)
    }

    // Parameters θ = [β_std (d), b]. Warm start maps the current original-scale model into this scale.
    const theta = new Float64Array(d + 1);
    if (ctx.warmStart && this.fitted && this.d === d) {
      let b = this.intercept;
      for (let j = 0; j < d; j++) {
        theta[j] = this.coef[j] * sd[j];
        b += this.coef[j] * mu[j];
      }
      theta[d] = b;
    }

    const problem = new LogisticObjective(x, y, w, n, d, mu, sd, wSum, l2, this.kernels);
    const result =
      this.options.solver === 'newton'
        ? newton(problem, theta, maxIter, this.options.tol)
        : lbfgs(problem, theta, maxIter, this.options.tol, this.options.memory);
    if (!Number.isFinite(result.objective)) {
      throw new BiasloopError('numeric', 'logistic regression diverged (non-finite loss)', {
        hint: 'increase model.l2 or check the features for extreme values',
      });
    }

    // Back to the original scale.
    this.coef = new Float64Array(d);
    let b = theta[d];
    for (let j = 0; j < d; j++) {
      this.coef[j] = theta[j] / sd[j];
      b -= this.coef[j] * mu[j];
    }
    this.intercept = b;
    this.d = d;
    return result;
  }

  /** Decision function z = b + x·β for each row. */
  decisionFunction(x: Float64Array, n: number): Float64Array {
    this.assertFitted();
    const d = this.d;
    if (x.length !== n * d)
      throw new BiasloopError('data', `expected ${n}×${d} features, got ${x.length} values`);
    const z = new Float64Array(n);
    const coef = this.coef;
    for (let i = 0; i < n; i++) {
      let s = this.intercept;
      const off = i * d;
      for (let j = 0; j < d; j++) s += x[off + j] * coef[j];
      z[i] = s;
    }
    return z;
  }

  predictProba(x: Float64Array, n: number): Float64Array {
    const z = this.decisionFunction(x, n);
    const out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const p = lossTerm(z[i], 0).p;
      out[2 * i] = 1 - p;
      out[2 * i + 1] = p;
    }
    return out;
  }

  predict(x: Float64Array, n: number): Int32Array {
    const z = this.decisionFunction(x, n);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = z[i] > 0 ? 1 : 0;
    return out;
  }

  exportState(): ModelState {
    this.assertFitted();
    return {
      kind: this.kind,
      fingerprint: `d=${this.d}`,
      arrays: { coef: Float64Array.from(this.coef) },
      meta: { intercept: this.intercept },
    };
  }

  importState(state: ModelState): void {
    const coef = state.arrays.coef;
    assertStateMatches(state, this.kind, `d=${coef?.length ?? -1}`);
    this.coef = Float64Array.from(coef);
    this.intercept = Number(state.meta.intercept);
    this.d = coef.length;
  }

  private assertFitted(): void {
    if (!this.fitted) throw new BiasloopError('usage', 'logistic regression used before fit');
  }
}

/** The penalised mean log-loss and its derivatives, with standardisation folded in (no copy of X). */
class LogisticObjective {
  readonly dim: number;
  private readonly beta: Float64Array;
  /** Σ_i w_i (p_i − y_i) x_i on the original scale, from the loss kernel. */
  private readonly rawGrad: Float64Array;
  private readonly kernel: LogisticLossKernel;

  constructor(
    private readonly x: Float64Array,
    private readonly y: Int32Array,
    private readonly w: Float64Array | undefined,
    private readonly n: number,
    private readonly d: number,
    private readonly mu: Float64Array,
    private readonly sd: Float64Array,
    private readonly wSum: number,
    private readonly l2: number,
    kernels: LogisticKernels,
  ) {
    this.dim = d + 1;
    this.beta = new Float64Array(d);
    this.rawGrad = new Float64Array(d);
    this.kernel = kernels.forData(x, y, w, n, d);
  }

  /** Effective original-scale coefficients and intercept for θ. */
  private unscale(theta: Float64Array): number {
    let b = theta[this.d];
    for (let j = 0; j < this.d; j++) {
      this.beta[j] = theta[j] / this.sd[j];
      b -= this.beta[j] * this.mu[j];
    }
    return b;
  }

  /** Objective value; writes the gradient into `grad`. */
  valueAndGradient(theta: Float64Array, grad: Float64Array): number {
    const { d, beta } = this;
    const b = this.unscale(theta);
    const { loss, residualSum: rSum } = this.kernel.evaluate(beta, b, this.rawGrad);
    const inv = 1 / this.wSum;
    let penalty = 0;
    for (let j = 0; j < d; j++) {
      grad[j] = ((this.rawGrad[j] - this.mu[j] * rSum) / this.sd[j]) * inv + this.l2 * theta[j];
      penalty += theta[j] * theta[j];
    }
    grad[d] = rSum * inv;
    return loss * inv + 0.5 * this.l2 * penalty;
  }

  /** Hessian (dim×dim, row-major) at θ, on the standardised scale. */
  hessian(theta: Float64Array): Float64Array {
    const { x, w, n, d, beta, mu, sd } = this;
    const b = this.unscale(theta);
    const D = d + 1;
    const h = new Float64Array(D * D);
    const row = new Float64Array(D);
    row[d] = 1;
    for (let i = 0; i < n; i++) {
      const off = i * d;
      let z = b;
      for (let j = 0; j < d; j++) z += x[off + j] * beta[j];
      const p = 1 / (1 + Math.exp(-z));
      const s = (w ? w[i] : 1) * p * (1 - p);
      for (let j = 0; j < d; j++) row[j] = (x[off + j] - mu[j]) / sd[j];
      for (let j = 0; j < D; j++) {
        const sj = s * row[j];
        const ho = j * D;
        for (let k = 0; k <= j; k++) h[ho + k] += sj * row[k];
      }
    }
    const inv = 1 / this.wSum;
    for (let j = 0; j < D; j++) {
      for (let k = 0; k <= j; k++) {
        const v = h[j * D + k] * inv + (j === k && j < d ? this.l2 : 0);
        h[j * D + k] = v;
        h[k * D + j] = v;
      }
    }
    return h;
  }
}

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

/** Damped Newton with backtracking (Armijo) line search. θ is updated in place. */
function newton(f: LogisticObjective, theta: Float64Array, maxIter: number, tol: number): FitReport {
  const D = f.dim;
  const grad = new Float64Array(D);
  const trialGrad = new Float64Array(D);
  let value = f.valueAndGradient(theta, grad);
  let iterations = 0;
  for (; iterations < maxIter; iterations++) {
    const gnorm = maxAbs(grad);
    if (gnorm <= tol) return { converged: true, iterations, objective: value, gradientNorm: gnorm };
    const h = f.hessian(theta);
    let l = cholesky(h, D);
    for (let jitter = 1e-10; !l && jitter < 1; jitter *= 100) {
      const hj = Float64Array.from(h);
      for (let i = 0; i < D; i++) hj[i * D + i] += jitter;
      l = cholesky(hj, D);
    }
    if (!l) break;
    const step = choleskySolve(l, D, grad);
    let slope = 0;
    for (let i = 0; i < D; i++) slope -= grad[i] * step[i];
    let t = 1;
    const trial = new Float64Array(D);
    let accepted = false;
    for (let k = 0; k < 40; k++) {
      for (let i = 0; i < D; i++) trial[i] = theta[i] - t * step[i];
      const v = f.valueAndGradient(trial, trialGrad);
      if (v <= value + 1e-4 * t * slope) {
        theta.set(trial);
        grad.set(trialGrad);
        value = v;
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (!accepted) break;
  }
  const gnorm = maxAbs(grad);
  return { converged: gnorm <= tol, iterations, objective: value, gradientNorm: gnorm };
}

/** L-BFGS (two-loop recursion) with a backtracking Armijo line search. θ is updated in place. */
function lbfgs(
  f: LogisticObjective,
  theta: Float64Array,
  maxIter: number,
  tol: number,
  m: number,
): FitReport {
  const D = f.dim;
  const grad = new Float64Array(D);
  let value = f.valueAndGradient(theta, grad);
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rhoHist: number[] = [];
  const dir = new Float64Array(D);
  const trial = new Float64Array(D);
  const trialGrad = new Float64Array(D);
  const alpha = new Float64Array(m);
  let iterations = 0;
  for (; iterations < maxIter; iterations++) {
    const gnorm = maxAbs(grad);
    if (gnorm <= tol) return { converged: true, iterations, objective: value, gradientNorm: gnorm };
    // Two-loop recursion: dir = −H·g.
    for (let i = 0; i < D; i++) dir[i] = -grad[i];
    const k = sHist.length;
    for (let j = k - 1; j >= 0; j--) {
      let a = 0;
      const s = sHist[j];
      for (let i = 0; i < D; i++) a += s[i] * dir[i];
      a *= rhoHist[j];
      alpha[j] = a;
      const yv = yHist[j];
      for (let i = 0; i < D; i++) dir[i] -= a * yv[i];
    }
    if (k > 0) {
      const s = sHist[k - 1];
      const yv = yHist[k - 1];
      let sy = 0;
      let yy = 0;
      for (let i = 0; i < D; i++) {
        sy += s[i] * yv[i];
        yy += yv[i] * yv[i];
      }
      const gamma = sy / yy;
      for (let i = 0; i < D; i++) dir[i] *= gamma;
    } else {
      // First step: unit length in the gradient direction, scaled to avoid a huge first trial.
      let norm = 0;
      for (let i = 0; i < D; i++) norm += grad[i] * grad[i];
      const scale = 1 / Math.max(1, Math.sqrt(norm));
      for (let i = 0; i < D; i++) dir[i] *= scale;
    }
    for (let j = 0; j < k; j++) {
      const yv = yHist[j];
      let b = 0;
      for (let i = 0; i < D; i++) b += yv[i] * dir[i];
      b *= rhoHist[j];
      const s = sHist[j];
      const c = alpha[j] - b;
      for (let i = 0; i < D; i++) dir[i] += c * s[i];
    }
    let slope = 0;
    for (let i = 0; i < D; i++) slope += grad[i] * dir[i];
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      sHist.length = 0;
      yHist.length = 0;
      rhoHist.length = 0;
      for (let i = 0; i < D; i++) dir[i] = -grad[i];
      slope = 0;
      for (let i = 0; i < D; i++) slope += grad[i] * dir[i];
    }
    let t = 1;
    let accepted = false;
    let newValue = value;
    for (let ls = 0; ls < 50; ls++) {
      for (let i = 0; i < D; i++) trial[i] = theta[i] + t * dir[i];
      newValue = f.valueAndGradient(trial, trialGrad);
      if (newValue <= value + 1e-4 * t * slope) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (!accepted) break;
    const s = new Float64Array(D);
    const yv = new Float64Array(D);
    let sy = 0;
    for (let i = 0; i < D; i++) {
      s[i] = trial[i] - theta[i];
      yv[i] = trialGrad[i] - grad[i];
      sy += s[i] * yv[i];
    }
    theta.set(trial);
    grad.set(trialGrad);
    const improvement = value - newValue;
    value = newValue;
    if (sy > 1e-16) {
      if (sHist.length === m) {
        sHist.shift();
        yHist.shift();
        rhoHist.shift();
      }
      sHist.push(s);
      yHist.push(yv);
      rhoHist.push(1 / sy);
    }
    if (improvement <= 1e-16 * Math.max(1, Math.abs(value)) && maxAbs(grad) > tol) {
      // No progress possible at machine precision.
      break;
    }
  }
  const gnorm = maxAbs(grad);
  return { converged: gnorm <= tol, iterations, objective: value, gradientNorm: gnorm };
}
