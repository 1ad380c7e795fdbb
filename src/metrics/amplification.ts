/**
 * Bias amplification between what the data says and what a model (or a generator) produces.
 *
 * All three measures read count tables laid out `[a·K + k]` for group a and outcome k:
 * - smoothed empirical differential fairness (Foulds et al. 2018; AIF360's
 *   `smoothed_empirical_differential_fairness`): ε = max over outcomes y and group pairs (i, j) of
 *   |ln P(y|i) − ln P(y|j)| with Dirichlet-smoothed P(y|s) = (N_{s,y} + α)/(N_s + concentration),
 *   α = concentration / K. The bias amplification of a classifier is ε(predictions) − ε(labels)
 *   (AIF360's `differential_fairness_bias_amplification`).
 * - Zhao et al. 2017 ("Men also like shopping") BA: mean over outcomes t of
 *   Σ_{a: b*(a,t) > 1/|A|} (b̃(a,t) − b*(a,t)), with b(a,t) = N(a,t) / Σ_a' N(a',t) from the reference
 *   (b*) and predicted (b̃) co-occurrences.
 * - Wang & Russakovsky 2021 directional BA→: (1/|A||T|) Σ_{a,t} [y_at·Δ_at + (1 − y_at)·(−Δ_at)],
 *   y_at = 1[P(a,t) > P(a)·P(t)] on the reference, Δ_at = P(T̂=t|A=a) − P(T=t|A=a) for A→T and
 *   P(Â=a|T=t) − P(A=a|T=t) for T→A.
 * Groups with no rows are left out of all three (as AIF360 does: it only uses groups that occur);
 * the group metrics report such groups separately as empty.
 */

export interface CountTable {
  /** Counts (or weight sums) `[a·K + k]`. */
  readonly counts: ArrayLike<number>;
  /** Number of groups (attribute values) A. */
  readonly groups: number;
  /** Number of outcomes (classes / tasks) K. */
  readonly outcomes: number;
}

function rowTotal(t: CountTable, a: number): number {
  let s = 0;
  for (let k = 0; k < t.outcomes; k++) s += t.counts[a * t.outcomes + k];
  return s;
}

function columnTotal(t: CountTable, k: number): number {
  let s = 0;
  for (let a = 0; a < t.groups; a++) s += t.counts[a * t.outcomes + k];
  return s;
}

function checkSameShape(a: CountTable, b: CountTable): void {
  if (a.groups !== b.groups || a.outcomes !== b.outcomes || a.counts.length !== b.counts.length) {
    throw new RangeError(
      `count tables differ in shape: ${a.groups}×${a.outcomes} vs ${b.groups}×${b.outcomes}`,
    );
  }
}

/**
 * Smoothed empirical differential fairness ε of one count table (groups × outcomes). NaN when fewer
 * than two groups have rows.
 */
export function smoothedDifferentialFairness(table: CountTable, concentration = 1): number {
  if (!(concentration >= 0)) throw new RangeError(`concentration must be ≥ 0, got ${concentration}`);
  const K = table.outcomes;
  const alpha = concentration / K;
  const present: number[] = [];
  for (let a = 0; a < table.groups; a++) if (rowTotal(table, a) > 0) present.push(a);
  if (present.length < 2) return NaN;
  let eps = 0;
  for (let k = 0; k < K; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const a of present) {
      const p = (table.counts[a * K + k] + alpha) / (rowTotal(table, a) + concentration);
      const lp = Math.log(p);
      if (lp < lo) lo = lp;
      if (lp > hi) hi = lp;
    }
    // max over pairs of |ln p_i − ln p_j| is max − min; a zero probability (no smoothing) gives Infinity.
    const spread = hi - lo;
    if (Number.isNaN(spread)) return Infinity;
    if (spread > eps) eps = spread;
  }
  return eps;
}

