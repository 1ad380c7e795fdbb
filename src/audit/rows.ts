/**
 * The row-level path, needed only by the score metrics (mean_score, brier_score, log_loss): their
 * per-group sums differ between rows of the same confusion cell, so their bootstrap must redraw rows.
 *
 * DuckDB maps each row to integers in SQL (combo code, label 0/1, prediction 0/1) by joining small
 * mapping tables built from the aggregate pass, and streams them chunk by chunk into typed arrays —
 * four numbers per row, never a string. Rows come sorted by (combo, label, prediction, score), a
 * canonical order, so the seeded row bootstrap does not depend on the order of rows in the file.
 */
import { BiasloopError } from '../core/errors.ts';
import type { BootstrapRows } from '../metrics/bootstrap.ts';
import { countConfusion, type GroupConfusion } from '../metrics/confusion.ts';
import { duckMessage, type DuckSession } from './duckdb.ts';
import { MISSING_GROUP, type GroupCoding } from './groups.ts';
import { VALUE_TRIM_CHARS, type PreparedCounts } from './prepare.ts';
import {
  scoreExpression,
  thresholdLiteral,
  typedSource,
  type FileSchema,
  type ColumnRoles,
} from './reader.ts';
import { sqlIdent, sqlString, type SourceFile } from './source.ts';
import type { BinaryMapping } from './values.ts';

export interface RowData {
  readonly confusion: GroupConfusion;
  readonly rows: BootstrapRows;
}

function valuesTable(
  rows: readonly (readonly (string | number | null)[])[],
  alias: string,
  names: readonly string[],
): string {
  const lit = (v: string | number | null): string =>
    v === null ? 'NULL::VARCHAR' : typeof v === 'number' ? String(v) : `${sqlString(v)}::VARCHAR`;
  return `(VALUES ${rows.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}) AS ${alias}(${names.join(', ')})`;
}

function mappingTable(values: readonly string[], mapping: BinaryMapping, alias: string): string {
  return valuesTable(
    values.map((v) => [v, mapping.isPositive(v) ? 1 : 0]),
    alias,
    ['v', 'c'],
  );
}

export async function readScoreRows(
  session: DuckSession,
  src: SourceFile,
  roles: ColumnRoles,
  schema: FileSchema,
  prepared: PreparedCounts,
  labelValues: readonly string[],
): Promise<RowData> {
  const score = roles.score as string;
  const from = typedSource(src, roles, schema);
  // Trimmed like the aggregate pass's values (prepare.ts cleanValue).
  const text = (c: string): string =>
    `NULLIF(trim(CAST(${sqlIdent(c)} AS VARCHAR), ${sqlString(VALUE_TRIM_CHARS)}), '')`;
  const s = scoreExpression(src, score, schema);
  const coding: GroupCoding = prepared.coding;
  const combos = comboRows(coding, roles.groups.length);
  const gCols = roles.groups.map((_, j) => `g${j}`);
  const inner =
    `SELECT ${roles.groups.map((g, j) => `coalesce(${text(g)}, ${sqlString(MISSING_GROUP)}) AS g${j}`).join(', ')}, ` +
    `${text(roles.label)} AS y, ${s} AS s FROM ${from}` +
    (roles.where !== undefined ? ` WHERE coalesce((${roles.where}), false)` : '');
  const sql =
    `SELECT k.code::INTEGER, ym.c::INTEGER, (r.s >= ${thresholdLiteral(roles.threshold ?? NaN)})::INTEGER, r.s::DOUBLE FROM (${inner}) r ` +
    `JOIN ${valuesTable(combos, 'k', [...gCols, 'code'])} ON ${gCols.map((g) => `r.${g} = k.${g}`).join(' AND ')} ` +
    `JOIN ${mappingTable(labelValues, prepared.label, 'ym')} ON r.y = ym.v ` +
    `WHERE r.s IS NOT NULL AND NOT isnan(r.s) ORDER BY 1, 2, 3, 4`;
  const n = prepared.confusion.rows.reduce((a, b) => a + b, 0);
  const group = new Int32Array(n);
  const yTrue = new Uint8Array(n);
  const yPred = new Uint8Array(n);
  const proba = new Float64Array(2 * n);
  let i = 0;
  try {
    const result = await session.connection.stream(sql);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const [gv, yv, pv, sv] = [0, 1, 2, 3].map((c) => chunk.getColumnVector(c));
      for (let r = 0; r < chunk.rowCount; r++, i++) {
        group[i] = gv.getItem(r) as number;
        yTrue[i] = yv.getItem(r) as number;
        yPred[i] = pv.getItem(r) as number;
        const p = sv.getItem(r) as number;
        if (!(p >= 0 && p <= 1)) {
          throw new BiasloopError(
            'data',
            `score metrics need scores in [0, 1]; column '${score}' holds ${p}`,
            {
              file: src.path,
              field: '--metrics',
              hint: 'drop mean_score, brier_score and log_loss from --metrics for scores that are not probabilities',
            },
          );
        }
        proba[2 * i] = 1 - p;
        proba[2 * i + 1] = p;
      }
    }
  } catch (e) {
    if (e instanceof BiasloopError) throw e;
    throw new BiasloopError('data', `cannot read the rows for the score metrics: ${duckMessage(e)}`, {
      file: src.path,
    });
  }
  if (i !== n) throw new Error(`score rows: expected ${n} rows, read ${i}`);
  const confusion = countConfusion({
    yTrue,
    yPred,
    groupCodes: group,
    groupCount: coding.comboCount,
    classCount: 2,
    proba,
  });
  return { confusion, rows: { groupCodes: group, yTrue, yPred, proba } };
}

/** Every combo as its group values plus its code. */
function comboRows(coding: GroupCoding, attributes: number): (string | number)[][] {
  const out: (string | number)[][] = [];
  for (let c = 0; c < coding.comboCount; c++) {
    const vals: string[] = [];
    for (let j = 0; j < attributes; j++) {
      const gr = coding.groupings[j];
      vals.push(gr.groupNames[gr.mapping[c]]);
    }
    out.push([...vals, c]);
  }
  return out;
}
