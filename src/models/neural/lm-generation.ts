/**
 * Text generation from the transformer: greedy decoding, sampling (temperature, top-k, top-p) and
 * beam search, batched over many prompts, on the incremental decoder (token-decoder.ts).
 *
 * Randomness: prompt i draws from `rng.fork('prompt', i)` (one uniform per sampled token), so its
 * continuation does not depend on the batch size or on the other prompts. Ties between equal logits
 * go to the smaller token id everywhere (greedy, top-k, top-p order, beam candidates), so greedy
 * decoding, beam search with width 1, top-k with k = 1 and top-p with p → 0 pick the same tokens.
 */
import { BiasloopError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import type { LmRuntime } from './lm-runtime.ts';
import type { DecoderOptions } from './token-decoder.ts';
import { TokenDecoder } from './token-decoder.ts';

export type Decoding =
  /** The most probable token at each step. */
  | { readonly method: 'greedy' }
  /**
   * A draw from softmax(logits / temperature) (temperature 0 = greedy), restricted to the `topK`
   * most probable tokens and then to the smallest set of the most probable whose probability
   * (renormalised after top-k) reaches `topP` (nucleus sampling).
   */
  | {
      readonly method: 'sample';
      readonly temperature?: number;
      readonly topK?: number;
      readonly topP?: number;
    }
  /**
   * Beam search with `width` beams per prompt: each step keeps the `width` highest-scoring
   * continuations (sum of log-probabilities). A beam that emits the stop token is finished with the
   * score sum / length^lengthPenalty (default 1); a prompt is done when `width` beams finished or
   * after maxNewTokens; the best finished or surviving beam (by that normalised score) is returned.
   */
  | { readonly method: 'beam'; readonly width: number; readonly lengthPenalty?: number };

export interface GenerateOptions extends DecoderOptions {
  /** New tokens per prompt (at most; fewer when the stop token appears). */
  readonly maxNewTokens: number;
  /** Default greedy. */
  readonly decoding?: Decoding;
  /** A row stops after emitting this token (it is included in the output). */
  readonly stopToken?: number;
  /** Rows decoded together (default 64; beam search uses batchSize / width prompts at a time). */
  readonly batchSize?: number;
}

function usage(message: string, field: string): never {
  throw new BiasloopError('usage', message, { field });
}

export function checkGenerateOptions(o: GenerateOptions, vocabSize: number): void {
  if (!(Number.isInteger(o.maxNewTokens) && o.maxNewTokens >= 0)) {
    usage(`maxNewTokens ${o.maxNewTokens} must be a non-negative integer`, 'maxNewTokens');
  }
  if (o.batchSize !== undefined && !(Number.isInteger(o.batchSize) && o.batchSize >= 1)) {
    usage(`batchSize ${o.batchSize} must be a positive integer`, 'batchSize');
  }
  if (
    o.stopToken !== undefined &&
    !(Number.isInteger(o.stopToken) && o.stopToken >= 0 && o.stopToken < vocabSize)
  ) {
    usage(`stopToken ${o.stopToken} must be a token id in 0..${vocabSize - 1}`, 'stopToken');
  }
  const d = o.decoding ?? { method: 'greedy' };
  switch (d.method) {
    case 'greedy':
      return;
    case 'sample': {
      const t = d.temperature ?? 1;
      if (!(t >= 0 && Number.isFinite(t)))
        usage(`temperature ${t} must be a finite number ≥ 0`, 'temperature');
      if (d.topK !== undefined && !(Number.isInteger(d.topK) && d.topK >= 1)) {
        usage(`topK ${d.topK} must be a positive integer`, 'topK');
      }
      if (d.topP !== undefined && !(d.topP > 0 && d.topP <= 1))
        usage(`topP ${d.topP} must be in (0, 1]`, 'topP');
      return;
    }
    case 'beam':
      if (!(Number.isInteger(d.width) && d.width >= 1 && d.width <= vocabSize)) {
        usage(`beam width ${d.width} must be an integer in 1..${vocabSize}`, 'width');
      }
      if (d.lengthPenalty !== undefined && !Number.isFinite(d.lengthPenalty)) {
        usage(`lengthPenalty ${d.lengthPenalty} must be a finite number`, 'lengthPenalty');
      }
      return;
    default:
      usage(
        `unknown decoding method '${String((d as { method: unknown }).method)}' (use greedy, sample or beam)`,
        'method',
      );
  }
}

/** Index of the largest of V values starting at `offset` (the smallest index among ties). */
export function argmax(values: ArrayLike<number>, offset: number, V: number): number {
  let best = 0;
  let bestValue = values[offset];
  for (let i = 1; i < V; i++) {
    const x = values[offset + i];
    if (x > bestValue) {
      bestValue = x;
      best = i;
    }
  }
  return best;
}

/** Token ids ordered by logit, largest first (ties: smaller id first); only the first `k` are sorted. */
function topOrder(logits: ArrayLike<number>, offset: number, V: number, k: number): Int32Array {
  const ids = Int32Array.from({ length: V }, (_, i) => i);
  const cmp = (a: number, b: number): number => logits[offset + b] - logits[offset + a] || a - b;
  if (k >= V / 4) return ids.sort(cmp);
  // Partial selection: keep the best k in a sorted buffer (insertion), O(V·k) for small k.
  const top = new Int32Array(k);
  let n = 0;
  for (let i = 0; i < V; i++) {
    if (n === k && cmp(i, top[k - 1]) >= 0) continue;
    let at = n < k ? n++ : k - 1;
    while (at > 0 && cmp(i, top[at - 1]) < 0) {
      top[at] = top[at - 1];
      at--;
    }
    top[at] = i;
  }
  return top;
}

/** Choose the next token of one row from its logits (see `Decoding`). */
export function chooseToken(
  logits: ArrayLike<number>,
  offset: number,
  V: number,
  decoding: Decoding,
  rng: Rng,
): number {
  if (decoding.method !== 'sample') return argmax(logits, offset, V);
  const temperature = decoding.temperature ?? 1;
  if (temperature === 0) return argmax(logits, offset, V);
  const k = Math.min(decoding.topK ?? V, V);
  const p = decoding.topP ?? 1;
  const max = logits[offset + argmax(logits, offset, V)];
  if (k >= V && p >= 1) {
    // Plain temperature sampling: walk the ids in order.
    let total = 0;
    const w = new Float64Array(V);
    for (let i = 0; i < V; i++) total += w[i] = Math.exp((logits[offset + i] - max) / temperature);
    let u = rng.float() * total;
    for (let i = 0; i < V; i++) {
      u -= w[i];
      if (u < 0) return i;
    }
    return argmax(logits, offset, V);
  }
  const order = topOrder(logits, offset, V, k);
  const n = Math.min(k, order.length);
  const w = new Float64Array(n);
  let total = 0;
  for (let j = 0; j < n; j++) total += w[j] = Math.exp((logits[offset + order[j]] - max) / temperature);
  // Nucleus: the smallest prefix (in probability order) whose mass reaches p of the top-k mass.
  let kept = n;
  if (p < 1) {
    let mass = 0;
    kept = 0;
    while (kept < n && mass < p * total) mass += w[kept++];
    total = mass;
  }
  let u = rng.float() * total;
  for (let j = 0; j < kept; j++) {
    u -= w[j];
    if (u < 0) return order[j];
  }
  return order[kept - 1];
}

/**
 * Continue every prompt (see `GenerateOptions`); returns the new tokens of each prompt.
 * `firstPrompt` is the index of `prompts[0]` in the caller's whole list (its random stream is
 * `rng.fork('prompt', firstPrompt + i)`), so a list split over threads draws what it draws whole.
 */
export function generateTokens(
  runtime: LmRuntime,
  prompts: readonly ArrayLike<number>[],
  options: GenerateOptions,
  rng: Rng,
  firstPrompt = 0,
): Int32Array[] {
  checkGenerateOptions(options, runtime.arch.vocabSize);
  const decoding = options.decoding ?? { method: 'greedy' };
  const batch = options.batchSize ?? 64;
  const out: Int32Array[] = new Array<Int32Array>(prompts.length);
  if (options.maxNewTokens === 0) {
    for (let i = 0; i < prompts.length; i++) out[i] = new Int32Array(0);
    return out;
  }
  const perChunk = decoding.method === 'beam' ? Math.max(1, Math.floor(batch / decoding.width)) : batch;
  for (let start = 0; start < prompts.length; start += perChunk) {
    const ids = Array.from({ length: Math.min(perChunk, prompts.length - start) }, (_, i) => start + i);
    const chunk = ids.map((i) => prompts[i]);
    const results =
      decoding.method === 'beam'
        ? beamSearch(runtime, chunk, options, decoding.width, decoding.lengthPenalty ?? 1)
        : sampleChunk(
            runtime,
            chunk,
            options,
            decoding,
            ids.map((i) => rng.fork('prompt', firstPrompt + i)),
          );
    results.forEach((r, j) => (out[ids[j]] = r));
  }
  return out;
}

function sampleChunk(
  runtime: LmRuntime,
  prompts: readonly ArrayLike<number>[],
  options: GenerateOptions,
  decoding: Decoding,
  rngs: readonly Rng[],
): Int32Array[] {
  const V = runtime.arch.vocabSize;
  const decoder = new TokenDecoder(runtime, prompts, options);
  const generated: number[][] = prompts.map(() => []);
  let alive = prompts.map((_, i) => i); // decoder row r continues prompt alive[r]
  for (let step = 0; step < options.maxNewTokens; step++) {
    const logits = decoder.logits();
    const next: number[] = [];
    const keep: number[] = [];
    alive.forEach((prompt, r) => {
      const token = chooseToken(logits, r * V, V, decoding, rngs[prompt]);
      generated[prompt].push(token);
      if (token !== options.stopToken) {
        keep.push(r);
        next.push(token);
      }
    });
    if (keep.length === 0 || step === options.maxNewTokens - 1) break;
    if (keep.length < alive.length) {
      decoder.select(keep);
      alive = keep.map((r) => alive[r]);
    }
    decoder.push(next);
  }
  return generated.map((g) => Int32Array.from(g));
}

interface Beam {
  readonly score: number;
  readonly tokens: readonly number[];
  /** Decoder row holding this beam's history (before its last token is pushed: its parent's row). */
  readonly row: number;
}

interface Hypothesis {
  readonly normalised: number;
  readonly tokens: readonly number[];
}

function logSoftmax(logits: ArrayLike<number>, offset: number, V: number): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[offset + i]);
  let total = 0;
  for (let i = 0; i < V; i++) total += Math.exp(logits[offset + i] - max);
  const lse = max + Math.log(total);
  const out = new Float64Array(V);
  for (let i = 0; i < V; i++) out[i] = logits[offset + i] - lse;
  return out;
}

