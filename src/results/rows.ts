/**
 * The long format every layer reports in: one row per (run, generation, metric, group).
 *
 * Loop runs, theory simulations, sweeps and (later) the results database, reports and the dashboard
 * all read and write this one shape, so a new producer shows up everywhere without adapters.
 */

export interface MetricRow {
  /** Run id (stable hash of the resolved run spec and seed). */
  readonly run: string;
  readonly generation: number;
  /** Metric name, e.g. `accuracy`, `selection_rate`, `demographic_parity_difference`, `synthetic.group_share`. */
  readonly metric: string;
  /** Group name for per-group values; '' for values over all rows. */
  readonly group: string;
  /** NaN when undefined (e.g. a rate over an empty group); never silently 0. */
  readonly value: number;
  readonly ciLow?: number;
  readonly ciHigh?: number;
}

export const METRIC_CSV_HEADER = 'run,generation,metric,group,value,ci_low,ci_high';

/** A number as text: shortest round-trip form, so files are byte-identical for identical values. */
export function formatNumber(v: number | undefined): string {
  if (v === undefined) return '';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function metricRowsToCsv(rows: readonly MetricRow[]): string {
  const lines = [METRIC_CSV_HEADER];
  for (const r of rows) {
    lines.push(
      [
        csvField(r.run),
        String(r.generation),
        csvField(r.metric),
        csvField(r.group),
        formatNumber(r.value),
        formatNumber(r.ciLow),
        formatNumber(r.ciHigh),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

/** JSON cannot hold NaN: write it as null, and read null back as NaN. */
export function metricRowToJson(r: MetricRow): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {
    run: r.run,
    generation: r.generation,
    metric: r.metric,
    group: r.group,
    value: Number.isFinite(r.value) ? r.value : null,
  };
  if (r.ciLow !== undefined) out.ciLow = Number.isFinite(r.ciLow) ? r.ciLow : null;
  if (r.ciHigh !== undefined) out.ciHigh = Number.isFinite(r.ciHigh) ? r.ciHigh : null;
  return out;
}
