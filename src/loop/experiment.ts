/**
 * An experiment: every run of a plan (sweep points × seeds), executed by a scheduler (serial in this
 * thread by default, a worker-thread pool, or a BullMQ queue: see src/experiments/) and written to
 * `<out>/<experiment-id>/` in the shared results layout and its results store (results.duckdb).
 * Running the same spec again, or passing the directory to `--resume`, continues where it stopped:
 * complete runs are reused, interrupted runs resume from their last valid checkpoint.
 *
 * Only this coordinator writes the manifest, the run files and the store; schedulers execute runs
 * and report generations and results back. Results are ordered by the plan, never by completion, so
 * summary.csv is the same whatever the scheduler.
 */
import { setMaxListeners } from 'node:events';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { BiasloopError } from '../core/errors.ts';
import { ensureDir, ioError, writeFileAtomic, writeJsonAtomic } from '../core/files.ts';
import type { RunProgress, RunReport, Scheduler } from '../experiments/scheduler.ts';
import { SerialScheduler } from '../experiments/serial.ts';
import { ResultsStore, type ArtefactRecord } from '../experiments/store.ts';
import {
  RESULTS_LAYOUT_VERSION,
  experimentPaths,
  readManifest,
  runPaths,
  writeManifest,
  writeRunMetrics,
  type ExperimentManifest,
  type RunEntry,
} from '../results/layout.ts';
import { metricRowsToCsv, type MetricRow } from '../results/rows.ts';
import { parseSpecText, type RawSpec } from '../spec/load.ts';
import { planExperiment, type ExperimentPlan, type PlannedRun } from '../spec/sweep.ts';

export type ExperimentEvent =
  | {
      readonly type: 'start';
      readonly plan: ExperimentPlan;
      readonly dir: string;
      readonly reused: number;
      /** Ids of the runs reused (complete before this call). */
      readonly reusedIds: readonly string[];
      /** How runs are executed, e.g. `pool of 4 worker threads`. */
      readonly scheduler: string;
    }
  | { readonly type: 'run-start'; readonly run: PlannedRun; readonly index: number; readonly worker: string }
  | ({ readonly type: 'generation'; readonly run: PlannedRun } & RunProgress)
  | {
      readonly type: 'run-done';
      readonly run: PlannedRun;
      readonly index: number;
      readonly seconds: number;
      readonly worker: string;
    }
  /** Not an error: something worth telling the user (e.g. Redis reconnecting). */
  | { readonly type: 'notice'; readonly message: string };

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
  /**
   * How runs are executed: `SerialScheduler` (the default), `PoolScheduler` or `QueueScheduler`.
   * A scheduler passed in is not closed by the experiment (reuse it for several experiments).
   */
  readonly scheduler?: Scheduler;
  /** Also record results in `<dir>/results.duckdb` (default true). */
  readonly store?: boolean;
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
  if (options.force) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      throw ioError(e, dir, 'delete');
    }
  }
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
  }
  // The store is opened before anything is written: a newer store, a store locked by another
  // coordinator or an unwritable directory stops here with nothing changed.
  const store = options.store === false ? undefined : await ResultsStore.open(dir, plan.id);
  const ownScheduler = options.scheduler === undefined;
  const scheduler = options.scheduler ?? new SerialScheduler({ versions: options.versions ?? {} });
  try {
    if (!existsSync(paths.manifest)) {
      writeFileAtomic(join(dir, 'spec.yaml'), options.specText ?? JSON.stringify(raw, null, 2) + '\n');
      writeJsonAtomic(join(dir, 'spec.raw.json'), raw);
      writeJsonAtomic(paths.resolvedSpec, plan.resolved);
      writeManifest(paths, manifest);
    }
    return await executePlan(plan, raw, dir, manifest, scheduler, store, options);
  } finally {
    if (ownScheduler) await scheduler.close();
    await store?.close();
  }
}

