/**
 * Mapping a label or prediction column's values to positive (1) / negative (0).
 *
 * With `--label-positive V[,V…]` (or `--pred-positive`) a value is positive when it equals one of the
 * given values: as text, or as a number when both are numeric (`1` matches `1.0`), or ignoring case
 * for booleans. Every given value must occur in the column (a typo is an error with a suggestion).
 * Without it the column must already be binary: {0, 1}, {−1, 1}, {false, true}, {no, yes} or {n, y}
 * (any subset), whose positive value is 1 / true / yes / y. Anything else is an error that lists
 * the values and asks which are positive.
 */
import { BiasloopError, closestMatch } from '../core/errors.ts';

export interface ValueRole {
  /** `label` or `prediction`. */
  readonly role: string;
  readonly column: string;
  /** The flag that names positive values, e.g. `--label-positive`. */
  readonly flag: string;
}

export interface BinaryMapping {
  /** Distinct values (as text) that map to positive, sorted. */
  readonly positive: readonly string[];
  readonly isPositive: (value: string) => boolean;
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', 't']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'f']);

function asNumber(v: string): number | undefined {
  if (v.trim() === '') return undefined;
  const x = Number(v);
  return Number.isFinite(x) ? x : undefined;
}

function valuesEqual(given: string, value: string): boolean {
  if (given === value) return true;
  const a = asNumber(given);
  const b = asNumber(value);
  if (a !== undefined && b !== undefined) return a === b;
  const gl = given.toLowerCase();
  const vl = value.toLowerCase();
  return (TRUE_WORDS.has(gl) || FALSE_WORDS.has(gl)) && gl === vl;
}

/** Up to `k` values for a message, most frequent first. */
export function listValues(values: ReadonlyMap<string, number>, k = 8): string {
  const sorted = [...values.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = sorted.slice(0, k).map(([v]) => `'${v}'`);
  return sorted.length > k ? `${shown.join(', ')}, … (${sorted.length} values)` : shown.join(', ');
}

/**
 * Decide which values are positive. `values` maps each distinct non-missing value to its row count.
 */
export function binaryMapping(
  values: ReadonlyMap<string, number>,
  given: readonly string[] | undefined,
  role: ValueRole,
): BinaryMapping {
  const distinct = [...values.keys()];
  if (given !== undefined && given.length > 0) {
    const positive = new Set<string>();
    for (const g of given) {
      const matches = distinct.filter((v) => valuesEqual(g, v));
      if (matches.length === 0) {
        const close = closestMatch(g, distinct);
        throw new BiasloopError(
          'data',
          `${role.flag} value '${g}' does not occur in ${role.role} column '${role.column}' (values: ${listValues(values)})`,
          { field: role.flag, ...(close !== undefined ? { hint: `did you mean '${close}'?` } : {}) },
        );
      }
      for (const m of matches) positive.add(m);
    }
    return { positive: [...positive].sort(), isPositive: (v) => positive.has(v) };
  }
  const auto = autoPositive(distinct);
  if (auto === undefined) {
    const how =
      distinct.length > 2
        ? `has ${distinct.length} values (${listValues(values)})`
        : `has the values ${listValues(values)}, which are not 0/1, true/false or yes/no`;
    throw new BiasloopError('data', `${role.role} column '${role.column}' ${how}`, {
      field: role.flag,
      hint: `name the positive one(s) with ${role.flag} V[,V…]${role.role === 'prediction' ? ', or use --score COL --threshold T for scores' : ''}`,
    });
  }
  const positive = new Set(auto);
  return { positive: [...positive].sort(), isPositive: (v) => positive.has(v) };
}

/** The positive values of an already-binary column, or undefined when it is not recognisably binary. */
function autoPositive(distinct: readonly string[]): string[] | undefined {
  if (distinct.length === 0 || distinct.length > 2) return undefined;
  const nums = distinct.map(asNumber);
  if (nums.every((x) => x !== undefined)) {
    const set = nums as number[];
    const binary01 = set.every((x) => x === 0 || x === 1);
    const binaryPm = set.every((x) => x === -1 || x === 1);
    if (!binary01 && !binaryPm) return undefined;
    return distinct.filter((_, i) => set[i] === 1);
  }
  const lower = distinct.map((v) => v.toLowerCase());
  const pairs: readonly (readonly [string, string])[] = [
    ['true', 'false'],
    ['yes', 'no'],
    ['y', 'n'],
    ['t', 'f'],
  ];
  for (const [yes, no] of pairs) {
    if (lower.every((v) => v === yes || v === no)) return distinct.filter((_, i) => lower[i] === yes);
  }
  return undefined;
}
