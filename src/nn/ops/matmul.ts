/**
 * Matrix products: batched `matmul` (ONNX MatMul with broadcast batch axes) and `linear`
 * (x·W + b through Gemm, whose transA/transB flags give both gradients without Transpose nodes).
 */
import type { OpDefinition, Tensor } from '../graph.ts';
import { apply1 } from '../graph.ts';
import { broadcastShapes, formatShape, shapeError } from '../shape.ts';
import { gemmRaw, matmulRaw, reduce, sumToShape, swapLast2 } from './emit.ts';

const MatMulOp: OpDefinition<null> = {
  name: 'MatMul',
  infer([a, b]) {
    if (a.rank < 2 || b.rank < 2) {
      throw shapeError(
        'MatMul',
        `operands must have rank ≥ 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
      );
    }
    const k1 = a.shape[a.rank - 1];
    const k2 = b.shape[b.rank - 2];
    if (k1 !== k2) {
      throw shapeError(
        'MatMul',
        `shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not match (inner dimensions ${k1} vs ${k2})`,
      );
    }
    const batch = broadcastShapes('MatMul', a.shape.slice(0, -2), b.shape.slice(0, -2));
    return [{ shape: [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]], dtype: a.dtype }];
  },
  emit(g, [a, b], [y]) {
    g.node('MatMul', [a.name, b.name], [y]);
  },
  backward({ inputs: [a, b], outputGrads: [dy], needsGrad }) {
    if (dy === undefined) return [undefined, undefined];
    // 2-D: Gemm with transposes; batched: MatMul with the last two axes swapped.
    const twoD = a.rank === 2 && b.rank === 2;
    const da = needsGrad[0]
      ? twoD
        ? gemmRaw(dy, b, false, true)
        : sumToShape(matmulRaw(dy, swapLast2(b)), a)
      : undefined;
    const db = needsGrad[1]
      ? twoD
        ? gemmRaw(a, dy, true, false)
        : sumToShape(matmulRaw(swapLast2(a), dy), b)
      : undefined;
    return [da, db];
  },
};

/** Batched matrix product a @ b (rank ≥ 2; batch axes broadcast). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return apply1(MatMulOp, [a, b], null);
}

/** y = x·W + b for 2-D x [n, in], W [in, out], b [out] (optional). */
const LinearOp: OpDefinition<null> = {
  name: 'Linear',
  infer([x, w, b]) {
    if (x.rank !== 2 || w.rank !== 2) {
      throw shapeError(
        'Linear',
        `input ${formatShape(x.shape)} and weight ${formatShape(w.shape)} must be 2-D`,
      );
    }
    if (x.shape[1] !== w.shape[0]) {
      throw shapeError(
        'Linear',
        `input ${formatShape(x.shape)} has ${x.shape[1]} features but weight ${formatShape(w.shape)} expects ${w.shape[0]}`,
      );
    }
    if (b !== undefined && (b.rank !== 1 || b.shape[0] !== w.shape[1])) {
      throw shapeError(
        'Linear',
        `bias ${formatShape(b.shape)} does not match weight ${formatShape(w.shape)} (expected [${w.shape[1]}])`,
      );
    }
    return [{ shape: [x.shape[0], w.shape[1]], dtype: x.dtype }];
  },
  emit(g, inputs, [y]) {
    g.node(
      'Gemm',
      inputs.map((t) => t.name),
      [y],
    );
  },
  backward({ inputs: [x, w, b], outputGrads: [dy], needsGrad }) {
    if (dy === undefined) return [undefined, undefined, undefined];
    return [
      needsGrad[0] ? gemmRaw(dy, w, false, true) : undefined,
      needsGrad[1] ? gemmRaw(x, dy, true, false) : undefined,
      b !== undefined && needsGrad[2] ? reduce('ReduceSum', dy, [0], false) : undefined,
    ];
  },
};

/** Affine map of the last axis of a 2-D input: x [n, in] · W [in, out] + b [out]. */
export function linear(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  return apply1(LinearOp, b === undefined ? [x, w] : [x, w, b], null);
}
