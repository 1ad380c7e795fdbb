/**
 * Analysis of external per-sample result files: one row per generated sample with a generation
 * column, an id, and either per-class scores (`Left_Score,Center_Score,Right_Score`), a label column,
 * or a single numeric value (a quality index, a perplexity). Per generation it reports class shares
 * (argmax of the scores, ties to the first column; or label shares) with Wilson intervals, mean scores
 * with Student-t intervals, or the value's mean with its interval; across generations, the OLS slope
 * with its Newey–West standard error and p-value and the Mann–Kendall test with Sen's slope.
 *
 * Reads the published files of "Bias Amplification: Language Models as Increasingly Biased Media"
 * as they are (`../shared/reference/bias-amplification/`): there, CSV generation g is the paper's
 * generation g − 1, so pass `generationOffset: -1` to report paper generations. A file without a
 * generation column but with a `Model` column (GPT2_Bias_Performance.csv) is one generation per model.
 */
import { BiasloopError } from '../core/errors.ts';
import { detectColumns, setupNames, type ColumnFlags, type ColumnMap } from './columns.ts';
import { meanSummaryFromMoments, type MeanSummary } from '../metrics/stats/descriptive.ts';
import { normalQuantile } from '../metrics/stats/special.ts';
import {
  mannKendall,
  olsTrend,
  type MannKendallResult,
  type OlsTrend,
  type OlsTrendOptions,
} from '../metrics/trend.ts';
import { readRecords, type TextRecord } from './csv-reader.ts';

export type ScoreFileKind = 'scores' | 'labels' | 'values';

/** Column flags (score columns: one per class, named `<Class>_Score`), plus: */
export interface ScoreFileOptions extends ColumnFlags {
  /** Added to every generation number (−1 for the reference files: CSV g = paper g − 1). */
  readonly generationOffset?: number;
  /** Confidence level of the intervals (default 0.95). */
  readonly level?: number;
  readonly trend?: OlsTrendOptions;
  /** Setup name (default: from the file name). */
  readonly setup?: string;
}

export interface ShareSummary {
  readonly count: number;
  readonly share: number;
  /** Wilson score interval at the analysis level. */
  readonly ciLow: number;
  readonly ciHigh: number;
}

export interface GenerationSummary {
  /** Generation number after the offset. */
  readonly generation: number;
  /** For files without a generation column: the model name. */
  readonly label?: string;
  readonly n: number;
  readonly shares?: Readonly<Record<string, ShareSummary>>;
  readonly meanScores?: Readonly<Record<string, MeanSummary>>;
  readonly value?: MeanSummary;
  /** Per group (with a group column): row count and class shares. */
  readonly groups?: Readonly<
    Record<string, { readonly n: number; readonly shares: Readonly<Record<string, number>> }>
  >;
}

export interface TrendSummary {
  /** `share` (of a class), `mean_score` (of a class) or `mean` (of a value). */
  readonly quantity: 'share' | 'mean_score' | 'mean';
  readonly class?: string;
  readonly ols: OlsTrend;
  readonly mannKendall: MannKendallResult;
}

export interface SetupAnalysis {
  readonly setup: string;
  readonly file: string;
  readonly kind: ScoreFileKind;
  readonly rows: number;
  readonly classes: readonly string[];
  readonly columns: ColumnMap;
  readonly generationOffset: number;
  readonly level: number;
  /** The class with the largest share over all rows (score and label files). */
  readonly topClass?: string;
  readonly generations: readonly GenerationSummary[];
  /** Empty when the file has no generation column (nothing to trend over). */
  readonly trends: readonly TrendSummary[];
}

interface Accumulator {
  n: number;
  label?: string;
  counts: Map<string, number>;
  /** Welford state (mean, sum of squared deviations) per score column, or of the value column at index 0. */
  mean: Float64Array;
  m2: Float64Array;
  groups: Map<string, { n: number; counts: Map<string, number> }>;
}

function parseNumber(text: string, file: string, line: number, column: string): number {
  const t = text.trim();
  const v = t === '' ? NaN : Number(t);
  if (!Number.isFinite(v)) {
    throw new BiasloopError('data', `column '${column}' is ${t === '' ? 'empty' : `'${t}'`}, not a number`, {
      file,
      line,
      hint: 'every score and generation must be a finite number',
    });
  }
  return v;
}

