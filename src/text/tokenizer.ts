/**
 * The tokenizer contract shared by the character and byte-pair-encoding tokenizers, and loading
 * either from its JSON form (or a file).
 */
import { BiasloopError } from '../core/errors.ts';
import { readTextFile, writeJsonAtomic } from '../core/files.ts';
import type { NormalizeOptions } from './normalize.ts';

export interface Tokenizer {
  readonly kind: 'char' | 'bpe';
  /** Number of token ids (ids are 0..vocabSize−1). */
  readonly vocabSize: number;
  /** The id of the newline token, which also separates documents in a training stream. */
  readonly newline: number;
  /** Short stable hash of the tokenizer's definition (part of a language model's fingerprint). */
  readonly fingerprint: string;
  /** Token ids of `text` after normalisation (see normalize.ts). */
  encode(text: string): Int32Array;
  /** The text of a token sequence; `decode(encode(s)) === normalizeText(s)`. */
  decode(ids: ArrayLike<number>): string;
  /** The text of one token. */
  tokenText(id: number): string;
  /** The JSON form, loadable by `tokenizerFromJson`. */
  toJSON(): TokenizerJson;
}

export type TokenizerJson =
  | {
      readonly format: 'biasloop-tokenizer';
      readonly version: 1;
      readonly kind: 'char';
      readonly normalize: NormalizeOptions;
    }
  | {
      readonly format: 'biasloop-tokenizer';
      readonly version: 1;
      readonly kind: 'bpe';
      readonly normalize: NormalizeOptions;
      /** Merge rules in rank order: [left id, right id] → id 96 + rank. */
      readonly merges: readonly (readonly [number, number])[];
    };

/** Read and validate the common header of a tokenizer's JSON form. */
export function checkTokenizerJson(
  json: unknown,
  source: string,
): { kind: string; record: Record<string, unknown> } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new BiasloopError('data', `${source} is not a tokenizer (expected a JSON object)`);
  }
  const record = json as Record<string, unknown>;
  if (record.format !== 'biasloop-tokenizer') {
    throw new BiasloopError(
      'data',
      `${source} is not a biasloop tokenizer (format is ${JSON.stringify(record.format)})`,
    );
  }
  if (record.version !== 1) {
    throw new BiasloopError(
      'data',
      `${source}: tokenizer version ${JSON.stringify(record.version)} is not supported (expected 1)`,
    );
  }
  const kind = record.kind;
  if (kind !== 'char' && kind !== 'bpe') {
    throw new BiasloopError(
      'data',
      `${source}: unknown tokenizer kind ${JSON.stringify(kind)} (expected char or bpe)`,
    );
  }
  return { kind, record };
}

/** Save a tokenizer as JSON (atomically). */
export function saveTokenizer(path: string, tokenizer: Tokenizer): void {
  writeJsonAtomic(path, tokenizer.toJSON());
}

/** Parse a tokenizer file's text; `source` names it in errors. */
export function parseTokenizerText(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BiasloopError('data', `${source} is not valid JSON`);
  }
}

/** Read a tokenizer file's JSON (pass it to `tokenizerFromJson`). */
export function readTokenizerJson(path: string): unknown {
  return parseTokenizerText(readTextFile(path, 'tokenizer'), path);
}
