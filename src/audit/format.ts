/**
 * The audit result as flat tables (for `--csv DIR`, spreadsheets and the report): one table per
 * kind of row, cells are numbers or text. Column names are stable (documented in docs/audit.md).
 *
 * - `overall`: metric, value, ci_low, ci_high (the group metrics over all audited rows)
 * - `groups`: attribute, group, rows, share (+ interval), small, reference, tp, fp, tn, fn, and per
 *   group metric its value and interval
 * - `disparities`: attribute, group, metric, reference, ratio, difference (+ intervals), verdict, small
 * - `summary`: attribute, metric, value, ci_low, ci_high
 */
import { csvField, formatNumber } from '../results/rows.ts';
import type { AuditResult } from './types.ts';

export type Cell = string | number | boolean;

export interface AuditTable {
  readonly name: 'overall' | 'groups' | 'disparities' | 'summary';
  readonly header: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

export function auditTables(result: AuditResult): AuditTable[] {
  const metrics = result.settings.groupMetrics;
  const overall: AuditTable = {
    name: 'overall',
    header: ['metric', 'value', 'ci_low', 'ci_high'],
    rows: metrics.map((m) => {
      const e = result.overall.metrics[m];
      return [m, e.value, e.ciLow, e.ciHigh];
    }),
  };
  const groups: AuditTable = {
    name: 'groups',
    header: [
      'attribute',
      'group',
      'rows',
      'share',
      'share_ci_low',
      'share_ci_high',
      'small',
      'reference',
      'tp',
      'fp',
      'tn',
      'fn',
      ...metrics.filter((m) => m !== 'count').flatMap((m) => [m, `${m}_ci_low`, `${m}_ci_high`]),
    ],
    rows: result.attributes.flatMap((a) =>
      a.groups.map((g) => [
        a.attribute,
        g.group,
        g.rows,
        g.share.value,
        g.share.ciLow,
        g.share.ciHigh,
        g.small,
        g.isReference,
        g.counts.tp,
        g.counts.fp,
        g.counts.tn,
        g.counts.fn,
        ...metrics
          .filter((m) => m !== 'count')
          .flatMap((m) => [g.metrics[m].value, g.metrics[m].ciLow, g.metrics[m].ciHigh]),
      ]),
    ),
  };
  const disparities: AuditTable = {
    name: 'disparities',
    header: [
      'attribute',
      'group',
      'metric',
      'reference',
      'ratio',
      'ratio_ci_low',
      'ratio_ci_high',
      'difference',
      'difference_ci_low',
      'difference_ci_high',
      'verdict',
      'small',
    ],
    rows: result.attributes.flatMap((a) =>
      a.groups.flatMap((g) =>
        Object.entries(g.disparities).map(([m, d]) => [
          a.attribute,
          g.group,
          m,
          d.reference,
          d.ratio.value,
          d.ratio.ciLow,
          d.ratio.ciHigh,
          d.difference.value,
          d.difference.ciLow,
          d.difference.ciHigh,
          d.verdict,
          g.small,
        ]),
      ),
    ),
  };
  const summary: AuditTable = {
    name: 'summary',
    header: ['attribute', 'metric', 'value', 'ci_low', 'ci_high'],
    rows: result.attributes.flatMap((a) =>
      Object.entries(a.summary).map(([m, e]) => [a.attribute, m, e.value, e.ciLow, e.ciHigh]),
    ),
  };
  return [overall, groups, disparities, summary];
}

/** A table as CSV text: numbers in shortest round-trip form, NaN as empty (undefined). */
export function tableToCsv(table: AuditTable): string {
  const cell = (c: Cell): string =>
    typeof c === 'number' ? (Number.isNaN(c) ? '' : formatNumber(c)) : csvField(String(c));
  return (
    [table.header.map((h) => csvField(h)).join(','), ...table.rows.map((r) => r.map(cell).join(','))].join(
      '\n',
    ) + '\n'
  );
}
