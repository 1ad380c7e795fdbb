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
  const M = conf.cells;
  const k = cls < 0 ? 0 : cls;
  let total = 0;
  for (let j = off; j < off + CC; j++) total += M[j];
  let row = 0;
  let col = 0;
  for (let j = 0; j < C; j++) {
    row += M[off + k * C + j];
    col += M[off + j * C + k];
  }
  const tp = M[off + k * C + k];
  cell.tp = tp;
  cell.fn = row - tp;
  cell.fp = col - tp;
  cell.tn = total - row - col + tp;
  cell.weight = total;
  cell.rows = conf.rows[g];
  cell.matrix = M;
  cell.matrixOffset = off;
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
    matrixOffset: 0,
    classCount: 0,
    probaSum: NaN,
    brierSum: NaN,
    logLossSum: NaN,
  };
}

interface Memo {
  epoch: number;
  readonly values: { byGroup: Float64Array; overall: number };
}

/**
 * The evaluation state of one (grouping, class) pair. It is reset for every confusion table and
 * keeps its buffers, so the bootstrap evaluates thousands of resamples without allocating.
 */
class PlanContext implements EvalContext {
  readonly groupCount: number;
  readonly emptyGroup: Uint8Array;
  private conf!: GroupConfusion;
  private overall!: GroupConfusion;
  private epoch = 0;
  private readonly memo = new Map<BaseMetric, Memo>();
  private pooledEpoch = -1;
  private pooledConf: GroupConfusion | undefined;
  private readonly pooledMapping: Int32Array | undefined;
  private readonly pooledBuffers: { cells: Float64Array; rows: Float64Array } | undefined;
  private tablesEpoch = -1;
  private readonly tables: { truth: Float64Array; predicted: Float64Array; groups: number; classes: number };
  private readonly cell = emptyCell();

  constructor(
    groupCount: number,
    classCount: number,
    private readonly classIndex: number,
    private readonly privileged: Uint8Array | undefined,
    readonly nanPolicy: NanPolicy,
    readonly concentration: number,
  ) {
    this.groupCount = groupCount;
    this.emptyGroup = new Uint8Array(groupCount);
    if (privileged !== undefined) {
      // Group 0 = privileged rows, group 1 = everyone else.
      this.pooledMapping = new Int32Array(groupCount);
      for (let g = 0; g < groupCount; g++) this.pooledMapping[g] = privileged[g] === 1 ? 0 : 1;
      this.pooledBuffers = {
        cells: new Float64Array(2 * classCount * classCount),
        rows: new Float64Array(2),
      };
    }
    this.tables = {
      truth: new Float64Array(groupCount * classCount),
      predicted: new Float64Array(groupCount * classCount),
      groups: groupCount,
      classes: classCount,
    };
  }

  reset(conf: GroupConfusion, overall: GroupConfusion): void {
    this.conf = conf;
    this.overall = overall;
    this.epoch++;
    for (let g = 0; g < this.groupCount; g++) this.emptyGroup[g] = conf.rows[g] === 0 ? 1 : 0;
  }

  base(metric: BaseMetric): GroupValues {
    let m = this.memo.get(metric);
    if (m === undefined) {
      m = { epoch: -1, values: { byGroup: new Float64Array(this.groupCount), overall: NaN } };
      this.memo.set(metric, m);
    }
    if (m.epoch !== this.epoch) {
      const v = m.values;
      for (let g = 0; g < this.groupCount; g++) {
        v.byGroup[g] = metric.value(fillCell(this.conf, g, this.classIndex, this.cell));
      }
      v.overall = metric.value(fillCell(this.overall, 0, this.classIndex, this.cell));
      m.epoch = this.epoch;
    }
    return m.values;
  }

  pooled(metric: BaseMetric, side: 'privileged' | 'unprivileged'): number {
    if (this.pooledMapping === undefined) return NaN;
    if (this.pooledEpoch !== this.epoch) {
      this.pooledConf = aggregateConfusion(this.conf, this.pooledMapping, 2, this.pooledBuffers);
      this.pooledEpoch = this.epoch;
    }
    return metric.value(
      fillCell(this.pooledConf as GroupConfusion, side === 'privileged' ? 0 : 1, this.classIndex, this.cell),
    );
  }

