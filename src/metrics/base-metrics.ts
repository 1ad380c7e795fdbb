/**
 * Base metrics: one number per group (and over all rows) computed from that group's confusion cell.
 *
 * A base metric is either class-dependent (read from the one-vs-rest cell of the positive class:
 * TP, FP, TN, FN) or class-free (read from the full confusion matrix: accuracy, balanced accuracy,
 * error rate, count, log loss). In a binary task the two readings coincide. A rate whose denominator
 * is zero is NaN — undefined, never silently 0 — and an empty group has NaN for every rate.
 */

/** Everything a base metric may read about one group (or all rows). */
export interface Cell {
  /** One-vs-rest counts for the positive class (weighted when sample weights were given). */
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** Σ weights (= rows when unweighted). */
  weight: number;
  /** Row count, never weighted. */
  rows: number;
  /** The group's C×C confusion matrix `[t·C + p]` (weighted) starts at `matrix[matrixOffset]`. */
  matrix: Float64Array;
  matrixOffset: number;
  classCount: number;
  /** Score sums for the positive class (NaN when no probabilities were given). */
  probaSum: number;
  brierSum: number;
  /** Σ −ln p_true over the group (class-free). */
  logLossSum: number;
}

/** Which way is better for the metric itself (e.g. accuracy: higher). */
export type Better = 'higher' | 'lower' | 'none';

export interface BaseMetric {
  readonly name: string;
  /** Short label for tables, e.g. `TPR`. */
  readonly label: string;
  readonly doc: string;
  /** The definition, in plain text over the confusion counts. */
  readonly formula: string;
  readonly range: readonly [number, number];
  readonly better: Better;
  /** Class-free metrics read the whole matrix and are never suffixed with a class name. */
  readonly classFree: boolean;
  /** Needs predicted probabilities. */
  readonly needsScores: boolean;
  readonly value: (c: Cell) => number;
}

/** a / b, NaN when b is 0 (an undefined rate). */
export function rate(a: number, b: number): number {
  return b > 0 ? a / b : NaN;
}

function trace(c: Cell): number {
  let s = 0;
  for (let k = 0; k < c.classCount; k++) s += c.matrix[c.matrixOffset + k * c.classCount + k];
  return s;
}

/** Mean recall over the classes present in the group (scikit-learn's balanced_accuracy_score). */
function balancedAccuracy(c: Cell): number {
  const C = c.classCount;
  let sum = 0;
  let present = 0;
  for (let t = 0; t < C; t++) {
    let row = 0;
    for (let p = 0; p < C; p++) row += c.matrix[c.matrixOffset + t * C + p];
    if (row > 0) {
      sum += c.matrix[c.matrixOffset + t * C + t] / row;
      present++;
    }
  }
  return present > 0 ? sum / present : NaN;
}

const UNIT: readonly [number, number] = [0, 1];

function classMetric(
  name: string,
  label: string,
  doc: string,
  formula: string,
  better: Better,
  value: (c: Cell) => number,
): BaseMetric {
  return { name, label, doc, formula, range: UNIT, better, classFree: false, needsScores: false, value };
}

