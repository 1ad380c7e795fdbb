/**
 * What the class×group-conditional generators share: deciding how many rows each (class, group) cell
 * gets, snapping one-hot feature blocks back to valid indicators, and assembling the synthetic Dataset.
 */
import { createDataset, syntheticProvenance, type Dataset, type DatasetSchema } from '../core/dataset.ts';
import { BiasloopError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { SampleRequest } from './types.ts';

/** Largest-remainder rounding of `n · p_c` (p normalised): exact total n, deterministic ties (lowest index). */
export function largestRemainder(n: number, weights: ArrayLike<number>): Int32Array {
  const k = weights.length;
  let total = 0;
  for (let i = 0; i < k; i++) total += weights[i];
  const out = new Int32Array(k);
  if (!(total > 0) || n === 0) return out;
  const rema: { i: number; r: number }[] = [];
  let assigned = 0;
  for (let i = 0; i < k; i++) {
    const exact = (n * weights[i]) / total;
    const base = Math.floor(exact);
    out[i] = base;
    assigned += base;
    rema.push({ i, r: exact - base });
  }
  rema.sort((a, b) => b.r - a.r || a.i - b.i);
  for (let j = 0; j < n - assigned; j++) out[rema[j].i]++;
  return out;
}

/**
 * Rows per cell for a request, given the fitted cell weights (row counts or weight sums per cell,
 * laid out `[class * G + group]`). Cells with zero weight never receive rows: a vanished group stays
 * vanished, which is exactly what the loop must be able to show.
 */
export function allocateCells(request: SampleRequest, cellWeights: Float64Array, rng: Rng): Int32Array {
  const k = cellWeights.length;
  if (!Number.isInteger(request.n) || request.n < 0) {
    throw new BiasloopError('spec', `sample size must be a non-negative integer, got ${request.n}`);
  }
  if (request.conditioning === 'counts') {
    const counts = request.cellCounts;
    if (!counts || counts.length !== k) {
      throw new BiasloopError('spec', `'counts' conditioning needs ${k} cell counts`);
    }
    const out = new Int32Array(k);
    for (let c = 0; c < k; c++) {
      if (counts[c] > 0 && !(cellWeights[c] > 0)) {
        throw new BiasloopError(
          'data',
          `cannot sample ${counts[c]} rows from cell ${c}: the generator saw no rows there`,
        );
      }
      out[c] = counts[c];
    }
    return out;
  }
  if (request.conditioning === 'stratified') return largestRemainder(request.n, cellWeights);
  // joint: multinomial over tempered cell probabilities.
  const t = request.cellTemperature;
  if (!(t > 0)) throw new BiasloopError('spec', `sampling.cellTemperature must be > 0, got ${t}`);
  const probs = new Float64Array(k);
  let max = 0;
  for (let c = 0; c < k; c++) max = Math.max(max, cellWeights[c]);
  for (let c = 0; c < k; c++) probs[c] = cellWeights[c] > 0 ? Math.pow(cellWeights[c] / max, 1 / t) : 0;
  return rng.multinomial(request.n, probs);
}

/** Replace each one-hot block of each row by the indicator of its largest entry. */
export function snapOneHotBlocks(schema: DatasetSchema, x: Float64Array, n: number): void {
  const d = schema.featureNames.length;
  for (const block of schema.featureBlocks) {
    if (block.kind !== 'onehot' || block.width < 1) continue;
    for (let i = 0; i < n; i++) {
      const off = i * d + block.start;
      let best = 0;
      for (let j = 1; j < block.width; j++) if (x[off + j] > x[off + best]) best = j;
      for (let j = 0; j < block.width; j++) x[off + j] = j === best ? 1 : 0;
    }
  }
}

/**
 * Assemble synthetic rows: `fillCell(cell, count, out, offset)` writes `count` rows of cell `cell` into
 * `out` starting at row `offset`. Rows are grouped by cell in cell order.
 */
export function assembleSynthetic(
  schema: DatasetSchema,
  counts: Int32Array,
  generation: number,
  generatorName: string,
  fillCell: (cell: number, count: number, out: Float64Array, rowOffset: number) => void,
  reuse?: Float64Array,
): Dataset {
  const G = schema.groupNames.length;
  const d = schema.featureNames.length;
  let n = 0;
  for (let c = 0; c < counts.length; c++) n += counts[c];
  // Every element is written by fillCell, so recycled storage needs no clearing.
  const x = reuse !== undefined && reuse.length >= n * d ? reuse.subarray(0, n * d) : new Float64Array(n * d);
  const y = new Int32Array(n);
  const group = new Int32Array(n);
  let row = 0;
  for (let c = 0; c < counts.length; c++) {
    const m = counts[c];
    if (m === 0) continue;
    fillCell(c, m, x, row);
    y.fill(Math.floor(c / G), row, row + m);
    group.fill(c % G, row, row + m);
    row += m;
  }
  snapOneHotBlocks(schema, x, n);
  return createDataset({
    schema,
    x,
    y,
    group,
    provenance: syntheticProvenance(n, generation, generatorName),
  });
}
