/**
 * What `biasloop run` and `biasloop sweep` share: reading the spec (file or preset) with overrides,
 * choosing the scheduler (serial, worker-thread pool, or a BullMQ queue), Ctrl-C / SIGTERM handling
 * (once: finish the current generation everywhere and stop; twice: stop now) and the progress display.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { BiasloopError } from '../core/errors.ts';
import { availableParallelism } from 'node:os';
import type { Scheduler } from '../experiments/scheduler.ts';
import type { ExperimentResult } from '../loop/experiment.ts';
import { readManifest } from '../results/layout.ts';
import { applyOverrides, parseSpecText, type RawSpec } from '../spec/load.ts';
import { getPreset } from '../spec/presets.ts';
import { planExperiment } from '../spec/sweep.ts';
import { ProgressDisplay, type ProgressMode } from './progress.ts';
import { packageVersion } from '../core/version.ts';

export interface ExperimentFlags {
  set: string[];
  seed?: number;
  out: string;
  /** A results directory, or `true` for `--resume` without one (the spec's own directory). */
  resume?: string | boolean;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
  workers?: number;
  queue?: string;
  queueName?: string;
}

export interface ExperimentCommandOptions {
  /** Worker threads when --workers is not given (for `run`: 1 keeps the quickstart in-process). */
  readonly defaultWorkers: number;
  readonly progress: ProgressMode;
}

/** Resolve the positional argument: an existing spec file, or a preset name (default quickstart). */
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

/** Where `--resume` points: an experiment directory, or undefined (run the spec, which resumes). */
function resumeDirectory(flags: ExperimentFlags, specArg: string | undefined): string | undefined {
  if (typeof flags.resume === 'string') {
    if (existsSync(join(flags.resume, 'experiment.json'))) return flags.resume;
    if (existsSync(flags.resume) && statSync(flags.resume).isDirectory()) {
      readManifest(flags.resume); // the one-line "not a biasloop results directory" error
    }
    throw new BiasloopError('usage', `--resume '${flags.resume}' is not a results directory`, {
      hint: 'pass the directory a sweep printed, e.g. biasloop-results/<experiment-id>, or the spec',
    });
  }
  if (flags.resume === true && specArg === undefined) {
    throw new BiasloopError('usage', '--resume needs the spec or the results directory to resume', {
      hint: 'biasloop sweep my-study.yaml --resume, or biasloop sweep --resume biasloop-results/<id>',
    });
  }
  return undefined;
}

async function makeScheduler(
  flags: ExperimentFlags,
  runs: number,
  options: ExperimentCommandOptions,
): Promise<Scheduler> {
  const versions = { biasloop: packageVersion() };
  if (flags.queue !== undefined) {
    if (flags.workers !== undefined) {
      throw new BiasloopError('usage', '--workers and --queue exclude each other', {
        hint: 'with --queue, start `biasloop worker --concurrency N` processes instead',
      });
    }
    const { QueueScheduler } = await import('../experiments/queue.ts');
    return QueueScheduler.connect(flags.queue, {
      versions,
      ...(flags.queueName !== undefined ? { queueName: flags.queueName } : {}),
    });
  }
  const workers = Math.min(flags.workers ?? options.defaultWorkers, Math.max(1, runs));
  if (workers <= 1) {
    const { SerialScheduler } = await import('../experiments/serial.ts');
    return new SerialScheduler({ versions });
  }
  const { PoolScheduler } = await import('../experiments/pool.ts');
  return new PoolScheduler({ threads: workers, versions });
}

/** Run or resume the experiment the flags describe; the caller prints the result. */
export async function executeExperimentCommand(
  specArg: string | undefined,
  flags: ExperimentFlags,
  options: ExperimentCommandOptions,
): Promise<ExperimentResult> {
  const resumeDir = resumeDirectory(flags, specArg);
  // Plan first: spec errors are reported before any thread, connection or directory is created.
  let raw: RawSpec | undefined;
  let text: string | undefined;
  let overrides: string[] = [];
  if (resumeDir !== undefined) {
    const rawPath = join(resumeDir, 'spec.raw.json');
    raw = existsSync(rawPath) ? parseSpecText(readFileSync(rawPath, 'utf8'), rawPath) : undefined;
  } else {
    const resolved = resolveSpecArgument(specArg);
    overrides = [...flags.set, ...(flags.seed !== undefined ? [`seed=${flags.seed}`] : [])];
    raw = applyOverrides(resolved.raw, overrides);
    text = resolved.text;
  }
  const runs = raw === undefined ? 1 : planExperiment(raw).runs.length;

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      if (options.progress !== 'json') {
        process.stderr.write(
          '\nbiasloop: finishing the current generation, then stopping (Ctrl-C again to stop now)\n',
        );
      }
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = new ProgressDisplay(options.progress);
  let scheduler: Scheduler | undefined;
  let succeeded = false;
  try {
    scheduler = await makeScheduler(flags, runs, options);
    // Loaded here, not at start-up: the store (DuckDB), piscina and BullMQ cost every command time.
    const { resumeExperiment, runExperiment } = await import('../loop/experiment.ts');
    const common = {
      signal: controller.signal,
      scheduler,
      ...(flags.force ? { force: true } : {}),
      versions: { biasloop: packageVersion() },
      onEvent: (e: Parameters<ProgressDisplay['update']>[0]) => progress.update(e),
    };
    const result =
      resumeDir !== undefined
        ? await resumeExperiment(resumeDir, common)
        : await runExperiment(raw!, {
            ...common,
            outDir: flags.out,
            specText:
              overrides.length > 0 ? `${text ?? ''}\n# overrides: ${overrides.join(' ')}\n` : (text ?? ''),
          });
    succeeded = true;
    return result;
  } finally {
    progress.stop(succeeded);
    await scheduler?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Worker threads by default: one per core. */
export function defaultWorkerCount(): number {
  return availableParallelism();
}

/** `--workers <n>` / `--concurrency <n>`: an integer ≥ 1. */
export function parseWorkersFlag(name: string) {
  return (value: string): number => {
    const v = Number(value);
    if (!Number.isInteger(v) || v < 1) {
      throw new InvalidArgumentError(`${name} must be an integer ≥ 1, got '${value}'`);
    }
    return v;
  };
}

/**
 * Progress for a command: `run --json` prints only its summary (no progress); `sweep --json` streams
 * progress events as JSON lines before its summary line.
 */
export function chooseProgressModeFor(
  command: 'run' | 'sweep',
  flags: { json?: boolean; quiet?: boolean },
): ProgressMode {
  if (flags.json) return command === 'sweep' ? 'json' : 'none';
  if (flags.quiet) return 'none';
  return process.stderr.isTTY === true ? 'tty' : 'lines';
}
