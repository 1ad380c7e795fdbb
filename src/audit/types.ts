/**
 * The options and the result of a group-fairness audit (`auditPredictions`, `biasloop audit`).
 *
 * The result is plain data (numbers, strings, arrays, records) so the CLI, the JSON output, the CSV
 * tables, the report and the dashboard all render the same object. Field names are stable and
 * documented in docs/audit.md; undefined numbers are NaN here and `null` in JSON.
 */
import type { NanPolicy } from '../metrics/derived.ts';

/** File formats the audit reads (an optional `.gz` suffix is decompressed on the fly). */
export type AuditFormat = 'csv' | 'tsv' | 'jsonl' | 'json' | 'parquet';
export const AUDIT_FORMATS: readonly AuditFormat[] = ['csv', 'tsv', 'jsonl', 'json', 'parquet'];

export interface AuditOptions {
  /** The predictions file. */
  readonly file: string;
  /** Format; by default from the extension (.csv, .tsv, .jsonl/.ndjson, .json, .parquet, optionally .gz). */
  readonly format?: AuditFormat;
  /** Column with the true outcome. */
  readonly label: string;
  /** Label values that mean "positive" (e.g. `['>50K']`); needed unless the column is 0/1, true/false or yes/no. */
  readonly labelPositive?: readonly string[];
  /** Column with hard predictions (exclusive with `score`). */
  readonly prediction?: string;
  /** Prediction values that mean "positive" (e.g. `['Medium', 'High']`). */
  readonly predictionPositive?: readonly string[];
  /** Column with numeric scores; a row is predicted positive when score ≥ `threshold`. */
  readonly score?: string;
  readonly threshold?: number;
  /** Protected attribute columns; each is audited on its own. */
  readonly groups: readonly string[];
  /** Also audit the cross-product of all `groups` (e.g. race × sex). */
  readonly intersect?: boolean;
  /**
   * Metrics from the registry (names, globs such as `*_ratio`, presets `all`, `group`, `named`;
   * `default` is the audit's default set). Group metrics get a column per group and a disparity
   * against the reference; variant and named metrics become summary rows per attribute.
   */
  readonly metrics?: readonly string[];
  /**
   * Reference group per attribute: `largest` (default), `min` / `max` (per metric, the group with the
   * lowest / highest value, as Aequitas's `min_metric`), a group name, or `attribute=group`.
   */
  readonly reference?: string | readonly string[];
  /** Four-fifths tolerance: a disparity is fair when tolerance ≤ ratio ≤ 1/tolerance (default 0.8). */
  readonly tolerance?: number;
  /** Groups with fewer rows are flagged `small` (default 30). */
  readonly minGroupSize?: number;
  /** Bootstrap resamples for the confidence intervals (default 1000; 0 = no intervals). */
  readonly resamples?: number;
  /** Confidence level of the intervals (default 0.95). */
  readonly confidence?: number;
  /** Seed of the bootstrap stream (default 0). */
  readonly seed?: number;
  /** A DuckDB SQL condition on the file's columns; only rows where it holds are audited. */
  readonly where?: string;
  /** Leave out rows whose label, prediction or score is missing (default: such rows are an error). */
  readonly dropMissing?: boolean;
  /** How a group with an undefined rate enters the summary metrics (default `omit`, as Fairlearn). */
  readonly nanPolicy?: NanPolicy;
  /** More distinct values than this in one group column is an error (default 1000). */
  readonly maxGroups?: number;
}

/** A point estimate with its bootstrap percentile interval (NaN bounds when no bootstrap ran). */
export interface Estimate {
  readonly value: number;
  readonly ciLow: number;
  readonly ciHigh: number;
}

export type Verdict = 'fair' | 'unfair' | 'undefined';

/** One metric of one group compared with the reference group. */
export interface Disparity {
  /** The reference group this metric was compared with (per metric under `min` / `max`). */
  readonly reference: string;
  /** value / reference value (0/0 = 1, x/0 = Infinity). */
  readonly ratio: Estimate;
  /** value − reference value. */
  readonly difference: Estimate;
  /** `fair` iff tolerance ≤ ratio ≤ 1/tolerance; `undefined` when the ratio is. */
  readonly verdict: Verdict;
}

