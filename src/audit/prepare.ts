/**
 * From the aggregate pass's distinct tuples to what the metrics read: row accounting (filtered,
 * missing), the label and prediction mappings, the group coding, and the per-combo confusion counts.
 * Every check on the data that needs the whole file (an empty column, missing values, too many
 * groups, a non-binary label) is made here, on the tuples, with one-line errors.
 */
import { BiasloopError } from '../core/errors.ts';
import type { GroupConfusion } from '../metrics/confusion.ts';
import { buildGroupCoding, MISSING_GROUP, type GroupCoding } from './groups.ts';
import type { ColumnRoles, TupleCount } from './reader.ts';
import type { SourceFile } from './source.ts';
import { binaryMapping, type BinaryMapping } from './values.ts';

export interface PreparedCounts {
  readonly rowsRead: number;
  readonly rowsFiltered: number;
  readonly rowsDropped: number;
  readonly label: BinaryMapping;
  /** Distinct label values among the audited rows. */
  readonly labelValues: readonly string[];
  readonly prediction: BinaryMapping;
  readonly coding: GroupCoding;
  readonly confusion: GroupConfusion;
}

export interface PrepareOptions {
  readonly predictionPositive?: readonly string[];
  readonly labelPositive?: readonly string[];
  readonly dropMissing: boolean;
  readonly intersect: boolean;
  readonly maxGroups: number;
}

export const VALUE_TRIM_CHARS = ' \t\r\n';

const SCORE_MAPPING: BinaryMapping = { positive: ['1'], isPositive: (v) => v === '1' };

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Spaces, tabs and line breaks around a value are not part of it (UCI Adult writes `, Male`); a blank
 * value is missing. The rows path trims the same characters in SQL (`VALUE_TRIM_CHARS`).
 */
export function cleanValue(v: string | null): string | null {
  if (v === null) return null;
  const t = v.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  return t === '' ? null : t;
}

export function prepareCounts(
  rawTuples: readonly TupleCount[],
  roles: ColumnRoles,
  src: SourceFile,
  opts: PrepareOptions,
): PreparedCounts {
  const tuples: TupleCount[] = rawTuples.map((t) => ({
    ...t,
    groups: t.groups.map(cleanValue),
    label: cleanValue(t.label),
    prediction: cleanValue(t.prediction),
  }));
  const sum = (ts: readonly TupleCount[]): number => ts.reduce((s, t) => s + t.count, 0);
  const rowsRead = sum(tuples);
  if (rowsRead === 0) {
    throw new BiasloopError(
      'data',
      src.format === 'csv' || src.format === 'tsv'
        ? 'the file has a header but no data rows'
        : 'the file has no records',
      { file: src.path },
    );
  }
  // An entirely empty column is a file property: check it over every row, before `where`.
  const emptyColumn = (column: string, get: (t: TupleCount) => string | null, flag: string): void => {
    if (tuples.every((t) => get(t) === null)) {
      throw new BiasloopError(
        'data',
        `${flag} column '${column}' is empty: none of its ${plural(rowsRead, 'row')} has a value`,
        {
          file: src.path,
          field: flag,
        },
      );
    }
  };
  roles.groups.forEach((g, j) => emptyColumn(g, (t) => t.groups[j], '--group'));
  emptyColumn(roles.label, (t) => t.label, '--label');
  const predFlag = roles.score !== undefined ? '--score' : '--pred';
  emptyColumn((roles.score ?? roles.prediction) as string, (t) => t.prediction, predFlag);

  const kept = tuples.filter((t) => t.kept);
  const rowsFiltered = rowsRead - sum(kept);
  if (kept.length === 0) {
    throw new BiasloopError('data', `no row satisfies --where (${plural(rowsRead, 'row')} read)`, {
      file: src.path,
      field: '--where',
    });
  }
  const missingLabel = sum(kept.filter((t) => t.label === null));
  const missingPred = sum(kept.filter((t) => t.label !== null && t.prediction === null));
  if ((missingLabel > 0 || missingPred > 0) && !opts.dropMissing) {
    const what =
      missingLabel > 0
        ? `${plural(missingLabel, 'row')} have no label (column '${roles.label}')`
        : `${plural(missingPred, 'row')} have no ${roles.score !== undefined ? 'score' : 'prediction'} (column '${roles.score ?? roles.prediction}')`;
    throw new BiasloopError('data', what.replace(/^1 row have/, '1 row has'), {
      file: src.path,
      hint: 'fill them in, filter them with --where, or leave them out with --drop-missing',
    });
  }
  const complete = kept.filter((t) => t.label !== null && t.prediction !== null);
  const rowsDropped = missingLabel + missingPred;
  if (complete.length === 0) {
    throw new BiasloopError('data', 'no row has both a label and a prediction', { file: src.path });
  }

  const valueCounts = (get: (t: TupleCount) => string): Map<string, number> => {
    const m = new Map<string, number>();
    for (const t of complete) m.set(get(t), (m.get(get(t)) ?? 0) + t.count);
    return m;
  };
  const labelCounts = valueCounts((t) => t.label as string);
  const label = binaryMapping(labelCounts, opts.labelPositive, {
    role: 'label',
    column: roles.label,
    flag: '--label-positive',
  });
  const prediction =
    roles.score !== undefined
      ? SCORE_MAPPING
      : binaryMapping(
          valueCounts((t) => t.prediction as string),
          opts.predictionPositive,
          {
            role: 'prediction',
            column: roles.prediction as string,
            flag: '--pred-positive',
          },
        );

  const groupValues = complete.map((t) => t.groups.map((v) => v ?? MISSING_GROUP));
  roles.groups.forEach((g, j) => {
    const distinct = new Set(groupValues.map((v) => v[j])).size;
    if (distinct > opts.maxGroups) {
      throw new BiasloopError(
        'data',
        `group column '${g}' has ${distinct.toLocaleString('en-US')} distinct values, more than ${opts.maxGroups}: is it really a protected attribute?`,
        { file: src.path, field: '--group', hint: 'bin it into a few groups first, or raise --max-groups' },
      );
    }
  });
  const coding = buildGroupCoding(roles.groups, groupValues, opts.intersect);
  const C = coding.comboCount;
  const cells = new Float64Array(C * 4);
  const rows = new Float64Array(C);
  complete.forEach((t, i) => {
    const c = coding.comboOf(groupValues[i]);
    const y = label.isPositive(t.label as string) ? 1 : 0;
    const p = prediction.isPositive(t.prediction as string) ? 1 : 0;
    cells[c * 4 + y * 2 + p] += t.count;
    rows[c] += t.count;
  });
  return {
    rowsRead,
    rowsFiltered,
    rowsDropped,
    label,
    labelValues: [...labelCounts.keys()],
    prediction,
    coding,
    confusion: { groupCount: C, classCount: 2, cells, rows, weighted: false },
  };
}
