/**
 * Reading a predictions file with DuckDB: the file's columns, validation of the column roles, and
 * one aggregate pass that returns, per distinct (group values…, label, prediction) tuple, its row
 * count. Nothing per row ever reaches JavaScript: a 1 GB CSV is scanned (in parallel) by DuckDB and
 * only the few hundred distinct tuples come back. Values are mapped to positive/negative and groups
 * coded afterwards, on those tuples.
 */
import { BiasloopError, closestMatch } from '../core/errors.ts';
import { duckMessage, queryRows, type DuckSession } from './duckdb.ts';
import { lineAtByte, lineOfRecord } from './locate.ts';
import {
  detectDelimiter,
  readCsvHeader,
  sqlIdent,
  sqlString,
  tableFunction,
  type CsvDialect,
  type SourceFile,
} from './source.ts';

export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
}

export interface ColumnRoles {
  readonly label: string;
  readonly prediction?: string;
  readonly score?: string;
  readonly threshold?: number;
  readonly groups: readonly string[];
  readonly where?: string;
}

/** One distinct tuple of the aggregate pass. `null` = missing value. */
export interface TupleCount {
  readonly groups: readonly (string | null)[];
  readonly label: string | null;
  /** Prediction value as text; with a score column '1' (score ≥ threshold) or '0'. */
  readonly prediction: string | null;
  /** Whether the row satisfies `where`. */
  readonly kept: boolean;
  readonly count: number;
}

const FORMAT_NAME = {
  csv: 'CSV',
  tsv: 'TSV',
  jsonl: 'JSON Lines',
  json: 'JSON',
  parquet: 'Parquet',
} as const;

function readError(src: SourceFile, message: string): BiasloopError {
  return new BiasloopError('data', `cannot read it as ${FORMAT_NAME[src.format]}: ${message}`, {
    file: src.path,
    ...(src.format === 'csv' || src.format === 'tsv'
      ? { hint: 'is it a comma- or tab-separated file with a header row?' }
      : {}),
  });
}

/** The file's columns (and, for CSV, its dialect), from one sniff. */
export interface FileSchema {
  readonly columns: readonly ColumnInfo[];
  readonly dialect?: CsvDialect;
}

/**
 * Rows DuckDB's sniffer reads when a `where` condition needs the types of the columns it reads (its
 * default). Without `where` column types do not matter — the role columns are retyped and the others
 * are never parsed — so the header line alone gives the names and DuckDB does not sniff.
 */
const SNIFF_SAMPLE = 20480;

const orEmpty = (v: unknown): string => (v === null || v === undefined || v === '(empty)' ? '' : String(v));

export async function describeFile(
  session: DuckSession,
  src: SourceFile,
  needTypes: boolean,
): Promise<FileSchema> {
  if (isCsv(src) && !needTypes) {
    // Only names and a dialect are needed: the header line gives both, DuckDB need not sniff.
    const delimiter = detectDelimiter(src);
    return {
      columns: readCsvHeader(src, delimiter).map((name) => ({ name, type: 'VARCHAR' })),
      dialect: { delimiter, quote: '"', escape: '"', skip: 0 },
    };
  }
  if (isCsv(src)) {
    // Delimiter from the header line, no skipped lines, rows that do not fit ignored while sniffing
    // (they are reported, with their line, when the file is read).
    const rows = await queryRows(
      session,
      `SELECT Delimiter, Quote, Escape, NewLineDelimiter, Comment, SkipRows, Columns, DateFormat, TimestampFormat FROM sniff_csv(${sqlString(src.path)}, header = true, skip = 0, ignore_errors = true, delim = ${sqlString(detectDelimiter(src))}, sample_size = ${SNIFF_SAMPLE})`,
      (m) => readError(src, m),
    );
    const [delimiter, quote, escape, newLine, comment, skip, cols, dateFormat, timestampFormat] = rows[0] as [
      string,
      string,
      string,
      string,
      string,
      number,
      { name: string; type: string }[],
      string | null,
      string | null,
    ];
    // No quote seen in the sample does not mean none later: fall back to the RFC 4180 quote.
    const q = orEmpty(quote) || '"';
    return {
      columns: cols.map((c) => ({ name: c.name, type: c.type })),
      dialect: {
        delimiter: String(delimiter),
        quote: q,
        escape: orEmpty(escape) || (q === '"' ? '"' : ''),
        newLine: String(newLine), // as DuckDB spells it: `\n`, `\r\n`
        skip: Number(skip),
        comment: orEmpty(comment),
        ...(orEmpty(dateFormat) ? { dateFormat: String(dateFormat) } : {}),
        ...(orEmpty(timestampFormat) ? { timestampFormat: String(timestampFormat) } : {}),
      },
    };
  }
  const rows = await queryRows(session, `DESCRIBE SELECT * FROM ${tableFunction(src)}`, (m) =>
    readError(src, m),
  );
  return { columns: rows.map((r) => ({ name: String(r[0]), type: String(r[1]) })) };
}

