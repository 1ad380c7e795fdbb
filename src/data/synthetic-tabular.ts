/**
 * The built-in synthetic fairness benchmark: a known data-generating process with knobs for the
 * usual sources of unfairness, so a loop's effect can be read against ground truth.
 *
 * For each row (docs/data.md has the same in prose):
 *   A ~ Categorical(shares): group 0 is the majority with share 1 − (K−1)·minorityShare, every other
 *       group has minorityShare;
 *   Y* ~ Bernoulli(baseRate) in the majority, Bernoulli(baseRate − baseRateGap) elsewhere;
 *   signal features j = 0..dim−2:  x_j = (Y* − ½)·separation·u_j + shift_A + ε_j,  ε_j ~ N(0, 1),
 *       with u_j = 1/√(j+1) normalised to unit length and shift_A = minorityShift for A ≠ 0, else 0;
 *   proxy feature (last):  x_p = proxyStrength·s_A + √(1 − proxyStrength²)·ε,  s_A the group
 *       indicator 1[A ≠ 0] standardised to mean 0 and variance 1 under the group shares;
 *   observed label Y = Y* flipped with probability labelNoise (features follow the clean label).
 */
import {
  createDataset,
  realProvenance,
  simpleSchema,
  type Dataset,
  type DatasetSchema,
} from '../core/dataset.ts';
import { BiasloopError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';

export interface SyntheticTabularOptions {
  readonly dim: number;
  readonly groups: number;
  readonly minorityShare: number;
  readonly baseRate: number;
  readonly baseRateGap: number;
  readonly proxyStrength: number;
  readonly labelNoise: number;
  readonly separation: number;
  readonly minorityShift: number;
}

export function syntheticTabularSchema(o: SyntheticTabularOptions): DatasetSchema {
  const featureNames = [...Array.from({ length: o.dim - 1 }, (_, j) => `x${j}`), 'proxy'];
  const levels =
    o.groups === 2
      ? ['majority', 'minority']
      : ['majority', ...Array.from({ length: o.groups - 1 }, (_, k) => `minority${k + 1}`)];
  return simpleSchema({ featureNames, classNames: ['negative', 'positive'], attribute: 'group', levels });
}

export function validateSyntheticOptions(o: SyntheticTabularOptions): void {
  const majority = 1 - (o.groups - 1) * o.minorityShare;
  if (!(majority > 0)) {
    throw new BiasloopError(
      'spec',
      `data.minorityShare ${o.minorityShare} × ${o.groups - 1} minority groups leaves no majority`,
      { field: 'data.minorityShare', hint: `use a share below ${(1 / (o.groups - 1)).toFixed(3)}` },
    );
  }
  if (!(o.baseRate - o.baseRateGap > 0)) {
    throw new BiasloopError(
      'spec',
      `data.baseRateGap ${o.baseRateGap} must be smaller than data.baseRate ${o.baseRate}`,
      {
        field: 'data.baseRateGap',
      },
    );
  }
}

/** Draw n rows from the benchmark's data-generating process. */
export function sampleSyntheticTabular(
  o: SyntheticTabularOptions,
  n: number,
  rng: Rng,
  generation = -1,
): Dataset {
  validateSyntheticOptions(o);
  const schema = syntheticTabularSchema(o);
  const d = o.dim;
  const shares = new Float64Array(o.groups);
  shares[0] = 1 - (o.groups - 1) * o.minorityShare;
  for (let k = 1; k < o.groups; k++) shares[k] = o.minorityShare;
  const pMin = 1 - shares[0];
  const indicatorSd = Math.sqrt(pMin * (1 - pMin));
  const u = Array.from({ length: d - 1 }, (_, j) => 1 / Math.sqrt(j + 1));
  const uNorm = Math.sqrt(u.reduce((s, v) => s + v * v, 0));
  for (let j = 0; j < u.length; j++) u[j] /= uNorm;
  const proxyNoise = Math.sqrt(1 - o.proxyStrength * o.proxyStrength);

  const x = new Float64Array(n * d);
  const y = new Int32Array(n);
  const group = new Int32Array(n);
  const eps = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const a = rng.categorical(shares);
    const rate = a === 0 ? o.baseRate : o.baseRate - o.baseRateGap;
    const yClean = rng.float() < rate ? 1 : 0;
    rng.fillNormal(eps);
    const shift = a === 0 ? 0 : o.minorityShift;
    const off = i * d;
    for (let j = 0; j < d - 1; j++) x[off + j] = (yClean - 0.5) * o.separation * u[j] + shift + eps[j];
    const s = indicatorSd > 0 ? ((a === 0 ? 0 : 1) - pMin) / indicatorSd : 0;
    x[off + d - 1] = o.proxyStrength * s + proxyNoise * eps[d - 1];
    y[i] = rng.float() < o.labelNoise ? 1 - yClean : yClean;
    group[i] = a;
  }
  return createDataset({ schema, x, y, group, provenance: realProvenance(n, generation) });
}
