/**
 * Linear regression on its own labels: replace versus accumulate (Gerstgrasser et al. 2024,
 * "Is model collapse inevitable?"; Dohmatob et al. 2024).
 *
 * Setup, exactly the one the closed forms assume: a design X (T × d, rows iid N(0, I_d)) drawn once
 * per seed and kept fixed across generations (`--design fixed`); a true w* (seeded, its value does not
 * matter); generation 0 fits ordinary least squares to y₀ = X w* + ε₀; generation g ≥ 1 relabels the
 * same X with the previous fit, y_g = X ŵ_{g−1} + ε_g, fresh noise ε_g ~ N(0, σ²I_T) every
 * generation, and fits OLS to
 * - replace: (X, y_g) only;
 * - accumulate: every labelled copy so far, (X, y₀), …, (X, y_g) stacked.
 * Test error = the excess risk E_x[(xᵀŵ_g − xᵀw*)²] = ‖ŵ_g − w*‖²_Σ (Σ = I here; the distribution of
 * the error does not depend on Σ), averaged over seeds, i.e. over X and the noise. With t = g + 1 fits:
 *   replace:    σ²·d·t / (T − d − 1)                 (grows linearly: collapse)
 *   accumulate: σ²·d / (T − d − 1) · Σ_{i=1..t} 1/i²  (< π²/6 · σ²d/(T − d − 1): bounded)
 * using E[(XᵀX)⁻¹] = I/(T − d − 1). `--design fresh` redraws X every generation; replace keeps the same
 * expectation, accumulate then has no closed form here (no theory rows).
 */
import { Rng } from '../core/rng.ts';
import { BiasloopError } from '../core/errors.ts';
import { formatSignificant } from '../report/text-table.ts';
import { choleskyInPlace, choleskySolveInPlace } from '../core/linalg.ts';
import { resolveParams, type ParamSpec } from './params.ts';
import { median, summariseMean } from './replicates.ts';
import {
  RowCollector,
  SIMULATION,
  THEORY,
  tableGenerations,
  theoryExperimentId,
  type TheoryResult,
  type TheoryRun,
  type TheoryTable,
} from './result.ts';

export const LINREG_STRATEGIES = ['replace', 'accumulate'] as const;
export type LinregStrategy = (typeof LINREG_STRATEGIES)[number];

export interface LinregParams {
  readonly dim: number;
  readonly samples: number;
  readonly noiseVar: number;
  readonly generations: number;
  readonly seeds: number;
  readonly seed: number;
  readonly strategies: readonly LinregStrategy[];
  readonly design: 'fixed' | 'fresh';
}

export const LINREG_PARAMS: readonly ParamSpec[] = [
  {
    kind: 'number',
    key: 'dim',
    flag: '--dim',
    default: 10,
    integer: true,
    min: 1,
    max: 500,
    description: 'features d',
  },
  {
    kind: 'number',
    key: 'samples',
    flag: '--samples',
    default: 100,
    integer: true,
    min: 3,
    max: 1e6,
    description: 'samples per generation T (at least --dim + 2)',
  },
  {
    kind: 'number',
    key: 'noiseVar',
    flag: '--noise-var',
    default: 1,
    min: 0,
    minExclusive: true,
    description: 'label noise variance σ²',
  },
  {
    kind: 'number',
    key: 'generations',
    flag: '--generations',
    default: 20,
    integer: true,
    min: 1,
    max: 10_000,
    description: 'number of generations G (generation 0 is the fit to the real labels)',
  },
  {
    kind: 'number',
    key: 'seeds',
    flag: '--seeds',
    default: 500,
    integer: true,
    min: 2,
    max: 1e6,
    description: 'independent replicates (seeds) averaged per generation',
  },
  {
    kind: 'number',
    key: 'seed',
    flag: '--seed',
    default: 0,
    integer: true,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    description: 'base seed of the random streams',
  },
  {
    kind: 'choice-list',
    key: 'strategies',
    flag: '--strategies',
    default: LINREG_STRATEGIES,
    choices: LINREG_STRATEGIES,
    description: 'comma-separated training-set strategies',
  },
  {
    kind: 'choice',
    key: 'design',
    flag: '--design',
    default: 'fixed',
    choices: ['fixed', 'fresh'],
    description:
      'fixed: one X per seed for every generation (the closed forms); fresh: redraw X each generation',
  },
];

