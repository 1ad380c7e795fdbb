/**
 * The builder supports a decoder-only transformer block end to end (what the language model is built
 * from): token embedding + learned positions, pre-LayerNorm causal multi-head self-attention
 * (batched MatMul with transposes, a constant causal mask added to the scores, softmax on the last
 * axis), a GELU MLP, dense layers on rank-3 inputs with a symbolic batch, weight decay exclusions,
 * and cross-entropy over batch × time. It trains on a toy task (predict the previous token) and the
 * loss falls; the same graph serves any batch size.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import type { Tensor } from '../../src/nn/index.ts';
import {
  Graph,
  add,
  adamw,
  compileTraining,
  dense,
  embeddingLayer,
  gelu,
  init,
  initParameters,
  layerNormLayer,
  matmul,
  mul,
  reshape,
  softmax,
  softmaxCrossEntropy,
  transpose,
  TrainingSession,
} from '../../src/nn/index.ts';

const [T, V, C, H] = [8, 12, 16, 2];
const D = C / H;

function block(x: Tensor, name: string): Tensor {
  const g = x.graph;
  return g.scope(name, () => {
    const h = layerNormLayer(x, 'ln1');
    const heads = (t: Tensor): Tensor => transpose(reshape(t, ['batch', T, H, D]), [0, 2, 1, 3]);
    const q = heads(dense(h, 'q', C, { init: 'glorot' }));
    const k = heads(dense(h, 'k', C, { init: 'glorot' }));
    const v = heads(dense(h, 'v', C, { init: 'glorot' }));
    const mask = Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0));
    const scores = add(
      mul(matmul(q, transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(D)),
      g.constant(mask, [T, T]),
    );
    const attended = reshape(transpose(matmul(softmax(scores), v), [0, 2, 1, 3]), ['batch', T, C]);
    const x1 = add(x, dense(attended, 'proj', C, { init: 'glorot' }));
    const m = dense(gelu(dense(layerNormLayer(x1, 'ln2'), 'fc', 4 * C)), 'fc_out', C, { init: 'glorot' });
    return add(x1, m);
  });
}

describe('a causal transformer block built from the engine', () => {
  it('trains on "predict the previous token" and the loss falls well below chance', () => {
    const g = new Graph();
    const ids = g.input('ids', ['batch', T], { dtype: 'int64' });
    const targets = g.input('targets', ['batch', T], { dtype: 'int64' });
    const positions = g.param('pos', [T, C], init.normal(0.02));
    let x = add(embeddingLayer(ids, 'tok', V, C, 0.02), positions);
    x = block(x, 'block0');
    const logits = dense(layerNormLayer(x, 'ln_f'), 'head', V, { init: 'glorot' });
    const loss = softmaxCrossEntropy(reshape(logits, [-1, V]), reshape(targets, [-1]));
    const model = compileTraining(g, loss, {
      optimizer: adamw({ weightDecay: 0.01 }),
      clipGradNorm: 1,
      decays: (name) => name.endsWith('.weight') && !name.includes('ln'),
    });
    const rng = Rng.stream(1, 'attention');
    const session = new TrainingSession(model, initParameters(model, rng.fork('init')), { rng });
    const batch = (n: number): { ids: BigInt64Array; targets: BigInt64Array } => {
      const a = new BigInt64Array(n * T);
      const b = new BigInt64Array(n * T);
      for (let i = 0; i < n * T; i++) {
        a[i] = BigInt(rng.int(V));
        b[i] = i % T === 0 ? 0n : a[i - 1];
      }
      return { ids: a, targets: b };
    };
    let first = NaN;
    let last = NaN;
    for (let step = 0; step < 150; step++) {
      const n = step % 2 === 0 ? 16 : 11; // the same graph serves any batch size
      const { ids: a, targets: b } = batch(n);
      last = session.run({ ids: { data: a, dims: [n, T] }, targets: { data: b, dims: [n, T] } }, 1e-2).loss;
      if (step === 0) first = last;
    }
    expect(first).toBeGreaterThan(Math.log(V) - 0.5);
    expect(last).toBeLessThan(0.5 * Math.log(V));
  });
});
