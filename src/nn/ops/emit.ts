/**
 * Non-differentiable ONNX emission helpers used inside backward rules (and by ops for internal
 * plumbing). They never record tape entries, so op files can share them without import cycles.
 */
import type { Tensor, DType } from '../graph.ts';
import { tensorProto } from '../graph.ts';
import type { Shape, Dim } from '../shape.ts';
import { broadcastAxes, broadcastShapes, isStatic, reshapeTarget, sameShape } from '../shape.ts';

export type Operand = Tensor | number;

/** A tensor for `v`: itself, or a scalar constant of `like`'s graph float type. */
export function asTensor(like: Tensor, v: Operand): Tensor {
  return typeof v === 'number' ? like.graph.scalar(v, like.dtype) : v;
}

/** Elementwise binary ONNX op with broadcasting. */
export function bin(op: 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow', a: Tensor, b: Operand): Tensor {
  const bt = asTensor(a, b);
  const shape = broadcastShapes(op, a.shape, bt.shape);
  return a.graph.raw1(op, [a, bt], { shape, dtype: a.dtype });
}

/** `b - a` where `b` may be a number. */
export function rsub(b: number, a: Tensor): Tensor {
  const bt = asTensor(a, b);
  return a.graph.raw1('Sub', [bt, a], { shape: a.shape, dtype: a.dtype });
}

/** Elementwise unary ONNX op (same shape and type). */
export function un(op: string, a: Tensor): Tensor {
  return a.graph.raw1(op, [a], { shape: a.shape, dtype: a.dtype });
}

/** Comparison producing a bool tensor. */
export function compare(op: 'Greater' | 'Less' | 'Equal', a: Tensor, b: Operand): Tensor {
  const bt = asTensor(a, b);
  const shape = broadcastShapes(op, a.shape, bt.shape);
  return a.graph.raw1(op, [a, bt], { shape, dtype: 'bool' });
}

/** `cond ? a : b` elementwise. */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const like = typeof a === 'number' ? (b as Tensor) : a;
  const at = asTensor(like, a);
  const bt = asTensor(like, b);
  const shape = broadcastShapes('Where', broadcastShapes('Where', cond.shape, at.shape), bt.shape);
  return cond.graph.raw1('Where', [cond, at, bt], { shape, dtype: like.dtype });
}

export function cast(a: Tensor, to: DType): Tensor {
  const code = { float32: 1, float64: 11, int64: 7, bool: 9 }[to];
  return a.graph.raw1('Cast', [a], { shape: a.shape, dtype: to }, { to: { int: code } });
}

/** Output shape of a reduction over `axes` (non-negative). */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): Dim[] {
  const out: Dim[] = [];
  shape.forEach((d, i) => {
    if (axes.includes(i)) {
      if (keepdims) out.push(1);
    } else out.push(d);
  });
  return out;
}

/** ReduceSum / ReduceMean / ReduceMax over `axes` (opset 13+/18 forms: axes as an input for Sum). */
export function reduce(
  op: 'ReduceSum' | 'ReduceMean' | 'ReduceMax',
  x: Tensor,
  axes: readonly number[],
  keepdims: boolean,
): Tensor {
  const g = x.graph;
  const shape = reducedShape(x.shape, axes, keepdims);
  if (op === 'ReduceSum') {
    return g.raw1(
      'ReduceSum',
      [x, g.int64s(axes)],
      { shape, dtype: x.dtype },
      {
        keepdims: { int: keepdims ? 1 : 0 },
      },
    );
  }
  // Opset 17: ReduceMean / ReduceMax take axes as an attribute.
  return g.raw1(
    op,
    [x],
    { shape, dtype: x.dtype },
    {
      axes: { ints: axes },
      keepdims: { int: keepdims ? 1 : 0 },
    },
  );
}

/** Reshape `x` to the (runtime) shape of `like`. */
export function reshapeLike(x: Tensor, like: Tensor): Tensor {
  if (sameShape(x.shape, like.shape)) return x;
  return reshapeTo(x, like.shape, like);
}

/**
 * Reshape `x` to `shape`. Symbolic dimensions are taken from `source` (a tensor carrying them at
 * runtime, by default `x`), which must have each of them.
 */
