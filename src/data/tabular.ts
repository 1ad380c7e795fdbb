/**
 * Turn a CSV table into a Dataset through a column-role mapping: the label (and which values are
 * positive), the protected attribute(s), numeric and categorical features (one-hot encoded), row
 * filters, and a missing-value policy.
 *
 * Encoding decisions (documented in docs/data.md):
 * - Categorical levels, protected levels and imputation values are computed over all rows that survive
 *   the filters (train and test files together), before any split: they carry no label information.
 * - One-hot columns are named `<column>=<level>`, levels sorted; protected-attribute levels sorted too.
 * - Rows whose label or protected value is missing are dropped under every policy except `error`.
 */
import {
  createDataset,
  realProvenance,
  type Dataset,
  type DatasetSchema,
  type FeatureBlock,
  type ProtectedAttributeSchema,
} from '../core/dataset.ts';
import { BiasloopError } from '../core/errors.ts';
import { columnIndex, type CsvTable } from './csv.ts';

export type FilterOp = 'eq' | 'ne' | 'in' | 'notIn' | 'between' | 'lt' | 'le' | 'gt' | 'ge';

export interface RowFilter {
  readonly column: string;
  readonly op: FilterOp;
  readonly value: string | number | readonly (string | number)[];
}

export interface ProtectedColumn {
  readonly column: string;
  /**
   * Optional mapping from raw values to group names (values not listed are grouped as `other`), e.g.
   * `{ 'African-American': 'Black', Caucasian: 'White' }`.
   */
  readonly groups?: Readonly<Record<string, string>>;
  /** Numeric cut points for a numeric attribute such as age: `[25, 45]` → `<25`, `25-45`, `>=45`. */
  readonly bins?: readonly number[];
  /** Keep only rows whose group is one of these (after mapping/binning). */
  readonly keep?: readonly string[];
}

export interface ColumnRoles {
  readonly label: {
    readonly column: string;
    readonly positive?: readonly string[];
    /** Removed from the end of every label value first (UCI Adult's test file writes `>50K.`). */
    readonly stripSuffix?: string;
  };
  readonly protected: readonly ProtectedColumn[];
  readonly numeric: readonly string[];
  readonly categorical: readonly string[];
  readonly filters?: readonly RowFilter[];
  readonly missing?: {
    readonly values?: readonly string[];
    readonly policy?: 'drop-row' | 'impute' | 'error';
  };
  /** Also use the protected attribute(s) as one-hot features (off by default: "unawareness"). */
  readonly includeProtected?: boolean;
}

export const DEFAULT_MISSING_VALUES: readonly string[] = ['', '?', 'NA', 'N/A', 'NaN', 'null', 'NULL'];

export interface TabularLoadReport {
  readonly rowsRead: number;
  readonly rowsFiltered: number;
  readonly rowsDroppedMissing: number;
  readonly rowsImputed: number;
}

export interface EncodedTables {
  readonly schema: DatasetSchema;
  /** One dataset per input table, in order (e.g. the train file and the test file). */
  readonly datasets: Dataset[];
  readonly report: TabularLoadReport;
}

function parseNumber(s: string): number {
  if (s === '') return NaN;
  const v = Number(s);
  return v;
}

function passesFilter(raw: string, f: RowFilter): boolean {
  const values = Array.isArray(f.value)
    ? (f.value as readonly (string | number)[])
    : [f.value as string | number];
  const numericCompare = typeof values[0] === 'number';
  const num = parseNumber(raw);
  const eq = (v: string | number): boolean => (typeof v === 'number' ? num === v : raw === v);
  switch (f.op) {
    case 'eq':
      return eq(values[0]);
    case 'ne':
      return !eq(values[0]);
    case 'in':
      return values.some(eq);
    case 'notIn':
      return !values.some(eq);
    case 'between':
      return Number.isFinite(num) && num >= Number(values[0]) && num <= Number(values[1]);
    case 'lt':
      return numericCompare ? num < Number(values[0]) : raw < String(values[0]);
    case 'le':
      return numericCompare ? num <= Number(values[0]) : raw <= String(values[0]);
    case 'gt':
      return numericCompare ? num > Number(values[0]) : raw > String(values[0]);
    case 'ge':
      return numericCompare ? num >= Number(values[0]) : raw >= String(values[0]);
  }
}

