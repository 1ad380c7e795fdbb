/**
 * `theory wmle`: the parameter table, validation, and the report (metric rows, table, notes) of the
 * weighted-MLE model in wmle.ts.
 */
import { BiasloopError } from '../core/errors.ts';
import { formatSignificant } from '../report/text-table.ts';
import { resolveParams, type ParamSpec } from './params.ts';
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
import {
  wmleLongRunMean,
  wmlePopulation,
  wmleSampled,
  sampledPrecisionLimit,
  type WmleGeneration,
  type WmleParams,
} from './wmle.ts';

const positive = { kind: 'number', min: 0, minExclusive: true } as const;

export const WMLE_PARAMS: readonly ParamSpec[] = [
  {
    ...positive,
    key: 'alphaP',
    flag: '--alpha-p',
    default: 3,
    description: 'α of the biased pretrained (weighting) model',
  },
  {
    ...positive,
    key: 'betaP',
    flag: '--beta-p',
    default: 2,
    description: 'β of the biased pretrained (weighting) model',
  },
  {
    ...positive,
    key: 'alphaT',
    flag: '--alpha-t',
    default: 2,
    description: 'α of the true data distribution',
  },
  { ...positive, key: 'betaT', flag: '--beta-t', default: 2, description: 'β of the true data distribution' },
  {
    kind: 'number',
    key: 'n',
    flag: '--n',
    default: 10_000,
    integer: true,
    min: 2,
    max: 1e8,
    description: 'samples drawn per generation (sampled and control modes)',
  },
  {
    kind: 'number',
    key: 'nPretrain',
    flag: '--n-pretrain',
    default: 10_000,
    integer: true,
    min: 2,
    max: 1e8,
    description: 'draws of Beta(α_P, β_P) the pretrained model is fitted to (sampled mode)',
  },
  {
    kind: 'number',
    key: 'generations',
    flag: '--generations',
    default: 10,
    integer: true,
    min: 1,
    max: 1000,
    description: 'number of generations G (generation 0 is the first fit, on the true data)',
  },
  {
    kind: 'number',
    key: 'seed',
    flag: '--seed',
    default: 0,
    integer: true,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    description: 'seed of the random streams (sampled and control modes)',
  },
  {
    kind: 'choice',
    key: 'mode',
    flag: '--mode',
    default: 'population',
    choices: ['population', 'sampled', 'control'],
    description:
      'population: exact recursion, no sampling error; sampled: N draws per generation; control: sampled with w ≡ 1',
  },
];
/** Resolve and validate parameters, including the checks that involve several of them. */
export function resolveWmleParams(input: Readonly<Record<string, unknown>> = {}): WmleParams {
  const p = resolveParams('wmle', WMLE_PARAMS, input) as unknown as WmleParams; // keys/types checked by the table
  if (p.mode === 'control') return p;
  // The weighted recursion must stay inside the Beta family: α_t, β_t > 0 for every generation.
  const chain = wmlePopulation(p, 'model');
  for (const g of chain) {
    for (const [name, value, flags] of [
      ['α', g.alpha, '--alpha-t + --alpha-p'],
      ['β', g.beta, '--beta-t + --beta-p'],
    ] as const) {
      if (!(value > 0)) {
        throw new BiasloopError(
          'usage',
          `wmle: ${name}_${g.generation} = ${formatSignificant(value)} ≤ 0, so the weighted refit at generation ${g.generation} is not a Beta distribution (${flags} must exceed 1, and 2 for a long loop)`,
          {
            field: flags.split(' ')[0],
            hint: `raise ${flags} or use --generations ${Math.max(1, g.generation)}`,
          },
        );
      }
    }
  }
  if (p.mode === 'sampled') {
    const limit = sampledPrecisionLimit(p.n);
    const tooBig = chain.find((g) => g.alpha + g.beta > limit);
    if (tooBig !== undefined) {
      throw new BiasloopError(
        'usage',
        `wmle: --generations ${p.generations} is too many for --mode sampled with --n ${p.n}: by generation ${tooBig.generation} α + β reaches ${formatSignificant(tooBig.alpha + tooBig.beta)}, where the fit is limited by double precision rather than by sampling error`,
        { field: '--generations', hint: `use --generations ${tooBig.generation} or --mode population` },
      );
    }
  }
  return p;
}

function metricRows(collector: RowCollector, series: string, gens: readonly WmleGeneration[]): void {
  for (const g of gens) {
    collector.add(g.generation, 'alpha', series, g.alpha);
    collector.add(g.generation, 'beta', series, g.beta);
    collector.add(g.generation, 'mean', series, g.mean);
    collector.add(g.generation, 'variance', series, g.variance);
    collector.add(g.generation, 'bias', series, g.bias);
    collector.add(g.generation, 'amplification_condition', series, g.amplificationCondition ? 1 : 0);
    if (g.effectiveSampleSize !== undefined) {
      collector.add(g.generation, 'effective_sample_size', series, g.effectiveSampleSize);
    }
  }
}

