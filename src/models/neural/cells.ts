/**
 * How many synthetic rows of each (class, group) cell a conditional generator draws, from a
 * `SampleRequest` and the cell counts of its fit data (layout `[class * G + group]`).
 */
import { BiasloopError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import type { SampleRequest } from '../types.ts';

/** Largest-remainder rounding of `n · shares` (shares sum to 1) to integers summing to n. */
export function largestRemainder(n: number, shares: ArrayLike<number>): Int32Array {
  const k = shares.length;
  const out = new Int32Array(k);
  const rema: { i: number; r: number }[] = [];
  let assigned = 0;
  for (let i = 0; i < k; i++) {
    const exact = n * shares[i];
    out[i] = Math.floor(exact);
    assigned += out[i];
    rema.push({ i, r: exact - out[i] });
  }
  rema.sort((a, b) => b.r - a.r || a.i - b.i);
  for (let j = 0; j < n - assigned; j++) out[rema[j % k].i]++;
  return out;
}

/** Rows per cell for `request`, given the fit data's cell counts. */
export function cellPlan(request: SampleRequest, fitCounts: ArrayLike<number>, rng: Rng): Int32Array {
  const cells = fitCounts.length;
  const n = request.n;
  if (!(Number.isInteger(n) && n >= 0))
    throw new BiasloopError('usage', `sample size ${n} must be a non-negative integer`);
  const total = Array.from(fitCounts).reduce((a, b) => a + b, 0);
  if (request.conditioning === 'counts') {
    const given = request.cellCounts;
    if (given === undefined || given.length !== cells) {
      throw new BiasloopError(
        'usage',
        `conditioning 'counts' needs cellCounts with ${cells} entries (class × group)`,
        {
          field: 'cellCounts',
        },
      );
    }
    const out = Int32Array.from(given);
    const sum = out.reduce((a, b) => a + b, 0);
    if (out.some((v) => v < 0) || sum !== n) {
      throw new BiasloopError('usage', `cellCounts must be ≥ 0 and sum to n = ${n} (they sum to ${sum})`, {
        field: 'cellCounts',
      });
    }
    return out;
  }
  if (!(total > 0)) throw new BiasloopError('usage', 'the generator was fitted on no rows');
  if (request.conditioning === 'stratified') {
    return largestRemainder(
      n,
      Array.from(fitCounts, (c) => c / total),
    );
  }
  const t = request.cellTemperature;
  if (!(t > 0))
    throw new BiasloopError('usage', `cellTemperature ${t} must be > 0`, { field: 'cellTemperature' });
  const weights = Array.from(fitCounts, (c) => (c > 0 ? Math.pow(c / total, 1 / t) : 0));
  return rng.multinomial(n, normalise(weights));
}

function normalise(w: number[]): number[] {
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}