/** The names of `columns` for messages: all of them, or the first 20. */
function listColumns(columns: readonly ColumnInfo[]): string {
  const names = columns.map((c) => c.name);
  return names.length > 20
    ? `${names.slice(0, 20).join(', ')}, … (${names.length} columns)`
    : names.join(', ');
}

/** Every role column must exist (exact name); an unknown one lists the columns and the closest name. */
export function checkRoles(roles: ColumnRoles, columns: readonly ColumnInfo[], src: SourceFile): void {
  const names = columns.map((c) => c.name);
  const check = (column: string, flag: string): void => {
    if (names.includes(column)) return;
    const close = closestMatch(column, names);
    throw new BiasloopError(
      'data',
      `${flag} column '${column}' does not exist; columns: ${listColumns(columns)}`,
      { file: src.path, field: flag, ...(close !== undefined ? { hint: `did you mean '${close}'?` } : {}) },
    );
  };
  check(roles.label, '--label');
  if (roles.prediction !== undefined) check(roles.prediction, '--pred');
  if (roles.score !== undefined) check(roles.score, '--score');
  for (const g of roles.groups) check(g, '--group');
  const predColumn = roles.prediction ?? roles.score;
  if (predColumn === roles.label) {
    throw new BiasloopError(
      'usage',
      `the label and the ${roles.prediction !== undefined ? 'prediction' : 'score'} are the same column '${roles.label}'`,
    );
  }
}

export function isCsv(src: SourceFile): boolean {
  return src.format === 'csv' || src.format === 'tsv';
}

/**
 * The table function with the role columns typed: label, prediction and groups as text (so a label
 * that looks numeric in the first rows and holds 'yes' later is not a parse error), the score as
 * DOUBLE for CSV (a non-number is a reject with its line) and as text elsewhere (cast in SQL).
 */
export function typedSource(src: SourceFile, roles: ColumnRoles, schema: FileSchema): string {
  if (src.format === 'parquet') return tableFunction(src);
  // Every column keeps its sniffed type (for `where`); CSV lists all of them so DuckDB does not
  // sniff again, read_json reads only the columns listed.
  const types: Record<string, string> = {};
  for (const c of schema.columns) types[c.name] = c.type;
  const asText = [
    roles.label,
    ...roles.groups,
    ...(roles.prediction !== undefined ? [roles.prediction] : []),
  ];
  for (const c of asText) types[c] = 'VARCHAR';
  if (roles.score !== undefined) types[roles.score] = isCsv(src) ? 'DOUBLE' : 'VARCHAR';
  return tableFunction(src, types, schema.dialect);
}

const NUMERIC_TYPE = /^(DOUBLE|FLOAT|REAL|(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?)|DECIMAL.*|NUMERIC.*)$/i;