export function resolveLinregParams(input: Readonly<Record<string, unknown>> = {}): LinregParams {
  const p = resolveParams('linreg', LINREG_PARAMS, input) as unknown as LinregParams; // checked by the table
  if (p.samples < p.dim + 2) {
    throw new BiasloopError(
      'usage',
      `linreg: --samples (samples) must be at least --dim + 2 = ${p.dim + 2}, got ${p.samples}`,
      { field: '--samples', hint: 'the closed form σ²d/(T − d − 1) needs T > d + 1' },
    );
  }
  if (p.seeds * p.generations * p.samples * p.dim * p.strategies.length > 5e9) {
    throw new BiasloopError('usage', 'linreg: --seeds × --generations × --samples × --dim is above 5e9', {
      field: '--seeds',
      hint: 'lower --seeds or --generations',
    });
  }
  return p;
}

/** The exact expected test error at generation g (t = g + 1 fits); NaN where there is no closed form. */
export function linregTheory(
  p: Pick<LinregParams, 'dim' | 'samples' | 'noiseVar' | 'design'>,
  strategy: LinregStrategy,
  g: number,
): number {
  const base = (p.noiseVar * p.dim) / (p.samples - p.dim - 1);
  const t = g + 1;
  if (strategy === 'replace') return base * t;
  if (p.design !== 'fixed') return NaN;
  let s = 0;
  for (let i = 1; i <= t; i++) s += 1 / (i * i);
  return base * s;
}

/** Xᵀy and XᵀX for a T×d row-major X, added into `xty` and (lower triangle) `gram`. */
function accumulateNormalEquations(
  x: Float64Array,
  y: Float64Array,
  t: number,
  d: number,
  gram: Float64Array,
  xty: Float64Array,
  withGram: boolean,
): void {
  for (let r = 0; r < t; r++) {
    const o = r * d;
    const yr = y[r];
    for (let j = 0; j < d; j++) {
      const xj = x[o + j];
      xty[j] += xj * yr;
      if (withGram) for (let k = 0; k <= j; k++) gram[j * d + k] += xj * x[o + k];
    }
  }
}

function solveOls(gram: Float64Array, xty: Float64Array, d: number): Float64Array {
  const l = Float64Array.from(gram);
  for (let j = 0; j < d; j++) for (let k = j + 1; k < d; k++) l[j * d + k] = l[k * d + j];
  choleskyInPlace(l, d, 'Gram matrix XᵀX');
  return choleskySolveInPlace(l, d, Float64Array.from(xty));
}

function labels(
  rng: Rng,
  x: Float64Array,
  w: Float64Array,
  t: number,
  d: number,
  sigma: number,
  y: Float64Array,
): void {
  for (let r = 0; r < t; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[r * d + j] * w[j];
    y[r] = s + sigma * rng.normal();
  }
}

