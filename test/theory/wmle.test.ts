import { describe, expect, it } from 'vitest';
import { BiasloopError } from '../../src/core/errors.ts';
import {
  amplificationCondition,
  wmleLongRunMean,
  wmlePopulation,
  wmleSampled,
} from '../../src/theory/wmle.ts';
import { resolveWmleParams, runWmle } from '../../src/theory/wmle-run.ts';

const defaults = resolveWmleParams({});

describe('weighted MLE, population limit (exact recursion)', () => {
  it('gives (4,3) → (7,5) → (13,9) → … with means 4/7, 7/12, 13/22 → 3/5', () => {
    const gens = wmlePopulation({ ...defaults, generations: 41 }, 'model');
    // θ_t − 1 = 2^t (θ_0 − 1) with θ_0 = (4, 3): α_t = 1 + 3·2^t, β_t = 1 + 2·2^t.
    gens.forEach((g, t) => {
      expect(g.alpha).toBe(1 + 3 * 2 ** t);
      expect(g.beta).toBe(1 + 2 * 2 ** t);
    });
    expect(gens.slice(0, 3).map((g) => [g.alpha, g.beta])).toEqual([
      [4, 3],
      [7, 5],
      [13, 9],
    ]);
    expect(Math.abs(gens[0].mean - 4 / 7)).toBeLessThan(1e-12);
    expect(Math.abs(gens[1].mean - 7 / 12)).toBeLessThan(1e-12);
    expect(Math.abs(gens[2].mean - 13 / 22)).toBeLessThan(1e-12);
    // The mean climbs monotonically to 0.6: |m_t − 0.6| = 0.2/(2 + 5·2^t) < 1e-12 from t = 36 on.
    for (let t = 1; t < gens.length; t++) expect(gens[t].mean).toBeGreaterThan(gens[t - 1].mean);
    expect(Math.abs(gens[40].mean - 0.6)).toBeLessThan(1e-12);
    expect(wmleLongRunMean(defaults)).toBe(0.6);
    // Bias grows every generation with no sampling error at all, while the variance collapses.
    for (const g of gens) expect(g.amplificationCondition).toBe(true);
    expect(gens[40].variance).toBeLessThan(1e-12);
    expect(gens[0].variance).toBeCloseTo((4 * 3) / (49 * 8), 15);
  });

  it('keeps the unweighted control at Beta(2, 2) exactly', () => {
    const gens = wmlePopulation({ ...defaults, generations: 20 }, 'uniform');
    for (const g of gens) {
      expect([g.alpha, g.beta, g.mean, g.bias]).toEqual([2, 2, 0.5, 0]);
      expect(g.amplificationCondition).toBe(false);
    }
  });

  it('does not drift when the weighting model is unbiased for a symmetric truth', () => {
    const gens = wmlePopulation({ ...defaults, alphaP: 2, betaP: 2 }, 'model');
    for (const g of gens) {
      expect(g.mean).toBe(0.5);
      expect(g.amplificationCondition).toBe(false);
    }
    // …but its variance still collapses: (3,3) → (5,5) → (9,9) …
    expect(gens[2].alpha).toBe(9);
  });

  it('states the amplification condition exactly (moves the mean away from the truth)', () => {
    // Data Beta(4,3) (mean 4/7) weighted by itself → Beta(7,5) (mean 7/12 > 4/7 > 1/2): amplifies.
    expect(amplificationCondition({ alpha: 4, beta: 3 }, { alpha: 4, beta: 3 }, 0.5)).toBe(true);
    // A weighting model leaning the other way pulls the mean back toward the truth: no amplification.
    expect(amplificationCondition({ alpha: 4, beta: 3 }, { alpha: 1, beta: 3 }, 0.5)).toBe(false);
    // Uniform weights never move the mean.
    expect(amplificationCondition({ alpha: 4, beta: 3 }, null, 0.5)).toBe(false);
    // A refit whose α falls to ≤ 0 piles its mass at 0: amplification iff 0 is further from the truth.
    expect(amplificationCondition({ alpha: 0.6, beta: 2 }, { alpha: 0.3, beta: 2 }, 0.5)).toBe(true);
    expect(amplificationCondition({ alpha: 0.6, beta: 2 }, { alpha: 0.3, beta: 2 }, 0.05)).toBe(false);
  });
});

