/**
 * The transformer language model's whole-model gradients (its real training graph: embeddings,
 * learned positions, two pre-LayerNorm blocks with fused-QKV causal attention and a tanh-GELU MLP,
 * final LayerNorm, LM head, per-token weighted cross-entropy) against central finite differences on
 * random parameter coordinates, in float64 (every node of the graph has a double kernel in ORT's CPU
 * provider), h = 1e-5, tolerance 1e-6·max(1, |numeric|) + 1e-8.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { Graph } from '../../src/nn/graph.ts';
import { gradients } from '../../src/nn/autodiff.ts';
import { encodeGraph } from '../../src/nn/onnx/encode.ts';
import { fillInitial } from '../../src/nn/init.ts';
import { OrtSession, OrtTensor } from '../../src/nn/runtime/ort-session.ts';
import { buildTrainingLoss } from '../../src/models/neural/transformer-network.ts';

describe('transformer LM gradients', () => {
  it('equal central finite differences on 80 random parameter coordinates (float64)', () => {
    const arch = { vocabSize: 11, context: 6, width: 8, heads: 2, blocks: 2, mlpWidth: 12, dropout: 0 };
    const g = new Graph({ floatType: 'float64' });
    const loss = buildTrainingLoss(g, arch);
    const params = g.inputsOf('param');
    const grads = gradients(
      loss,
      params.map((p) => p.tensor),
    );
    g.output('loss', loss);
    grads.forEach((d, i) => g.output(`grad_${i}`, d));
    const session = new OrtSession(encodeGraph(g));
    const rng = Rng.stream(7, 'transformer-grad');
    const feeds: Record<string, OrtTensor> = {};
    const values = params.map((p) => {
      const shape = p.tensor.shape as number[];
      const v = new Float64Array(shape.reduce((a, b) => a * b, 1));
      // Larger than the GPT-2 initialisation (std 0.02), so every path carries a sizeable gradient;
      // non-trivial LayerNorm gains and biases.
      const init = p.init?.kind === 'normal' ? { kind: 'normal' as const, std: 0.5 } : p.init;
      fillInitial(v, init ?? { kind: 'normal', std: 0.5 }, rng.fork(p.tensor.name));
      if (p.init?.kind === 'zeros' || p.init?.kind === 'ones') {
        for (let k = 0; k < v.length; k++) v[k] += 0.3 * rng.normal();
      }
      feeds[p.tensor.name] = new OrtTensor('float64', v, [...shape]);
      return v;
    });
    const n = 3;
    const T = arch.context;
    const ids = BigInt64Array.from({ length: n * T }, () => BigInt(rng.int(arch.vocabSize)));
    const targets = BigInt64Array.from({ length: n * T }, () => BigInt(rng.int(arch.vocabSize)));
    const weights = Float64Array.from({ length: n * T }, () => 0.5 + rng.float());
    feeds.ids = new OrtTensor('int64', ids, [n, T]);
    feeds.targets = new OrtTensor('int64', targets, [n, T]);
    feeds.weights = new OrtTensor('float64', weights, [n, T]);
    const names = ['loss', ...grads.map((_, i) => `grad_${i}`)];
    const base = session.run(feeds, names);
    const analytic = grads.map((_, i) => base[`grad_${i}`].data as Float64Array);
    const lossAt = (): number => (session.run(feeds, ['loss']).loss.data as Float64Array)[0];
    const h = 1e-5;
    const failures: string[] = [];
    const checkedParams = new Set<string>();
    let maxAbs = 0;
    // Every parameter at least once, then random coordinates.
    const picks: [number, number][] = params.map((_, p) => [p, rng.int(values[p].length)]);
    while (picks.length < 80) {
      const p = rng.int(params.length);
      picks.push([p, rng.int(values[p].length)]);
    }
    for (const [p, k] of picks) {
      const orig = values[p][k];
      values[p][k] = orig + h;
      const up = lossAt();
      values[p][k] = orig - h;
      const down = lossAt();
      values[p][k] = orig;
      const numeric = (up - down) / (2 * h);
      maxAbs = Math.max(maxAbs, Math.abs(numeric));
      checkedParams.add(params[p].tensor.name);
      if (Math.abs(analytic[p][k] - numeric) > 1e-6 * Math.max(1, Math.abs(numeric)) + 1e-8) {
        failures.push(`${params[p].tensor.name}[${k}]: analytic ${analytic[p][k]}, numeric ${numeric}`);
      }
    }
    session.dispose();
    expect(failures).toEqual([]);
    expect(maxAbs).toBeGreaterThan(1e-2);
    // Embeddings, positions, both blocks' attention and MLP, LayerNorms and the head were all checked.
    expect(checkedParams.size).toBe(params.length);
    expect(params.length).toBe(2 + 2 * 12 + 4);
  });
});
