/**
 * A class- and attribute-conditional VAE for NCHW images: the image loop's generator. It learns
 * p(image | class, group) — for Colorized MNIST, digits of a given class in a given colour — and
 * samples new images for any (class, group) cell.
 *
 * Encoder: conv(k4, s2, p1) + ReLU blocks halving the resolution, flatten, concatenated with the
 * one-hot condition (class ⊕ group), dense `hidden` + ReLU, then dense heads for μ and log σ² of a
 * `latent`-dimensional Gaussian. Decoder: [z ⊕ condition] → dense `hidden` + ReLU → dense to the
 * encoder's final feature map + ReLU → transposed convs (k4, s2, p1) back to the image, pixel logits.
 * Loss per image: Σ_pixels BCE(logits, pixels) + β·KL(q(z|x,c) ‖ N(0, I)), averaged over the batch
 * with the fit's sample weights; z = μ + σ·ε with ε drawn from the seeded stream each step.
 * Samples: z ~ N(0, temperature·I), features = sigmoid(decoder logits) in [0, 1].
 */
import { BiasloopError } from '../core/errors.ts';
import type { Dataset } from '../core/dataset.ts';
import { cellCounts, createDataset, syntheticProvenance } from '../core/dataset.ts';
import type { Rng } from '../core/rng.ts';
import type { CompiledModel } from '../nn/compile.ts';
import { compileInference, compileTraining } from '../nn/compile.ts';
import { exportOnnx } from '../nn/export.ts';
import { Graph } from '../nn/graph.ts';
import { sigmoid } from '../nn/ops/activations.ts';
import type { CvaeArchitecture } from './neural/cvae-network.ts';
import { cvaeDecoder, cvaeLoss } from './neural/cvae-network.ts';
import { InferenceSession } from '../nn/runtime/inference-session.ts';
import type { ParameterValues } from '../nn/runtime/parameters.ts';
import {
  checkParameters,
  initParameters,
  parameterSpecs,
  selectParameters,
} from '../nn/runtime/parameters.ts';
import type { OptimizerSnapshot } from '../nn/runtime/training-session.ts';
import { TrainingSession } from '../nn/runtime/training-session.ts';
import { trainEpochs } from '../nn/trainer.ts';
import type { DatasetSchema } from '../core/dataset.ts';
import type { FitContext, FitReport, Generator, ModelState, SampleRequest } from './types.ts';
import { assertStateMatches } from './types.ts';
import { cellPlan } from './neural/cells.ts';
import { gatherRows, normalisedRowWeights } from './neural/batches.ts';
import type { TrainingConfig } from './neural/training-config.ts';
import { DEFAULT_TRAINING, optimizerOf, resolveTraining, scaledEpochs } from './neural/training-config.ts';
import { fingerprintOf, metaJson, packWeights, unpackWeights } from './neural/weights.ts';

export interface ConditionalVaeOptions {
  /** Output channels of the encoder's conv blocks (default [16, 32]); the decoder mirrors them. */
  readonly channels?: readonly number[];
  readonly hidden?: number;
  readonly latent?: number;
  /**
   * Weight of the KL term (β-VAE; default 4). β > 1 keeps the latent code from carrying the class and
   * colour, so samples follow the requested cell: on Colorized MNIST (4,000 images, 12 epochs) β = 1
   * gave 52–73% class consistency and β = 4 gave 95–98% (docs/nn.md).
   */
  readonly beta?: number;
  readonly training?: Partial<TrainingConfig>;
}

interface Compiled {
  readonly imageShape: readonly number[];
  readonly classes: number;
  readonly groups: number;
  readonly training: CompiledModel;
  readonly decoder: CompiledModel;
  readonly fingerprint: string;
}

const SAMPLE_CHUNK = 512;

export class ConditionalVae implements Generator {
  readonly kind = 'cvae';
  readonly channels: readonly number[];
  readonly hidden: number;
  readonly latent: number;
  readonly beta: number;
  readonly training: TrainingConfig;
  private compiled?: Compiled;
  private params?: ParameterValues;
  private optimizer?: OptimizerSnapshot;
  private schema?: DatasetSchema;
  private fitCells?: Float64Array;
  private decoderSession?: InferenceSession;

