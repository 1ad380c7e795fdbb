/**
 * Exact line numbers for error messages, computed only when there is an error to report.
 *
 * CSV: DuckDB stores each rejected row with the byte offset where its line starts, give or take the
 * newline byte(s), and the row's text. Its own "line" counter counts records, not physical lines (a
 * quoted field with a newline shifts it), so we find the row's text next to that offset and count
 * the newline bytes before it ourselves. JSON Lines: the k-th record is the k-th non-blank line.
 * Both stream the file (gunzipping `.gz`), so a 1 GB file never sits in memory.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

function openStream(path: string, gzip: boolean): Readable {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  return gzip ? raw.pipe(createGunzip()) : raw;
}

/**
 * The 1-based line on which `text` (the first line of a rejected CSV row) starts, searching near
 * byte `approx` (0-based offset in the decompressed file). Falls back to the line holding `approx`.
 */
export async function lineAtByte(path: string, gzip: boolean, approx: number, text: string): Promise<number> {
  const needle = Buffer.from(text.replace(/^[\r\n]+/, '').split(/\r?\n/)[0] ?? '', 'utf8');
  const slack = 16;
  const windowStart = Math.max(0, approx - slack);
  const windowEnd = approx + needle.length + slack;
  let offset = 0;
  let newlines = 0; // newline bytes in [0, windowStart)
  const windowParts: Buffer[] = [];
  for await (const chunk of openStream(path, gzip) as AsyncIterable<Buffer>) {
    const end = offset + chunk.length;
    if (offset < windowStart) {
      const upto = Math.min(chunk.length, windowStart - offset);
      for (let i = 0; i < upto; i++) if (chunk[i] === 10) newlines++;
    }
    const from = Math.max(0, windowStart - offset);
    const to = Math.min(chunk.length, windowEnd - offset);
    if (to > from) windowParts.push(chunk.subarray(from, to));
    offset = end;
    if (offset >= windowEnd) break;
  }
  const window = Buffer.concat(windowParts);
  // The occurrence that starts a line (preceded by a newline or the file start), closest to approx.
  let best = -1;
  let bestDist = Infinity;
  if (needle.length > 0) {
    for (let at = window.indexOf(needle); at >= 0; at = window.indexOf(needle, at + 1)) {
      const abs = windowStart + at;
      const startsLine = abs === 0 || window[at - 1] === 10 || window[at - 1] === 13;
      const dist = Math.abs(abs - approx);
      if (startsLine && dist < bestDist) {
        best = at;
        bestDist = dist;
      }
    }
  }
  const stop = best >= 0 ? best : Math.min(window.length, Math.max(0, approx - windowStart));
  for (let i = 0; i < stop; i++) if (window[i] === 10) newlines++;
  return newlines + 1;
}

/** The 1-based line of the k-th (1-based) non-blank line: the k-th record of a JSON Lines file. */
export async function lineOfRecord(path: string, gzip: boolean, k: number): Promise<number> {
  let line = 1;
  let records = 0;
  let blank = true;
  for await (const chunk of openStream(path, gzip) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === 10) {
        if (!blank) {
          records++;
          if (records === k) return line;
        }
        line++;
        blank = true;
      } else if (c !== 32 && c !== 9 && c !== 13) {
        blank = false;
      }
    }
  }
  if (!blank && records + 1 === k) return line;
  return line;
}
