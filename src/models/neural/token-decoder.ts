/**
 * Incremental decoding for a batch of rows: each row is a token history (its prompt plus the tokens
 * appended so far), and `logits()` gives every row's next-token logits. Sampling and beam search are
 * written against this class (push a token per row, keep or duplicate rows with `select`).
 *
 * The model has learned absolute positions 0..context−1, so it conditions on at most the last
 * `context` tokens of a history, at positions 0..len−1 of that window (the semantics of running the
 * model on the window from scratch, "full recomputation").
 *
 * With the KV cache (default), the prompt windows run once through the prefill graph, which returns
 * every block's keys and values; each later token runs through the step graph at its position,
 * attending to the cache. Rows of different lengths are left-padded, with the padding masked out of
 * every key. A cache stays valid only while positions fit the context: once a row's next position
 * would reach `context`, the window must slide, and sliding shifts every position, so the cached keys
 * (computed at the old positions) no longer apply. Two rules:
 * - `slide` (default, exact): from then on every step recomputes each row's last `context` tokens
 *   with the prefill graph. Logits equal full recomputation at every step.
 * - `restart`: the window restarts from each row's last `restartKeep` tokens (default context/2),
 *   which are prefilled, and caching resumes for the next context − restartKeep steps. Faster beyond
 *   the context, but a token is then conditioned on between restartKeep and context tokens instead
 *   of always context.
 * Without the cache (`cache: false`) every step is a full recomputation of each row's window.
 */
import { BiasloopError } from '../../core/errors.ts';
import type { KvCache, LmRuntime } from './lm-runtime.ts';
import { gatherRows } from './lm-runtime.ts';
import { MASKED } from './transformer-network.ts';

export interface DecoderOptions {
  /** Use the KV cache (default true). */
  readonly cache?: boolean;
  /** What to do when a row outgrows the context (default 'slide'). */
  readonly overflow?: 'slide' | 'restart';
  /** Tokens kept when the window restarts (overflow 'restart'; default ⌊context/2⌋). */
  readonly restartKeep?: number;
}

interface CacheState {
  /**
   * Buffers with room for `context` slots: keys [rows, heads, headDim, context], values
   * [rows, heads, context, headDim]; `length` slots are filled.
   */
  cache: KvCache;
  /** Padding slots at the start of each row's cache. */
  pads: Int32Array;
  /** Index in each row's history where its cached window starts. */
  starts: Int32Array;
}

export class TokenDecoder {
  private readonly runtime: LmRuntime;
  private readonly useCache: boolean;
  private readonly overflow: 'slide' | 'restart';
  private readonly keep: number;
  private histories: Int32Array[];
  private lengths: number[];
  private state?: CacheState;
  /** Logits for the current histories, [rows, V], once computed. */
  private current?: Float32Array;
  /** True once the window slides (overflow 'slide'): the cache is no longer used. */
  private sliding = false;
  /** Tokens pushed since the cache was last brought up to date. */
  private pending = 0;

  constructor(runtime: LmRuntime, prompts: readonly ArrayLike<number>[], options: DecoderOptions = {}) {
    this.runtime = runtime;
    const context = runtime.arch.context;
    this.useCache = options.cache ?? true;
    this.overflow = options.overflow ?? 'slide';
    if (this.overflow !== 'slide' && this.overflow !== 'restart') {
      throw new BiasloopError('usage', `overflow '${String(this.overflow)}' must be 'slide' or 'restart'`, {
        field: 'overflow',
      });
    }
    this.keep = options.restartKeep ?? Math.max(1, Math.floor(context / 2));
    if (!(Number.isInteger(this.keep) && this.keep >= 1 && this.keep < context)) {
      throw new BiasloopError('usage', `restartKeep ${this.keep} must be an integer in 1..${context - 1}`, {
        field: 'restartKeep',
      });
    }
    if (prompts.length === 0) throw new BiasloopError('usage', 'decoding needs at least one prompt');
    this.histories = prompts.map((p, i) => {
      if (p.length === 0) {
        throw new BiasloopError('usage', `prompt ${i} is empty: give at least one token (e.g. a newline)`, {
          field: 'prompts',
        });
      }
      const h = new Int32Array(Math.max(16, p.length * 2));
      for (let j = 0; j < p.length; j++) h[j] = p[j];
      return h;
    });
    this.lengths = prompts.map((p) => p.length);
  }

  get rows(): number {
    return this.histories.length;
  }

  /** Row `row`'s tokens so far (prompt and appended tokens). */
  history(row: number): Int32Array {
    return this.histories[row].slice(0, this.lengths[row]);
  }

  /** Next-token logits of every row, [rows, V] (row-major). */
  logits(): Float32Array {
    if (this.current !== undefined) return this.current;
    const context = this.runtime.arch.context;
    // The step graph appends one token; after several pushes, rebuild the cache from the windows.
    if (this.pending > 1) this.state = undefined;
    this.pending = 0;
    if (!this.useCache || this.sliding) {
      this.current = this.windowLogits((r) => Math.max(0, this.lengths[r] - context));
    } else if (this.state === undefined) {
      this.current = this.prefill((r) => Math.max(0, this.lengths[r] - context));
    } else {
      const { starts } = this.state;
      let maxPosition = 0;
      for (let r = 0; r < this.rows; r++)
        maxPosition = Math.max(maxPosition, this.lengths[r] - 1 - starts[r]);
      if (maxPosition < context) this.current = this.step();
      else if (this.overflow === 'slide') {
        this.sliding = true;
        this.state = undefined;
        this.current = this.windowLogits((r) => Math.max(0, this.lengths[r] - context));
      } else this.current = this.prefill((r) => Math.max(0, this.lengths[r] - this.keep));
    }
    return this.current;
  }

