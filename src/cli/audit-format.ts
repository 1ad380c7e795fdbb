/**
 * The terminal view of an audit: per attribute, the group metrics (groups as rows, a value whose
 * disparity to the reference fails the tolerance marked ✗), the ratios to the reference, and the
 * summary disparities with their intervals.
 */
import { baseMetric } from '../metrics/base-metrics.ts';
import type { AttributeAudit, AuditResult, Estimate } from '../audit/types.ts';
import { fmt, renderTable } from './format.ts';

const FAIL = '✗';
const SMALL = '†';

function int(n: number): string {
  return n.toLocaleString('en-US');
}

function withCi(e: Estimate, showCi: boolean, digits = 3): string {
  if (!showCi || Number.isNaN(e.ciLow)) return fmt(e.value, digits);
  return `${fmt(e.value, digits)} [${fmt(e.ciLow, digits)}, ${fmt(e.ciHigh, digits)}]`;
}

/**
 * Digits for a ratio: 3, or more when 3 would print a failing ratio as the boundary itself (1.2504
 * is not fair at tolerance 0.8, but prints as 1.250).
 */
function ratioDigits(ratio: number, tolerance: number): number {
  if (!Number.isFinite(ratio)) return 3;
  for (let digits = 3; digits < 8; digits++) {
    const shown = Number(ratio.toFixed(digits));
    const fairShown = shown >= tolerance && shown <= 1 / tolerance;
    const fair = ratio >= tolerance && ratio <= 1 / tolerance;
    if (fairShown === fair) return digits;
  }
  return 8;
}

function label(metric: string): string {
  return baseMetric(metric).label;
}

function describeReference(a: AttributeAudit): string {
  switch (a.reference.method) {
    case 'largest':
      return `reference ${a.reference.group} (largest group)`;
    case 'group':
      return `reference ${a.reference.group}`;
    case 'min':
      return 'reference per metric: the group with the lowest value';
    case 'max':
      return 'reference per metric: the group with the highest value';
  }
}

function attributeText(result: AuditResult, a: AttributeAudit, showCi: boolean): string {
  const metrics = result.settings.groupMetrics.filter((m) => m !== 'count');
  const tol = result.settings.tolerance;
  const name = (g: AttributeAudit['groups'][number]): string =>
    `${g.group}${g.small ? ` ${SMALL}` : ''}${g.isReference ? ' (ref)' : ''}`;
  const valueRows = a.groups.map((g) => [
    name(g),
    int(g.rows),
    withCi(g.share, showCi),
    ...metrics.map((m) => {
      const d = g.disparities[m];
      return `${withCi(g.metrics[m], showCi)}${d !== undefined && d.verdict === 'unfair' ? FAIL : ''}`;
    }),
  ]);
  const ratioRows = a.groups.map((g) => [
    name(g),
    ...metrics.map((m) => {
      const d = g.disparities[m];
      if (d === undefined) return '–';
      return `${withCi(d.ratio, showCi, ratioDigits(d.ratio.value, tol))}${d.verdict === 'unfair' ? FAIL : ''}`;
    }),
  ]);
  const parts = [
    `${a.attribute} — ${describeReference(a)}`,
    renderTable(['group', 'rows', 'share', ...metrics.map(label)], valueRows),
    '',
    `ratio to the reference (${FAIL}: outside [${fmt(tol)}, ${fmt(1 / tol)}])`,
    renderTable(['group', ...metrics.map(label)], ratioRows),
  ];
  const summary = Object.entries(a.summary);
  if (summary.length > 0) {
    parts.push('');
    const width = Math.max(...summary.map(([m]) => m.length));
    for (const [m, e] of summary) parts.push(`${m.padEnd(width)}  ${withCi(e, true)}`);
  }
  if (a.unfair.length > 0) {
    const byMetric = new Map<string, string[]>();
    for (const u of a.unfair) byMetric.set(u.metric, [...(byMetric.get(u.metric) ?? []), u.group]);
    const width = Math.max(...[...byMetric.keys()].map((m) => label(m).length));
    parts.push('', 'outside tolerance:');
    for (const m of metrics) {
      const gs = byMetric.get(m);
      if (gs !== undefined) parts.push(`  ${label(m).padEnd(width)}  ${gs.join(', ')}`);
    }
  } else {
    parts.push('', 'every disparity lies within tolerance');
  }
  return parts.join('\n');
}

export function renderAuditText(result: AuditResult, opts: { showCi?: boolean } = {}): string {
  const { input, settings } = result;
  const pred =
    input.prediction.kind === 'score'
      ? `score ${input.prediction.column} ≥ ${input.prediction.threshold}`
      : `prediction ${input.prediction.column} (positive: ${input.prediction.positive.join(', ')})`;
  const left: string[] = [];
  if (input.rowsFiltered > 0) left.push(`${int(input.rowsFiltered)} left out by --where`);
  if (input.rowsDropped > 0) left.push(`${int(input.rowsDropped)} with a missing value dropped`);
  const ci =
    settings.resamples > 0
      ? `${Math.round(settings.confidence * 100)}% intervals from ${int(settings.resamples)} bootstrap resamples (seed ${settings.seed})`
      : 'no intervals (--resamples 0)';
  const header = [
    `${input.file}: ${int(input.rows)} rows audited${left.length > 0 ? ` (${int(input.rowsRead)} read, ${left.join(', ')})` : ''}`,
    `label ${input.label.column} (positive: ${input.label.positive.join(', ')}); ${pred}`,
    `fair when ${fmt(settings.tolerance)} ≤ ratio to the reference ≤ ${fmt(1 / settings.tolerance)}; ${ci}`,
  ];
  const overall = result.overall.metrics;
  const overallLine = `all rows: ${settings.groupMetrics
    .filter((m) => m !== 'count')
    .map((m) => `${label(m)} ${fmt(overall[m].value)}`)
    .join('  ')}`;
  const small = result.attributes.some((a) => a.smallGroups.length > 0)
    ? `\n${SMALL} fewer than ${settings.minGroupSize} rows: read its numbers with care`
    : '';
  return (
    [
      ...header,
      overallLine,
      ...result.attributes.map((a) => `\n${attributeText(result, a, opts.showCi === true)}`),
    ].join('\n') +
    small +
    '\n'
  );
}
