/**
 * The CNN's loss and parameter gradients equal PyTorch autograd's.
 *
 * Reference: PyTorch 1.13 (Debian python3-torch), float64, the script below run once with
 * /usr/bin/python3; inputs and weights come from the closed form fill(shape, a, b)[i] = 0.5·sin(a·i + b)
 * on both sides (x takes its absolute value), labels [1, 3]. Ours runs in float32 (Conv has no double
 * kernel in ORT's CPU provider), so values agree to float32 accuracy.
 *
 *   h = max_pool2d(relu(conv2d(x, c1w, c1b)), 2); h = max_pool2d(relu(conv2d(h, c2w, c2b)), 2)
 *   h = relu(h.reshape(2, -1) @ f1w + f1b); loss = cross_entropy(h @ f2w + f2b, y); loss.backward()
 *   print(loss, and per parameter: grad.sum(), grad.abs().sum(), grad.flatten()[:3])
 */
import { describe, expect, it } from 'vitest';
import { Graph } from '../../src/nn/graph.ts';
import { gradients } from '../../src/nn/autodiff.ts';
import { encodeGraph } from '../../src/nn/onnx/encode.ts';
import { OrtSession, OrtTensor } from '../../src/nn/runtime/ort-session.ts';
import { softmaxCrossEntropy } from '../../src/nn/losses.ts';
import { cnnLogits } from '../../src/models/cnn.ts';

const fill = (n: number, a: number, b: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(a * i + b) * 0.5);

// name → [a, b] of its fill, and the PyTorch values [sum, abs sum, first three].
const PARAMS: Record<string, { fill: [number, number]; sum: number; abs: number; head: number[] }> = {
  'conv1.weight': {
    fill: [0.71, 0.2],
    sum: 0.11289393323826694,
    abs: 0.6485848619168575,
    head: [-0.0014330820888718099, -0.0029094238097393116, -0.00399198866668268],
  },
  'conv1.bias': {
    fill: [1.3, 0.3],
    sum: 0.011729428808747049,
    abs: 0.07187568476430829,
    head: [-0.009684139257523212, 0.028801666253348197, 0.013000890533179472],
  },
  'conv2.weight': {
    fill: [0.53, 0.4],
    sum: 1.173588116854765,
    abs: 7.68187459621276,
    head: [0.03727642665140227, 0.03161189659357065, 0.032578953413147],
  },
  'conv2.bias': {
    fill: [0.9, 0.5],
    sum: 0.02995585403492794,
    abs: 0.19540673003530562,
    head: [0.031327630350382815, -0.04672341062052194, 0.03231487677053079],
  },
  'fc1.weight': {
    fill: [0.29, 0.6],
    sum: 0.6619081064355596,
    abs: 4.3606800903567775,
    head: [-0.1070834578332532, 0.10732344191409925, -0.10666369591923566],
  },
  'fc1.bias': {
    fill: [1.1, 0.7],
    sum: 0.07580215069429377,
    abs: 0.4307724599335516,
    head: [-0.04675097084447922, 0.052384344938037605, -0.05757856268516771],
  },
  'fc2.weight': {
    fill: [0.61, 0.8],
    sum: 1.3183898417423734e-16,
    abs: 3.7274896137657754,
    head: [0.08347191901805844, -0.15436999047611089, 0.08283809674458832],
  },
  'fc2.bias': {
    fill: [0.47, 0.9],
    sum: 0,
    abs: 1.1747638838952608,
    head: [0.21546003685017298, -0.27552160224586153, 0.2133255140602751],
  },
};
const TORCH_LOSS = 1.5746084415474808;

describe('gradients equal PyTorch autograd', () => {
  it('benchmark-CNN architecture (small): loss and every parameter gradient', () => {
    const g = new Graph();
    const x = g.input('x', ['batch', 3, 12, 12]);
    const y = g.input('y', ['batch'], { dtype: 'int64' });
    const loss = softmaxCrossEntropy(
      cnnLogits(x, 5, { channels: [4, 6], kernel: 3, hidden: 8, dropoutRate: 0 }),
      y,
    );
    const params = g.inputsOf('param').map((p) => p.tensor);
    const grads = gradients(loss, params);
    g.output('loss', loss);
    grads.forEach((d, i) => g.output(`grad_${i}`, d));
    const session = new OrtSession(encodeGraph(g));
    const feeds: Record<string, OrtTensor> = {
      x: new OrtTensor('float32', fill(2 * 3 * 144, 0.37, 0.1).map(Math.abs), [2, 3, 12, 12]),
      y: new OrtTensor('int64', BigInt64Array.of(1n, 3n), [2]),
    };
    for (const p of params) {
      const spec = PARAMS[p.name];
      const dims = p.shape as number[];
      feeds[p.name] = new OrtTensor(
        'float32',
        fill(
          dims.reduce((a, b) => a * b, 1),
          ...spec.fill,
        ),
        dims,
      );
    }
    const out = session.run(feeds, ['loss', ...grads.map((_, i) => `grad_${i}`)]);
    session.dispose();
    expect((out.loss.data as Float32Array)[0]).toBeCloseTo(TORCH_LOSS, 5);
    params.forEach((p, i) => {
      const spec = PARAMS[p.name];
      const d = out[`grad_${i}`].data as Float32Array;
      const close = (ours: number, theirs: number): void => {
        expect(Math.abs(ours - theirs)).toBeLessThan(2e-5 + 1e-4 * Math.abs(theirs));
      };
      close(
        d.reduce((s, v) => s + v, 0),
        spec.sum,
      );
      close(
        d.reduce((s, v) => s + Math.abs(v), 0),
        spec.abs,
      );
      spec.head.forEach((v, k) => close(d[k], v));
    });
  });
});
