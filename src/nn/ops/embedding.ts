/**
 * Embedding lookup: rows of a table [V, D] gathered by int64 ids of any shape → [...ids, D].
 * Backward: the table gradient is `ScatterND(zeros, ids, dY, reduction='add')`, so repeated ids add.
 */
import type { OpDefinition, Tensor } from '../graph.ts';
import { apply1 } from '../graph.ts';
import { formatShape, shapeError } from '../shape.ts';
import { reshapeTo, zeros } from './emit.ts';

const EmbeddingOp: OpDefinition<null> = {
  name: 'Embedding',
  nonDifferentiable: [1],
  infer([table, ids]) {
    if (table.rank !== 2)
      throw shapeError('Embedding', `table ${formatShape(table.shape)} must be [vocabulary, width]`);
    if (ids.dtype !== 'int64') throw shapeError('Embedding', `ids must be int64, got ${ids.dtype}`);
    return [{ shape: [...ids.shape, table.shape[1]], dtype: table.dtype }];
  },
  emit(g, [table, ids], [y]) {
    g.node('Gather', [table.name, ids.name], [y], { axis: { int: 0 } });
  },
  backward({ inputs: [table, ids], outputGrads: [dy], needsGrad }) {
    if (dy === undefined || !needsGrad[0]) return [undefined, undefined];
    const g = dy.graph;
    const width = table.shape[1];
    const flatIds = reshapeTo(ids, [-1, 1]);
    const flatDy = reshapeTo(dy, [-1, width]);
    const empty = zeros(table, table.shape as number[]);
    return [
      g.raw1(
        'ScatterND',
        [empty, flatIds, flatDy],
        { shape: table.shape, dtype: table.dtype },
        {
          reduction: { string: 'add' },
        },
      ),
      undefined,
    ];
  },
};

/** Look up rows of `table` [V, D] for int64 `ids` (any shape) → [...ids.shape, D]. */
export function embedding(table: Tensor, ids: Tensor): Tensor {
  return apply1(EmbeddingOp, [table, ids], null);
}
