/**
 * Group shares under resampling: the Wright–Fisher model of a self-consuming loop.
 *
 * Generation 0 is the model fitted to the real data, whose K group shares are p₀. Generation g ≥ 1
 * draws N points from generation g−1's shares and refits the shares to them:
 * counts ~ Multinomial(N, p_{g−1}), p_g = counts / N. Nothing pushes a share anywhere, yet every group
 * but one is eventually lost. Exact facts (λ = 1 − 1/N; docs/theory.md):
 *   E[p_g] = p₀;  Var[p_{g,k}] = p₀ₖ(1 − p₀ₖ)(1 − λ^g);  E[H_g] = H₀ λ^g with H = 1 − Σ p²;
 *   a group with share p is eventually lost with probability 1 − p;
 *   P(group k lost by generation g) = the probability mass at 0 after g steps of the two-type chain
 *   "group k versus the rest" (its count is Binomial(N, p) given the previous share), computed exactly
 *   by iterating the (N+1)×(N+1) binomial transition matrix.
 */
import { Rng } from '../core/rng.ts';
import { BiasloopError } from '../core/errors.ts';
import { formatSignificant } from '../report/text-table.ts';
import { resolveParams, type ParamSpec } from './params.ts';
import { proportionWithCi, summariseMean } from './replicates.ts';
import {
  RowCollector,
  SIMULATION,
  THEORY,
  seriesGroup,
  tableGenerations,
  theoryExperimentId,
  type TheoryResult,
  type TheoryTable,
} from './result.ts';
import { lgamma } from './special.ts';

export interface WrightFisherParams {
  readonly shares: readonly number[];
  readonly groupNames: readonly string[];
  readonly n: number;
  readonly generations: number;
  readonly seeds: number;
  readonly seed: number;
  readonly trajectories: number;
}

export const WRIGHT_FISHER_PARAMS: readonly ParamSpec[] = [
  {
    kind: 'number-list',
    key: 'shares',
    flag: '--shares',
    default: [0.5, 0.3, 0.15, 0.05],
    min: 0,
    minExclusive: true,
    minLength: 2,
    description: 'initial group shares p₀ (K ≥ 2 values summing to 1)',
  },
  {
    kind: 'name-list',
    key: 'groupNames',
    flag: '--group-names',
    default: [],
    defaultDescription: 'g1,g2,…',
    description: 'group names, one per share',
  },
  {
    kind: 'number',
    key: 'n',
    flag: '--n',
    default: 100,
    integer: true,
    min: 2,
    max: 1e9,
    description: 'points resampled per generation N',
  },
  {
    kind: 'number',
    key: 'generations',
    flag: '--generations',
    default: 100,
    integer: true,
    min: 1,
    max: 100_000,
    description: 'number of generations G (generation 0 is the real data)',
  },
  {
    kind: 'number',
    key: 'seeds',
    flag: '--seeds',
    default: 1000,
    integer: true,
    min: 2,
    max: 1e6,
    description: 'independent replicates (seeds)',
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
    kind: 'number',
    key: 'trajectories',
    flag: '--trajectories',
    default: 5,
    integer: true,
    min: 0,
    max: 100,
    description: 'single-seed share trajectories to report (the first seeds)',
  },
];

/** Above this many multiply-adds the exact P(lost by g) is skipped (with a note). */
const EXACT_CHAIN_BUDGET = 5e8;

export function resolveWrightFisherParams(input: Readonly<Record<string, unknown>> = {}): WrightFisherParams {
  const p = resolveParams('wright-fisher', WRIGHT_FISHER_PARAMS, input) as unknown as WrightFisherParams; // checked by the table
  const total = p.shares.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-9) {
    throw new BiasloopError(
      'usage',
      `wright-fisher: --shares (shares) must sum to 1, got ${formatSignificant(total, 12)}`,
      {
        field: '--shares',
        hint: 'e.g. --shares 0.5,0.3,0.2',
      },
    );
  }
  if (p.groupNames.length > 0 && p.groupNames.length !== p.shares.length) {
    throw new BiasloopError(
      'usage',
      `wright-fisher: --group-names (groupNames) has ${p.groupNames.length} names for ${p.shares.length} shares`,
      { field: '--group-names', hint: 'give one name per share, or none' },
    );
  }
  if (p.seeds * p.generations * p.shares.length > 2e9) {
    throw new BiasloopError('usage', 'wright-fisher: --seeds × --generations × groups is above 2e9', {
      field: '--seeds',
      hint: 'lower --seeds or --generations',
    });
  }
  const names = p.groupNames.length > 0 ? p.groupNames : p.shares.map((_, k) => `g${k + 1}`);
  return { ...p, groupNames: names, trajectories: Math.min(p.trajectories, p.seeds) };
}

