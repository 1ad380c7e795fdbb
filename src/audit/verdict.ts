/**
 * Disparity against a reference group and the four-fifths verdict.
 *
 * ratio = value / reference value, with 0/0 = 1 (both groups at zero are at parity) and x/0 = ∞;
 * difference = value − reference value. A disparity is `fair` iff tolerance ≤ ratio ≤ 1/tolerance,
 * both ends included (the four-fifths rule with tolerance 0.8: [0.8, 1.25]); an undefined ratio
 * (either value undefined) has verdict `undefined`, never `fair`.
 */
import type { Verdict } from './types.ts';

export function disparityRatio(value: number, reference: number): number {
  if (Number.isNaN(value) || Number.isNaN(reference)) return NaN;
  if (value === reference) return 1;
  return reference === 0 ? Infinity : value / reference;
}

export function disparityDifference(value: number, reference: number): number {
  return value - reference;
}

export function verdictOf(ratio: number, tolerance: number): Verdict {
  if (Number.isNaN(ratio)) return 'undefined';
  return ratio >= tolerance && ratio <= 1 / tolerance ? 'fair' : 'unfair';
}