  labelTables(): ReturnType<EvalContext['labelTables']> {
    if (this.tablesEpoch !== this.epoch) {
      const G = this.groupCount;
      const C = this.conf.classCount;
      const { truth, predicted } = this.tables;
      truth.fill(0);
      predicted.fill(0);
      for (let g = 0; g < G; g++) {
        for (let t = 0; t < C; t++) {
          for (let p = 0; p < C; p++) {
            const v = this.conf.cells[(g * C + t) * C + p];
            truth[g * C + t] += v;
            predicted[g * C + p] += v;
          }
        }
      }
      this.tablesEpoch = this.epoch;
    }
    return this.tables;
  }
}

/** Evaluates one plan on many confusion tables (the point estimate, then every bootstrap resample). */
export class PlanEvaluator {
  private readonly contexts: PlanContext[] = [];
  /** Index into `contexts` per slot. */
  private readonly slotContext: Int32Array;
  private readonly contextGrouping: number[] = [];
  private readonly overallBuffers: { cells: Float64Array; rows: Float64Array };
  private readonly overallMapping: Int32Array;
  private readonly groupingBuffers: ({ cells: Float64Array; rows: Float64Array } | undefined)[];

  constructor(
    private readonly plan: MetricPlan,
    combinedGroupCount: number,
  ) {
    const C = plan.classCount;
    const CC = C * C;
    const keyToContext = new Map<number, number>();
    this.slotContext = new Int32Array(plan.slots.length);
    plan.slots.forEach((slot, i) => {
      const key = slot.groupingIndex * (C + 1) + slot.classIndex + 1;
      let idx = keyToContext.get(key);
      if (idx === undefined) {
        const grouping = plan.groupings[slot.groupingIndex];
        idx = this.contexts.length;
        this.contexts.push(
          new PlanContext(
            grouping.groupNames.length,
            C,
            slot.classIndex,
            grouping.privileged,
            plan.nanPolicy,
            plan.concentration,
          ),
        );
        this.contextGrouping.push(slot.groupingIndex);
        keyToContext.set(key, idx);
      }
      this.slotContext[i] = idx;
    });
    this.overallBuffers = { cells: new Float64Array(CC), rows: new Float64Array(1) };
    this.overallMapping = new Int32Array(combinedGroupCount);
    this.groupingBuffers = plan.groupings.map((gr) =>
      gr.scope === ''
        ? undefined
        : {
            cells: new Float64Array(gr.groupNames.length * CC),
            rows: new Float64Array(gr.groupNames.length),
          },
    );
  }

  evaluate(conf: GroupConfusion, out?: Float64Array): Float64Array {
    const plan = this.plan;
    const values = out ?? new Float64Array(plan.slots.length);
    const overall = aggregateConfusion(
      conf,
      this.overallMapping,
      1,
      conf.scores ? undefined : this.overallBuffers,
    );
    const perGrouping = plan.groupings.map((gr, gi) =>
      gr.scope === ''
        ? conf
        : aggregateConfusion(
            conf,
            gr.mapping,
            gr.groupNames.length,
            conf.scores ? undefined : this.groupingBuffers[gi],
          ),
    );
    for (let k = 0; k < this.contexts.length; k++) {
      this.contexts[k].reset(perGrouping[this.contextGrouping[k]], overall);
    }
    for (let i = 0; i < plan.slots.length; i++)
      values[i] = plan.slots[i].read(this.contexts[this.slotContext[i]]);
    return values;
  }
}

/** One value per plan slot, from the combined-grouping confusion counts. */
export function evaluatePlan(plan: MetricPlan, conf: GroupConfusion, out?: Float64Array): Float64Array {
  return new PlanEvaluator(plan, conf.groupCount).evaluate(conf, out);
}
