/**
 * Class×group-conditional Gaussian generator: one multivariate normal per (class, group) cell.
 *
 * Fit: each cell's (weighted) mean and covariance, the covariance estimated with divisor Σw (`mle`,
 * the model-collapse literature's choice) or the unbiased divisor; `regularization · mean(diag)` is
 * added to the diagonal. A cell with fewer than `minCellSize` rows borrows its class's pooled
 * covariance (and, if the class is empty too, the overall one). Cell probabilities are the cells'
 * weight shares.
 *
 * Sample: rows per cell from `allocateCells` (joint / stratified / counts), then
 * x = μ_c + √temperature · L_c z with z ~ N(0, I) and Σ_c = L_c L_cᵀ. Temperature < 1 concentrates
 * draws near the cell means: the quality-favouring "sampling bias" of real generators.
 */
import type { Dataset, DatasetSchema } from '../core/dataset.ts';
import { BiasloopError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { allocateCells, assembleSynthetic } from './cell-sampling.ts';
import { regularisedCholesky, rowsByCell, weightedMoments } from './moments.ts';
import { CentredGramKernel, CorrelatedRowsKernel, Scratch } from './tabular-kernels.ts';
import {
  assertStateMatches,
  type FitContext,
  type FitReport,
  type Generator,
  type ModelState,
  type SampleRequest,
} from './types.ts';

export interface GaussianGeneratorOptions {
  readonly covariance: 'full' | 'diag';
  readonly estimator: 'mle' | 'unbiased';
  /** Added to the covariance diagonal, relative to the mean variance. */
  readonly regularization: number;
  /** Cells with fewer rows than this borrow their class's pooled covariance (default d + 1). */
  readonly minCellSize?: number;
}

export const DEFAULT_GAUSSIAN_OPTIONS: GaussianGeneratorOptions = {
  covariance: 'full',
  estimator: 'mle',
  regularization: 1e-6,
};

export class GaussianGenerator implements Generator {
  readonly kind = 'gaussian';
  readonly options: GaussianGeneratorOptions;
  private schema: DatasetSchema | undefined;
  private d = 0;
  /** Per cell: mean (d), Cholesky factor (d×d), weight. */
  means: Float64Array[] = [];
  factors: Float64Array[] = [];
  cellWeights: Float64Array = new Float64Array(0);
  private readonly rowsKernel = new CorrelatedRowsKernel();
  private readonly gram = new CentredGramKernel();
  private readonly normals = new Scratch();

  constructor(options: Partial<GaussianGeneratorOptions> = {}) {
    this.options = { ...DEFAULT_GAUSSIAN_OPTIONS, ...options };
    if (!(this.options.regularization >= 0)) {
      throw new BiasloopError('spec', 'generator.regularization must be ≥ 0', {
        field: 'generator.regularization',
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
    const w = ctx.sampleWeight;
    const cellRows = rowsByCell(data);
    const minCell = this.options.minCellSize ?? d + 1;
    let overallCov: Float64Array | undefined;
    const overall = (): Float64Array =>
      (overallCov ??= weightedMoments(
        data.x,
        d,
        Int32Array.from({ length: data.n }, (_, i) => i),
        w,
        this.options.estimator,
        'row',
        this.gram,
      ).cov);
    const classPooled = new Map<number, Float64Array>();
    const pooledFor = (cls: number): Float64Array => {
      let cov = classPooled.get(cls);
      if (!cov) {
        const rows: number[] = [];
        for (let g = 0; g < G; g++) for (const i of cellRows[cls * G + g]) rows.push(i);
        cov =
          rows.length >= minCell
            ? weightedMoments(data.x, d, rows, w, this.options.estimator, 'row', this.gram).cov
            : overall();
        classPooled.set(cls, cov);
      }
      return cov;
    };
    this.means = [];
    this.factors = [];
    this.cellWeights = new Float64Array(K);
    for (let c = 0; c < K; c++) {
      const rows = cellRows[c];
      const m = weightedMoments(data.x, d, rows, w, this.options.estimator, 'row', this.gram);
      this.cellWeights[c] = m.weightSum;
      const cov = rows.length >= minCell ? m.cov : Float64Array.from(pooledFor(Math.floor(c / G)));
      this.means.push(m.mean);
      this.factors.push(this.factor(cov, d));
    }
    this.schema = schema;
    this.d = d;
    return { converged: true, iterations: 1 };
  }

  /** Covariance Σ_c = L_c L_cᵀ of cell c (for tests and diagnostics). */
  covariance(cell: number): Float64Array {
    const d = this.d;
    const l = this.factors[cell];
    const s = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        let v = 0;
        for (let k = 0; k <= j; k++) v += l[i * d + k] * l[j * d + k];
        s[i * d + j] = v;
        s[j * d + i] = v;
      }
    }
    return s;
  }

  private factor(cov: Float64Array, d: number): Float64Array {
    return regularisedCholesky(cov, d, this.options.covariance, this.options.regularization);
  }

  sample(request: SampleRequest, rng: Rng): Dataset {
    const schema = this.schema;
    if (!schema) throw new BiasloopError('usage', 'gaussian generator used before fit');
    if (!(request.temperature > 0)) {
      throw new BiasloopError('spec', `sampling.temperature must be > 0, got ${request.temperature}`);
    }
    const counts = allocateCells(request, this.cellWeights, rng.fork('cells'));
    const d = this.d;
    const scale = Math.sqrt(request.temperature);
    const drawRng = rng.fork('features');
    // One buffer of standard normals for every row (drawn cell by cell, in cell order), then
    // x = μ_c + √t·L_c z written straight into the output rows.
    let total = 0;
    for (let c = 0; c < counts.length; c++) total += counts[c];
    const zAll = this.normals.get(total * d);
    return assembleSynthetic(
      schema,
      counts,
      request.generation,
      this.kind,
      (cell, m, out, row0) => {
        const z = drawRng.fillNormal(zAll.subarray(row0 * d, (row0 + m) * d));
        this.rowsKernel.transformInto(out, row0 * d, z, this.factors[cell], this.means[cell], scale, m, d);
      },
      request.reuse,
    );
  }

  exportState(): ModelState {
    if (!this.schema) throw new BiasloopError('usage', 'gaussian generator used before fit');
    const K = this.means.length;
    const d = this.d;
    const means = new Float64Array(K * d);
    const factors = new Float64Array(K * d * d);
    for (let c = 0; c < K; c++) {
      means.set(this.means[c], c * d);
      factors.set(this.factors[c], c * d * d);
    }
    return {
      kind: this.kind,
      fingerprint: `d=${d},cells=${K}`,
      arrays: { means, factors, cellWeights: Float64Array.from(this.cellWeights) },
      meta: { schema: JSON.stringify(this.schema) },
    };
  }

  importState(state: ModelState): void {
    const schema = JSON.parse(String(state.meta.schema)) as DatasetSchema;
    const d = schema.featureNames.length;
    const K = schema.classNames.length * schema.groupNames.length;
    assertStateMatches(state, this.kind, `d=${d},cells=${K}`);
    const means = state.arrays.means as Float64Array;
    const factors = state.arrays.factors as Float64Array;
    this.means = Array.from({ length: K }, (_, c) => means.slice(c * d, c * d + d));
    this.factors = Array.from({ length: K }, (_, c) => factors.slice(c * d * d, (c + 1) * d * d));
    this.cellWeights = Float64Array.from(state.arrays.cellWeights as Float64Array);
    this.schema = schema;
    this.d = d;
  }
}