/** ε(predicted) − ε(truth): positive when the model is less differentially fair than its data. */
export function differentialFairnessAmplification(
  truth: CountTable,
  predicted: CountTable,
  concentration = 1,
): number {
  checkSameShape(truth, predicted);
  return (
    smoothedDifferentialFairness(predicted, concentration) -
    smoothedDifferentialFairness(truth, concentration)
  );
}

/**
 * Zhao et al.'s bias amplification. `reference` gives b* (training data or ground truth), `predicted`
 * gives b̃. Outcomes absent from the reference are skipped; an outcome the reference ties to a group
 * but that is never predicted makes the result NaN (undefined, not 0).
 */
export function zhaoBiasAmplification(reference: CountTable, predicted: CountTable): number {
  checkSameShape(reference, predicted);
  const A = reference.groups;
  const K = reference.outcomes;
  let presentGroups = 0;
  for (let a = 0; a < A; a++) if (rowTotal(reference, a) > 0) presentGroups++;
  if (presentGroups === 0) return NaN;
  const threshold = 1 / presentGroups;
  let sum = 0;
  let tasks = 0;
  for (let k = 0; k < K; k++) {
    const refTotal = columnTotal(reference, k);
    if (!(refTotal > 0)) continue;
    tasks++;
    const predTotal = columnTotal(predicted, k);
    for (let a = 0; a < A; a++) {
      const bStar = reference.counts[a * K + k] / refTotal;
      if (bStar > threshold) {
        if (!(predTotal > 0)) return NaN;
        sum += predicted.counts[a * K + k] / predTotal - bStar;
      }
    }
  }
  return tasks > 0 ? sum / tasks : NaN;
}

export type AmplificationDirection = 'A->T' | 'T->A';

/**
 * Wang & Russakovsky's directional bias amplification BiasAmp→.
 * - `truth`: joint counts of the true attribute and true task.
 * - `predicted`: for A→T the joint counts of the true attribute and the predicted task; for T→A
 *   those of the predicted attribute and the true task.
 * - `reference` (default `truth`): where y_at (which pairs are positively correlated) is read.
 */
export function directionalBiasAmplification(opts: {
  truth: CountTable;
  predicted: CountTable;
  reference?: CountTable;
  direction?: AmplificationDirection;
}): number {
  const { truth, predicted } = opts;
  const reference = opts.reference ?? truth;
  checkSameShape(truth, predicted);
  checkSameShape(truth, reference);
  const direction = opts.direction ?? 'A->T';
  const A = truth.groups;
  const K = truth.outcomes;
  let refN = 0;
  for (let i = 0; i < reference.counts.length; i++) refN += reference.counts[i];
  if (!(refN > 0)) return NaN;
  const groupsUsed: number[] = [];
  for (let a = 0; a < A; a++) if (rowTotal(truth, a) > 0) groupsUsed.push(a);
  const tasksUsed: number[] = [];
  for (let k = 0; k < K; k++) if (columnTotal(truth, k) > 0) tasksUsed.push(k);
  if (groupsUsed.length === 0 || tasksUsed.length === 0) return NaN;
  let sum = 0;
  for (const a of groupsUsed) {
    const refA = rowTotal(reference, a) / refN;
    for (let k = 0; k < K; k++) {
      let delta: number;
      if (direction === 'A->T') {
        const predA = rowTotal(predicted, a);
        const trueA = rowTotal(truth, a);
        delta = predicted.counts[a * K + k] / predA - truth.counts[a * K + k] / trueA;
      } else {
        const trueT = columnTotal(truth, k);
        if (!(trueT > 0)) continue;
        const predT = columnTotal(predicted, k);
        delta = predicted.counts[a * K + k] / predT - truth.counts[a * K + k] / trueT;
      }
      const refT = columnTotal(reference, k) / refN;
      const joint = reference.counts[a * K + k] / refN;
      sum += joint > refA * refT ? delta : -delta;
    }
  }
  const cells = direction === 'A->T' ? groupsUsed.length * K : groupsUsed.length * tasksUsed.length;
  return sum / cells;
}
