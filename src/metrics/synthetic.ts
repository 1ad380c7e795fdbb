/**
 * Metrics of one synthetic set: what it contains (group shares, label rates per group, how labels
 * and groups are tied, entropies) and, given the real data, how far it is from it (divergence of the
 * shares, per-feature Wasserstein-1, MMD, Fréchet distance, variance ratio).
 *
 * Feature distances are computed on features standardised by the real data's mean and standard
 * deviation (columns constant in the real data are left unscaled), so features in different units
 * weigh the same. MMD uses at most `mmdSampleSize` rows of each set (seeded subsample) and the
 * median-heuristic bandwidth; the Fréchet distance is skipped above `frechetMaxDim` features (its
 * eigen-solve is O(d³)).
 */
import type { Dataset } from '../core/dataset.ts';
import type { Rng } from '../core/rng.ts';
import type { MetricRow } from '../results/rows.ts';
import { association, entropy, varianceRatio } from './collapse.ts';
import {
  frechetDistanceOfSamples,
  jsDivergence,
  medianHeuristic,
  mmdRbf,
  subsampleRowIndices,
  subsampleRows,
  wasserstein1InPlace,
} from './divergence.ts';

export interface SyntheticSetInput {
  readonly run: string;
  readonly generation: number;
  readonly synthetic: Dataset;
  /** The real data to compare against (same schema); omit for composition-only metrics. */
  readonly real?: Dataset;
  /** Needed for the MMD subsample when a set has more than `mmdSampleSize` rows. */
  readonly rng?: Rng;
  readonly mmdSampleSize?: number;
  /**
   * Wasserstein-1, variance ratio and Fréchet distance are computed on at most this many rows of each
   * set (a seeded subsample; default 10,000), which bounds their cost whatever the data size.
   */
  readonly distanceSampleSize?: number;
  readonly frechetMaxDim?: number;
  /**
   * RBF bandwidth σ for the MMD, on the real-standardised scale. Default: the median heuristic on the
   * pooled subsamples. The loop passes `realDataBandwidth(real, …)` once per run, so that MMD values
   * are comparable across generations (one kernel for the whole run).
   */
  readonly mmdBandwidth?: number;
  /** Metric name prefix (default `synthetic.`). */
  readonly prefix?: string;
}

function counts(ds: Dataset) {
  const G = ds.schema.groupNames.length;
  const K = ds.schema.classNames.length;
  const joint = new Float64Array(G * K); // [g·K + k]
  const group = new Float64Array(G);
  const label = new Float64Array(K);
  for (let i = 0; i < ds.n; i++) {
    joint[ds.group[i] * K + ds.y[i]]++;
    group[ds.group[i]]++;
    label[ds.y[i]]++;
  }
  return { joint, group, label, G, K };
}

interface RealMoments {
  readonly mean: Float64Array;
  /** Standard deviation per column (1 for columns constant in the real data). */
  readonly sd: Float64Array;
}

/** The real data's column means and standard deviations (n − 1). */
function realMoments(real: Dataset): RealMoments {
  const d = real.d;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (let i = 0; i < real.n; i++) for (let k = 0; k < d; k++) mean[k] += real.x[i * d + k];
  for (let k = 0; k < d; k++) mean[k] /= Math.max(real.n, 1);
  for (let i = 0; i < real.n; i++) for (let k = 0; k < d; k++) sd[k] += (real.x[i * d + k] - mean[k]) ** 2;
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(sd[k] / Math.max(real.n - 1, 1));
    sd[k] = s > 0 ? s : 1;
  }
  return { mean, sd };
}

/**
 * Grow-only buffers reused from one call to the next, so measuring a generation allocates no large
 * arrays (fresh multi-megabyte arrays each generation cost page faults and garbage-collector work in
 * every run of a sweep). Safe because the metric functions run synchronously and keep no reference
 * to a buffer after they return. Holds at most ~4 × distanceSampleSize × d doubles.
 */
const scratchBuffers = new Map<string, Float64Array>();

function scratch(name: string, length: number): Float64Array {
  let buf = scratchBuffers.get(name);
  if (buf === undefined || buf.length < length) {
    buf = new Float64Array(Math.max(length, Math.ceil((buf?.length ?? 0) * 1.5)));
    scratchBuffers.set(name, buf);
  }
  return buf.subarray(0, length);
}

/**
 * Rows `rows` (all n rows when undefined) of the row-major `x`, standardised by the real data's
 * moments, into `out`: the same values as standardising every row and then keeping those rows.
 */
function standardisedRows(
  x: Float64Array,
  n: number,
  d: number,
  rows: Int32Array | undefined,
  m: RealMoments,
  out: Float64Array,
): Float64Array {
  const count = rows === undefined ? n : rows.length;
  const o = out.subarray(0, count * d);
  const { mean, sd } = m;
  for (let r = 0; r < count; r++) {
    const i = rows === undefined ? r : rows[r];
    for (let k = 0; k < d; k++) o[r * d + k] = (x[i * d + k] - mean[k]) / sd[k];
  }
  return o;
}

