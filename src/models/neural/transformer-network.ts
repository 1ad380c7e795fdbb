/**
 * The decoder-only transformer's graphs, built on the engine (src/nn): GPT-2's layout with
 * pre-LayerNorm blocks, learned absolute positions and causal multi-head self-attention.
 *
 *   x = tok[ids] + pos[positions]            (embedding dropout)
 *   for each block: x = x + proj(attention(LN1(x)))      (attention-weight and residual dropout)
 *                   x = x + mlp.proj(GELU_tanh(mlp.fc(LN2(x))))
 *   logits = head(LN_f(x))
 *
 * Queries, keys and values come from one fused dense layer (`attn.qkv`, width 3·C) split in three.
 * Parameter names follow GPT-2: `tok.weight` [V, C], `pos.weight` [context, C],
 * `block{i}.ln1|attn.qkv|attn.proj|ln2|mlp.fc|mlp.proj`, `ln_f`, `head` [C, V]. Initialisation as
 * GPT-2: N(0, 0.02) for embeddings and weights, N(0, 0.02/√(2·blocks)) for the two residual
 * projections, zero biases, unit LayerNorm gains.
 *
 * Four graphs share these parameters (matched by name):
 * - training: ids/targets [batch, context], per-token loss weights, constant causal mask;
 * - prefill: ids [batch, time] (time ≤ context), per-row positions and an additive key mask (left
 *   padding), returning the logits of every position and each block's keys (transposed,
 *   [batch, heads, headDim, time]) and values ([batch, heads, time, headDim]): the KV cache;
 * - step: one new token per row against a cache with room for the whole context (keys
 *   [batch, heads, headDim, context], values [batch, heads, context, headDim], unfilled slots masked),
 *   returning its logits and the new token's keys and values (the caller writes them into its cache
 *   buffers, which the next step reads in place: no cache is copied through the graph). Activations
 *   are 2-D [batch, C]; the new token attends to the cache with two batched MatMuls and to itself
 *   elementwise, under one softmax;
 * - forward (exported): ids [batch, time] → logits [batch, time, V], positions 0..time−1.
 */
import type { Graph, Tensor } from '../../nn/graph.ts';
import { init } from '../../nn/init.ts';
import { softmaxCrossEntropy } from '../../nn/losses.ts';
import { dense, embeddingLayer, layerNormLayer } from '../../nn/layers.ts';
import { gelu } from '../../nn/ops/activations.ts';
import { dropout } from '../../nn/ops/dropout.ts';
import { add, mul } from '../../nn/ops/elementwise.ts';
import { embedding } from '../../nn/ops/embedding.ts';
import { matmul } from '../../nn/ops/matmul.ts';
import { softmax } from '../../nn/ops/softmax.ts';
import { reshape, split, transpose } from '../../nn/ops/shape-ops.ts';
import { bin, reduce, un } from '../../nn/ops/emit.ts';
import type { Dim, Shape } from '../../nn/shape.ts';

export interface TransformerArchitecture {
  /** Token vocabulary size V. */
  readonly vocabSize: number;
  /** Context length: the longest sequence the model sees (learned positions 0..context−1). */
  readonly context: number;
  /** Model width C (embedding and residual stream). */
  readonly width: number;
  readonly heads: number;
  readonly blocks: number;
  /** Hidden width of each block's MLP (4·C in GPT-2). */
  readonly mlpWidth: number;
  /** Dropout rate on embeddings, attention weights and residual branches (training only). */
  readonly dropout: number;
}

/** The additive mask value for positions a query may not attend to (finite, so no NaN appears). */
export const MASKED = -1e9;

/** Keys [batch, heads, headDim, positions] and values [batch, heads, positions, headDim] of one block. */
export interface KeyValue {
  readonly k: Tensor;
  readonly v: Tensor;
}

interface AttentionIo {
  /** Additive mask broadcastable to the scores [batch, heads, queries, keys]. */
  readonly mask?: Tensor;
  /** Return each block's keys (transposed) and values (for the cache). */
  readonly wantPresents: boolean;
}

function initStd(a: TransformerArchitecture, residual: boolean): number {
  return residual ? 0.02 / Math.sqrt(2 * a.blocks) : 0.02;
}

