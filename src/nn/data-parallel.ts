/**
 * The data-parallel form of a training step: the batch is split by rows into `shards` parts, each
 * part's gradients are computed by its own single-threaded session (the calling thread and worker
 * threads, side by side), and one update step combines them and applies the optimizer.
 *
 * Two models are derived from a compiled training model:
 * - the gradient model: the training graph cut down to the loss, its gradients and scalar extra
 *   outputs (no optimizer, no per-step scalars), fed one shard's rows; the gradients come out as one
 *   flat vector per parameter group (the parameters weight decay applies to, and the others);
 * - the update model: per group, the shards' gradients combined as Σ_k w_k·g_k (fed weights), then
 *   the fused step's optimizer update on the flat vectors (the session maps the flat optimizer
 *   states to and from the fused step's per-parameter states, so checkpoints interchange).
 *
 * The combining weights follow from how the loss reduces over the batch: a mean over rows weights
 * shard k by n_k / n (so Σ w_k·g_k is the whole batch's gradient), a sum by 1. A loss normalised by
 * the batch's total sample weight ('weightedMean' with sample weights) is refused: each shard would
 * need the others' weights. Random inputs are drawn for the whole batch from the same stream as the
 * fused step and split by the same rows, so a data-parallel step computes the fused step's update up
 * to floating-point rounding (summation order), and is itself reproducible for a given shard count.
 */
import { BiasloopError } from '../core/errors.ts';
import type { CompiledModel, CompiledOutput } from './compile.ts';
import { NEXT_SUFFIX, describeInputs } from './compile.ts';
import type { Tensor } from './graph.ts';
import { Graph } from './graph.ts';
import { encodeGraph, neededNodes } from './onnx/encode.ts';
import { bin } from './ops/emit.ts';
import { emitUpdate } from './optimizers.ts';
import { elementCount } from './shape.ts';

export interface DataParallelPlan {
  readonly shards: number;
  /** The symbolic dimension the data inputs are split along (their first axis). */
  readonly batchDim: string;
  /** 'mean': shard k weighs n_k / n; 'sum': every shard weighs 1. */
  readonly combine: 'mean' | 'sum';
  /** The flat parameter vectors the update works on (decayed parameters, then the others). */
  readonly groups: readonly ParameterGroup[];
  readonly gradient: CompiledModel;
  readonly update: CompiledModel;
}

/** Parameters updated as one flat vector: each member's values at `offset`, in row-major order. */
export interface ParameterGroup {
  /** Name of the flat vector in the update model (its optimizer states are `<name>::adam_m` etc.). */
  readonly name: string;
  /** Whether weight decay applies to these parameters. */
  readonly decayed: boolean;
  readonly members: readonly {
    readonly name: string;
    readonly shape: readonly number[];
    readonly offset: number;
  }[];
  readonly size: number;
}

/** Gradient-model output holding the flat gradient of parameter group `group`. */
export function gradientOutputName(group: string): string {
  return `${group}::grad`;
}

/** Update-model input holding shard `shard`'s flat gradient of `group`. */
export function shardGradientName(group: string, shard: number): string {
  return `${group}::grad@${shard}`;
}

/** Update-model scalar input: the combining weight of shard `shard`. */
export function shardWeightName(shard: number): string {
  return `shard_weight@${shard}`;
}

function refuse(message: string): never {
  throw new BiasloopError('usage', `data-parallel training: ${message}`, {
    hint: "use parallelism 'intra-op' (one session, several ORT threads) for this model",
  });
}

