/**
 * Renderings of score-file analyses: plain-text tables for the terminal, a JSON document (NaN as
 * null) and a long-format CSV. Pure functions returning strings; the CLI prints them.
 */
import { csvField, formatNumber } from '../results/rows.ts';
import type { SetupAnalysis, TrendSummary } from './score-files.ts';

function pct(v: number | undefined, digits = 1): string {
  return v === undefined || !Number.isFinite(v) ? 'n/a' : (100 * v).toFixed(digits);
}

function num(v: number | undefined, digits: number): string {
  return v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
}

function pValue(p: number): string {
  if (!Number.isFinite(p)) return 'n/a';
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

function signed(v: number, digits: number, unit = ''): string {
  if (!Number.isFinite(v)) return 'n/a';
  return `${v >= 0 ? '+' : ''}${v.toFixed(digits)}${unit}`;
}

/** Left-pad every column to its widest cell. */
function table(
  headerRow: readonly string[],
  rows: readonly (readonly string[])[],
  alignLeft: readonly number[] = [],
): string {
  const widths = headerRow.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: readonly string[]) =>
    r
      .map((c, i) => (alignLeft.includes(i) ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(headerRow), ...rows.map(fmt)].join('\n');
}

function generationLabel(a: SetupAnalysis, g: { generation: number; label?: string }): string {
  return g.label !== undefined && a.columns.generation === undefined
    ? `${g.generation} (${g.label})`
    : String(g.generation);
}

/** One trend line: OLS slope (Newey–West SE, p) and Mann–Kendall (τ, p, Sen slope). */
export function formatTrend(t: TrendSummary, asPercent: boolean): string {
  const scale = asPercent ? 100 : 1;
  const unit = asPercent ? ' pp/gen' : '/gen';
  const digits = asPercent ? 2 : 4;
  const o = t.ols;
  const mk = t.mannKendall;
  return (
    `slope ${signed(o.slope * scale, digits, unit)} (NW SE ${num(o.se * scale, digits)}, lag ${o.lag}, p ${pValue(o.p)}); ` +
    `Mann–Kendall τ ${num(mk.tau, 2)}, p ${pValue(mk.p)}, Sen ${signed(mk.senSlope * scale, digits, unit)}`
  );
}

/** The per-generation table and trend lines of one setup. */
export function formatSetup(a: SetupAnalysis, opts: { meanScores?: boolean } = {}): string {
  const lines: string[] = [];
  const offset = a.generationOffset !== 0 ? `, generation offset ${a.generationOffset}` : '';
  const genCount = a.generations.length;
  lines.push(
    `${a.setup}  (${a.file}: ${a.rows} rows, ${genCount} generation${genCount === 1 ? '' : 's'}${offset})`,
  );
  const level = Math.round(a.level * 100);
  if (a.kind === 'values') {
    const col = a.columns.value ?? 'value';
    const rows = a.generations.map((g) => [
      generationLabel(a, g),
      String(g.n),
      num(g.value?.mean, 4),
      `[${num(g.value?.ciLow, 4)}, ${num(g.value?.ciHigh, 4)}]`,
    ]);
    lines.push(table(['gen', 'n', `mean ${col}`, `${level}% CI`], rows));
    for (const t of a.trends) lines.push(`  trend of mean ${col}: ${formatTrend(t, false)}`);
    return lines.join('\n');
  }
  const withScores = opts.meanScores !== false && a.kind === 'scores';
  const header = ['gen', 'n', ...a.classes.map((c) => `${c}%${c === a.topClass ? '*' : ''}`)];
  if (withScores) for (const c of a.classes) header.push(`mean ${c} [${level}% CI]`);
  const rows = a.generations.map((g) => {
    const r = [generationLabel(a, g), String(g.n), ...a.classes.map((c) => pct(g.shares?.[c]?.share))];
    if (withScores) {
      for (const c of a.classes) {
        const m = g.meanScores?.[c];
        r.push(`${num(m?.mean, 3)} [${num(m?.ciLow, 3)}, ${num(m?.ciHigh, 3)}]`);
      }
    }
    return r;
  });
  lines.push(table(header, rows));
  lines.push(
    `  * top class (largest share over all rows): ${a.topClass ?? 'n/a'}; shares by argmax of the scores`,
  );
  const shareTrends = a.trends.filter((t) => t.quantity === 'share');
  const ordered = [...shareTrends].sort((x, y) =>
    x.class === a.topClass ? -1 : y.class === a.topClass ? 1 : 0,
  );
  for (const t of ordered) lines.push(`  ${t.class} share: ${formatTrend(t, true)}`);
  if (a.generations.some((g) => g.groups !== undefined)) {
    lines.push(`  by ${a.columns.group}:`);
    const groupRows: string[][] = [];
    for (const g of a.generations) {
      for (const [name, v] of Object.entries(g.groups ?? {})) {
        groupRows.push([generationLabel(a, g), name, String(v.n), ...a.classes.map((c) => pct(v.shares[c]))]);
      }
    }
    lines.push(
      table(['gen', a.columns.group ?? 'group', 'n', ...a.classes.map((c) => `${c}%`)], groupRows, [1])
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  return lines.join('\n');
}

/**
 * Side-by-side view of several setups: per generation, each setup's share of its top class (or of
 * `focusClass`), then one trend line per setup.
 */
export function formatComparison(
  analyses: readonly SetupAnalysis[],
  opts: { focusClass?: string } = {},
): string {
  const withClasses = analyses.filter((a) => a.kind !== 'values');
  const values = analyses.filter((a) => a.kind === 'values');
  const out: string[] = [];
  if (withClasses.length > 0) {
    const focus = (a: SetupAnalysis) =>
      opts.focusClass !== undefined && a.classes.includes(opts.focusClass) ? opts.focusClass : a.topClass;
    const gens = [...new Set(withClasses.flatMap((a) => a.generations.map((g) => g.generation)))].sort(
      (x, y) => x - y,
    );
    const header = ['setup', 'class', ...gens.map(String)];
    const rows = withClasses.map((a) => {
      const c = focus(a);
      return [
        a.setup,
        c ?? 'n/a',
        ...gens.map((gen) => {
          const g = a.generations.find((x) => x.generation === gen);
          return g === undefined || c === undefined ? '' : pct(g.shares?.[c]?.share);
        }),
      ];
    });
    out.push("Share (%) of each setup's focus class per generation:");
    out.push(table(header, rows, [0, 1]));
    out.push('');
    const trendRows = withClasses.map((a) => {
      const t = a.trends.find((x) => x.quantity === 'share' && x.class === focus(a));
      return [
        a.setup,
        focus(a) ?? 'n/a',
        t === undefined ? 'n/a' : signed(t.ols.slope * 100, 2),
        t === undefined ? 'n/a' : num(t.ols.se * 100, 2),
        t === undefined ? 'n/a' : pValue(t.ols.p),
        t === undefined ? 'n/a' : num(t.mannKendall.tau, 2),
        t === undefined ? 'n/a' : pValue(t.mannKendall.p),
        t === undefined ? 'n/a' : signed(t.mannKendall.senSlope * 100, 2),
      ];
    });
    out.push('Trend of that share across generations (pp per generation):');
    out.push(table(['setup', 'class', 'slope', 'NW SE', 'p', 'MK τ', 'MK p', 'Sen'], trendRows, [0, 1]));
  }
  if (values.length > 0) {
    if (out.length > 0) out.push('');
    const gens = [...new Set(values.flatMap((a) => a.generations.map((g) => g.generation)))].sort(
      (x, y) => x - y,
    );
    out.push('Mean value per generation:');
    out.push(
      table(
        ['setup', 'value', ...gens.map(String)],
        values.map((a) => [
          a.setup,
          a.columns.value ?? '',
          ...gens.map((gen) => {
            const g = a.generations.find((x) => x.generation === gen);
            return g === undefined ? '' : num(g.value?.mean, 3);
          }),
        ]),
        [0, 1],
      ),
    );
    out.push('');
    out.push(
      table(
        ['setup', 'slope', 'NW SE', 'p', 'MK τ', 'MK p'],
        values.map((a) => {
          const t = a.trends[0];
          return [
            a.setup,
            signed(t?.ols.slope ?? NaN, 4),
            num(t?.ols.se, 4),
            pValue(t?.ols.p ?? NaN),
            num(t?.mannKendall.tau, 2),
            pValue(t?.mannKendall.p ?? NaN),
          ];
        }),
        [0],
      ),
    );
  }
  return out.join('\n');
}

function jsonSafe(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = jsonSafe(v);
    return out;
  }
  return value;
}

/** The analyses as one JSON document; non-finite numbers become null. */
export function analysesToJson(analyses: readonly SetupAnalysis[]): string {
  return JSON.stringify(jsonSafe({ setups: analyses }), null, 2) + '\n';
}

export const ANALYSIS_CSV_HEADER = 'setup,generation,statistic,class,group,n,value,ci_low,ci_high,p_value';

/**
 * Long-format CSV: per generation `share`, `mean_score`, `mean` (and `group_share` per group) rows;
 * per trend `ols_slope:<quantity>` (interval slope ± q·Newey–West SE, p-value) and
 * `sen_slope:<quantity>` (Sen's interval, Mann–Kendall p-value) rows with an empty generation.
 */
export function analysesToCsv(analyses: readonly SetupAnalysis[]): string {
  const lines = [ANALYSIS_CSV_HEADER];
  const row = (
    a: SetupAnalysis,
    generation: number | '',
    statistic: string,
    cls: string,
    group: string,
    n: number | '',
    value: number,
    lo?: number,
    hi?: number,
    p?: number,
  ) =>
    lines.push(
      [
        csvField(a.setup),
        String(generation),
        statistic,
        csvField(cls),
        csvField(group),
        String(n),
        formatNumber(value),
        formatNumber(lo),
        formatNumber(hi),
        formatNumber(p),
      ].join(','),
    );
  for (const a of analyses) {
    for (const g of a.generations) {
      if (g.value !== undefined)
        row(a, g.generation, 'mean', '', '', g.n, g.value.mean, g.value.ciLow, g.value.ciHigh);
      for (const c of a.classes) {
        const s = g.shares?.[c];
        if (s !== undefined) row(a, g.generation, 'share', c, '', g.n, s.share, s.ciLow, s.ciHigh);
        const m = g.meanScores?.[c];
        if (m !== undefined) row(a, g.generation, 'mean_score', c, '', g.n, m.mean, m.ciLow, m.ciHigh);
      }
      for (const [name, v] of Object.entries(g.groups ?? {})) {
        for (const c of a.classes) row(a, g.generation, 'group_share', c, name, v.n, v.shares[c]);
      }
    }
    for (const t of a.trends) {
      row(
        a,
        '',
        `ols_slope:${t.quantity}`,
        t.class ?? '',
        '',
        t.ols.n,
        t.ols.slope,
        t.ols.ciLow,
        t.ols.ciHigh,
        t.ols.p,
      );
      row(
        a,
        '',
        `sen_slope:${t.quantity}`,
        t.class ?? '',
        '',
        t.mannKendall.n,
        t.mannKendall.senSlope,
        t.mannKendall.senLow,
        t.mannKendall.senHigh,
        t.mannKendall.p,
      );
    }
  }
  return lines.join('\n') + '\n';
}
