/**
 * `biasloop run [spec|preset]`: run an experiment (the quickstart preset when no argument is given).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { ExperimentResult } from '../loop/experiment.ts';
import { summarizeRuns, type SummaryCell } from '../loop/summary.ts';
import { listPresets } from '../spec/presets.ts';
import { formatTextTable } from '../report/text-table.ts';
import {
  chooseProgressModeFor,
  executeExperimentCommand,
  parseWorkersFlag,
  resolveSpecArgument,
} from './experiment-command.ts';
import { fmt, jsonSafe } from './format.ts';

export { resolveSpecArgument };

interface RunFlags {
  set: string[];
  seed?: number;
  out: string;
  resume?: string;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
  workers?: number;
}

export function parseIntFlag(name: string, min = 0) {
  return (value: string): number => {
    const v = Number(value);
    if (!Number.isInteger(v) || v < min)
      throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got '${value}'`);
    return v;
  };
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .summary('run an experiment (the built-in quickstart when no spec is given)')
    .description(
      'Run the generational loop described by a spec file (YAML or JSON) or a preset.\n' +
        'Each run fits a generator, samples synthetic rows, composes the next training set, retrains the\n' +
        'model and measures accuracy and fairness on fixed real test data, generation after generation.\n' +
        'Results go to <out>/<experiment-id>/; running the same spec again reuses finished runs and\n' +
        'resumes interrupted ones.',
    )
    .argument(
      '[spec]',
      `spec file or preset (${listPresets()
        .map((p) => p.name)
        .join(', ')})`,
      'quickstart',
    )
    .option('--set <key=value>', 'override a spec field, e.g. --set generations=5 (repeatable)', collect, [])
    .option('--seed <n>', 'base seed (overrides the spec)', parseIntFlag('--seed'))
    .option('--out <dir>', 'results root directory', 'biasloop-results')
    .option('--resume <dir>', 'resume the experiment stored in <dir> (ignores [spec])')
    .option('--force', 'discard earlier results of this experiment and start over')
    .option(
      '--workers <n>',
      'run up to n runs at once on worker threads (default 1: in this process; see `biasloop sweep`)',
      parseWorkersFlag('--workers'),
    )
    .option('--json', 'print a machine-readable summary on stdout (no progress, no table)')
    .option('-q, --quiet', 'print only the results directory')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  biasloop run                                   # quickstart preset\n' +
        '  biasloop run my-study.yaml --seed 7\n' +
        '  biasloop run adult --set data.path=data/adult   # Adult preset with your copy of the data\n' +
        '  biasloop run --resume biasloop-results/quickstart-1a2b3c4d5e\n',
    )
    .action(async (specArg: string | undefined, flags: RunFlags) => {
      const result = await executeExperimentCommand(specArg, flags, {
        defaultWorkers: 1,
        progress: chooseProgressModeFor('run', flags),
      });
      report(result, flags);
      if (result.status === 'interrupted') {
        process.stderr.write(`biasloop: interrupted; resume with: biasloop run --resume ${result.dir}\n`);
        process.exitCode = 130;
      }
    });
}

/** Print an experiment's result: a summary table, `--json`, or only the directory with `--quiet`. */
export function report(result: ExperimentResult, flags: { json?: boolean; quiet?: boolean }): void {
  const summary = summarizeRuns(result.runs);
  if (flags.json) {
    process.stdout.write(
      JSON.stringify(
        jsonSafe({
          experiment: result.plan.id,
          dir: result.dir,
          status: result.status,
          runs: result.runs.map((r) => ({
            id: r.run.id,
            label: r.run.label,
            seed: r.run.spec.runSeed,
            reused: r.reused,
          })),
          summary,
        }),
        null,
        2,
      ) + '\n',
    );
    return;
  }
  if (flags.quiet) {
    process.stdout.write(`${result.dir}\n`);
    return;
  }
  const change = (a: SummaryCell, b: SummaryCell): string =>
    `${fmt(a.mean)} → ${fmt(b.mean)}${b.n > 1 ? ` ±${fmt(b.sd)}` : ''}`;
  const rows = summary.map((s) => [
    s.variant || '(single)',
    String(s.seeds),
    change(s.first['test.accuracy'], s.last['test.accuracy']),
    change(s.first['test.demographic_parity_difference'], s.last['test.demographic_parity_difference']),
    change(s.first['test.equalized_odds_difference'], s.last['test.equalized_odds_difference']),
    fmt(s.last['train.synthetic_share'].mean, 2),
  ]);
  const G = summary[0]?.lastGeneration ?? 0;
  process.stdout.write(
    `\n${result.plan.name}: ${result.runs.length} run(s), generation 0 → ${G} (mean over seeds, ± sd at generation ${G})\n\n` +
      formatTextTable(
        ['variant', 'seeds', 'accuracy', 'demographic parity diff', 'equalized odds diff', 'synthetic share'],
        rows,
      ) +
      `\nResults: ${result.dir}\n`,
  );
}
