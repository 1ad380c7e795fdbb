import { describe, expect, it } from 'vitest';
import {
  exactLossByGeneration,
  expectedHeterozygosity,
  runWrightFisher,
} from '../../src/theory/wright-fisher.ts';
import type { MetricRow } from '../../src/results/rows.ts';

function pick(rows: readonly MetricRow[], metric: string, group: string): MetricRow[] {
  return rows
    .filter((r) => r.metric === metric && r.group === group)
    .sort((a, b) => a.generation - b.generation);
}

describe('exact Wright–Fisher values', () => {
  it('computes P(lost by g) for hand-checkable chains', () => {
    // N = 1: after one resampling the single point belongs to the group with probability p.
    expect([...exactLossByGeneration(0.3, 1, 4)]).toEqual([0, 0.7, 0.7, 0.7]);
    // N = 2, p = 1/2: count after step 1 is 0, 1, 2 w.p. 1/4, 1/2, 1/4; from count 1 the next step
    // loses the group w.p. 1/4. So P(lost by 1) = 1/4, by 2 = 1/4 + 1/2·1/4 = 3/8, by 3 = 3/8 + 1/2·1/2·1/4 = 7/16.
    const v = exactLossByGeneration(0.5, 2, 4);
    expect(v[1]).toBeCloseTo(1 / 4, 15);
    expect(v[2]).toBeCloseTo(3 / 8, 15);
    expect(v[3]).toBeCloseTo(7 / 16, 15);
  });

  it('tends to the eventual loss probability 1 − p', () => {
    const v = exactLossByGeneration(0.2, 10, 400);
    expect(v[399]).toBeCloseTo(0.8, 6);
    for (let g = 1; g < 400; g++) expect(v[g]).toBeGreaterThanOrEqual(v[g - 1]);
  });

  it('E[H_g] = H₀(1 − 1/N)^g', () => {
    expect(expectedHeterozygosity([0.5, 0.5], 4, 2)).toBeCloseTo(0.5 * 0.75 ** 2, 15);
  });
});

describe('Wright–Fisher simulation against the exact values', () => {
  const S = 4000;
  const N = 50;
  const shares = [0.6, 0.3, 0.1];
  const result = runWrightFisher({
    shares,
    groupNames: ['major', 'middle', 'minor'],
    n: N,
    generations: 60,
    seeds: S,
  });
  const rows = result.runs[0].rows;
  const Z = 4.5; // false alarm < 7e-6 per comparison

  it('heterozygosity matches H₀(1 − 1/N)^g', () => {
    const sim = pick(rows, 'heterozygosity', 'simulation');
    const theory = pick(rows, 'heterozygosity', 'theory');
    expect(sim[0].value).toBeCloseTo(1 - (0.36 + 0.09 + 0.01), 12);
    sim.forEach((r, g) => {
      expect(theory[g].value).toBeCloseTo(expectedHeterozygosity(shares, N, g), 15);
      // H ∈ [0, 1], so its sd over seeds is ≤ 1/2 and the SE ≤ 0.5/√S = 0.0079; use the seeds' own SE.
      const se = ((r.ciHigh as number) - (r.ciLow as number)) / (2 * 1.96);
      expect(Math.abs(r.value - theory[g].value)).toBeLessThanOrEqual(Z * se + 1e-12);
    });
  });

  it('shares keep their mean p₀ and spread as sd = √(p₀(1−p₀)(1 − λ^g))', () => {
    shares.forEach((p0, k) => {
      const name = ['major', 'middle', 'minor'][k];
      const mean = pick(rows, 'share', `simulation:${name}`);
      const sd = pick(rows, 'share_sd', `simulation:${name}`);
      const sdTheory = pick(rows, 'share_sd', `theory:${name}`);
      mean.forEach((r, g) => {
        const exactSd = Math.sqrt(p0 * (1 - p0) * (1 - (1 - 1 / N) ** g));
        expect(sdTheory[g].value).toBeCloseTo(exactSd, 15);
        expect(Math.abs(r.value - p0)).toBeLessThanOrEqual(Z * (exactSd / Math.sqrt(S)) + 1e-12);
        // The sample sd of S values has relative SE ≤ √((κ − 1)/(4S)); shares are bounded, κ ≤ 4 here.
        if (g > 0) expect(Math.abs(sd[g].value / exactSd - 1)).toBeLessThan(Z * Math.sqrt(3 / (4 * S)));
      });
    });
  });

  it('the fraction of seeds where a group vanished matches the exact chain', () => {
    ['major', 'middle', 'minor'].forEach((name) => {
      const sim = pick(rows, 'vanished', `simulation:${name}`);
      const exact = pick(rows, 'vanished', `theory:${name}`);
      sim.forEach((r, g) => {
        const q = exact[g].value;
        // Binomial SE √(q(1−q)/S) of a fraction over S seeds (a floor of 1/S where q ≈ 0).
        const se = Math.max(Math.sqrt((q * (1 - q)) / S), 1 / S);
        expect(Math.abs(r.value - q)).toBeLessThan(Z * se);
      });
    });
    const eventual = pick(rows, 'eventual_loss_probability', 'theory:minor');
    expect(eventual[0].value).toBeCloseTo(0.9, 15);
  });

  it('reports single-seed trajectories and group names in the documented series form', () => {
    const groups = new Set(rows.filter((r) => r.metric === 'share').map((r) => r.group));
    expect(groups.has('seed0:minor')).toBe(true);
    expect(groups.has('seed4:major')).toBe(true);
    expect(groups.has('seed5:major')).toBe(false);
  });

  it('validates its parameters', () => {
    expect(() => runWrightFisher({ shares: [0.5, 0.6] })).toThrow(
      /--shares \(shares\) must sum to 1, got 1.1/,
    );
    expect(() => runWrightFisher({ shares: [1] })).toThrow(/needs at least 2 values/);
    expect(() => runWrightFisher({ shares: [0.5, 0, 0.5] })).toThrow(/value 2 must be > 0/);
    expect(() => runWrightFisher({ groupNames: ['a', 'b'] })).toThrow(/has 2 names for 4 shares/);
    expect(() => runWrightFisher({ n: 1 })).toThrow(/--n \(n\) must be ≥ 2/);
  });
});
