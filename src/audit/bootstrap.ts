/**
 * The audit's bootstrap: B resamples of the audited rows, each evaluated with the registry's
 * `PlanEvaluator`, kept as a B × S matrix so that quantities defined relative to other values (a
 * group's share, its ratio and difference to the reference group) are computed per resample from
 * the same resampled values, then percentile intervals.
 *
 * Two exact ways to redraw n rows with replacement (the registry's, see src/metrics/bootstrap.ts):
 * - `cells` (no score metrics): a row bootstrap changes the confusion counts only through how many
 *   rows of each (combo, label, prediction) cell it draws, and those counts are jointly
 *   Multinomial(n, cell counts / n). Redrawing them directly has exactly the distribution of the row
 *   bootstrap at O(cells) per resample instead of O(n): 1,000 resamples of 1,000,000 rows take
 *   milliseconds. It is the ordinary (unstratified) bootstrap, so group sizes and shares vary too.
 * - `rows` (score metrics, whose sums differ between rows of a cell): n row indices per resample.
 * Every draw comes from the seeded `Rng`; the same seed gives the same intervals.
 */
import type { Rng } from '../core/rng.ts';
import type { BootstrapRows } from '../metrics/bootstrap.ts';
import type { GroupConfusion } from '../metrics/confusion.ts';
import { PlanEvaluator, type MetricPlan } from '../metrics/plan.ts';
import { drawMultinomial } from '../metrics/sampling.ts';
import { quantilesInPlace } from '../metrics/stats/descriptive.ts';

/** The plan's values for each resample, row-major B × slots. */
export function resamplePlan(
  plan: MetricPlan,
  conf: GroupConfusion,
  resamples: number,
  rng: Rng,
  rows?: BootstrapRows,
): Float64Array {
  const S = plan.slots.length;
  const out = new Float64Array(resamples * S);
  const draw = rows === undefined ? cellResampler(conf, rng) : rowResampler(conf, rows, rng);
  const evaluator = new PlanEvaluator(plan, conf.groupCount);
  for (let b = 0; b < resamples; b++) evaluator.evaluate(draw(), out.subarray(b * S, (b + 1) * S));
  return out;
}

function cellResampler(conf: GroupConfusion, rng: Rng): () => GroupConfusion {
  const G = conf.groupCount;
  const CC = conf.classCount * conf.classCount;
  let n = 0;
  for (let g = 0; g < G; g++) n += conf.rows[g];
  const cells = new Float64Array(conf.cells.length);
  const rowsOut = new Float64Array(G);
  const resampled: GroupConfusion = { ...conf, cells, rows: rowsOut };
  return () => {
    drawMultinomial(rng, n, conf.cells, cells);
    for (let g = 0; g < G; g++) {
      let s = 0;
      for (let j = 0; j < CC; j++) s += cells[g * CC + j];
      rowsOut[g] = s;
    }
    return resampled;
  };
}

function rowResampler(conf: GroupConfusion, data: BootstrapRows, rng: Rng): () => GroupConfusion {
  const G = conf.groupCount;
  const C = conf.classCount;
  const n = data.yTrue.length;
  const cellIndex = new Int32Array(n);
  for (let i = 0; i < n; i++) cellIndex[i] = (data.groupCodes[i] * C + data.yTrue[i]) * C + data.yPred[i];
  const cells = new Float64Array(conf.cells.length);
  const rowsOut = new Float64Array(G);
  const proba = data.proba;
  const scores =
    proba === undefined
      ? undefined
      : {
          probaSum: new Float64Array(G * C),
          brierSum: new Float64Array(G * C),
          logLossSum: new Float64Array(G),
        };
  const resampled: GroupConfusion = { ...conf, cells, rows: rowsOut, scores };
  return () => {
    cells.fill(0);
    rowsOut.fill(0);
    if (scores !== undefined) {
      scores.probaSum.fill(0);
      scores.brierSum.fill(0);
      scores.logLossSum.fill(0);
    }
    for (let k = 0; k < n; k++) {
      const i = rng.int(n);
      cells[cellIndex[i]]++;
      const g = data.groupCodes[i];
      rowsOut[g]++;
      if (scores !== undefined && proba !== undefined) {
        const t = data.yTrue[i];
        for (let c = 0; c < C; c++) {
          const p = proba[i * C + c];
          const d = p - (c === t ? 1 : 0);
          scores.probaSum[g * C + c] += p;
          scores.brierSum[g * C + c] += d * d;
        }
        scores.logLossSum[g] -= Math.log(Math.max(proba[i * C + t], 1e-15));
      }
    }
    return resampled;
  };
}

/**
 * Percentile interval of each column of a B × S matrix (row-major), leaving out resamples where the
 * value is undefined (NaN). Columns are copied out in cache-sized tiles (a strided walk down a
 * 1,000 × 700 matrix is several times slower), and the two quantiles are found by the registry's
 * selection (O(B) per column) instead of sorting.
 */
export function percentileIntervals(
  samples: Float64Array,
  resamples: number,
  columns: number,
  level: number,
): { low: Float64Array; high: Float64Array } {
  const B = resamples;
  const low = new Float64Array(columns);
  const high = new Float64Array(columns);
  const TILE = 32;
  const block = new Float64Array(TILE * B);
  for (let s0 = 0; s0 < columns; s0 += TILE) {
    const width = Math.min(TILE, columns - s0);
    for (let b = 0; b < B; b++) {
      const row = b * columns + s0;
      for (let j = 0; j < width; j++) block[j * B + b] = samples[row + j];
    }
    for (let j = 0; j < width; j++) {
      const column = block.subarray(j * B, (j + 1) * B);
      let m = 0;
      for (let b = 0; b < B; b++) {
        const v = column[b];
        if (!Number.isNaN(v)) column[m++] = v;
      }
      const [lo, hi] = quantilesInPlace(column.subarray(0, m), [(1 - level) / 2, (1 + level) / 2]);
      low[s0 + j] = lo;
      high[s0 + j] = hi;
    }
  }
  return { low, high };
}
