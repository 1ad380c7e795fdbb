/**
 * The experiment spec: every field, its default and its documentation, as zod schemas. The JSON Schema
 * (`biasloop schema`) and docs/spec.md are generated from these, so they cannot drift apart.
 */
import { z } from 'zod';

const int = (): z.ZodNumber => z.number().int();

// ---------------------------------------------------------------- data sources

export const SyntheticDataSpec = z
  .strictObject({
    source: z.literal('synthetic').describe('The built-in synthetic fairness benchmark (see docs/data.md).'),
    n: int().min(20).default(2000).describe('Real training rows.'),
    testSize: int().min(20).default(5000).describe('Rows in the fixed real test set.'),
    dim: int().min(2).max(1000).default(6).describe('Number of features (the last one is the group proxy).'),
    groups: int().min(2).max(12).default(2).describe('Number of groups of the protected attribute.'),
    minorityShare: z
      .number()
      .gt(0)
      .max(0.5)
      .default(0.3)
      .describe('Group imbalance: share of each non-majority group (the majority gets the rest).'),
    baseRate: z.number().gt(0).lt(1).default(0.5).describe('Positive-label rate in the majority group.'),
    baseRateGap: z
      .number()
      .min(0)
      .lt(1)
      .default(0.2)
      .describe('Base-rate gap: each non-majority group has positive rate baseRate − baseRateGap.'),
    proxyStrength: z
      .number()
      .min(0)
      .max(1)
      .default(0.6)
      .describe('Correlation between the proxy feature and the (standardised) group indicator.'),
    labelNoise: z
      .number()
      .min(0)
      .lt(0.5)
      .default(0.05)
      .describe('Probability that an observed label is flipped.'),
    separation: z
      .number()
      .gt(0)
      .default(1.5)
      .describe('Distance between the class means along the signal features.'),
    minorityShift: z
      .number()
      .default(0)
      .describe('Shift of every signal feature for non-majority groups (distribution shift between groups).'),
  })
  .describe('Synthetic tabular benchmark with documented knobs.');

export const RowFilterSpec = z.strictObject({
  column: z.string().min(1).describe('Column the filter reads.'),
  op: z.enum(['eq', 'ne', 'in', 'notIn', 'between', 'lt', 'le', 'gt', 'ge']).describe('Comparison.'),
  value: z
    .union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))])
    .describe('Value (a number compares numerically; `between` takes [low, high], inclusive).'),
});

export const ProtectedColumnSpec = z.union([
  z.string().min(1),
  z.strictObject({
    column: z.string().min(1).describe('Protected attribute column.'),
    groups: z
      .record(z.string(), z.string())
      .optional()
      .describe('Map raw values to group names; unlisted values become `other`.'),
    bins: z.array(z.number()).min(1).optional().describe('Cut points for a numeric attribute (e.g. age).'),
    keep: z.array(z.string()).min(1).optional().describe('Keep only rows in these groups.'),
  }),
]);

const splitFields = {
  testPath: z.string().min(1).optional().describe('A separate test file; otherwise a random split is used.'),
  testFraction: z
    .number()
    .gt(0)
    .lt(1)
    .default(0.3)
    .describe('Share of rows held out as the test set (no testPath).'),
  trainSize: int().min(20).optional().describe('Cap on real training rows (a seeded subsample).'),
  includeProtected: z
    .boolean()
    .default(false)
    .describe('Also give the model the protected attribute(s) as one-hot features.'),
};

export const CsvDataSpec = z
  .strictObject({
    source: z.literal('csv').describe('Any CSV file with a column-role mapping.'),
    path: z.string().min(1).describe('CSV file (relative paths resolve against the working directory).'),
    ...splitFields,
    delimiter: z.string().default('auto').describe("Field separator, or 'auto'."),
    label: z.strictObject({
      column: z.string().min(1).describe('Label column.'),
      positive: z.array(z.string()).min(1).optional().describe('Values meaning the positive class.'),
      stripSuffix: z.string().optional().describe("Suffix removed from label values first (e.g. '.')."),
    }),
    protected: z.array(ProtectedColumnSpec).min(1).describe('Protected attribute column(s).'),
    numeric: z.array(z.string()).default([]).describe('Numeric feature columns.'),
    categorical: z.array(z.string()).default([]).describe('Categorical feature columns (one-hot encoded).'),
    filters: z.array(RowFilterSpec).default([]).describe('Row filters, all must hold.'),
    missing: z
      .strictObject({
        values: z
          .array(z.string())
          .optional()
          .describe("Tokens meaning 'missing' (default '', ?, NA, N/A, NaN, null)."),
        policy: z
          .enum(['drop-row', 'impute', 'error'])
          .default('drop-row')
          .describe('drop-row, impute (numeric mean / most frequent level), or error.'),
      })
      .prefault({}),
  })
  .describe('A CSV file mapped to label, protected attributes and features.');