function wilson(count: number, n: number, level: number): ShareSummary {
  if (n === 0) return { count, share: NaN, ciLow: NaN, ciHigh: NaN };
  const p = count / n;
  const z = normalQuantile((1 + level) / 2);
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { count, share: p, ciLow: Math.max(0, center - half), ciHigh: Math.min(1, center + half) };
}

/** Analyse one result file. */
export function analyzeScoreFile(path: string, opts: ScoreFileOptions = {}): SetupAnalysis {
  const level = opts.level ?? 0.95;
  const offset = opts.generationOffset ?? 0;
  if (!Number.isInteger(offset)) {
    throw new BiasloopError('usage', `--generation-offset must be an integer, got ${offset}`);
  }
  const records = readRecords(path);
  const first = records.next();
  if (first.done === true) {
    throw new BiasloopError('data', 'the file is empty', {
      file: path,
      hint: 'expected a header line and one row per sample',
    });
  }
  const header = first.value.fields.map((h) => h.trim());
  const columns = detectColumns(header, opts, path);
  const index = (name: string | undefined) => (name === undefined ? -1 : header.indexOf(name));
  const genIdx = index(columns.generation);
  const modelIdx = index(columns.model);
  const groupIdx = index(columns.group);
  const labelIdx = index(columns.label);
  const valueIdx = index(columns.value);
  const scoreIdx = (columns.scores ?? []).map((c) => header.indexOf(c));
  const kind: ScoreFileKind = scoreIdx.length > 0 ? 'scores' : labelIdx >= 0 ? 'labels' : 'values';
  const scoreClasses = (columns.scores ?? []).map((c) => c.replace(/[_ ]score$/i, ''));
  const S = scoreIdx.length;

  const byGeneration = new Map<string, Accumulator>();
  const modelOrder: string[] = [];
  let rows = 0;
  const newAcc = (): Accumulator => ({
    n: 0,
    counts: new Map(),
    mean: new Float64Array(Math.max(S, 1)),
    m2: new Float64Array(Math.max(S, 1)),
    groups: new Map(),
  });
  const observe = (acc: Accumulator, k: number, v: number): void => {
    const d = v - acc.mean[k];
    acc.mean[k] += d / acc.n;
    acc.m2[k] += d * (v - acc.mean[k]);
  };
  const scoreRow = new Float64Array(S);
  const consume = (rec: TextRecord): void => {
    const f = rec.fields;
    if (f.length !== header.length) {
      throw new BiasloopError('data', `row has ${f.length} fields but the header has ${header.length}`, {
        file: path,
        line: rec.line,
        hint: 'every row needs one value per column (quote fields that contain commas)',
      });
    }
    rows++;
    let key: string;
    let label: string | undefined;
    if (genIdx >= 0) {
      const g = parseNumber(f[genIdx], path, rec.line, header[genIdx]);
      if (!Number.isInteger(g)) {
        throw new BiasloopError('data', `column '${header[genIdx]}' is ${g}, not a whole generation number`, {
          file: path,
          line: rec.line,
        });
      }
      key = String(g + offset);
    } else {
      label = modelIdx >= 0 ? f[modelIdx] : '';
      if (!modelOrder.includes(label)) modelOrder.push(label);
      key = `m:${label}`;
    }
    let acc = byGeneration.get(key);
    if (acc === undefined) {
      acc = newAcc();
      acc.label = label;
      byGeneration.set(key, acc);
    }
    acc.n++;
    let cls: string | undefined;
    if (kind === 'scores') {
      let best = 0;
      for (let k = 0; k < S; k++) {
        const v = parseNumber(f[scoreIdx[k]], path, rec.line, header[scoreIdx[k]]);
        scoreRow[k] = v;
        if (v > scoreRow[best]) best = k;
        observe(acc, k, v);
      }
      cls = scoreClasses[best];
    } else if (kind === 'labels') {
      cls = f[labelIdx].trim();
      if (cls === '') {
        throw new BiasloopError('data', `column '${header[labelIdx]}' is empty`, {
          file: path,
          line: rec.line,
        });
      }
    } else {
      observe(acc, 0, parseNumber(f[valueIdx], path, rec.line, header[valueIdx]));
    }
    if (cls !== undefined) {
      acc.counts.set(cls, (acc.counts.get(cls) ?? 0) + 1);
      if (groupIdx >= 0) {
        const gname = f[groupIdx];
        let gacc = acc.groups.get(gname);
        if (gacc === undefined) {
          gacc = { n: 0, counts: new Map() };
          acc.groups.set(gname, gacc);
        }
        gacc.n++;
        gacc.counts.set(cls, (gacc.counts.get(cls) ?? 0) + 1);
      }
    }
  };
  for (const rec of records) consume(rec);
  if (rows === 0) {
    throw new BiasloopError('data', 'the file has a header but no data rows', { file: path });
  }

  let classes: string[];
  if (kind === 'scores') classes = scoreClasses;
  else if (kind === 'labels') {
    const all = new Set<string>();
    for (const acc of byGeneration.values()) for (const c of acc.counts.keys()) all.add(c);
    classes = [...all].sort((a, b) =>
      isNumeric(a) && isNumeric(b) ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0,
    );
  } else classes = [];

  const keys = [...byGeneration.keys()].sort((a, b) =>
    genIdx >= 0 ? Number(a) - Number(b) : modelOrder.indexOf(a.slice(2)) - modelOrder.indexOf(b.slice(2)),
  );
  const generations: GenerationSummary[] = keys.map((key, pos) => {
    const acc = byGeneration.get(key) as Accumulator;
    const generation = genIdx >= 0 ? Number(key) : pos + offset;
    const base = { generation, n: acc.n, ...(acc.label !== undefined ? { label: acc.label } : {}) };
    if (kind === 'values')
      return { ...base, value: meanSummaryFromMoments(acc.n, acc.mean[0], acc.m2[0], level) };
    const shares: Record<string, ShareSummary> = {};
    for (const c of classes) shares[c] = wilson(acc.counts.get(c) ?? 0, acc.n, level);
    const out: GenerationSummary = { ...base, shares };
    const extras: { meanScores?: Record<string, MeanSummary>; groups?: GenerationSummary['groups'] } = {};
    if (kind === 'scores') {
      extras.meanScores = {};
      classes.forEach((c, k) => {
        (extras.meanScores as Record<string, MeanSummary>)[c] = meanSummaryFromMoments(
          acc.n,
          acc.mean[k],
          acc.m2[k],
          level,
        );
      });
    }
    if (groupIdx >= 0) {
      const groups: Record<string, { n: number; shares: Record<string, number> }> = {};
      for (const [g, gacc] of [...acc.groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        const s: Record<string, number> = {};
        for (const c of classes) s[c] = (gacc.counts.get(c) ?? 0) / gacc.n;
        groups[g] = { n: gacc.n, shares: s };
      }
      extras.groups = groups;
    }
    return { ...out, ...extras };
  });

  let topClass: string | undefined;
  if (classes.length > 0) {
    let best = -1;
    for (const c of classes) {
      let total = 0;
      for (const g of generations) total += g.shares?.[c]?.count ?? 0;
      if (total > best) {
        best = total;
        topClass = c;
      }
    }
  }

  const trends: TrendSummary[] = [];
  if (genIdx >= 0) {
    const x = generations.map((g) => g.generation);
    const add = (quantity: TrendSummary['quantity'], y: number[], cls?: string): void => {
      trends.push({
        quantity,
        ...(cls !== undefined ? { class: cls } : {}),
        ols: olsTrend(x, y, opts.trend),
        mannKendall: mannKendall(x, y, { level }),
      });
    };
    if (kind === 'values')
      add(
        'mean',
        generations.map((g) => g.value?.mean ?? NaN),
      );
    for (const c of classes)
      add(
        'share',
        generations.map((g) => g.shares?.[c]?.share ?? NaN),
        c,
      );
    if (kind === 'scores')
      for (const c of classes)
        add(
          'mean_score',
          generations.map((g) => g.meanScores?.[c]?.mean ?? NaN),
          c,
        );
  }

  return {
    setup: opts.setup ?? setupNames([path])[0],
    file: path,
    kind,
    rows,
    classes,
    columns,
    generationOffset: offset,
    level,
    topClass,
    generations,
    trends,
  };
}

function isNumeric(s: string): boolean {
  return s.trim() !== '' && Number.isFinite(Number(s));
}

/** Analyse several files (setup names from the file names unless given). */
export function analyzeScoreFiles(
  paths: readonly string[],
  opts: Omit<ScoreFileOptions, 'setup'> = {},
): SetupAnalysis[] {
  if (paths.length === 0)
    throw new BiasloopError('usage', 'no input files', { hint: 'pass one or more CSV/JSONL files' });
  const names = setupNames(paths);
  return paths.map((p, i) => analyzeScoreFile(p, { ...opts, setup: names[i] }));
}