/** Whether the score column is already numeric in the file (Parquet), so no text round trip is needed. */
export function scoreIsNumeric(src: SourceFile, score: string, schema: FileSchema): boolean {
  if (isCsv(src)) return true; // read as DOUBLE (typedSource)
  if (src.format !== 'parquet') return false; // JSON: read as text (typedSource)
  const type = schema.columns.find((c) => c.name === score)?.type ?? '';
  return NUMERIC_TYPE.test(type);
}

/** The score column as a DOUBLE expression (NULL when missing or not a number). */
export function scoreExpression(src: SourceFile, score: string, schema: FileSchema): string {
  const col = sqlIdent(score);
  if (isCsv(src)) return col;
  return scoreIsNumeric(src, score, schema)
    ? `CAST(${col} AS DOUBLE)`
    : `TRY_CAST(NULLIF(CAST(${col} AS VARCHAR), '') AS DOUBLE)`;
}

/** Run the aggregate pass. */
export async function aggregateTuples(
  session: DuckSession,
  src: SourceFile,
  roles: ColumnRoles,
  schema: FileSchema,
): Promise<TupleCount[]> {
  const csv = isCsv(src);
  const from = typedSource(src, roles, schema);

  const text = (c: string): string => `NULLIF(CAST(${sqlIdent(c)} AS VARCHAR), '')`;
  const select: string[] = roles.groups.map((g, i) => `${text(g)} AS g${i}`);
  select.push(`${text(roles.label)} AS y`);
  let badScore = 'false';
  if (roles.score !== undefined) {
    const col = sqlIdent(roles.score);
    const s = scoreExpression(src, roles.score, schema);
    select.push(
      `CASE WHEN ${s} IS NULL OR isnan(${s}) THEN NULL WHEN ${s} >= ${thresholdLiteral(roles.threshold ?? NaN)} THEN '1' ELSE '0' END AS p`,
    );
    if (!scoreIsNumeric(src, roles.score, schema)) {
      badScore = `(NULLIF(CAST(${col} AS VARCHAR), '') IS NOT NULL AND ${s} IS NULL)`;
    }
  } else {
    select.push(`${text(roles.prediction as string)} AS p`);
  }
  select.push(roles.where !== undefined ? `coalesce((${roles.where}), false) AS kept` : 'true AS kept');
  select.push(`${badScore} AS bad`);
  const sql = `SELECT ${select.join(', ')}, count(*)::BIGINT AS n FROM ${from} GROUP BY ALL`;

  if (roles.where !== undefined) await checkWhere(session, src, from, roles.where);
  const rows = await queryRows(session, sql, (m) => readError(src, m));
  if (csv) await throwFirstReject(session, src, roles);

  const G = roles.groups.length;
  const out: TupleCount[] = [];
  let bad = false;
  for (const r of rows) {
    if (r[G + 3] === true) bad = true;
    out.push({
      groups: r.slice(0, G).map((v) => (v === null ? null : String(v))),
      label: r[G] === null ? null : String(r[G]),
      prediction: r[G + 1] === null ? null : String(r[G + 1]),
      kept: r[G + 2] === true,
      count: Number(r[G + 4]),
    });
  }
  if (bad) await throwFirstBadScore(session, src, roles.score as string, from);
  return out;
}

/**
 * `where` must be one boolean SQL expression over the file's columns: bind it on an empty scan first
 * so a typo is reported as a `--where` error, not as an unreadable file.
 */
async function checkWhere(session: DuckSession, src: SourceFile, from: string, where: string): Promise<void> {
  const sql = `SELECT CAST((${where}) AS BOOLEAN) FROM ${from} LIMIT 0`;
  const fail = (m: string): BiasloopError =>
    new BiasloopError('usage', `--where '${where}' is not a valid condition: ${m}`, {
      field: '--where',
      hint: "a DuckDB SQL expression over the file's columns, e.g. \"age >= 18 AND race <> 'Other'\"",
    });
  let statements: number;
  try {
    statements = (await session.connection.extractStatements(sql)).count;
  } catch (e) {
    throw fail(duckMessage(e));
  }
  if (statements !== 1) throw fail('it must be a single expression');
  await queryRows(session, sql, fail);
}

