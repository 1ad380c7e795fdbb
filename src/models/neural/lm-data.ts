/**
 * Training and scoring data for a language model: documents joined into one token stream, training
 * windows cut from it, and the windows that score held-out documents.
 */
import { BiasloopError } from '../../core/errors.ts';
import type { Tokenizer } from '../../text/tokenizer.ts';
import type { TextDocument } from '../language-model.ts';

/** Token ids of each document (text is encoded by `tokenizer`; ids are checked). */
export function tokenizeDocuments(documents: readonly TextDocument[], tokenizer: Tokenizer): Int32Array[] {
  return documents.map((d, i) => {
    if (typeof d === 'string') return tokenizer.encode(d);
    const ids = Int32Array.from(d);
    for (let j = 0; j < ids.length; j++) {
      if (!(ids[j] >= 0 && ids[j] < tokenizer.vocabSize && ids[j] === d[j])) {
        throw new BiasloopError(
          'data',
          `document ${i}, token ${j}: id ${d[j]} is outside the vocabulary 0..${tokenizer.vocabSize - 1}`,
        );
      }
    }
    return ids;
  });
}

export interface TokenStream {
  readonly tokens: Int32Array;
  /** Loss weight of each token (its document's sample weight, normalised to mean 1 over the stream). */
  readonly weights: Float32Array;
}

/**
 * The documents in order, each followed by the separator token (newline), as one stream; the weight
 * of a document's tokens (and of its separator) is its sample weight.
 */
export function joinDocuments(
  documents: readonly Int32Array[],
  separator: number,
  sampleWeight?: ArrayLike<number>,
): TokenStream {
  if (sampleWeight !== undefined && sampleWeight.length !== documents.length) {
    throw new BiasloopError(
      'data',
      `${sampleWeight.length} sample weights for ${documents.length} documents`,
      {
        field: 'sampleWeight',
      },
    );
  }
  let n = 0;
  for (const d of documents) n += d.length + 1;
  const tokens = new Int32Array(n);
  const weights = new Float32Array(n);
  let at = 0;
  let weightSum = 0;
  documents.forEach((d, i) => {
    const w = sampleWeight?.[i] ?? 1;
    if (!(w >= 0 && Number.isFinite(w))) {
      throw new BiasloopError('data', `document ${i}: sample weight ${w} must be finite and ≥ 0`, {
        field: 'sampleWeight',
      });
    }
    tokens.set(d, at);
    tokens[at + d.length] = separator;
    weights.fill(w, at, at + d.length + 1);
    weightSum += w * (d.length + 1);
    at += d.length + 1;
  });
  if (!(weightSum > 0))
    throw new BiasloopError('data', 'all sample weights are zero', { field: 'sampleWeight' });
  const scale = n / weightSum;
  for (let i = 0; i < n; i++) weights[i] *= scale;
  return { tokens, weights };
}

/**
 * Start offsets of one epoch's training windows (each `context` + 1 tokens: inputs and shifted
 * targets): every `context` tokens from a random phase in [0, context), so windows do not overlap and
 * their boundaries move between epochs.
 */
export function windowStarts(streamLength: number, context: number, phase: number): Int32Array {
  const count = Math.max(0, Math.floor((streamLength - 1 - phase) / context));
  return Int32Array.from({ length: count }, (_, k) => phase + k * context);
}

/**
 * A scoring window of document `doc`: its tokens [start, end) go through the model, and the targets
 * from..end (inclusive) are scored, target t from the logits at window position t − 1 − start.
 */
export interface ScoreWindow {
  readonly doc: number;
  readonly start: number;
  readonly end: number;
  readonly from: number;
}

/**
 * Windows that score every token but the first of a document of `length` tokens, each target once:
 * the first window scores targets 1..min(context, length − 1); each next one scores the next
 * `stride` targets, ending right before the last of them, so that target sees `context` tokens and
 * the first sees context − stride + 1.
 */
export function scoreWindows(doc: number, length: number, context: number, stride: number): ScoreWindow[] {
  if (length < 2) return [];
  const out: ScoreWindow[] = [];
  let end = Math.min(context, length - 1);
  out.push({ doc, start: 0, end, from: 1 });
  while (end < length - 1) {
    const next = Math.min(length - 1, end + stride);
    out.push({ doc, start: next - context, end: next, from: end + 1 });
    end = next;
  }
  return out;
}
