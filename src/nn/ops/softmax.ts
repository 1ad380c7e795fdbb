/**
 * Softmax and LogSoftmax along one axis, with composed backward rules:
 * softmax: dx = y ⊙ (dy − Σ(dy ⊙ y)); log-softmax: dx = dy − exp(y) ⊙ Σ dy (sums along the axis).
 */
import type { OpDefinition, Tensor } from '../graph.ts';
import { apply1 } from '../graph.ts';
import { normaliseAxis } from '../shape.ts';
import { bin, reduce, un } from './emit.ts';

const SoftmaxOp: OpDefinition<{ axis: number }> = {
  name: 'Softmax',
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  emit(g, [x], [y], { axis }) {
    g.node('Softmax', [x.name], [y], { axis: { int: axis } });
  },
  backward({ outputs: [y], outputGrads: [dy], needsGrad, attrs: { axis } }) {
    if (dy === undefined || !needsGrad[0]) return [undefined];
    const dot = reduce('ReduceSum', bin('Mul', dy, y), [axis], true);
    return [bin('Mul', y, bin('Sub', dy, dot))];
  },
};

const LogSoftmaxOp: OpDefinition<{ axis: number }> = {
  name: 'LogSoftmax',
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  emit(g, [x], [y], { axis }) {
    g.node('LogSoftmax', [x.name], [y], { axis: { int: axis } });
  },
  backward({ outputs: [y], outputGrads: [dy], needsGrad, attrs: { axis } }) {
    if (dy === undefined || !needsGrad[0]) return [undefined];
    const total = reduce('ReduceSum', dy, [axis], true);
    return [bin('Sub', dy, bin('Mul', un('Exp', y), total))];
  },
};

/** Softmax along `axis` (default: the last). */
export function softmax(x: Tensor, axis = -1): Tensor {
  return apply1(SoftmaxOp, [x], { axis: normaliseAxis(x.graph.where('Softmax'), axis, x.rank) });
}

/** Log-softmax along `axis` (default: the last). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return apply1(LogSoftmaxOp, [x], { axis: normaliseAxis(x.graph.where('LogSoftmax'), axis, x.rank) });
}
