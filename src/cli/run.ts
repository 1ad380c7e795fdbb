/**
 * `biasloop run [spec|preset]`: run an experiment (the quickstart preset when no argument is given).
 */
import { existsSync, readFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { BiasloopError } from '../core/errors.ts';
import {
  resumeExperiment,
  runExperiment,
  type ExperimentEvent,
  type ExperimentResult,
} from '../loop/experiment.ts';
import { summarizeRuns, type SummaryCell } from '../loop/summary.ts';
import { applyOverrides, parseSpecText, type RawSpec } from '../spec/load.ts';
import { getPreset, listPresets } from '../spec/presets.ts';
import { formatTextTable } from '../report/text-table.ts';
import { fmt, jsonSafe } from './format.ts';
import { packageVersion } from '../core/version.ts';

interface RunFlags {
  set: string[];
  seed?: number;
  out: string;
  resume?: string;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
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

/** Resolve the positional argument: an existing spec file, or a preset name. */
export function resolveSpecArgument(arg: string | undefined): { raw: RawSpec; text: string; source: string } {
  const name = arg ?? 'quickstart';
  if (existsSync(name)) {
    const text = readFileSync(name, 'utf8');
    return { raw: parseSpecText(text, name), text, source: name };
  }
  if (/[/\\]|\.(ya?ml|json)$/i.test(name)) {
    throw new BiasloopError('io', `spec file '${name}' does not exist`, {
      hint: 'check the path, or run `biasloop presets`',
    });
  }
  const preset = getPreset(name);
  return { raw: parseSpecText(preset.yaml, `preset ${name}`), text: preset.yaml, source: `preset ${name}` };
}

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
      const controller = new AbortController();
      let interrupts = 0;
      const onSigint = (): void => {
        interrupts++;
        if (interrupts === 1) {
          process.stderr.write(
            '\nbiasloop: finishing the current generation, then stopping (Ctrl-C again to stop now)\n',
          );
          controller.abort();
        } else {
          process.exit(130);
        }
      };
      process.on('SIGINT', onSigint);
      try {
        const progress = flags.json || flags.quiet ? undefined : new Progress();
        const common = {
          signal: controller.signal,
          ...(flags.force ? { force: true } : {}),
          versions: { biasloop: packageVersion() },
          ...(progress ? { onEvent: (e: ExperimentEvent) => progress.update(e) } : {}),
        };
        let result: ExperimentResult;
        if (flags.resume !== undefined) {
          result = await resumeExperiment(flags.resume, common);
        } else {
          const { raw, text } = resolveSpecArgument(specArg);
          const overrides = [...flags.set, ...(flags.seed !== undefined ? [`seed=${flags.seed}`] : [])];
          const finalRaw = applyOverrides(raw, overrides);
          result = await runExperiment(finalRaw, {
            ...common,
            outDir: flags.out,
            specText: overrides.length > 0 ? `${text}\n# overrides: ${overrides.join(' ')}\n` : text,
          });
        }
        progress?.stop();
        report(result, flags);
        if (result.status === 'interrupted') {
          process.stderr.write(`biasloop: interrupted; resume with: biasloop run --resume ${result.dir}\n`);
          process.exitCode = 130;
        }
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}

function report(result: ExperimentResult, flags: RunFlags): void {
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

/** Progress on stderr: a bar on a terminal, one line per finished run otherwise. */
class Progress {
  private bar: cliProgress.SingleBar | undefined;
  private total = 0;
  private done = 0;
  private runs = 0;
  private runsDone = 0;
  private readonly tty = process.stderr.isTTY === true;
  private header: string | undefined;
  private gens = 0;

  private showHeader(): void {
    if (this.header === undefined) return;
    process.stderr.write(this.header);
    this.header = undefined;
    if (this.tty) {
      this.bar = new cliProgress.SingleBar(
        {
          format: ' {bar} {percentage}% | run {run}/{runs} | generation {gen}/{gens} | ETA {eta_formatted}',
          stream: process.stderr,
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(this.total, this.done, {
        run: this.runsDone + 1,
        runs: this.runs,
        gen: 0,
        gens: this.gens,
      });
    }
  }

  update(e: ExperimentEvent): void {
    switch (e.type) {
      case 'start': {
        const gens = e.plan.runs[0]?.spec.generations ?? 0;
        this.runs = e.plan.runs.length;
        this.runsDone = e.reused;
        this.total = this.runs * (gens + 1);
        this.done = e.reused * (gens + 1);
        // Printed with the first finished generation, so an input error stays the only line on stderr.
        this.header =
          `biasloop: ${e.plan.name}: ${this.runs} run(s) × ${gens + 1} generations → ${e.dir}` +
          (e.reused > 0 ? ` (${e.reused} already complete, reused)` : '') +
          '\n';
        this.gens = gens;
        break;
      }
      case 'run-start':
        this.bar?.update({ run: this.runsDone + 1 });
        break;
      case 'generation':
        this.showHeader();
        this.done++;
        this.bar?.update(this.done, { gen: e.generation, gens: e.generations });
        break;
      case 'run-done':
        this.runsDone++;
        if (!this.tty) {
          process.stderr.write(
            `  run ${this.runsDone}/${this.runs} done (${e.run.label}, ${e.seconds.toFixed(1)} s)\n`,
          );
        }
        break;
    }
  }

  stop(): void {
    this.showHeader();
    this.bar?.stop();
  }
}
