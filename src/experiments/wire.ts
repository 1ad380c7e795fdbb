/**
 * Metric rows as JSON that round-trips every float exactly. JSON has no NaN, ±Infinity or −0, and
 * results must be byte-identical whichever process computed them, so those four values travel as the
 * strings 'NaN', 'Inf', '-Inf' and '-0'. Used for rows sent over Redis by distributed workers.
 */
import type { MetricRow } from '../results/rows.ts';

export type WireNumber = number | 'NaN' | 'Inf' | '-Inf' | '-0';

export interface WireRow {
  readonly run: string;
  readonly generation: number;
  readonly metric: string;
  readonly group: string;
  readonly value: WireNumber;
  readonly ciLow?: WireNumber;
  readonly ciHigh?: WireNumber;
}

export function encodeNumber(v: number): WireNumber {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  return v;
}

export function decodeNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  switch (v) {
    case 'NaN':
      return NaN;
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case '-0':
      return -0;
    default:
      throw new Error(`not a wire number: ${JSON.stringify(v)}`);
  }
}

export function encodeRows(rows: readonly MetricRow[]): WireRow[] {
  return rows.map((r) => ({
    run: r.run,
    generation: r.generation,
    metric: r.metric,
    group: r.group,
    value: encodeNumber(r.value),
    ...(r.ciLow !== undefined ? { ciLow: encodeNumber(r.ciLow) } : {}),
    ...(r.ciHigh !== undefined ? { ciHigh: encodeNumber(r.ciHigh) } : {}),
  }));
}

export function decodeRows(rows: readonly WireRow[]): MetricRow[] {
  return rows.map((r) => ({
    run: r.run,
    generation: r.generation,
    metric: r.metric,
    group: r.group,
    value: decodeNumber(r.value),
    ...(r.ciLow !== undefined ? { ciLow: decodeNumber(r.ciLow) } : {}),
    ...(r.ciHigh !== undefined ? { ciHigh: decodeNumber(r.ciHigh) } : {}),
  }));
}