export function syntheticSetMetrics(input: SyntheticSetInput): MetricRow[] {
  const { synthetic: ds, real } = input;
  const prefix = input.prefix ?? 'synthetic.';
  const rows: MetricRow[] = [];
  const push = (metric: string, value: number, group = ''): void => {
    rows.push({ run: input.run, generation: input.generation, metric: prefix + metric, group, value });
  };
  const { schema } = ds;
  const c = counts(ds);
  const binary = c.K === 2;
  push('size', ds.n);
  schema.groupNames.forEach((name, g) => push('group_share', ds.n > 0 ? c.group[g] / ds.n : NaN, name));
  schema.classNames.forEach((name, k) => push(`class_share[${name}]`, ds.n > 0 ? c.label[k] / ds.n : NaN));
  // Label rate per group: the positive rate for binary labels, every class's rate otherwise.
  const rateClasses = binary ? [1] : schema.classNames.map((_, k) => k);
  for (const k of rateClasses) {
    const metric = binary ? 'positive_rate' : `class_rate[${schema.classNames[k]}]`;
    push(metric, ds.n > 0 ? c.label[k] / ds.n : NaN);
    schema.groupNames.forEach((name, g) => {
      push(metric, c.group[g] > 0 ? c.joint[g * c.K + k] / c.group[g] : NaN, name);
    });
  }
  const assoc = association(c.joint, c.G, c.K);
  push('label_group_cramers_v', assoc.cramersV);
  push('label_group_mutual_information', assoc.mutualInformation);
  if (binary && c.G === 2) push('label_group_phi', assoc.phi);
  push('group_entropy', entropy(c.group));
  push('label_entropy', entropy(c.label));
  let empty = 0;
  for (let g = 0; g < c.G; g++) if (c.group[g] === 0) empty++;
  push('empty_groups', empty);

  if (real === undefined) return rows;
  if (real.d !== ds.d || real.schema.groupNames.length !== c.G || real.schema.classNames.length !== c.K) {
    throw new RangeError('syntheticSetMetrics: real and synthetic datasets have different schemas');
  }
  const r = counts(real);
  if (ds.n > 0 && real.n > 0) {
    push('group_share_js', jsDivergence(c.group, r.group));
    push('label_share_js', jsDivergence(c.label, r.label));
    push('joint_js', jsDivergence(c.joint, r.joint));
  }
  const d = ds.d;
  if (d === 0 || ds.n < 2 || real.n < 2) return rows;
  const moments = realMoments(real);
  const m = input.mmdSampleSize ?? 500;
  const cap = input.distanceSampleSize ?? 10_000;
  if (input.rng === undefined && (ds.n > Math.min(m, cap) || real.n > Math.min(m, cap))) {
    throw new RangeError('syntheticSetMetrics: an rng is needed to subsample large sets');
  }
  // At most `cap` rows of each set (seeded), standardised by the real data, into reused buffers.
  const rowsS =
    ds.n > cap ? subsampleRowIndices(ds.n, cap, (input.rng as Rng).fork('distance', 'synthetic')) : undefined;
  const rowsR =
    real.n > cap ? subsampleRowIndices(real.n, cap, (input.rng as Rng).fork('distance', 'real')) : undefined;
  const ns = rowsS?.length ?? ds.n;
  const nr = rowsR?.length ?? real.n;
  const xs = standardisedRows(ds.x, ds.n, d, rowsS, moments, scratch('synthetic', ns * d));
  const xr = standardisedRows(real.x, real.n, d, rowsR, moments, scratch('real', nr * d));
  let w = 0;
  const colS = scratch('column.synthetic', ns);
  const colR = scratch('column.real', nr);
  for (let k = 0; k < d; k++) {
    for (let i = 0; i < ns; i++) colS[i] = xs[i * d + k];
    for (let i = 0; i < nr; i++) colR[i] = xr[i * d + k];
    w += wasserstein1InPlace(colS, colR);
  }
  push('wasserstein1', w / d);
  // The variance ratio is scale-free: standardising both sets by the real data leaves it unchanged.
  push('variance_ratio', varianceRatio(xs, xr, d));
  const subS = input.rng === undefined ? xs : subsampleRows(xs, d, m, input.rng.fork('mmd', 'synthetic'));
  const subR = input.rng === undefined ? xr : subsampleRows(xr, d, m, input.rng.fork('mmd', 'real'));
  push(
    'mmd2_rbf',
    mmdRbf(subS, subR, d, input.mmdBandwidth === undefined ? {} : { bandwidth: input.mmdBandwidth }),
  );
  if (d <= (input.frechetMaxDim ?? 256)) push('frechet', frechetDistanceOfSamples(xs, xr, d));
  return rows;
}

/**
 * One MMD bandwidth for a run: the median pairwise distance between two disjoint random halves of a
 * subsample of `sampleSize` real rows, on the real-standardised scale used by `syntheticSetMetrics`.
 */
export function realDataBandwidth(real: Dataset, rng: Rng, sampleSize = 500): number {
  const d = real.d;
  if (d === 0 || real.n < 4) return 1;
  const rows = subsampleRowIndices(real.n, sampleSize, rng);
  const sub = standardisedRows(
    real.x,
    real.n,
    d,
    rows,
    realMoments(real),
    scratch('bandwidth', (rows?.length ?? real.n) * d),
  );
  const m = sub.length / d;
  const half = Math.floor(m / 2);
  return medianHeuristic(sub.subarray(0, half * d), sub.subarray(half * d, 2 * half * d), d);
}
