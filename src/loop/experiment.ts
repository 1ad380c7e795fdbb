/**
 * An experiment: every run of a plan (sweep points × seeds), executed serially here, written to
 * `<out>/<experiment-id>/` in the shared results layout. Running the same spec again, or passing the
 * directory to `--resume`, continues where it stopped: complete runs are reused, interrupted runs
 * resume from their last valid checkpoint.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BiasloopError } from '../core/errors.ts';
import { ensureDir, writeFileAtomic, writeJsonAtomic } from '../core/files.ts';
import { DataCache } from '../data/real.ts';
import {
  RESULTS_LAYOUT_VERSION,
  experimentPaths,
  readManifest,
  runPaths,
  writeManifest,
  type ExperimentManifest,
  type RunEntry,
} from '../results/layout.ts';
import { metricRowsToCsv, type MetricRow } from '../results/rows.ts';
import { parseSpecText, type RawSpec } from '../spec/load.ts';
import { planExperiment, type ExperimentPlan, type PlannedRun } from '../spec/sweep.ts';
import { executeRun, type GenerationEvent } from './run.ts';

export type ExperimentEvent =
  | { readonly type: 'start'; readonly plan: ExperimentPlan; readonly dir: string; readonly reused: number }
  | { readonly type: 'run-start'; readonly run: PlannedRun; readonly index: number }
  | ({ readonly type: 'generation'; readonly run: PlannedRun } & GenerationEvent)
  | { readonly type: 'run-done'; readonly run: PlannedRun; readonly index: number; readonly seconds: number };

export interface ExperimentOptions {
  /** Results root; the experiment writes `<outDir>/<experiment-id>/`. */
  readonly outDir: string;
  /** The spec text as the user wrote it (copied into the results); JSON of the raw spec otherwise. */
  readonly specText?: string;
  /** Delete earlier results of this experiment and start over. */
  readonly force?: boolean;
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: ExperimentEvent) => void;
  readonly versions?: Readonly<Record<string, string>>;
}

export interface RunResult {
  readonly run: PlannedRun;
  readonly rows: readonly MetricRow[];
  readonly reused: boolean;
}

export interface ExperimentResult {
  readonly dir: string;
  readonly plan: ExperimentPlan;
  readonly status: 'complete' | 'interrupted';
  readonly runs: readonly RunResult[];
}

function readRunRows(dir: string, runId: string): MetricRow[] | undefined {
  const p = runPaths(dir, runId).metricsJson;
  if (!existsSync(p)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(p, 'utf8')) as (Omit<MetricRow, 'value'> & {
      value: number | null;
    })[];
    return parsed.map((r) => ({ ...r, value: r.value === null ? NaN : r.value }));
  } catch {
    return undefined;
  }
}

/** Plan and run an experiment from a raw spec. */
export async function runExperiment(raw: RawSpec, options: ExperimentOptions): Promise<ExperimentResult> {
  return runPlannedExperiment(planExperiment(raw), raw, options);
}

/** Resume the experiment stored in `dir` (its resolved spec is read back from the directory). */
export async function resumeExperiment(
  dir: string,
  options: Omit<ExperimentOptions, 'outDir' | 'specText'>,
): Promise<ExperimentResult> {
  readManifest(dir); // refuses foreign or newer directories with a clear error
  const rawPath = join(dir, 'spec.raw.json');
  if (!existsSync(rawPath)) {
    throw new BiasloopError('checkpoint', `'${dir}' has no spec.raw.json; it cannot be resumed`);
  }
  const raw = parseSpecText(readFileSync(rawPath, 'utf8'), rawPath);
  const plan = planExperiment(raw);
  const manifest = readManifest(dir);
  if (manifest.id !== plan.id) {
    throw new BiasloopError(
      'checkpoint',
      `'${dir}' holds experiment ${manifest.id} but its spec resolves to ${plan.id}`,
      {
        hint: 'the spec schema changed since the run started; rerun it',
      },
    );
  }
  return runPlannedExperiment(plan, raw, { ...options, outDir: join(dir, '..'), resumeDir: dir });
}

