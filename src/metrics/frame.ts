/**
 * `groupMetrics`: the MetricFrame of biasloop. Counts per-group confusion matrices once, then reads
 * every requested metric — per group, over all rows, and every disparity — from those counts, with
 * optional bootstrap confidence intervals.
 */
import { BiasloopError } from '../core/errors.ts';
import type { MetricRow } from '../results/rows.ts';
import { bootstrapPlan, type BootstrapOptions } from './bootstrap.ts';
import { checkedCodes, countConfusion, type CodeArray, type GroupConfusion } from './confusion.ts';
import type { NanPolicy } from './derived.ts';
import { buildGroupStructure, type GroupAttribute, type PrivilegedSpec } from './groups.ts';
import { EMPTY_GROUPS_METRIC, compilePlan, evaluatePlan, type MetricPlan } from './plan.ts';
import { DEFAULT_METRICS, resolveMetricNames } from './registry.ts';

export interface GroupMetricsInput {
  /** True class codes 0..C−1. */
  readonly yTrue: CodeArray;
  /** Predicted class codes 0..C−1. */
  readonly yPred: CodeArray;
  /** One or more protected attributes; several are intersected. */
  readonly groups: readonly GroupAttribute[];
  readonly sampleWeight?: Float64Array | Float32Array | readonly number[];
  /** Predicted probabilities, row-major n × C (needed for mean_score, brier_score, log_loss). */
  readonly proba?: Float64Array | Float32Array;
  /** Class names in code order (default `0`, `1`, … up to the largest code seen, at least two). */
  readonly classNames?: readonly string[];
  /**
   * Binary tasks: the positive class (code or name; default 1). Multi-class tasks: report
   * class-dependent metrics for this class only (default: every class, one-vs-rest).
   */
  readonly positiveClass?: number | string;
  /** Registry names, `name[Class]`, globs or presets (default: `DEFAULT_METRICS`). */
  readonly metrics?: readonly string[];
  /** Privileged levels for the AIF360 signed metrics, e.g. `{ sex: 'Male' }`. */
  readonly privileged?: PrivilegedSpec;
  /** How undefined per-group rates enter disparities (default `propagate`); empty groups always give NaN. */
  readonly nanPolicy?: NanPolicy;
  /** With several attributes, also report each attribute alone (default true). */
  readonly marginals?: boolean;
  /** Dirichlet concentration for differential fairness (default 1, as AIF360). */
  readonly concentration?: number;
  /** Percentile bootstrap intervals for every value. */
  readonly bootstrap?: BootstrapOptions;
}

export interface MetricValue {
  readonly metric: string;
  /** Group name; `''` for all rows or the combined grouping; `<attribute>=*` for a marginal disparity. */
  readonly group: string;
  readonly value: number;
  readonly ciLow?: number;
  readonly ciHigh?: number;
}

export class GroupMetricResult {
  private readonly index = new Map<string, MetricValue>();

  constructor(
    readonly values: readonly MetricValue[],
    /** Names of groups with no rows (combined and marginal). */
    readonly emptyGroups: readonly string[],
    readonly classNames: readonly string[],
    /** Group names per scope: `''` → combined groups, `<attribute>` → its levels. */
    readonly groupNames: ReadonlyMap<string, readonly string[]>,
    /** Per-group confusion counts the values were read from (combined grouping). */
    readonly confusion: GroupConfusion,
  ) {
    for (const v of values) this.index.set(`${v.metric}\u0000${v.group}`, v);
  }

  /** Whether the result holds a value for `metric` and `group`. */
  has(metric: string, group = ''): boolean {
    return this.index.has(`${metric}\u0000${group}`);
  }

  /** The value of `metric` for `group` ('' = all rows or the combined grouping). */
  get(metric: string, group = ''): number {
    const v = this.index.get(`${metric}\u0000${group}`);
    if (v === undefined) {
      throw new BiasloopError(
        'usage',
        `no value for metric '${metric}' and group '${group}' in this result`,
        {
          hint: 'request the metric in `metrics`',
        },
      );
    }
    return v.value;
  }

  /** Per-group values of a group metric for one scope. */
  byGroup(metric: string, scope = ''): Record<string, number> {
    const names = this.groupNames.get(scope) ?? [];
    const out: Record<string, number> = {};
    for (const g of names) out[g] = this.get(metric, g);
    return out;
  }

  /** The values as long-format rows for one run and generation. */
  toRows(run: string, generation: number): MetricRow[] {
    return this.values.map((v) => ({
      run,
      generation,
      metric: v.metric,
      group: v.group,
      value: v.value,
      ...(v.ciLow !== undefined ? { ciLow: v.ciLow, ciHigh: v.ciHigh } : {}),
    }));
  }
}

