/**
 * Shared pieces of the neural models' minibatch training: row weights and row gathering.
 */
import { BiasloopError } from '../../core/errors.ts';

/**
 * Per-row training weights: the sample weights (1 when absent) times an optional per-row factor
 * (e.g. a class weight), validated (finite, ≥ 0, not all zero) and scaled to mean 1 over the n rows,
 * so the loss keeps its scale whatever the weights' units.
 */
export function normalisedRowWeights(
  n: number,
  sampleWeight: ArrayLike<number> | undefined,
  factor?: (row: number) => number,
): Float64Array {
  if (sampleWeight !== undefined && sampleWeight.length !== n) {
    throw new BiasloopError('data', `${sampleWeight.length} sample weights for ${n} rows`, {
      field: 'sampleWeight',
    });
  }
  const w = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = (sampleWeight?.[i] ?? 1) * (factor?.(i) ?? 1);
    if (!(v >= 0 && Number.isFinite(v))) {
      throw new BiasloopError('data', `row ${i}: sample weight ${v} must be finite and ≥ 0`, {
        field: 'sampleWeight',
      });
    }
    w[i] = v;
    sum += v;
  }
  if (!(sum > 0)) throw new BiasloopError('data', 'all sample weights are zero', { field: 'sampleWeight' });
  const scale = n / sum;
  for (let i = 0; i < n; i++) w[i] *= scale;
  return w;
}

/** Rows `rows` of the row-major matrix `x` (width d), packed in that order into a new array. */
export function gatherRows(x: Float32Array, d: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) out.set(x.subarray(rows[r] * d, (rows[r] + 1) * d), r * d);
  return out;
}