function binName(v: number, bins: readonly number[]): string {
  if (v < bins[0]) return `<${bins[0]}`;
  for (let i = 1; i < bins.length; i++) if (v < bins[i]) return `${bins[i - 1]}-${bins[i]}`;
  return `>=${bins[bins.length - 1]}`;
}

/**
 * Encode one or more tables (same columns) with one shared schema. The label's negative class is
 * every value not in `label.positive`; without `positive`, the label must have exactly two values
 * and the second in sorted order (e.g. `1`, `>50K`, `yes`) is taken as positive.
 */
export function encodeTables(tables: readonly CsvTable[], roles: ColumnRoles): EncodedTables {
  if (tables.length === 0) throw new RangeError('encodeTables needs at least one table');
  const missingValues = new Set(roles.missing?.values ?? DEFAULT_MISSING_VALUES);
  const policy = roles.missing?.policy ?? 'drop-row';
  const isMissing = (s: string): boolean => missingValues.has(s);
  const suffix = roles.label.stripSuffix;
  const labelOf = (raw: string): string =>
    suffix !== undefined && suffix !== '' && raw.endsWith(suffix) ? raw.slice(0, -suffix.length) : raw;
  if (roles.protected.length === 0) {
    throw new BiasloopError('spec', 'data.protected must name at least one protected attribute column', {
      field: 'data.protected',
    });
  }
  const overlap = [...roles.numeric, ...roles.categorical].filter(
    (c) => c === roles.label.column || roles.protected.some((p) => p.column === c),
  );
  if (overlap.length > 0) {
    throw new BiasloopError(
      'spec',
      `column '${overlap[0]}' is the label or a protected attribute and also a feature`,
      {
        hint: 'use data.includeProtected to add protected attributes as features',
      },
    );
  }

  // Resolve column indices in every table (the error names the file).
  const idx = (t: CsvTable, c: string, role: string): number => columnIndex(t, c, role);
  for (const t of tables) {
    idx(t, roles.label.column, 'label column');
    for (const p of roles.protected) idx(t, p.column, 'protected column');
    for (const c of roles.numeric) idx(t, c, 'numeric column');
    for (const c of roles.categorical) idx(t, c, 'categorical column');
    for (const f of roles.filters ?? []) idx(t, f.column, 'filter column');
  }

  // Pass 1: filters, missing label/protected, label values, protected groups, categorical levels.
  let rowsRead = 0;
  let rowsFiltered = 0;
  let rowsDroppedMissing = 0;
  const kept: number[][] = tables.map(() => []);
  const labelValues = new Set<string>();
  const protectedValues = roles.protected.map(() => new Set<string>());
  const catLevels = roles.categorical.map(() => new Set<string>());
  const numericSums = roles.numeric.map(() => ({ sum: 0, count: 0 }));
  const protectedGroupOf = (p: ProtectedColumn, raw: string, t: CsvTable, row: number): string => {
    if (p.bins) {
      const v = parseNumber(raw);
      if (!Number.isFinite(v)) {
        throw new BiasloopError(
          'data',
          `protected column '${p.column}' has bins but value '${raw}' is not a number`,
          {
            file: t.name,
            line: t.lines[row],
          },
        );
      }
      return binName(v, p.bins);
    }
    if (p.groups) return p.groups[raw] ?? 'other';
    return raw;
  };

  tables.forEach((t, ti) => {
    const labelCol = t.columns[idx(t, roles.label.column, 'label column')];
    const protCols = roles.protected.map((p) => t.columns[idx(t, p.column, 'protected column')]);
    const numCols = roles.numeric.map((c) => t.columns[idx(t, c, 'numeric column')]);
    const catCols = roles.categorical.map((c) => t.columns[idx(t, c, 'categorical column')]);
    const filterCols = (roles.filters ?? []).map((f) => t.columns[idx(t, f.column, 'filter column')]);
    rowLoop: for (let r = 0; r < t.rowCount; r++) {
      rowsRead++;
      for (let k = 0; k < filterCols.length; k++) {
        if (!passesFilter(filterCols[k][r], roles.filters![k])) {
          rowsFiltered++;
          continue rowLoop;
        }
      }
      const rawLabel = labelOf(labelCol[r]);
      const protRaw = protCols.map((c) => c[r]);
      const anyFeatureMissing = numCols.some((c) => isMissing(c[r])) || catCols.some((c) => isMissing(c[r]));
      if (isMissing(rawLabel) || protRaw.some(isMissing) || (policy === 'drop-row' && anyFeatureMissing)) {
        if (policy === 'error') {
          const col = isMissing(rawLabel)
            ? roles.label.column
            : (roles.protected.find((_, k) => isMissing(protRaw[k]))?.column ??
              [...roles.numeric, ...roles.categorical].find((_, k) =>
                isMissing(k < numCols.length ? numCols[k][r] : catCols[k - numCols.length][r]),
              ));
          throw new BiasloopError('data', `missing value in column '${col}'`, {
            file: t.name,
            line: t.lines[r],
            hint: "set data.missing.policy to 'drop-row' or 'impute'",
          });
        }
        rowsDroppedMissing++;
        continue;
      }
      if (policy === 'error' && anyFeatureMissing) {
        const k = [...numCols, ...catCols].findIndex((c) => isMissing(c[r]));
        const col = [...roles.numeric, ...roles.categorical][k];
        throw new BiasloopError('data', `missing value in column '${col}'`, {
          file: t.name,
          line: t.lines[r],
          hint: "set data.missing.policy to 'drop-row' or 'impute'",
        });
      }
      const groups = roles.protected.map((p, k) => protectedGroupOf(p, protRaw[k], t, r));
      if (roles.protected.some((p, k) => p.keep !== undefined && !p.keep.includes(groups[k]))) {
        rowsFiltered++;
        continue;
      }
      for (let k = 0; k < numCols.length; k++) {
        const raw = numCols[k][r];
        if (isMissing(raw)) continue;
        const v = parseNumber(raw);
        if (!Number.isFinite(v)) {
          throw new BiasloopError('data', `column '${roles.numeric[k]}' is numeric but has value '${raw}'`, {
            file: t.name,
            line: t.lines[r],
            hint: 'list it under data.categorical, or add the token to data.missing.values',
          });
        }
        numericSums[k].sum += v;
        numericSums[k].count++;
      }
      for (let k = 0; k < catCols.length; k++) if (!isMissing(catCols[k][r])) catLevels[k].add(catCols[k][r]);
      labelValues.add(rawLabel);
      groups.forEach((g, k) => protectedValues[k].add(g));
      kept[ti].push(r);
    }
  });

  const totalKept = kept.reduce((s, k) => s + k.length, 0);
  if (totalKept === 0) {
    throw new BiasloopError('data', 'no rows left after filters and missing-value handling', {
      file: tables[0].name,
      hint: 'check data.filters and data.missing',
    });
  }

  // Label classes.
  const sortedLabels = [...labelValues].sort();
  let positive: Set<string>;
  let classNames: [string, string];
  if (roles.label.positive && roles.label.positive.length > 0) {
    positive = new Set(roles.label.positive);
    const present = sortedLabels.filter((v) => positive.has(v));
    if (present.length === 0) {
      throw new BiasloopError(
        'data',
        `none of the positive label values [${roles.label.positive.join(', ')}] occur in column '${roles.label.column}' (values: ${sortedLabels.slice(0, 10).join(', ')})`,
        { field: 'data.label.positive' },
      );
    }
    const negatives = sortedLabels.filter((v) => !positive.has(v));
    classNames = [negatives.length === 1 ? negatives[0] : `not ${present.join('|')}`, present.join('|')];
  } else {
    if (sortedLabels.length !== 2) {
      throw new BiasloopError(
        'data',
        `label column '${roles.label.column}' has ${sortedLabels.length} distinct values (${sortedLabels.slice(0, 8).join(', ')}${sortedLabels.length > 8 ? ', …' : ''}), not 2`,
        { field: 'data.label.positive', hint: 'list the positive values in data.label.positive' },
      );
    }
    positive = new Set([sortedLabels[1]]);
    classNames = [sortedLabels[0], sortedLabels[1]];
  }

  // Protected attributes and combined groups (observed combinations, sorted).
  const attributes: ProtectedAttributeSchema[] = roles.protected.map((p, k) => ({
    name: p.column,
    levels: [...protectedValues[k]].sort(),
  }));
  const comboKey = (codes: number[]): string => codes.join(',');
  const combos = new Map<string, number[]>();
  // Collected in pass 2 for exact observed combinations; pre-compute here.
  tables.forEach((t, ti) => {
    const protCols = roles.protected.map((p) => t.columns[idx(t, p.column, 'protected column')]);
    for (const r of kept[ti]) {
      const codes = roles.protected.map((p, k) =>
        attributes[k].levels.indexOf(protectedGroupOf(p, protCols[k][r], t, r)),
      );
      combos.set(comboKey(codes), codes);
    }
  });
  const groupLevels = [...combos.values()].sort((a, b) => {
    for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k] - b[k];
    return 0;
  });
  const groupNames = groupLevels.map((codes) =>
    codes.length === 1
      ? attributes[0].levels[codes[0]]
      : codes.map((c, k) => `${attributes[k].name}=${attributes[k].levels[c]}`).join(' & '),
  );
  const groupIndex = new Map(groupLevels.map((codes, g) => [comboKey(codes), g]));

  // Features.
  const featureNames: string[] = [];
  const featureBlocks: FeatureBlock[] = [];
  roles.numeric.forEach((c) => {
    featureBlocks.push({ name: c, kind: 'numeric', start: featureNames.length, width: 1 });
    featureNames.push(c);
  });
  const catSorted = catLevels.map((s) => [...s].sort());
  roles.categorical.forEach((c, k) => {
    featureBlocks.push({
      name: c,
      kind: 'onehot',
      start: featureNames.length,
      width: catSorted[k].length,
      levels: catSorted[k],
    });
    for (const lv of catSorted[k]) featureNames.push(`${c}=${lv}`);
  });
  if (roles.includeProtected) {
    attributes.forEach((a) => {
      featureBlocks.push({
        name: a.name,
        kind: 'onehot',
        start: featureNames.length,
        width: a.levels.length,
        levels: a.levels,
      });
      for (const lv of a.levels) featureNames.push(`${a.name}=${lv}`);
    });
  }
  if (featureNames.length === 0) {
    throw new BiasloopError('spec', 'no features: list columns under data.numeric or data.categorical', {
      field: 'data.numeric',
    });
  }
  const schema: DatasetSchema = {
    featureNames,
    featureBlocks,
    classNames,
    attributes,
    groupNames,
    groupLevels,
  };
  const numericMeans = numericSums.map((s) => (s.count > 0 ? s.sum / s.count : 0));
  const catMode = roles.categorical.map((_, k) => catSorted[k][0]);

  // Pass 2: encode.
  let rowsImputed = 0;
  const d = featureNames.length;
  const datasets = tables.map((t, ti) => {
    const rows = kept[ti];
    const m = rows.length;
    const x = new Float64Array(m * d);
    const y = new Int32Array(m);
    const group = new Int32Array(m);
    const labelCol = t.columns[idx(t, roles.label.column, 'label column')];
    const protCols = roles.protected.map((p) => t.columns[idx(t, p.column, 'protected column')]);
    const numCols = roles.numeric.map((c) => t.columns[idx(t, c, 'numeric column')]);
    const catCols = roles.categorical.map((c) => t.columns[idx(t, c, 'categorical column')]);
    const catIndex = catSorted.map((levels) => new Map(levels.map((l, i) => [l, i])));
    rows.forEach((r, i) => {
      const off = i * d;
      let imputed = false;
      for (let k = 0; k < numCols.length; k++) {
        const raw = numCols[k][r];
        if (isMissing(raw)) {
          x[off + k] = numericMeans[k];
          imputed = true;
        } else {
          x[off + k] = parseNumber(raw);
        }
      }
      for (let k = 0; k < catCols.length; k++) {
        let raw = catCols[k][r];
        if (isMissing(raw)) {
          raw = catMode[k];
          imputed = true;
        }
        const block = featureBlocks[roles.numeric.length + k];
        x[off + block.start + catIndex[k].get(raw)!] = 1;
      }
      const codes = roles.protected.map((p, k) =>
        attributes[k].levels.indexOf(protectedGroupOf(p, protCols[k][r], t, r)),
      );
      if (roles.includeProtected) {
        let b = roles.numeric.length + roles.categorical.length;
        codes.forEach((c) => {
          x[off + featureBlocks[b].start + c] = 1;
          b++;
        });
      }
      group[i] = groupIndex.get(comboKey(codes))!;
      y[i] = positive.has(labelOf(labelCol[r])) ? 1 : 0;
      if (imputed) rowsImputed++;
    });
    return createDataset({ schema, x, y, group, provenance: realProvenance(m) });
  });
  return { schema, datasets, report: { rowsRead, rowsFiltered, rowsDroppedMissing, rowsImputed } };
}
