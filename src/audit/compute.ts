/**
 * The audit's numbers, all read from per-combo confusion counts through the metrics registry.
 *
 * The registry compiles a plan (one slot per metric × attribute × group, the overall values, and
 * the summary metrics per attribute) and evaluates it on the counts. The audit's own quantities —
 * each group's share, and per group metric its ratio and difference to the reference group — are
 * functions of those slot values (`derive`), applied to the point values and to every bootstrap
 * resample's values alike, so an interval of a ratio is the interval of the ratio, not a ratio of
 * intervals. The bootstrap (bootstrap.ts) redraws confusion cells or rows with the seeded Rng.
 */
import type { Rng } from '../core/rng.ts';
import { baseMetric, type BaseMetric } from '../metrics/base-metrics.ts';
import type { BootstrapRows } from '../metrics/bootstrap.ts';
import type { GroupConfusion } from '../metrics/confusion.ts';
import type { NanPolicy } from '../metrics/derived.ts';
import type { Grouping } from '../metrics/groups.ts';
import { compilePlan, evaluatePlan, type PlanSlot } from '../metrics/plan.ts';
import { percentileIntervals, resamplePlan } from './bootstrap.ts';
import type { AttributeSpec, ResolvedReference } from './groups.ts';
import type { MetricSelection } from './metric-selection.ts';
import type { AttributeAudit, Disparity, Estimate, GroupAudit } from './types.ts';
import { disparityDifference, disparityRatio, verdictOf } from './verdict.ts';

export interface ComputeInput {
  /** Confusion counts per combo (binary: class 1 = positive). */
  readonly confusion: GroupConfusion;
  readonly attributes: readonly AttributeSpec[];
  /** One registry grouping per attribute (mapping combo → group). */
  readonly groupings: readonly Grouping[];
  readonly references: readonly ResolvedReference[];
  readonly selection: MetricSelection;
  readonly tolerance: number;
  readonly minGroupSize: number;
  readonly nanPolicy: NanPolicy;
  readonly resamples: number;
  readonly confidence: number;
  readonly rng: Rng;
  /** Row data for the rows bootstrap (score metrics). */
  readonly rows?: BootstrapRows;
}

export interface ComputeOutput {
  readonly overall: { rows: number; metrics: Record<string, Estimate> };
  readonly attributes: AttributeAudit[];
  readonly bootstrap: 'cells' | 'rows' | 'none';
}

const POSITIVE = 1;

/** Which group a disparity of metric m in grouping a is taken against, per evaluation. */
function referenceIndex(values: Float64Array, ref: ResolvedReference): number {
  if (ref.method === 'largest' || ref.method === 'group') return ref.index;
  let best = -1;
  for (let g = 0; g < values.length; g++) {
    const v = values[g];
    if (Number.isNaN(v)) continue;
    if (best < 0 || (ref.method === 'min' ? v < values[best] : v > values[best])) best = g;
  }
  return best;
}