export function thresholdLiteral(t: number): string {
  if (!Number.isFinite(t)) throw new BiasloopError('usage', `--threshold must be a finite number, got ${t}`);
  // Shortest round-trip text, as a DOUBLE literal.
  return `CAST('${String(t)}' AS DOUBLE)`;
}

/** CSV: report the first row DuckDB rejected (a non-number score, a ragged row) with its exact line. */
async function throwFirstReject(session: DuckSession, src: SourceFile, roles: ColumnRoles): Promise<void> {
  const rejects = await queryRows(
    session,
    `SELECT line_byte_position, column_name, error_type, csv_line, error_message FROM reject_errors ORDER BY byte_position LIMIT 1`,
    (m) => readError(src, m),
  );
  if (rejects.length === 0) return;
  const [pos, column, type, csvLine, message] = rejects[0] as [
    bigint | number,
    string | null,
    string,
    string,
    string,
  ];
  const line = await lineAtByte(src.path, src.gzip, Number(pos), String(csvLine ?? ''));
  const where = { file: src.path, line };
  if (type === 'CAST') {
    const value = /Could not convert string "((?:[^"]|"")*)"/.exec(message)?.[1] ?? '?';
    if (column === roles.score) {
      throw new BiasloopError('data', `score column '${column}' holds '${value}', which is not a number`, {
        ...where,
        field: '--score',
        hint: 'scores must be numeric; empty fields count as missing',
      });
    }
    throw new BiasloopError('data', `column '${column}' holds '${value}', which does not fit its type`, {
      ...where,
      hint: duckMessage(message),
    });
  }
  const what: Record<string, string> = {
    'TOO MANY COLUMNS': 'the row has more fields than the header',
    'MISSING COLUMNS': 'the row has fewer fields than the header',
    'UNQUOTED VALUE': 'a quote character inside an unquoted field',
    'INVALID ENCODING': 'the row is not valid UTF-8 text',
    'LINE SIZE OVER MAXIMUM': 'the row is longer than the 2 MB line limit',
    'INVALID STATE': 'the row cannot be parsed',
  };
  throw new BiasloopError('data', what[type] ?? `the row cannot be read (${type.toLowerCase()})`, where);
}

/** JSON / Parquet: find the first non-numeric score (in file order) and report its line or row. */
async function throwFirstBadScore(
  session: DuckSession,
  src: SourceFile,
  score: string,
  from: string,
): Promise<never> {
  const col = sqlIdent(score);
  const raw = `NULLIF(CAST(${col} AS VARCHAR), '')`;
  await queryRows(session, 'SET threads = 1', (m) => readError(src, m));
  const found = await queryRows(
    session,
    `SELECT rn, v FROM (SELECT row_number() OVER () AS rn, ${raw} AS v FROM ${from}) WHERE v IS NOT NULL AND TRY_CAST(v AS DOUBLE) IS NULL ORDER BY rn LIMIT 1`,
    (m) => readError(src, m),
  );
  const [rn, value] = (found[0] ?? [0, '?']) as [bigint | number, string];
  const k = Number(rn);
  const message = `score column '${score}' holds '${value}', which is not a number`;
  const hint = 'scores must be numeric; null or empty values count as missing';
  if (src.format === 'jsonl') {
    const line = await lineOfRecord(src.path, src.gzip, k);
    throw new BiasloopError('data', message, { file: src.path, line, field: '--score', hint });
  }
  throw new BiasloopError('data', `${src.format === 'parquet' ? 'row' : 'record'} ${k}: ${message}`, {
    file: src.path,
    field: '--score',
    hint,
  });
}