export const AdultDataSpec = z
  .strictObject({
    source: z.literal('adult').describe('UCI Adult (Census Income) with the built-in column mapping.'),
    path: z
      .string()
      .min(1)
      .describe('adult.data, or a directory holding adult.data (and adult.test, used as the test set).'),
    protected: z
      .array(z.enum(['sex', 'race', 'age']))
      .min(1)
      .default(['sex'])
      .describe('Protected attribute(s): sex, race, age (binned <25, 25-45, >=45).'),
    ...splitFields,
  })
  .describe('UCI Adult: label income >50K.');

export const CompasDataSpec = z
  .strictObject({
    source: z.literal('compas').describe('ProPublica COMPAS with the standard analysis filter.'),
    path: z.string().min(1).describe('compas-scores-two-years.csv'),
    protected: z
      .array(z.enum(['race', 'sex', 'age']))
      .min(1)
      .default(['race'])
      .describe('Protected attribute(s): race, sex, age (age_cat).'),
    races: z
      .enum(['all', 'black-white'])
      .default('black-white')
      .describe("'black-white' keeps African-American and Caucasian defendants (the usual comparison)."),
    ...splitFields,
  })
  .describe('COMPAS: label two_year_recid, 6,172 rows after the standard filter.');

export const DataSpec = z.discriminatedUnion('source', [
  SyntheticDataSpec,
  CsvDataSpec,
  AdultDataSpec,
  CompasDataSpec,
]);

// ---------------------------------------------------------------- generator, sampling, model

export const GaussianGeneratorSpec = z.strictObject({
  kind: z.literal('gaussian').describe('One multivariate normal per (class, group) cell.'),
  covariance: z.enum(['full', 'diag']).default('full').describe('Covariance structure.'),
  estimator: z
    .enum(['mle', 'unbiased'])
    .default('mle')
    .describe('Covariance divisor: n (mle, as in the model-collapse literature) or n − 1.'),
  regularization: z
    .number()
    .min(0)
    .default(1e-6)
    .describe('Added to the covariance diagonal, × mean variance.'),
});

export const GmmGeneratorSpec = z.strictObject({
  kind: z.literal('gmm').describe('A Gaussian mixture (EM) per (class, group) cell.'),
  components: int().min(1).max(50).default(3).describe('Mixture components per cell (capped by cell size).'),
  covariance: z.enum(['full', 'diag']).default('full').describe('Covariance structure.'),
  maxIter: int().min(1).default(100).describe('EM iterations at most.'),
  tol: z.number().gt(0).default(1e-4).describe('EM stops when the mean log-likelihood improves by less.'),
  regularization: z
    .number()
    .min(0)
    .default(1e-6)
    .describe('Added to each covariance diagonal, × mean variance.'),
});

export const GeneratorSpec = z.discriminatedUnion('kind', [GaussianGeneratorSpec, GmmGeneratorSpec]);

export const SamplingSpec = z.strictObject({
  size: z
    .union([z.literal('auto'), int().min(1)])
    .default('auto')
    .describe("Synthetic rows per generation; 'auto' = what the strategy needs (see docs/strategies.md)."),
  conditioning: z
    .enum(['joint', 'stratified'])
    .default('joint')
    .describe(
      "'joint': draw each row's (label, group) from the generator (shares can drift); 'stratified': keep the fit data's shares.",
    ),
  temperature: z
    .number()
    .gt(0)
    .default(1)
    .describe('Variance scale of feature draws; < 1 favours typical rows (quality-favouring sampling bias).'),
  cellTemperature: z
    .number()
    .gt(0)
    .default(1)
    .describe(
      'Temperature on (label, group) probabilities under joint conditioning; < 1 favours majorities.',
    ),
});

export const OverfitSpec = z.union([
  z.literal(false),
  z.literal(true),
  z.strictObject({
    factor: z.number().min(1).default(5).describe('Multiplies iterations/epochs.'),
  }),
]);

export const LogisticModelSpec = z.strictObject({
  kind: z.literal('logistic').describe('L2-penalised logistic regression.'),
  l2: z
    .number()
    .min(0)
    .default(1e-4)
    .describe('L2 strength on standardised coefficients (not the intercept).'),
  solver: z.enum(['lbfgs', 'newton']).default('lbfgs').describe('Optimiser.'),
  maxIter: int().min(1).default(200).describe('Iterations at most.'),
  tol: z.number().gt(0).default(1e-6).describe('Stop when the largest gradient component is below this.'),
  update: z
    .enum(['retrain', 'continue'])
    .default('retrain')
    .describe(
      "'retrain' from scratch each generation, or 'continue' from the previous generation's weights.",
    ),
  overfit: OverfitSpec.default(false).describe(
    'Overfitting mitigation: iterations × factor and weight decay 0 in every generation (true = factor 5).',
  ),
});

