/**
 * Composition strategies: how generation g's training set D_g is assembled from the real data D,
 * the synthetic sets S_1..S_g and (for `fresh`) new real rows F_g.
 *
 * A strategy is a pure function of sizes, the generation and a random stream; it returns row indices
 * grouped by source (a plan), never copies of rows. `materializePlan` gathers the rows once.
 *
 * Sizes (N = real training rows; docs/strategies.md has the table):
 *   replace               D_g = S_g                                   |S_g| = N
 *   accumulate            D_g = D ∪ S_1 ∪ … ∪ S_g                      |S_g| = N
 *   accumulate-subsample  M rows uniformly from D ∪ S_1 ∪ … ∪ S_g      |S_g| = N, M = size ?? N
 *   preserve(ρ)           D_g = S_g ∪ round(ρN) real rows, re-drawn   |S_g| = N
 *   mix(r, fixed-total)   round(rN) synthetic + N − round(rN) real     |S_g| = round(rN)
 *   mix(r, additive)      all N real + round(rN/(1−r)) synthetic       |S_g| = round(rN/(1−r))
 *   fresh(φ)              round(φN) new real rows + N − round(φN) synthetic
 * With an explicit `sampling.size`, S_g has that size and a strategy that needs fewer rows draws
 * them without replacement from S_g.
 */
import { concatDatasets, takeRows, type Dataset } from '../core/dataset.ts';
import { BiasloopError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { StrategySpecResolved } from '../spec/schema.ts';

export type SegmentSource = 'real' | 'synthetic' | 'fresh';

export interface PlanSegment {
  readonly source: SegmentSource;
  /** Generation the rows were produced in (real: −1). */
  readonly generation: number;
  /** Row indices into that source, ascending. */
  readonly rows: Int32Array;
}

export interface TrainingSetPlan {
  readonly generation: number;
  readonly segments: readonly PlanSegment[];
}

export interface CompositionSizes {
  /** Real training rows N. */
  readonly realSize: number;
  /** |S_1|, …, |S_g| (index i holds |S_{i+1}|). */
  readonly syntheticSizes: readonly number[];
  /** |F_g| (fresh only). */
  readonly freshSize: number;
}

const all = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);
const sortedSample = (rng: Rng, n: number, k: number): Int32Array =>
  k >= n ? all(n) : rng.sampleWithoutReplacement(n, k).sort();

/** Rows of S_g the strategy needs each generation (when sampling.size is 'auto'). */
export function syntheticDemand(strategy: StrategySpecResolved, realSize: number): number {
  switch (strategy.kind) {
    case 'replace':
    case 'accumulate':
    case 'accumulate-subsample':
    case 'preserve':
      return realSize;
    case 'mix':
      if (strategy.mode === 'fixed-total') return Math.round(strategy.ratio * realSize);
      if (strategy.ratio >= 1) {
        throw new BiasloopError(
          'spec',
          'strategy.ratio must be below 1 in additive mode (all real data stays in)',
          {
            field: 'strategy.ratio',
            hint: "use mode 'fixed-total' for a fully synthetic mix",
          },
        );
      }
      return Math.round((strategy.ratio * realSize) / (1 - strategy.ratio));
    case 'fresh':
      return realSize - freshDemand(strategy, realSize);
  }
}

/** New real rows per generation (fresh only). */
export function freshDemand(strategy: StrategySpecResolved, realSize: number): number {
  return strategy.kind === 'fresh' ? Math.round(strategy.freshFraction * realSize) : 0;
}

