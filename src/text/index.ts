/**
 * The text stack's public API: tokenizers (a fixed 96-symbol character tokenizer and a BPE tokenizer
 * trained on a corpus, JSON save/load), the State of the Union corpus, and the decoder-only
 * transformer language model with its generation methods. See docs/nn.md.
 */
export { normalizeText, TYPOGRAPHY, type NormalizeOptions } from './normalize.ts';
export { CharTokenizer, CHAR_VOCAB_SIZE, NEWLINE_ID } from './char-tokenizer.ts';
export { BpeTokenizer, pretokenize, BPE_MAX_VOCAB, type BpeTrainOptions } from './bpe-tokenizer.ts';
export { saveTokenizer, type Tokenizer, type TokenizerJson } from './tokenizer.ts';
export { tokenizerFromJson, loadTokenizer } from './load.ts';
export {
  SOTU_PARTIES,
  loadSotu,
  loadSotuSpeeches,
  splitSotu,
  balanceByParty,
  splitSentences,
  packParagraphs,
  type SotuParty,
  type SotuSpeech,
  type SotuParagraph,
  type SotuCorpus,
  type SotuOptions,
  type SotuSplit,
  type SotuSplitOptions,
} from '../data/sotu.ts';
export {
  TransformerLm,
  LM_TRAINING_DEFAULTS,
  type TransformerLmOptions,
  type EvaluateOptions,
} from '../models/transformer-lm.ts';
export type { LanguageModel, LmEvaluation, TextDocument } from '../models/language-model.ts';
export type { GenerateOptions, Decoding } from '../models/neural/lm-generation.ts';
export { TokenDecoder, type DecoderOptions } from '../models/neural/token-decoder.ts';
export type { TransformerArchitecture } from '../models/neural/transformer-network.ts';