export interface ConfusionCounts {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

export interface GroupAudit {
  readonly group: string;
  readonly rows: number;
  /** rows / all audited rows. */
  readonly share: Estimate;
  /** Fewer rows than `minGroupSize`: numbers are shown but deserve little trust. */
  readonly small: boolean;
  /** Whether this is the attribute's fixed reference group (`largest` or named). */
  readonly isReference: boolean;
  readonly counts: ConfusionCounts;
  /** Group metric name → value. */
  readonly metrics: Readonly<Record<string, Estimate>>;
  /** Group metric name → disparity against the reference (every group metric except `count`). */
  readonly disparities: Readonly<Record<string, Disparity>>;
}

export interface ReferenceChoice {
  /** `largest`, `min`, `max` or `group` (named by the user). */
  readonly method: 'largest' | 'min' | 'max' | 'group';
  /** The fixed reference group (`largest` / `group`); for `min` / `max` see each disparity. */
  readonly group?: string;
}

export interface AttributeAudit {
  /** Column name, or the columns joined by ` & ` for the intersection. */
  readonly attribute: string;
  readonly columns: readonly string[];
  readonly reference: ReferenceChoice;
  readonly groups: readonly GroupAudit[];
  /** Summary metric name (registry variant or named metric) → value over this attribute's groups. */
  readonly summary: Readonly<Record<string, Estimate>>;
  /** Every (group, metric) whose verdict is `unfair`. */
  readonly unfair: readonly { readonly group: string; readonly metric: string }[];
  /** Groups flagged small. */
  readonly smallGroups: readonly string[];
}

export interface AuditResult {
  /** Version tag of this shape. */
  readonly schema: 'biasloop.audit/1';
  readonly input: {
    readonly file: string;
    readonly format: AuditFormat;
    readonly label: { readonly column: string; readonly positive: readonly string[] };
    readonly prediction:
      | { readonly kind: 'prediction'; readonly column: string; readonly positive: readonly string[] }
      | { readonly kind: 'score'; readonly column: string; readonly threshold: number };
    readonly groups: readonly string[];
    readonly intersect: boolean;
    readonly where?: string;
    /** Rows read from the file (after `where`). */
    readonly rowsRead: number;
    /** Rows `where` left out. */
    readonly rowsFiltered: number;
    /** Rows left out for a missing label / prediction / score (`dropMissing`). */
    readonly rowsDropped: number;
    /** Rows audited. */
    readonly rows: number;
  };
  readonly settings: {
    readonly groupMetrics: readonly string[];
    readonly summaryMetrics: readonly string[];
    readonly tolerance: number;
    readonly minGroupSize: number;
    readonly resamples: number;
    readonly confidence: number;
    readonly seed: number;
    readonly nanPolicy: NanPolicy;
    /** `cells` (exact multinomial redraw of the confusion cells) or `rows` (score metrics). */
    readonly bootstrap: 'cells' | 'rows' | 'none';
  };
  /** The group metrics over all audited rows. */
  readonly overall: { readonly rows: number; readonly metrics: Readonly<Record<string, Estimate>> };
  readonly attributes: readonly AttributeAudit[];
}

/** The default per-group metrics (registry names); `count` is always reported. */
export const AUDIT_GROUP_METRICS: readonly string[] = [
  'count',
  'base_rate',
  'selection_rate',
  'true_positive_rate',
  'false_positive_rate',
  'false_negative_rate',
  'true_negative_rate',
  'precision',
  'false_discovery_rate',
  'false_omission_rate',
  'negative_predictive_value',
  'accuracy',
];

/** The default summary rows per attribute. */
export const AUDIT_SUMMARY_METRICS: readonly string[] = [
  'demographic_parity_difference',
  'demographic_parity_ratio',
  'equalized_odds_difference',
  'equalized_odds_ratio',
];

export const AUDIT_DEFAULTS = {
  tolerance: 0.8,
  minGroupSize: 30,
  resamples: 1000,
  confidence: 0.95,
  seed: 0,
  nanPolicy: 'omit' as NanPolicy,
  maxGroups: 1000,
} as const;
