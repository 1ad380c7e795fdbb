/**
 * The named metrics: the fairness definitions people ask for by name. Most are aliases of a
 * generated variant (demographic_parity_difference = selection_rate_difference); the others combine
 * variants (equalized odds), compare the pooled unprivileged rows with the privileged ones (AIF360's
 * signed metrics), or measure bias amplification from the group × class tables. One line each.
 */
import { BASE_METRICS, baseMetric, type BaseMetric } from './base-metrics.ts';
import {
  VARIANTS,
  groupDifference,
  groupRatio,
  makeDerivedMetric,
  type DerivedMetric,
  type EvalContext,
  type Fairer,
} from './derived.ts';
import {
  directionalBiasAmplification,
  smoothedDifferentialFairness,
  zhaoBiasAmplification,
} from './amplification.ts';

const SR = baseMetric('selection_rate');
const TPR = baseMetric('true_positive_rate');
const FPR = baseMetric('false_positive_rate');

/** A named alias of a generated variant, e.g. demographic_parity_difference = selection_rate_difference. */
function alias(name: string, target: string, doc: string): DerivedMetric & { aliasOf: string } {
  const [baseName, variant] = splitVariant(target);
  const d = makeDerivedMetric(baseMetric(baseName), variant);
  return { ...d, name, doc, aliasOf: target };
}

function splitVariant(name: string): [string, (typeof VARIANTS)[number]] {
  for (const v of VARIANTS) {
    if (name.endsWith(`_${v}`)) {
      const baseName = name.slice(0, -(v.length + 1));
      if (BASE_METRICS.some((b) => b.name === baseName)) return [baseName, v];
    }
  }
  throw new RangeError(`'${name}' is not a generated variant`);
}

function named(
  name: string,
  doc: string,
  formula: string,
  range: readonly [number, number],
  fairer: Fairer,
  reads: readonly BaseMetric[],
  compute: (ctx: EvalContext) => number,
  opts: { classFree?: boolean; needsPrivileged?: boolean } = {},
): DerivedMetric {
  return {
    name,
    doc,
    formula,
    range,
    fairer,
    classFree: opts.classFree ?? false,
    needsScores: false,
    needsPrivileged: opts.needsPrivileged ?? false,
    reads,
    compute,
  };
}

/** x / y with 0/0 = 1 and x/0 = Infinity (a group never selected against one that is). */
function signedRatio(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === y) return 1;
  return y === 0 ? Infinity : x / y;
}

function tables(ctx: EvalContext) {
  const t = ctx.labelTables();
  return {
    truth: { counts: t.truth, groups: t.groups, outcomes: t.classes },
    predicted: { counts: t.predicted, groups: t.groups, outcomes: t.classes },
  };
}

