/**
 * Write a theory result through the results layout shared with loop runs (src/results/layout.ts):
 *
 * ```
 * <out>/<experiment-id>/
 *   experiment.json   manifest, kind 'theory', written last
 *   resolved.json     { model, params }: the resolved parameters the id hashes
 *   summary.csv       every run's rows
 *   charts/<name>.svg (and .png when asked)
 *   runs/<run-id>/run.json, metrics.csv, metrics.json
 * ```
 * The experiment id is deterministic, so running the same parameters again rewrites the same
 * directory with identical metrics (the manifest keeps its first `createdAt`).
 */
import { existsSync } from 'node:fs';
import { packageVersion } from '../core/version.ts';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../core/files.ts';
import {
  RESULTS_LAYOUT_VERSION,
  experimentPaths,
  readManifest,
  runPaths,
  writeManifest,
  writeRunMetrics,
  type ExperimentManifest,
} from '../results/layout.ts';
import { metricRowsToCsv } from '../results/rows.ts';
import { renderTheoryCharts } from './charts.ts';
import type { TheoryResult } from './result.ts';

export interface WriteTheoryOptions {
  /** Also rasterise charts to PNG (default false: SVG only, which keeps the CLI under a second). */
  readonly png?: boolean;
  /** Skip charts entirely (default false). */
  readonly charts?: boolean;
  /** Recorded in the manifest; defaults to package.json's version. */
  readonly biasloopVersion?: string;
}

export interface WrittenTheoryResults {
  readonly dir: string;
  readonly experimentId: string;
  /** Every file written, relative to `dir`. */
  readonly files: readonly string[];
}

export async function writeTheoryResults(
  result: TheoryResult,
  outDir: string,
  options: WriteTheoryOptions = {},
): Promise<WrittenTheoryResults> {
  const paths = experimentPaths(join(outDir, result.experimentId));
  const files: string[] = [];
  const rel = (p: string): string => p.slice(paths.dir.length + 1);

  writeJsonAtomic(paths.resolvedSpec, { model: result.model, params: result.params });
  files.push(rel(paths.resolvedSpec));
  for (const run of result.runs) {
    const rp = runPaths(paths.dir, run.id);
    writeJsonAtomic(rp.runJson, {
      id: run.id,
      label: run.label,
      seed: run.seed,
      status: 'complete',
      model: result.model,
      info: run.info,
    });
    writeRunMetrics(rp, run.rows);
    files.push(rel(rp.runJson), rel(rp.metricsCsv), rel(rp.metricsJson));
  }
  writeFileAtomic(paths.summaryCsv, metricRowsToCsv(result.runs.flatMap((r) => r.rows)));
  files.push(rel(paths.summaryCsv));

  if (options.charts !== false) {
    for (const chart of await renderTheoryCharts(result, { png: options.png === true })) {
      const svgPath = join(paths.charts, `${chart.file}.svg`);
      writeFileAtomic(svgPath, chart.svg);
      files.push(rel(svgPath));
      if (chart.png !== undefined) {
        const pngPath = join(paths.charts, `${chart.file}.png`);
        writeFileAtomic(pngPath, chart.png);
        files.push(rel(pngPath));
      }
    }
  }

  const now = new Date().toISOString();
  let createdAt = now;
  if (existsSync(paths.manifest)) {
    try {
      createdAt = readManifest(paths.dir).createdAt;
    } catch {
      // A damaged or foreign manifest is simply replaced.
    }
  }
  const manifest: ExperimentManifest = {
    layoutVersion: RESULTS_LAYOUT_VERSION,
    id: result.experimentId,
    name: `theory ${result.model}: ${result.title}`,
    kind: 'theory',
    biasloopVersion: options.biasloopVersion ?? packageVersion(),
    nodeVersion: process.version,
    createdAt,
    updatedAt: now,
    status: 'complete',
    runs: result.runs.map((r) => ({ id: r.id, label: r.label, seed: r.seed, status: 'complete' as const })),
  };
  writeManifest(paths, manifest);
  files.push(rel(paths.manifest));
  return { dir: paths.dir, experimentId: result.experimentId, files };
}