/** Derive the gradient and update models of `model`'s data-parallel step over `shards` shards. */
export function compileDataParallel(model: CompiledModel, shards: number): DataParallelPlan {
  if (model.kind !== 'training' || model.optimizer === undefined || model.parts === undefined) {
    throw new BiasloopError('usage', 'compileDataParallel needs a model from compileTraining');
  }
  if (!Number.isInteger(shards) || shards < 2) {
    throw new BiasloopError('usage', `data-parallel training needs ≥ 2 shards, got ${shards}`, {
      field: 'threads',
    });
  }
  const g = model.graph;
  const parts = model.parts;
  const kinds = new Set(g.lossReductions);
  if (kinds.size === 0) {
    refuse(
      'the loss must be built from the engine losses (softmaxCrossEntropy, binaryCrossEntropyWithLogits, meanSquaredError, gaussianKl), whose reduction says how shards combine',
    );
  }
  if (kinds.has('weightedMean')) {
    refuse(
      "a 'weightedMean' loss with sample weights divides by the whole batch's weight sum, which no shard knows; use reduction 'mean' with weights normalised to mean 1",
    );
  }
  if (kinds.size > 1) refuse("the loss mixes 'mean' and 'sum' reductions over the batch");
  const combine = kinds.has('sum') ? 'sum' : 'mean';

  const data = g.inputsOf('data');
  if (data.length === 0) refuse('the model has no data inputs to split');
  const batchDim = data[0].tensor.shape[0];
  if (typeof batchDim !== 'string') {
    refuse(`input '${data[0].tensor.name}' has a fixed first dimension; the batch axis must be symbolic`);
  }
  for (const input of data) {
    if (input.tensor.shape[0] !== batchDim) {
      refuse(`input '${input.tensor.name}' does not lead with the batch dimension '${batchDim}'`);
    }
  }
  for (const input of g.inputsOf('random')) {
    const shape = input.tensor.shape;
    if (shape[0] !== batchDim && shape.some((d) => typeof d === 'string')) {
      refuse(`random input '${input.tensor.name}' does not lead with the batch dimension '${batchDim}'`);
    }
  }

  // Parameters are updated as one flat vector per weight-decay group: the optimizer's dozen
  // elementwise ops then run once over all values instead of once per (often tiny) parameter.
  const params = g.inputsOf('param');
  const decays = parts.update.decays ?? (() => true);
  const groups: ParameterGroup[] = [];
  for (const decayed of [true, false]) {
    const members = params.filter((p) => decays(p.tensor.name) === decayed);
    if (members.length === 0) continue;
    let offset = 0;
    const slices = members.map((p) => {
      const shape = p.tensor.shape as number[];
      const slice = { name: p.tensor.name, shape, offset };
      offset += elementCount(shape);
      return slice;
    });
    groups.push({ name: `parameters@${groups.length}`, decayed, members: slices, size: offset });
  }

  // The gradient model: the training graph's nodes that the loss and gradients need, each group's
  // gradients concatenated into one flat output.
  const outputs: { name: string; tensor: Tensor; role: CompiledOutput['role']; of?: string }[] = [
    { name: 'loss', tensor: parts.loss, role: 'loss' },
  ];
  for (const group of groups) {
    const flat = group.members.map((m) => {
      const grad = parts.gradients.get(m.name);
      if (grad === undefined) throw new Error(`internal: no gradient for '${m.name}'`);
      const size = elementCount(m.shape);
      return g.raw1('Reshape', [grad, g.int64s([size])], { shape: [size], dtype: grad.dtype });
    });
    const grad =
      flat.length === 1
        ? flat[0]
        : g.raw1('Concat', flat, { shape: [group.size], dtype: g.floatType }, { axis: { int: 0 } });
    outputs.push({ name: gradientOutputName(group.name), tensor: grad, role: 'gradient', of: group.name });
  }
  for (const [name, t] of Object.entries(parts.extraOutputs)) {
    if (t.rank !== 0) refuse(`extra output '${name}' is not a scalar, so its shards cannot be combined`);
    outputs.push({ name, tensor: t, role: 'value' });
  }
  const { used } = neededNodes(
    g.nodes,
    outputs.map((o) => o.tensor.name),
  );
  const gradientInputs = describeInputs(g, used);
  if (gradientInputs.some((i) => i.role === 'scalar' || i.role === 'state')) {
    throw new Error('internal: the gradient part of a training graph reads optimizer inputs');
  }
  const gradient: CompiledModel = {
    kind: 'gradient',
    bytes: encodeGraph(g, { name: 'biasloop-gradient-step', outputs }),
    floatType: g.floatType,
    inputs: gradientInputs,
    outputs: outputs.map((o) => ({
      name: o.name,
      shape: o.tensor.shape,
      dtype: o.tensor.dtype,
      role: o.role,
      of: o.of,
    })),
    graph: g,
  };

  // The update model: per group, Σ_k w_k·g_k over the shards, then the optimizer step.
  const u = new Graph({ floatType: g.floatType, training: true });
  const flatParams: Tensor[] = [];
  const combined: Tensor[] = [];
  const weights = Array.from({ length: shards }, (_, k) => u.scalarInput(shardWeightName(k)));
  for (const group of groups) {
    // The initialiser is never used: a session loads the parameters it is given.
    flatParams.push(u.param(group.name, [group.size], { kind: 'zeros' }));
    let sum: Tensor | undefined;
    for (let k = 0; k < shards; k++) {
      const term = bin('Mul', u.input(shardGradientName(group.name, k), [group.size]), weights[k]);
      sum = sum === undefined ? term : bin('Add', sum, term);
    }
    combined.push(sum as Tensor);
  }
  const decayedGroups = new Set(groups.filter((gr) => gr.decayed).map((gr) => gr.name));
  const update = emitUpdate(u, model.optimizer, flatParams, combined, {
    clipGradNorm: parts.update.clipGradNorm,
    decays: (name) => decayedGroups.has(name),
  });
  const updateOutputs: CompiledOutput[] = [];
  const out = (name: string, t: Tensor, role: CompiledOutput['role'], updates?: string): void => {
    u.output(name, t);
    updateOutputs.push({ name, shape: t.shape, dtype: t.dtype, role, updates });
  };
  out('grad_norm', update.gradNorm, 'gradNorm');
  for (const [name, t] of update.params) out(name + NEXT_SUFFIX, t, 'param', name);
  for (const [name, t] of update.states) out(name + NEXT_SUFFIX, t, 'state', name);
  const updateModel: CompiledModel = {
    kind: 'update',
    bytes: encodeGraph(u, { name: 'biasloop-update-step' }),
    floatType: g.floatType,
    inputs: describeInputs(u),
    outputs: updateOutputs,
    optimizer: model.optimizer,
    graph: u,
  };
  return { shards, batchDim, combine, groups, gradient, update: updateModel };
}

/**
 * Split `rows` batch rows into `shards` contiguous ranges, the first `rows % shards` one row longer;
 * returns the start of each range and, last, `rows`.
 */
export function shardBounds(rows: number, shards: number): number[] {
  const base = Math.floor(rows / shards);
  const extra = rows % shards;
  const bounds = [0];
  for (let k = 0; k < shards; k++) bounds.push(bounds[k] + base + (k < extra ? 1 : 0));
  return bounds;
}