  constructor(options: ConditionalVaeOptions = {}) {
    this.channels = options.channels ?? [16, 32];
    this.hidden = options.hidden ?? 128;
    this.latent = options.latent ?? 8;
    this.beta = options.beta ?? 4;
    this.training = resolveTraining(options.training, {
      ...DEFAULT_TRAINING,
      epochs: 12,
      learningRate: 2e-3,
    });
    for (const [field, v] of [
      ['hidden', this.hidden],
      ['latent', this.latent],
    ] as const) {
      if (!(Number.isInteger(v) && v >= 1))
        throw new BiasloopError('usage', `cvae: ${field} ${v} must be a positive integer`, { field });
    }
    if (this.channels.length === 0 || this.channels.some((c) => !(Number.isInteger(c) && c >= 1))) {
      throw new BiasloopError(
        'usage',
        `cvae: channels [${this.channels.join(', ')}] must be positive integers`,
        { field: 'channels' },
      );
    }
    if (!(this.beta >= 0))
      throw new BiasloopError('usage', `cvae: beta ${this.beta} must be ≥ 0`, { field: 'beta' });
  }

  get fitted(): boolean {
    return this.params !== undefined;
  }

  private imageShapeFor(data: Dataset): number[] {
    const shape = data.schema.featureShape;
    if (shape === undefined || shape.length !== 3) {
      throw new BiasloopError(
        'data',
        `cvae: needs image data with featureShape [channels, height, width]; got ${shape === undefined ? `tabular data with ${data.d} features` : `[${shape.join(', ')}]`}`,
      );
    }
    const [c, h, w] = shape;
    const factor = 2 ** this.channels.length;
    if (h % factor !== 0 || w % factor !== 0) {
      throw new BiasloopError(
        'data',
        `cvae: image ${h}×${w} must be divisible by ${factor} for ${this.channels.length} stride-2 blocks`,
      );
    }
    if (c * h * w !== data.d)
      throw new BiasloopError(
        'data',
        `cvae: featureShape [${shape.join(', ')}] does not match ${data.d} features`,
      );
    return [c, h, w];
  }

  /** The network architecture for images of `imageShape` with these classes and groups. */
  architectureFor(imageShape: readonly number[], classes: number, groups: number): CvaeArchitecture {
    return { imageShape, classes, groups, channels: this.channels, hidden: this.hidden, latent: this.latent };
  }

  private compile(imageShape: readonly number[], classes: number, groups: number): Compiled {
    const prev = this.compiled;
    if (
      prev !== undefined &&
      prev.classes === classes &&
      prev.groups === groups &&
      prev.imageShape.join() === imageShape.join()
    )
      return prev;
    const condWidth = classes + groups;
    // Training graph: encoder, reparameterisation, decoder, loss.
    const g = new Graph({ training: true });
    const x = g.input('x', ['batch', ...imageShape]);
    const cond = g.input('cond', ['batch', condWidth]);
    const weights = g.input('w', ['batch']);
    const arch = this.architectureFor(imageShape, classes, groups);
    const { loss, reconstruction, kl } = cvaeLoss(x, cond, weights, arch, this.beta);
    const training = compileTraining(g, loss, {
      optimizer: optimizerOf(this.training),
      clipGradNorm: this.training.clipGradNorm,
      extraOutputs: { reconstruction, kl },
    });
    // Decoder graph: z and condition → pixel probabilities (deterministic, exportable).
    const d = new Graph({ training: false });
    const zIn = d.input('z', ['batch', this.latent]);
    const condIn = d.input('cond', ['batch', condWidth]);
    const decoder = compileInference(d, { images: sigmoid(cvaeDecoder(zIn, condIn, arch)) });
    const fingerprint = fingerprintOf({
      kind: this.kind,
      channels: this.channels,
      hidden: this.hidden,
      latent: this.latent,
      imageShape,
      classes,
      groups,
    });
    this.decoderSession?.dispose();
    this.decoderSession = undefined;
    this.compiled = { imageShape, classes, groups, training, decoder, fingerprint };
    return this.compiled;
  }

