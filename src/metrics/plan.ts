/**
 * A compiled metric plan: which (metric, class, grouping, group) values to report, in a fixed order,
 * and how to read each one from per-group confusion counts.
 *
 * The plan is compiled once per call; `evaluatePlan` turns one `GroupConfusion` into one value per
 * slot. The point estimate evaluates it once, and the bootstrap evaluates it once per resample on
 * resampled counts: every metric is always derived from the same counts, never recomputed from rows.
 */
import type { BaseMetric, Cell } from './base-metrics.ts';
import { aggregateConfusion, type GroupConfusion } from './confusion.ts';
import type { EvalContext, GroupValues, NanPolicy } from './derived.ts';
import type { Grouping } from './groups.ts';
import type { ResolvedMetric } from './registry.ts';

export interface PlanSlot {
  /** Reported metric name, e.g. `selection_rate`, `true_positive_rate[Right]`. */
  readonly metric: string;
  /** Group name, `''` for all rows / the combined grouping, `<attribute>=*` for a marginal disparity. */
  readonly group: string;
  readonly groupingIndex: number;
  /** Positive class for class-dependent metrics; −1 for class-free ones. */
  readonly classIndex: number;
  readonly read: (ctx: EvalContext) => number;
}

export interface MetricPlan {
  readonly slots: readonly PlanSlot[];
  readonly groupings: readonly Grouping[];
  readonly classCount: number;
  readonly nanPolicy: NanPolicy;
  readonly concentration: number;
}

/** Name of the per-evaluation count of empty groups (always reported). */
export const EMPTY_GROUPS_METRIC = 'empty_groups';

export function compilePlan(opts: {
  metrics: readonly ResolvedMetric[];
  groupings: readonly Grouping[];
  classNames: readonly string[];
  /** Classes the class-dependent metrics are reported for. */
  reportClasses: readonly number[];
  /** Suffix class-dependent metric names with `[Class]` (multi-class tasks). */
  suffixClass: boolean;
  nanPolicy: NanPolicy;
  concentration: number;
}): MetricPlan {
  const slots: PlanSlot[] = [];
  for (const { entry, classIndex } of opts.metrics) {
    const info = entry.info;
    const classes = info.classFree ? [-1] : classIndex !== undefined ? [classIndex] : opts.reportClasses;
    for (const cls of classes) {
      const name = cls >= 0 && opts.suffixClass ? `${info.name}[${opts.classNames[cls]}]` : info.name;
      opts.groupings.forEach((grouping, gi) => {
        if (entry.kind === 'group') {
          const base = entry.base;
          if (gi === 0)
            slots.push({ metric: name, group: '', groupingIndex: 0, classIndex: cls, read: overallOf(base) });
          grouping.groupNames.forEach((groupName, g) => {
            slots.push({
              metric: name,
              group: groupName,
              groupingIndex: gi,
              classIndex: cls,
              read: groupOf(base, g),
            });
          });
        } else {
          if (info.needsPrivileged && grouping.privileged === undefined) return;
          slots.push({
            metric: name,
            group: grouping.scope === '' ? '' : `${grouping.scope}=*`,
            groupingIndex: gi,
            classIndex: cls,
            read: entry.derived.compute,
          });
        }
      });
    }
  }
  opts.groupings.forEach((grouping, gi) => {
    slots.push({
      metric: EMPTY_GROUPS_METRIC,
      group: grouping.scope === '' ? '' : `${grouping.scope}=*`,
      groupingIndex: gi,
      classIndex: -1,
      read: (ctx) => ctx.emptyGroup.reduce((s, e) => s + e, 0),
    });
  });
  return {
    slots,
    groupings: opts.groupings,
    classCount: opts.classNames.length,
    nanPolicy: opts.nanPolicy,
    concentration: opts.concentration,
  };
}

function overallOf(base: BaseMetric): (ctx: EvalContext) => number {
  return (ctx) => ctx.base(base).overall;
}
function groupOf(base: BaseMetric, g: number): (ctx: EvalContext) => number {
  return (ctx) => ctx.base(base).byGroup[g];
}

/** Fill `cell` with group g's counts for positive class `cls` (class-free metrics ignore the one-vs-rest part). */
export function fillCell(conf: GroupConfusion, g: number, cls: number, cell: Cell): Cell {
  const C = conf.classCount;
  const CC = C * C;
  const off = g * CC;
  const M = conf.cells.subarray(off, off + CC);
  const k = cls < 0 ? 0 : cls;
  let total = 0;
  for (let j = 0; j < CC; j++) total += M[j];
  let row = 0;
  let col = 0;
  for (let j = 0; j < C; j++) {
    row += M[k * C + j];
    col += M[j * C + k];
  }
  const tp = M[k * C + k];
  cell.tp = tp;
  cell.fn = row - tp;
  cell.fp = col - tp;
  cell.tn = total - row - col + tp;
  cell.weight = total;
  cell.rows = conf.rows[g];
  cell.matrix = M;
  cell.classCount = C;
  const s = conf.scores;
  cell.probaSum = s === undefined ? NaN : s.probaSum[g * C + k];
  cell.brierSum = s === undefined ? NaN : s.brierSum[g * C + k];
  cell.logLossSum = s === undefined ? NaN : s.logLossSum[g];
  return cell;
}

