/**
 * `biasloop sweep <spec>`: run every run of a spec's grid (sweep × seeds) in parallel — on a local
 * worker-thread pool (the default), or on `biasloop worker` processes through Redis (`--queue`) —
 * into the results directory and its DuckDB store, with a progress display and crash-safe resume.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { STORE_FILE } from '../experiments/store-schema.ts';
import { DEFAULT_QUEUE_NAME } from '../experiments/queue-protocol.ts';
import { summarizeRuns } from '../loop/summary.ts';
import {
  chooseProgressModeFor,
  defaultWorkerCount,
  executeExperimentCommand,
  parseWorkersFlag,
  type ExperimentFlags,
} from './experiment-command.ts';
import { jsonSafe } from './format.ts';
import { parseIntFlag, report } from './run.ts';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .summary('run a grid of runs in parallel (worker threads, or workers on many machines via Redis)')
    .description(
      'Run every run of a spec (each sweep point × each seed) in parallel and record the results in\n' +
        `<out>/<experiment-id>/ and its DuckDB store (${STORE_FILE}). Each run has a stable id, so a\n` +
        'run is never computed twice: running the sweep again, or with --resume, finishes what is missing.\n' +
        'With --queue, runs are enqueued on Redis for `biasloop worker` processes on any number of machines.',
    )
    .argument('[spec]', 'spec file or preset name')
    .option('--set <key=value>', 'override a spec field, e.g. --set generations=5 (repeatable)', collect, [])
    .option('--seed <n>', 'base seed (overrides the spec)', parseIntFlag('--seed'))
    .option('--out <dir>', 'results root directory', 'biasloop-results')
    .option(
      '--workers <n>',
      `worker threads, one run each (default: number of cores, here ${defaultWorkerCount()})`,
      parseWorkersFlag('--workers'),
    )
    .option(
      '--queue <url>',
      'distribute runs through Redis, e.g. redis://10.0.0.5:6379 (start `biasloop worker`s)',
    )
    .option('--queue-name <name>', 'BullMQ queue name', DEFAULT_QUEUE_NAME)
    .option('--resume [dir]', 'finish an interrupted sweep: its results directory, or the spec given')
    .option('--force', 'discard earlier results of this experiment and start over')
    .option('--json', 'progress as JSON lines on stdout, then one summary line')
    .option('-q, --quiet', 'print only the results directory')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  biasloop sweep study.yaml                        # all cores\n' +
        '  biasloop sweep study.yaml --workers 4 --set seeds=10\n' +
        '  biasloop sweep --resume biasloop-results/study-1a2b3c4d5e\n' +
        '  biasloop sweep study.yaml --queue redis://10.0.0.5:6379   # then, on each machine:\n' +
        '  biasloop worker --queue redis://10.0.0.5:6379 --concurrency 8\n' +
        '  biasloop results query "SELECT metric, avg(value) FROM metrics GROUP BY metric"\n',
    )
    .action(async (specArg: string | undefined, flags: ExperimentFlags) => {
      const result = await executeExperimentCommand(specArg, flags, {
        defaultWorkers: defaultWorkerCount(),
        progress: chooseProgressModeFor('sweep', flags),
      });
      if (flags.json) {
        process.stdout.write(
          JSON.stringify(
            jsonSafe({
              type: 'result',
              experiment: result.plan.id,
              dir: result.dir,
              store: join(result.dir, STORE_FILE),
              status: result.status,
              runs: result.runs.map((r) => ({
                id: r.run.id,
                label: r.run.label,
                seed: r.run.spec.runSeed,
                reused: r.reused,
              })),
              summary: summarizeRuns(result.runs),
            }),
          ) + '\n',
        );
      } else {
        report(result, { quiet: flags.quiet });
        if (!flags.quiet) {
          process.stdout.write(
            `Store:   ${join(result.dir, STORE_FILE)}  (biasloop results query "SELECT …" --dir ${result.dir})\n`,
          );
        }
      }
      if (result.status === 'interrupted') {
        process.stderr.write(`biasloop: interrupted; resume with: biasloop sweep --resume ${result.dir}\n`);
        process.exitCode = 130;
      }
    });
}