function attention(
  x: Tensor,
  a: TransformerArchitecture,
  time: Dim,
  io: AttentionIo,
): { out: Tensor; present?: KeyValue } {
  const headDim = a.width / a.heads;
  const qkv = dense(x, 'qkv', 3 * a.width, { init: init.normal(initStd(a, false)) });
  const [q5, k5, v5] = split(reshape(qkv, ['batch', time, 3, a.heads, headDim]), 2, [1, 1, 1]);
  const split4 = (t: Tensor): Tensor => reshape(t, ['batch', time, a.heads, headDim]);
  // Scale the queries (fewer values than the scores when time > headDim).
  const q = mul(transpose(split4(q5), [0, 2, 1, 3]), 1 / Math.sqrt(headDim));
  // Keys straight to [batch, heads, headDim, time] (one transpose, no extra one for Kᵀ).
  const keysT = transpose(split4(k5), [0, 2, 3, 1]);
  const values = transpose(split4(v5), [0, 2, 1, 3]);
  const present = io.wantPresents ? { k: keysT, v: values } : undefined;
  let scores = matmul(q, keysT);
  if (io.mask !== undefined) scores = add(scores, io.mask);
  const weights = dropout(softmax(scores), a.dropout);
  const merged = reshape(transpose(matmul(weights, values), [0, 2, 1, 3]), ['batch', time, a.width]);
  const out = dense(merged, 'proj', a.width, { init: init.normal(initStd(a, true)) });
  return { out, present };
}

/**
 * The blocks, final LayerNorm and LM head on embedded inputs `x` [batch, time, C]:
 * logits [batch, time, V] and, when asked, each block's keys and values.
 */
export function transformerTrunk(
  x: Tensor,
  a: TransformerArchitecture,
  time: Dim,
  io: AttentionIo,
): { logits: Tensor; presents: KeyValue[] } {
  const g = x.graph;
  let h = dropout(x, a.dropout);
  const presents: KeyValue[] = [];
  for (let b = 0; b < a.blocks; b++) {
    h = g.scope(`block${b}`, () => {
      const normed = layerNormLayer(h, 'ln1');
      const attended = g.scope('attn', () => attention(normed, a, time, io));
      if (attended.present !== undefined) presents.push(attended.present);
      const x1 = add(h, dropout(attended.out, a.dropout));
      const normed2 = layerNormLayer(x1, 'ln2');
      const m = g.scope('mlp', () => {
        const fc = dense(normed2, 'fc', a.mlpWidth, {
          init: init.normal(initStd(a, false)),
        });
        return dense(gelu(fc, 'tanh'), 'proj', a.width, { init: init.normal(initStd(a, true)) });
      });
      return add(x1, dropout(m, a.dropout));
    });
  }
  const logits = dense(layerNormLayer(h, 'ln_f'), 'head', a.vocabSize, {
    init: init.normal(initStd(a, false)),
  });
  return { logits, presents };
}

function tokenEmbedding(ids: Tensor, a: TransformerArchitecture): Tensor {
  return embeddingLayer(ids, 'tok', a.vocabSize, a.width, 0.02);
}

function positionTable(g: Graph, a: TransformerArchitecture): Tensor {
  return g.scope('pos', () => g.param('weight', [a.context, a.width], init.normal(0.02)));
}

/** The causal mask [context, context]: 0 on and below the diagonal, MASKED above. */
export function causalMaskValues(context: number): Float32Array {
  const m = new Float32Array(context * context);
  for (let i = 0; i < context; i++) for (let j = i + 1; j < context; j++) m[i * context + j] = MASKED;
  return m;
}

/** The runtime `time` dimension of `ids` [batch, time] as an int64 [1] tensor. */
function timeOf(ids: Tensor): Tensor {
  const g = ids.graph;
  return g.raw1(
    'Gather',
    [g.shapeOf(ids), g.int64s([1])],
    { shape: [1], dtype: 'int64' },
    { axis: { int: 0 } },
  );
}

/** The top-left [time, time] corner of the causal mask, for a runtime `time` ≤ context. */
function runtimeCausalMask(ids: Tensor, a: TransformerArchitecture): Tensor {
  const g = ids.graph;
  const full = g.constant(causalMaskValues(a.context), [a.context, a.context], g.floatType);
  const t = timeOf(ids);
  const ends = g.raw1('Concat', [t, t], { shape: [2], dtype: 'int64' }, { axis: { int: 0 } });
  return g.raw1('Slice', [full, g.int64s([0, 0]), ends, g.int64s([0, 1])], {
    shape: ['time', 'time'],
    dtype: g.floatType,
  });
}

