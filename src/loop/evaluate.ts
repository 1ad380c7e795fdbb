/**
 * What the loop measures each generation, as long-format MetricRows:
 *
 * - `<test>.<metric>` on each fixed real test set (`test.accuracy`, `test.selection_rate`, …) from the
 *   classifier's predictions, per group and overall;
 * - `train.*`: size, synthetic share, and group share / positive rate per group of D_g;
 * - `synthetic.*`: size, group share and positive rate per group inside S_g (a vanished group shows
 *   share 0 and positive rate NaN: it never looks "fair");
 * - `model.*`: the fit's convergence diagnostics.
 */
import type { Dataset } from '../core/dataset.ts';
import type { FitReport } from '../models/types.ts';
import type { MetricRow } from '../results/rows.ts';

export interface Predictions {
  readonly testName: string;
  readonly data: Dataset;
  readonly predicted: Int32Array;
}

/** Per-group confusion counts for the positive class 1. */
export interface GroupConfusion {
  readonly tp: Float64Array;
  readonly fp: Float64Array;
  readonly tn: Float64Array;
  readonly fn: Float64Array;
}

export function groupConfusion(
  yTrue: Int32Array,
  yPred: Int32Array,
  group: Int32Array,
  groups: number,
): GroupConfusion {
  const tp = new Float64Array(groups);
  const fp = new Float64Array(groups);
  const tn = new Float64Array(groups);
  const fn = new Float64Array(groups);
  for (let i = 0; i < yTrue.length; i++) {
    const g = group[i];
    if (yPred[i] === 1) {
      if (yTrue[i] === 1) tp[g]++;
      else fp[g]++;
    } else if (yTrue[i] === 1) fn[g]++;
    else tn[g]++;
  }
  return { tp, fp, tn, fn };
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : NaN);

/** max − min over groups, NaN if any group's value is undefined (an empty group is never "fair"). */
function spread(values: readonly number[]): number {
  if (values.some((v) => Number.isNaN(v))) return NaN;
  return Math.max(...values) - Math.min(...values);
}

export interface GenerationMeasurements {
  readonly run: string;
  readonly generation: number;
  readonly predictions: readonly Predictions[];
  readonly training: Dataset;
  /** S_g (absent at generation 0). */
  readonly synthetic?: Dataset;
  readonly fit: FitReport;
  /** Metric names to keep; undefined keeps all. */
  readonly include?: readonly string[];
}

export function measureGeneration(m: GenerationMeasurements): MetricRow[] {
  const rows: MetricRow[] = [];
  const push = (metric: string, group: string, value: number): void => {
    rows.push({ run: m.run, generation: m.generation, metric, group, value });
  };
  for (const p of m.predictions) {
    const { data, predicted } = p;
    const names = data.schema.groupNames;
    const G = names.length;
    const c = groupConfusion(data.y, predicted, data.group, G);
    const t = p.testName;
    let tp = 0;
    let fp = 0;
    let tn = 0;
    let fn = 0;
    for (let g = 0; g < G; g++) {
      tp += c.tp[g];
      fp += c.fp[g];
      tn += c.tn[g];
      fn += c.fn[g];
    }
    const n = tp + fp + tn + fn;
    push(`${t}.accuracy`, '', ratio(tp + tn, n));
    push(`${t}.selection_rate`, '', ratio(tp + fp, n));
    const acc: number[] = [];
    const sel: number[] = [];
    const tpr: number[] = [];
    const fpr: number[] = [];
    for (let g = 0; g < G; g++) {
      const ng = c.tp[g] + c.fp[g] + c.tn[g] + c.fn[g];
      acc.push(ratio(c.tp[g] + c.tn[g], ng));
      sel.push(ratio(c.tp[g] + c.fp[g], ng));
      tpr.push(ratio(c.tp[g], c.tp[g] + c.fn[g]));
      fpr.push(ratio(c.fp[g], c.fp[g] + c.tn[g]));
      push(`${t}.accuracy`, names[g], acc[g]);
      push(`${t}.selection_rate`, names[g], sel[g]);
      push(`${t}.true_positive_rate`, names[g], tpr[g]);
      push(`${t}.false_positive_rate`, names[g], fpr[g]);
    }
    push(`${t}.demographic_parity_difference`, '', spread(sel));
    push(`${t}.equalized_odds_difference`, '', Math.max(spread(tpr), spread(fpr)));
    push(`${t}.accuracy_gap`, '', spread(acc));
  }
  shareRows(m.training, 'train', push);
  if (m.synthetic) shareRows(m.synthetic, 'synthetic', push);
  push('model.converged', '', m.fit.converged ? 1 : 0);
  push('model.iterations', '', m.fit.iterations);
  if (m.fit.objective !== undefined) push('model.objective', '', m.fit.objective);
  return m.include ? rows.filter((r) => m.include!.includes(r.metric)) : rows;
}

function shareRows(
  ds: Dataset,
  prefix: string,
  push: (metric: string, group: string, value: number) => void,
): void {
  const names = ds.schema.groupNames;
  const G = names.length;
  const count = new Float64Array(G);
  const pos = new Float64Array(G);
  let synthetic = 0;
  for (let i = 0; i < ds.n; i++) {
    count[ds.group[i]]++;
    pos[ds.group[i]] += ds.y[i];
    synthetic += ds.provenance.source[i];
  }
  push(`${prefix}.size`, '', ds.n);
  if (prefix === 'train') push(`${prefix}.synthetic_share`, '', ratio(synthetic, ds.n));
  let posTotal = 0;
  for (let g = 0; g < G; g++) posTotal += pos[g];
  push(`${prefix}.positive_rate`, '', ratio(posTotal, ds.n));
  for (let g = 0; g < G; g++) {
    push(`${prefix}.group_share`, names[g], ds.n > 0 ? count[g] / ds.n : NaN);
    push(`${prefix}.positive_rate`, names[g], ratio(pos[g], count[g]));
  }
}

/** Every metric name the loop can produce for these test-set names (for validating `metrics.include`). */
export function loopMetricNames(testNames: readonly string[]): string[] {
  const perTest = [
    'accuracy',
    'selection_rate',
    'true_positive_rate',
    'false_positive_rate',
    'demographic_parity_difference',
    'equalized_odds_difference',
    'accuracy_gap',
  ];
  return [
    ...testNames.flatMap((t) => perTest.map((m) => `${t}.${m}`)),
    'train.size',
    'train.synthetic_share',
    'train.positive_rate',
    'train.group_share',
    'synthetic.size',
    'synthetic.positive_rate',
    'synthetic.group_share',
    'model.converged',
    'model.iterations',
    'model.objective',
  ];
}
