import { describe, expect, it } from 'vitest';
import { linregTheory, runLinreg } from '../../src/theory/linreg.ts';
import type { MetricRow } from '../../src/results/rows.ts';

function rowsOf(result: ReturnType<typeof runLinreg>, run: string, group: string): MetricRow[] {
  return (result.runs.find((r) => r.id === run) as { rows: MetricRow[] }).rows
    .filter((r) => r.metric === 'test_error' && r.group === group)
    .sort((a, b) => a.generation - b.generation);
}

describe('linear regression on its own labels', () => {
  const p = { dim: 8, samples: 40, noiseVar: 0.5, generations: 10, seeds: 3000, seed: 1 };
  const fixed = runLinreg(p);
  const base = (p.noiseVar * p.dim) / (p.samples - p.dim - 1);

  it('states the closed forms: σ²d·t/(T−d−1) for replace, σ²d/(T−d−1)·Σ 1/i² for accumulate', () => {
    expect(linregTheory({ ...p, design: 'fixed' }, 'replace', 4)).toBeCloseTo(base * 5, 14);
    expect(linregTheory({ ...p, design: 'fixed' }, 'accumulate', 2)).toBeCloseTo(
      base * (1 + 1 / 4 + 1 / 9),
      14,
    );
    expect(linregTheory({ ...p, design: 'fresh' }, 'accumulate', 2)).toBeNaN();
  });

  it('matches both closed forms at every generation (fixed design)', () => {
    for (const strategy of ['replace', 'accumulate']) {
      const sim = rowsOf(fixed, strategy, 'simulation');
      const theory = rowsOf(fixed, strategy, 'theory');
      expect(sim).toHaveLength(10);
      sim.forEach((r, g) => {
        // Tolerance: 4.5 standard errors of the mean over 3000 seeds (SE from the seeds' own spread,
        // recovered from the row's 95% CI); the error has finite variance because T > d + 3.
        const se = ((r.ciHigh as number) - (r.ciLow as number)) / (2 * 1.96);
        expect(Math.abs(r.value - theory[g].value)).toBeLessThan(4.5 * se);
        expect(theory[g].value).toBeCloseTo(
          linregTheory({ ...p, design: 'fixed' }, strategy as 'replace', g),
          14,
        );
      });
    }
    // Replace grows linearly; accumulate stays below π²/6 times one fit's error.
    expect(rowsOf(fixed, 'replace', 'simulation')[9].value).toBeGreaterThan(8 * base);
    expect(rowsOf(fixed, 'accumulate', 'simulation')[9].value).toBeLessThan(
      ((Math.PI * Math.PI) / 6) * base * 1.1,
    );
  });

  it('with a fresh design each generation, replace keeps the same expectation; accumulate has no theory rows', () => {
    const fresh = runLinreg({ ...p, design: 'fresh', seeds: 1500 });
    const sim = rowsOf(fresh, 'replace', 'simulation');
    sim.forEach((r, g) => {
      const se = ((r.ciHigh as number) - (r.ciLow as number)) / (2 * 1.96);
      expect(Math.abs(r.value - base * (g + 1))).toBeLessThan(4.5 * se);
    });
    expect(rowsOf(fresh, 'accumulate', 'theory')).toHaveLength(0);
  });

  it('is deterministic and validates its parameters', () => {
    const a = runLinreg({ dim: 3, samples: 10, generations: 3, seeds: 20 });
    const b = runLinreg({ dim: 3, samples: 10, generations: 3, seeds: 20 });
    expect(a.runs.map((r) => r.rows)).toEqual(b.runs.map((r) => r.rows));
    expect(() => runLinreg({ dim: 10, samples: 11 })).toThrow(
      /--samples \(samples\) must be at least --dim \+ 2 = 12, got 11/,
    );
    expect(() => runLinreg({ noiseVar: 0 })).toThrow(/--noise-var \(noiseVar\) must be > 0, got 0/);
    expect(() => runLinreg({ design: 'random' })).toThrow(/--design/);
  });
});