/** Training graph: mean (weighted) next-token cross-entropy over batch × context, in nats. */
export function buildTrainingLoss(g: Graph, a: TransformerArchitecture): Tensor {
  const T = a.context;
  const ids = g.input('ids', ['batch', T], { dtype: 'int64' });
  const targets = g.input('targets', ['batch', T], { dtype: 'int64' });
  const weights = g.input('weights', ['batch', T]);
  const x = add(tokenEmbedding(ids, a), positionTable(g, a));
  const mask = g.constant(causalMaskValues(T), [T, T], g.floatType);
  const { logits } = transformerTrunk(x, a, T, { mask, wantPresents: false });
  return tokenCrossEntropy(logits, targets, weights, a.vocabSize);
}

/**
 * Mean of w ⊙ (−log softmax(logits)[target]) over every position: log-softmax, then the target's
 * value picked with a one-hot mask (the engine's softmaxCrossEntropy recipe, with per-token weights).
 */
function tokenCrossEntropy(logits: Tensor, targets: Tensor, weights: Tensor, vocab: number): Tensor {
  const g = logits.graph;
  const flat = reshape(logits, [-1, vocab]);
  const labels = g.raw1('Reshape', [targets, g.int64s([-1])], { shape: [flat.shape[0]], dtype: 'int64' });
  const w = g.raw1('Reshape', [weights, g.int64s([-1])], { shape: [flat.shape[0]], dtype: g.floatType });
  return softmaxCrossEntropy(flat, labels, { sampleWeights: w, reduction: 'mean' });
}

/** Names of the cache inputs/outputs of block `b`. */
export const cacheName = {
  pastK: (b: number): string => `past_k${b}`,
  pastV: (b: number): string => `past_v${b}`,
  presentK: (b: number): string => `present_k${b}`,
  presentV: (b: number): string => `present_v${b}`,
  newK: (b: number): string => `new_k${b}`,
  newV: (b: number): string => `new_v${b}`,
};

/**
 * Prefill graph (inference): ids, positions [batch, time] int64 and key_mask [batch, time] (0 for a
 * real token, MASKED for left padding) → logits [batch, time, V], present_k{b}
 * [batch, heads, headDim, time] and present_v{b} [batch, heads, time, headDim].
 */
export function buildPrefill(g: Graph, a: TransformerArchitecture): Record<string, Tensor> {
  const ids = g.input('ids', ['batch', 'time'], { dtype: 'int64' });
  const positions = g.input('positions', ['batch', 'time'], { dtype: 'int64' });
  const keyMask = g.input('key_mask', ['batch', 'time']);
  const x = add(tokenEmbedding(ids, a), embedding(positionTable(g, a), positions));
  const causal = runtimeCausalMask(ids, a);
  const keys = reshape(keyMask, ['batch', 1, 1, 'time']);
  const mask = bin('Add', keys, causal); // [batch, 1, time, time]
  const { logits, presents } = transformerTrunk(x, a, 'time', { mask, wantPresents: true });
  const outputs: Record<string, Tensor> = { logits };
  presents.forEach((p, b) => {
    outputs[cacheName.presentK(b)] = p.k;
    outputs[cacheName.presentV(b)] = p.v;
  });
  return outputs;
}

/**
 * Inference-only reshape to `shape`, whose symbolic dimensions keep their place from the input:
 * ONNX Reshape copies a 0 entry from the input's dimension, so the target is one constant (no
 * Shape/Gather/Concat nodes computing it at run time).
 */
function reshapeKeeping(x: Tensor, shape: Shape): Tensor {
  const target = shape.map((d, i) => {
    if (typeof d === 'number') return d;
    if (x.shape[i] !== d) throw new Error(`internal: dimension '${d}' is not at axis ${i} of ${x}`);
    return 0;
  });
  return x.graph.raw1('Reshape', [x, x.graph.int64s(target)], { shape, dtype: x.dtype });
}

