/**
 * Every op's backward rule against central finite differences.
 *
 * float64 where ORT's CPU provider has a double kernel for every node the op and its rule emit
 * (tolerance 1e-6 relative, h = 1e-6); Conv, ConvTranspose, MaxPool with MaxUnpool, AveragePool and
 * Erf-based GELU have float32 kernels only, so they are checked in float32 with h = 1e-2 and
 * tolerance 2e-3 (these ops are linear or piecewise linear in the checked inputs, so the difference
 * quotient is exact up to float32 rounding of the loss, ~1e-4 relative).
 */
import { describe, expect, it } from 'vitest';
import type { GradInput } from './gradcheck.ts';
import { gradCheck } from './gradcheck.ts';
import type { FloatType, Tensor } from '../../src/nn/graph.ts';
import * as E from '../../src/nn/ops/elementwise.ts';
import * as A from '../../src/nn/ops/activations.ts';
import { linear, matmul } from '../../src/nn/ops/matmul.ts';
import { conv2d, convTranspose2d } from '../../src/nn/ops/conv.ts';
import { avgPool2d, maxPool2d } from '../../src/nn/ops/pool.ts';
import { logSoftmax, softmax } from '../../src/nn/ops/softmax.ts';
import { layerNorm } from '../../src/nn/ops/normalization.ts';
import { embedding } from '../../src/nn/ops/embedding.ts';
import { concat, reshape, slice, split, transpose } from '../../src/nn/ops/shape-ops.ts';
import { reduceMean, reduceSum } from '../../src/nn/ops/reduce.ts';
import { bceWithLogitsElementwise } from '../../src/nn/ops/loss-ops.ts';
import { dropout } from '../../src/nn/ops/dropout.ts';

interface Case {
  readonly name: string;
  readonly floatType: FloatType;
  readonly inputs: readonly GradInput[];
  readonly build: (t: Tensor[]) => Tensor;
}

const F64 = 'float64';
const F32 = 'float32';
const positive = (n: number, from = 0.5): number[] => Array.from({ length: n }, (_, i) => from + 0.37 * i);
// Values away from the kinks (0 for ReLU, ties for max-pool), so finite differences are valid.
const awayFromZero = (n: number): number[] =>
  Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1) * (0.3 + ((i * 0.61) % 1.7)));
const distinct = (n: number): number[] => Array.from({ length: n }, (_, i) => ((i * 37) % n) * 0.173 - 1.1);

