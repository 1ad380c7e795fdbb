/**
 * The training session: runs one compiled training step per batch and keeps the parameters and the
 * optimizer state between steps (the step's `::next` outputs become the next step's inputs).
 *
 * A step whose loss is NaN or infinite is rejected: the session keeps the parameters and optimizer
 * state from before it and throws a `numeric` error naming the step.
 */
import { BiasloopError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import type { CompiledModel } from '../compile.ts';
import { stepScalars } from '../optimizers.ts';
import type { Feeds } from './feeds.ts';
import { bindDimensions, randomTensor, scalarTensor, toOrtTensor } from './feeds.ts';
import type { OrtTensor } from './ort-session.ts';
import { OrtSession } from './ort-session.ts';
import type { FloatArray, ParameterValues } from './parameters.ts';
import { checkParameters, parameterSpecs } from './parameters.ts';

export interface TrainingSessionOptions {
  /** ORT intra-op threads (default 1: reproducible). */
  readonly threads?: number;
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
  private readonly session: OrtSession;
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
    this.session = new OrtSession(model.bytes, { threads: options.threads, spinning: options.spinning });
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
    this.params = new Map();
    for (const s of specs) {
      this.params.set(
        s.name,
        toOrtTensor({ data: (values.get(s.name) as FloatArray).slice(), dims: s.shape }, dtype),
      );
    }
    this.states = new Map();
    for (const input of this.model.inputs) {
      if (input.role !== 'state') continue;
      const dims = input.shape as number[];
      const size = dims.reduce((p, d) => p * d, 1);
      const given = optimizer?.states.get(input.name);
      if (given !== undefined && given.length !== size) {
        throw new BiasloopError(
          'checkpoint',
          `optimizer state '${input.name}' has ${given.length} values, expected ${size}`,
        );
      }
      const data =
        given !== undefined
          ? given.slice()
          : dtype === 'float64'
            ? new Float64Array(size)
            : new Float32Array(size);
      this.states.set(input.name, toOrtTensor({ data, dims }, dtype));
    }
    if (optimizer !== undefined) {
      for (const name of optimizer.states.keys()) {
        if (!this.states.has(name))
          throw new BiasloopError('checkpoint', `checkpoint holds unknown optimizer state '${name}'`);
      }
    }
    this.stepCount = optimizer?.step ?? 0;
  }

  /** Copies of the current parameter values. */
  parameters(): ParameterValues {
    const out: ParameterValues = new Map();
    for (const [name, t] of this.params) out.set(name, (t.data as FloatArray).slice());
    return out;
  }

  optimizerState(): OptimizerSnapshot {
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
    const out = this.session.run(feeds, this.outputNames);
    const loss = Number((out.loss.data as FloatArray)[0]);
    if (!Number.isFinite(loss)) {
      throw new BiasloopError(
        'numeric',
        `training diverged: the loss is ${loss} at step ${t}; the parameters from step ${t - 1} were kept`,
        { hint: 'lower the learning rate, clip gradients, or check the inputs for NaN' },
      );
    }
    const values: Record<string, Float32Array | Float64Array> = {};
    for (const o of model.outputs) {
      if (o.role === 'param') this.params.set(o.updates as string, out[o.name]);
      else if (o.role === 'state') this.states.set(o.updates as string, out[o.name]);
      else if (o.role === 'value') values[o.name] = out[o.name].data as FloatArray;
    }
    this.stepCount = t;
    return { loss, gradNorm: Number((out.grad_norm.data as FloatArray)[0]), values };
  }

  dispose(): void {
    this.session.dispose();
  }
}
