/**
 * `biasloop audit <file>`: a group-fairness audit of a predictions file (see docs/audit.md).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { parseFormat } from '../audit/source.ts';
import type { AuditResult } from '../audit/types.ts';
import { AUDIT_DEFAULTS, type AuditFormat } from '../audit/types.ts';
import { ensureDir, writeFileAtomic } from '../core/files.ts';
import { jsonSafe } from './format.ts';
import { parseIntFlag } from './run.ts';

interface AuditFlags {
  label: string;
  pred?: string;
  score?: string;
  threshold?: number;
  group?: string[];
  intersect?: boolean;
  labelPositive?: string[];
  predPositive?: string[];
  metrics?: string[];
  reference?: string[];
  tolerance: number;
  minGroupSize: number;
  resamples: number;
  confidence: number;
  seed: number;
  where?: string;
  dropMissing?: boolean;
  nanPolicy: 'omit' | 'propagate';
  maxGroups: number;
  format?: AuditFormat;
  json?: boolean;
  csv?: string;
  ci?: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
/** Comma-separated values, the flag repeatable. */
const collectList = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0),
];

function parseNumberFlag(name: string) {
  return (value: string): number => {
    const v = Number(value);
    if (value.trim() === '' || !Number.isFinite(v))
      throw new InvalidArgumentError(`${name} must be a number, got '${value}'`);
    return v;
  };
}

export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .summary('group-fairness audit of a predictions file (CSV, TSV, JSON Lines, Parquet)')
    .description(
      "Audit how fair a model's predictions are across groups: per protected attribute and group, " +
        'the size, base rate, selection rate, TPR, FPR, FNR, TNR, precision, FDR, FOR, NPV and ' +
        'accuracy with bootstrap intervals; the ratio and difference of each to a reference group ' +
        'with a four-fifths verdict; and demographic-parity and equalized-odds summaries. The file is ' +
        'read by DuckDB, so large files stream. See docs/audit.md.',
    )
    .argument('<file>', 'predictions file (.csv, .tsv, .jsonl, .json, .parquet; optionally .gz)')
    .requiredOption('--label <col>', 'column with the true outcome')
    .option('--pred <col>', 'column with hard predictions')
    .option('--score <col>', 'column with scores (use with --threshold)')
    .option('--threshold <t>', 'score ≥ threshold predicts positive', parseNumberFlag('--threshold'))
    .option('--group <col>', 'protected attribute column (repeatable; each is audited on its own)', collect)
    .option('--intersect', 'also audit the cross-product of the --group columns (e.g. race × sex)')
    .option('--label-positive <values>', 'label values meaning positive, comma-separated', collectList)
    .option('--pred-positive <values>', 'prediction values meaning positive, comma-separated', collectList)
    .option(
      '--metrics <names>',
      'registry metrics, comma-separated (names, globs like *_ratio, presets default/all/group/named; see `biasloop metrics`)',
      collectList,
    )
    .option(
      '--reference <group>',
      'reference group: largest (default), min, max, a group name or attribute=group (repeatable)',
      collect,
    )
    .option(
      '--tolerance <r>',
      'fair when r ≤ ratio ≤ 1/r',
      parseNumberFlag('--tolerance'),
      AUDIT_DEFAULTS.tolerance,
    )
    .option(
      '--min-group-size <n>',
      'flag groups with fewer rows',
      parseIntFlag('--min-group-size'),
      AUDIT_DEFAULTS.minGroupSize,
    )
    .option(
      '--resamples <n>',
      'bootstrap resamples (0: no intervals)',
      parseIntFlag('--resamples'),
      AUDIT_DEFAULTS.resamples,
    )
    .option(
      '--confidence <level>',
      'interval level',
      parseNumberFlag('--confidence'),
      AUDIT_DEFAULTS.confidence,
    )
    .option('--seed <n>', 'bootstrap seed', parseIntFlag('--seed'), AUDIT_DEFAULTS.seed)
    .option('--where <sql>', 'audit only rows where this DuckDB SQL condition holds, e.g. "age >= 18"')
    .option('--drop-missing', 'leave out rows with a missing label, prediction or score (default: error)')
    .option(
      '--nan-policy <policy>',
      'undefined group rates in summaries: omit (as Fairlearn) or propagate',
      (v: string) => {
        if (v !== 'omit' && v !== 'propagate')
          throw new InvalidArgumentError(`--nan-policy must be omit or propagate, got '${v}'`);
        return v;
      },
      AUDIT_DEFAULTS.nanPolicy,
    )
    .option(
      '--max-groups <n>',
      'most distinct values allowed in one group column',
      parseIntFlag('--max-groups', 1),
      AUDIT_DEFAULTS.maxGroups,
    )
    .option(
      '--format <fmt>',
      'file format when the extension does not say (csv, tsv, jsonl, json, parquet)',
      (v: string) => parseFormat(v),
    )
    .option('--json', 'print the result as JSON on stdout (field names in docs/audit.md)')
    .option('--csv <dir>', 'write overall.csv, groups.csv, disparities.csv and summary.csv into <dir>')
    .option('--ci', 'show the intervals in the terminal tables')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  biasloop audit preds.csv --label y --pred yhat --group sex --group race --intersect\n' +
        '  biasloop audit preds.parquet --label y --score p --threshold 0.5 --group sex --json\n' +
        '  biasloop audit compas-scores-two-years.csv --label two_year_recid --pred score_text \\\n' +
        '      --pred-positive Medium,High --group race --where "score_text <> \'N/A\'"\n',
    )
    .action(async (file: string, flags: AuditFlags) => {
      // Loaded on use: DuckDB's native module costs ~0.2 s to load, which other commands need not pay.
      const { auditPredictions, auditTables, tableToCsv } = await import('../audit/index.ts');
      const { renderAuditText } = await import('./audit-format.ts');
      const result: AuditResult = await auditPredictions({
        file,
        format: flags.format,
        label: flags.label,
        labelPositive: flags.labelPositive,
        prediction: flags.pred,
        predictionPositive: flags.predPositive,
        score: flags.score,
        threshold: flags.threshold,
        groups: flags.group ?? [],
        intersect: flags.intersect === true,
        metrics: flags.metrics,
        reference: flags.reference,
        tolerance: flags.tolerance,
        minGroupSize: flags.minGroupSize,
        resamples: flags.resamples,
        confidence: flags.confidence,
        seed: flags.seed,
        where: flags.where,
        dropMissing: flags.dropMissing === true,
        nanPolicy: flags.nanPolicy,
        maxGroups: flags.maxGroups,
      });
      if (flags.csv !== undefined) {
        ensureDir(flags.csv);
        for (const table of auditTables(result))
          writeFileAtomic(join(flags.csv, `${table.name}.csv`), tableToCsv(table));
      }
      if (flags.json) {
        process.stdout.write(JSON.stringify(jsonSafe(result), null, 2) + '\n');
      } else {
        process.stdout.write(renderAuditText(result, { showCi: flags.ci === true }));
        if (flags.csv !== undefined) process.stdout.write(`\ntables written to ${flags.csv}/\n`);
      }
    });
}
