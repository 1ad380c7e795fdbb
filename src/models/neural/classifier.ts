/**
 * The shared engine of the neural classifiers (MLP, CNN): a network that maps a batch of inputs to
 * class logits, trained with softmax cross-entropy (class weights optional, sample weights from the
 * fit context) by minibatch epochs, and served by a forward-only inference graph.
 *
 * Subclasses only say how the input is shaped and how the network is built.
 */
import { BiasloopError } from '../../core/errors.ts';
import type { Dataset } from '../../core/dataset.ts';
import { gatherRows, normalisedRowWeights } from './batches.ts';
import type { CompiledModel } from '../../nn/compile.ts';
import { compileInference, compileTraining } from '../../nn/compile.ts';
import { exportOnnx } from '../../nn/export.ts';
import type { Tensor } from '../../nn/graph.ts';
import { Graph } from '../../nn/graph.ts';
import { softmaxCrossEntropy } from '../../nn/losses.ts';
import { softmax } from '../../nn/ops/softmax.ts';
import { InferenceSession } from '../../nn/runtime/inference-session.ts';
import type { ParameterValues } from '../../nn/runtime/parameters.ts';
import { checkParameters, initParameters, parameterSpecs } from '../../nn/runtime/parameters.ts';
import type { OptimizerSnapshot } from '../../nn/runtime/training-session.ts';
import { TrainingSession } from '../../nn/runtime/training-session.ts';
import { trainEpochs } from '../../nn/trainer.ts';
import type { Classifier, FitContext, FitReport, ModelState } from '../types.ts';
import { argmaxRows, assertStateMatches } from '../types.ts';
import type { TrainingConfig } from './training-config.ts';
import { optimizerOf, scaledEpochs } from './training-config.ts';
import { fingerprintOf, metaJson, packWeights, unpackWeights } from './weights.ts';

/** How the classifier's loss weighs classes: none, inverse frequency ('balanced'), or given weights. */
export type ClassWeighting = 'none' | 'balanced' | readonly number[];

interface Compiled {
  readonly inputShape: readonly number[];
  readonly classes: number;
  readonly training: CompiledModel;
  readonly inference: CompiledModel;
  readonly fingerprint: string;
}

const PREDICT_CHUNK = 1024;

export abstract class NeuralClassifier implements Classifier {
  abstract readonly kind: string;
  readonly training: TrainingConfig;
  readonly classWeighting: ClassWeighting;
  private compiled?: Compiled;
  private params?: ParameterValues;
  private optimizer?: OptimizerSnapshot;
  private inferenceSession?: InferenceSession;

  protected constructor(training: TrainingConfig, classWeighting: ClassWeighting) {
    this.training = training;
    this.classWeighting = classWeighting;
  }

  /** Per-row input shape for `data` (without the batch axis); throws a clear error if unusable. */
  protected abstract inputShapeFor(data: Dataset): number[];
  /** Build the logits [batch, classes] from the input [batch, ...inputShape]. */
  protected abstract network(x: Tensor, classes: number): Tensor;
  /** Everything that determines the parameter shapes (for the fingerprint). */
  protected abstract architecture(): Record<string, unknown>;

  get fitted(): boolean {
    return this.params !== undefined;
  }

