/**
 * The contract of a language model in the text loop (the transformer LM here; a word n-gram LM can
 * implement it too): fit on documents (continuing from the current weights on `warmStart`), score
 * held-out text, and continue prompts. Documents and prompts are text or token ids of the model's
 * tokenizer.
 */
import type { Rng } from '../core/rng.ts';
import type { Tokenizer } from '../text/tokenizer.ts';
import type { FitContext, FitReport, ModelState } from './types.ts';
import type { GenerateOptions } from './neural/lm-generation.ts';

/** A document: text (tokenised by the model's tokenizer) or token ids. */
export type TextDocument = string | ArrayLike<number>;

/** Held-out scores: every token but the first of each document, given the tokens before it. */
export interface LmEvaluation {
  /** Scored tokens. */
  readonly tokens: number;
  /** Characters of the scored tokens (their decoded text). */
  readonly characters: number;
  /** Total negative log-likelihood in nats. */
  readonly nll: number;
  readonly bitsPerToken: number;
  readonly bitsPerCharacter: number;
  /** exp(nll / tokens). */
  readonly perplexity: number;
}

export interface LanguageModel {
  readonly kind: string;
  readonly tokenizer: Tokenizer;
  readonly fitted: boolean;
  /** `ctx.sampleWeight`, when given, has one weight per document. */
  fit(documents: readonly TextDocument[], ctx: FitContext): FitReport;
  evaluate(documents: readonly TextDocument[]): LmEvaluation;
  /** The new tokens of each prompt's continuation. */
  generate(prompts: readonly TextDocument[], options: GenerateOptions, rng: Rng): Int32Array[];
  exportState(): ModelState;
  importState(state: ModelState): void;
}
