/** Public API of the analysis layer (external per-sample score files). */
export {
  analyzeScoreFile,
  analyzeScoreFiles,
  detectColumns,
  setupNames,
  type ScoreFileOptions,
  type ScoreFileKind,
  type SetupAnalysis,
  type GenerationSummary,
  type TrendSummary,
  type ShareSummary,
  type ColumnMap,
} from './score-files.ts';
export {
  analysesToCsv,
  analysesToJson,
  formatComparison,
  formatSetup,
  formatTrend,
  ANALYSIS_CSV_HEADER,
} from './report.ts';
export {
  CsvParser,
  readRecords,
  readDelimitedRecords,
  readJsonLinesRecords,
  type TextRecord,
} from './csv-reader.ts';