  /** Append one token to each row. */
  push(tokens: ArrayLike<number>): void {
    if (tokens.length !== this.rows) {
      throw new BiasloopError('usage', `push needs one token per row (${this.rows}), got ${tokens.length}`);
    }
    for (let r = 0; r < this.rows; r++) {
      let h = this.histories[r];
      if (this.lengths[r] === h.length) {
        const grown = new Int32Array(h.length * 2);
        grown.set(h);
        this.histories[r] = h = grown;
      }
      h[this.lengths[r]++] = tokens[r];
    }
    this.current = undefined;
    this.pending++;
  }

  /**
   * Keep rows `rows` (in that order; a row may appear several times, e.g. beam search's parents):
   * row i of the result is a copy of old row rows[i], with its history, cache and logits.
   */
  select(rows: ArrayLike<number>): void {
    const list = Array.from(rows);
    for (const r of list) {
      if (!(Number.isInteger(r) && r >= 0 && r < this.rows)) throw new Error(`internal: select row ${r}`);
    }
    const V = this.runtime.arch.vocabSize;
    const seen = new Set<number>();
    this.histories = list.map((r) => {
      const h = seen.has(r) ? this.histories[r].slice() : this.histories[r];
      seen.add(r);
      return h;
    });
    this.lengths = list.map((r) => this.lengths[r]);
    if (this.current !== undefined) this.current = gatherRows(this.current, V, list);
    if (this.state !== undefined) {
      const { cache, pads, starts } = this.state;
      // Rows are the outer axis of both buffers: gather whole row blocks.
      const rowSize = this.runtime.arch.context * this.runtime.arch.width;
      this.state = {
        cache: {
          length: cache.length,
          k: cache.k.map((t) => gatherRows(t, rowSize, list)),
          v: cache.v.map((t) => gatherRows(t, rowSize, list)),
        },
        pads: Int32Array.from(list, (r) => pads[r]),
        starts: Int32Array.from(list, (r) => starts[r]),
      };
    }
  }

  /** Windows history[start(r) .. len), through the prefill graph, building the cache. */
  private prefill(start: (row: number) => number): Float32Array {
    const starts = Int32Array.from({ length: this.rows }, (_, r) => start(r));
    const windows = this.histories.map((h, r) => h.subarray(starts[r], this.lengths[r]));
    const result = this.runtime.prefill(windows, true);
    const presents = result.cache as KvCache;
    // Copy the prefill's L slots into buffers with room for the whole context.
    const { context: C, heads, width } = this.runtime.arch;
    const headDim = width / heads;
    const L = presents.length;
    const lines = this.rows * heads; // (row, head) pairs
    const keys = presents.k.map((src) => {
      const dst = new Float32Array(lines * headDim * C);
      for (let line = 0; line < lines * headDim; line++) {
        dst.set(src.subarray(line * L, (line + 1) * L), line * C);
      }
      return dst;
    });
    const values = presents.v.map((src) => {
      const dst = new Float32Array(lines * C * headDim);
      for (let line = 0; line < lines; line++) {
        dst.set(src.subarray(line * L * headDim, (line + 1) * L * headDim), line * C * headDim);
      }
      return dst;
    });
    this.state = { cache: { length: L, k: keys, v: values }, pads: result.pads, starts };
    return lastPositions(result.logits, this.rows, result.length, this.runtime.arch.vocabSize);
  }

  /** Logits of the windows history[start(r) .. len) without a cache. */
  private windowLogits(start: (row: number) => number): Float32Array {
    const windows = this.histories.map((h, r) => h.subarray(start(r), this.lengths[r]));
    const result = this.runtime.prefill(windows, false);
    return lastPositions(result.logits, this.rows, result.length, this.runtime.arch.vocabSize);
  }

  /** The last token of each row through the step graph, appended to the cache. */
  private step(): Float32Array {
    const state = this.state as CacheState;
    const rows = this.rows;
    const { context: C, heads, width } = this.runtime.arch;
    const headDim = width / heads;
    const slot = state.cache.length;
    const tokens = new Int32Array(rows);
    const positions = new Int32Array(rows);
    const keyMask = new Float32Array(rows * C).fill(MASKED);
    for (let r = 0; r < rows; r++) {
      tokens[r] = this.histories[r][this.lengths[r] - 1];
      positions[r] = this.lengths[r] - 1 - state.starts[r];
      keyMask.fill(0, r * C + state.pads[r], r * C + slot);
    }
    const { logits, k, v } = this.runtime.step(tokens, positions, keyMask, state.cache);
    // Write the new keys (a column of the transposed buffer) and values into slot `slot`.
    for (let b = 0; b < k.length; b++) {
      const keys = state.cache.k[b];
      const values = state.cache.v[b];
      for (let line = 0; line < rows * heads; line++) {
        for (let d = 0; d < headDim; d++) keys[(line * headDim + d) * C + slot] = k[b][line * headDim + d];
        values.set(v[b].subarray(line * headDim, (line + 1) * headDim), (line * C + slot) * headDim);
      }
    }
    state.cache = { ...state.cache, length: slot + 1 };
    return logits;
  }
}

/** The logits of the last position of each row: [rows, V] out of [rows, length, V]. */
function lastPositions(logits: Float32Array, rows: number, length: number, V: number): Float32Array {
  if (length === 1) return logits;
  const out = new Float32Array(rows * V);
  for (let r = 0; r < rows; r++) {
    const from = (r * length + length - 1) * V;
    out.set(logits.subarray(from, from + V), r * V);
  }
  return out;
}
