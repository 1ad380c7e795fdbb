/**
 * Losses against hand-computed values and finite differences; optimizers against a plain-JS
 * transcription of PyTorch's update rules (torch.optim.SGD / Adam / AdamW, 1.13 semantics).
 */
import { describe, expect, it } from 'vitest';
import { gradCheck } from './gradcheck.ts';
import { Rng } from '../../src/core/rng.ts';
import { Graph } from '../../src/nn/graph.ts';
import { encodeGraph } from '../../src/nn/onnx/encode.ts';
import { OrtSession } from '../../src/nn/runtime/ort-session.ts';
import {
  binaryCrossEntropyWithLogits,
  gaussianKl,
  meanSquaredError,
  softmaxCrossEntropy,
} from '../../src/nn/losses.ts';
import type { Optimizer } from '../../src/nn/optimizers.ts';
import { adam, adamw, sgd } from '../../src/nn/optimizers.ts';
import { compileTraining } from '../../src/nn/compile.ts';
import { TrainingSession } from '../../src/nn/runtime/training-session.ts';
import { init } from '../../src/nn/init.ts';
import { linear } from '../../src/nn/ops/matmul.ts';

function evalScalar(build: (g: Graph) => ReturnType<typeof softmaxCrossEntropy>): number {
  const g = new Graph({ floatType: 'float64' });
  g.output('y', build(g));
  const s = new OrtSession(encodeGraph(g));
  const v = Number((s.run({}, ['y']).y.data as Float64Array)[0]);
  s.dispose();
  return v;
}

const logits = [1.2, -0.3, 0.5, 0.1, 2.0, -1.0, -0.7, 0.4, 0.9];
const labels = [2, 0, 1];
function ceRow(i: number): number {
  const row = logits.slice(3 * i, 3 * i + 3);
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return lse - row[labels[i]];
}

describe('losses', () => {
  it('softmax cross-entropy: mean, class-weighted (PyTorch convention) and sample-weighted', () => {
    const ce = [0, 1, 2].map(ceRow);
    const build = (opts: Parameters<typeof softmaxCrossEntropy>[2], sw?: number[]) => (g: Graph) =>
      softmaxCrossEntropy(g.constant(logits, [3, 3]), g.constant(labels, [3], 'int64'), {
        ...opts,
        sampleWeights: sw === undefined ? undefined : g.constant(sw, [3]),
      });
    expect(evalScalar(build({}))).toBeCloseTo((ce[0] + ce[1] + ce[2]) / 3, 12);
    const cw = [0.5, 2, 1];
    const wcl = labels.map((c) => cw[c]);
    expect(evalScalar(build({ classWeights: cw }))).toBeCloseTo(
      ce.reduce((s, v, i) => s + wcl[i] * v, 0) / wcl.reduce((a, b) => a + b),
      12,
    );
    const sw = [1, 0.25, 3];
    expect(evalScalar(build({}, sw))).toBeCloseTo(ce.reduce((s, v, i) => s + sw[i] * v, 0) / 3, 12);
  });

  it('softmax cross-entropy gradient (class and sample weights) equals finite differences', () => {
    const r = gradCheck('float64', [{ name: 'z', shape: [3, 3], values: logits }], ([z], g) =>
      softmaxCrossEntropy(z, g.constant(labels, [3], 'int64'), {
        classWeights: [0.5, 2, 1],
        sampleWeights: g.constant([1, 0.25, 3], [3]),
      }),
    );
    expect(r.maxError).toBeLessThan(1e-7);
  });

  it('binary cross-entropy with logits is stable for large logits and matches its definition', () => {
    const z = [0.3, -2, 40, -40];
    const t = [1, 0, 0, 1];
    const expected =
      z.reduce((s, v, i) => s + Math.max(v, 0) - v * t[i] + Math.log1p(Math.exp(-Math.abs(v))), 0) / 4;
    const v = evalScalar((g) => binaryCrossEntropyWithLogits(g.constant(z, [4]), g.constant(t, [4])));
    expect(v).toBeCloseTo(expected, 10);
    expect(Number.isFinite(v)).toBe(true);
    const r = gradCheck('float64', [{ name: 'z', shape: [2, 3] }], ([zz], g) =>
      binaryCrossEntropyWithLogits(zz, g.constant([0, 1, 0.5, 1, 0, 0.2], [2, 3])),
    );
    expect(r.maxError).toBeLessThan(1e-7);
  });

  it('mean squared error sums over features and averages over the batch', () => {
    const v = evalScalar((g) =>
      meanSquaredError(g.constant([1, 2, 3, 4], [2, 2]), g.constant([0, 2, 5, 4], [2, 2])),
    );
    expect(v).toBeCloseTo((1 + 0 + 4 + 0) / 2, 12);
    const r = gradCheck(
      'float64',
      [
        { name: 'p', shape: [2, 3] },
        { name: 't', shape: [2, 3] },
      ],
      ([p, t]) => meanSquaredError(p, t),
    );
    expect(r.maxError).toBeLessThan(1e-7);
  });

  it('Gaussian KL to N(0, I) equals the closed form and its gradient', () => {
    const mu = [0.5, -1, 0, 2];
    const lv = [0.1, -0.5, 0, 1];
    let expected = 0;
    for (let i = 0; i < 4; i++) expected += -0.5 * (1 + lv[i] - mu[i] ** 2 - Math.exp(lv[i]));
    const v = evalScalar((g) => gaussianKl(g.constant(mu, [2, 2]), g.constant(lv, [2, 2])));
    expect(v).toBeCloseTo(expected / 2, 12);
    const r = gradCheck(
      'float64',
      [
        { name: 'mu', shape: [3, 2] },
        { name: 'lv', shape: [3, 2] },
      ],
      ([m, l]) => gaussianKl(m, l),
    );
    expect(r.maxError).toBeLessThan(1e-7);
  });
});