  private compile(inputShape: readonly number[], classes: number): Compiled {
    const c = this.compiled;
    if (c !== undefined && c.classes === classes && c.inputShape.join() === inputShape.join()) return c;
    const build = (training: boolean): { g: Graph; logits: Tensor } => {
      const g = new Graph({ training });
      const x = g.input('x', ['batch', ...inputShape]);
      return { g, logits: this.network(x, classes) };
    };
    const t = build(true);
    const labels = t.g.input('y', ['batch'], { dtype: 'int64' });
    const weights = t.g.input('w', ['batch']);
    const classWeights = Array.isArray(this.classWeighting) ? (this.classWeighting as number[]) : undefined;
    if (classWeights !== undefined && classWeights.length !== classes) {
      throw new BiasloopError('usage', `${classWeights.length} class weights for ${classes} classes`, {
        field: 'classWeights',
      });
    }
    // Class weights are folded into the fed sample weights (so 'balanced' can use the fit data's counts).
    const loss = softmaxCrossEntropy(t.logits, labels, { sampleWeights: weights, reduction: 'mean' });
    const training = compileTraining(t.g, loss, {
      optimizer: optimizerOf(this.training),
      clipGradNorm: this.training.clipGradNorm,
    });
    const i = build(false);
    const inference = compileInference(i.g, { logits: i.logits, probabilities: softmax(i.logits, 1) });
    const fingerprint = fingerprintOf({
      kind: this.kind,
      architecture: this.architecture(),
      inputShape,
      classes,
    });
    this.compiled = { inputShape, classes, training, inference, fingerprint };
    this.inferenceSession?.dispose();
    this.inferenceSession = undefined;
    return this.compiled;
  }

  fit(data: Dataset, ctx: FitContext): FitReport {
    const inputShape = this.inputShapeFor(data);
    const classes = data.schema.classNames.length;
    if (data.n === 0) throw new BiasloopError('data', `${this.kind}: cannot fit on an empty dataset`);
    const previous = this.compiled;
    const compiled = this.compile(inputShape, classes);
    const rowWeights = this.rowWeights(data, ctx.sampleWeight);
    // Warm start continues from the current weights and optimizer state when the architecture is unchanged.
    const continuing = ctx.warmStart === true && this.params !== undefined && previous === compiled;
    const start = continuing
      ? (this.params as ParameterValues)
      : initParameters(compiled.training, ctx.rng.fork('init'));
    const session = new TrainingSession(compiled.training, start, {
      threads: this.training.threads,
      spinning: this.training.spinning,
      parallelism: this.training.parallelism,
      rng: ctx.rng.fork('dropout'),
      weightDecay: ctx.weightDecayOverride ?? this.training.weightDecay,
    });
    if (continuing && this.optimizer !== undefined) session.setParameters(start, this.optimizer);
    const d = data.d;
    const x32 = Float32Array.from(data.x);
    const dims = [0, ...inputShape];
    try {
      const report = trainEpochs({
        session,
        n: data.n,
        batchSize: this.training.batchSize,
        epochs: scaledEpochs(this.training.epochs, ctx.epochScale),
        rng: ctx.rng.fork('batches'),
        learningRate: this.training.learningRate,
        schedule: this.training.schedule,
        makeBatch: (rows) => {
          const m = rows.length;
          const xb = gatherRows(x32, d, rows);
          const yb = new BigInt64Array(m);
          const wb = new Float32Array(m);
          for (let r = 0; r < m; r++) {
            yb[r] = BigInt(data.y[rows[r]]);
            wb[r] = rowWeights[rows[r]];
          }
          dims[0] = m;
          return { x: { data: xb, dims: [...dims] }, y: { data: yb, dims: [m] }, w: { data: wb, dims: [m] } };
        },
      });
      return {
        converged: Number.isFinite(report.lastEpochLoss),
        iterations: report.steps,
        objective: report.lastEpochLoss,
        gradientNorm: report.gradNorm,
      };
    } finally {
      // On success these are the trained weights; after a diverged step, the last good ones.
      this.params = session.parameters();
      this.optimizer = session.optimizerState();
      this.inferenceSession?.setParameters(this.params);
      session.dispose();
    }
  }

  /** Sample weights × class weights, normalised to mean 1 over the fit data. */
  private rowWeights(data: Dataset, sampleWeight: Float64Array | undefined): Float64Array {
    const n = data.n;
    let classW: ArrayLike<number> | undefined;
    const k = data.schema.classNames.length;
    if (this.classWeighting === 'balanced') {
      const counts = new Float64Array(k);
      for (let i = 0; i < n; i++) counts[data.y[i]]++;
      classW = Array.from(counts, (c) => (c > 0 ? n / (k * c) : 0));
    } else if (Array.isArray(this.classWeighting)) classW = this.classWeighting as number[];
    const perClass = classW;
    return normalisedRowWeights(n, sampleWeight, perClass && ((i) => perClass[data.y[i]]));
  }

