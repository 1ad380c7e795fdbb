/**
 * Fast exact binomial and multinomial draws for the bootstrap.
 *
 * `Rng.binomial` counts geometric waiting times, which costs O(n·p) uniforms: fine for small counts,
 * too slow to redraw every cell of a 100,000-row table a thousand times. Here the binomial uses
 * inversion when n·min(p, 1−p) < 10 and otherwise Hörmann's BTRS (transformed rejection with squeeze,
 * W. Hörmann, "The generation of binomial random variates", J. Stat. Comput. Simul. 46, 1993), whose
 * expected cost is O(1) whatever n. Both are exact samplers. Every uniform comes from the `Rng` passed
 * in, so draws are reproducible.
 */
import type { Rng } from '../core/rng.ts';

/** ln(k!) − [(k + ½)·ln(k + 1) − (k + 1) + ½·ln(2π)]: the Stirling-series remainder, tabulated for k ≤ 9. */
const STIRLING_TAIL = [
  0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509, 0.0166446911898211,
  0.0138761288230707, 0.0118967099458917, 0.010411265261972, 0.00925546218271273, 0.00833056343336287,
];

function stirlingTail(k: number): number {
  if (k <= 9) return STIRLING_TAIL[k];
  const kp1sq = (k + 1) * (k + 1);
  return (1 / 12 - (1 / 360 - 1 / 1260 / kp1sq) / kp1sq) / (k + 1);
}

/** Inversion for n·p < 10 (p ≤ ½): walk the pmf from 0. */
function binomialInversion(rng: Rng, n: number, p: number): number {
  const q = 1 - p;
  const s = p / q;
  const a = (n + 1) * s;
  let r = Math.pow(q, n);
  let u = rng.float();
  let x = 0;
  while (u > r && x < n) {
    u -= r;
    x++;
    r *= a / x - s;
  }
  return x;
}

/** BTRS for n·p ≥ 10 (p ≤ ½). */
function binomialBtrs(rng: Rng, n: number, p: number): number {
  const spq = Math.sqrt(n * p * (1 - p));
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const r = p / (1 - p);
  const alpha = (2.83 + 5.1 / b) * spq;
  const m = Math.floor((n + 1) * p);
  const logRatioM = (m + 0.5) * Math.log((m + 1) / (r * (n - m + 1)));
  const tailM = stirlingTail(m) + stirlingTail(n - m);
  for (;;) {
    const u = rng.float() - 0.5;
    let v = rng.float();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    v = Math.log((v * alpha) / (a / (us * us) + b));
    const bound =
      logRatioM +
      (n + 1) * Math.log((n - m + 1) / (n - k + 1)) +
      (k + 0.5) * Math.log((r * (n - k + 1)) / (k + 1)) +
      tailM -
      stirlingTail(k) -
      stirlingTail(n - k);
    if (v <= bound) return k;
  }
}

/** One Binomial(n, p) draw; n a non-negative integer, 0 ≤ p ≤ 1. */
export function drawBinomial(rng: Rng, n: number, p: number): number {
  if (!(n >= 0) || !Number.isInteger(n)) throw new RangeError(`binomial n must be an integer ≥ 0, got ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial p must lie in [0, 1], got ${p}`);
  if (n === 0 || p === 0) return 0;
  if (p === 1) return n;
  if (p > 0.5) return n - drawBinomial(rng, n, 1 - p);
  return n * p < 10 ? binomialInversion(rng, n, p) : binomialBtrs(rng, n, p);
}

/**
 * Multinomial(n, weights) into `out` (weights ≥ 0, need not sum to 1) by conditional binomials:
 * cell i gets Binomial(remaining n, w_i / remaining weight).
 */
export function drawMultinomial(
  rng: Rng,
  n: number,
  weights: ArrayLike<number>,
  out: Float64Array | Int32Array,
): void {
  const k = weights.length;
  let mass = 0;
  for (let i = 0; i < k; i++) mass += weights[i];
  let left = n;
  for (let i = 0; i < k; i++) {
    const w = weights[i];
    if (left === 0 || w <= 0) {
      out[i] = 0;
    } else if (i === k - 1 || w >= mass) {
      out[i] = left;
      left = 0;
    } else {
      const c = drawBinomial(rng, left, Math.min(1, w / mass));
      out[i] = c;
      left -= c;
    }
    mass -= w;
  }
  // Rounding can leave mass > 0 after the last positive weight: give any remainder to the last
  // positive cell so the total is exactly n.
  if (left > 0) {
    for (let i = k - 1; i >= 0; i--) {
      if (weights[i] > 0) {
        out[i] += left;
        break;
      }
    }
  }
}
