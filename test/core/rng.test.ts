import { describe, expect, it } from 'vitest';
import { Rng, hash128 } from '../../src/core/rng.ts';

describe('Rng', () => {
  it('matches the xoshiro128** reference implementation for state {1,2,3,4}', () => {
    // Output of Blackman & Vigna's reference C code (xoshiro128starstar.c) seeded with s = {1, 2, 3, 4}.
    const expected = [
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ];
    const r = Rng.fromState([1, 2, 3, 4]);
    expect(expected.map(() => r.nextUint32())).toEqual(expected);
  });

  it('derives streams from seed and path only, never from draws made elsewhere', () => {
    const a = Rng.stream(7, 'run', 'x', 'gen', 3);
    const parent = Rng.stream(7, 'run', 'x');
    for (let i = 0; i < 100; i++) parent.float();
    const b = parent.fork('gen', 3);
    expect(Array.from({ length: 5 }, () => a.nextUint32())).toEqual(
      Array.from({ length: 5 }, () => b.nextUint32()),
    );
    const c = Rng.stream(8, 'run', 'x', 'gen', 3);
    expect(c.nextUint32()).not.toBe(Rng.stream(7, 'run', 'x', 'gen', 3).nextUint32());
  });

  it('hashes distinct paths to distinct states', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(hash128(`0/run/${i}`).join(','));
    expect(seen.size).toBe(2000);
  });

  it('draws uniform floats in [0,1) with mean 1/2 and variance 1/12', () => {
    const r = Rng.stream(1, 'uniform');
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.float();
      expect(u >= 0 && u < 1).toBe(true);
      s += u;
      s2 += u * u;
    }
    const mean = s / n;
    // Standard error of the mean: sqrt(1/12/n) ≈ 6.5e-4; allow 5 SE.
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  it('draws normals with the right moments and tail mass (ziggurat)', () => {
    const r = Rng.stream(2, 'normal');
    const n = 400_000;
    const z = r.fillNormal(new Float64Array(n));
    let s = 0;
    let s2 = 0;
    let s4 = 0;
    let beyond2 = 0;
    let beyond35 = 0;
    for (const v of z) {
      s += v;
      s2 += v * v;
      s4 += v * v * v * v;
      if (Math.abs(v) > 2) beyond2++;
      if (Math.abs(v) > 3.5) beyond35++;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(s4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    // P(|Z| > 2) = 0.0455003; P(|Z| > 3.5) = 4.6525e-4 (the tail beyond the ziggurat base r = 3.4426).
    expect(Math.abs(beyond2 / n - 0.0455003)).toBeLessThan(5 * Math.sqrt((0.0455 * 0.9545) / n));
    expect(Math.abs(beyond35 / n - 4.6525e-4)).toBeLessThan(5 * Math.sqrt(4.65e-4 / n));
  });

  it('draws unbiased integers', () => {
    const r = Rng.stream(3, 'int');
    const counts = new Array(7).fill(0);
    const n = 70_000;
    for (let i = 0; i < n; i++) counts[r.int(7)]++;
    // Chi-square with 6 df: the 0.999 quantile is 22.46.
    const chi2 = counts.reduce((s, c) => s + (c - n / 7) ** 2 / (n / 7), 0);
    expect(chi2).toBeLessThan(22.46);
  });

  it('draws gamma and beta with the right means and variances', () => {
    const r = Rng.stream(4, 'gamma');
    for (const shape of [0.5, 1, 3.5, 20]) {
      const n = 100_000;
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const g = r.gamma(shape);
        s += g;
        s2 += g * g;
      }
      const mean = s / n;
      expect(Math.abs(mean - shape)).toBeLessThan(5 * Math.sqrt(shape / n));
      expect(Math.abs(s2 / n - mean * mean - shape) / shape).toBeLessThan(0.05);
    }
    let s = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) s += r.beta(3, 2);
    expect(Math.abs(s / n - 0.6)).toBeLessThan(5 * Math.sqrt(0.04 / n));
  });

  it('draws binomial and multinomial counts with the right means', () => {
    const r = Rng.stream(5, 'binomial');
    for (const [n, p] of [
      [10, 0.3],
      [1000, 0.01],
      [1000, 0.9],
    ] as const) {
      const reps = 20_000;
      let s = 0;
      for (let i = 0; i < reps; i++) {
        const k = r.binomial(n, p);
        expect(k >= 0 && k <= n).toBe(true);
        s += k;
      }
      expect(Math.abs(s / reps - n * p)).toBeLessThan(5 * Math.sqrt((n * p * (1 - p)) / reps));
    }
    const counts = r.multinomial(1000, [1, 2, 7]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1000);
  });

  it('samples without replacement: distinct, in range, complete when k = n', () => {
    const r = Rng.stream(6, 'swor');
    const s = r.sampleWithoutReplacement(50, 20);
    expect(new Set(s).size).toBe(20);
    expect([...s].every((v) => v >= 0 && v < 50)).toBe(true);
    expect([...r.sampleWithoutReplacement(9, 9)].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(() => r.sampleWithoutReplacement(3, 4)).toThrow(/distinct/);
  });
});

describe('Rng.fillNormal', () => {
  it('draws exactly the sequence of repeated normal() calls, tail draws included', () => {
    const a = Rng.stream(9, 'seq');
    const b = Rng.stream(9, 'seq');
    const bulk = a.fillNormal(new Float64Array(20_000));
    const single = Float64Array.from({ length: 20_000 }, () => b.normal());
    expect(Array.from(bulk)).toEqual(Array.from(single));
    expect(a.nextUint32()).toBe(b.nextUint32());
  });
});

describe('Rng.fillUint32', () => {
  it('draws exactly the sequence of repeated nextUint32() calls', () => {
    const a = Rng.fromState([1, 2, 3, 4]);
    expect(Array.from(a.fillUint32(new Uint32Array(10)))).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ]);
    const b = Rng.stream(3, 'u');
    const c = Rng.stream(3, 'u');
    expect(Array.from(b.fillUint32(new Uint32Array(1000)))).toEqual(
      Array.from({ length: 1000 }, () => c.nextUint32()),
    );
  });
});