async function executePlan(
  plan: ExperimentPlan,
  raw: RawSpec,
  dir: string,
  manifest: ExperimentManifest,
  scheduler: Scheduler,
  store: ResultsStore | undefined,
  options: ExperimentOptions,
): Promise<ExperimentResult> {
  const paths = experimentPaths(dir);
  const statusOf = new Map(manifest.runs.map((r) => [r.id, r]));
  const setStatus = (id: string, status: RunEntry['status']): void => {
    const entry = statusOf.get(id);
    if (entry) entry.status = status;
    manifest.updatedAt = new Date().toISOString();
    // 'running' is not written on its own: on resume a running run and a pending one are treated
    // alike, and a queue dispatches hundreds of runs at once (one fsync each would delay them all).
    if (status !== 'running') writeManifest(paths, manifest);
  };
  const now = (): string => new Date().toISOString();

  const results: RunResult[] = [];
  const pending: { run: PlannedRun; index: number }[] = [];
  plan.runs.forEach((run, index) => {
    const rows = statusOf.get(run.id)?.status === 'complete' ? readRunRows(dir, run.id) : undefined;
    if (rows) results[index] = { run, rows, reused: true };
    else pending.push({ run, index });
  });

  if (store) {
    await store.recordExperiment({
      id: plan.id,
      name: plan.name,
      kind: manifest.kind,
      status: 'running',
      runs: plan.runs.length,
      spec: plan.resolved,
      rawSpec: raw,
      createdAt: manifest.createdAt,
      updatedAt: now(),
      biasloopVersion: manifest.biasloopVersion,
      nodeVersion: manifest.nodeVersion,
      dir: resolve(dir),
    });
    await store.recordPlannedRuns(
      plan.runs.map((r) => ({
        id: r.id,
        label: r.label,
        seed: r.spec.runSeed,
        variant: r.variant,
        spec: r.spec,
        generations: r.spec.generations,
        status: 'pending',
      })),
    );
    // Complete runs the store lacks (a crash between the files and the store, or a deleted store).
    const inStore = await store.completeRuns();
    for (const r of results) {
      if (r === undefined || inStore.get(r.run.id) === r.rows.length) continue;
      await store.recordRunEnd({
        run: r.run.id,
        status: 'complete',
        rows: r.rows,
        finishedAt: now(),
        seconds: 0,
        artefacts: runFileArtefacts(dir, r.run.id),
      });
    }
  }

  options.onEvent?.({
    type: 'start',
    plan,
    dir,
    reused: plan.runs.length - pending.length,
    reusedIds: results.filter((r) => r !== undefined).map((r) => r.run.id),
    scheduler: scheduler.description,
  });
  manifest.status = 'running';
  writeManifest(paths, manifest);

  // Stop = the caller's signal, or a failed run: in-flight runs finish their generation and stop.
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // one listener per run in flight (hundreds with a queue)
  const onUserAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', onUserAbort, { once: true });
  if (options.signal?.aborted) stop.abort();
  let failure: unknown;

  const runOne = async ({ run, index }: { run: PlannedRun; index: number }): Promise<void> => {
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
    store?.recordRunStart(run.id, scheduler.kind, now());
    let report: RunReport;
    try {
      report = await scheduler.execute(
        { run, experimentId: plan.id, experimentDir: dir },
        {
          signal: stop.signal,
          onStart: (worker) => {
            options.onEvent?.({ type: 'run-start', run, index, worker });
          },
          onGeneration: (e) => {
            options.onEvent?.({ type: 'generation', run, ...e });
            store?.recordGeneration({
              run: e.runId,
              generation: e.generation,
              worker: e.worker,
              rows: e.rows,
              ...(e.checkpoint
                ? {
                    checkpoint:
                      e.checkpoint.host === 'local'
                        ? { ...e.checkpoint, path: relative(dir, e.checkpoint.path) }
                        : e.checkpoint,
                  }
                : {}),
            });
          },
          onNotice: (message) => options.onEvent?.({ type: 'notice', message }),
        },
      );
      if (report.status === 'complete') {
        if (!report.wroteMetricsFiles) writeRunMetrics(rp, report.rows);
        await store?.recordRunEnd({
          run: run.id,
          status: 'complete',
          rows: report.rows,
          finishedAt: now(),
          seconds: (performance.now() - started) / 1000,
          worker: report.worker,
          versions: report.versions,
          artefacts: runFileArtefacts(dir, run.id),
        });
      }
    } catch (e) {
      // Checkpoints written so far stay; the run is marked failed, never complete.
      failure ??= e;
      stop.abort();
      setStatus(run.id, 'failed');
      const message = e instanceof Error ? e.message : String(e);
      await store
        ?.recordRunEnd({
          run: run.id,
          status: 'failed',
          finishedAt: now(),
          seconds: (performance.now() - started) / 1000,
          error: message,
        })
        .catch(() => undefined);
      return;
    }
    if (report.status === 'interrupted') {
      setStatus(run.id, 'pending');
      await store?.recordRunEnd({
        run: run.id,
        status: 'pending',
        finishedAt: now(),
        seconds: (performance.now() - started) / 1000,
      });
      return;
    }
    results[index] = { run, rows: report.rows, reused: false };
    setStatus(run.id, 'complete');
    options.onEvent?.({
      type: 'run-done',
      run,
      index,
      seconds: (performance.now() - started) / 1000,
      worker: report.worker,
    });
  };

  const queue = [...pending];
  const active = new Set<Promise<void>>();
  try {
    while (queue.length > 0 && !stop.signal.aborted) {
      while (active.size < scheduler.slots && queue.length > 0 && !stop.signal.aborted) {
        const p: Promise<void> = runOne(queue.shift()!).finally(() => active.delete(p));
        active.add(p);
      }
      if (active.size > 0) await Promise.race(active);
    }
    await Promise.all(active);
  } finally {
    options.signal?.removeEventListener('abort', onUserAbort);
  }

  if (failure !== undefined) {
    manifest.status = 'failed';
    manifest.updatedAt = now();
    writeManifest(paths, manifest);
    await store?.setExperimentStatus('failed', manifest.updatedAt).catch(() => undefined);
    throw failure;
  }
  const complete = plan.runs.every((_, i) => results[i] !== undefined);
  if (complete) {
    writeFileAtomic(paths.summaryCsv, metricRowsToCsv(results.flatMap((r) => r.rows)));
    await store?.recordExperimentArtefacts([
      {
        run: null,
        generation: null,
        kind: 'summary-csv',
        host: 'local',
        path: 'summary.csv',
        bytes: statSync(paths.summaryCsv).size,
      },
    ]);
    manifest.status = 'complete';
  } else {
    manifest.status = 'pending';
  }
  manifest.updatedAt = now();
  await store?.setExperimentStatus(manifest.status, manifest.updatedAt);
  await store?.flush();
  writeManifest(paths, manifest);
  return {
    dir,
    plan,
    status: complete ? 'complete' : 'interrupted',
    runs: results.filter((r) => r !== undefined),
  };
}

/** The files a complete run leaves in the results layout, as store artefacts. */
function runFileArtefacts(dir: string, runId: string): ArtefactRecord[] {
  const rp = runPaths(dir, runId);
  const kinds: [string, string][] = [
    ['metrics-csv', rp.metricsCsv],
    ['metrics-json', rp.metricsJson],
    ['run-json', rp.runJson],
  ];
  return kinds.map(([kind, path]) => ({
    run: runId,
    generation: null,
    kind,
    host: 'local',
    path: relative(dir, path),
    bytes: existsSync(path) ? statSync(path).size : null,
  }));
}
