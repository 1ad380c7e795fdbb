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
import { frechetDistanceOfSamples, jsDivergence, mmdRbf, subsampleRows, wasserstein1 } from './divergence.ts';

export interface SyntheticSetInput {
  readonly run: string;
  readonly generation: number;
  readonly synthetic: Dataset;
  /** The real data to compare against (same schema); omit for composition-only metrics. */
  readonly real?: Dataset;
  /** Needed for the MMD subsample when a set has more than `mmdSampleSize` rows. */
  readonly rng?: Rng;
  readonly mmdSampleSize?: number;
  readonly frechetMaxDim?: number;
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

function standardiser(real: Dataset): (x: Float64Array, n: number) => Float64Array {
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
  return (x, n) => {
    const out = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) out[i * d + k] = (x[i * d + k] - mean[k]) / sd[k];
    return out;
  };
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
  push('n', ds.n);
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
  const standardise = standardiser(real);
  const xs = standardise(ds.x, ds.n);
  const xr = standardise(real.x, real.n);
  let w = 0;
  const colS = new Float64Array(ds.n);
  const colR = new Float64Array(real.n);
  for (let k = 0; k < d; k++) {
    for (let i = 0; i < ds.n; i++) colS[i] = xs[i * d + k];
    for (let i = 0; i < real.n; i++) colR[i] = xr[i * d + k];
    w += wasserstein1(colS, colR);
  }
  push('wasserstein1', w / d);
  push('variance_ratio', varianceRatio(ds.x, real.x, d));
  const m = input.mmdSampleSize ?? 500;
  if (input.rng === undefined && (ds.n > m || real.n > m)) {
    throw new RangeError('syntheticSetMetrics: an rng is needed to subsample for MMD');
  }
  const subS = input.rng === undefined ? xs : subsampleRows(xs, d, m, input.rng.fork('mmd', 'synthetic'));
  const subR = input.rng === undefined ? xr : subsampleRows(xr, d, m, input.rng.fork('mmd', 'real'));
  push('mmd2_rbf', mmdRbf(subS, subR, d));
  if (d <= (input.frechetMaxDim ?? 256)) push('frechet', frechetDistanceOfSamples(xs, xr, d));
  return rows;
}
