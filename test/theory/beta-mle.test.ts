import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/core/rng.ts';
import { betaStats, digammaDifference, fitBeta, fitWeightedBeta } from '../../src/theory/beta-mle.ts';
import { drawBetaLogs } from '../../src/theory/wmle.ts';
import { digamma } from '../../src/theory/special.ts';
import { BiasloopError } from '../../src/core/errors.ts';

/** The fixed data set x_i = ((i + 0.5)/20)^1.5, i = 0..19, with weights 1 + (i mod 3). */
function fixture(): { logX: Float64Array; log1mX: Float64Array; w: Float64Array } {
  const n = 20;
  const logX = new Float64Array(n);
  const log1mX = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = ((i + 0.5) / n) ** 1.5;
    logX[i] = Math.log(x);
    log1mX[i] = Math.log1p(-x);
    w[i] = 1 + (i % 3);
  }
  return { logX, log1mX, w };
}

describe('weighted Beta MLE', () => {
  it('matches the score-equation roots computed by mpmath', () => {
    // mpmath 1.3, mp.dps = 50: mp.findroot on ψ(a) − ψ(a+b) = s₁, ψ(b) − ψ(a+b) = s₂ for the fixture.
    const { logX, log1mX, w } = fixture();
    const weighted = fitWeightedBeta(logX, log1mX, w);
    expect(weighted.alpha).toBeCloseTo(0.7625550791216479, 12);
    expect(weighted.beta).toBeCloseTo(1.1245536607435003, 12);
    const plain = fitWeightedBeta(logX, log1mX);
    expect(plain.alpha).toBeCloseTo(0.6976841570514101, 12);
    expect(plain.beta).toBeCloseTo(1.0524292859166857, 12);
  });

  it('treats an integer weight as that many copies of the point', () => {
    const { logX, log1mX, w } = fixture();
    const repLogX: number[] = [];
    const repLog1mX: number[] = [];
    for (let i = 0; i < w.length; i++) {
      for (let k = 0; k < w[i]; k++) {
        repLogX.push(logX[i]);
        repLog1mX.push(log1mX[i]);
      }
    }
    const weighted = fitWeightedBeta(logX, log1mX, w);
    const replicated = fitWeightedBeta(Float64Array.from(repLogX), Float64Array.from(repLog1mX));
    expect(weighted.alpha).toBeCloseTo(replicated.alpha, 12);
    expect(weighted.beta).toBeCloseTo(replicated.beta, 12);
  });

  it('recovers huge parameters (Beta(3e6, 2e6)) within the sampling error, not a fixed-tolerance under-fit', () => {
    const n = 100_000;
    const logX = new Float64Array(n);
    const log1mX = new Float64Array(n);
    drawBetaLogs(Rng.stream(11, 'test', 'huge'), { alpha: 3e6, beta: 2e6 }, logX, log1mX);
    const fit = fitWeightedBeta(logX, log1mX);
    // For large α, β the precision α+β is estimated like an inverse variance: relative SE √(2/n) = 0.0045.
    const precisionSe = Math.sqrt(2 / n);
    expect(Math.abs((fit.alpha + fit.beta) / 5e6 - 1)).toBeLessThan(4 * precisionSe);
    // The mean is pinned to sd/√n = 2.2e-4/316 ≈ 7e-7.
    expect(Math.abs(fit.alpha / (fit.alpha + fit.beta) - 0.6)).toBeLessThan(4 * 7e-7);
  });

  it('converges and solves the score equations for shapes from 0.05 to 1e8', () => {
    fc.assert(
      fc.property(
        fc.double({ min: Math.log(0.05), max: Math.log(1e8), noNaN: true }),
        fc.double({ min: Math.log(0.05), max: Math.log(1e8), noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        (la, lb, seed) => {
          const a = Math.exp(la);
          const b = Math.exp(lb);
          const n = 400;
          const logX = new Float64Array(n);
          const log1mX = new Float64Array(n);
          const rng = Rng.stream(seed, 'test', 'shapes');
          drawBetaLogs(rng, { alpha: a, beta: b }, logX, log1mX);
          const w = new Float64Array(n);
          for (let i = 0; i < n; i++) w[i] = rng.float() + 0.1;
          const stats = betaStats(logX, log1mX, w);
          const fit = fitBeta(stats);
          const c = fit.alpha + fit.beta;
          // Score equations: s₁ = ψ(α) − ψ(α+β), s₂ = ψ(β) − ψ(α+β), to the gradient's precision floor.
          const floor = 1e-12 + 4e-16 * Math.max(1, Math.abs(digamma(c)));
          expect(Math.abs(stats.meanLogX + digammaDifference(c, fit.alpha))).toBeLessThan(floor * 10);
          expect(Math.abs(stats.meanLog1mX + digammaDifference(c, fit.beta))).toBeLessThan(floor * 10);
        },
      ),
      { numRuns: 60, seed: 20261124 },
    );
  });

  it('refuses data where the fit does not exist', () => {
    const same = new Float64Array([Math.log(0.3), Math.log(0.3)]);
    const same1m = new Float64Array([Math.log(0.7), Math.log(0.7)]);
    expect(() => fitWeightedBeta(same, same1m)).toThrow(BiasloopError);
    expect(() => fitWeightedBeta(same, same1m)).toThrow(/identical/);
    expect(() =>
      fitWeightedBeta(new Float64Array([0, 0]), new Float64Array([0, 0]), new Float64Array([0, 0])),
    ).toThrow(/sum to 0/);
  });

  it('computes ψ(y) − ψ(x) without cancellation for huge, close arguments', () => {
    // ψ(x + 1) − ψ(x) = 1/x exactly, for any x.
    for (const x of [12, 1e3, 1e8, 1e12, 1e15]) {
      expect(Math.abs(digammaDifference(x + 1, x) * x - 1)).toBeLessThan(1e-12);
    }
  });
});