/**
 * Step graph (inference): one new token per row. ids, positions [batch] int64; key_mask
 * [batch, context] (0 for a cached token, MASKED for padding and unfilled slots); past_k{b}
 * [batch, heads, headDim, context], past_v{b} [batch, heads, context, headDim] → logits [batch, V]
 * and new_k{b} / new_v{b} [batch, heads, 1, headDim].
 */
export function buildStep(g: Graph, a: TransformerArchitecture): Record<string, Tensor> {
  const headDim = a.width / a.heads;
  const H = a.heads;
  const C = a.context;
  const ids = g.input('ids', ['batch'], { dtype: 'int64' });
  const positions = g.input('positions', ['batch'], { dtype: 'int64' });
  const keyMask = g.input('key_mask', ['batch', C]);
  const mask = reshapeKeeping(keyMask, ['batch', 1, 1, C]);
  const outputs: Record<string, Tensor> = {};
  let x = add(tokenEmbedding(ids, a), embedding(positionTable(g, a), positions)); // [batch, C]
  for (let b = 0; b < a.blocks; b++) {
    const keysT = g.input(cacheName.pastK(b), ['batch', H, headDim, C]);
    const values = g.input(cacheName.pastV(b), ['batch', H, C, headDim]);
    x = g.scope(`block${b}`, () => {
      const normed = layerNormLayer(x, 'ln1');
      const attended = g.scope('attn', () => {
        const qkv = dense(normed, 'qkv', 3 * a.width, { init: init.normal(initStd(a, false)) });
        const [qf, kf, vf] = split(qkv, 1, [a.width, a.width, a.width]);
        const heads = (t: Tensor): Tensor => reshapeKeeping(t, ['batch', H, 1, headDim]);
        const q = bin('Mul', heads(qf), 1 / Math.sqrt(headDim));
        const k = heads(kf);
        const v = heads(vf);
        outputs[cacheName.newK(b)] = k;
        outputs[cacheName.newV(b)] = v;
        // Scores against the cache [batch, H, 1, C] and against the new token itself [batch, H, 1, 1],
        // then one softmax over both.
        const info = (last: number): { shape: Dim[]; dtype: typeof q.dtype } => ({
          shape: ['batch', H, 1, last],
          dtype: q.dtype,
        });
        const scoresPast = bin('Add', g.raw1('MatMul', [q, keysT], info(C)), mask);
        const scoreNew = reduce('ReduceSum', bin('Mul', k, q), [3], true);
        const max = g.raw1('Max', [reduce('ReduceMax', scoresPast, [3], true), scoreNew], info(1));
        const expPast = un('Exp', bin('Sub', scoresPast, max));
        const expNew = un('Exp', bin('Sub', scoreNew, max));
        const total = bin('Add', reduce('ReduceSum', expPast, [3], true), expNew);
        const mixed = bin('Add', g.raw1('MatMul', [expPast, values], info(headDim)), bin('Mul', v, expNew));
        return dense(reshapeKeeping(bin('Div', mixed, total), ['batch', a.width]), 'proj', a.width, {
          init: init.normal(initStd(a, true)),
        });
      });
      const x1 = add(x, attended);
      const normed2 = layerNormLayer(x1, 'ln2');
      const m = g.scope('mlp', () => {
        const fc = dense(normed2, 'fc', a.mlpWidth, { init: init.normal(initStd(a, false)) });
        return dense(gelu(fc, 'tanh'), 'proj', a.width, { init: init.normal(initStd(a, true)) });
      });
      return add(x1, m);
    });
  }
  outputs.logits = dense(layerNormLayer(x, 'ln_f'), 'head', a.vocabSize, {
    init: init.normal(initStd(a, false)),
  });
  return outputs;
}

/** Forward graph for export: ids [batch, time] (time ≤ context) → logits [batch, time, V]. */
export function buildForward(g: Graph, a: TransformerArchitecture): Tensor {
  const ids = g.input('ids', ['batch', 'time'], { dtype: 'int64' });
  const table = positionTable(g, a);
  const rows = g.raw1('Slice', [table, g.int64s([0]), timeOf(ids), g.int64s([0])], {
    shape: ['time', a.width],
    dtype: g.floatType,
  });
  const x = bin('Add', tokenEmbedding(ids, a), rows);
  return transformerTrunk(x, a, 'time', { mask: runtimeCausalMask(ids, a), wantPresents: false }).logits;
}
