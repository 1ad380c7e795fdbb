/**
 * Plain-text tables for terminals and logs: columns padded to their widest cell, numbers
 * right-aligned, text left-aligned. Used by the CLI to print results; pure string building.
 */

const NUMERIC = /^[+-]?(\d|\.\d|Inf|NaN)/;

/** A number with `digits` significant digits, without trailing zeros (`0.571429`, `3073`, `1.2e-7`). */
export function formatSignificant(v: number, digits = 6): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return '0';
  if (Number.isInteger(v) && Math.abs(v) < 1e10) return String(v);
  const abs = Math.abs(v);
  if (abs >= 1e-4 && abs < 10 ** digits) {
    const fixed = v.toPrecision(digits);
    return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
  }
  const [mantissa, exponent] = v.toExponential(digits - 1).split('e');
  const m = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return `${m}e${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}

export interface TextTableOptions {
  /** Columns to left-align; by default numeric-looking columns are right-aligned, the rest left. */
  readonly alignLeft?: readonly number[];
  /** A rule of dashes between the header and the rows (default true). */
  readonly rule?: boolean;
}

/** Render rows under a header, columns padded to their widest cell (ends with a newline). */
export function formatTextTable(
  columns: readonly string[],
  rows: readonly (readonly string[])[],
  options: TextTableOptions = {},
): string {
  const widths = columns.map((c, j) => Math.max(c.length, ...rows.map((r) => (r[j] ?? '').length)));
  const left = columns.map((_, j) =>
    options.alignLeft !== undefined
      ? options.alignLeft.includes(j)
      : !(rows.length > 0 && rows.every((r) => NUMERIC.test(r[j] ?? ''))),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, j) => (left[j] ? cell.padEnd(widths[j]) : cell.padStart(widths[j])))
      .join('  ')
      .trimEnd();
  const rule = options.rule === false ? [] : [widths.map((w) => '-'.repeat(w)).join('  ')];
  return [line(columns), ...rule, ...rows.map(line)].join('\n') + '\n';
}
