/**
 * Percentile bootstrap confidence intervals for every value of a metric plan.
 *
 * Two exact ways to redraw n rows with replacement:
 * - `cells` (default when rows carry no sample weights and no probabilities): every row in a
 *   (group, true class, predicted class) cell contributes the same to every confusion-based metric,
 *   so a row bootstrap is exactly a Multinomial(n, cell counts / n) redraw of the cell counts. That
 *   costs O(cells) per resample instead of O(n): 1,000 resamples of 100,000 rows take milliseconds.
 * - `rows`: draw n row indices per resample (seeded) and accumulate their counts (and weights and
 *   score sums) in one tight loop; needed when rows within a cell differ (weights, probabilities).
 * Each resample's values come from `evaluatePlan`, like the point estimate. The interval for a value
 * is the [(1 − level)/2, (1 + level)/2] percentile (linear interpolation, numpy's default) of its
 * resampled values; resamples where the value is undefined (e.g. a group drew no positives) are left
 * out, and `definedShare` says how many were used.
 */
import type { Rng } from '../core/rng.ts';
import type { GroupConfusion } from './confusion.ts';
import { PlanEvaluator, type MetricPlan } from './plan.ts';
import { drawMultinomial } from './sampling.ts';
import { quantilesInPlace } from './stats/descriptive.ts';

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  readonly resamples?: number;
  /** Confidence level (default 0.95). */
  readonly level?: number;
  /** The stream every redraw comes from. */
  readonly rng: Rng;
  /** `auto` (default) picks `cells` when exact, else `rows`. */
  readonly method?: 'auto' | 'cells' | 'rows';
}

/** The per-row data the `rows` method redraws from. */
export interface BootstrapRows {
  /** Combined group code per row. */
  readonly groupCodes: ArrayLike<number>;
  readonly yTrue: ArrayLike<number>;
  readonly yPred: ArrayLike<number>;
  readonly sampleWeight?: ArrayLike<number>;
  readonly proba?: ArrayLike<number>;
}

export interface BootstrapResult {
  readonly low: Float64Array;
  readonly high: Float64Array;
  /** Share of resamples in which each value was defined. */
  readonly definedShare: Float64Array;
  readonly resamples: number;
  readonly method: 'cells' | 'rows';
}

export function bootstrapPlan(
  plan: MetricPlan,
  conf: GroupConfusion,
  rows: BootstrapRows | undefined,
  opts: BootstrapOptions,
): BootstrapResult {
  const B = opts.resamples ?? 1000;
  const level = opts.level ?? 0.95;
  if (!(Number.isInteger(B) && B >= 2))
    throw new RangeError(`bootstrap resamples must be an integer ≥ 2, got ${B}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrap level must lie in (0, 1), got ${level}`);
  const exactCells = !conf.weighted && conf.scores === undefined;
  let method: 'cells' | 'rows' =
    opts.method === 'rows' || (opts.method !== 'cells' && !exactCells) ? 'rows' : 'cells';
  if (opts.method === 'cells' && !exactCells) {
    throw new RangeError(
      'the cells bootstrap is exact only without sample weights and probabilities: use rows',
    );
  }
  if (method === 'rows' && rows === undefined) {
    if (!exactCells) throw new RangeError('the rows bootstrap needs the row data');
    method = 'cells';
  }
  const S = plan.slots.length;
  const samples = new Float64Array(B * S);
  const draw =
    method === 'cells' ? cellResampler(conf, opts.rng) : rowResampler(conf, rows as BootstrapRows, opts.rng);
  const evaluator = new PlanEvaluator(plan, conf.groupCount);
  for (let b = 0; b < B; b++) evaluator.evaluate(draw(), samples.subarray(b * S, (b + 1) * S));
  const low = new Float64Array(S);
  const high = new Float64Array(S);
  const definedShare = new Float64Array(S);
  const column = new Float64Array(B);
  const qLow = (1 - level) / 2;
  const qHigh = (1 + level) / 2;
  for (let s = 0; s < S; s++) {
    let m = 0;
    for (let b = 0; b < B; b++) {
      const v = samples[b * S + s];
      if (!Number.isNaN(v)) column[m++] = v;
    }
    definedShare[s] = m / B;
    [low[s], high[s]] = quantilesInPlace(column.subarray(0, m), [qLow, qHigh]);
  }
  return { low, high, definedShare, resamples: B, method };
}

function cellResampler(conf: GroupConfusion, rng: Rng): () => GroupConfusion {
  const G = conf.groupCount;
  const CC = conf.classCount * conf.classCount;
  let n = 0;
  for (let g = 0; g < G; g++) n += conf.rows[g];
  const cells = new Float64Array(conf.cells.length);
  const rows = new Float64Array(G);
  const resampled: GroupConfusion = { ...conf, cells, rows };
  return () => {
    drawMultinomial(rng, n, conf.cells, cells);
    for (let g = 0; g < G; g++) {
      let s = 0;
      for (let j = 0; j < CC; j++) s += cells[g * CC + j];
      rows[g] = s;
    }
    return resampled;
  };
}

const TWO_32 = 4294967296;
const INV_2_32 = 1 / TWO_32;

/**
 * Fill `out` with uniform draws from [0, n): Lemire's nearly-divisionless method, exact by rejection.
 * `bulk` (same length as `out`) holds the raw uint32 draws; callers keep it between resamples, since a
 * fresh 400 KB array per resample costs more in page faults than the draws themselves.
 */
