import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EULER_GAMMA, digamma, lbeta, lgamma, trigamma } from '../../src/theory/special.ts';

/** |actual − expected| ≤ tol · max(1, |expected|): relative for large values, absolute near 0. */
function expectClose(actual: number, expected: number, tol: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

describe('digamma, trigamma, lgamma against closed forms', () => {
  it('ψ(1) = −γ, ψ(1/2) = −γ − 2 ln 2, ψ(n) = H_{n−1} − γ', () => {
    expectClose(digamma(1), -EULER_GAMMA, 1e-15);
    expectClose(digamma(0.5), -EULER_GAMMA - 2 * Math.LN2, 1e-15);
    let harmonic = 0;
    for (let n = 1; n <= 30; n++) {
      expectClose(digamma(n), harmonic - EULER_GAMMA, 2e-15);
      harmonic += 1 / n;
    }
  });

  it("ψ'(1) = π²/6, ψ'(1/2) = π²/2, ψ'(2) = π²/6 − 1", () => {
    expectClose(trigamma(1), (Math.PI * Math.PI) / 6, 1e-15);
    expectClose(trigamma(0.5), (Math.PI * Math.PI) / 2, 1e-15);
    expectClose(trigamma(2), (Math.PI * Math.PI) / 6 - 1, 1e-15);
  });

  it('lnΓ(1/2) = ln √π and lnΓ(n) = ln (n−1)!', () => {
    expectClose(lgamma(0.5), 0.5 * Math.log(Math.PI), 5e-15);
    let logFactorial = 0;
    for (let n = 1; n <= 60; n++) {
      // The downward shift ln Γ(x) = ln Γ(x+k) − ln(x…(x+k−1)) costs a few ulps of the shifted value.
      expectClose(lgamma(n), logFactorial, 5e-15);
      logFactorial += Math.log(n);
    }
    expectClose(lbeta(2, 2), Math.log(1 / 6), 1e-14);
    expectClose(lbeta(3, 2), Math.log(1 / 12), 1e-14);
  });

  it('matches mpmath (40 digits) over small, medium, huge and negative arguments', () => {
    // [x, ψ(x), ψ'(x), ln|Γ(x)|] from mpmath 1.3 with mp.dps = 40:
    //   mp.digamma(x), mp.polygamma(1, x), mp.loggamma(x) (mp.log(abs(mp.gamma(x))) for x < 0).
    const reference: Array<[number, number, number, number]> = [
      [0.001, -1000.5755719318103, 1000001.6425331959, 6.907178885383853],
      [0.25, -4.2274535333762655, 17.19732915450711, 1.2880225246980774],
      [2.5, 0.7031566406452432, 0.49035775610023485, 0.2846828704729192],
      [7.3, 1.9178203356379862, 0.14679576813142708, 7.147892523022249],
      [10, 2.251752589066721, 0.10516633568168575, 12.801827480081469],
      [12.5, 2.4851956512749123, 0.08328522460157838, 18.734347511936445],
      [100, 4.600161852738087, 0.010050166663333571, 359.1342053695754],
      [3073, 8.030246845853911, 0.000325467857175771, 21601.352345297026],
      [1e6, 13.815510057964191, 0.0000010000005000001667, 12815504.569147611],
      [1e15, 34.538776394910684, 1.0000000000000005e-15, 33538776394910668],
      [-0.5, 0.03648997397857652, 8.934802200544679, 1.2655121234846454],
      [-2.3, 3.31732315756182, 14.725912160961279, 0.36956666345500744],
    ];
    for (const [x, psi, psi1, lg] of reference) {
      expectClose(digamma(x), psi, 5e-15);
      // Trigamma is tiny for huge x: compare relatively.
      expect(Math.abs(trigamma(x) - psi1) / psi1).toBeLessThan(1e-14);
      expectClose(lgamma(x), lg, 5e-15);
    }
    // Near the positive root of ψ the value is ~0: absolute accuracy.
    expect(Math.abs(digamma(1.4616321449683622))).toBeLessThan(1e-15);
  });

  it("satisfies the recurrences ψ(x+1) = ψ(x) + 1/x, ψ'(x+1) = ψ'(x) − 1/x², lnΓ(x+1) = lnΓ(x) + ln x", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1e6, noNaN: true }), (x) => {
        expectClose(digamma(x + 1), digamma(x) + 1 / x, 1e-13);
        const lhs = trigamma(x + 1);
        expect(Math.abs(lhs - (trigamma(x) - 1 / (x * x)))).toBeLessThanOrEqual(
          1e-12 * Math.max(lhs, 1 / (x * x)),
        );
        expectClose(lgamma(x + 1), lgamma(x) + Math.log(x), 1e-13);
      }),
    );
  });

  it('returns NaN / Infinity at the poles', () => {
    expect(digamma(0)).toBeNaN();
    expect(digamma(-3)).toBeNaN();
    expect(trigamma(-1)).toBeNaN();
    expect(lgamma(0)).toBe(Infinity);
    expect(lgamma(-2)).toBe(Infinity);
  });
});