const cases: Case[] = [
  {
    name: 'Add (same shape)',
    floatType: F64,
    inputs: [
      { name: 'a', shape: [2, 3] },
      { name: 'b', shape: [2, 3] },
    ],
    build: ([a, b]) => E.add(a, b),
  },
  {
    name: 'Add (broadcast row and column)',
    floatType: F64,
    inputs: [
      { name: 'a', shape: [2, 1, 4] },
      { name: 'b', shape: [3, 1] },
    ],
    build: ([a, b]) => E.add(a, b),
  },
  {
    name: 'Sub (broadcast scalar)',
    floatType: F64,
    inputs: [
      { name: 'a', shape: [3, 2] },
      { name: 'b', shape: [] },
    ],
    build: ([a, b]) => E.sub(a, b),
  },
  {
    name: 'Mul (broadcast)',
    floatType: F64,
    inputs: [
      { name: 'a', shape: [2, 3, 4] },
      { name: 'b', shape: [3, 1] },
    ],
    build: ([a, b]) => E.mul(a, b),
  },
  {
    name: 'Div (broadcast)',
    floatType: F64,
    inputs: [
      { name: 'a', shape: [2, 3] },
      { name: 'b', shape: [2, 1], values: [1.5, -2.5] },
    ],
    build: ([a, b]) => E.div(a, b),
  },
  { name: 'Neg', floatType: F64, inputs: [{ name: 'a', shape: [5] }], build: ([a]) => E.neg(a) },
  { name: 'Exp', floatType: F64, inputs: [{ name: 'a', shape: [2, 3] }], build: ([a]) => E.exp(a) },
  {
    name: 'Log',
    floatType: F64,
    inputs: [{ name: 'a', shape: [2, 3], values: positive(6) }],
    build: ([a]) => E.log(a),
  },
  {
    name: 'Sqrt',
    floatType: F64,
    inputs: [{ name: 'a', shape: [4], values: positive(4) }],
    build: ([a]) => E.sqrt(a),
  },
  { name: 'Square', floatType: F64, inputs: [{ name: 'a', shape: [4] }], build: ([a]) => E.square(a) },
  {
    name: 'Abs',
    floatType: F64,
    inputs: [{ name: 'a', shape: [6], values: awayFromZero(6) }],
    build: ([a]) => E.abs(a),
  },
  {
    name: 'ReLU',
    floatType: F64,
    inputs: [{ name: 'a', shape: [2, 5], values: awayFromZero(10) }],
    build: ([a]) => A.relu(a),
  },
  {
    name: 'LeakyReLU',
    floatType: F64,
    inputs: [{ name: 'a', shape: [2, 5], values: awayFromZero(10) }],
    build: ([a]) => A.leakyRelu(a, 0.2),
  },
  { name: 'Sigmoid', floatType: F64, inputs: [{ name: 'a', shape: [2, 4] }], build: ([a]) => A.sigmoid(a) },
  { name: 'Tanh', floatType: F64, inputs: [{ name: 'a', shape: [2, 4] }], build: ([a]) => A.tanh(a) },
  {
    name: 'GELU (tanh approximation)',
    floatType: F64,
    inputs: [{ name: 'a', shape: [2, 6] }],
    build: ([a]) => A.gelu(a, 'tanh'),
  },
  {
    name: 'GELU (exact, Erf has no double kernel)',
    floatType: F32,
    inputs: [{ name: 'a', shape: [2, 6] }],
    build: ([a]) => A.gelu(a, 'exact'),
  },
  {
    name: 'MatMul 2-D',
    floatType: F64,
    inputs: [
      { name: 'a', shape: [3, 4] },
      { name: 'b', shape: [4, 2] },
    ],
    build: ([a, b]) => matmul(a, b),
  },
  {
    name: 'MatMul batched',
    floatType: F64,
    inputs: [
      { name: 'a', shape: [2, 3, 3, 4] },
      { name: 'b', shape: [2, 3, 4, 2] },
    ],
    build: ([a, b]) => matmul(a, b),
  },
  {
    name: 'MatMul batched × broadcast matrix',
    floatType: F64,
    inputs: [
      { name: 'a', shape: [2, 3, 4] },
      { name: 'b', shape: [4, 5] },
    ],
    build: ([a, b]) => matmul(a, b),
  },
  {
    name: 'MatMul broadcast batch axis',
    floatType: F64,
    inputs: [
      { name: 'a', shape: [2, 1, 3, 4] },
      { name: 'b', shape: [3, 4, 2] },
    ],
    build: ([a, b]) => matmul(a, b),
  },
  {
    name: 'Linear (Gemm)',
    floatType: F64,
    inputs: [
      { name: 'x', shape: [3, 4] },
      { name: 'w', shape: [4, 5] },
      { name: 'b', shape: [5] },
    ],
    build: ([x, w, b]) => linear(x, w, b),
  },
  {
    name: 'Reshape with -1',
    floatType: F64,
    inputs: [{ name: 'x', shape: [2, 6] }],
    build: ([x]) => reshape(x, [3, -1, 2]),
  },
  {
    name: 'Transpose',
    floatType: F64,
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: ([x]) => transpose(x, [2, 0, 1]),
  },
  {
    name: 'Concat',
    floatType: F64,
    inputs: [
      { name: 'a', shape: [2, 3] },
      { name: 'b', shape: [2, 2] },
      { name: 'c', shape: [2, 1] },
    ],
    build: ([a, b, c]) => concat([a, b, c], -1),
  },
  {
    name: 'Slice (two axes, negative end)',
    floatType: F64,
    inputs: [{ name: 'x', shape: [4, 5] }],
    build: ([x]) => slice(x, [0, 1], [1, 2], [3, -1]),
  },
  {
    name: 'Conv2D stride 1',
    floatType: F32,
    inputs: [
      { name: 'x', shape: [2, 3, 6, 6] },
      { name: 'w', shape: [4, 3, 3, 3] },
      { name: 'b', shape: [4] },
    ],
    build: ([x, w, b]) => conv2d(x, w, b),
  },
  {
    name: 'Conv2D stride 1 padding 1 (same size, non-square kernel)',
    floatType: F32,
    inputs: [
      { name: 'x', shape: [2, 2, 6, 5] },
      { name: 'w', shape: [3, 2, 3, 2] },
      { name: 'b', shape: [3] },
    ],
    build: ([x, w, b]) => conv2d(x, w, b, { padding: 1 }),
  },
  {
    name: 'Conv2D stride 2 padding 1 (uneven)',
    floatType: F32,
    inputs: [
      { name: 'x', shape: [2, 2, 7, 6] },
      { name: 'w', shape: [3, 2, 3, 3] },
      { name: 'b', shape: [3] },
    ],
    build: ([x, w, b]) => conv2d(x, w, b, { stride: 2, padding: 1 }),
  },
  {
    name: 'ConvTranspose2D stride 2',
    floatType: F32,
    inputs: [
      { name: 'x', shape: [2, 3, 3, 3] },
      { name: 'w', shape: [3, 2, 4, 4] },
      { name: 'b', shape: [2] },
    ],
    build: ([x, w, b]) => convTranspose2d(x, w, b, { stride: 2, padding: 1 }),
  },
  {
    name: 'ConvTranspose2D output padding',
    floatType: F32,
    inputs: [
      { name: 'x', shape: [1, 2, 3, 3] },
      { name: 'w', shape: [2, 3, 3, 3] },
    ],
    build: ([x, w]) => convTranspose2d(x, w, undefined, { stride: 2, padding: 1, outputPadding: 1 }),
  },
  {
    name: 'MaxPool 2×2 (tiled: first-maximum routing; the odd last column is cropped)',
    floatType: F32,
    inputs: [{ name: 'x', shape: [2, 2, 4, 5], values: distinct(80) }],
    build: ([x]) => maxPool2d(x, 2),
  },
  {
    name: 'MaxPool 3×3 stride 3 (tiled, float64, 7×8 cropped to 6×6)',
    floatType: F64,
    inputs: [{ name: 'x', shape: [1, 2, 7, 8], values: distinct(112) }],
    build: ([x]) => maxPool2d(x, 3),
  },
  {
    name: 'MaxPool 2×2 stride 3 (gaps between windows, MaxUnpool)',
    floatType: F32,
    inputs: [{ name: 'x', shape: [1, 2, 7, 7], values: distinct(98) }],
    build: ([x]) => maxPool2d(x, 2, 3),
  },
  {
    name: 'MaxPool 3×3 stride 2 (overlapping, ScatterElements)',
    floatType: F64,
    inputs: [{ name: 'x', shape: [1, 2, 7, 7], values: distinct(98) }],
    build: ([x]) => maxPool2d(x, 3, 2),
  },
  {
    name: 'AveragePool 2×2',
    floatType: F32,
    inputs: [{ name: 'x', shape: [2, 2, 5, 4] }],
    build: ([x]) => avgPool2d(x, 2),
  },
  {
    name: 'AveragePool 3×3 stride 2 (overlapping)',
    floatType: F32,
    inputs: [{ name: 'x', shape: [1, 2, 7, 7] }],
    build: ([x]) => avgPool2d(x, 3, 2),
  },
  {
    name: 'Softmax (last axis)',
    floatType: F64,
    inputs: [{ name: 'x', shape: [2, 3, 5] }],
    build: ([x]) => softmax(x),
  },
  {
    name: 'Softmax (axis 1)',
    floatType: F64,
    inputs: [{ name: 'x', shape: [2, 3, 5] }],
    build: ([x]) => softmax(x, 1),
  },
  {
    name: 'LogSoftmax',
    floatType: F64,
    inputs: [{ name: 'x', shape: [3, 5] }],
    build: ([x]) => logSoftmax(x),
  },
  {
    name: 'LayerNorm',
    floatType: F64,
    inputs: [
      { name: 'x', shape: [2, 3, 6] },
      { name: 'g', shape: [6] },
      { name: 'b', shape: [6] },
    ],
    build: ([x, g, b]) => layerNorm(x, g, b),
  },
  {
    name: 'LayerNorm (float32 statistics path)',
    floatType: F32,
    inputs: [
      { name: 'x', shape: [4, 8] },
      { name: 'g', shape: [8] },
      { name: 'b', shape: [8] },
    ],
    build: ([x, g, b]) => layerNorm(x, g, b),
  },
  {
    name: 'Embedding (repeated ids add up)',
    floatType: F64,
    inputs: [
      { name: 't', shape: [5, 3] },
      { name: 'ids', shape: [2, 4], int64: true, values: [0, 1, 1, 4, 0, 2, 4, 4] },
    ],
    build: ([t, ids]) => embedding(t, ids),
  },
  {
    name: 'ReduceSum (axes, keepdims)',
    floatType: F64,
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: ([x]) => reduceSum(x, [0, 2], true),
  },
  {
    name: 'ReduceMean (one axis)',
    floatType: F64,
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: ([x]) => reduceMean(x, [1]),
  },
  {
    name: 'ReduceMean (all)',
    floatType: F64,
    inputs: [{ name: 'x', shape: [3, 4] }],
    build: ([x]) => reduceMean(x),
  },
  {
    name: 'BCE with logits (both arguments)',
    floatType: F64,
    inputs: [
      { name: 'z', shape: [6] },
      { name: 't', shape: [6], values: [0, 1, 0.3, 1, 0.8, 0] },
    ],
    build: ([z, t]) => bceWithLogitsElementwise(z, t),
  },
  {
    name: 'Split (every part used, uneven sizes)',
    floatType: F64,
    inputs: [{ name: 'x', shape: [3, 5] }],
    build: ([x]) => {
      const [a, b, c] = split(x, 1, [2, 1, 2]);
      return E.add(E.mul(a, c), b);
    },
  },
  {
    name: 'Split (a part unused gets zeros)',
    floatType: F64,
    inputs: [{ name: 'x', shape: [2, 3, 4] }],
    build: ([x]) => {
      const [a, , c] = split(x, -1, [1, 2, 1]);
      return E.mul(a, c);
    },
  },
  {
    name: 'Dropout (mask held fixed)',
    floatType: F64,
    inputs: [{ name: 'x', shape: [4, 6] }],
    build: ([x]) => dropout(x, 0.4),
  },
];