export function emptyCell(): Cell {
  return {
    tp: 0,
    fp: 0,
    tn: 0,
    fn: 0,
    weight: 0,
    rows: 0,
    matrix: new Float64Array(0),
    classCount: 0,
    probaSum: NaN,
    brierSum: NaN,
    logLossSum: NaN,
  };
}

class PlanContext implements EvalContext {
  readonly groupCount: number;
  readonly emptyGroup: Uint8Array;
  private readonly memo = new Map<BaseMetric, GroupValues>();
  private pooledConf: GroupConfusion | undefined;
  private tablesMemo: ReturnType<EvalContext['labelTables']> | undefined;
  private readonly cell = emptyCell();

  constructor(
    private readonly conf: GroupConfusion,
    private readonly overall: GroupConfusion,
    private readonly classIndex: number,
    private readonly privileged: Uint8Array | undefined,
    readonly nanPolicy: NanPolicy,
    readonly concentration: number,
  ) {
    this.groupCount = conf.groupCount;
    this.emptyGroup = new Uint8Array(conf.groupCount);
    for (let g = 0; g < conf.groupCount; g++) this.emptyGroup[g] = conf.rows[g] === 0 ? 1 : 0;
  }

  base(metric: BaseMetric): GroupValues {
    let v = this.memo.get(metric);
    if (v === undefined) {
      const byGroup = new Float64Array(this.groupCount);
      for (let g = 0; g < this.groupCount; g++) {
        byGroup[g] = metric.value(fillCell(this.conf, g, this.classIndex, this.cell));
      }
      const overall = metric.value(fillCell(this.overall, 0, this.classIndex, this.cell));
      v = { byGroup, overall };
      this.memo.set(metric, v);
    }
    return v;
  }

  pooled(metric: BaseMetric, side: 'privileged' | 'unprivileged'): number {
    if (this.privileged === undefined) return NaN;
    if (this.pooledConf === undefined) {
      // Group 0 = privileged rows, group 1 = everyone else.
      const mapping = new Int32Array(this.groupCount);
      for (let g = 0; g < this.groupCount; g++) mapping[g] = this.privileged[g] === 1 ? 0 : 1;
      this.pooledConf = aggregateConfusion(this.conf, mapping, 2);
    }
    return metric.value(fillCell(this.pooledConf, side === 'privileged' ? 0 : 1, this.classIndex, this.cell));
  }

  labelTables(): ReturnType<EvalContext['labelTables']> {
    if (this.tablesMemo === undefined) {
      const G = this.groupCount;
      const C = this.conf.classCount;
      const truth = new Float64Array(G * C);
      const predicted = new Float64Array(G * C);
      for (let g = 0; g < G; g++) {
        for (let t = 0; t < C; t++) {
          for (let p = 0; p < C; p++) {
            const v = this.conf.cells[(g * C + t) * C + p];
            truth[g * C + t] += v;
            predicted[g * C + p] += v;
          }
        }
      }
      this.tablesMemo = { truth, predicted, groups: G, classes: C };
    }
    return this.tablesMemo;
  }
}

/** One value per plan slot, from the combined-grouping confusion counts. */
export function evaluatePlan(plan: MetricPlan, conf: GroupConfusion, out?: Float64Array): Float64Array {
  const values = out ?? new Float64Array(plan.slots.length);
  const overall = aggregateConfusion(conf, new Int32Array(conf.groupCount), 1);
  const perGrouping = plan.groupings.map((gr) =>
    gr.scope === '' ? conf : aggregateConfusion(conf, gr.mapping, gr.groupNames.length),
  );
  const contexts = new Map<number, PlanContext>();
  const C1 = plan.classCount + 1;
  for (let i = 0; i < plan.slots.length; i++) {
    const slot = plan.slots[i];
    const key = slot.groupingIndex * C1 + slot.classIndex + 1;
    let ctx = contexts.get(key);
    if (ctx === undefined) {
      ctx = new PlanContext(
        perGrouping[slot.groupingIndex],
        overall,
        slot.classIndex,
        plan.groupings[slot.groupingIndex].privileged,
        plan.nanPolicy,
        plan.concentration,
      );
      contexts.set(key, ctx);
    }
    values[i] = slot.read(ctx);
  }
  return values;
}
