/**
 * Terminal formatting shared by the commands: aligned tables and numbers.
 */
import { formatTextTable } from '../report/text-table.ts';

/** An aligned text table without a trailing newline (see formatTextTable). */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return formatTextTable(header, rows).trimEnd();
}

/** A number with `digits` decimals; NaN as 'NaN'. */
export function fmt(v: number, digits = 3): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Inf' : '-Inf';
  return v.toFixed(digits);
}

/** Replace NaN/Infinity by null for JSON output. */
export function jsonSafe(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
  );
}