function drawIndices(rng: Rng, n: number, out: Int32Array, bulk: Uint32Array): void {
  if (n > 1 << 21) {
    // u·n would no longer be exact in a double.
    for (let k = 0; k < out.length; k++) out[k] = rng.int(n);
    return;
  }
  const threshold = (TWO_32 - n) % n;
  // Bulk draws (state in locals); the rare rejected draw is replaced by single draws.
  rng.fillUint32(bulk);
  for (let k = 0; k < out.length; k++) {
    let m = bulk[k] * n;
    let hi = Math.floor(m * INV_2_32);
    while (m - hi * TWO_32 < threshold) {
      m = rng.nextUint32() * n;
      hi = Math.floor(m * INV_2_32);
    }
    out[k] = hi;
  }
}

/**
 * The unweighted row bootstrap without scores needs only the cell counts: the same draws as
 * `drawIndices` (bulk, then single draws for the rare rejections, in order), each counted straight
 * into four interleaved histograms instead of being written out and read back.
 */
function drawCellCounts(
  rng: Rng,
  cellIndex: Int32Array,
  bulk: Uint32Array,
  hist: Uint32Array,
  cells: Float64Array,
): void {
  const n = cellIndex.length;
  const K = cells.length;
  hist.fill(0);
  const threshold = (TWO_32 - n) % n;
  rng.fillUint32(bulk);
  for (let k = 0; k < n; k++) {
    let m = bulk[k] * n;
    let hi = Math.floor(m * INV_2_32);
    while (m - hi * TWO_32 < threshold) {
      m = rng.nextUint32() * n;
      hi = Math.floor(m * INV_2_32);
    }
    hist[(k & 3) * K + cellIndex[hi]]++;
  }
  for (let c = 0; c < K; c++) cells[c] = hist[c] + hist[K + c] + hist[2 * K + c] + hist[3 * K + c];
}

/**
 * cells[k] = number of draws whose row falls in cell k, counted into four interleaved histograms
 * (one histogram serialises rows that land in the same cell on its load–add–store). Exported for tests.
 */
export function countDrawnCells(
  idx: Int32Array,
  cellIndex: Int32Array,
  hist: Uint32Array,
  cells: Float64Array,
): void {
  const K = cells.length;
  hist.fill(0);
  const n = idx.length;
  const n4 = n - (n % 4);
  let k = 0;
  for (; k < n4; k += 4) {
    hist[cellIndex[idx[k]]]++;
    hist[K + cellIndex[idx[k + 1]]]++;
    hist[2 * K + cellIndex[idx[k + 2]]]++;
    hist[3 * K + cellIndex[idx[k + 3]]]++;
  }
  for (; k < n; k++) hist[cellIndex[idx[k]]]++;
  for (let c = 0; c < K; c++) cells[c] = hist[c] + hist[K + c] + hist[2 * K + c] + hist[3 * K + c];
}

function rowResampler(conf: GroupConfusion, data: BootstrapRows, rng: Rng): () => GroupConfusion {
  const G = conf.groupCount;
  const C = conf.classCount;
  const CC = C * C;
  const n = data.yTrue.length;
  const cellIndex = new Int32Array(n);
  for (let i = 0; i < n; i++) cellIndex[i] = (data.groupCodes[i] * C + data.yTrue[i]) * C + data.yPred[i];
  const idx = new Int32Array(n);
  const bulk = new Uint32Array(n);
  const hist = new Uint32Array(4 * conf.cells.length);
  const cellRows = new Float64Array(conf.cells.length);
  const w = data.sampleWeight === undefined ? undefined : Float64Array.from(data.sampleWeight);
  const cells = w === undefined ? cellRows : new Float64Array(conf.cells.length);
  const rows = new Float64Array(G);
  const proba = data.proba;
  const scores =
    conf.scores === undefined || proba === undefined
      ? undefined
      : {
          probaSum: new Float64Array(G * C),
          brierSum: new Float64Array(G * C),
          logLossSum: new Float64Array(G),
        };
  const resampled: GroupConfusion = { ...conf, cells, rows, scores };
  return () => {
    if (w === undefined && scores === undefined && n <= 1 << 21) {
      drawCellCounts(rng, cellIndex, bulk, hist, cellRows);
    } else {
      drawIndices(rng, n, idx, bulk);
      countDrawnCells(idx, cellIndex, hist, cellRows);
    }
    if (w !== undefined) {
      cells.fill(0);
      for (let k = 0; k < n; k++) {
        const i = idx[k];
        cells[cellIndex[i]] += w[i];
      }
    }
    for (let g = 0; g < G; g++) {
      let r = 0;
      for (let j = 0; j < CC; j++) r += cellRows[g * CC + j];
      rows[g] = r;
    }
    if (scores !== undefined && proba !== undefined) {
      scores.probaSum.fill(0);
      scores.brierSum.fill(0);
      scores.logLossSum.fill(0);
      for (let k = 0; k < n; k++) {
        const i = idx[k];
        const wi = w === undefined ? 1 : w[i];
        const g = data.groupCodes[i];
        const t = data.yTrue[i];
        for (let c = 0; c < C; c++) {
          const p = proba[i * C + c];
          const d = p - (c === t ? 1 : 0);
          scores.probaSum[g * C + c] += wi * p;
          scores.brierSum[g * C + c] += wi * d * d;
        }
        scores.logLossSum[g] -= wi * Math.log(Math.max(proba[i * C + t], 1e-15));
      }
    }
    return resampled;
  };
}
