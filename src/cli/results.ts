/**
 * `biasloop results query|export|ls`: read the DuckDB results stores of a results root (every
 * experiment) or of one experiment directory.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { BiasloopError } from '../core/errors.ts';
import { STORE_FILE } from '../experiments/store-schema.ts';
import type { QueryResult, StoreReader } from '../experiments/store-query.ts';
import { readManifest } from '../results/layout.ts';
import { renderTable } from './format.ts';

const DEFAULT_DIR = 'biasloop-results';
const FORMATS = ['table', 'csv', 'json', 'jsonl'] as const;
const EXPORT_FORMATS = ['csv', 'parquet', 'jsonl'] as const;
const TABLES = ['metrics', 'runs', 'experiments', 'artefacts'] as const;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function csvCell(v: unknown): string {
  const s = cell(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function printResult(r: QueryResult, format: string): void {
  switch (format) {
    case 'csv':
      process.stdout.write(
        [r.columns.map(csvCell).join(','), ...r.rows.map((row) => row.map(csvCell).join(','))].join('\n') +
          '\n',
      );
      return;
    case 'json':
      process.stdout.write(
        JSON.stringify(
          r.rows.map((row) => Object.fromEntries(r.columns.map((c, j) => [c, row[j]]))),
          null,
          1,
        ) + '\n',
      );
      return;
    case 'jsonl':
      for (const row of r.rows) {
        process.stdout.write(JSON.stringify(Object.fromEntries(r.columns.map((c, j) => [c, row[j]]))) + '\n');
      }
      return;
    default:
      process.stdout.write(
        renderTable(
          r.columns,
          r.rows.map((row) => row.map(cell)),
        ) + '\n',
      );
      process.stdout.write(`(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})\n`);
  }
}

/** The DuckDB reader, loaded only when a results command runs. */
async function openReader(dir: string): Promise<StoreReader> {
  const { StoreReader } = await import('../experiments/store-query.ts');
  return StoreReader.open(dir);
}

function warnSkipped(reader: StoreReader): void {
  for (const s of reader.skipped) process.stderr.write(`biasloop: skipped ${s.path}: ${s.reason}\n`);
}

function choice<T extends string>(flag: string, value: string, options: readonly T[]): T {
  if (!(options as readonly string[]).includes(value)) {
    throw new BiasloopError('usage', `${flag} must be one of ${options.join(', ')}, got '${value}'`, {
      field: flag,
    });
  }
  return value as T;
}

export function registerResultsCommand(program: Command): void {
  const results = program
    .command('results')
    .summary('query, export and list the results stores (DuckDB)')
    .description(
      `Read the ${STORE_FILE} stores of a results root (all experiments) or of one experiment directory.\n` +
        'Tables: experiments, runs, metrics (run, generation, metric, "group", value, ci_low, ci_high),\n' +
        'artefacts. See docs/scale.md for the columns and example queries.',
    );

  results
    .command('query')
    .summary('run a SQL query over the stores')
    .argument('<sql>', 'a SQL query, e.g. "SELECT metric, avg(value) FROM metrics GROUP BY metric"')
    .option('--dir <dir>', 'results root or experiment directory', DEFAULT_DIR)
    .option('--format <format>', `output: ${FORMATS.join(', ')}`, 'table')
    .action(async (sql: string, flags: { dir: string; format: string }) => {
      const format = choice('--format', flags.format, FORMATS);
      const reader = await openReader(flags.dir);
      try {
        warnSkipped(reader);
        printResult(await reader.query(sql), format);
      } finally {
        reader.close();
      }
    });

  results
    .command('export')
    .summary('export a table or a query as CSV, Parquet or JSON lines')
    .option('--dir <dir>', 'results root or experiment directory', DEFAULT_DIR)
    .option('--format <format>', `file format: ${EXPORT_FORMATS.join(', ')}`, 'csv')
    .option('--table <table>', `table to export: ${TABLES.join(', ')}`, 'metrics')
    .option('--sql <query>', 'export the result of this query instead of a table')
    .option('--out <file>', 'output file (default: <table>.<format> in the current directory)')
    .action(async (flags: { dir: string; format: string; table: string; sql?: string; out?: string }) => {
      const format = choice('--format', flags.format, EXPORT_FORMATS);
      const table = choice('--table', flags.table, TABLES);
      const out = flags.out ?? `${flags.sql ? 'query' : table}.${format}`;
      const reader = await openReader(flags.dir);
      try {
        warnSkipped(reader);
        const order = table === 'metrics' ? ' ORDER BY experiment, run, generation, metric, "group"' : '';
        await reader.export(flags.sql ?? `SELECT * FROM ${table}${order}`, out, format);
      } finally {
        reader.close();
      }
      process.stderr.write(`biasloop: wrote ${out}\n`);
    });

  results
    .command('ls')
    .summary('list the experiments of a results root, or the runs of one experiment')
    .argument('[dir]', 'results root or experiment directory', DEFAULT_DIR)
    .action(async (dir: string) => {
      if (existsSync(join(dir, 'experiment.json'))) {
        await listRuns(dir);
        return;
      }
      if (!existsSync(dir)) {
        throw new BiasloopError('io', `results directory '${dir}' does not exist`);
      }
      const rows: string[][] = [];
      for (const name of readdirSync(dir).sort()) {
        if (!existsSync(join(dir, name, 'experiment.json'))) continue;
        const m = readManifest(join(dir, name));
        const done = m.runs.filter((r) => r.status === 'complete').length;
        rows.push([
          m.id,
          m.status,
          `${done}/${m.runs.length}`,
          m.updatedAt.replace('T', ' ').replace(/\.\d+Z$/, ''),
          existsSync(join(dir, name, STORE_FILE)) ? 'yes' : 'no',
        ]);
      }
      if (rows.length === 0) {
        process.stdout.write(`no experiments in '${dir}'\n`);
        return;
      }
      process.stdout.write(
        renderTable(['experiment', 'status', 'runs', 'updated (UTC)', 'store'], rows) + '\n',
      );
    });
}

async function listRuns(dir: string): Promise<void> {
  const manifest = readManifest(dir);
  let generations = new Map<string, string>();
  if (existsSync(join(dir, STORE_FILE))) {
    try {
      const reader = await openReader(dir);
      try {
        const r = await reader.query('SELECT id, generations_done, generations + 1, worker FROM runs');
        generations = new Map(
          r.rows.map((row) => [String(row[0]), `${cell(row[1])}/${cell(row[2])}  ${cell(row[3])}`]),
        );
      } finally {
        reader.close();
      }
    } catch (e) {
      process.stderr.write(
        `biasloop: ${e instanceof Error ? e.message : String(e)}; showing the manifest only\n`,
      );
    }
  }
  const rows = manifest.runs.map((r) => [r.id, r.label, r.status, generations.get(r.id) ?? '']);
  process.stdout.write(
    `${manifest.id}: ${manifest.status}\n` +
      renderTable(['run', 'label', 'status', 'generations  worker'], rows) +
      '\n',
  );
}