/** errors[g][replicate] = ‖ŵ_g − w*‖² for one strategy. */
export function simulateLinreg(p: LinregParams, strategy: LinregStrategy): Float64Array[] {
  const { dim: d, samples: T, generations: G } = p;
  const sigma = Math.sqrt(p.noiseVar);
  const errors = Array.from({ length: G }, () => new Float64Array(p.seeds));
  const x = new Float64Array(T * d);
  const y = new Float64Array(T);
  const wStar = new Float64Array(d);
  for (let r = 0; r < p.seeds; r++) {
    const shared = Rng.stream(p.seed, 'theory', 'linreg', 'replicate', r, 'real');
    shared.fillNormal(x);
    shared.fillNormal(wStar);
    for (let j = 0; j < d; j++) wStar[j] /= Math.sqrt(d);
    labels(shared, x, wStar, T, d, sigma, y);
    const rng = Rng.stream(p.seed, 'theory', 'linreg', strategy, p.design, 'replicate', r);
    const gram = new Float64Array(d * d);
    const xty = new Float64Array(d);
    accumulateNormalEquations(x, y, T, d, gram, xty, true);
    let w = solveOls(gram, xty, d);
    for (let g = 0; g < G; g++) {
      if (g > 0) {
        if (p.design === 'fresh') rng.fillNormal(x);
        labels(rng, x, w, T, d, sigma, y);
        if (strategy === 'replace') {
          gram.fill(0);
          xty.fill(0);
        }
        // Fixed design + accumulate: the pooled Gram is (g+1)·XᵀX; adding XᵀX again is exact.
        accumulateNormalEquations(x, y, T, d, gram, xty, true);
        w = solveOls(gram, xty, d);
      }
      let e = 0;
      for (let j = 0; j < d; j++) e += (w[j] - wStar[j]) ** 2;
      errors[g][r] = e;
    }
  }
  return errors;
}

/** Run the linear-regression model and report it in the shared long format. */
export function runLinreg(input: Readonly<Record<string, unknown>> = {}): TheoryResult {
  const p = resolveLinregParams(input);
  const runs: TheoryRun[] = [];
  const bySt = new Map<LinregStrategy, RowCollector>();
  for (const s of p.strategies) {
    const errors = simulateLinreg(p, s);
    const c = new RowCollector(s);
    for (let g = 0; g < p.generations; g++) {
      const m = summariseMean(errors[g]);
      c.add(g, 'test_error', SIMULATION, m.mean, m.ci);
      c.add(g, 'test_error_median', SIMULATION, median(errors[g]));
      const th = linregTheory(p, s, g);
      if (!Number.isNaN(th)) c.add(g, 'test_error', THEORY, th);
    }
    bySt.set(s, c);
    runs.push({
      id: s,
      label: `strategy=${s} design=${p.design}`,
      seed: p.seed,
      rows: c.rows,
      info: { strategy: s },
    });
  }
  const f = (v: number | undefined): string => (v === undefined ? '' : formatSignificant(v, 5));
  const get = (s: LinregStrategy, g: number, group: string): number | undefined =>
    bySt.get(s)?.rows.find((r) => r.generation === g && r.metric === 'test_error' && r.group === group)
      ?.value;
  const table: TheoryTable = {
    title: `Linear regression, test error ‖ŵ − w*‖² (d = ${p.dim}, T = ${p.samples}, σ² = ${p.noiseVar}, ${p.seeds} seeds, ${p.design} design)`,
    columns: ['gen', ...p.strategies.flatMap((s) => [s, `${s} (exact)`])],
    rows: tableGenerations(p.generations).map((g) => [
      String(g),
      ...p.strategies.flatMap((s) => [f(get(s, g, SIMULATION)), f(get(s, g, THEORY))]),
    ]),
  };
  const base = (p.noiseVar * p.dim) / (p.samples - p.dim - 1);
  const params = { ...p } as unknown as Record<string, number | string | readonly string[]>;
  return {
    model: 'linreg',
    title: 'Linear regression on its own labels: replace versus accumulate',
    params,
    experimentId: theoryExperimentId('linreg', params),
    runs,
    charts: [
      {
        file: 'test-error',
        title: 'Test error ‖ŵ − w*‖² by generation',
        metric: 'test_error',
        yTitle: 'excess test error',
      },
    ],
    tables: [table],
    notes: [
      `one fit on real labels costs σ²d/(T−d−1) = ${formatSignificant(base, 5)}; replace adds that much every generation, accumulate stays below π²/6 times it = ${formatSignificant((base * Math.PI * Math.PI) / 6, 5)}${p.design === 'fresh' ? ' (fixed design; with --design fresh accumulate has no closed form)' : ''}`,
    ],
  };
}
