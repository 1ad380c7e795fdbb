/** Public API of the metrics layer. */
export {
  groupMetrics,
  prepareGroupMetrics,
  GroupMetricResult,
  type GroupMetricsInput,
  type MetricValue,
  type PreparedGroupMetrics,
} from './frame.ts';
export {
  metricRowsForGeneration,
  metricRowsForDataset,
  GROUP_EMPTY_METRIC,
  type GenerationMetricsInput,
} from './generation.ts';
export { syntheticSetMetrics, type SyntheticSetInput } from './synthetic.ts';
export {
  METRIC_REGISTRY,
  METRIC_NAMES,
  METRIC_PRESETS,
  DEFAULT_METRICS,
  metricCatalog,
  resolveMetricNames,
  type MetricInfo,
  type MetricKind,
  type RegistryEntry,
  type ResolvedMetric,
} from './registry.ts';
export { BASE_METRICS, type BaseMetric, type Cell, type Better } from './base-metrics.ts';
export {
  makeDerivedMetric,
  VARIANTS,
  type Variant,
  type NanPolicy,
  type Fairer,
  type DerivedMetric,
} from './derived.ts';
export { countConfusion, aggregateConfusion, type GroupConfusion, type CodeArray } from './confusion.ts';
export {
  buildGroupStructure,
  groupAttributesFromDataset,
  type GroupAttribute,
  type Grouping,
  type PrivilegedSpec,
} from './groups.ts';
export {
  EMPTY_GROUPS_METRIC,
  compilePlan,
  evaluatePlan,
  PlanEvaluator,
  type MetricPlan,
  type PlanSlot,
} from './plan.ts';
export { bootstrapPlan, type BootstrapOptions, type BootstrapResult } from './bootstrap.ts';
export {
  smoothedDifferentialFairness,
  differentialFairnessAmplification,
  zhaoBiasAmplification,
  directionalBiasAmplification,
  type CountTable,
  type AmplificationDirection,
} from './amplification.ts';
export {
  klDivergence,
  jsDivergence,
  wasserstein1,
  mmdRbf,
  medianHeuristic,
  gaussianFit,
  frechetDistance,
  frechetDistanceOfSamples,
} from './divergence.ts';
export { entropy, varianceRatio, columnVariances, association, type Association } from './collapse.ts';
export {
  distinctN,
  sentenceBleu,
  selfBleu,
  perplexity,
  perplexityFromLogProbs,
  perplexityFromNll,
} from './text.ts';
export {
  olsTrend,
  mannKendall,
  neweyWestAutoLag,
  type OlsTrend,
  type OlsTrendOptions,
  type MannKendallResult,
} from './trend.ts';
export {
  aggregateOverSeeds,
  seedAggregatesToRows,
  generationalAmplification,
  trendsOverGenerations,
  type SeedAggregate,
  type SeriesTrend,
} from './summary.ts';
export {
  meanWithCi,
  meanSummaryFromMoments,
  quantileSorted,
  quantilesInPlace,
  type MeanSummary,
} from './stats/descriptive.ts';
export { drawBinomial, drawMultinomial } from './sampling.ts';
export {
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
  studentTTwoSidedP,
  regularizedBeta,
  logGamma,
} from './stats/special.ts';
