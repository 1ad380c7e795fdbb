/**
 * The results layout on disk, shared by loop runs, theory simulations and sweeps:
 *
 * ```
 * <out>/<experiment-id>/
 *   experiment.json        manifest: id, name, kind, versions, seeds, runs and their status
 *   spec.yaml | spec.json  the spec as given (copy)
 *   resolved.json          the resolved spec (defaults filled in)
 *   summary.csv            every run's metric rows (long format), written when the experiment completes
 *   charts/                SVG/PNG charts
 *   runs/<run-id>/
 *     run.json             the resolved run spec, seed, status, timings
 *     metrics.csv          long format: run, generation, metric, group, value, ci_low, ci_high
 *     metrics.json         the same rows as JSON (NaN written as null)
 *     checkpoints/         per-generation checkpoints (resume)
 * ```
 * Everything is written atomically (temp file + rename), so a killed process never leaves a
 * half-written file under its final name.
 */
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { BiasloopError } from '../core/errors.ts';
import { writeFileAtomic, writeJsonAtomic } from '../core/files.ts';
import { metricRowToJson, metricRowsToCsv, type MetricRow } from './rows.ts';

/** Bumped when the layout changes incompatibly; a directory from a newer version is refused. */
export const RESULTS_LAYOUT_VERSION = 1;

export type ExperimentKind = 'loop' | 'theory';
export type RunStatus = 'pending' | 'running' | 'complete' | 'failed';

export interface RunEntry {
  readonly id: string;
  /** Human-readable label, e.g. `strategy=replace seed=1`. */
  readonly label: string;
  readonly seed: number;
  status: RunStatus;
}

export interface ExperimentManifest {
  readonly layoutVersion: number;
  readonly id: string;
  readonly name: string;
  readonly kind: ExperimentKind;
  readonly biasloopVersion: string;
  readonly nodeVersion: string;
  readonly createdAt: string;
  updatedAt: string;
  status: RunStatus;
  readonly runs: RunEntry[];
}

export interface ExperimentPaths {
  readonly dir: string;
  readonly manifest: string;
  readonly resolvedSpec: string;
  readonly summaryCsv: string;
  readonly charts: string;
  readonly runsDir: string;
}

export interface RunPaths {
  readonly dir: string;
  readonly runJson: string;
  readonly metricsCsv: string;
  readonly metricsJson: string;
  readonly checkpoints: string;
}

export function experimentPaths(dir: string): ExperimentPaths {
  return {
    dir,
    manifest: join(dir, 'experiment.json'),
    resolvedSpec: join(dir, 'resolved.json'),
    summaryCsv: join(dir, 'summary.csv'),
    charts: join(dir, 'charts'),
    runsDir: join(dir, 'runs'),
  };
}

export function runPaths(experimentDir: string, runId: string): RunPaths {
  const dir = join(experimentDir, 'runs', runId);
  return {
    dir,
    runJson: join(dir, 'run.json'),
    metricsCsv: join(dir, 'metrics.csv'),
    metricsJson: join(dir, 'metrics.json'),
    checkpoints: join(dir, 'checkpoints'),
  };
}

/** Write a run's metric rows as CSV and JSON (atomically). */
export function writeRunMetrics(paths: RunPaths, rows: readonly MetricRow[]): void {
  writeFileAtomic(paths.metricsCsv, metricRowsToCsv(rows));
  writeFileAtomic(paths.metricsJson, JSON.stringify(rows.map(metricRowToJson), null, 1) + '\n');
}

export function writeManifest(paths: ExperimentPaths, manifest: ExperimentManifest): void {
  writeJsonAtomic(paths.manifest, manifest);
}

/** Read an experiment manifest, refusing one written by a newer biasloop. */
export function readManifest(dir: string): ExperimentManifest {
  const p = experimentPaths(dir).manifest;
  if (!existsSync(p)) {
    throw new BiasloopError('io', `'${dir}' is not a biasloop results directory (no experiment.json)`, {
      hint: 'pass the directory a run printed, e.g. biasloop-results/<experiment-id>',
    });
  }
  let parsed: ExperimentManifest;
  try {
    parsed = JSON.parse(readFileSync(p, 'utf8')) as ExperimentManifest;
  } catch {
    throw new BiasloopError('checkpoint', `'${p}' is not valid JSON; the results directory is damaged`);
  }
  if (typeof parsed.layoutVersion !== 'number') {
    throw new BiasloopError('checkpoint', `'${p}' has no layoutVersion; the results directory is damaged`);
  }
  if (parsed.layoutVersion > RESULTS_LAYOUT_VERSION) {
    throw new BiasloopError(
      'io',
      `'${dir}' was written by a newer biasloop (results layout v${parsed.layoutVersion}, this is v${RESULTS_LAYOUT_VERSION})`,
      { hint: 'upgrade biasloop to read it' },
    );
  }
  return parsed;
}
