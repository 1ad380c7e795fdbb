/**
 * The model contracts every classifier and generator implements (the scikit-learn contract):
 * hyper-parameters go to the constructor and are kept unchanged; `fit` learns from a Dataset and a
 * seeded context; `predictProba` / `sample` never learn. The loop only talks to these interfaces, so
 * tabular, image and neural models plug into the same loop.
 */
import type { Dataset, DatasetSchema } from '../core/dataset.ts';
import type { Rng } from '../core/rng.ts';
import { BiasloopError } from '../core/errors.ts';

/** What `fit` may use besides the data: its own random stream, and an optional progress callback. */
export interface FitContext {
  readonly rng: Rng;
  /** Per-row weights (sample weights); length n. */
  readonly sampleWeight?: Float64Array;
  /**
   * Continue from the current parameters instead of re-initialising (the loop's `update: continue`).
   * Ignored by a model that has not been fitted yet.
   */
  readonly warmStart?: boolean;
  /** Multiplies the number of passes/epochs (the loop's `overfit` option); 1 by default. */
  readonly epochScale?: number;
  /** Overrides the weight decay / L2 strength for this fit (the `overfit` option sets 0). */
  readonly weightDecayOverride?: number;
}

/** Diagnostics a fit reports (recorded per generation next to the metrics). */
export interface FitReport {
  readonly converged: boolean;
  readonly iterations: number;
  /** Final training objective (loss + penalty), if the model has one. */
  readonly objective?: number;
  readonly gradientNorm?: number;
}

/** A serialisable snapshot of a fitted model, used by checkpoints (resume) and `update: continue`. */
export interface ModelState {
  /** Model kind and architecture fingerprint: loading a state into a different model is an error. */
  readonly kind: string;
  readonly fingerprint: string;
  readonly arrays: Readonly<Record<string, Float64Array | Float32Array | Int32Array>>;
  readonly meta: Readonly<Record<string, string | number | boolean | null>>;
}

export interface Classifier {
  readonly kind: string;
  readonly fitted: boolean;
  fit(data: Dataset, ctx: FitContext): FitReport;
  /** Class probabilities, row-major n × nClasses, for the n rows of `x` (row-major n × d). */
  predictProba(x: Float64Array, n: number): Float64Array;
  /** Hard predictions (argmax of predictProba). */
  predict(x: Float64Array, n: number): Int32Array;
  exportState(): ModelState;
  importState(state: ModelState): void;
}

/** How many synthetic rows of each (class, group) cell to draw, and how. */
export interface SampleRequest {
  /** Number of rows to draw. */
  readonly n: number;
  /**
   * `joint`: draw each row's (class, group) cell from the generator's fitted cell probabilities
   * (group shares can drift, as under resampling); `stratified`: keep the fit data's cell shares
   * exactly (largest-remainder rounding); `counts`: exactly `cellCounts` rows per cell.
   */
  readonly conditioning: 'joint' | 'stratified' | 'counts';
  /** Rows per cell, laid out `[class * G + group]`; required for `counts`. */
  readonly cellCounts?: ArrayLike<number>;
  /** Variance scale of the feature draws: < 1 favours typical, "high quality" rows (sampling bias). */
  readonly temperature: number;
  /** Temperature on the cell probabilities (`joint` only): p^(1/t), renormalised; < 1 favours majorities. */
  readonly cellTemperature: number;
  /** Provenance: the generation that produces these rows, and the generator's name. */
  readonly generation: number;
  /**
   * Storage the caller no longer needs (e.g. the features of a synthetic set the strategy has
   * dropped): a generator may write the sampled features into it when it is large enough, instead of
   * allocating. Its contents are overwritten.
   */
  readonly reuse?: Float64Array;
}

export interface Generator {
  readonly kind: string;
  readonly fitted: boolean;
  fit(data: Dataset, ctx: FitContext): FitReport;
  /** Draw synthetic rows with the fit data's schema and synthetic provenance. */
  sample(request: SampleRequest, rng: Rng): Dataset;
  exportState(): ModelState;
  importState(state: ModelState): void;
}

/** Throw a clear error when a state does not belong to this model. */
export function assertStateMatches(state: ModelState, kind: string, fingerprint: string): void {
  if (state.kind !== kind || state.fingerprint !== fingerprint) {
    throw new BiasloopError(
      'checkpoint',
      `checkpoint holds a '${state.kind}' model (${state.fingerprint}), not this '${kind}' model (${fingerprint})`,
    );
  }
}

export type SchemaLike = Pick<DatasetSchema, 'featureNames' | 'classNames' | 'groupNames'>;

/** Hard predictions from row-major n × classes probabilities: the largest per row (ties: lowest class). */
export function argmaxRows(proba: ArrayLike<number>, classes: number): Int32Array {
  const n = Math.floor(proba.length / classes);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (proba[i * classes + c] > proba[i * classes + best]) best = c;
    out[i] = best;
  }
  return out;
}