/** The training-set plan of generation g ≥ 1. */
export function composeTrainingSet(
  strategy: StrategySpecResolved,
  generation: number,
  sizes: CompositionSizes,
  rng: Rng,
): TrainingSetPlan {
  const g = generation;
  if (g < 1 || sizes.syntheticSizes.length < g) {
    throw new RangeError(
      `composeTrainingSet: generation ${g} needs ${g} synthetic sets, got ${sizes.syntheticSizes.length}`,
    );
  }
  const N = sizes.realSize;
  const latest = sizes.syntheticSizes[g - 1];
  const syn = (rows: Int32Array): PlanSegment => ({ source: 'synthetic', generation: g, rows });
  const real = (rows: Int32Array): PlanSegment => ({ source: 'real', generation: -1, rows });
  const need = (k: number): void => {
    if (latest < k) {
      throw new BiasloopError(
        'spec',
        `the strategy needs ${k} synthetic rows per generation but sampling.size is ${latest}`,
        {
          field: 'sampling.size',
        },
      );
    }
  };
  let segments: PlanSegment[];
  switch (strategy.kind) {
    case 'replace':
      segments = [syn(all(latest))];
      break;
    case 'accumulate':
      segments = [
        real(all(N)),
        ...sizes.syntheticSizes
          .slice(0, g)
          .map((m, i) => ({ source: 'synthetic' as const, generation: i + 1, rows: all(m) })),
      ];
      break;
    case 'accumulate-subsample': {
      const M = strategy.size ?? N;
      const parts = [N, ...sizes.syntheticSizes.slice(0, g)];
      const total = parts.reduce((a, b) => a + b, 0);
      const chosen = sortedSample(rng, total, M);
      segments = [];
      let start = 0;
      let p = 0;
      for (let part = 0; part < parts.length; part++) {
        const end = start + parts[part];
        const rows: number[] = [];
        while (p < chosen.length && chosen[p] < end) rows.push(chosen[p++] - start);
        segments.push(
          part === 0
            ? real(Int32Array.from(rows))
            : { source: 'synthetic', generation: part, rows: Int32Array.from(rows) },
        );
        start = end;
      }
      break;
    }
    case 'preserve': {
      const k = Math.round(strategy.rho * N);
      segments = [real(sortedSample(rng, N, k)), syn(all(latest))];
      break;
    }
    case 'mix': {
      const m = syntheticDemand(strategy, N);
      need(m);
      const realRows = strategy.mode === 'fixed-total' ? sortedSample(rng.fork('real'), N, N - m) : all(N);
      segments = [real(realRows), syn(sortedSample(rng.fork('synthetic'), latest, m))];
      break;
    }
    case 'fresh': {
      const m = syntheticDemand(strategy, N);
      need(m);
      segments = [
        { source: 'fresh', generation: g, rows: all(sizes.freshSize) },
        syn(sortedSample(rng, latest, m)),
      ];
      break;
    }
  }
  return { generation: g, segments: segments.filter((s) => s.rows.length > 0) };
}

/** Where the rows of a plan live. */
export interface PlanSources {
  readonly real: Dataset;
  /** synthetic[i] = S_{i+1} (undefined once a strategy no longer needs it). */
  readonly synthetic: readonly (Dataset | undefined)[];
  /** fresh.get(g) = F_g. */
  readonly fresh: ReadonlyMap<number, Dataset>;
}

/** Gather the rows of a plan into one Dataset (provenance preserved). */
export function materializePlan(plan: TrainingSetPlan, sources: PlanSources): Dataset {
  const parts = plan.segments.map((s) => {
    const src =
      s.source === 'real'
        ? sources.real
        : s.source === 'synthetic'
          ? sources.synthetic[s.generation - 1]
          : sources.fresh.get(s.generation);
    if (!src) throw new RangeError(`plan refers to missing ${s.source} set of generation ${s.generation}`);
    return s.rows.length === src.n && isIdentity(s.rows) ? src : takeRows(src, s.rows);
  });
  if (parts.length === 0)
    throw new BiasloopError('spec', `generation ${plan.generation}: the training set is empty`);
  return parts.length === 1 ? parts[0] : concatDatasets(parts);
}

function isIdentity(rows: Int32Array): boolean {
  for (let i = 0; i < rows.length; i++) if (rows[i] !== i) return false;
  return true;
}