  private session(): InferenceSession {
    if (this.params === undefined || this.compiled === undefined) {
      throw new BiasloopError('usage', `${this.kind}: predict called before fit`);
    }
    if (this.inferenceSession === undefined) {
      this.inferenceSession = new InferenceSession(this.compiled.inference, this.params, {
        threads: this.training.threads,
        spinning: this.training.spinning,
      });
    }
    return this.inferenceSession;
  }

  predictProba(x: Float64Array, n: number): Float64Array {
    const session = this.session();
    const compiled = this.compiled as Compiled;
    const d = compiled.inputShape.reduce((p, v) => p * v, 1);
    if (x.length !== n * d) {
      throw new BiasloopError(
        'data',
        `${this.kind}: ${x.length} feature values for ${n} rows, expected ${n} × ${d} (input shape [${compiled.inputShape.join(', ')}])`,
      );
    }
    const k = compiled.classes;
    const out = new Float64Array(n * k);
    for (let start = 0; start < n; start += PREDICT_CHUNK) {
      const m = Math.min(PREDICT_CHUNK, n - start);
      const chunk = Float32Array.from(x.subarray(start * d, (start + m) * d));
      const result = session.run({ x: { data: chunk, dims: [m, ...compiled.inputShape] } });
      out.set(result.probabilities, start * k);
    }
    return out;
  }

  predict(x: Float64Array, n: number): Int32Array {
    return argmaxRows(this.predictProba(x, n), (this.compiled as Compiled).classes);
  }

  /** Current parameter values (copies), e.g. for determinism checks. */
  parameters(): ParameterValues {
    if (this.params === undefined) throw new BiasloopError('usage', `${this.kind}: not fitted`);
    const out: ParameterValues = new Map();
    for (const [k, v] of this.params) out.set(k, v.slice());
    return out;
  }

  exportState(): ModelState {
    if (this.params === undefined || this.compiled === undefined) {
      throw new BiasloopError('usage', `${this.kind}: cannot export the state of an unfitted model`);
    }
    const { arrays, step } = packWeights(this.params, this.optimizer);
    return {
      kind: this.kind,
      fingerprint: this.compiled.fingerprint,
      arrays,
      meta: {
        inputShape: JSON.stringify(this.compiled.inputShape),
        classes: this.compiled.classes,
        step,
      },
    };
  }

  importState(state: ModelState): void {
    if (state.kind !== this.kind) {
      throw new BiasloopError(
        'checkpoint',
        `checkpoint holds a '${state.kind}' model, not a '${this.kind}' model`,
      );
    }
    const inputShape = metaJson<number[]>(state, 'inputShape');
    const classes = state.meta.classes;
    if (!Array.isArray(inputShape) || typeof classes !== 'number') {
      throw new BiasloopError('checkpoint', `${this.kind}: checkpoint lacks the input shape or class count`);
    }
    const compiled = this.compile(inputShape, classes);
    assertStateMatches(state, this.kind, compiled.fingerprint);
    const { params, optimizer } = unpackWeights(state);
    checkParameters(parameterSpecs(compiled.training), params);
    this.params = params;
    this.optimizer = optimizer.states.size > 0 ? optimizer : undefined;
    this.inferenceSession?.setParameters(params);
  }

  /** The inference graph with the trained weights as a standalone ONNX model (input `x`, outputs `logits`, `probabilities`). */
  exportOnnx(): Uint8Array {
    if (this.params === undefined || this.compiled === undefined) {
      throw new BiasloopError('usage', `${this.kind}: cannot export an unfitted model`);
    }
    return exportOnnx(this.compiled.inference, this.params, {
      name: this.kind,
      fingerprint: this.compiled.fingerprint,
    });
  }
}
