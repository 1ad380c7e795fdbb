/**
 * Properties of the audit: row order does not matter, the reference group's ratios are exactly 1,
 * the verdict flips exactly at the tolerance boundary, and the same seed gives the same intervals.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentileIntervals } from '../../src/audit/bootstrap.ts';
import { compareLevels } from '../../src/audit/groups.ts';
import { quantilesInPlace } from '../../src/metrics/stats/descriptive.ts';
import { auditPredictions, verdictOf } from '../../src/audit/index.ts';
import { Rng } from '../../src/core/rng.ts';
import { writeCsv } from './fixtures.ts';

/** The adjacent doubles of x. */
function nextUp(x: number): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  v.setBigUint64(0, v.getBigUint64(0) + (x >= 0 ? 1n : -1n));
  return v.getFloat64(0);
}
function nextDown(x: number): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  v.setBigUint64(0, v.getBigUint64(0) + (x > 0 ? -1n : 1n));
  return v.getFloat64(0);
}

const rowArb = fc.tuple(
  fc.constantFrom('a', 'b', 'c'),
  fc.constantFrom('F', 'M'),
  fc.integer({ min: 0, max: 1 }),
  fc.integer({ min: 0, max: 1 }),
);

describe('audit properties', () => {
  it('permuting the rows changes nothing (values and intervals)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { minLength: 4, maxLength: 60 }),
        fc.integer(),
        async (rows, seed) => {
          const shuffled = Rng.stream(seed, 'perm').shuffle([...rows]);
          const opts = {
            label: 'y',
            prediction: 'p',
            groups: ['g', 's'],
            intersect: true,
            resamples: 40,
            seed: 3,
          };
          const a = await auditPredictions({ ...opts, file: writeCsv(['g', 's', 'y', 'p'], rows) });
          const b = await auditPredictions({ ...opts, file: writeCsv(['g', 's', 'y', 'p'], shuffled) });
          expect({ ...b, input: { ...b.input, file: '' } }).toEqual({
            ...a,
            input: { ...a.input, file: '' },
          });
        },
      ),
      { numRuns: 12 },
    );
  });

  it("the reference group's ratios are exactly 1 and its differences exactly 0 (where defined)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArb, { minLength: 4, maxLength: 60 }),
        fc.constantFrom('largest', 'min', 'max', 'a'),
        async (rows, reference) => {
          const r = await auditPredictions({
            file: writeCsv(['g', 's', 'y', 'p'], rows),
            label: 'y',
            prediction: 'p',
            groups: ['g'],
            reference: reference === 'a' && !rows.some((x) => x[0] === 'a') ? 'largest' : reference,
            resamples: 20,
          });
          const a = r.attributes[0];
          for (const g of a.groups) {
            for (const [m, d] of Object.entries(g.disparities)) {
              if (d.reference !== g.group || Number.isNaN(g.metrics[m].value)) continue;
              expect(d.ratio.value).toBe(1);
              expect(d.difference.value).toBe(0);
              expect(d.verdict).toBe('fair');
              // In every resample too: the interval of a group's ratio to itself is [1, 1].
              expect([d.ratio.ciLow, d.ratio.ciHigh]).toEqual([1, 1]);
            }
          }
          if (reference === 'min' || reference === 'max') {
            // Per metric the reference holds the smallest (largest) value: every ratio is ≥ 1 (≤ 1).
            for (const g of a.groups) {
              for (const d of Object.values(g.disparities)) {
                if (Number.isNaN(d.ratio.value)) continue;
                if (reference === 'min') expect(d.ratio.value).toBeGreaterThanOrEqual(1);
                else expect(d.ratio.value).toBeLessThanOrEqual(1);
              }
            }
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it('the verdict flips exactly at the tolerance boundary, both ends included', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 1, noNaN: true }), (t) => {
        const upper = 1 / t;
        expect(verdictOf(t, t)).toBe('fair');
        expect(verdictOf(nextDown(t), t)).toBe('unfair');
        expect(verdictOf(upper, t)).toBe('fair');
        expect(verdictOf(nextUp(upper), t)).toBe('unfair');
        expect(verdictOf(1, t)).toBe('fair');
      }),
    );
    // The four-fifths rule with exactly representable ends: 0.8 and 1.25.
    expect(verdictOf(0.8, 0.8)).toBe('fair');
    expect(verdictOf(nextDown(0.8), 0.8)).toBe('unfair');
    expect(verdictOf(1.25, 0.8)).toBe('fair');
    expect(verdictOf(nextUp(1.25), 0.8)).toBe('unfair');
    expect(verdictOf(NaN, 0.8)).toBe('undefined');
    expect(verdictOf(Infinity, 0.8)).toBe('unfair');
  });

  it('end to end: a selection-rate ratio of exactly 0.8 is fair, one count less is not', async () => {
    // Reference R selects 5 of 10 (0.5); X selects 4 of 10 (0.4): 0.4 / 0.5 is the double 0.8.
    const rows = (xSelected: number): (string | number)[][] => [
      ...Array.from({ length: 12 }, (_, i) => ['R', i % 2, i < 6 ? 1 : 0]),
      ...Array.from({ length: 10 }, (_, i) => ['X', i % 2, i < xSelected ? 1 : 0]),
    ];
    const run = async (x: number) =>
      (
        await auditPredictions({
          file: writeCsv(['g', 'y', 'p'], rows(x)),
          label: 'y',
          prediction: 'p',
          groups: ['g'],
          resamples: 0,
        })
      ).attributes[0].groups.find((g) => g.group === 'X')!.disparities.selection_rate;
    // R: 6 of 12 = 0.5. X: 4 of 10 = 0.4 → ratio 0.8 exactly; 3 of 10 → 0.6.
    const at = await run(4);
    expect(at.ratio.value).toBe(0.8);
    expect(at.verdict).toBe('fair');
    const below = await run(3);
    expect(below.verdict).toBe('unfair');
  });

  it('the same seed gives the same intervals, another seed other intervals', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => [
      ['a', 'b', 'c'][i % 3],
      (i * 7) % 2,
      (i * 11) % 3 === 0 ? 1 : 0,
    ]);
    const file = writeCsv(['g', 'y', 'p'], rows);
    const opts = { file, label: 'y', prediction: 'p', groups: ['g'], resamples: 100 };
    const a = await auditPredictions({ ...opts, seed: 1 });
    const b = await auditPredictions({ ...opts, seed: 1 });
    const c = await auditPredictions({ ...opts, seed: 2 });
    expect(b).toEqual(a);
    const ci = (r: typeof a) => r.attributes[0].groups.map((g) => g.metrics.accuracy.ciLow);
    expect(ci(c)).not.toEqual(ci(a));
    expect(c.attributes[0].groups.map((g) => g.metrics.accuracy.value)).toEqual(
      a.attributes[0].groups.map((g) => g.metrics.accuracy.value),
    );
  });

  it('group order is a total order: natural for digit runs, the same for any input order', () => {
    const str = fc.string({ unit: fc.constantFrom('a', 'B', '0', '1', '9', ' ', '-'), maxLength: 6 });
    fc.assert(
      fc.property(str, str, str, (a, b, c) => {
        const s = Math.sign;
        expect(compareLevels(a, a)).toBe(0);
        expect(s(compareLevels(a, b)) + s(compareLevels(b, a))).toBe(0);
        if (a !== b) expect(compareLevels(a, b)).not.toBe(0);
        if (compareLevels(a, b) < 0 && compareLevels(b, c) < 0) expect(compareLevels(a, c)).toBeLessThan(0);
      }),
      { numRuns: 2000 },
    );
    expect(['10', 'x10', '2', '(missing)', 'x9', '1'].sort(compareLevels)).toEqual([
      '1',
      '2',
      '10',
      'x9',
      'x10',
      '(missing)',
    ]);
  });

  it('percentile intervals from the tail buffers equal the registry quantiles of each column', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(0.5, 0.8, 0.9, 0.95, 0.99),
        fc.integer(),
        fc.constantFrom('random', 'ascending', 'descending', 'ties'),
        (B, W, level, seed, order) => {
          const rng = Rng.stream(seed, 'pct');
          const m = new Float64Array(B * W);
          for (let b = 0; b < B; b++) {
            for (let s = 0; s < W; s++) {
              const u = rng.float();
              m[b * W + s] =
                u < 0.1
                  ? NaN
                  : order === 'ties'
                    ? Math.floor(u * 4)
                    : order === 'random'
                      ? rng.normal()
                      : order === 'ascending'
                        ? b
                        : -b;
            }
          }
          const { low, high } = percentileIntervals(m, B, W, level);
          for (let s = 0; s < W; s++) {
            const column = Float64Array.from({ length: B }, (_, b) => m[b * W + s]).filter(
              (v) => !Number.isNaN(v),
            );
            const [lo, hi] = quantilesInPlace(column, [(1 - level) / 2, (1 + level) / 2]);
            expect(low[s]).toBe(lo);
            expect(high[s]).toBe(hi);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