export function computeAudit(input: ComputeInput): ComputeOutput {
  const { confusion, groupings, selection, references } = input;
  // Privileged group (AIF360 metrics) = the fixed reference, or the largest group under min / max.
  const withPrivileged: Grouping[] = groupings.map((gr, a) => {
    const priv = new Uint8Array(gr.groupNames.length);
    const rows = groupRows(confusion, gr);
    const idx = references[a].index >= 0 ? references[a].index : argMax(rows);
    priv[idx] = 1;
    return { ...gr, privileged: priv };
  });
  const base = compilePlan({
    metrics: selection.resolved,
    groupings: withPrivileged,
    classNames: ['negative', 'positive'],
    reportClasses: [POSITIVE],
    suffixClass: false,
    nanPolicy: input.nanPolicy,
    concentration: 1,
  });
  const disparityMetrics = selection.groupMetrics.filter((m) => m !== 'count').map((m) => baseMetric(m));

  // Under min / max the reference group is chosen per metric on the point estimate and then held
  // fixed in every resample (the interval is that of the ratio to that group).
  const point0 = evaluatePlan(base, confusion);
  const slotIndex = indexSlots(base.slots);
  const refOf = (a: number, m: BaseMetric): number => {
    const gr = withPrivileged[a];
    const vals = Float64Array.from(gr.groupNames, (g) => point0[slotIndex.get(key(a, m.name, g)) as number]);
    return referenceIndex(vals, references[a]);
  };
  const refs = withPrivileged.map((_, a) => new Map(disparityMetrics.map((m) => [m.name, refOf(a, m)])));

  // Derived values (share, ratio and difference to the reference) read base slots: computed from
  // the point values and from each resample's values by the same function.
  const derivations = new Derivations();
  const shareAt = new Map<string, number>();
  const ratioAt = new Map<string, number>();
  const diffAt = new Map<string, number>();
  const overallCount = slotIndex.get(key(0, 'count', '')) as number;
  withPrivileged.forEach((gr, a) => {
    gr.groupNames.forEach((name) => {
      shareAt.set(
        key(a, '', name),
        derivations.add(SHARE, slotIndex.get(key(a, 'count', name)) as number, overallCount),
      );
      for (const m of disparityMetrics) {
        const r = refs[a].get(m.name) as number;
        const slot = slotIndex.get(key(a, m.name, name)) as number;
        const ref = r < 0 ? -1 : (slotIndex.get(key(a, m.name, gr.groupNames[r])) as number);
        ratioAt.set(key(a, m.name, name), derivations.add(RATIO, slot, ref));
        diffAt.set(key(a, m.name, name), derivations.add(DIFFERENCE, slot, ref));
      }
    });
  });
  const derive = derivations.compile();
  const S = base.slots.length;
  const D = derivations.length;
  const W = S + D;
  const point = new Float64Array(W);
  point.set(point0);
  derive(point0, point, S);
  let low: Float64Array | undefined;
  let high: Float64Array | undefined;
  let method: 'cells' | 'rows' | 'none' = 'none';
  if (input.resamples > 0) {
    const B = input.resamples;
    const baseSamples = resamplePlan(base, confusion, B, input.rng, input.rows);
    const all = new Float64Array(B * W);
    for (let b = 0; b < B; b++) {
      const values = baseSamples.subarray(b * S, (b + 1) * S);
      all.set(values, b * W);
      derive(values, all, b * W + S);
    }
    ({ low, high } = percentileIntervals(all, B, W, input.confidence));
    method = input.rows !== undefined ? 'rows' : 'cells';
  }
  const est = (i: number): Estimate => ({
    value: point[i],
    ciLow: low === undefined ? NaN : low[i],
    ciHigh: high === undefined ? NaN : high[i],
  });
  const estDerived = (i: number): Estimate => est(S + i);

  const overallMetrics: Record<string, Estimate> = {};
  for (const m of selection.groupMetrics) overallMetrics[m] = est(slotIndex.get(key(0, m, '')) as number);
  let total = 0;
  for (let c = 0; c < confusion.groupCount; c++) total += confusion.rows[c];

  const attributes: AttributeAudit[] = input.attributes.map((attr, a) => {
    const gr = withPrivileged[a];
    const reference = references[a];
    const counts = groupCounts(confusion, gr);
    const groups: GroupAudit[] = gr.groupNames.map((name, g) => {
      const metrics: Record<string, Estimate> = {};
      for (const m of selection.groupMetrics) metrics[m] = est(slotIndex.get(key(a, m, name)) as number);
      const disparities: Record<string, Disparity> = {};
      for (const m of disparityMetrics) {
        const ratio = estDerived(ratioAt.get(key(a, m.name, name)) as number);
        const r = refs[a].get(m.name) as number;
        disparities[m.name] = {
          reference: r >= 0 ? gr.groupNames[r] : '',
          ratio,
          difference: estDerived(diffAt.get(key(a, m.name, name)) as number),
          verdict: verdictOf(ratio.value, input.tolerance),
        };
      }
      const rows = counts[g].rows;
      return {
        group: name,
        rows,
        share: estDerived(shareAt.get(key(a, '', name)) as number),
        small: rows < input.minGroupSize,
        isReference: reference.index === g,
        counts: { tp: counts[g].tp, fp: counts[g].fp, tn: counts[g].tn, fn: counts[g].fn },
        metrics,
        disparities,
      };
    });
    const summary: Record<string, Estimate> = {};
    for (const m of selection.summaryMetrics) {
      const i = slotIndex.get(key(a, m, '*'));
      if (i !== undefined) summary[m] = est(i);
    }
    const unfair: { group: string; metric: string }[] = [];
    for (const g of groups) {
      for (const [metric, d] of Object.entries(g.disparities)) {
        if (d.verdict === 'unfair') unfair.push({ group: g.group, metric });
      }
    }
    return {
      attribute: attr.name,
      columns: attr.columns,
      reference:
        reference.method === 'min' || reference.method === 'max'
          ? { method: reference.method }
          : { method: reference.method, group: gr.groupNames[reference.index] },
      groups,
      summary,
      unfair,
      smallGroups: groups.filter((g) => g.small).map((g) => g.group),
    };
  });
  return { overall: { rows: total, metrics: overallMetrics }, attributes, bootstrap: method };
}