function describeLongRun(p: WmleParams): string {
  const trueMean = p.alphaT / (p.alphaT + p.betaT);
  if (p.mode === 'control') {
    return `control (w ≡ 1): the population recursion is the identity, so the model stays at the truth Beta(${p.alphaT}, ${p.betaT}); any drift in the sampled run is finite-N noise`;
  }
  const limit = wmleLongRunMean(p);
  const a0 = p.alphaT + p.alphaP - 1;
  const b0 = p.betaT + p.betaP - 1;
  if (Number.isNaN(limit)) {
    return `the weighted loop leaves the Beta family after a few generations (α_0 = ${formatSignificant(a0)}, β_0 = ${formatSignificant(b0)}; both must be ≥ 1 for a long loop)`;
  }
  return `population limit: θ_t − 1 = 2^t·(θ_0 − 1) with θ_0 = (${formatSignificant(a0)}, ${formatSignificant(b0)}); the mean tends to ${formatSignificant(limit)} (the mode of Beta(θ_0)) while the variance collapses to 0; true mean ${formatSignificant(trueMean)}, long-run bias ${formatSignificant(limit - trueMean)}`;
}

function table(
  p: WmleParams,
  sim: readonly WmleGeneration[] | null,
  theory: readonly WmleGeneration[],
): TheoryTable {
  const f = (v: number): string => formatSignificant(v);
  if (sim === null) {
    return {
      title: `Weighted MLE, population limit (exact recursion): pretrained Beta(${p.alphaP}, ${p.betaP}), truth Beta(${p.alphaT}, ${p.betaT})`,
      columns: ['gen', 'alpha', 'beta', 'mean', 'variance', 'bias', 'amplifies'],
      rows: tableGenerations(theory.length)
        .map((t) => theory[t])
        .map((g) => [
          String(g.generation),
          f(g.alpha),
          f(g.beta),
          f(g.mean),
          f(g.variance),
          f(g.bias),
          g.amplificationCondition ? 'yes' : 'no',
        ]),
    };
  }
  const what =
    p.mode === 'control' ? 'unweighted control (w ≡ 1)' : `pretrained Beta(${p.alphaP}, ${p.betaP})`;
  return {
    title: `Weighted MLE, ${p.mode} (N = ${p.n}, seed ${p.seed}): ${what}, truth Beta(${p.alphaT}, ${p.betaT})`,
    columns: [
      'gen',
      'alpha',
      'beta',
      'mean',
      'theory mean',
      'variance',
      'bias',
      'amplifies',
      ...(p.mode === 'sampled' ? ['ESS'] : []),
    ],
    rows: tableGenerations(sim.length)
      .map((i) => [sim[i], i] as const)
      .map(([g, i]) => [
        String(g.generation),
        f(g.alpha),
        f(g.beta),
        f(g.mean),
        f(theory[i].mean),
        f(g.variance),
        f(g.bias),
        g.amplificationCondition ? 'yes' : 'no',
        ...(g.effectiveSampleSize === undefined ? [] : [formatSignificant(g.effectiveSampleSize, 5)]),
      ]),
  };
}

/** Run the weighted-MLE model and report it in the shared long format. */
export function runWmle(input: Readonly<Record<string, unknown>> = {}): TheoryResult {
  const p = resolveWmleParams(input);
  const weighting = p.mode === 'control' ? 'uniform' : 'model';
  const theory = wmlePopulation(p, weighting);
  const collector = new RowCollector(p.mode);
  let sim: WmleGeneration[] | null = null;
  const info: Record<string, unknown> = {
    trueMean: p.alphaT / (p.alphaT + p.betaT),
    pretrainedMean: p.alphaP / (p.alphaP + p.betaP),
    longRunMean: p.mode === 'control' ? p.alphaT / (p.alphaT + p.betaT) : wmleLongRunMean(p),
  };
  if (p.mode !== 'population') {
    const run = wmleSampled(p, weighting);
    sim = run.generations;
    if (run.pretrained !== null) info.pretrainedFit = run.pretrained;
    metricRows(collector, SIMULATION, sim);
  }
  metricRows(collector, THEORY, theory);
  const params = { ...p } as unknown as Record<string, number | string>;
  const runs: TheoryRun[] = [
    {
      id: p.mode,
      label: p.mode === 'population' ? 'mode=population' : `mode=${p.mode} seed=${p.seed}`,
      seed: p.seed,
      rows: collector.rows,
      info,
    },
  ];
  return {
    model: 'wmle',
    title: 'Weighted MLE bias amplification (Beta family)',
    params,
    experimentId: theoryExperimentId('wmle', params),
    runs,
    charts: [
      { file: 'mean', title: 'Mean of the fitted Beta by generation', metric: 'mean', yTitle: 'mean' },
      {
        file: 'variance',
        title: 'Variance of the fitted Beta by generation',
        metric: 'variance',
        yTitle: 'variance',
        yScale: 'log',
      },
    ],
    tables: [table(p, sim, theory)],
    notes: [describeLongRun(p)],
  };
}
