/**
 * Loading a tokenizer of either kind from its JSON form or a file.
 */
import { BiasloopError } from '../core/errors.ts';
import { BpeTokenizer } from './bpe-tokenizer.ts';
import { CharTokenizer } from './char-tokenizer.ts';
import type { Tokenizer } from './tokenizer.ts';
import { checkTokenizerJson, readTokenizerJson } from './tokenizer.ts';

/** A tokenizer from its JSON form (`tokenizer.toJSON()`); `source` names it in errors. */
export function tokenizerFromJson(json: unknown, source = 'tokenizer'): Tokenizer {
  const { kind, record } = checkTokenizerJson(json, source);
  if (kind === 'char') return CharTokenizer.fromJSON(record);
  if (kind === 'bpe') return BpeTokenizer.fromJSON(record, source);
  throw new BiasloopError('data', `${source}: unknown tokenizer kind '${kind}'`);
}

/** Load a tokenizer saved with `saveTokenizer`. */
export function loadTokenizer(path: string): Tokenizer {
  return tokenizerFromJson(readTokenizerJson(path), path);
}
