/**
 * Terminal formatting shared by the commands: aligned tables and numbers.
 */

/** Render rows as an aligned text table; numeric-looking cells are right-aligned. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const numeric = header.map(
    (_, j) => rows.length > 0 && rows.every((r) => /^[-+−]?[\d.]+|^NaN$|^–$/.test(r[j] ?? '')),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, j) => (numeric[j] ? c.padStart(widths[j]) : c.padEnd(widths[j])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
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
