/**
 * Which file, in which format: the checks made before DuckDB opens it, so that a missing path, an
 * empty file, a directory or a binary file named `.csv` is a one-line error naming the problem, not
 * a DuckDB parser message.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { BiasloopError, didYouMean } from '../core/errors.ts';
import { AUDIT_FORMATS, type AuditFormat } from './types.ts';

export interface SourceFile {
  readonly path: string;
  readonly format: AuditFormat;
  /** gzip-compressed (a `.gz` suffix). */
  readonly gzip: boolean;
  readonly bytes: number;
}

const EXTENSIONS: Readonly<Record<string, AuditFormat>> = {
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'json',
  parquet: 'parquet',
  pq: 'parquet',
};

const PARQUET_MAGIC = 'PAR1';
const CSV_BUFFER_BYTES = 8 << 20;
const GZIP_MAGIC = [0x1f, 0x8b];

export function parseFormat(value: string, field = '--format'): AuditFormat {
  const v = value.toLowerCase() as AuditFormat;
  if (AUDIT_FORMATS.includes(v)) return v;
  const hint = didYouMean(value, AUDIT_FORMATS);
  throw new BiasloopError('usage', `${field} must be one of ${AUDIT_FORMATS.join(', ')}, got '${value}'`, {
    ...(hint ? { hint } : {}),
  });
}

/** The format implied by a file name, or undefined (`.csv.gz` → csv). */
export function formatFromName(path: string): { format?: AuditFormat; gzip: boolean; ext: string } {
  const name = basename(path).toLowerCase();
  const gzip = name.endsWith('.gz');
  const stem = gzip ? name.slice(0, -3) : name;
  const dot = stem.lastIndexOf('.');
  const ext = dot >= 0 ? stem.slice(dot + 1) : '';
  return { format: EXTENSIONS[ext], gzip, ext };
}

function readHead(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Resolve and sanity-check the predictions file. */
export function resolveSource(path: string, format?: AuditFormat): SourceFile {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined) {
    throw new BiasloopError('io', `predictions file '${path}' does not exist`, { hint: 'check the path' });
  }
  if (st.isDirectory()) {
    throw new BiasloopError('io', `'${path}' is a directory, expected a predictions file`);
  }
  const named = formatFromName(path);
  const fmt = format ?? named.format;
  if (fmt === undefined) {
    throw new BiasloopError(
      'usage',
      `cannot tell the format of '${path}' from its extension${named.ext ? ` '.${named.ext}'` : ''}`,
      { hint: `pass --format ${AUDIT_FORMATS.join('|')}` },
    );
  }
  if (st.size === 0) throw new BiasloopError('data', 'the file is empty', { file: path });
  let head: Buffer;
  try {
    head = readHead(path, 8192);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BiasloopError(
      'io',
      `cannot read '${path}'${code === 'EACCES' ? ': permission denied' : `: ${(e as Error).message}`}`,
    );
  }
  const isGzip = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  const isParquet = head.subarray(0, 4).toString('latin1') === PARQUET_MAGIC;
  if (fmt === 'parquet') {
    if (!isParquet) {
      throw new BiasloopError('data', 'not a Parquet file (no PAR1 magic bytes at the start)', {
        file: path,
        hint: 'pass --format csv|tsv|jsonl|json if it is text',
      });
    }
    return { path, format: fmt, gzip: false, bytes: st.size };
  }
  if (named.gzip || isGzip) {
    if (!isGzip) {
      throw new BiasloopError('data', `named .gz but not gzip-compressed`, { file: path });
    }
    return { path, format: fmt, gzip: true, bytes: st.size };
  }
  const what = fmt === 'tsv' ? 'TSV' : fmt === 'csv' ? 'CSV' : 'JSON';
  if (isParquet) {
    throw new BiasloopError('data', `not a ${what} file: it is Parquet`, {
      file: path,
      hint: 'pass --format parquet or rename it to .parquet',
    });
  }
  if (head.includes(0)) {
    throw new BiasloopError('data', `not a ${what} file: it holds binary data (NUL bytes)`, {
      file: path,
      hint: 'the audit reads UTF-8 CSV, TSV, JSON Lines and Parquet',
    });
  }
  if (head.toString('utf8').trim().length === 0 && st.size <= head.length) {
    throw new BiasloopError('data', 'the file is empty', { file: path });
  }
  if (fmt === 'json' || fmt === 'jsonl') {
    const first = head
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart()[0];
    if (first !== '{' && first !== '[') {
      throw new BiasloopError('data', `not a JSON file: it starts with '${first}'`, {
        file: path,
        hint:
          fmt === 'jsonl' ? 'JSON Lines holds one {...} object per line' : 'pass --format csv if it is CSV',
      });
    }
  }
  return { path, format: fmt, gzip: false, bytes: st.size };
}

