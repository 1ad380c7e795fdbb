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
 * value is undefined (NaN); numpy's linear interpolation, the same formula as the registry's
 * `quantilesInPlace`. The two quantiles need only the few smallest and largest values of a column
 * (26 of 1,000 for a 95% interval), so one pass in memory order keeps, per column, a small sorted
 * buffer of the smallest and one of the largest values: no transposition, no sort, no selection.
 */
export function percentileIntervals(
  samples: Float64Array,
  resamples: number,
  columns: number,
  level: number,
): { low: Float64Array; high: Float64Array } {
  const B = resamples;
  const W = columns;
  const qLow = (1 - level) / 2;
  const qHigh = (1 + level) / 2;
  // Order statistics k = ⌊(m−1)q⌋ and k+1 for m ≤ B defined values (see quantileFromBuffers).
  const KL = Math.min(B, Math.floor((B - 1) * qLow) + 2);
  const KH = Math.min(B, B - 1 - Math.floor((B - 1) * qHigh) + 2);
  const small = new Float64Array(W * KL); // ascending
  const large = new Float64Array(W * KH); // descending
  const nSmall = new Int32Array(W);
  const nLarge = new Int32Array(W);
  const defined = new Int32Array(W);
  for (let b = 0; b < B; b++) {
    const row = b * W;
    for (let s = 0; s < W; s++) {
      const v = samples[row + s];
      if (v !== v) continue; // NaN: undefined in this resample
      defined[s]++;
      // Smallest values, ascending.
      let n = nSmall[s];
      let base = s * KL;
      if (n < KL || v < small[base + n - 1]) {
        let i = n < KL ? n : n - 1;
        while (i > 0 && small[base + i - 1] > v) {
          small[base + i] = small[base + i - 1];
          i--;
        }
        small[base + i] = v;
        if (n < KL) nSmall[s] = n + 1;
      }
      // Largest values, descending.
      n = nLarge[s];
      base = s * KH;
      if (n < KH || v > large[base + n - 1]) {
        let i = n < KH ? n : n - 1;
        while (i > 0 && large[base + i - 1] < v) {
          large[base + i] = large[base + i - 1];
          i--;
        }
        large[base + i] = v;
        if (n < KH) nLarge[s] = n + 1;
      }
    }
  }
  const low = new Float64Array(W);
  const high = new Float64Array(W);
  for (let s = 0; s < W; s++) {
    const m = defined[s];
    low[s] = quantileFromBuffers(small, s * KL, large, s * KH, m, qLow);
    high[s] = quantileFromBuffers(small, s * KL, large, s * KH, m, qHigh);
  }
  return { low, high };
}

/**
 * Quantile q of m values given their smallest values ascending (`small`) and largest descending
 * (`large`): order statistics k = ⌊(m−1)q⌋ and k+1, interpolated as numpy (and quantilesInPlace) do.
 */
function quantileFromBuffers(
  small: Float64Array,
  smallAt: number,
  large: Float64Array,
  largeAt: number,
  m: number,
  q: number,
): number {
  if (m === 0) return NaN;
  const h = (m - 1) * q;
  const k = Math.floor(h);
  // The j-th smallest (0-based) is small[j] for the low tail, large[m − 1 − j] for the high tail.
  const nth = (j: number): number => (q < 0.5 ? small[smallAt + j] : large[largeAt + (m - 1 - j)]);
  const a = nth(k);
  const b = k + 1 < m && h > k ? nth(k + 1) : a;
  return a === b ? a : a + (h - k) * (b - a);
}