  private conditionRows(
    classes: number,
    groups: number,
    y: ArrayLike<number>,
    group: ArrayLike<number>,
    rows: ArrayLike<number>,
  ): Float32Array {
    const width = classes + groups;
    const out = new Float32Array(rows.length * width);
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r];
      out[r * width + y[i]] = 1;
      out[r * width + classes + group[i]] = 1;
    }
    return out;
  }

  fit(data: Dataset, ctx: FitContext): FitReport {
    const imageShape = this.imageShapeFor(data);
    const classes = data.schema.classNames.length;
    const groups = data.schema.groupNames.length;
    if (data.n === 0) throw new BiasloopError('data', 'cvae: cannot fit on an empty dataset');
    const previous = this.compiled;
    const compiled = this.compile(imageShape, classes, groups);
    const continuing = ctx.warmStart === true && this.params !== undefined && previous === compiled;
    const start = continuing
      ? (this.params as ParameterValues)
      : initParameters(compiled.training, ctx.rng.fork('init'));
    const session = new TrainingSession(compiled.training, start, {
      threads: this.training.threads,
      spinning: this.training.spinning,
      parallelism: this.training.parallelism,
      rng: ctx.rng.fork('noise'),
      weightDecay: ctx.weightDecayOverride ?? this.training.weightDecay,
    });
    if (continuing && this.optimizer !== undefined) session.setParameters(start, this.optimizer);
    const rowWeights = normalisedRowWeights(data.n, ctx.sampleWeight);
    const d = data.d;
    const x32 = Float32Array.from(data.x);
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
          const wb = new Float32Array(m);
          for (let r = 0; r < m; r++) wb[r] = rowWeights[rows[r]];
          return {
            x: { data: xb, dims: [m, ...imageShape] },
            cond: {
              data: this.conditionRows(classes, groups, data.y, data.group, rows),
              dims: [m, classes + groups],
            },
            w: { data: wb, dims: [m] },
          };
        },
      });
      this.schema = data.schema;
      this.fitCells = cellCounts(data);
      return {
        converged: Number.isFinite(report.lastEpochLoss),
        iterations: report.steps,
        objective: report.lastEpochLoss,
        gradientNorm: report.gradNorm,
      };
    } finally {
      this.params = session.parameters();
      this.optimizer = session.optimizerState();
      this.decoderSession?.setParameters(selectParameters(compiled.decoder, this.params));
      session.dispose();
    }
  }

  private decoderFor(): { session: InferenceSession; compiled: Compiled } {
    if (this.params === undefined || this.compiled === undefined)
      throw new BiasloopError('usage', 'cvae: sample called before fit');
    if (this.decoderSession === undefined) {
      this.decoderSession = new InferenceSession(
        this.compiled.decoder,
        selectParameters(this.compiled.decoder, this.params),
        {
          threads: this.training.threads,
          spinning: this.training.spinning,
        },
      );
    }
    return { session: this.decoderSession, compiled: this.compiled };
  }

  /**
   * Decode images for given classes and groups with latent noise from `rng` scaled by
   * √temperature: returns n × C·H·W pixel intensities in [0, 1].
   */
  generate(classes: ArrayLike<number>, groups: ArrayLike<number>, rng: Rng, temperature = 1): Float64Array {
    const { session, compiled } = this.decoderFor();
    if (!(temperature >= 0))
      throw new BiasloopError('usage', `temperature ${temperature} must be ≥ 0`, { field: 'temperature' });
    const n = classes.length;
    const d = compiled.imageShape.reduce((p, v) => p * v, 1);
    const out = new Float64Array(n * d);
    const scale = Math.sqrt(temperature);
    const rows = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < n; i++) {
      if (
        !(classes[i] >= 0 && classes[i] < compiled.classes) ||
        !(groups[i] >= 0 && groups[i] < compiled.groups)
      ) {
        throw new BiasloopError(
          'usage',
          `cvae: cell (class ${classes[i]}, group ${groups[i]}) is outside ${compiled.classes} classes × ${compiled.groups} groups`,
        );
      }
    }
    for (let start = 0; start < n; start += SAMPLE_CHUNK) {
      const m = Math.min(SAMPLE_CHUNK, n - start);
      const z = new Float32Array(m * this.latent);
      const chunkRng = rng.fork('chunk', start);
      for (let k = 0; k < z.length; k++) z[k] = chunkRng.normal() * scale;
      const cond = this.conditionRows(
        compiled.classes,
        compiled.groups,
        classes,
        groups,
        rows.subarray(start, start + m),
      );
      const result = session.run({
        z: { data: z, dims: [m, this.latent] },
        cond: { data: cond, dims: [m, compiled.classes + compiled.groups] },
      });
      out.set(result.images, start * d);
    }
    return out;
  }

  sample(request: SampleRequest, rng: Rng): Dataset {
    const { compiled } = this.decoderFor();
    const schema = this.schema as DatasetSchema;
    const counts = cellPlan(request, this.fitCells as Float64Array, rng.fork('cells'));
    const n = counts.reduce((a, b) => a + b, 0);
    const y = new Int32Array(n);
    const group = new Int32Array(n);
    let r = 0;
    for (let cell = 0; cell < counts.length; cell++) {
      for (let k = 0; k < counts[cell]; k++) {
        y[r] = Math.floor(cell / compiled.groups);
        group[r] = cell % compiled.groups;
        r++;
      }
    }
    const x = this.generate(y, group, rng.fork('latent'), request.temperature);
    return createDataset({
      schema,
      x,
      y,
      group,
      provenance: syntheticProvenance(n, request.generation, this.kind),
    });
  }

  exportState(): ModelState {
    if (this.params === undefined || this.compiled === undefined)
      throw new BiasloopError('usage', 'cvae: cannot export the state of an unfitted model');
    const { arrays, step } = packWeights(this.params, this.optimizer);
    return {
      kind: this.kind,
      fingerprint: this.compiled.fingerprint,
      arrays: { ...arrays, fitCells: Float64Array.from(this.fitCells ?? []) },
      meta: {
        imageShape: JSON.stringify(this.compiled.imageShape),
        classes: this.compiled.classes,
        groups: this.compiled.groups,
        schema: JSON.stringify(this.schema),
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
    const imageShape = metaJson<number[]>(state, 'imageShape');
    const schema = metaJson<DatasetSchema>(state, 'schema');
    const { classes, groups } = state.meta;
    if (typeof classes !== 'number' || typeof groups !== 'number')
      throw new BiasloopError('checkpoint', 'cvae: checkpoint lacks class and group counts');
    const compiled = this.compile(imageShape, classes, groups);
    assertStateMatches(state, this.kind, compiled.fingerprint);
    const { fitCells, ...rest } = state.arrays;
    if (!(fitCells instanceof Float64Array) || fitCells.length !== classes * groups)
      throw new BiasloopError('checkpoint', 'cvae: checkpoint lacks the fit data cell counts');
    const { params, optimizer } = unpackWeights({ ...state, arrays: rest });
    checkParameters(parameterSpecs(compiled.training), params);
    this.params = params;
    this.optimizer = optimizer.states.size > 0 ? optimizer : undefined;
    this.schema = schema;
    this.fitCells = fitCells;
    this.decoderSession?.setParameters(selectParameters(compiled.decoder, params));
  }

  /** The decoder (inputs `z` [batch, latent], `cond` [batch, classes + groups] one-hot; output `images`) as standalone ONNX. */
  exportOnnx(): Uint8Array {
    const { compiled } = this.decoderFor();
    return exportOnnx(compiled.decoder, selectParameters(compiled.decoder, this.params as ParameterValues), {
      name: this.kind,
      fingerprint: compiled.fingerprint,
    });
  }
}