describe('weighted MLE, sampled (finite N, seeded)', () => {
  // Sampling error of the mean: the pretrained fit contributes sd/√N ≈ 0.2/100 = 0.002 (it fixes the
  // long-run mean), and each generation adds sd_t/√N with sd_t shrinking by √2 per generation, about
  // 0.0025 in total; together a standard deviation of ≈ 0.003 around the closed form at N = 10⁴.
  it('tracks the closed-form mean within 0.005 for 10 generations (N = 10,000, seed 0)', () => {
    const run = wmleSampled({ ...defaults, mode: 'sampled' }, 'model');
    const theory = wmlePopulation(defaults, 'model');
    expect(run.generations).toHaveLength(10);
    run.generations.forEach((g, t) => expect(Math.abs(g.mean - theory[t].mean)).toBeLessThan(0.005));
  });

  it('tracks it over 16 seeds: RMS deviation < 0.005, no systematic drift, no under-fitted precision', () => {
    const seeds = 16;
    const theory = wmlePopulation(defaults, 'model');
    const dev: number[][] = theory.map(() => []);
    const precisionRatio: number[] = [];
    for (let s = 0; s < seeds; s++) {
      const run = wmleSampled({ ...defaults, mode: 'sampled', seed: s }, 'model');
      run.generations.forEach((g, t) => dev[t].push(g.mean - theory[t].mean));
      const last = run.generations[9];
      precisionRatio.push((last.alpha + last.beta) / (theory[9].alpha + theory[9].beta));
    }
    const meanOf = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
    const seOf = (v: number[]): number => {
      const m = meanOf(v);
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1) / v.length);
    };
    for (const d of dev) {
      expect(Math.sqrt(meanOf(d.map((x) => x * x)))).toBeLessThan(0.005);
      // 4.5 standard errors over 16 seeds: a false alarm has probability < 1e-5 per generation.
      expect(Math.abs(meanOf(d))).toBeLessThan(4.5 * seOf(d));
    }
    // An optimiser that under-fits large α, β (α+β ≈ 2600 at generation 9) shows a ratio well below 1;
    // the precision's relative sampling error accumulates to ≈ 0.015·√10 ≈ 0.05 per seed.
    expect(Math.abs(meanOf(precisionRatio) - 1)).toBeLessThan(4.5 * seOf(precisionRatio));
  });

  it('keeps the sampled control near Beta(2, 2) and never flags amplification', () => {
    const run = wmleSampled({ ...defaults, mode: 'control' }, 'uniform');
    expect(run.pretrained).toBeNull();
    for (const g of run.generations) {
      // Random walk of the mean: sd ≈ 0.0022·√(t+1) ≤ 0.007 at t = 9; 0.03 is over 4 sd.
      expect(Math.abs(g.mean - 0.5)).toBeLessThan(0.03);
      expect(Math.abs(g.alpha - 2)).toBeLessThan(0.4);
      expect(g.amplificationCondition).toBe(false);
    }
  });

  it('is deterministic: same seed, same rows; another seed, other rows', () => {
    const a = runWmle({ mode: 'sampled', seed: 3, n: 2000 });
    const b = runWmle({ mode: 'sampled', seed: 3, n: 2000 });
    const c = runWmle({ mode: 'sampled', seed: 4, n: 2000 });
    expect(a.runs[0].rows).toEqual(b.runs[0].rows);
    expect(a.experimentId).toBe(b.experimentId);
    expect(c.runs[0].rows).not.toEqual(a.runs[0].rows);
    expect(c.experimentId).not.toBe(a.experimentId);
  });
});

describe('runWmle output', () => {
  it('reports every metric per generation, simulation next to theory', () => {
    const r = runWmle({ mode: 'sampled', generations: 3, n: 500 });
    expect(r.experimentId).toMatch(/^wmle-[0-9a-f]{10}$/);
    const rows = r.runs[0].rows;
    const metrics = new Set(rows.map((x) => x.metric));
    for (const m of [
      'alpha',
      'beta',
      'mean',
      'variance',
      'bias',
      'amplification_condition',
      'effective_sample_size',
    ]) {
      expect(metrics.has(m)).toBe(true);
    }
    expect(new Set(rows.map((x) => x.group))).toEqual(new Set(['simulation', 'theory']));
    const theoryMean = rows.filter((x) => x.metric === 'mean' && x.group === 'theory').map((x) => x.value);
    expect(theoryMean).toEqual([4 / 7, 7 / 12, 13 / 22]);
    expect(r.tables[0].rows).toHaveLength(3);
  });
});

describe('bad parameters', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ alphaP: 0 }, /--alpha-p \(alphaP\) must be > 0, got 0/],
    [{ betaT: -1 }, /--beta-t \(betaT\) must be > 0, got -1/],
    [{ n: 1 }, /--n \(n\) must be ≥ 2, got 1/],
    [{ n: 10.5 }, /--n \(n\) must be an integer/],
    [{ generations: 0 }, /--generations \(generations\) must be ≥ 1, got 0/],
    [
      { mode: 'sample' },
      /--mode \(mode\) must be one of population, sampled, control; got 'sample' \(did you mean 'sampled'\?\)/,
    ],
    [{ alpha_p: 3 }, /unknown parameter 'alpha_p'/],
    [{ alphaT: 0.5, alphaP: 0.4 }, /α_0 = -0.1 ≤ 0/],
    [{ alphaT: 0.5, alphaP: 1.2, generations: 5 }, /α_2 = -0.2 ≤ 0/],
    [{ mode: 'sampled', generations: 60 }, /--generations 60 is too many for --mode sampled/],
  ];
  for (const [input, message] of cases) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      let err: unknown;
      try {
        runWmle(input);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BiasloopError);
      expect((err as BiasloopError).kind).toBe('usage');
      expect((err as BiasloopError).message).toMatch(message);
      expect((err as BiasloopError).message).not.toMatch(/\n/);
    });
  }
});