/** Train y = x·W (W [2, 1]) on fixed data with the given optimizer; return W after each step. */
function trajectory(
  optimizer: Optimizer,
  steps: number,
  options: { clipGradNorm?: number; lr?: number } = {},
): number[][] {
  const g = new Graph({ floatType: 'float64' });
  const x = g.input('x', ['batch', 2]);
  const t = g.input('t', ['batch', 1]);
  const w = g.param('w', [2, 1], init.constant(0.5));
  const loss = meanSquaredError(linear(x, w), t);
  const model = compileTraining(g, loss, { optimizer, clipGradNorm: options.clipGradNorm });
  const session = new TrainingSession(model, new Map([['w', Float64Array.of(0.5, -0.25)]]), {
    rng: Rng.stream(1, 'opt'),
  });
  const out: number[][] = [];
  for (let k = 0; k < steps; k++) {
    session.run(
      {
        x: { data: Float64Array.of(1, 2, -1, 0.5, 3, 1), dims: [3, 2] },
        t: { data: Float64Array.of(1, -1, 2), dims: [3, 1] },
      },
      options.lr ?? 0.1,
    );
    out.push(Array.from(session.parameters().get('w') as Float64Array));
  }
  session.dispose();
  return out;
}

/** The same problem in plain JS, following torch.optim's update equations. */
function reference(
  optimizer: Optimizer,
  steps: number,
  options: { clipGradNorm?: number; lr?: number } = {},
): number[][] {
  const X = [
    [1, 2],
    [-1, 0.5],
    [3, 1],
  ];
  const T = [1, -1, 2];
  const lr = options.lr ?? 0.1;
  let w = [0.5, -0.25];
  let buf = [0, 0];
  let m = [0, 0];
  let v = [0, 0];
  const out: number[][] = [];
  for (let step = 1; step <= steps; step++) {
    let grad = [0, 0];
    for (let i = 0; i < 3; i++) {
      const r = X[i][0] * w[0] + X[i][1] * w[1] - T[i];
      grad[0] += (2 * r * X[i][0]) / 3;
      grad[1] += (2 * r * X[i][1]) / 3;
    }
    if (options.clipGradNorm !== undefined) {
      const norm = Math.hypot(grad[0], grad[1]);
      const scale = Math.min(1, options.clipGradNorm / (norm + 1e-6));
      grad = grad.map((d) => d * scale);
    }
    const wd = optimizer.weightDecay;
    if (optimizer.kind === 'sgd') {
      grad = grad.map((d, j) => d + wd * w[j]);
      buf = buf.map((b, j) => optimizer.momentum * b + grad[j]);
      const dir = optimizer.nesterov ? grad.map((d, j) => d + optimizer.momentum * buf[j]) : buf;
      w = w.map((p, j) => p - lr * dir[j]);
    } else {
      if (optimizer.kind === 'adam') grad = grad.map((d, j) => d + wd * w[j]);
      if (optimizer.kind === 'adamw') w = w.map((p) => p * (1 - lr * wd));
      m = m.map((mm, j) => optimizer.beta1 * mm + (1 - optimizer.beta1) * grad[j]);
      v = v.map((vv, j) => optimizer.beta2 * vv + (1 - optimizer.beta2) * grad[j] ** 2);
      const bc1 = 1 - optimizer.beta1 ** step;
      const bc2 = 1 - optimizer.beta2 ** step;
      w = w.map((p, j) => p - (lr / bc1) * (m[j] / (Math.sqrt(v[j]) / Math.sqrt(bc2) + optimizer.epsilon)));
    }
    out.push(w);
  }
  return out;
}

describe('optimizers follow torch.optim', () => {
  const cases: [string, Optimizer, { clipGradNorm?: number; lr?: number }][] = [
    ['SGD', sgd(), {}],
    ['SGD momentum + weight decay', sgd({ momentum: 0.9, weightDecay: 0.05 }), {}],
    ['SGD Nesterov', sgd({ momentum: 0.8, nesterov: true }), { lr: 0.05 }],
    ['Adam', adam(), {}],
    ['Adam with L2 weight decay', adam({ weightDecay: 0.1, beta1: 0.8, beta2: 0.99 }), {}],
    ['AdamW', adamw({ weightDecay: 0.2 }), {}],
    ['Adam with global-norm clipping', adam(), { clipGradNorm: 0.5 }],
    ['SGD with global-norm clipping', sgd({ momentum: 0.5 }), { clipGradNorm: 0.3 }],
  ];
  for (const [name, opt, options] of cases) {
    it(name, () => {
      const got = trajectory(opt, 5, options);
      const want = reference(opt, 5, options);
      for (let k = 0; k < 5; k++) {
        expect(got[k][0]).toBeCloseTo(want[k][0], 11);
        expect(got[k][1]).toBeCloseTo(want[k][1], 11);
      }
    });
  }
});
