/** Shared helpers for the audit tests: small predictions files built from confusion counts. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.ts';

export interface Cell {
  readonly group: string;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

/** Rows (group, y, p) realising the given confusion counts, group by group. */
export function rowsFromCounts(cells: readonly Cell[]): [string, number, number][] {
  const rows: [string, number, number][] = [];
  for (const c of cells) {
    for (let i = 0; i < c.tp; i++) rows.push([c.group, 1, 1]);
    for (let i = 0; i < c.fn; i++) rows.push([c.group, 1, 0]);
    for (let i = 0; i < c.fp; i++) rows.push([c.group, 0, 1]);
    for (let i = 0; i < c.tn; i++) rows.push([c.group, 0, 0]);
  }
  return rows;
}

/** Write `header` + rows as CSV into a fresh temp dir; returns the path. */
export function writeCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  name = 'preds.csv',
  dir = tempDir('biasloop-audit-'),
): string {
  const path = join(dir, name);
  writeFileSync(path, [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
  return path;
}