/** Expected heterozygosity after g resampling generations: H₀(1 − 1/N)^g. */
export function expectedHeterozygosity(shares: readonly number[], n: number, g: number): number {
  const h0 = 1 - shares.reduce((a, p) => a + p * p, 0);
  return h0 * (1 - 1 / n) ** g;
}

/**
 * P(a group of initial share p is lost by generation g), g = 0..G−1, exactly: iterate the binomial
 * transition matrix of the two-type Wright–Fisher chain with N points.
 */
export function exactLossByGeneration(p: number, n: number, generations: number): Float64Array {
  const out = new Float64Array(generations);
  if (generations <= 1) return out;
  const logFact = new Float64Array(n + 1);
  for (let k = 0; k <= n; k++) logFact[k] = lgamma(k + 1);
  const binomRow = (q: number, row: Float64Array): void => {
    if (q <= 0 || q >= 1) {
      row.fill(0);
      row[q <= 0 ? 0 : n] = 1;
      return;
    }
    const lq = Math.log(q);
    const l1q = Math.log1p(-q);
    for (let j = 0; j <= n; j++)
      row[j] = Math.exp(logFact[n] - logFact[j] - logFact[n - j] + j * lq + (n - j) * l1q);
  };
  const size = n + 1;
  const transition = new Float64Array(size * size);
  const row = new Float64Array(size);
  for (let i = 0; i <= n; i++) {
    binomRow(i / n, row);
    transition.set(row, i * size);
  }
  let v = new Float64Array(size);
  binomRow(p, v); // distribution of the count after the first resampling
  let next = new Float64Array(size);
  out[1] = v[0];
  for (let g = 2; g < generations; g++) {
    next.fill(0);
    for (let i = 0; i <= n; i++) {
      const vi = v[i];
      if (vi === 0) continue;
      const o = i * size;
      for (let j = 0; j <= n; j++) next[j] += vi * transition[o + j];
    }
    [v, next] = [next, v];
    out[g] = v[0];
  }
  return out;
}

interface Simulated {
  /** [g][replicate] heterozygosity. */
  readonly heterozygosity: Float64Array[];
  /** [g][replicate·K + k] share. */
  readonly shares: Float64Array[];
}

export function simulateWrightFisher(p: WrightFisherParams): Simulated {
  const K = p.shares.length;
  const heterozygosity = Array.from({ length: p.generations }, () => new Float64Array(p.seeds));
  const shares = Array.from({ length: p.generations }, () => new Float64Array(p.seeds * K));
  const cur = new Float64Array(K);
  for (let r = 0; r < p.seeds; r++) {
    const rng = Rng.stream(p.seed, 'theory', 'wright-fisher', 'replicate', r);
    cur.set(p.shares);
    for (let g = 0; g < p.generations; g++) {
      if (g > 0) {
        const counts = rng.multinomial(p.n, cur);
        for (let k = 0; k < K; k++) cur[k] = counts[k] / p.n;
      }
      let sq = 0;
      for (let k = 0; k < K; k++) {
        shares[g][r * K + k] = cur[k];
        sq += cur[k] * cur[k];
      }
      heterozygosity[g][r] = 1 - sq;
    }
  }
  return { heterozygosity, shares };
}

