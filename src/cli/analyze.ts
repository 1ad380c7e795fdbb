/**
 * `biasloop analyze <files...>`: per-generation class shares, mean scores and trend statistics of
 * external per-sample result files (CSV, TSV or JSON Lines).
 */
import type { Command } from 'commander';
import { BiasloopError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/files.ts';
import { analyzeScoreFiles, type ScoreFileOptions } from '../analysis/score-files.ts';
import { analysesToCsv, analysesToJson, formatComparison, formatSetup } from '../analysis/report.ts';

interface AnalyzeFlags {
  compare?: boolean;
  generationOffset?: string;
  generationCol?: string;
  idCol?: string;
  scoreCols?: string;
  labelCol?: string;
  groupCol?: string;
  valueCol?: string;
  class?: string;
  level?: string;
  lag?: string;
  pDist?: string;
  json?: boolean;
  csv?: string;
  meanScores?: boolean;
}

function parseIntFlag(flag: string, text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v))
    throw new BiasloopError('usage', `${flag} must be an integer, got '${text}'`, { field: flag });
  return v;
}

export function analyzeOptionsFromFlags(flags: AnalyzeFlags): Omit<ScoreFileOptions, 'setup'> {
  const level = flags.level === undefined ? 0.95 : Number(flags.level);
  if (!(level > 0 && level < 1)) {
    throw new BiasloopError('usage', `--level must lie strictly between 0 and 1, got '${flags.level}'`, {
      field: '--level',
    });
  }
  const lag = flags.lag === undefined || flags.lag === 'auto' ? 'auto' : parseIntFlag('--lag', flags.lag);
  if (lag !== 'auto' && lag < 0)
    throw new BiasloopError('usage', `--lag must be ≥ 0 or 'auto'`, { field: '--lag' });
  const dist = flags.pDist ?? 't';
  if (dist !== 't' && dist !== 'normal') {
    throw new BiasloopError('usage', `--p-dist must be 't' or 'normal', got '${dist}'`, {
      field: '--p-dist',
    });
  }
  return {
    generationOffset:
      flags.generationOffset === undefined ? 0 : parseIntFlag('--generation-offset', flags.generationOffset),
    generationCol: flags.generationCol,
    idCol: flags.idCol,
    scoreCols: flags.scoreCols
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
    labelCol: flags.labelCol,
    groupCol: flags.groupCol,
    valueCol: flags.valueCol,
    level,
    trend: { lag, distribution: dist, level },
  };
}

export function registerAnalyzeCommand(program: Command): void {
  program
    .command('analyze')
    .summary('per-generation class shares, mean scores and trend tests of external per-sample score files')
    .description(
      'Per-generation class shares (argmax of *_Score columns, or a label column), mean scores with CIs, and ' +
        'trend tests (OLS slope with Newey–West SE, Mann–Kendall with Sen slope) of per-sample result files.',
    )
    .argument('<files...>', 'CSV / TSV / JSONL files, one row per sample')
    .option('--compare', 'also print the setups side by side (setup names from the file names)')
    .option(
      '--generation-offset <n>',
      "added to every generation number (the reference files need -1: CSV g is the paper's g-1)",
    )
    .option('--generation-col <name>', 'generation column (default: Generation/gen/round/…)')
    .option('--id-col <name>', 'sample id column (default: *_ID / id)')
    .option('--score-cols <a,b,...>', 'per-class score columns (default: every *_Score column)')
    .option('--label-col <name>', 'a column holding the class label instead of scores')
    .option('--group-col <name>', 'a protected-group column: shares are also reported per group')
    .option('--value-col <name>', 'a single numeric value per sample (quality, perplexity)')
    .option('--class <name>', "class to compare across setups (default: each setup's top class)")
    .option('--level <p>', 'confidence level of the intervals', '0.95')
    .option('--lag <n|auto>', 'Newey–West lag (auto: floor(4·(T/100)^(2/9)))', 'auto')
    .option(
      '--p-dist <t|normal>',
      'distribution of the trend p-value (normal = statsmodels HAC default)',
      't',
    )
    .option('--no-mean-scores', 'omit the mean-score columns from the tables')
    .option('--json', 'print the full analysis as JSON instead of tables')
    .option('--csv <file>', 'also write the results as long-format CSV')
    .addHelpText(
      'after',
      '\nExample (the published Bias Amplification results, paper generation numbers):\n' +
        '  biasloop analyze ../shared/reference/bias-amplification/*_Bias_Performance.csv --compare --generation-offset -1',
    )
    .action((files: string[], flags: AnalyzeFlags) => {
      const analyses = analyzeScoreFiles(files, analyzeOptionsFromFlags(flags));
      if (flags.class !== undefined && !analyses.some((a) => a.classes.includes(flags.class as string))) {
        throw new BiasloopError('usage', `--class '${flags.class}' is not a class of any file`, {
          hint: `classes: ${[...new Set(analyses.flatMap((a) => a.classes))].join(', ')}`,
        });
      }
      if (flags.csv !== undefined) writeFileAtomic(flags.csv, analysesToCsv(analyses));
      if (flags.json === true) {
        process.stdout.write(analysesToJson(analyses));
        return;
      }
      const parts = analyses.map((a) => formatSetup(a, { meanScores: flags.meanScores }));
      if (flags.compare === true && analyses.length > 1)
        parts.push(formatComparison(analyses, { focusClass: flags.class }));
      process.stdout.write(parts.join('\n\n') + '\n');
      if (flags.csv !== undefined) process.stderr.write(`wrote ${flags.csv}\n`);
    });
}
