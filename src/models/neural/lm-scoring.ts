/**
 * Held-out scoring of a language model: every token but the first of each document, with sliding
 * windows over documents longer than the context (see `scoreWindows`), batched by window length.
 */
import { BiasloopError } from '../../core/errors.ts';
import type { ScoreWindow } from './lm-data.ts';
import { scoreWindows } from './lm-data.ts';
import type { LmRuntime } from './lm-runtime.ts';

export interface EvaluateOptions {
  /**
   * Targets a scoring window advances (1..context, default ⌈context/2⌉): every token after the
   * first `context` of a document is predicted from at least context − stride + 1 tokens before it;
   * 1 gives each token its full context (slowest).
   */
  readonly stride?: number;
  /** Windows per forward pass (default 64). */
  readonly batchSize?: number;
}

/**
 * The scoring windows of `docs` in scoring order (grouped by length, so a batch needs no padding)
 * and the batch size. Validates `options`.
 */
export function scoringWindows(
  context: number,
  docs: readonly Int32Array[],
  options: EvaluateOptions,
): { windows: ScoreWindow[]; batchSize: number } {
  const stride = options.stride ?? Math.ceil(context / 2);
  const batchSize = options.batchSize ?? 64;
  if (!(Number.isInteger(stride) && stride >= 1 && stride <= context)) {
    throw new BiasloopError('usage', `stride ${stride} must be an integer in 1..${context}`, {
      field: 'stride',
    });
  }
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
    throw new BiasloopError('usage', `batchSize ${batchSize} must be a positive integer`, {
      field: 'batchSize',
    });
  }
  const byLength = new Map<number, ScoreWindow[]>();
  docs.forEach((d, i) => {
    for (const w of scoreWindows(i, d.length, context, stride)) {
      const list = byLength.get(w.end - w.start) ?? [];
      list.push(w);
      byLength.set(w.end - w.start, list);
    }
  });
  return { windows: [...byLength.values()].flat(), batchSize };
}

/** Consecutive windows of one length, at most `batchSize` per batch, in order. */
export function batchWindows(windows: readonly ScoreWindow[], batchSize: number): ScoreWindow[][] {
  const batches: ScoreWindow[][] = [];
  let current: ScoreWindow[] = [];
  for (const w of windows) {
    const length = w.end - w.start;
    if (
      current.length === batchSize ||
      (current.length > 0 && current[0].end - current[0].start !== length)
    ) {
      batches.push(current);
      current = [];
    }
    current.push(w);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** log p of every target of `batches`, in order: batch by batch, window by window, t = from..end. */
export function scoreBatches(
  runtime: LmRuntime,
  docs: readonly Int32Array[],
  batches: readonly (readonly ScoreWindow[])[],
): Float64Array {
  const V = runtime.arch.vocabSize;
  let n = 0;
  for (const chunk of batches) for (const w of chunk) n += w.end - w.from + 1;
  const out = new Float64Array(n);
  let k = 0;
  for (const chunk of batches) {
    const length = chunk[0].end - chunk[0].start;
    const { logits } = runtime.prefill(
      chunk.map((w) => docs[w.doc].subarray(w.start, w.end)),
      false,
    );
    chunk.forEach((w, r) => {
      const doc = docs[w.doc];
      for (let t = w.from; t <= w.end; t++) {
        out[k++] = logProbAt(logits, (r * length + (t - 1 - w.start)) * V, V, doc[t]);
      }
    });
  }
  return out;
}

/** Call `onToken(doc, position, logp[k])` for the k-th target of `windows` (t = from..end each). */
export function replayScores(
  windows: readonly ScoreWindow[],
  logp: Float64Array,
  onToken: (doc: number, position: number, logp: number) => void,
): void {
  let k = 0;
  for (const w of windows) for (let t = w.from; t <= w.end; t++) onToken(w.doc, t, logp[k++]);
}

/** Call `onToken(doc, position, log p)` for every scored token (natural log). */
export function scoreDocuments(
  runtime: LmRuntime,
  docs: readonly Int32Array[],
  options: EvaluateOptions,
  onToken: (doc: number, position: number, logp: number) => void,
): void {
  const { windows, batchSize } = scoringWindows(runtime.arch.context, docs, options);
  replayScores(windows, scoreBatches(runtime, docs, batchWindows(windows, batchSize)), onToken);
}

/** log softmax(logits[offset .. offset+V))[target], in float64. */
function logProbAt(logits: Float32Array, offset: number, V: number, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (logits[offset + i] > max) max = logits[offset + i];
  let total = 0;
  for (let i = 0; i < V; i++) total += Math.exp(logits[offset + i] - max);
  return logits[offset + target] - max - Math.log(total);
}
