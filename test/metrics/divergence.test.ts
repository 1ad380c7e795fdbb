import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { association, entropy, varianceRatio } from '../../src/metrics/collapse.ts';
import {
  selectKth,
  frechetDistance,
  frechetDistanceOfSamples,
  gaussianFit,
  jsDivergence,
  klDivergence,
  medianHeuristic,
  mmdRbf,
  wasserstein1,
} from '../../src/metrics/divergence.ts';
import { sqrtSymmetric, matMul, symmetricEigen } from '../../src/core/linalg.ts';

// Reference values: fixtures/divergence_reference.py (scipy 1.10 entropy, jensenshannon (squared),
// wasserstein_distance, linalg.sqrtm, contingency.association; scikit-learn mutual_info_score; numpy
// for the MMD U- and V-statistics).

describe('discrete divergences', () => {
  const p = [10, 20, 30, 40];
  const q = [25, 25, 25, 25];
  it('KL matches scipy.stats.entropy', () => {
    expect(klDivergence(p, q)).toBeCloseTo(0.10644013528622318, 14);
    expect(klDivergence(p, q, { base: 2 })).toBeCloseTo(0.15356065532898455, 14);
    expect(klDivergence([1, 1], [1, 0])).toBe(Infinity);
    expect(Number.isFinite(klDivergence([1, 1], [1, 0], { smoothing: 0.5 }))).toBe(true);
    expect(klDivergence(p, p)).toBe(0);
  });
  it('Jensen–Shannon matches scipy (squared distance, base 2) and is bounded by 1', () => {
    expect(jsDivergence(p, q)).toBeCloseTo(0.04020158234614192, 14);
    expect(jsDivergence([1, 0], [0, 1])).toBeCloseTo(1, 14);
    expect(jsDivergence(q, q)).toBe(0);
  });
  it('entropy in bits', () => {
    expect(entropy([1, 2, 3, 4])).toBeCloseTo(1.8464393446710157, 14);
    expect(entropy([5, 0, 0])).toBe(0);
    expect(entropy([1, 1, 1, 1])).toBeCloseTo(2, 15);
  });
});

describe('Wasserstein-1', () => {
  it('matches scipy.stats.wasserstein_distance, with and without weights', () => {
    expect(wasserstein1([0, 1, 3, 3.5, 7], [5, 6, 8])).toBeCloseTo(3.4333333333333336, 14);
    expect(wasserstein1([0, 1, 3, 3.5, 7], [5, 6, 8], [1, 2, 1, 1, 3], [2, 1, 1])).toBeCloseTo(2.5625, 14);
  });
  it('is the shift between a sample and its translate, and 0 against itself', () => {
    const a = [0.3, 1.2, -4, 2.2, 2.2];
    expect(
      wasserstein1(
        a,
        a.map((v) => v + 1.5),
      ),
    ).toBeCloseTo(1.5, 14);
    expect(wasserstein1(a, [...a].reverse())).toBe(0);
  });
});

describe('MMD with an RBF kernel', () => {
  const x = [0, 1, 1, 0.5, 2, 2, 0.5, -1];
  const y = [1, 1, 3, 0, 2.5, 2.5];
  it('matches the numpy U- and V-statistics for a fixed bandwidth', () => {
    expect(mmdRbf(x, y, 2, { bandwidth: 1.3 })).toBeCloseTo(-0.15430095772225982, 14);
    expect(mmdRbf(x, y, 2, { bandwidth: 1.3, biased: true })).toBeCloseTo(0.27069832865234755, 14);
  });
  it('uses the median pairwise distance as the default bandwidth', () => {
    expect(medianHeuristic(x, y, 2)).toBeCloseTo(2.1213203435596424, 14);
    expect(mmdRbf(x, y, 2)).toBe(mmdRbf(x, y, 2, { bandwidth: 2.1213203435596424 }));
  });
  it('separates shifted Gaussians and not identical ones', () => {
    const rng = Rng.stream(4, 'mmd');
    const a = rng.fillNormal(new Float64Array(400));
    const b = rng.fillNormal(new Float64Array(400));
    const c = Float64Array.from(rng.fillNormal(new Float64Array(400)), (v) => v + 1);
    expect(Math.abs(mmdRbf(a, b, 2))).toBeLessThan(0.02);
    expect(mmdRbf(a, c, 2)).toBeGreaterThan(0.1);
  });
});

describe('Fréchet distance and linear algebra', () => {
  it('matches the scipy.linalg.sqrtm formula for non-commuting covariances', () => {
    const m1 = [0.5, -1, 2];
    const m2 = [0, 0, 1];
    const c1 = [2, 0.3, 0.1, 0.3, 1, -0.2, 0.1, -0.2, 0.5];
    const c2 = [1, -0.4, 0, -0.4, 3, 0.6, 0, 0.6, 1.5];
    expect(frechetDistance(m1, c1, m2, c2, 3)).toBeCloseTo(3.586477887710479, 12);
    expect(frechetDistance(m1, c1, m1, c1, 3)).toBeCloseTo(0, 12);
  });
  it('reduces to (μ1 − μ2)² + (σ1 − σ2)² in one dimension', () => {
    expect(frechetDistance([1], [4], [3], [9], 1)).toBeCloseTo(4 + 1, 14);
  });
  it('fits Gaussians like numpy.cov and compares samples', () => {
    const x = [0, 1, 1, 0.5, 2, 2, 0.5, -1];
    const fit = gaussianFit(x, 2);
    expect(Array.from(fit.mean)).toEqual([0.875, 0.625]);
    const want = [0.7291666666666666, 0.6041666666666666, 0.6041666666666666, 1.5625];
    Array.from(fit.cov).forEach((v, i) => expect(v).toBeCloseTo(want[i], 14));
    expect(frechetDistanceOfSamples(x, x, 2)).toBeCloseTo(0, 12);
  });
  it('eigen-decomposes and square-roots symmetric matrices', () => {
    const a = [4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2];
    const { values } = symmetricEigen(a, 3);
    expect(values[0]).toBeLessThan(values[1]);
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(9, 13);
    const s = sqrtSymmetric(a, 3);
    const back = matMul(s, s, 3);
    back.forEach((v, i) => expect(v).toBeCloseTo(a[i], 12));
  });
});

describe('association and collapse statistics', () => {
  it("Cramér's V and mutual information match scipy / scikit-learn", () => {
    const a = association([10, 5, 0, 3, 12, 4], 2, 3);
    expect(a.cramersV).toBeCloseTo(0.5510387687779839, 14);
    expect(a.mutualInformation).toBeCloseTo(0.25501556499980754, 14);
    expect(a.phi).toBeNaN();
  });
  it('phi equals the Pearson correlation of two indicators', () => {
    expect(association([20, 5, 10, 15], 2, 2).phi).toBeCloseTo(0.408248290463863, 14);
    expect(association([10, 0, 0, 10], 2, 2).phi).toBe(1);
  });
  it('variance ratio is 1/4 for a sample squeezed to half its spread', () => {
    const rng = Rng.stream(2, 'vr');
    const real = rng.fillNormal(new Float64Array(3000));
    const squeezed = real.map((v) => 0.5 * v + 3);
    expect(varianceRatio(squeezed, real, 3)).toBeCloseTo(0.25, 12);
  });
});

describe('selectKth', () => {
  it('returns the k-th order statistic for any array (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 60 }),
        fc.nat(),
        (values, kk) => {
          const k = kk % values.length;
          const sorted = [...values].sort((a, b) => a - b);
          expect(selectKth(Float64Array.from(values), k)).toBe(sorted[k]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
