import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { drawBinomial, drawMultinomial } from '../../src/metrics/sampling.ts';
import { logGamma, regularizedGamma } from '../../src/metrics/stats/special.ts';

function binomialPmf(n: number, p: number, k: number): number {
  return Math.exp(
    logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p),
  );
}

/** Pearson χ² goodness of fit of `draws` against Binomial(n, p), tails pooled so each bin expects ≥ 5. */
function chiSquareP(draws: Int32Array, n: number, p: number): number {
  const total = draws.length;
  const observed = new Map<number, number>();
  for (const k of draws) observed.set(k, (observed.get(k) ?? 0) + 1);
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  const lo = Math.max(0, Math.floor(mean - 8 * sd - 2));
  const hi = Math.min(n, Math.ceil(mean + 8 * sd + 2));
  let chi2 = 0;
  let bins = 0;
  let accE = 0;
  let accO = 0;
  let lowTailE = 0;
  for (let k = 0; k < lo; k++) lowTailE += binomialPmf(n, p, k);
  accE = lowTailE * total;
  for (const [k, c] of observed) if (k < lo) accO += c;
  for (let k = lo; k <= hi; k++) {
    accE += binomialPmf(n, p, k) * total;
    accO += observed.get(k) ?? 0;
    if (accE >= 5) {
      chi2 += ((accO - accE) * (accO - accE)) / accE;
      bins++;
      accE = 0;
      accO = 0;
    }
  }
  for (const [k, c] of observed) if (k > hi) accO += c;
  if (accE > 0 || accO > 0) {
    chi2 += ((accO - accE) * (accO - accE)) / Math.max(accE, 1e-12);
    bins++;
  }
  return regularizedGamma((bins - 1) / 2, chi2 / 2).q;
}

describe('drawBinomial', () => {
  it.each([
    [20, 0.1], // inversion
    [100, 0.3], // BTRS
    [1_000_000, 0.01], // BTRS, large n
    [50, 0.9], // p > 1/2 by symmetry
    [1000, 0.004], // inversion with n·p = 4
  ])('follows Binomial(%d, %d) (χ² goodness of fit)', (n, p) => {
    const rng = Rng.stream(11, 'binomial', n, p);
    const draws = new Int32Array(40_000);
    for (let i = 0; i < draws.length; i++) draws[i] = drawBinomial(rng, n, p);
    expect(chiSquareP(draws, n, p)).toBeGreaterThan(1e-4);
  });

  it('has mean n·p and variance n·p·(1−p) for n = 1e9', () => {
    const rng = Rng.stream(3, 'binomial-big');
    const n = 1e9;
    const p = 0.5;
    const m = 20_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < m; i++) {
      const z = (drawBinomial(rng, n, p) - n * p) / Math.sqrt(n * p * (1 - p));
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / m)).toBeLessThan(0.04);
    expect(Math.abs(s2 / m - 1)).toBeLessThan(0.05);
  });

  it('handles the degenerate cases exactly', () => {
    const rng = Rng.stream(1, 'deg');
    expect(drawBinomial(rng, 0, 0.5)).toBe(0);
    expect(drawBinomial(rng, 10, 0)).toBe(0);
    expect(drawBinomial(rng, 10, 1)).toBe(10);
    expect(() => drawBinomial(rng, 10, 1.5)).toThrow(/\[0, 1\]/);
  });
});

describe('drawMultinomial', () => {
  it('always sums to n, leaves zero-weight cells empty and is reproducible', () => {
    const w = [0.5, 0, 3, 1e-9, 7, 0];
    const out = new Float64Array(w.length);
    const rng = Rng.stream(5, 'multinomial');
    for (let r = 0; r < 200; r++) {
      drawMultinomial(rng, 12345, w, out);
      expect(out.reduce((a, b) => a + b, 0)).toBe(12345);
      expect(out[1]).toBe(0);
      expect(out[5]).toBe(0);
    }
    const a = new Float64Array(w.length);
    const b = new Float64Array(w.length);
    drawMultinomial(Rng.stream(9, 'm'), 1000, w, a);
    drawMultinomial(Rng.stream(9, 'm'), 1000, w, b);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('has the right cell means', () => {
    const w = [1, 2, 3, 4];
    const out = new Float64Array(4);
    const sums = new Float64Array(4);
    const rng = Rng.stream(2, 'multinomial-mean');
    const reps = 5000;
    for (let r = 0; r < reps; r++) {
      drawMultinomial(rng, 1000, w, out);
      for (let i = 0; i < 4; i++) sums[i] += out[i];
    }
    for (let i = 0; i < 4; i++) {
      const expected = (1000 * w[i]) / 10;
      const sd = Math.sqrt((1000 * (w[i] / 10) * (1 - w[i] / 10)) / reps);
      expect(Math.abs(sums[i] / reps - expected)).toBeLessThan(5 * sd);
    }
  });
});
