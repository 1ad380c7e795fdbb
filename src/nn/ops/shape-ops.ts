/**
 * Layout ops: Reshape (with -1 and symbolic dimensions), Transpose, Concat, Slice, Split.
 */
import type { OpDefinition, Tensor } from '../graph.ts';
import { apply1, applyOp, tensorProto } from '../graph.ts';
import type { Dim, Shape } from '../shape.ts';
import { formatShape, normaliseAxis, reshapeTarget, shapeError } from '../shape.ts';
import { reshapeLike, shapeTensor, transposeRaw } from './emit.ts';

const ReshapeOp: OpDefinition<{ target: Shape; shape: Dim[] }> = {
  name: 'Reshape',
  // Input 1 (optional) only lends its runtime dimensions to the target shape.
  nonDifferentiable: [1],
  infer: ([x], { shape }) => [{ shape, dtype: x.dtype }],
  emit(g, [x, dimsFrom], [y], { target }) {
    g.node('Reshape', [x.name, shapeTensor(target, dimsFrom ?? x).name], [y]);
  },
  backward({ inputs: [x], outputGrads: [dy], needsGrad }) {
    if (dy === undefined || !needsGrad[0]) return [undefined, undefined];
    return [reshapeLike(dy, x), undefined];
  },
};

/**
 * Reshape to `shape` (at most one -1). Symbolic dimensions must come from the input, or from
 * `dimsFrom` when given: e.g. un-flattening [batch*T, C] back to [batch, T, C] takes `batch` from the
 * tensor that had it (element counts are then checked at run time).
 */
export function reshape(x: Tensor, shape: Shape, dimsFrom?: Tensor): Tensor {
  const where = x.graph.where('Reshape');
  if (dimsFrom === undefined) {
    const resolved = reshapeTarget(where, x.shape, shape);
    return apply1(ReshapeOp, [x], { target: shape, shape: resolved });
  }
  for (const d of shape) {
    if (typeof d === 'string' && !dimsFrom.shape.includes(d)) {
      throw shapeError(where, `target ${formatShape(shape)} uses dimension '${d}' that ${dimsFrom} lacks`);
    }
    if (d === -1)
      throw shapeError(where, `target ${formatShape(shape)} may not use -1 together with dimsFrom`);
  }
  return apply1(ReshapeOp, [x, dimsFrom], { target: shape, shape: [...shape] });
}

const TransposeOp: OpDefinition<{ perm: number[] }> = {
  name: 'Transpose',
  infer([x], { perm }) {
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== x.rank || sorted.some((p, i) => p !== i)) {
      throw shapeError(
        'Transpose',
        `perm [${perm.join(', ')}] is not a permutation of the axes of ${formatShape(x.shape)}`,
      );
    }
    return [{ shape: perm.map((p) => x.shape[p]), dtype: x.dtype }];
  },
  emit(g, [x], [y], { perm }) {
    g.node('Transpose', [x.name], [y], { perm: { ints: perm } });
  },
  backward({ outputGrads: [dy], needsGrad, attrs: { perm } }) {
    if (dy === undefined || !needsGrad[0]) return [undefined];
    const inverse = new Array<number>(perm.length);
    perm.forEach((p, i) => (inverse[p] = i));
    return [transposeRaw(dy, inverse)];
  },
};

/** Permute axes. */
export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  return apply1(TransposeOp, [x], { perm: [...perm] });
}

const ConcatOp: OpDefinition<{ axis: number }> = {
  name: 'Concat',
  infer(inputs, { axis }) {
    const first = inputs[0];
    let total = 0;
    for (const t of inputs) {
      if (t.rank !== first.rank || t.dtype !== first.dtype) {
        throw shapeError(
          'Concat',
          `inputs ${inputs.map((i) => formatShape(i.shape)).join(', ')} differ in rank or type`,
        );
      }
      for (let i = 0; i < t.rank; i++) {
        if (i !== axis && t.shape[i] !== first.shape[i]) {
          throw shapeError(
            'Concat',
            `shapes ${formatShape(first.shape)} and ${formatShape(t.shape)} differ outside axis ${axis}`,
          );
        }
      }
      const d = t.shape[axis];
      if (typeof d !== 'number') {
        throw shapeError('Concat', `axis ${axis} of ${formatShape(t.shape)} must be static`);
      }
      total += d;
    }
    const shape = [...first.shape];
    shape[axis] = total;
    return [{ shape, dtype: first.dtype }];
  },
  emit(g, inputs, [y], { axis }) {
    g.node(
      'Concat',
      inputs.map((t) => t.name),
      [y],
      { axis: { int: axis } },
    );
  },
  backward({ inputs, outputGrads: [dy], needsGrad, attrs: { axis } }) {
    if (dy === undefined) return inputs.map(() => undefined);
    const g = dy.graph;
    let start = 0;
    return inputs.map((t, i) => {
      const width = t.shape[axis] as number;
      const s = start;
      start += width;
      if (!needsGrad[i]) return undefined;
      return g.raw1('Slice', [dy, g.int64s([s]), g.int64s([s + width]), g.int64s([axis])], {
        shape: t.shape,
        dtype: t.dtype,
      });
    });
  },
};

