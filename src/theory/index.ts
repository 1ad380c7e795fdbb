/**
 * Public API of the theory layer: analytic and simulated models of why self-consuming loops amplify
 * bias (weighted MLE) and collapse (Gaussian refit, linear regression, Wright–Fisher). See docs/theory.md.
 */
export { THEORY_MODELS, runTheory, theoryModel, type TheoryModel } from './models.ts';
export {
  SIMULATION,
  THEORY,
  parseSeriesGroup,
  seriesGroup,
  theoryExperimentId,
  type TheoryChart,
  type TheoryModelName,
  type TheoryResult,
  type TheoryRun,
  type TheoryTable,
} from './result.ts';
export { writeTheoryResults, type WriteTheoryOptions, type WrittenTheoryResults } from './write.ts';
export { renderTheoryCharts, theoryChartSeries, type RenderedChart } from './charts.ts';
export {
  canonicalJson,
  checkParam,
  defaultText,
  parseParamText,
  resolveParams,
  type ParamSpec,
  type ParamValue,
  type ResolvedParams,
} from './params.ts';
export { WMLE_PARAMS, resolveWmleParams, runWmle } from './wmle-run.ts';
export {
  amplificationCondition,
  betaMean,
  betaVariance,
  weightedRefitLimit,
  wmleLongRunMean,
  wmlePopulation,
  wmleSampled,
  type BetaParams,
  type WmleGeneration,
  type WmleMode,
  type WmleParams,
} from './wmle.ts';
export { GAUSSIAN_PARAMS, resolveGaussianParams, runGaussian } from './gaussian-run.ts';
export {
  GAUSSIAN_STRATEGIES,
  gaussianReplaceTheory,
  simulateGaussian,
  type GaussianParams,
  type GaussianStrategy,
} from './gaussian.ts';
export {
  LINREG_PARAMS,
  LINREG_STRATEGIES,
  linregTheory,
  resolveLinregParams,
  runLinreg,
  type LinregParams,
  type LinregStrategy,
} from './linreg.ts';
export {
  WRIGHT_FISHER_PARAMS,
  exactLossByGeneration,
  expectedHeterozygosity,
  resolveWrightFisherParams,
  runWrightFisher,
  type WrightFisherParams,
} from './wright-fisher.ts';
export { betaStats, fitBeta, fitWeightedBeta, type BetaFit, type BetaStats } from './beta-mle.ts';
export { EULER_GAMMA, betaLogPdf, digamma, lbeta, lgamma, trigamma } from './special.ts';
