/**
 * The transformer's inference sessions: the prefill graph (a batch of token windows, left-padded to
 * one length, with per-row positions and a key mask) and the single-token step graph over a KV cache.
 * Everything above (decoding state, sampling, beam search, evaluation) builds feeds through here.
 */
import { BiasloopError } from '../../core/errors.ts';
import type { CompiledModel } from '../../nn/compile.ts';
import { compileInference } from '../../nn/compile.ts';
import { Graph } from '../../nn/graph.ts';
import { InferenceSession } from '../../nn/runtime/inference-session.ts';
import type { OrtSessionOptions } from '../../nn/runtime/ort-session.ts';
import type { ParameterValues } from '../../nn/runtime/parameters.ts';
import { selectParameters } from '../../nn/runtime/parameters.ts';
import type { TransformerArchitecture } from './transformer-network.ts';
import { MASKED, buildPrefill, buildStep, cacheName } from './transformer-network.ts';

/** The prefill and single-token step graphs of an architecture (what an LmRuntime runs). */
export function compileDecoderModels(arch: TransformerArchitecture): {
  prefill: CompiledModel;
  step: CompiledModel;
} {
  const p = new Graph({ training: false });
  const prefill = compileInference(p, buildPrefill(p, arch));
  const s = new Graph({ training: false });
  const step = compileInference(s, buildStep(s, arch));
  return { prefill, step };
}

/**
 * Keys and values of every block for a batch of rows: keys transposed, k[b] is
 * [rows, heads, headDim, slots], values v[b] is [rows, heads, slots, headDim]; `length` slots are
 * filled. The prefill returns exactly its positions as slots; the decoder keeps buffers with room
 * for the whole context (see token-decoder.ts).
 */
export interface KvCache {
  readonly length: number;
  readonly k: Float32Array[];
  readonly v: Float32Array[];
}

export interface PrefillResult {
  /** Logits of every position, [rows, length, V]; row r's tokens sit at the end (left padding). */
  readonly logits: Float32Array;
  /** Padded length. */
  readonly length: number;
  /** Number of padding slots at the start of each row. */
  readonly pads: Int32Array;
  /** The cache, when asked for. */
  readonly cache?: KvCache;
}

export class LmRuntime {
  readonly arch: TransformerArchitecture;
  private readonly prefillSession: InferenceSession;
  private readonly stepSession: InferenceSession;
  private readonly prefillModel: CompiledModel;
  private readonly stepModel: CompiledModel;
  private readonly cacheOutputs: string[];

  constructor(
    arch: TransformerArchitecture,
    prefill: CompiledModel,
    step: CompiledModel,
    params: ParameterValues,
    options: OrtSessionOptions,
  ) {
    this.arch = arch;
    this.prefillModel = prefill;
    this.stepModel = step;
    this.prefillSession = new InferenceSession(prefill, selectParameters(prefill, params), options);
    this.stepSession = new InferenceSession(step, selectParameters(step, params), options);
    this.cacheOutputs = [];
    for (let b = 0; b < arch.blocks; b++)
      this.cacheOutputs.push(cacheName.presentK(b), cacheName.presentV(b));
  }

  setParameters(params: ParameterValues): void {
    this.prefillSession.setParameters(selectParameters(this.prefillModel, params));
    this.stepSession.setParameters(selectParameters(this.stepModel, params));
  }