export const NAMED_METRICS: readonly (DerivedMetric & { aliasOf?: string })[] = [
  alias(
    'demographic_parity_difference',
    'selection_rate_difference',
    'Demographic (statistical) parity difference: gap between the highest and lowest group selection rate.',
  ),
  alias(
    'demographic_parity_ratio',
    'selection_rate_ratio',
    'Demographic parity ratio: lowest over highest group selection rate (the "four-fifths rule" compares it to 0.8).',
  ),
  named(
    'disparate_impact',
    'AIF360 disparate impact: selection rate of the pooled unprivileged rows over that of the privileged rows.',
    'SR_unprivileged / SR_privileged',
    [0, Infinity],
    'closer-to-one',
    [SR],
    (ctx) => signedRatio(ctx.pooled(SR, 'unprivileged'), ctx.pooled(SR, 'privileged')),
    { needsPrivileged: true },
  ),
  named(
    'statistical_parity_difference',
    'AIF360 statistical parity difference (signed): unprivileged minus privileged selection rate.',
    'SR_unprivileged − SR_privileged',
    [-1, 1],
    'closer-to-zero',
    [SR],
    (ctx) => ctx.pooled(SR, 'unprivileged') - ctx.pooled(SR, 'privileged'),
    { needsPrivileged: true },
  ),
  alias(
    'equal_opportunity_difference',
    'true_positive_rate_difference',
    'Equal opportunity difference: gap between the highest and lowest group true positive rate.',
  ),
  alias(
    'equal_opportunity_ratio',
    'true_positive_rate_ratio',
    'Equal opportunity ratio: lowest over highest group true positive rate.',
  ),
  named(
    'equalized_odds_difference',
    'Equalized odds difference (Fairlearn, worst case): the larger of the TPR and FPR differences.',
    'max(TPR_difference, FPR_difference)',
    [0, 1],
    'lower',
    [TPR, FPR],
    (ctx) => nanMax(groupDifference(ctx, ctx.base(TPR)), groupDifference(ctx, ctx.base(FPR))),
  ),
  named(
    'equalized_odds_difference_mean',
    'Equalized odds difference (Fairlearn agg="mean"): mean of the TPR and FPR differences.',
    '(TPR_difference + FPR_difference) / 2',
    [0, 1],
    'lower',
    [TPR, FPR],
    (ctx) => (groupDifference(ctx, ctx.base(TPR)) + groupDifference(ctx, ctx.base(FPR))) / 2,
  ),
  named(
    'equalized_odds_ratio',
    'Equalized odds ratio (Fairlearn, worst case): the smaller of the TPR and FPR ratios.',
    'min(TPR_ratio, FPR_ratio)',
    [0, 1],
    'higher',
    [TPR, FPR],
    (ctx) => nanMin(groupRatio(ctx, ctx.base(TPR)), groupRatio(ctx, ctx.base(FPR))),
  ),
  named(
    'equalized_odds_ratio_mean',
    'Equalized odds ratio (Fairlearn agg="mean"): mean of the TPR and FPR ratios.',
    '(TPR_ratio + FPR_ratio) / 2',
    [0, 1],
    'higher',
    [TPR, FPR],
    (ctx) => (groupRatio(ctx, ctx.base(TPR)) + groupRatio(ctx, ctx.base(FPR))) / 2,
  ),
  named(
    'average_odds_difference',
    'AIF360 average odds difference (signed): mean of the unprivileged-minus-privileged FPR and TPR gaps.',
    '((FPR_u − FPR_p) + (TPR_u − TPR_p)) / 2',
    [-1, 1],
    'closer-to-zero',
    [TPR, FPR],
    (ctx) =>
      (ctx.pooled(FPR, 'unprivileged') -
        ctx.pooled(FPR, 'privileged') +
        ctx.pooled(TPR, 'unprivileged') -
        ctx.pooled(TPR, 'privileged')) /
      2,
    { needsPrivileged: true },
  ),
  named(
    'average_abs_odds_difference',
    'AIF360 average absolute odds difference: mean of the absolute FPR and TPR gaps to the privileged rows.',
    '(|FPR_u − FPR_p| + |TPR_u − TPR_p|) / 2',
    [0, 1],
    'lower',
    [TPR, FPR],
    (ctx) =>
      (Math.abs(ctx.pooled(FPR, 'unprivileged') - ctx.pooled(FPR, 'privileged')) +
        Math.abs(ctx.pooled(TPR, 'unprivileged') - ctx.pooled(TPR, 'privileged'))) /
      2,
    { needsPrivileged: true },
  ),
  alias(
    'predictive_parity_difference',
    'precision_difference',
    'Predictive parity difference: gap between the highest and lowest group precision (PPV).',
  ),
  alias(
    'predictive_parity_ratio',
    'precision_ratio',
    'Predictive parity ratio: lowest over highest group precision.',
  ),
  alias('worst_group_accuracy', 'accuracy_group_min', 'Accuracy of the worst-off group.'),
  alias('accuracy_gap', 'accuracy_difference', 'Accuracy of the best group minus that of the worst group.'),
  named(
    'differential_fairness_data',
    'Smoothed empirical differential fairness ε of the true labels (AIF360, Foulds et al. 2018), over the groups with rows.',
    'max_{y, i≠j} |ln P̃(Y=y|i) − ln P̃(Y=y|j)|, P̃(y|s) = (N_sy + α)/(N_s + c), α = c/K',
    [0, Infinity],
    'lower',
    [],
    (ctx) => smoothedDifferentialFairness(tables(ctx).truth, ctx.concentration),
    { classFree: true },
  ),
  named(
    'differential_fairness_predictions',
    'Smoothed empirical differential fairness ε of the predictions (AIF360 ClassificationMetric).',
    'as differential_fairness_data, on Ŷ',
    [0, Infinity],
    'lower',
    [],
    (ctx) => smoothedDifferentialFairness(tables(ctx).predicted, ctx.concentration),
    { classFree: true },
  ),
  named(
    'differential_fairness_bias_amplification',
    'AIF360 differential fairness bias amplification: ε(predictions) − ε(labels); > 0 means the model amplifies.',
    'ε(Ŷ) − ε(Y)',
    [-Infinity, Infinity],
    'lower',
    [],
    (ctx) => {
      const t = tables(ctx);
      return (
        smoothedDifferentialFairness(t.predicted, ctx.concentration) -
        smoothedDifferentialFairness(t.truth, ctx.concentration)
      );
    },
    { classFree: true },
  ),
  named(
    'bias_amplification_zhao',
    'Zhao et al. (2017) bias amplification: how much more the predictions tie each class to the group it was already tied to in the labels.',
    'mean_t Σ_{a: b*(a,t) > 1/|A|} (b̃(a,t) − b*(a,t)), b(a,t) = N(a,t)/Σ_a N(a,t); b* on Y, b̃ on Ŷ',
    [-1, 1],
    'lower',
    [],
    (ctx) => {
      const t = tables(ctx);
      return zhaoBiasAmplification(t.truth, t.predicted);
    },
    { classFree: true },
  ),
  named(
    'directional_bias_amplification',
    'Wang & Russakovsky (2021) directional bias amplification A→T (group → predicted class).',
    '(1/|A||T|) Σ_{a,t} [y_at·Δ_at − (1 − y_at)·Δ_at], y_at = 1[P(a,t) > P(a)P(t)], Δ_at = P(Ŷ=t|a) − P(Y=t|a)',
    [-1, 1],
    'lower',
    [],
    (ctx) => {
      const t = tables(ctx);
      return directionalBiasAmplification({ truth: t.truth, predicted: t.predicted, direction: 'A->T' });
    },
    { classFree: true },
  ),
];

function nanMax(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b);
}
function nanMin(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b);
}
