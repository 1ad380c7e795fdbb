/**
 * Losses, composed from differentiable ops so their gradients come from the op rules.
 *
 * Reductions: `mean` averages w_i·ℓ_i over the batch (w_i = 1 without weights; with sample weights
 * normalised to mean 1 over the data set this is an unbiased estimate of the weighted risk);
 * `weightedMean` is Σ w_i·ℓ_i / Σ w_i (PyTorch's convention for class weights); `sum` adds them up.
 */
import { BiasloopError } from '../core/errors.ts';
import type { Tensor } from './graph.ts';
import { formatShape, sameShape } from './shape.ts';
import { add, exp, mul, neg, square, sub } from './ops/elementwise.ts';
import { logSoftmax } from './ops/softmax.ts';
import { reduceMean, reduceSum } from './ops/reduce.ts';
import { bceWithLogitsElementwise } from './ops/loss-ops.ts';
import { bin, cast, compare, reduce, reshapeTo } from './ops/emit.ts';
import { div } from './ops/elementwise.ts';

export type Reduction = 'mean' | 'weightedMean' | 'sum';

export interface WeightOptions {
  /** Per-sample weights [batch] (a graph input, not differentiated). */
  readonly sampleWeights?: Tensor;
  readonly reduction?: Reduction;
}

function checkBatchVector(op: string, v: Tensor, batch: Tensor): void {
  if (v.rank !== 1 || v.shape[0] !== batch.shape[0]) {
    throw new BiasloopError(
      'usage',
      `${op}: sample weights ${formatShape(v.shape)} must be [${batch.shape[0]}] to match ${formatShape(batch.shape)}`,
    );
  }
}

/** Reduce per-sample losses [batch] with optional weights. */
export function reduceLoss(perSample: Tensor, weights: Tensor | undefined, reduction: Reduction): Tensor {
  const weighted = weights === undefined ? perSample : mul(perSample, weights);
  perSample.graph.lossReductions.push(
    reduction === 'weightedMean' && weights === undefined ? 'mean' : reduction,
  );
  switch (reduction) {
    case 'sum':
      return reduceSum(weighted);
    case 'mean':
      return reduceMean(weighted);
    case 'weightedMean': {
      if (weights === undefined) return reduceMean(weighted);
      return div(reduceSum(weighted), reduce('ReduceSum', weights, [0], false));
    }
  }
}

/**
 * Softmax cross-entropy of `logits` [batch, K] against int64 class `labels` [batch], with optional
 * class weights (a constant per class, multiplied into each sample's weight) and sample weights.
 */
export function softmaxCrossEntropy(
  logits: Tensor,
  labels: Tensor,
  options: WeightOptions & { classWeights?: readonly number[] } = {},
): Tensor {
  const g = logits.graph;
  const op = g.where('softmaxCrossEntropy');
  if (logits.rank !== 2)
    throw new BiasloopError('usage', `${op}: logits ${formatShape(logits.shape)} must be [batch, classes]`);
  if (labels.dtype !== 'int64' || labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new BiasloopError(
      'usage',
      `${op}: labels must be int64 [${logits.shape[0]}], got ${labels.dtype} ${formatShape(labels.shape)}`,
    );
  }
  const k = logits.shape[1];
  if (typeof k !== 'number') throw new BiasloopError('usage', `${op}: the number of classes must be static`);
  const classIds = g.constant(
    Array.from({ length: k }, (_, i) => i),
    [1, k],
    'int64',
  );
  const column = reshapeTo(labels, [labels.shape[0], 1], labels);
  const oneHot = cast(compare('Equal', column, classIds), logits.dtype);
  const perSample = neg(reduceSum(mul(logSoftmax(logits, 1), oneHot), [1]));
  let weights = options.sampleWeights;
  if (weights !== undefined) checkBatchVector(op, weights, logits);
  if (options.classWeights !== undefined) {
    if (options.classWeights.length !== k) {
      throw new BiasloopError(
        'usage',
        `${op}: ${options.classWeights.length} class weights for ${k} classes`,
      );
    }
    const table = g.constant(options.classWeights, [k], logits.dtype);
    const perRow = g.raw1(
      'Gather',
      [table, labels],
      { shape: labels.shape, dtype: logits.dtype },
      { axis: { int: 0 } },
    );
    weights = weights === undefined ? perRow : bin('Mul', perRow, weights);
  }
  return reduceLoss(
    perSample,
    weights,
    options.reduction ?? (options.classWeights ? 'weightedMean' : 'mean'),
  );
}

/**
 * Binary cross-entropy with logits. `logits` and `targets` (values in [0, 1]) share a shape whose
 * first axis is the batch; each sample's loss is summed over the other axes (e.g. pixels).
 */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  targets: Tensor,
  options: WeightOptions = {},
): Tensor {
  const op = logits.graph.where('binaryCrossEntropyWithLogits');
  if (!sameShape(logits.shape, targets.shape)) {
    throw new BiasloopError(
      'usage',
      `${op}: logits ${formatShape(logits.shape)} and targets ${formatShape(targets.shape)} differ`,
    );
  }
  const elementwise = bceWithLogitsElementwise(logits, targets);
  const perSample = logits.rank === 1 ? elementwise : reduceSum(elementwise, rest(logits.rank));
  if (options.sampleWeights !== undefined) checkBatchVector(op, options.sampleWeights, logits);
  return reduceLoss(perSample, options.sampleWeights, options.reduction ?? 'mean');
}

/** Mean squared error: per sample, the sum of squared differences over the non-batch axes. */
export function meanSquaredError(predictions: Tensor, targets: Tensor, options: WeightOptions = {}): Tensor {
  const op = predictions.graph.where('meanSquaredError');
  if (!sameShape(predictions.shape, targets.shape)) {
    throw new BiasloopError(
      'usage',
      `${op}: predictions ${formatShape(predictions.shape)} and targets ${formatShape(targets.shape)} differ`,
    );
  }
  const sq = square(sub(predictions, targets));
  const perSample = predictions.rank === 1 ? sq : reduceSum(sq, rest(predictions.rank));
  if (options.sampleWeights !== undefined) checkBatchVector(op, options.sampleWeights, predictions);
  return reduceLoss(perSample, options.sampleWeights, options.reduction ?? 'mean');
}

/**
 * KL(N(μ, exp(logVar)) ‖ N(0, I)) per sample, summed over the latent axis:
 * −½ Σ (1 + logVar − μ² − exp(logVar)); reduced over the batch like the other losses.
 */
export function gaussianKl(mu: Tensor, logVar: Tensor, options: WeightOptions = {}): Tensor {
  const op = mu.graph.where('gaussianKl');
  if (!sameShape(mu.shape, logVar.shape) || mu.rank !== 2) {
    throw new BiasloopError(
      'usage',
      `${op}: mean ${formatShape(mu.shape)} and log-variance ${formatShape(logVar.shape)} must both be [batch, latent]`,
    );
  }
  const inner = sub(sub(add(logVar, 1), square(mu)), exp(logVar));
  const perSample = mul(reduceSum(inner, [1]), -0.5);
  if (options.sampleWeights !== undefined) checkBatchVector(op, options.sampleWeights, mu);
  return reduceLoss(perSample, options.sampleWeights, options.reduction ?? 'mean');
}

function rest(rank: number): number[] {
  return Array.from({ length: rank - 1 }, (_, i) => i + 1);
}