async function runPlannedExperiment(
  plan: ExperimentPlan,
  raw: RawSpec,
  options: ExperimentOptions & { resumeDir?: string },
): Promise<ExperimentResult> {
  const dir = options.resumeDir ?? join(options.outDir, plan.id);
  const paths = experimentPaths(dir);
  if (options.force) rmSync(dir, { recursive: true, force: true });
  ensureDir(dir);
  let manifest: ExperimentManifest;
  if (existsSync(paths.manifest)) {
    manifest = readManifest(dir);
  } else {
    manifest = {
      layoutVersion: RESULTS_LAYOUT_VERSION,
      id: plan.id,
      name: plan.name,
      kind: 'loop',
      biasloopVersion: options.versions?.biasloop ?? 'unknown',
      nodeVersion: process.version,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      status: 'pending',
      runs: plan.runs.map((r): RunEntry => ({
        id: r.id,
        label: r.label,
        seed: r.spec.runSeed,
        status: 'pending',
      })),
    };
    writeFileAtomic(join(dir, 'spec.yaml'), options.specText ?? JSON.stringify(raw, null, 2) + '\n');
    writeJsonAtomic(join(dir, 'spec.raw.json'), raw);
    writeJsonAtomic(paths.resolvedSpec, plan.resolved);
    writeManifest(paths, manifest);
  }
  const statusOf = new Map(manifest.runs.map((r) => [r.id, r]));
  const setStatus = (id: string, status: RunEntry['status']): void => {
    const entry = statusOf.get(id);
    if (entry) entry.status = status;
    manifest.updatedAt = new Date().toISOString();
    writeManifest(paths, manifest);
  };

  const results: RunResult[] = [];
  const pending: { run: PlannedRun; index: number }[] = [];
  plan.runs.forEach((run, index) => {
    const rows = statusOf.get(run.id)?.status === 'complete' ? readRunRows(dir, run.id) : undefined;
    if (rows) results[index] = { run, rows, reused: true };
    else pending.push({ run, index });
  });
  options.onEvent?.({ type: 'start', plan, dir, reused: plan.runs.length - pending.length });
  manifest.status = 'running';
  writeManifest(paths, manifest);

  const cache = new DataCache();
  for (const { run, index } of pending) {
    if (options.signal?.aborted) break;
    const started = performance.now();
    setStatus(run.id, 'running');
    const rp = runPaths(dir, run.id);
    ensureDir(rp.dir);
    writeJsonAtomic(rp.runJson, {
      id: run.id,
      label: run.label,
      seed: run.spec.runSeed,
      variant: run.variant,
      spec: run.spec,
      versions: { biasloop: manifest.biasloopVersion, node: process.version, ...options.versions },
    });
    options.onEvent?.({ type: 'run-start', run, index });
    let outcome;
    try {
      outcome = await executeRun(run, {
        experimentDir: dir,
        cache,
        ...(options.signal ? { signal: options.signal } : {}),
        onGeneration: (e) => options.onEvent?.({ type: 'generation', run, ...e }),
      });
    } catch (e) {
      // Checkpoints written so far stay; the run is marked failed, never complete.
      setStatus(run.id, 'failed');
      manifest.status = 'failed';
      writeManifest(paths, manifest);
      throw e;
    }
    if (outcome.status === 'interrupted') {
      setStatus(run.id, 'pending');
      break;
    }
    results[index] = { run, rows: outcome.rows, reused: false };
    setStatus(run.id, 'complete');
    options.onEvent?.({ type: 'run-done', run, index, seconds: (performance.now() - started) / 1000 });
  }

  const complete = plan.runs.every((_, i) => results[i] !== undefined);
  if (complete) {
    writeFileAtomic(paths.summaryCsv, metricRowsToCsv(results.flatMap((r) => r.rows)));
    manifest.status = 'complete';
  } else {
    manifest.status = 'pending';
  }
  manifest.updatedAt = new Date().toISOString();
  writeManifest(paths, manifest);
  return {
    dir,
    plan,
    status: complete ? 'complete' : 'interrupted',
    runs: results.filter((r) => r !== undefined),
  };
}
