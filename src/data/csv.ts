/**
 * A strict CSV reader (RFC 4180 quoting) for tabular datasets: columnar output, line numbers kept for
 * error messages, and one-line errors for everything that can go wrong in a user's file (missing path,
 * empty file, ragged rows, unterminated quotes, unnamed header columns).
 *
 * Sized for datasets up to a few hundred MB; very large prediction files go through DuckDB instead.
 */
import { BiasloopError, didYouMean } from '../core/errors.ts';
import { readTextFile } from '../core/files.ts';

export interface CsvOptions {
  /** Field separator; 'auto' picks the most frequent of , ; tab | in the header line. */
  readonly delimiter?: string;
  /** Trim spaces around unquoted fields (UCI Adult separates with ", "). Default true. */
  readonly trim?: boolean;
  /** Name shown in error messages (defaults to the path). */
  readonly name?: string;
}

export interface CsvTable {
  readonly name: string;
  readonly header: readonly string[];
  /** One string array per column. */
  readonly columns: readonly string[][];
  readonly rowCount: number;
  /** 1-based source line of each row, for error messages. */
  readonly lines: Int32Array;
}

export function readCsvFile(path: string, options: CsvOptions = {}): CsvTable {
  const text = readTextFile(path, 'CSV file');
  return parseCsv(text, { ...options, name: options.name ?? path });
}

function detectDelimiter(firstLine: string): string {
  let best = ',';
  let bestCount = 0;
  for (const cand of [',', '\t', ';', '|']) {
    const count = firstLine.split(cand).length - 1;
    if (count > bestCount) {
      best = cand;
      bestCount = count;
    }
  }
  return best;
}

export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  const name = options.name ?? '<csv>';
  const trim = options.trim ?? true;
  // Strip a UTF-8 byte-order mark.
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (src.trim().length === 0) throw new BiasloopError('data', 'the file is empty', { file: name });
  const firstNl = src.search(/\r?\n/);
  const delim =
    options.delimiter === undefined || options.delimiter === 'auto'
      ? detectDelimiter(firstNl < 0 ? src : src.slice(0, firstNl))
      : options.delimiter;
  if (delim.length !== 1 || delim === '"') {
    throw new BiasloopError('usage', `CSV delimiter must be one character other than '"', got '${delim}'`);
  }
  const dc = delim.charCodeAt(0);

  let header: string[] | undefined;
  let columns: string[][] = [];
  const lineNumbers: number[] = [];
  let line = 1;
  let pos = 0;
  const len = src.length;
  let record: string[] = [];
  let recordLine = 1;

  const finishRecord = (): void => {
    // Skip blank lines (a record with one empty unquoted field).
    if (record.length === 1 && record[0] === '') return;
    if (header === undefined) {
      // Repeated names get a numeric suffix, as pandas does (`priors_count`, `priors_count.1`):
      // real files such as ProPublica's COMPAS export repeat columns.
      const seen = new Map<string, number>();
      header = record.map((h, j) => {
        if (h === '') {
          throw new BiasloopError('data', `the header's column ${j + 1} has no name`, {
            file: name,
            line: recordLine,
          });
        }
        const k = seen.get(h) ?? 0;
        seen.set(h, k + 1);
        return k === 0 ? h : `${h}.${k}`;
      });
      columns = header.map(() => []);
      return;
    }
    if (record.length !== header.length) {
      throw new BiasloopError('data', `row has ${record.length} fields but the header has ${header.length}`, {
        file: name,
        line: recordLine,
        hint: 'ragged row: check for a missing or extra delimiter',
      });
    }
    for (let j = 0; j < record.length; j++) columns[j].push(record[j]);
    lineNumbers.push(recordLine);
  };

  while (pos <= len) {
    // Parse one field.
    let field: string;
    if (pos < len && src.charCodeAt(pos) === 34 /* " */) {
      const startLine = line;
      pos++;
      let out = '';
      let chunkStart = pos;
      for (;;) {
        if (pos >= len) {
          throw new BiasloopError('data', 'unterminated quoted field', { file: name, line: startLine });
        }
        const c = src.charCodeAt(pos);
        if (c === 34) {
          if (pos + 1 < len && src.charCodeAt(pos + 1) === 34) {
            out += src.slice(chunkStart, pos + 1);
            pos += 2;
            chunkStart = pos;
            continue;
          }
          out += src.slice(chunkStart, pos);
          pos++;
          break;
        }
        if (c === 10) line++;
        pos++;
      }
      // Allow spaces between the closing quote and the delimiter.
      while (pos < len && src.charCodeAt(pos) === 32) pos++;
      if (
        pos < len &&
        src.charCodeAt(pos) !== dc &&
        src.charCodeAt(pos) !== 10 &&
        src.charCodeAt(pos) !== 13
      ) {
        throw new BiasloopError('data', 'unexpected text after a closing quote', { file: name, line });
      }
      field = out;
    } else {
      const start = pos;
      while (pos < len) {
        const c = src.charCodeAt(pos);
        if (c === dc || c === 10 || c === 13) break;
        pos++;
      }
      field = src.slice(start, pos);
      if (trim) field = field.trim();
    }
    record.push(field);
    if (pos >= len) {
      finishRecord();
      break;
    }
    const c = src.charCodeAt(pos);
    if (c === dc) {
      pos++;
      continue;
    }
    // End of line (\n or \r\n or \r).
    if (c === 13 && pos + 1 < len && src.charCodeAt(pos + 1) === 10) pos++;
    pos++;
    finishRecord();
    line++;
    record = [];
    recordLine = line;
    if (pos >= len) break;
  }

  if (header === undefined) throw new BiasloopError('data', 'the file is empty', { file: name });
  if (lineNumbers.length === 0) {
    throw new BiasloopError('data', 'the file has a header but no data rows', { file: name });
  }
  return { name, header, columns, rowCount: lineNumbers.length, lines: Int32Array.from(lineNumbers) };
}

/** The index of column `name`, or a one-line error listing the available columns and the closest match. */
export function columnIndex(table: CsvTable, name: string, role = 'column'): number {
  const j = table.header.indexOf(name);
  if (j >= 0) return j;
  const suggestion = didYouMean(name, table.header);
  const list =
    table.header.length > 20 ? `${table.header.slice(0, 20).join(', ')}, …` : table.header.join(', ');
  throw new BiasloopError('data', `${role} '${name}' does not exist; available columns: ${list}`, {
    file: table.name,
    ...(suggestion ? { hint: suggestion } : {}),
  });
}