/**
 * The delimiter of a CSV file, from its header line: the most frequent of `,` `;` tab `|` outside
 * quotes (`,` when none occurs). Fixing it before DuckDB sniffs keeps the sniffer from choosing a
 * dialect that fits a ragged row better than the header (it may otherwise skip lines).
 */
export function detectDelimiter(src: SourceFile): string {
  if (src.format === 'tsv') return '\t';
  let head = readHead(src.path, 1 << 16);
  if (src.gzip) head = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
    ['|', 0],
  ]);
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) as number) + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > (counts.get(best) as number)) best = d;
  return best;
}

/**
 * The column names of a CSV file's header line as DuckDB names them: unquoted names trimmed, `""`
 * inside quotes unescaped, an empty name `column<j>` (0-based), a repeated name `<name>_1`, `_2`, ….
 * Reading the names ourselves spares DuckDB's sniffer when no column types are needed.
 */
export function readCsvHeader(src: SourceFile, delimiter: string): string[] {
  let head = readHead(src.path, 1 << 20);
  if (src.gzip) head = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const raw: { name: string; quoted: boolean }[] = [];
  let field = '';
  let quoted = false;
  let inQuotes = false;
  let i = 0;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') inQuotes = false;
      else field += ch;
    } else if (ch === '"') {
      inQuotes = true;
      quoted = true;
    } else if (ch === delimiter) {
      raw.push({ name: field, quoted });
      field = '';
      quoted = false;
    } else if (ch === '\n' || ch === '\r') break;
    else field += ch;
  }
  raw.push({ name: field, quoted });
  const names: string[] = [];
  const used = new Set<string>();
  raw.forEach(({ name, quoted: q }, j) => {
    let n = q ? name : name.trim();
    if (n === '') n = `column${j}`;
    if (used.has(n)) {
      let k = 1;
      while (used.has(`${n}_${k}`)) k++;
      n = `${n}_${k}`;
    }
    used.add(n);
    names.push(n);
  });
  return names;
}

/** A SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A SQL identifier (column name). */
export function sqlIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** A CSV dialect as DuckDB's sniffer found it (`sniff_csv`), reused so the file is sniffed once. */
export interface CsvDialect {
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string;
  /** As DuckDB spells it (backslash escapes, e.g. `\\r\\n`). */
  readonly newLine?: string;
  readonly skip: number;
  readonly comment?: string;
  readonly dateFormat?: string;
  readonly timestampFormat?: string;
}

/**
 * The DuckDB table function reading the file. CSV: with the sniffed `dialect` and the full column
 * list (`types`: every column, role columns retyped) DuckDB does not sniff again; errors (a
 * non-number in a DOUBLE column, a ragged row) are stored in DuckDB's `reject_errors` table instead
 * of aborting, so they can be reported with an exact line. JSON: `types` lists the columns read.
 */
export function tableFunction(
  src: SourceFile,
  types?: Readonly<Record<string, string>>,
  dialect?: CsvDialect,
): string {
  const p = sqlString(src.path);
  const typeMap = (t: Readonly<Record<string, string>>): string =>
    `{${Object.entries(t)
      .map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`)
      .join(', ')}}`;
  switch (src.format) {
    case 'csv':
    case 'tsv': {
      // 8 MB buffers instead of DuckDB's 32 MB: measured less CPU (allocation, page faults) for the
      // same scan; still 4× the longest line DuckDB accepts (2 MB).
      const args = [p, 'header = true', 'store_rejects = true', `buffer_size = ${CSV_BUFFER_BYTES}`];
      if (dialect !== undefined && types !== undefined) {
        args.push(
          'auto_detect = false',
          `delim = ${sqlString(dialect.delimiter)}`,
          `quote = ${sqlString(dialect.quote)}`,
          `escape = ${sqlString(dialect.escape)}`,
          `skip = ${dialect.skip}`,
        );
        if (dialect.newLine !== undefined) args.push(`new_line = ${sqlString(dialect.newLine)}`);
        if (dialect.comment !== undefined) args.push(`comment = ${sqlString(dialect.comment)}`);
        args.push(`columns = ${typeMap(types)}`);
        if (dialect.dateFormat) args.push(`dateformat = ${sqlString(dialect.dateFormat)}`);
        if (dialect.timestampFormat) args.push(`timestampformat = ${sqlString(dialect.timestampFormat)}`);
        return `read_csv(${args.join(', ')})`;
      }
      if (src.format === 'tsv') args.push(`delim = '\t'`);
      if (types !== undefined) args.push(`types = ${typeMap(types)}`);
      return `read_csv(${args.join(', ')})`;
    }
    case 'jsonl':
    case 'json': {
      const args = [p, `format = ${src.format === 'jsonl' ? "'newline_delimited'" : "'auto'"}`];
      if (types !== undefined) args.push(`columns = ${typeMap(types)}`);
      return `read_json(${args.join(', ')})`;
    }
    case 'parquet':
      return `read_parquet(${p})`;
  }
}
