/**
 * `biasloop theory <model>`: run an analytic / simulated model, print its table, and write the
 * results directory (metrics, charts) unless --no-write. Options are generated from each model's
 * parameter table, so `--help` always lists every parameter with its default.
 */
import { Option, type Command } from 'commander';
import { metricRowsToCsv, metricRowToJson } from '../results/rows.ts';
import { writeFileAtomic } from '../core/files.ts';
import { formatTextTable } from '../report/text-table.ts';
import { defaultText, parseParamText, type ParamSpec } from '../theory/params.ts';
import { THEORY_MODELS, type TheoryModel } from '../theory/models.ts';
import type { TheoryResult } from '../theory/result.ts';
import { writeTheoryResults } from '../theory/write.ts';
import { packageVersion } from '../core/version.ts';

interface CommonOptions {
  readonly json?: boolean;
  readonly csv?: string;
  readonly out: string;
  readonly write: boolean;
  readonly png?: boolean;
}

function valueName(spec: ParamSpec): string {
  switch (spec.kind) {
    case 'number':
      return spec.integer === true ? 'int' : 'number';
    case 'choice':
      return spec.choices.join('|');
    case 'choice-list':
      return 'list';
    case 'number-list':
      return 'numbers';
    case 'name-list':
      return 'names';
  }
}

function helpText(spec: ParamSpec): string {
  if (spec.kind === 'choice-list') return `${spec.description} (any of ${spec.choices.join(', ')})`;
  return spec.description;
}

function tableText(result: TheoryResult): string {
  const parts: string[] = [];
  for (const t of result.tables) parts.push(`${t.title}\n${formatTextTable(t.columns, t.rows)}`);
  for (const note of result.notes) parts.push(`note: ${note}\n`);
  return parts.join('\n');
}

function jsonText(result: TheoryResult, resultsDir: string | undefined): string {
  return (
    JSON.stringify(
      {
        model: result.model,
        title: result.title,
        experimentId: result.experimentId,
        params: result.params,
        ...(resultsDir === undefined ? {} : { resultsDir }),
        notes: result.notes,
        runs: result.runs.map((r) => ({
          id: r.id,
          label: r.label,
          seed: r.seed,
          info: r.info,
          rows: r.rows.map(metricRowToJson),
        })),
      },
      null,
      2,
    ) + '\n'
  );
}

async function runModel(model: TheoryModel, opts: Record<string, unknown> & CommonOptions): Promise<void> {
  const input: Record<string, unknown> = {};
  for (const spec of model.params) input[spec.key] = parseParamText(spec, String(opts[spec.key] ?? ''));
  const result = model.run(input);
  if (opts.json !== true) process.stdout.write(tableText(result));
  if (opts.csv !== undefined) {
    writeFileAtomic(opts.csv, metricRowsToCsv(result.runs.flatMap((r) => r.rows)));
    if (opts.json !== true) process.stdout.write(`metrics CSV: ${opts.csv}\n`);
  }
  let resultsDir: string | undefined;
  if (opts.write) {
    const written = await writeTheoryResults(result, opts.out, {
      png: opts.png,
      biasloopVersion: packageVersion(),
    });
    resultsDir = written.dir;
    if (opts.json !== true) process.stdout.write(`results: ${written.dir}\n`);
  }
  if (opts.json === true) process.stdout.write(jsonText(result, resultsDir));
}

export function registerTheoryCommand(program: Command): void {
  const theory = program
    .command('theory')
    .summary(
      'simulate why loops amplify bias and collapse, next to the exact answers (wmle, gaussian, linreg, wright-fisher)',
    )
    .description(
      'Analytic and simulated models of why loops amplify bias and collapse: wmle, gaussian, linreg, wright-fisher',
    );
  for (const model of THEORY_MODELS) {
    const cmd = theory.command(model.name).description(model.summary);
    for (const spec of model.params) {
      const text = defaultText(spec);
      const option = new Option(`${spec.flag} <${valueName(spec)}>`, helpText(spec));
      cmd.addOption(
        spec.kind === 'name-list' && spec.default.length === 0
          ? option.default('', text)
          : option.default(text, text),
      );
    }
    cmd
      .option('--json', 'print the result (parameters, notes, every metric row) as JSON instead of tables')
      .option('--csv <file>', 'also write every metric row (long format) to this CSV file')
      .addOption(
        new Option('--out <dir>', 'results directory').default('./biasloop-results', './biasloop-results'),
      )
      .option('--no-write', 'only print; do not write a results directory')
      .option('--png', 'also write PNG copies of the SVG charts')
      .action(async (opts: Record<string, unknown> & CommonOptions) => runModel(model, opts));
  }
}
