/**
 * The character tokenizer: a fixed vocabulary of 96 symbols, the newline (id 0) and the 95
 * printable ASCII characters from space (id 1) to `~` (id 95), i.e. id = code − 31. Text is
 * normalised first (normalize.ts): typographic quotes and dashes, accents and Unicode spaces map to
 * ASCII, control characters are dropped, and any other character becomes the replacement `?` (or is
 * dropped with `unknown: 'drop'`). So there is no unknown token, and
 * `decode(encode(s)) === normalizeText(s)`; for text already in the alphabet the round trip is exact.
 */
import { BiasloopError } from '../core/errors.ts';
import { sha256 } from '../core/files.ts';
import type { NormalizeOptions } from './normalize.ts';
import { checkReplacement, normalizeText } from './normalize.ts';
import type { Tokenizer, TokenizerJson } from './tokenizer.ts';

export const CHAR_VOCAB_SIZE = 96;
export const NEWLINE_ID = 0;

/** Id of a character code of the alphabet, or −1. */
export function charId(code: number): number {
  if (code >= 32 && code <= 126) return code - 31;
  return code === 10 ? NEWLINE_ID : -1;
}

/** Character code of id `id` (0..95). */
export function charCode(id: number): number {
  return id === NEWLINE_ID ? 10 : id + 31;
}

export class CharTokenizer implements Tokenizer {
  readonly kind = 'char';
  readonly vocabSize = CHAR_VOCAB_SIZE;
  readonly newline = NEWLINE_ID;
  readonly normalization: NormalizeOptions;
  readonly fingerprint: string;

  constructor(options: NormalizeOptions = {}) {
    if (options.unknown !== undefined && options.unknown !== 'replace' && options.unknown !== 'drop') {
      throw new BiasloopError(
        'usage',
        `unknown ${JSON.stringify(options.unknown)} must be 'replace' or 'drop'`,
        {
          field: 'unknown',
        },
      );
    }
    if (options.replacement !== undefined) checkReplacement(options.replacement);
    this.normalization = { unknown: options.unknown ?? 'replace', replacement: options.replacement ?? '?' };
    this.fingerprint = sha256(JSON.stringify(this.toJSON())).slice(0, 16);
  }

  encode(text: string): Int32Array {
    const s = normalizeText(text, this.normalization);
    const out = new Int32Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = charId(s.charCodeAt(i));
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    const codes = new Array<number>(ids.length);
    for (let i = 0; i < ids.length; i++) codes[i] = charCode(checkId(ids[i], CHAR_VOCAB_SIZE));
    // String.fromCharCode in chunks (argument-count limits on long texts).
    let out = '';
    for (let i = 0; i < codes.length; i += 8192) out += String.fromCharCode(...codes.slice(i, i + 8192));
    return out;
  }

  tokenText(id: number): string {
    return String.fromCharCode(charCode(checkId(id, CHAR_VOCAB_SIZE)));
  }

  toJSON(): TokenizerJson {
    return { format: 'biasloop-tokenizer', version: 1, kind: 'char', normalize: this.normalization };
  }

  static fromJSON(record: Record<string, unknown>): CharTokenizer {
    return new CharTokenizer(readNormalize(record, 'tokenizer'));
  }
}

/** Check a token id against the vocabulary. */
export function checkId(id: number, vocabSize: number): number {
  if (!(Number.isInteger(id) && id >= 0 && id < vocabSize)) {
    throw new BiasloopError('data', `token id ${id} is outside the vocabulary 0..${vocabSize - 1}`);
  }
  return id;
}

/** The `normalize` field of a tokenizer's JSON form. */
export function readNormalize(record: Record<string, unknown>, source: string): NormalizeOptions {
  const n = record.normalize;
  if (n === undefined) return {};
  if (typeof n !== 'object' || n === null) {
    throw new BiasloopError('data', `${source}: 'normalize' must be an object`);
  }
  const { unknown, replacement } = n as Record<string, unknown>;
  if (unknown !== undefined && unknown !== 'replace' && unknown !== 'drop') {
    throw new BiasloopError('data', `${source}: normalize.unknown must be 'replace' or 'drop'`);
  }
  if (replacement !== undefined && typeof replacement !== 'string') {
    throw new BiasloopError('data', `${source}: normalize.replacement must be a string`);
  }
  return { unknown, replacement };
}
