/**
 * The training session: runs one compiled training step per batch and keeps the parameters and the
 * optimizer state between steps (the step's `::next` outputs become the next step's inputs).
 *
 * A step whose loss is NaN or infinite is rejected: the session keeps the parameters and optimizer
 * state from before it and throws a `numeric` error naming the step.
 */
import { BiasloopError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import type { CompiledInput, CompiledModel } from '../compile.ts';
import { compileDataParallel } from '../data-parallel.ts';
import { stepScalars } from '../optimizers.ts';
import { elementCount } from '../shape.ts';
import { DataParallelStep } from './data-parallel-step.ts';
import type { Feeds } from './feeds.ts';
import { bindDimensions, randomTensor, scalarTensor, toOrtTensor } from './feeds.ts';
import type { OrtTensor } from './ort-session.ts';
import { OrtSession } from './ort-session.ts';
import type { FloatArray, ParameterValues } from './parameters.ts';
import { checkParameters, parameterSpecs } from './parameters.ts';

/**
 * How a session uses more than one thread: 'intra-op' runs one session whose operators use
 * `threads` ORT threads; 'data' splits each batch by rows into `threads` shards whose gradients are
 * computed side by side by single-threaded sessions (the calling thread and worker threads), then
 * combined into one update (../data-parallel.ts).
 */
export type Parallelism = 'intra-op' | 'data';

export interface TrainingSessionOptions {
  /** Threads (default 1: reproducible; see `parallelism` for how more are used). */
  readonly threads?: number;
  /**
   * 'intra-op' (default) or 'data'. Both are reproducible run to run for a given thread count; 'data'
   * equals the one-thread result up to floating-point rounding, and needs a loss that reduces over
   * the batch by 'mean' or 'sum'.
   */
  readonly parallelism?: Parallelism;
  /** Spin-waiting intra-op threads (default true); see OrtSessionOptions. */
  readonly spinning?: boolean;
  /** Stream for random inputs (dropout masks, noise); step t draws from `rng.fork('step', t)`. */
  readonly rng: Rng;
  /** Weight decay fed to the step (default: the optimizer's). */
  readonly weightDecay?: number;
}

export interface StepResult {
  readonly loss: number;
  readonly gradNorm: number;
  /** Extra outputs declared at compile time. */
  readonly values: Readonly<Record<string, Float32Array | Float64Array>>;
}

/** Optimizer state and step count, for checkpoints. */
export interface OptimizerSnapshot {
  readonly step: number;
  readonly states: Map<string, FloatArray>;
}

export class TrainingSession {
  readonly model: CompiledModel;
  /** The fused step (forward, backward, update); absent in data-parallel mode. */
  private readonly session?: OrtSession;
  private readonly dataParallel?: DataParallelStep;
  private readonly rng: Rng;
  private weightDecay: number;
  private params = new Map<string, OrtTensor>();
  private states = new Map<string, OrtTensor>();
  private stepCount = 0;
  private readonly outputNames: string[];

  constructor(model: CompiledModel, parameters: ParameterValues, options: TrainingSessionOptions) {
    if (model.kind !== 'training' || model.optimizer === undefined) {
      throw new BiasloopError('usage', 'TrainingSession needs a model from compileTraining');
    }
    this.model = model;
    const threads = options.threads ?? 1;
    const parallelism = options.parallelism ?? 'intra-op';
    if (parallelism !== 'intra-op' && parallelism !== 'data') {
      throw new BiasloopError('usage', `parallelism '${String(parallelism)}' must be 'intra-op' or 'data'`, {
        field: 'parallelism',
      });
    }
    if (parallelism === 'data' && threads > 1) {
      if (!Number.isInteger(threads)) {
        throw new BiasloopError('usage', `threads must be a positive integer, got ${threads}`, {
          field: 'threads',
        });
      }
      this.dataParallel = new DataParallelStep(compileDataParallel(model, threads));
    } else {
      this.session = new OrtSession(model.bytes, { threads, spinning: options.spinning });
    }
    this.rng = options.rng;
    this.weightDecay = options.weightDecay ?? model.optimizer.weightDecay;
    this.outputNames = model.outputs.map((o) => o.name);
    this.setParameters(parameters);
  }

  /** Number of completed steps (Adam's bias correction uses it). */
  get step(): number {
    return this.stepCount;
  }

  setWeightDecay(value: number): void {
    if (!(value >= 0)) throw new BiasloopError('usage', `weight decay ${value} must be ≥ 0`);
    this.weightDecay = value;
  }

  /** Replace the parameters; optimizer state restarts from zero unless `optimizer` is given. */
  setParameters(values: ParameterValues, optimizer?: OptimizerSnapshot): void {
    const specs = parameterSpecs(this.model);
    checkParameters(specs, values);
    const dtype = this.model.floatType;
    const params = new Map<string, FloatArray>();
    for (const s of specs) params.set(s.name, (values.get(s.name) as FloatArray).slice());
    const states = new Map<string, FloatArray>();
    for (const input of this.model.inputs) {
      if (input.role !== 'state') continue;
      const size = elementCount(input.shape as number[]);
      const given = optimizer?.states.get(input.name);
      if (given !== undefined && given.length !== size) {
        throw new BiasloopError(
          'checkpoint',
          `optimizer state '${input.name}' has ${given.length} values, expected ${size}`,
        );
      }
      states.set(
        input.name,
        given !== undefined
          ? given.slice()
          : dtype === 'float64'
            ? new Float64Array(size)
            : new Float32Array(size),
      );
    }
    if (optimizer !== undefined) {
      for (const name of optimizer.states.keys()) {
        if (!states.has(name))
          throw new BiasloopError('checkpoint', `checkpoint holds unknown optimizer state '${name}'`);
      }
    }
    if (this.dataParallel !== undefined) {
      this.dataParallel.load(params, states);
    } else {
      const tensors = (arrays: Map<string, FloatArray>): Map<string, OrtTensor> => {
        const out = new Map<string, OrtTensor>();
        for (const [name, data] of arrays) {
          const input = this.model.inputs.find((i) => i.name === name) as CompiledInput;
          out.set(name, toOrtTensor({ data, dims: input.shape as number[] }, dtype));
        }
        return out;
      };
      this.params = tensors(params);
      this.states = tensors(states);
    }
    this.stepCount = optimizer?.step ?? 0;
  }

  /** Copies of the current parameter values. */
  parameters(): ParameterValues {
    if (this.dataParallel !== undefined) return this.dataParallel.parameters();
    const out: ParameterValues = new Map();
    for (const [name, t] of this.params) out.set(name, (t.data as FloatArray).slice());
    return out;
  }

  optimizerState(): OptimizerSnapshot {
    if (this.dataParallel !== undefined) {
      return { step: this.stepCount, states: this.dataParallel.states() };
    }
    const states = new Map<string, FloatArray>();
    for (const [name, t] of this.states) states.set(name, (t.data as FloatArray).slice());
    return { step: this.stepCount, states };
  }

  /** One training step on a batch at learning rate `lr`. */
  run(batch: Feeds, lr: number): StepResult {
    const model = this.model;
    const optimizer = model.optimizer;
    if (optimizer === undefined) throw new Error('internal: training model without optimizer');
    if (!Number.isFinite(lr) || lr < 0)
      throw new BiasloopError('usage', `learning rate ${lr} must be a finite number ≥ 0`);
    const bindings = bindDimensions(model.inputs, batch);
    const t = this.stepCount + 1;
    const scalars = stepScalars(optimizer, t, lr, this.weightDecay);
    const stepRng = this.rng.fork('step', t);
    if (this.dataParallel !== undefined) {
      const r = this.dataParallel.run(batch, bindings, model.inputs, scalars, stepRng);
      this.checkLoss(r.loss, t);
      const values: Record<string, Float32Array | Float64Array> = {};
      const Arr = model.floatType === 'float64' ? Float64Array : Float32Array;
      for (const [name, v] of Object.entries(r.values)) values[name] = Arr.of(v);
      this.stepCount = t;
      return { loss: r.loss, gradNorm: r.gradNorm, values };
    }
    const feeds: Record<string, OrtTensor> = {};
    for (const input of model.inputs) {
      switch (input.role) {
        case 'data':
          feeds[input.name] = toOrtTensor(batch[input.name], input.dtype);
          break;
        case 'param':
          feeds[input.name] = this.params.get(input.name) as OrtTensor;
          break;
        case 'state':
          feeds[input.name] = this.states.get(input.name) as OrtTensor;
          break;
        case 'scalar': {
          const v = scalars[input.name];
          if (v === undefined) throw new Error(`internal: no value for scalar input '${input.name}'`);
          feeds[input.name] = scalarTensor(v, input.dtype);
          break;
        }
        case 'random':
          feeds[input.name] = randomTensor(input, bindings, stepRng.fork(input.name));
          break;
      }
    }
    const out = (this.session as OrtSession).run(feeds, this.outputNames);
    const loss = Number((out.loss.data as FloatArray)[0]);
    this.checkLoss(loss, t);
    this.adopt(out);
    const values: Record<string, Float32Array | Float64Array> = {};
    for (const o of model.outputs) if (o.role === 'value') values[o.name] = out[o.name].data as FloatArray;
    this.stepCount = t;
    return { loss, gradNorm: Number((out.grad_norm.data as FloatArray)[0]), values };
  }

  private checkLoss(loss: number, t: number): void {
    if (!Number.isFinite(loss)) {
      throw new BiasloopError(
        'numeric',
        `training diverged: the loss is ${loss} at step ${t}; the parameters from step ${t - 1} were kept`,
        { hint: 'lower the learning rate, clip gradients, or check the inputs for NaN' },
      );
    }
  }

  /** Take a step's `::next` outputs as the parameters and optimizer state. */
  private adopt(out: Record<string, OrtTensor>): void {
    for (const o of this.model.outputs) {
      if (o.role === 'param') this.params.set(o.updates as string, out[o.name]);
      else if (o.role === 'state') this.states.set(o.updates as string, out[o.name]);
    }
  }

  dispose(): void {
    this.session?.dispose();
    this.dataParallel?.dispose();
  }
}
