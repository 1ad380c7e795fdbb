/**
 * biasloop's public API. Everything a library user needs is exported here by name; modules not
 * listed are internal and may change.
 */

// core
export { BiasloopError, type ErrorKind, type ErrorDetails, isBiasloopError } from './core/errors.ts';
export { Rng, type StreamLabel } from './core/rng.ts';
export {
  type Dataset,
  type DatasetSchema,
  type FeatureBlock,
  type Provenance,
  type ProtectedAttributeSchema,
  SOURCE_REAL,
  SOURCE_SYNTHETIC,
  createDataset,
  simpleSchema,
  takeRows,
  concatDatasets,
  cellCounts,
  syntheticShare,
} from './core/dataset.ts';

// spec
export {
  ExperimentSpec,
  type ExperimentSpecInput,
  type ExperimentSpecResolved,
  type RunSpec,
  type DataSpecResolved,
  type StrategySpecResolved,
} from './spec/schema.ts';
export { parseSpecText, readSpecFile, validateSpec, applyOverrides, type RawSpec } from './spec/load.ts';
export { planExperiment, runId, canonicalJson, type ExperimentPlan, type PlannedRun } from './spec/sweep.ts';
export { listPresets, getPreset, presetSpec, type Preset } from './spec/presets.ts';
export { experimentJsonSchema, experimentSpecMarkdown } from './spec/json-schema.ts';

// data
export { parseCsv, readCsvFile, type CsvTable, type CsvOptions } from './data/csv.ts';
export { encodeTables, type ColumnRoles, type ProtectedColumn, type RowFilter } from './data/tabular.ts';
export { adultRoles, compasRoles, COMPAS_FILTERS } from './data/benchmarks.ts';
export {
  sampleSyntheticTabular,
  syntheticTabularSchema,
  type SyntheticTabularOptions,
} from './data/synthetic-tabular.ts';
export { loadRealData, DataCache, type RealData, type TestSet } from './data/real.ts';

// models
export type {
  Classifier,
  Generator,
  FitContext,
  FitReport,
  ModelState,
  SampleRequest,
} from './models/types.ts';
export { LogisticRegression, type LogisticRegressionOptions } from './models/logistic.ts';
export { GaussianGenerator, type GaussianGeneratorOptions } from './models/gaussian-generator.ts';
export { GmmGenerator, type GmmGeneratorOptions } from './models/gmm-generator.ts';

// loop
export {
  composeTrainingSet,
  materializePlan,
  syntheticDemand,
  freshDemand,
  type TrainingSetPlan,
  type PlanSegment,
} from './loop/compose.ts';
export { executeRun, type RunOptions, type RunOutcome, type GenerationEvent } from './loop/run.ts';
export {
  runExperiment,
  resumeExperiment,
  type ExperimentOptions,
  type ExperimentResult,
  type ExperimentEvent,
  type RunResult,
} from './loop/experiment.ts';
export { summarizeRuns, type SummaryRow } from './loop/summary.ts';
export { measureGeneration } from './loop/evaluate.ts';

// metrics and analysis of external score files
export * from './metrics/index.ts';
export * from './analysis/index.ts';

// results
export { type MetricRow, metricRowsToCsv } from './results/rows.ts';
export { experimentPaths, runPaths, readManifest, type ExperimentManifest } from './results/layout.ts';

// theory simulators and report charts
export * from './theory/index.ts';
export * from './report/index.ts';

// neural engine and neural models
export * as nn from './nn/index.ts';
export { MlpClassifier } from './models/mlp.ts';
export { CnnClassifier } from './models/cnn.ts';
export { ConditionalVae } from './models/cvae.ts';
export { loadMnist, mnistSplit, mnistDataset } from './data/mnist.ts';
export { colorizeMnist, coloredMnist } from './data/colored-mnist.ts';

// audit of a predictions file
export * from './audit/index.ts';

// experiments at scale: schedulers, results store
export * from './experiments/index.ts';

// text: tokenizers, the SOTU corpus, the transformer language model
export * from './text/index.ts';
