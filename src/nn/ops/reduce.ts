/**
 * ReduceSum and ReduceMean over axes. Backward broadcasts the output gradient back to the input's
 * (runtime) shape; for a mean it is divided by the number of reduced elements, read at run time when
 * a reduced axis is symbolic (e.g. the batch).
 */
import type { OpDefinition, Tensor } from '../graph.ts';
import { apply1 } from '../graph.ts';
import { elementCount, normaliseAxis } from '../shape.ts';
import { bin, cast, expandLike, reducedShape, reshapeTo } from './emit.ts';

interface ReduceAttrs {
  axes: number[];
  keepdims: boolean;
  mean: boolean;
}

function reduceOp(mean: boolean): OpDefinition<ReduceAttrs> {
  return {
    name: mean ? 'ReduceMean' : 'ReduceSum',
    infer: ([x], { axes, keepdims }) => [{ shape: reducedShape(x.shape, axes, keepdims), dtype: x.dtype }],
    emit(g, [x], [y], { axes, keepdims }) {
      if (mean) {
        g.node('ReduceMean', [x.name], [y], { axes: { ints: axes }, keepdims: { int: keepdims ? 1 : 0 } });
      } else {
        g.node('ReduceSum', [x.name, g.int64s(axes).name], [y], { keepdims: { int: keepdims ? 1 : 0 } });
      }
    },
    backward({ inputs: [x], outputs: [y], outputGrads: [dy], needsGrad, attrs: { axes, keepdims } }) {
      if (dy === undefined || !needsGrad[0]) return [undefined];
      const g = dy.graph;
      const kept = keepdims ? dy : reshapeTo(dy, reducedShape(x.shape, axes, true), x);
      let dx = expandLike(kept, x);
      if (mean) {
        let count: number | Tensor = 1;
        const dims = axes.map((a) => x.shape[a]);
        if (dims.every((d) => typeof d === 'number')) {
          count = elementCount(dims as number[]);
        } else {
          const sizeX = cast(g.raw1('Size', [x], { shape: [], dtype: 'int64' }), x.dtype);
          const sizeY = cast(g.raw1('Size', [y], { shape: [], dtype: 'int64' }), x.dtype);
          count = bin('Div', sizeX, sizeY);
        }
        dx = bin('Div', dx, count);
      }
      return [dx];
    },
  };
}

const ReduceSumOp = reduceOp(false);
const ReduceMeanOp = reduceOp(true);

function axesOf(x: Tensor, op: string, axes?: readonly number[]): number[] {
  const all = axes ?? Array.from({ length: x.rank }, (_, i) => i);
  return [...new Set(all.map((a) => normaliseAxis(x.graph.where(op), a, x.rank)))].sort((a, b) => a - b);
}

/** Sum over `axes` (default: all, giving a scalar). */
export function reduceSum(x: Tensor, axes?: readonly number[], keepdims = false): Tensor {
  return apply1(ReduceSumOp, [x], { axes: axesOf(x, 'ReduceSum', axes), keepdims, mean: false });
}

/** Mean over `axes` (default: all, giving a scalar). */
export function reduceMean(x: Tensor, axes?: readonly number[], keepdims = false): Tensor {
  return apply1(ReduceMeanOp, [x], { axes: axesOf(x, 'ReduceMean', axes), keepdims, mean: true });
}
