/** Public API of the analysis layer (external per-sample score files). */
export {
  analyzeScoreFile,
  analyzeScoreFiles,
  type ScoreFileOptions,
  type ScoreFileKind,
  type SetupAnalysis,
  type GenerationSummary,
  type TrendSummary,
  type ShareSummary,
} from './score-files.ts';
export { detectColumns, setupNames, type ColumnFlags, type ColumnMap } from './columns.ts';
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