/** Concatenate along `axis` (the concatenated axis must be static). */
export function concat(inputs: readonly Tensor[], axis: number): Tensor {
  if (inputs.length === 0) throw new TypeError('concat needs at least one input');
  const a = normaliseAxis(inputs[0].graph.where('Concat'), axis, inputs[0].rank);
  return applyOp(ConcatOp, inputs, { axis: a })[0];
}

interface SliceAttrs {
  axes: number[];
  starts: number[];
  ends: number[];
}

const SliceOp: OpDefinition<SliceAttrs> = {
  name: 'Slice',
  infer([x], { axes, starts, ends }) {
    const shape: Dim[] = [...x.shape];
    axes.forEach((axis, k) => {
      const d = x.shape[axis];
      if (typeof d !== 'number') {
        throw shapeError('Slice', `axis ${axis} of ${formatShape(x.shape)} must be static to slice`);
      }
      if (!(starts[k] >= 0 && starts[k] < ends[k] && ends[k] <= d)) {
        throw shapeError(
          'Slice',
          `range ${starts[k]}:${ends[k]} is empty or outside axis ${axis} of ${formatShape(x.shape)}`,
        );
      }
      shape[axis] = ends[k] - starts[k];
    });
    return [{ shape, dtype: x.dtype }];
  },
  emit(g, [x], [y], { axes, starts, ends }) {
    g.node('Slice', [x.name, g.int64s(starts).name, g.int64s(ends).name, g.int64s(axes).name], [y]);
  },
  backward({ inputs: [x], outputGrads: [dy], needsGrad, attrs: { axes, starts, ends } }) {
    if (dy === undefined || !needsGrad[0]) return [undefined];
    // Pad the gradient with zeros back to the input's extent.
    const g = dy.graph;
    const before = new Array<number>(x.rank).fill(0);
    const after = new Array<number>(x.rank).fill(0);
    axes.forEach((axis, k) => {
      before[axis] = starts[k];
      after[axis] = (x.shape[axis] as number) - ends[k];
    });
    return [
      g.raw1('Pad', [dy, g.int64s([...before, ...after]), g.scalar(0, dy.dtype)], {
        shape: x.shape,
        dtype: x.dtype,
      }),
    ];
  },
};

/**
 * Take `start:end` (step 1; negative values count from the end) along each of `axes`.
 * Sliced axes must be static.
 */
export function slice(
  x: Tensor,
  axes: readonly number[],
  starts: readonly number[],
  ends: readonly number[],
): Tensor {
  const where = x.graph.where('Slice');
  if (axes.length !== starts.length || axes.length !== ends.length) {
    throw shapeError(where, 'axes, starts and ends must have the same length');
  }
  const ax = axes.map((a) => normaliseAxis(where, a, x.rank));
  const fix = (v: number, k: number): number => {
    const d = x.shape[ax[k]];
    return v < 0 && typeof d === 'number' ? v + d : v;
  };
  return apply1(SliceOp, [x], {
    axes: ax,
    starts: starts.map(fix),
    ends: ends.map(fix),
  });
}

const SplitOp: OpDefinition<{ axis: number; sizes: number[] }> = {
  name: 'Split',
  infer([x], { axis, sizes }) {
    const d = x.shape[axis];
    if (typeof d !== 'number') {
      throw shapeError('Split', `axis ${axis} of ${formatShape(x.shape)} must be static to split`);
    }
    const total = sizes.reduce((a, b) => a + b, 0);
    if (sizes.some((s) => !(Number.isInteger(s) && s > 0)) || total !== d) {
      throw shapeError(
        'Split',
        `sizes [${sizes.join(', ')}] must be positive and add up to axis ${axis} of ${formatShape(x.shape)} (${d})`,
      );
    }
    return sizes.map((s) => {
      const shape: Dim[] = [...x.shape];
      shape[axis] = s;
      return { shape, dtype: x.dtype };
    });
  },
  emit(g, [x], outputs, { axis, sizes }) {
    g.node('Split', [x.name, g.int64s(sizes).name], outputs, { axis: { int: axis } });
  },
  backward({ inputs: [x], outputs, outputGrads, needsGrad, attrs: { axis } }) {
    if (!needsGrad[0] || outputGrads.every((d) => d === undefined)) return [undefined];
    const g = x.graph;
    // Parts that received no gradient contribute zeros of their runtime shape.
    const parts = outputs.map(
      (o, i) =>
        outputGrads[i] ??
        g.raw1(
          'ConstantOfShape',
          [g.shapeOf(o)],
          { shape: o.shape, dtype: o.dtype },
          { value: { tensor: tensorProto('zero', [0], [1], o.dtype) } },
        ),
    );
    return [g.raw1('Concat', parts, { shape: x.shape, dtype: x.dtype }, { axis: { int: axis } })];
  },
};

/**
 * Split `x` along `axis` (static) into parts of the given sizes; the gradient is the concatenation
 * of the parts' gradients (zeros for parts that do not reach the loss).
 */
export function split(x: Tensor, axis: number, sizes: readonly number[]): Tensor[] {
  const a = normaliseAxis(x.graph.where('Split'), axis, x.rank);
  return applyOp(SplitOp, [x], { axis: a, sizes: [...sizes] });
}
