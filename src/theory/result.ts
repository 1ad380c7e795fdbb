/**
 * What every theory model returns: resolved parameters, a deterministic experiment id, runs of
 * long-format metric rows (the same `MetricRow` shape loop runs report), the charts to draw and a
 * printable summary table.
 *
 * Series naming (documented in docs/theory.md): a row's `group` is `<series>` or
 * `<series>:<group name>`, where `<series>` is `simulation` (a simulated value, averaged over seeds
 * where there are seeds), `theory` (the exact closed-form value for the same quantity) or `seed<k>`
 * (one seed's trajectory), and `<group name>` is a population group (Wright–Fisher) when the metric is
 * per group. Filtering on the prefix before ':' selects a series.
 */
import type { MetricRow } from '../results/rows.ts';
import { sha256 } from '../core/files.ts';
import { canonicalJson, type ResolvedParams } from './params.ts';

export type TheoryModelName = 'wmle' | 'gaussian' | 'linreg' | 'wright-fisher';

export const SIMULATION = 'simulation';
export const THEORY = 'theory';

export interface TheoryRun {
  /** Directory-safe id, unique within the experiment (e.g. `replace`). */
  readonly id: string;
  /** Human-readable label, e.g. `strategy=replace`. */
  readonly label: string;
  /** The base seed the run's streams derive from. */
  readonly seed: number;
  readonly rows: MetricRow[];
  /** Extra facts about the run, written to run.json (e.g. the fitted pretrained model). */
  readonly info: Readonly<Record<string, unknown>>;
}

export interface TheoryChart {
  /** File name without extension, written under charts/. */
  readonly file: string;
  readonly title: string;
  readonly metric: string;
  readonly yTitle: string;
  readonly yScale?: 'linear' | 'log' | 'symlog';
}

export interface TheoryTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface TheoryResult {
  readonly model: TheoryModelName;
  readonly title: string;
  readonly params: ResolvedParams;
  /** `<model>-<first 10 hex of sha256(canonical JSON of the resolved params)>`. */
  readonly experimentId: string;
  readonly runs: readonly TheoryRun[];
  readonly charts: readonly TheoryChart[];
  readonly tables: readonly TheoryTable[];
  /** Caveats worth printing (e.g. an oracle skipped because it would be too expensive). */
  readonly notes: readonly string[];
}

/** Deterministic experiment id for a model and its resolved parameters. */
export function theoryExperimentId(model: TheoryModelName, params: ResolvedParams): string {
  return `${model}-${sha256(canonicalJson(params)).slice(0, 10)}`;
}

/** The `group` value for a series, optionally for one population group. */
export function seriesGroup(series: string, groupName?: string): string {
  return groupName === undefined || groupName === '' ? series : `${series}:${groupName}`;
}

/** Split a `group` value into its series and population group. */
export function parseSeriesGroup(group: string): { series: string; groupName: string } {
  const i = group.indexOf(':');
  return i < 0
    ? { series: group, groupName: '' }
    : { series: group.slice(0, i), groupName: group.slice(i + 1) };
}

/** Small helper that collects rows for one run. */
export class RowCollector {
  readonly rows: MetricRow[] = [];
  constructor(readonly run: string) {}

  add(
    generation: number,
    metric: string,
    group: string,
    value: number,
    ci?: readonly [number, number],
  ): void {
    if (ci === undefined) this.rows.push({ run: this.run, generation, metric, group, value });
    else this.rows.push({ run: this.run, generation, metric, group, value, ciLow: ci[0], ciHigh: ci[1] });
  }
}

/** Generations to show in a printed table: all of them up to `max`, else an even spread plus the last. */
export function tableGenerations(generations: number, max = 21): number[] {
  if (generations <= max) return Array.from({ length: generations }, (_, g) => g);
  const step = Math.ceil((generations - 1) / (max - 1));
  const out: number[] = [];
  for (let g = 0; g < generations - 1; g += step) out.push(g);
  out.push(generations - 1);
  return out;
}