describe('backward rules equal central finite differences', () => {
  for (const c of cases) {
    it(`${c.name} (${c.floatType})`, () => {
      const r = gradCheck(c.floatType, c.inputs, (t) => c.build(t));
      expect(r.checked).toBeGreaterThan(0);
      expect(r.maxAbsGrad).toBeGreaterThan(1e-3); // not a vacuous all-zero comparison
      expect(r.maxError).toBeLessThan(c.floatType === 'float64' ? 1e-6 : 2e-3);
    });
  }
});

describe('a causal attention block differentiates end to end', () => {
  it('batched Q·Kᵀ, constant causal mask, softmax on the last axis, ·V (float64)', () => {
    const [B, H, T, D] = [2, 2, 4, 3];
    const r = gradCheck(
      'float64',
      [
        { name: 'q', shape: [B, H, T, D] },
        { name: 'k', shape: [B, H, T, D] },
        { name: 'v', shape: [B, H, T, D] },
      ],
      ([q, k, v], g) => {
        const mask = Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0));
        const scores = E.add(
          E.mul(matmul(q, transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(D)),
          g.constant(mask, [T, T]),
        );
        return matmul(softmax(scores), v);
      },
      { maxCoords: 30 },
    );
    expect(r.maxError).toBeLessThan(1e-6);
  });

  it('head split and merge through Reshape/Transpose', () => {
    const r = gradCheck('float64', [{ name: 'x', shape: [2, 4, 6] }], ([x]) => {
      const heads = transpose(reshape(x, [2, 4, 2, 3]), [0, 2, 1, 3]);
      return reshape(transpose(heads, [0, 2, 1, 3]), [2, 4, 6]);
    });
    expect(r.maxError).toBeLessThan(1e-6);
  });
});