function beamSearch(
  runtime: LmRuntime,
  prompts: readonly ArrayLike<number>[],
  options: GenerateOptions,
  width: number,
  lengthPenalty: number,
): Int32Array[] {
  const V = runtime.arch.vocabSize;
  const stop = options.stopToken;
  const decoder = new TokenDecoder(runtime, prompts, options);
  const normalise = (score: number, length: number): number => score / Math.pow(length, lengthPenalty);
  let beams: Beam[][] = prompts.map((_, i) => [{ score: 0, tokens: [], row: i }]);
  const finished: Hypothesis[][] = prompts.map(() => []);
  const done = prompts.map(() => false);
  for (let step = 0; step < options.maxNewTokens; step++) {
    const logits = decoder.logits();
    const last = step === options.maxNewTokens - 1;
    const nextBeams: Beam[][] = prompts.map(() => []);
    const parents: number[] = [];
    const tokens: number[] = [];
    beams.forEach((list, p) => {
      if (done[p]) {
        nextBeams[p] = list;
        return;
      }
      // Candidates: each beam's 2·width best tokens suffice (at most width finish, width survive).
      const candidates: { score: number; beam: number; token: number }[] = [];
      list.forEach((beam, b) => {
        const lp = logSoftmax(logits, beam.row * V, V);
        for (const token of topOrder(lp, 0, V, Math.min(V, 2 * width))) {
          candidates.push({ score: beam.score + lp[token], beam: b, token });
        }
      });
      candidates.sort((x, y) => y.score - x.score || x.beam - y.beam || x.token - y.token);
      for (const c of candidates) {
        const parent = list[c.beam];
        const extended = [...parent.tokens, c.token];
        if (c.token === stop) {
          if (finished[p].length < width) {
            finished[p].push({ normalised: normalise(c.score, extended.length), tokens: extended });
          }
        } else if (nextBeams[p].length < width) {
          nextBeams[p].push({ score: c.score, tokens: extended, row: parent.row });
        }
        if (nextBeams[p].length === width) break;
      }
      if (finished[p].length >= width || nextBeams[p].length === 0) done[p] = true;
      if (!done[p] && !last) {
        // The surviving beams become decoder rows: a copy of the parent's row plus the new token.
        nextBeams[p] = nextBeams[p].map((b) => {
          parents.push(b.row);
          tokens.push(b.tokens[b.tokens.length - 1]);
          return { ...b, row: parents.length - 1 };
        });
      }
    });
    beams = nextBeams;
    if (last || parents.length === 0) break;
    decoder.select(parents);
    decoder.push(tokens);
  }
  return prompts.map((_, p) => {
    const pool: Hypothesis[] = [
      ...finished[p],
      ...beams[p].map((b) => ({ normalised: normalise(b.score, b.tokens.length), tokens: b.tokens })),
    ];
    let best = pool[0];
    for (const h of pool) if (h.normalised > best.normalised) best = h;
    return Int32Array.from(best?.tokens ?? []);
  });
}
