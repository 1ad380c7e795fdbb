import { describe, expect, it } from 'vitest';
import { mannKendall, neweyWestAutoLag, olsTrend } from '../../src/metrics/trend.ts';
import { meanWithCi, quantileSorted } from '../../src/metrics/stats/descriptive.ts';

// Reference values from fixtures/trend_reference.py (hand formulas in numpy, no statsmodels): the HAC
// sandwich (XᵀX)⁻¹ S (XᵀX)⁻¹ with S = Σ_l w_l (Γ_l + Γ_lᵀ), w_l = 1 − l/(L+1), computed with numpy
// linear algebra; p-values from scipy.stats.t.sf / norm.sf; Mann–Kendall S, tie-corrected Var(S),
// continuity-corrected z and Sen's slope with the trend::sens.slope interval written out in Python.
// Series: the Right share (%) per paper generation 0..10 under Synthetic (PAPERS.md §1).
const x = Array.from({ length: 11 }, (_, i) => i);
const y = [54.4, 51.6, 55.9, 58.5, 63.6, 63.7, 67.5, 60.9, 61.7, 62.9, 59.2];

describe('OLS trend with Newey–West standard errors', () => {
  it('matches the hand-computed HAC sandwich for lags 0, 1 and 2', () => {
    const cases: [number, number, number, number, number][] = [
      // lag, se, t, p (t, 9 df), p (normal)
      [0, 0.31268854507462596, 2.7706919553348626, 0.021728911216936018, 0.005593731843136546],
      [1, 0.3463711764453563, 2.5012578854127216, 0.03379201127744512, 0.012375302740038813],
      [2, 0.3586797634856243, 2.415423797385079, 0.038901481867616036, 0.015716910808503116],
    ];
    for (const [lag, se, t, pT, pN] of cases) {
      const r = olsTrend(x, y, { lag });
      expect(r.slope).toBeCloseTo(0.8663636363636287, 12);
      expect(r.intercept).toBeCloseTo(55.659090909090956, 11);
      expect(r.se).toBeCloseTo(se, 12);
      expect(r.t).toBeCloseTo(t, 11);
      expect(r.p).toBeCloseTo(pT, 12);
      expect(olsTrend(x, y, { lag, distribution: 'normal' }).p).toBeCloseTo(pN, 12);
    }
  });

  it('applies the small-sample correction T/(T−2) on request', () => {
    const r = olsTrend(x, y, { lag: 1, smallSampleCorrection: true });
    expect(r.se).toBeCloseTo(0.3829277434877444, 12);
    expect(r.p).toBeCloseTo(0.04997420466110304, 12);
  });

  it('uses floor(4·(T/100)^(2/9)) as the automatic lag', () => {
    expect(neweyWestAutoLag(11)).toBe(2);
    expect(neweyWestAutoLag(100)).toBe(4);
    expect(neweyWestAutoLag(5)).toBe(2);
    expect(olsTrend(x, y).lag).toBe(2);
  });

  it('orders by x before taking lags and drops non-finite points', () => {
    const perm = [3, 0, 10, 5, 1, 2, 9, 4, 8, 6, 7];
    const a = olsTrend(
      perm.map((i) => x[i]),
      perm.map((i) => y[i]),
      { lag: 1 },
    );
    expect(a.se).toBeCloseTo(0.3463711764453563, 12);
    const b = olsTrend([...x, 11], [...y, NaN], { lag: 1 });
    expect(b.n).toBe(11);
    expect(b.se).toBeCloseTo(0.3463711764453563, 12);
    expect(olsTrend([0, 1], [1, 2]).slope).toBeNaN();
  });
});

describe('Mann–Kendall and Sen slope', () => {
  it('matches the hand formulas without ties', () => {
    const r = mannKendall(x, y);
    expect(r.s).toBe(23);
    expect(r.varS).toBe(165);
    expect(r.z).toBeCloseTo(1.7126976771553506, 13);
    expect(r.p).toBeCloseTo(0.08676817270387562, 13);
    expect(r.tau).toBeCloseTo(0.41818181818181815, 14);
    expect(r.senSlope).toBeCloseTo(0.9285714285714286, 13);
    expect(r.senIntercept).toBeCloseTo(56.25714285714285, 12);
    expect(r.senLow).toBeCloseTo(-0.20000000000000107, 12);
    expect(r.senHigh).toBeCloseTo(2.1833333333333336, 12);
    expect(r.trend).toBe('no trend');
  });

  it('applies the tie correction and uneven x spacing', () => {
    const r = mannKendall([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12], [1, 2, 2, 3, 3, 3, 5, 4, 4, 6, 7, 7]);
    expect(r.s).toBe(56);
    expect(r.varS).toBe(206);
    expect(r.z).toBeCloseTo(3.8320315786038974, 13);
    expect(r.p).toBeCloseTo(0.00012708942131548878, 15);
    expect(r.tau).toBeCloseTo(0.8484848484848485, 14);
    expect(r.senSlope).toBe(0.5);
    expect(r.senIntercept).toBe(0.75);
    expect(r.senLow).toBeCloseTo(1 / 3, 14);
    expect(r.senHigh).toBeCloseTo(0.6, 14);
    expect(r.trend).toBe('increasing');
  });

  it('finds no trend in a constant series', () => {
    const r = mannKendall([0, 1, 2, 3], [5, 5, 5, 5]);
    expect(r.s).toBe(0);
    expect(r.senSlope).toBe(0);
    expect(r.trend).toBe('no trend');
  });
});

describe('descriptive statistics', () => {
  it('t-interval of a mean (scipy.stats.t.interval on the same data)', () => {
    // numpy/scipy: mean 2.5, std 1.2909944487358056, t_{0.975,3} = 3.182446305283710 (mpmath).
    const s = meanWithCi([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.std).toBeCloseTo(1.2909944487358056, 14);
    const h = 3.18244630528371 * (1.2909944487358056 / 2);
    expect(s.ciLow).toBeCloseTo(2.5 - h, 12);
    expect(s.ciHigh).toBeCloseTo(2.5 + h, 12);
    expect(meanWithCi([7]).ciLow).toBeNaN();
    expect(meanWithCi([NaN, 1, 3]).n).toBe(2);
  });
  it('quantiles interpolate linearly like numpy', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 15);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });
});

describe('quantiles by selection', () => {
  it('equal sorting-based quantiles on random data with ties (fast-check)', async () => {
    const fc = (await import('fast-check')).default;
    const { quantilesInPlace } = await import('../../src/metrics/stats/descriptive.ts');
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 60 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (xs, q) => {
          const sorted = Float64Array.from(xs).sort();
          const want = [quantileSorted(sorted, q), quantileSorted(sorted, 1 - q)];
          const got = quantilesInPlace(Float64Array.from(xs), [q, 1 - q]);
          expect(got[0]).toBeCloseTo(want[0], 12);
          expect(got[1]).toBeCloseTo(want[1], 12);
        },
      ),
      { numRuns: 300 },
    );
  });
});
