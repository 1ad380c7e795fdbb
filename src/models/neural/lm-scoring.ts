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

/** Call `onToken(doc, position, log p)` for every scored token (natural log). */
export function scoreDocuments(
  runtime: LmRuntime,
  docs: readonly Int32Array[],
  options: EvaluateOptions,
  onToken: (doc: number, position: number, logp: number) => void,
): void {
  const { context, vocabSize: V } = runtime.arch;
  const stride = options.stride ?? Math.ceil(context / 2);
  const batch = options.batchSize ?? 64;
  if (!(Number.isInteger(stride) && stride >= 1 && stride <= context)) {
    throw new BiasloopError('usage', `stride ${stride} must be an integer in 1..${context}`, {
      field: 'stride',
    });
  }
  if (!(Number.isInteger(batch) && batch >= 1)) {
    throw new BiasloopError('usage', `batchSize ${batch} must be a positive integer`, {
      field: 'batchSize',
    });
  }
  // Windows grouped by length, so each forward pass needs no padding.
  const byLength = new Map<number, ScoreWindow[]>();
  docs.forEach((d, i) => {
    for (const w of scoreWindows(i, d.length, context, stride)) {
      const list = byLength.get(w.end - w.start) ?? [];
      list.push(w);
      byLength.set(w.end - w.start, list);
    }
  });
  for (const [length, windows] of byLength) {
    for (let b = 0; b < windows.length; b += batch) {
      const chunk = windows.slice(b, b + batch);
      const { logits } = runtime.prefill(
        chunk.map((w) => docs[w.doc].subarray(w.start, w.end)),
        false,
      );
      chunk.forEach((w, r) => {
        const doc = docs[w.doc];
        for (let t = w.from; t <= w.end; t++) {
          const offset = (r * length + (t - 1 - w.start)) * V;
          onToken(w.doc, t, logProbAt(logits, offset, V, doc[t]));
        }
      });
    }
  }
}

/** log softmax(logits[offset .. offset+V))[target], in float64. */
function logProbAt(logits: Float32Array, offset: number, V: number, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (logits[offset + i] > max) max = logits[offset + i];
  let total = 0;
  for (let i = 0; i < V; i++) total += Math.exp(logits[offset + i] - max);
  return logits[offset + target] - max - Math.log(total);
}