/** The base metric table. Adding a metric is one entry here; every variant is generated from it. */
export const BASE_METRICS: readonly BaseMetric[] = [
  classMetric(
    'selection_rate',
    'SR',
    'Share of rows predicted positive, P(Ŷ=1).',
    '(TP + FP) / N',
    'none',
    (c) => rate(c.tp + c.fp, c.weight),
  ),
  classMetric(
    'base_rate',
    'BR',
    'Share of rows whose true label is positive, P(Y=1) (a property of the data, not the model).',
    '(TP + FN) / N',
    'none',
    (c) => rate(c.tp + c.fn, c.weight),
  ),
  {
    name: 'accuracy',
    label: 'Acc',
    doc: 'Share of rows predicted correctly (exact match over all classes).',
    formula: 'Σ_k M[k][k] / N  (binary: (TP + TN) / N)',
    range: UNIT,
    better: 'higher',
    classFree: true,
    needsScores: false,
    value: (c) => rate(trace(c), c.weight),
  },
  {
    name: 'balanced_accuracy',
    label: 'BalAcc',
    doc: 'Mean recall over the classes present in the group (scikit-learn balanced_accuracy_score).',
    formula: 'mean over classes k with support of M[k][k] / Σ_p M[k][p]  (binary: (TPR + TNR) / 2)',
    range: UNIT,
    better: 'higher',
    classFree: true,
    needsScores: false,
    value: balancedAccuracy,
  },
  {
    name: 'error_rate',
    label: 'Err',
    doc: 'Share of rows predicted wrongly (1 − accuracy).',
    formula: '1 − Σ_k M[k][k] / N  (binary: (FP + FN) / N)',
    range: UNIT,
    better: 'lower',
    classFree: true,
    needsScores: false,
    value: (c) => rate(c.weight - trace(c), c.weight),
  },
  classMetric(
    'true_positive_rate',
    'TPR',
    'Recall / sensitivity: share of actual positives predicted positive.',
    'TP / (TP + FN)',
    'higher',
    (c) => rate(c.tp, c.tp + c.fn),
  ),
  classMetric(
    'true_negative_rate',
    'TNR',
    'Specificity: share of actual negatives predicted negative.',
    'TN / (TN + FP)',
    'higher',
    (c) => rate(c.tn, c.tn + c.fp),
  ),
  classMetric(
    'false_positive_rate',
    'FPR',
    'Share of actual negatives predicted positive.',
    'FP / (FP + TN)',
    'lower',
    (c) => rate(c.fp, c.fp + c.tn),
  ),
  classMetric(
    'false_negative_rate',
    'FNR',
    'Miss rate: share of actual positives predicted negative.',
    'FN / (FN + TP)',
    'lower',
    (c) => rate(c.fn, c.fn + c.tp),
  ),
  classMetric(
    'precision',
    'PPV',
    'Positive predictive value: share of predicted positives that are positive.',
    'TP / (TP + FP)',
    'higher',
    (c) => rate(c.tp, c.tp + c.fp),
  ),
  classMetric(
    'negative_predictive_value',
    'NPV',
    'Share of predicted negatives that are negative.',
    'TN / (TN + FN)',
    'higher',
    (c) => rate(c.tn, c.tn + c.fn),
  ),
  classMetric(
    'false_discovery_rate',
    'FDR',
    'Share of predicted positives that are negative (1 − precision).',
    'FP / (TP + FP)',
    'lower',
    (c) => rate(c.fp, c.tp + c.fp),
  ),
  classMetric(
    'false_omission_rate',
    'FOR',
    'Share of predicted negatives that are positive (1 − NPV).',
    'FN / (TN + FN)',
    'lower',
    (c) => rate(c.fn, c.tn + c.fn),
  ),
  classMetric(
    'f1_score',
    'F1',
    'Harmonic mean of precision and recall.',
    '2·TP / (2·TP + FP + FN)',
    'higher',
    (c) => rate(2 * c.tp, 2 * c.tp + c.fp + c.fn),
  ),
  {
    name: 'count',
    label: 'n',
    doc: 'Number of rows in the group (unweighted; 0 for an empty group).',
    formula: 'N (rows)',
    range: [0, Infinity],
    better: 'none',
    classFree: true,
    needsScores: false,
    value: (c) => c.rows,
  },
  {
    name: 'mean_score',
    label: 'p̄',
    doc: 'Mean predicted probability of the positive class (calibration-in-the-large against base_rate).',
    formula: 'Σ p̂ / N',
    range: UNIT,
    better: 'none',
    classFree: false,
    needsScores: true,
    value: (c) => rate(c.probaSum, c.weight),
  },
  {
    name: 'brier_score',
    label: 'Brier',
    doc: 'Mean squared error of the positive-class probability (scikit-learn brier_score_loss).',
    formula: 'Σ (p̂ − 1[Y=1])² / N',
    range: UNIT,
    better: 'lower',
    classFree: false,
    needsScores: true,
    value: (c) => rate(c.brierSum, c.weight),
  },
  {
    name: 'log_loss',
    label: 'LogLoss',
    doc: 'Mean negative log-probability of the true class, probabilities clipped at 1e-15.',
    formula: 'Σ −ln max(p̂_Y, 1e-15) / N',
    range: [0, Infinity],
    better: 'lower',
    classFree: true,
    needsScores: true,
    value: (c) => rate(c.logLossSum, c.weight),
  },
];

export const BASE_METRIC_BY_NAME: ReadonlyMap<string, BaseMetric> = new Map(
  BASE_METRICS.map((m) => [m.name, m]),
);

export function baseMetric(name: string): BaseMetric {
  const m = BASE_METRIC_BY_NAME.get(name);
  if (m === undefined) throw new RangeError(`unknown base metric '${name}'`);
  return m;
}
