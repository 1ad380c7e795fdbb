/**
 * Compile a built graph into a self-describing ONNX model: the training step (forward, backward and
 * optimizer update in one graph) or the forward-only inference graph.
 */
import { BiasloopError } from '../core/errors.ts';
import type { DType, FloatType, Graph, InputRole, RandomFill, Tensor } from './graph.ts';
import type { Initializer } from './init.ts';
import type { Shape } from './shape.ts';
import { gradients } from './autodiff.ts';
import type { Optimizer, UpdateOptions } from './optimizers.ts';
import { emitUpdate } from './optimizers.ts';
import { encodeGraph } from './onnx/encode.ts';

export interface CompiledInput {
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly role: InputRole;
  readonly init?: Initializer;
  readonly random?: RandomFill;
  readonly stateOf?: string;
}

export type OutputRole = 'loss' | 'gradNorm' | 'param' | 'state' | 'value' | 'gradient';

export interface CompiledOutput {
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly role: OutputRole;
  /** For `param` / `state` outputs: the input it replaces after the step. */
  readonly updates?: string;
  /** For `gradient` outputs: the parameter it is the gradient of. */
  readonly of?: string;
}

/** What a training model was compiled from, kept to derive its data-parallel form (data-parallel.ts). */
export interface TrainingParts {
  readonly loss: Tensor;
  /** Gradient of the loss with respect to each parameter, by parameter name. */
  readonly gradients: ReadonlyMap<string, Tensor>;
  readonly extraOutputs: Readonly<Record<string, Tensor>>;
  readonly update: UpdateOptions;
}

export interface CompiledModel {
  /**
   * `training`: forward, backward and update in one step; `inference`: forward only; `gradient` and
   * `update`: the two halves of a data-parallel step (data-parallel.ts).
   */
  readonly kind: 'training' | 'inference' | 'gradient' | 'update';
  readonly bytes: Uint8Array;
  readonly floatType: FloatType;
  readonly inputs: readonly CompiledInput[];
  readonly outputs: readonly CompiledOutput[];
  readonly optimizer?: Optimizer;
  /** The graph it was encoded from (re-encoded with baked weights by `exportOnnx`). */
  readonly graph: Graph;
  /** Training models: the loss, gradients and update options they were built from. */
  readonly parts?: TrainingParts;
}

/** Suffix of the output that carries a parameter's or state's value after the step. */
export const NEXT_SUFFIX = '::next';

export interface TrainingCompileOptions extends UpdateOptions {
  readonly optimizer: Optimizer;
  /** Extra values to return from each step (e.g. separate loss terms), by output name. */
  readonly extraOutputs?: Readonly<Record<string, Tensor>>;
}

export function describeInputs(g: Graph, used?: ReadonlySet<string>): CompiledInput[] {
  const inputs = used === undefined ? g.inputs : g.inputs.filter((i) => used.has(i.tensor.name));
  return inputs.map((i) => ({
    name: i.tensor.name,
    shape: i.tensor.shape,
    dtype: i.tensor.dtype,
    role: i.role,
    init: i.init,
    random: i.random,
    stateOf: i.stateOf,
  }));
}

/**
 * Differentiate `loss` with respect to every parameter of `g`, emit the optimizer update, and encode
 * the training step. The graph must have been built with `training: true`.
 */
export function compileTraining(g: Graph, loss: Tensor, options: TrainingCompileOptions): CompiledModel {
  if (!g.training)
    throw new BiasloopError('usage', 'compileTraining needs a graph built with training: true');
  const params = g.inputsOf('param').map((i) => i.tensor);
  if (params.length === 0) throw new BiasloopError('usage', 'compileTraining: the graph has no parameters');
  const grads = gradients(loss, params);
  const update = emitUpdate(g, options.optimizer, params, grads, options);
  const outputs: CompiledOutput[] = [];
  const out = (name: string, t: Tensor, role: OutputRole, updates?: string): void => {
    g.output(name, t);
    outputs.push({ name, shape: t.shape, dtype: t.dtype, role, updates });
  };
  out('loss', loss, 'loss');
  out('grad_norm', update.gradNorm, 'gradNorm');
  for (const [name, t] of update.params) out(name + NEXT_SUFFIX, t, 'param', name);
  for (const [name, t] of update.states) out(name + NEXT_SUFFIX, t, 'state', name);
  for (const [name, t] of Object.entries(options.extraOutputs ?? {})) out(name, t, 'value');
  return {
    kind: 'training',
    bytes: encodeGraph(g, { name: 'biasloop-training-step' }),
    floatType: g.floatType,
    inputs: describeInputs(g),
    outputs,
    optimizer: options.optimizer,
    graph: g,
    parts: {
      loss,
      gradients: new Map(params.map((p, i) => [p.name, grads[i]])),
      extraOutputs: options.extraOutputs ?? {},
      update: { clipGradNorm: options.clipGradNorm, decays: options.decays },
    },
  };
}

/** Encode a forward-only graph (built with `training: false`) returning `outputs`. */
export function compileInference(g: Graph, outputs: Readonly<Record<string, Tensor>>): CompiledModel {
  if (g.training)
    throw new BiasloopError('usage', 'compileInference needs a graph built with training: false');
  const described: CompiledOutput[] = [];
  for (const [name, t] of Object.entries(outputs)) {
    g.output(name, t);
    described.push({ name, shape: t.shape, dtype: t.dtype, role: 'value' });
  }
  return {
    kind: 'inference',
    bytes: encodeGraph(g, { name: 'biasloop-inference' }),
    floatType: g.floatType,
    inputs: describeInputs(g),
    outputs: described,
    graph: g,
  };
}
