/**
 * Text tokenizers: a fixed 96-symbol character tokenizer and a byte-pair-encoding tokenizer trained
 * on a corpus, both over the same normalised alphabet (printable ASCII plus newline), with JSON
 * save/load. See docs/nn.md ("Tokenizers").
 */
import { BiasloopError } from '../core/errors.ts';
import { BpeTokenizer } from './bpe-tokenizer.ts';
import { CharTokenizer } from './char-tokenizer.ts';
import type { Tokenizer } from './tokenizer.ts';
import { checkTokenizerJson, readTokenizerJson } from './tokenizer.ts';

export { normalizeText, TYPOGRAPHY, type NormalizeOptions } from './normalize.ts';
export { CharTokenizer, CHAR_VOCAB_SIZE, NEWLINE_ID } from './char-tokenizer.ts';
export { BpeTokenizer, pretokenize, BPE_MAX_VOCAB, type BpeTrainOptions } from './bpe-tokenizer.ts';
export { saveTokenizer, type Tokenizer, type TokenizerJson } from './tokenizer.ts';

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