const SHARE = 0;
const RATIO = 1;
const DIFFERENCE = 2;

/** Derived values as parallel typed arrays: kind, value slot, reference slot (−1: none). */
class Derivations {
  private kinds: number[] = [];
  private slots: number[] = [];
  private refs: number[] = [];

  /** Add one; returns its index. */
  add(kind: number, slot: number, ref: number): number {
    this.kinds.push(kind);
    this.slots.push(slot);
    this.refs.push(ref);
    return this.kinds.length - 1;
  }

  get length(): number {
    return this.kinds.length;
  }

  compile(): (values: Float64Array, out: Float64Array, offset: number) => void {
    const kind = Int8Array.from(this.kinds);
    const slot = Int32Array.from(this.slots);
    const ref = Int32Array.from(this.refs);
    const D = kind.length;
    return (values, out, offset) => {
      for (let i = 0; i < D; i++) {
        const v = values[slot[i]];
        const r = ref[i] < 0 ? NaN : values[ref[i]];
        const k = kind[i];
        out[offset + i] =
          k === RATIO
            ? disparityRatio(v, r)
            : k === DIFFERENCE
              ? disparityDifference(v, r)
              : r > 0
                ? v / r
                : NaN;
      }
    };
  }
}

function key(grouping: number, metric: string, group: string): string {
  return `${grouping}\u0000${metric}\u0000${group}`;
}

/** Slot positions by (grouping, metric, group); summary metrics under group `*`, overall under ''. */
function indexSlots(slots: readonly PlanSlot[]): Map<string, number> {
  const out = new Map<string, number>();
  slots.forEach((s, i) => {
    const group = s.group.endsWith('=*') || (s.group === '' && s.groupingIndex !== 0) ? '*' : s.group;
    const k = key(s.groupingIndex, s.metric, group);
    if (!out.has(k)) out.set(k, i);
  });
  return out;
}

function groupRows(conf: GroupConfusion, gr: Grouping): Float64Array {
  const rows = new Float64Array(gr.groupNames.length);
  for (let c = 0; c < conf.groupCount; c++) rows[gr.mapping[c]] += conf.rows[c];
  return rows;
}

function groupCounts(
  conf: GroupConfusion,
  gr: Grouping,
): { rows: number; tp: number; fp: number; tn: number; fn: number }[] {
  const out = gr.groupNames.map(() => ({ rows: 0, tp: 0, fp: 0, tn: 0, fn: 0 }));
  for (let c = 0; c < conf.groupCount; c++) {
    const o = out[gr.mapping[c]];
    const cell = conf.cells;
    o.rows += conf.rows[c];
    o.tn += cell[c * 4];
    o.fp += cell[c * 4 + 1];
    o.fn += cell[c * 4 + 2];
    o.tp += cell[c * 4 + 3];
  }
  return out;
}

function argMax(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