function inferClassNames(input: GroupMetricsInput): readonly string[] {
  if (input.classNames !== undefined) {
    if (input.classNames.length < 2) {
      throw new BiasloopError('data', 'classNames needs at least two classes', { field: 'classNames' });
    }
    return input.classNames;
  }
  let max = 1;
  for (const a of [input.yTrue, input.yPred]) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        checkedCodes(a, Number.MAX_SAFE_INTEGER, a === input.yTrue ? 'yTrue' : 'yPred');
      }
      if (v > max) max = v;
    }
  }
  return Array.from({ length: max + 1 }, (_, k) => String(k));
}

function resolveClass(spec: number | string, classNames: readonly string[]): number {
  const idx = typeof spec === 'number' ? spec : classNames.indexOf(spec);
  if (!(Number.isInteger(idx) && idx >= 0 && idx < classNames.length)) {
    throw new BiasloopError('data', `positiveClass ${JSON.stringify(spec)} is not one of the classes`, {
      field: 'positiveClass',
      hint: `classes: ${classNames.join(', ')}`,
    });
  }
  return idx;
}

/** Everything `groupMetrics` prepares before evaluating: shared with the loop helpers and the bench. */
export interface PreparedGroupMetrics {
  readonly plan: MetricPlan;
  readonly confusion: GroupConfusion;
  readonly combinedCodes: CodeArray;
  readonly classNames: readonly string[];
}

export function prepareGroupMetrics(input: GroupMetricsInput): PreparedGroupMetrics {
  const n = input.yTrue.length;
  const classNames = inferClassNames(input);
  const C = classNames.length;
  const structure = buildGroupStructure(input.groups, n, {
    marginals: input.marginals,
    privileged: input.privileged,
  });
  const confusion = countConfusion({
    yTrue: input.yTrue,
    yPred: input.yPred,
    groupCodes: structure.combinedCodes,
    groupCount: structure.combinedCount,
    classCount: C,
    sampleWeight: input.sampleWeight,
    proba: input.proba,
    names: { groups: input.groups.length === 1 ? `groups.${input.groups[0].name}` : 'groups' },
  });
  const metrics = resolveMetricNames(input.metrics ?? DEFAULT_METRICS, {
    classNames,
    hasScores: input.proba !== undefined,
    hasPrivileged: input.privileged !== undefined,
  });
  const binary = C === 2;
  const reportClasses =
    input.positiveClass !== undefined
      ? [resolveClass(input.positiveClass, classNames)]
      : binary
        ? [1]
        : classNames.map((_, k) => k);
  const concentration = input.concentration ?? 1;
  if (!(concentration >= 0)) {
    throw new BiasloopError('data', `concentration must be ≥ 0, got ${concentration}`, {
      field: 'concentration',
    });
  }
  const plan = compilePlan({
    metrics,
    groupings: structure.groupings,
    classNames,
    reportClasses,
    suffixClass: !binary,
    nanPolicy: input.nanPolicy ?? 'propagate',
    concentration,
  });
  return { plan, confusion, combinedCodes: structure.combinedCodes, classNames };
}

/** Compute the requested group metrics (and, with `bootstrap`, their percentile intervals). */
export function groupMetrics(input: GroupMetricsInput): GroupMetricResult {
  const prepared = prepareGroupMetrics(input);
  const { plan, confusion, classNames } = prepared;
  const point = evaluatePlan(plan, confusion);
  let low: Float64Array | undefined;
  let high: Float64Array | undefined;
  if (input.bootstrap !== undefined) {
    const ci = bootstrapPlan(
      plan,
      confusion,
      {
        groupCodes: prepared.combinedCodes,
        yTrue: input.yTrue,
        yPred: input.yPred,
        sampleWeight: input.sampleWeight,
        proba: input.proba,
      },
      input.bootstrap,
    );
    low = ci.low;
    high = ci.high;
  }
  const values: MetricValue[] = plan.slots.map((slot, i) => ({
    metric: slot.metric,
    group: slot.group,
    value: point[i],
    ...(low !== undefined && high !== undefined && slot.metric !== EMPTY_GROUPS_METRIC
      ? { ciLow: low[i], ciHigh: high[i] }
      : {}),
  }));
  const emptyGroups: string[] = [];
  const groupNames = new Map<string, readonly string[]>();
  plan.groupings.forEach((grouping) => {
    groupNames.set(grouping.scope, grouping.groupNames);
    const rows = new Float64Array(grouping.groupNames.length);
    for (let g = 0; g < confusion.groupCount; g++) rows[grouping.mapping[g]] += confusion.rows[g];
    grouping.groupNames.forEach((name, k) => {
      if (rows[k] === 0) emptyGroups.push(name);
    });
  });
  return new GroupMetricResult(values, emptyGroups, classNames, groupNames, confusion);
}