export function reshapeTo(x: Tensor, shape: Shape, source: Tensor = x): Tensor {
  const g = x.graph;
  const resolved = shape.includes(-1) ? reshapeTarget('Reshape', x.shape, shape) : shape;
  return g.raw1('Reshape', [x, shapeTensor(shape, source)], { shape: resolved, dtype: x.dtype });
}

/** A tensor of zeros with static shape `shape`. */
export function zeros(like: Tensor, shape: readonly number[], dtype: DType = like.dtype): Tensor {
  const g = like.graph;
  return g.raw1(
    'ConstantOfShape',
    [g.int64s(shape)],
    { shape, dtype },
    {
      value: { tensor: tensorProto('zero', [0], [1], dtype) },
    },
  );
}

/**
 * An int64 tensor holding `shape` at runtime: a constant when static; otherwise symbolic dimensions
 * are gathered from `source`'s runtime shape (and -1 entries are kept for Reshape to infer).
 */
export function shapeTensor(shape: Shape, source: Tensor): Tensor {
  const g = source.graph;
  if (isStatic(shape)) return g.int64s(shape);
  const srcShape = g.shapeOf(source);
  const parts: Tensor[] = [];
  let pending: number[] = [];
  const flush = (): void => {
    if (pending.length > 0) parts.push(g.int64s(pending));
    pending = [];
  };
  for (const d of shape) {
    if (typeof d === 'number') {
      pending.push(d);
      continue;
    }
    const at = source.shape.indexOf(d);
    if (at < 0) {
      throw new Error(`internal: symbolic dimension '${d}' not found in ${source.name}`);
    }
    flush();
    parts.push(
      g.raw1('Gather', [srcShape, g.int64s([at])], { shape: [1], dtype: 'int64' }, { axis: { int: 0 } }),
    );
  }
  flush();
  if (parts.length === 1) return parts[0];
  return g.raw1('Concat', parts, { shape: [shape.length], dtype: 'int64' }, { axis: { int: 0 } });
}

/** Sum `grad` over the axes along which a tensor shaped like `like` was broadcast to `grad`'s shape. */
export function sumToShape(grad: Tensor, like: Tensor): Tensor {
  if (sameShape(grad.shape, like.shape)) return grad;
  const axes = broadcastAxes(like.shape, grad.shape);
  const summed = axes.length > 0 ? reduce('ReduceSum', grad, axes, true) : grad;
  return reshapeLike(summed, like);
}

/** Broadcast `x` to the runtime shape of `like`. */
export function expandLike(x: Tensor, like: Tensor): Tensor {
  const g = x.graph;
  return g.raw1('Expand', [x, g.shapeOf(like)], { shape: like.shape, dtype: x.dtype });
}

export function transposeRaw(x: Tensor, perm: readonly number[]): Tensor {
  const shape = perm.map((p) => x.shape[p]);
  return x.graph.raw1('Transpose', [x], { shape, dtype: x.dtype }, { perm: { ints: perm } });
}

/** Swap the last two axes. */
export function swapLast2(x: Tensor): Tensor {
  const r = x.rank;
  const perm = Array.from({ length: r }, (_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return transposeRaw(x, perm);
}

/** Matrix product (batched, broadcasting batch axes) without a tape entry. */
export function matmulRaw(a: Tensor, b: Tensor): Tensor {
  const batch = broadcastShapes('MatMul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]];
  return a.graph.raw1('MatMul', [a, b], { shape, dtype: a.dtype });
}

/** 2-D `Gemm(a, b)` with optional transposes, no bias. */
export function gemmRaw(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const m = transA ? a.shape[1] : a.shape[0];
  const n = transB ? b.shape[0] : b.shape[1];
  return a.graph.raw1(
    'Gemm',
    [a, b],
    { shape: [m, n], dtype: a.dtype },
    {
      transA: { int: transA ? 1 : 0 },
      transB: { int: transB ? 1 : 0 },
    },
  );
}

/** Accumulate two gradients. */
export function addGrads(a: Tensor, b: Tensor): Tensor {
  return bin('Add', a, b);
}