  /**
   * Run the prefill graph on `windows` (each 1..context tokens), left-padded to the longest:
   * positions 0..len−1 for each row's tokens, padding masked out of every key.
   */
  prefill(windows: readonly ArrayLike<number>[], withCache: boolean): PrefillResult {
    const rows = windows.length;
    const { context, vocabSize } = this.arch;
    let length = 0;
    for (const w of windows) {
      if (w.length === 0 || w.length > context) {
        throw new Error(`internal: prefill window of ${w.length} tokens (context ${context})`);
      }
      length = Math.max(length, w.length);
    }
    const ids = new BigInt64Array(rows * length);
    const positions = new BigInt64Array(rows * length);
    const keyMask = new Float32Array(rows * length);
    const pads = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const w = windows[r];
      const pad = length - w.length;
      pads[r] = pad;
      const base = r * length;
      for (let j = 0; j < pad; j++) keyMask[base + j] = MASKED;
      for (let j = 0; j < w.length; j++) {
        const id = w[j];
        if (!(id >= 0 && id < vocabSize && Number.isInteger(id))) {
          throw new BiasloopError('data', `token id ${id} is outside the vocabulary 0..${vocabSize - 1}`);
        }
        ids[base + pad + j] = BigInt(id);
        positions[base + pad + j] = BigInt(j);
      }
    }
    const dims = [rows, length];
    const out = this.prefillSession.run(
      {
        ids: { data: ids, dims },
        positions: { data: positions, dims },
        key_mask: { data: keyMask, dims },
      },
      undefined,
      withCache ? ['logits', ...this.cacheOutputs] : ['logits'],
    );
    const result: PrefillResult = { logits: out.logits as Float32Array, length, pads };
    if (!withCache) return result;
    return { ...result, cache: this.collectCache(out, length) };
  }

  /**
   * One step: `tokens[r]` at `positions[r]` for each row, attending to the cache buffers (room for
   * `context` slots, read in place; `keyMask` [rows, context] is 0 for a filled slot and MASKED for
   * padding and unfilled slots) and to itself. Returns logits [rows, V] and the new token's keys and
   * values per block, [rows, heads, headDim] each.
   */
  step(
    tokens: ArrayLike<number>,
    positions: ArrayLike<number>,
    keyMask: Float32Array,
    cache: KvCache,
  ): { logits: Float32Array; k: Float32Array[]; v: Float32Array[] } {
    const rows = tokens.length;
    const { heads, width, blocks, vocabSize, context } = this.arch;
    const headDim = width / heads;
    const ids = new BigInt64Array(rows);
    const pos = new BigInt64Array(rows);
    for (let r = 0; r < rows; r++) {
      const id = tokens[r];
      if (!(id >= 0 && id < vocabSize && Number.isInteger(id))) {
        throw new BiasloopError('data', `token id ${id} is outside the vocabulary 0..${vocabSize - 1}`);
      }
      ids[r] = BigInt(id);
      pos[r] = BigInt(positions[r]);
    }
    const feeds: Record<string, { data: Float32Array | BigInt64Array; dims: number[] }> = {
      ids: { data: ids, dims: [rows] },
      positions: { data: pos, dims: [rows] },
      key_mask: { data: keyMask, dims: [rows, context] },
    };
    for (let b = 0; b < blocks; b++) {
      feeds[cacheName.pastK(b)] = { data: cache.k[b], dims: [rows, heads, headDim, context] };
      feeds[cacheName.pastV(b)] = { data: cache.v[b], dims: [rows, heads, context, headDim] };
    }
    const out = this.stepSession.run(feeds);
    const k: Float32Array[] = [];
    const v: Float32Array[] = [];
    for (let b = 0; b < blocks; b++) {
      k.push(out[cacheName.newK(b)] as Float32Array);
      v.push(out[cacheName.newV(b)] as Float32Array);
    }
    return { logits: out.logits as Float32Array, k, v };
  }

  private collectCache(out: Record<string, Float32Array | Float64Array>, length: number): KvCache {
    const k: Float32Array[] = [];
    const v: Float32Array[] = [];
    for (let b = 0; b < this.arch.blocks; b++) {
      k.push(out[cacheName.presentK(b)] as Float32Array);
      v.push(out[cacheName.presentV(b)] as Float32Array);
    }
    return { length, k, v };
  }

  dispose(): void {
    this.prefillSession.dispose();
    this.stepSession.dispose();
  }
}

/** Rows `rows` of a [n, ...rest] array laid out row-major with `rowSize` values per row. */
export function gatherRows(data: Float32Array, rowSize: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * rowSize);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    out.set(data.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize);
  }
  return out;
}
