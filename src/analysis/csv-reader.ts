/**
 * A small streaming reader for delimited text (RFC 4180: quoted fields, doubled quotes, newlines
 * inside quotes, CRLF or LF, an optional UTF-8 BOM) and for JSON Lines. Files are read in 64 KiB
 * chunks, so memory stays flat whatever the file size. Every record carries the 1-based line it
 * starts on, for error messages. Used by the score-file analysis; tabular datasets have their own
 * loader in src/data.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { BiasloopError } from '../core/errors.ts';
import { ioError } from '../core/files.ts';

export interface TextRecord {
  readonly fields: readonly string[];
  /** 1-based line the record starts on. */
  readonly line: number;
}

/** Incremental CSV state machine: feed text with `push`, finish with `end`. */
export class CsvParser {
  private field = '';
  private fields: string[] = [];
  private inQuotes = false;
  private quotePending = false; // saw a quote inside a quoted field: either "" or the closing quote
  private line = 1;
  private recordLine = 1;
  private lastWasCr = false;
  private sawQuote = false; // a quoted field makes even `""` a record, not a blank line
  private readonly out: TextRecord[] = [];

  constructor(
    private readonly delimiter = ',',
    private readonly file = '<input>',
  ) {}

  push(text: string): TextRecord[] {
    const d = this.delimiter;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (this.lastWasCr) {
        this.lastWasCr = false;
        if (ch === '\n') continue; // CRLF: the CR already ended the record
      }
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (ch === '"') {
            this.field += '"';
            continue;
          }
          this.inQuotes = false; // the quote closed the field; fall through to handle ch
        } else if (ch === '"') {
          this.quotePending = true;
          continue;
        } else {
          if (ch === '\n') this.line++;
          this.field += ch;
          continue;
        }
      }
      if (ch === d) {
        this.fields.push(this.field);
        this.field = '';
      } else if (ch === '\n' || ch === '\r') {
        this.endRecord();
        this.line++;
        this.recordLine = this.line;
        this.lastWasCr = ch === '\r';
      } else if (ch === '"' && this.field.length === 0) {
        this.inQuotes = true;
        this.sawQuote = true;
      } else {
        this.field += ch;
      }
    }
    return this.drain();
  }

  end(): TextRecord[] {
    if (this.inQuotes && !this.quotePending) {
      throw new BiasloopError('data', 'a quoted field is never closed', {
        file: this.file,
        line: this.recordLine,
      });
    }
    this.inQuotes = false;
    this.quotePending = false;
    if (this.field.length > 0 || this.fields.length > 0 || this.sawQuote) this.endRecord();
    return this.drain();
  }

  private endRecord(): void {
    this.fields.push(this.field);
    const blank = this.fields.length === 1 && this.fields[0] === '' && !this.sawQuote;
    if (!blank) this.out.push({ fields: this.fields, line: this.recordLine });
    this.sawQuote = false;
    this.fields = [];
    this.field = '';
  }

  private drain(): TextRecord[] {
    return this.out.splice(0, this.out.length);
  }
}

function openForReading(path: string): number {
  if (!existsSync(path))
    throw new BiasloopError('io', `file '${path}' does not exist`, { hint: 'check the path' });
  if (statSync(path).isDirectory())
    throw new BiasloopError('io', `'${path}' is a directory, expected a file`);
  try {
    return openSync(path, 'r');
  } catch (e) {
    throw ioError(e, path, 'read');
  }
}

/** The file's text in chunks (UTF-8, BOM removed). */
function* textChunks(path: string, chunkSize = 1 << 16): Generator<string> {
  const fd = openForReading(path);
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.alloc(chunkSize);
  let first = true;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, chunkSize, null);
      if (n === 0) break;
      let text = decoder.write(buf.subarray(0, n));
      if (first) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      if (text.length > 0) yield text;
    }
    const rest = decoder.end();
    if (rest.length > 0) yield rest;
  } finally {
    closeSync(fd);
  }
}

/** Stream the records of a delimited file (header included, blank lines skipped). */
export function* readDelimitedRecords(path: string, delimiter = ','): Generator<TextRecord> {
  const parser = new CsvParser(delimiter, path);
  for (const chunk of textChunks(path)) yield* parser.push(chunk);
  yield* parser.end();
}

/**
 * Stream a JSON Lines file as records: the first object's keys are the header (yielded first, on
 * line 0); each object's values follow in that order (missing keys are an error naming the line).
 */
export function* readJsonLinesRecords(path: string): Generator<TextRecord> {
  let header: string[] | undefined;
  let pending = '';
  let line = 0;
  const handle = function* (text: string, lineNo: number): Generator<TextRecord> {
    if (text.trim() === '') return;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      throw new BiasloopError('data', 'not valid JSON', {
        file: path,
        line: lineNo,
        hint: 'one JSON object per line',
      });
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      throw new BiasloopError('data', 'each line must be a JSON object', { file: path, line: lineNo });
    }
    const rec = obj as Record<string, unknown>;
    if (header === undefined) {
      header = Object.keys(rec);
      yield { fields: header, line: 0 };
    }
    const fields = header.map((k) => {
      if (!(k in rec)) {
        throw new BiasloopError('data', `key '${k}' is missing`, { file: path, line: lineNo });
      }
      const v = rec[k];
      return v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    });
    yield { fields, line: lineNo };
  };
  for (const chunk of textChunks(path)) {
    pending += chunk;
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      line++;
      yield* handle(pending.slice(0, nl).replace(/\r$/, ''), line);
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
    }
  }
  if (pending.length > 0) yield* handle(pending.replace(/\r$/, ''), line + 1);
}

/** Records of a CSV, TSV or JSON Lines file, chosen by extension (`.jsonl`/`.ndjson`, `.tsv`, else CSV). */
export function readRecords(path: string): Generator<TextRecord> {
  const lower = path.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return readJsonLinesRecords(path);
  return readDelimitedRecords(path, lower.endsWith('.tsv') ? '\t' : ',');
}