export const ModelSpec = z.discriminatedUnion('kind', [LogisticModelSpec]);

// ---------------------------------------------------------------- composition strategies

export const StrategySpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('replace').describe('Train on the newest synthetic set only.') }),
  z.strictObject({ kind: z.literal('accumulate').describe('Real data plus every synthetic set so far.') }),
  z.strictObject({
    kind: z.literal('accumulate-subsample').describe('Accumulate, then subsample to a fixed size.'),
    size: int().min(1).optional().describe('Training-set size (default: the real training size).'),
  }),
  z.strictObject({
    kind: z
      .literal('preserve')
      .describe('Newest synthetic set plus a fraction ρ of the real data, re-drawn each generation.'),
    rho: z.number().gt(0).max(1).default(0.1).describe('Fraction ρ of the real rows kept each generation.'),
  }),
  z.strictObject({
    kind: z.literal('mix').describe('Real and synthetic mixed at bias ratio r = synthetic share of the mix.'),
    ratio: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe('Bias ratio r = |synthetic| / (|real| + |synthetic|).'),
    mode: z
      .enum(['fixed-total', 'additive'])
      .default('fixed-total')
      .describe(
        "'fixed-total': total = real size; 'additive': all real rows plus r/(1−r) × as many synthetic.",
      ),
  }),
  z.strictObject({
    kind: z.literal('fresh').describe('New real rows each generation plus synthetic rows, fixed total.'),
    freshFraction: z
      .number()
      .gt(0)
      .max(1)
      .default(0.5)
      .describe('Share of each training set that is new real data.'),
  }),
]);

// ---------------------------------------------------------------- metrics and the experiment

export const MetricsSpec = z.strictObject({
  select: z
    .array(z.string())
    .min(1)
    .default(['default'])
    .describe(
      'Registry metrics computed on each real test set: names, name[Class], globs (*_ratio) or presets (default, all, group, named); `biasloop metrics` lists them.',
    ),
  privileged: z
    .record(z.string(), z.string())
    .optional()
    .describe(
      'Privileged level per protected attribute (e.g. {sex: Male}), for disparate impact and average odds.',
    ),
  synthetic: z
    .boolean()
    .default(true)
    .describe(
      'Measure each synthetic set: group shares, label–group association, distances to the real data.',
    ),
  bootstrap: z
    .strictObject({
      resamples: int()
        .min(0)
        .max(100000)
        .default(0)
        .describe('Bootstrap resamples for test-metric CIs (0 = none).'),
      level: z.number().gt(0).lt(1).default(0.95).describe('Confidence level of the percentile intervals.'),
    })
    .prefault({})
    .describe('Bootstrap confidence intervals on the test metrics (seeded).'),
});

export const ExperimentSpec = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, dot, dash, underscore')
    .default('experiment')
    .describe('Experiment name (used in the results directory name).'),
  description: z.string().optional().describe('Free text, copied into the results.'),
  seed: int().min(0).default(0).describe('Base seed.'),
  seeds: z
    .union([int().min(1).max(10000), z.array(int().min(0)).min(1)])
    .default(1)
    .describe('Number of seeds (seed, seed+1, …) or an explicit list: each seed is one run.'),
  generations: int().min(0).max(10000).default(10).describe('Generations after generation 0 (G).'),
  data: DataSpec.prefault({ source: 'synthetic' }).describe('Where the real data come from.'),
  generator: GeneratorSpec.prefault({ kind: 'gaussian' }).describe('The generator fitted each generation.'),
  sampling: SamplingSpec.prefault({}).describe('How synthetic rows are drawn.'),
  model: ModelSpec.prefault({ kind: 'logistic' }).describe(
    'The downstream classifier trained each generation.',
  ),
  strategy: StrategySpec.prefault({ kind: 'replace' }).describe(
    'How each generation’s training set is composed.',
  ),
  metrics: MetricsSpec.prefault({}).describe('Which metrics are computed.'),
  sweep: z
    .record(z.string(), z.array(z.unknown()).min(1))
    .optional()
    .describe(
      'Grid: spec field path → list of values (e.g. strategy: [{kind: replace}, {kind: accumulate}]).',
    ),
});

export type ExperimentSpecInput = z.input<typeof ExperimentSpec>;
export type ExperimentSpecResolved = z.output<typeof ExperimentSpec>;
export type DataSpecResolved = z.output<typeof DataSpec>;
export type GeneratorSpecResolved = z.output<typeof GeneratorSpec>;
export type ModelSpecResolved = z.output<typeof ModelSpec>;
export type StrategySpecResolved = z.output<typeof StrategySpec>;
export type SamplingSpecResolved = z.output<typeof SamplingSpec>;

/** One run: an experiment spec with the sweep applied and a single seed. */
export type RunSpec = Omit<ExperimentSpecResolved, 'sweep' | 'seeds'> & { readonly runSeed: number };
