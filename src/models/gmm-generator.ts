/**
 * Class×group-conditional Gaussian-mixture generator: per (class, group) cell, a mixture of up to
 * `components` Gaussians fitted by EM.
 *
 * EM per cell: k-means++ seeding from the fit's random stream, then alternating responsibilities
 * (log-sum-exp) and weighted moment updates, with `regularization · mean(diag)` added to each
 * covariance diagonal (as scikit-learn's `reg_covar`), until the mean log-likelihood improves by less
 * than `tol` or `maxIter` is reached. A cell gets at most ⌊n_c / (d + 1)⌋ components (at least 1), so
 * small cells degrade gracefully to a single Gaussian.
 *
 * Sampling mirrors the Gaussian generator: rows per cell, then a component per row from the mixture
 * weights, then μ + √temperature · L z.
 */
import type { Dataset, DatasetSchema } from '../core/dataset.ts';
import { BiasloopError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { allocateCells, assembleSynthetic } from './cell-sampling.ts';
import { choleskyLogDet } from '../core/linalg.ts';
import { regularisedCholesky, rowsByCell, weightedMoments } from './moments.ts';
import { CentredGramKernel } from './tabular-kernels.ts';
import {
  assertStateMatches,
  type FitContext,
  type FitReport,
  type Generator,
  type ModelState,
  type SampleRequest,
} from './types.ts';

export interface GmmGeneratorOptions {
  readonly components: number;
  readonly covariance: 'full' | 'diag';
  readonly maxIter: number;
  readonly tol: number;
  readonly regularization: number;
}

export const DEFAULT_GMM_OPTIONS: GmmGeneratorOptions = {
  components: 3,
  covariance: 'full',
  maxIter: 100,
  tol: 1e-4,
  regularization: 1e-6,
};

interface Mixture {
  weights: Float64Array;
  means: Float64Array[];
  factors: Float64Array[];
}

const LOG_2PI = Math.log(2 * Math.PI);

export class GmmGenerator implements Generator {
  readonly kind = 'gmm';
  readonly options: GmmGeneratorOptions;
  private schema: DatasetSchema | undefined;
  private d = 0;
  mixtures: Mixture[] = [];
  cellWeights: Float64Array = new Float64Array(0);
  private readonly gram = new CentredGramKernel();

  constructor(options: Partial<GmmGeneratorOptions> = {}) {
    this.options = { ...DEFAULT_GMM_OPTIONS, ...options };
    const o = this.options;
    if (!Number.isInteger(o.components) || o.components < 1) {
      throw new BiasloopError('spec', `generator.components must be an integer ≥ 1, got ${o.components}`, {
        field: 'generator.components',
      });
    }
  }

  get fitted(): boolean {
    return this.schema !== undefined;
  }

  fit(data: Dataset, ctx: FitContext): FitReport {
    const { schema, d } = data;
    const G = schema.groupNames.length;
    const K = schema.classNames.length * G;
    const cellRows = rowsByCell(data);
    const allRows = Int32Array.from({ length: data.n }, (_, i) => i);
    const overallCov = weightedMoments(data.x, d, allRows, ctx.sampleWeight, 'mle', 'row', this.gram).cov;
    this.mixtures = [];
    this.cellWeights = new Float64Array(K);
    let converged = true;
    let iterations = 0;
    for (let c = 0; c < K; c++) {
      const rows = cellRows[c];
      let wsum = 0;
      for (const i of rows) wsum += ctx.sampleWeight ? ctx.sampleWeight[i] : 1;
      this.cellWeights[c] = wsum;
      const fitted = this.fitCell(data.x, d, rows, ctx.sampleWeight, overallCov, ctx.rng.fork('cell', c));
      this.mixtures.push(fitted.mixture);
      converged &&= fitted.converged;
      iterations = Math.max(iterations, fitted.iterations);
    }
    this.schema = schema;
    this.d = d;
    return { converged, iterations };
  }

  private fitCell(
    x: Float64Array,
    d: number,
    rows: ArrayLike<number>,
    w: Float64Array | undefined,
    fallbackCov: Float64Array,
    rng: Rng,
  ): { mixture: Mixture; converged: boolean; iterations: number } {
    const n = rows.length;
    if (n === 0) {
      return {
        mixture: {
          weights: new Float64Array([1]),
          means: [new Float64Array(d)],
          factors: [this.factor(fallbackCov, d)],
        },
        converged: true,
        iterations: 0,
      };
    }
    const k = Math.max(1, Math.min(this.options.components, Math.floor(n / (d + 1))));
    const cellMoments = weightedMoments(x, d, rows, w, 'mle', 'row', this.gram);
    const baseCov = n > d ? cellMoments.cov : fallbackCov;
    // k-means++ seeding of the means.
    const means: Float64Array[] = [];
    const first = rows[rng.int(n)];
    means.push(x.slice(first * d, first * d + d));
    const dist = new Float64Array(n).fill(Infinity);
    while (means.length < k) {
      const last = means[means.length - 1];
      for (let r = 0; r < n; r++) {
        const off = rows[r] * d;
        let s = 0;
        for (let j = 0; j < d; j++) {
          const t = x[off + j] - last[j];
          s += t * t;
        }
        if (s < dist[r]) dist[r] = s;
      }
      let total = 0;
      for (let r = 0; r < n; r++) total += dist[r];
      const pick = total > 0 ? rng.categorical(dist) : rng.int(n);
      means.push(x.slice(rows[pick] * d, rows[pick] * d + d));
    }
    const mix: Mixture = {
      weights: new Float64Array(k).fill(1 / k),
      means,
      factors: means.map(() => this.factor(baseCov, d)),
    };
    if (k === 1) {
      mix.means[0] = cellMoments.mean;
      return { mixture: mix, converged: true, iterations: 1 };
    }
    const resp = new Float64Array(n * k);
    const logp = new Float64Array(k);
    const diff = new Float64Array(d);
    let prevLl = -Infinity;
    for (let it = 1; it <= this.options.maxIter; it++) {
      // E-step.
      const logDets = mix.factors.map((l) => choleskyLogDet(l, d));
      let ll = 0;
      let wTotal = 0;
      for (let r = 0; r < n; r++) {
        const off = rows[r] * d;
        let max = -Infinity;
        for (let c = 0; c < k; c++) {
          const l = mix.factors[c];
          const mu = mix.means[c];
          // Solve L·v = x − μ and accumulate ‖v‖².
          let q = 0;
          for (let i = 0; i < d; i++) {
            let s = x[off + i] - mu[i];
            for (let j = 0; j < i; j++) s -= l[i * d + j] * diff[j];
            diff[i] = s / l[i * d + i];
            q += diff[i] * diff[i];
          }
          logp[c] = Math.log(mix.weights[c]) - 0.5 * (d * LOG_2PI + logDets[c] + q);
          if (logp[c] > max) max = logp[c];
        }
        let s = 0;
        for (let c = 0; c < k; c++) s += Math.exp(logp[c] - max);
        const lse = max + Math.log(s);
        const wi = w ? w[rows[r]] : 1;
        ll += wi * lse;
        wTotal += wi;
        for (let c = 0; c < k; c++) resp[r * k + c] = Math.exp(logp[c] - lse) * wi;
      }
      ll /= wTotal;
      // M-step.
      const rw = new Float64Array(n);
      for (let c = 0; c < k; c++) {
        let nk = 0;
        for (let r = 0; r < n; r++) {
          rw[r] = resp[r * k + c];
          nk += rw[r];
        }
        mix.weights[c] = Math.max(nk / wTotal, 1e-12);
        if (nk < 1e-10) continue; // an emptied component keeps its parameters
        const m = weightedMoments(x, d, rows, rw, 'mle', 'position', this.gram);
        mix.means[c] = m.mean;
        mix.factors[c] = this.factor(m.cov, d);
      }
      if (Math.abs(ll - prevLl) < this.options.tol) return { mixture: mix, converged: true, iterations: it };
      prevLl = ll;
    }
    return { mixture: mix, converged: false, iterations: this.options.maxIter };
  }

  private factor(cov: Float64Array, d: number): Float64Array {
    return regularisedCholesky(cov, d, this.options.covariance, this.options.regularization);
  }

  sample(request: SampleRequest, rng: Rng): Dataset {
    const schema = this.schema;
    if (!schema) throw new BiasloopError('usage', 'gmm generator used before fit');
    if (!(request.temperature > 0)) {
      throw new BiasloopError('spec', `sampling.temperature must be > 0, got ${request.temperature}`);
    }
    const counts = allocateCells(request, this.cellWeights, rng.fork('cells'));
    const d = this.d;
    const scale = Math.sqrt(request.temperature);
    const z = new Float64Array(d);
    const drawRng = rng.fork('features');
    const compRng = rng.fork('components');
    return assembleSynthetic(
      schema,
      counts,
      request.generation,
      this.kind,
      (cell, m, out, row0) => {
        const mix = this.mixtures[cell];
        for (let r = 0; r < m; r++) {
          const c = mix.weights.length === 1 ? 0 : compRng.categorical(mix.weights);
          const mu = mix.means[c];
          const l = mix.factors[c];
          drawRng.fillNormal(z);
          const off = (row0 + r) * d;
          for (let i = 0; i < d; i++) {
            let v = 0;
            for (let j = 0; j <= i; j++) v += l[i * d + j] * z[j];
            out[off + i] = mu[i] + scale * v;
          }
        }
      },
      request.reuse,
    );
  }

  exportState(): ModelState {
    if (!this.schema) throw new BiasloopError('usage', 'gmm generator used before fit');
    const d = this.d;
    const sizes = new Int32Array(this.mixtures.map((m) => m.weights.length));
    const total = sizes.reduce((a, b) => a + b, 0);
    const weights = new Float64Array(total);
    const means = new Float64Array(total * d);
    const factors = new Float64Array(total * d * d);
    let o = 0;
    for (const m of this.mixtures) {
      for (let c = 0; c < m.weights.length; c++, o++) {
        weights[o] = m.weights[c];
        means.set(m.means[c], o * d);
        factors.set(m.factors[c], o * d * d);
      }
    }
    return {
      kind: this.kind,
      fingerprint: `d=${d},cells=${this.mixtures.length}`,
      arrays: { sizes, weights, means, factors, cellWeights: Float64Array.from(this.cellWeights) },
      meta: { schema: JSON.stringify(this.schema) },
    };
  }

  importState(state: ModelState): void {
    const schema = JSON.parse(String(state.meta.schema)) as DatasetSchema;
    const d = schema.featureNames.length;
    const K = schema.classNames.length * schema.groupNames.length;
    assertStateMatches(state, this.kind, `d=${d},cells=${K}`);
    const sizes = state.arrays.sizes as Int32Array;
    const weights = state.arrays.weights as Float64Array;
    const means = state.arrays.means as Float64Array;
    const factors = state.arrays.factors as Float64Array;
    this.mixtures = [];
    let o = 0;
    for (let cell = 0; cell < K; cell++) {
      const k = sizes[cell];
      const mix: Mixture = { weights: weights.slice(o, o + k), means: [], factors: [] };
      for (let c = 0; c < k; c++, o++) {
        mix.means.push(means.slice(o * d, o * d + d));
        mix.factors.push(factors.slice(o * d * d, (o + 1) * d * d));
      }
      this.mixtures.push(mix);
    }
    this.cellWeights = Float64Array.from(state.arrays.cellWeights as Float64Array);
    this.schema = schema;
    this.d = d;
  }
}
