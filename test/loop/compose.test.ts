import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import {
  composeTrainingSet,
  freshDemand,
  syntheticDemand,
  type TrainingSetPlan,
} from '../../src/loop/compose.ts';
import type { StrategySpecResolved } from '../../src/spec/schema.ts';

const rng = (): Rng => Rng.stream(0, 'compose');
const count = (plan: TrainingSetPlan, source: string): number =>
  plan.segments.filter((s) => s.source === source).reduce((a, s) => a + s.rows.length, 0);
const total = (plan: TrainingSetPlan): number => plan.segments.reduce((a, s) => a + s.rows.length, 0);
/** Sizes after g generations when each S_i has the strategy's demand. */
const sizesFor = (strategy: StrategySpecResolved, N: number, g: number) => ({
  realSize: N,
  syntheticSizes: Array.from({ length: g }, () => syntheticDemand(strategy, N)),
  freshSize: freshDemand(strategy, N),
});

describe('composition strategies', () => {
  it('replace: only the newest synthetic set', () => {
    const s: StrategySpecResolved = { kind: 'replace' };
    const plan = composeTrainingSet(s, 3, sizesFor(s, 100, 3), rng());
    expect(plan.segments).toHaveLength(1);
    expect(plan.segments[0]).toMatchObject({ source: 'synthetic', generation: 3 });
    expect(plan.segments[0].rows.length).toBe(100);
  });

  it('accumulate: real data plus every synthetic set so far', () => {
    const s: StrategySpecResolved = { kind: 'accumulate' };
    const plan = composeTrainingSet(s, 4, sizesFor(s, 50, 4), rng());
    expect(total(plan)).toBe(250);
    expect(count(plan, 'real')).toBe(50);
    expect(plan.segments.map((x) => x.generation)).toEqual([-1, 1, 2, 3, 4]);
  });

  it('accumulate-subsample: a fixed size drawn uniformly from the accumulated pool', () => {
    const s: StrategySpecResolved = { kind: 'accumulate-subsample', size: 80 };
    const plan = composeTrainingSet(s, 3, sizesFor(s, 100, 3), rng());
    expect(total(plan)).toBe(80);
    for (const seg of plan.segments) {
      expect(new Set(seg.rows).size).toBe(seg.rows.length);
      expect([...seg.rows].every((r, i, a) => r >= 0 && r < 100 && (i === 0 || a[i - 1] < r))).toBe(true);
    }
    // Uniform over the pool: over many draws each source gets ~1/4 of the rows.
    const share = new Float64Array(4);
    for (let k = 0; k < 400; k++) {
      const p = composeTrainingSet(s, 3, sizesFor(s, 100, 3), Rng.stream(k, 'c'));
      p.segments.forEach(
        (seg) => (share[seg.generation === -1 ? 0 : seg.generation] += seg.rows.length / (80 * 400)),
      );
    }
    share.forEach((v) => expect(Math.abs(v - 0.25)).toBeLessThan(0.01));
  });

  it('preserve(ρ): the newest synthetic set plus exactly round(ρN) distinct real rows, re-drawn each generation', () => {
    const s: StrategySpecResolved = { kind: 'preserve', rho: 0.1 };
    const a = composeTrainingSet(s, 2, sizesFor(s, 1000, 2), Rng.stream(0, 'gen', 2));
    const b = composeTrainingSet(s, 3, sizesFor(s, 1000, 3), Rng.stream(0, 'gen', 3));
    expect(count(a, 'real')).toBe(100);
    expect(count(a, 'synthetic')).toBe(1000);
    const realA = a.segments.find((x) => x.source === 'real')!.rows;
    const realB = b.segments.find((x) => x.source === 'real')!.rows;
    expect(new Set(realA).size).toBe(100);
    expect(Array.from(realA)).not.toEqual(Array.from(realB));
  });

  it('mix(r): the synthetic share of the training set is exactly r (fixed-total and additive)', () => {
    for (const ratio of [0, 0.1, 0.25, 0.5, 0.75, 1]) {
      const s: StrategySpecResolved = { kind: 'mix', ratio, mode: 'fixed-total' };
      const plan = composeTrainingSet(s, 1, sizesFor(s, 1000, 1), rng());
      expect(total(plan)).toBe(1000);
      expect(count(plan, 'synthetic')).toBe(ratio * 1000);
    }
    for (const ratio of [0, 0.2, 0.5, 0.75]) {
      const s: StrategySpecResolved = { kind: 'mix', ratio, mode: 'additive' };
      const plan = composeTrainingSet(s, 1, sizesFor(s, 1200, 1), rng());
      expect(count(plan, 'real')).toBe(1200);
      expect(count(plan, 'synthetic') / total(plan)).toBeCloseTo(ratio, 12);
    }
    expect(() => syntheticDemand({ kind: 'mix', ratio: 1, mode: 'additive' }, 100)).toThrow(
      /ratio must be below 1/,
    );
  });

  it('fresh(φ): round(φN) new real rows plus synthetic rows, fixed total', () => {
    const s: StrategySpecResolved = { kind: 'fresh', freshFraction: 0.3 };
    const plan = composeTrainingSet(s, 2, sizesFor(s, 500, 2), rng());
    expect(total(plan)).toBe(500);
    expect(count(plan, 'fresh')).toBe(150);
    expect(plan.segments.find((x) => x.source === 'fresh')!.generation).toBe(2);
  });

  it('honours r and ρ for any sizes (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 1, max: 6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        (N, g, r, rho) => {
          const mix: StrategySpecResolved = { kind: 'mix', ratio: r, mode: 'fixed-total' };
          const pm = composeTrainingSet(mix, g, sizesFor(mix, N, g), rng());
          expect(total(pm)).toBe(N);
          expect(count(pm, 'synthetic')).toBe(Math.round(r * N));
          const pres: StrategySpecResolved = { kind: 'preserve', rho };
          const pp = composeTrainingSet(pres, g, sizesFor(pres, N, g), rng());
          expect(count(pp, 'real')).toBe(Math.round(rho * N));
          expect(count(pp, 'synthetic')).toBe(N);
          const acc: StrategySpecResolved = { kind: 'accumulate' };
          expect(total(composeTrainingSet(acc, g, sizesFor(acc, N, g), rng()))).toBe(N * (g + 1));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses an explicit sampling size below what the strategy needs', () => {
    const s: StrategySpecResolved = { kind: 'mix', ratio: 0.5, mode: 'fixed-total' };
    expect(() =>
      composeTrainingSet(s, 1, { realSize: 100, syntheticSizes: [10], freshSize: 0 }, rng()),
    ).toThrow(/sampling.size/);
  });
});