/** Run the Wright–Fisher model and report it in the shared long format. */
export function runWrightFisher(input: Readonly<Record<string, unknown>> = {}): TheoryResult {
  const p = resolveWrightFisherParams(input);
  const K = p.shares.length;
  const sim = simulateWrightFisher(p);
  const notes: string[] = [];
  const chainCost = (p.n + 1) * (p.n + 1) * p.generations * K;
  const exact =
    chainCost <= EXACT_CHAIN_BUDGET
      ? p.shares.map((s) => exactLossByGeneration(s, p.n, p.generations))
      : null;
  if (exact === null) {
    notes.push(
      `exact P(lost by generation g) skipped: it costs (N+1)²·G·K = ${formatSignificant(chainCost, 3)} operations (limit ${EXACT_CHAIN_BUDGET}); the eventual loss probability 1 − p is still reported`,
    );
  }
  const c = new RowCollector('wright-fisher');
  const lost = p.shares.map(() => new Float64Array(p.generations));
  for (let g = 0; g < p.generations; g++) {
    const h = summariseMean(sim.heterozygosity[g]);
    c.add(g, 'heterozygosity', SIMULATION, h.mean, h.ci);
    c.add(g, 'heterozygosity', THEORY, expectedHeterozygosity(p.shares, p.n, g));
    const lambdaG = (1 - 1 / p.n) ** g;
    for (let k = 0; k < K; k++) {
      const name = p.groupNames[k];
      const values = new Float64Array(p.seeds);
      let vanished = 0;
      for (let r = 0; r < p.seeds; r++) {
        values[r] = sim.shares[g][r * K + k];
        if (values[r] === 0) vanished++;
      }
      const m = summariseMean(values);
      c.add(g, 'share', seriesGroup(SIMULATION, name), m.mean, m.ci);
      c.add(g, 'share', seriesGroup(THEORY, name), p.shares[k]);
      c.add(g, 'share_sd', seriesGroup(SIMULATION, name), m.sd);
      c.add(
        g,
        'share_sd',
        seriesGroup(THEORY, name),
        Math.sqrt(p.shares[k] * (1 - p.shares[k]) * (1 - lambdaG)),
      );
      const v = proportionWithCi(vanished, p.seeds);
      lost[k][g] = v.p;
      c.add(g, 'vanished', seriesGroup(SIMULATION, name), v.p, v.ci);
      if (exact !== null) c.add(g, 'vanished', seriesGroup(THEORY, name), exact[k][g]);
      c.add(g, 'eventual_loss_probability', seriesGroup(THEORY, name), 1 - p.shares[k]);
      for (let r = 0; r < p.trajectories; r++)
        c.add(g, 'share', seriesGroup(`seed${r}`, name), sim.shares[g][r * K + k]);
    }
  }
  const f = (v: number): string => formatSignificant(v, 4);
  const table: TheoryTable = {
    title: `Wright–Fisher group shares (N = ${p.n}, ${p.seeds} seeds): heterozygosity and fraction of seeds where a group has vanished`,
    columns: [
      'gen',
      'H',
      'E[H] (exact)',
      ...p.groupNames.flatMap((name) => [`${name} lost`, ...(exact === null ? [] : [`${name} P(lost)`])]),
    ],
    rows: tableGenerations(p.generations).map((g) => [
      String(g),
      f(summariseMean(sim.heterozygosity[g]).mean),
      f(expectedHeterozygosity(p.shares, p.n, g)),
      ...p.groupNames.flatMap((_, k) => [f(lost[k][g]), ...(exact === null ? [] : [f(exact[k][g])])]),
    ]),
  };
  notes.push(
    `eventual loss probability 1 − p: ${p.groupNames.map((name, k) => `${name} ${formatSignificant(1 - p.shares[k], 4)}`).join(', ')}; E[H] halves every ${formatSignificant(Math.log(0.5) / Math.log(1 - 1 / p.n), 4)} generations`,
  );
  const params = { ...p } as unknown as Record<
    string,
    number | string | readonly string[] | readonly number[]
  >;
  return {
    model: 'wright-fisher',
    title: 'Group shares under resampling (Wright–Fisher)',
    params,
    experimentId: theoryExperimentId('wright-fisher', params),
    runs: [
      { id: 'wright-fisher', label: `N=${p.n}`, seed: p.seed, rows: c.rows, info: { groups: p.groupNames } },
    ],
    charts: [
      {
        file: 'heterozygosity',
        title: 'Heterozygosity 1 − Σp² by generation',
        metric: 'heterozygosity',
        yTitle: '1 − Σp²',
      },
      {
        file: 'share',
        title: 'Group shares: mean over seeds and single seeds',
        metric: 'share',
        yTitle: 'share',
      },
      {
        file: 'share-sd',
        title: 'Spread of the shares across seeds',
        metric: 'share_sd',
        yTitle: 'sd of share',
      },
      {
        file: 'vanished',
        title: 'Fraction of seeds where the group has vanished',
        metric: 'vanished',
        yTitle: 'P(lost by generation)',
      },
    ],
    tables: [table],
    notes,
  };
}
