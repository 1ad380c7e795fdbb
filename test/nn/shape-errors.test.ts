/**
 * Build-time shape inference: mismatches are errors naming the op (and its scope) and both shapes;
 * symbolic dimensions flow through and are bound when a batch is fed.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { Graph } from '../../src/nn/graph.ts';
import { add } from '../../src/nn/ops/elementwise.ts';
import { linear, matmul } from '../../src/nn/ops/matmul.ts';
import { conv2d } from '../../src/nn/ops/conv.ts';
import { concat, reshape, slice, transpose } from '../../src/nn/ops/shape-ops.ts';
import { layerNorm } from '../../src/nn/ops/normalization.ts';
import { maxPool2d } from '../../src/nn/ops/pool.ts';
import { conv2dLayer, dense } from '../../src/nn/layers.ts';
import { init } from '../../src/nn/init.ts';
import { softmaxCrossEntropy } from '../../src/nn/losses.ts';
import { compileInference } from '../../src/nn/compile.ts';
import { InferenceSession } from '../../src/nn/runtime/inference-session.ts';
import { initParameters } from '../../src/nn/runtime/parameters.ts';
import { gradients } from '../../src/nn/autodiff.ts';

describe('shape errors at build time', () => {
  const g = new Graph();
  it('MatMul names both shapes and the inner dimensions', () => {
    const a = g.input('a1', ['batch', 800]);
    const b = g.input('b1', [700, 64]);
    expect(() => matmul(a, b)).toThrow(
      'MatMul: shapes [batch, 800] and [700, 64] do not match (inner dimensions 800 vs 700)',
    );
  });
  it('broadcasting failures name the op and both shapes', () => {
    expect(() => add(g.input('a2', [2, 3]), g.input('b2', [4]))).toThrow(
      'Add: shapes [2, 3] and [4] do not broadcast (dimension 3 vs 4)',
    );
  });
  it('errors carry the scope of the layer that failed', () => {
    const x = g.input('x3', ['batch', 3, 28, 28]);
    const w = g.param('w3', [16, 1, 3, 3], init.zeros());
    expect(() => g.scope('encoder', () => conv2d(x, w, undefined))).toThrow(
      "Conv2D in 'encoder': input [batch, 3, 28, 28] has 3 channels but weight [16, 1, 3, 3] expects 1",
    );
    expect(() => conv2dLayer(g.input('x3b', ['batch', 28, 28]), 'conv1', 8, { kernel: 3 })).toThrow(
      /must be NCHW/,
    );
  });
  it('dense layers check their input width; Linear checks weight and bias', () => {
    const x = g.input('x4', ['batch', 10]);
    expect(() => linear(x, g.param('w4', [12, 5], init.zeros()))).toThrow(
      'Linear: input [batch, 10] has 10 features but weight [12, 5] expects 12',
    );
    expect(() => dense(g.input('x5', ['batch', 'features']), 'fc', 4)).toThrow(
      /last axis of .* must be static/,
    );
  });
  it('reshape, transpose, concat, slice, layer norm and pooling validate their arguments', () => {
    const x = g.input('x6', ['batch', 4, 6]);
    expect(() => reshape(x, ['batch', 5, -1])).toThrow(
      'Reshape: cannot reshape [batch, 4, 6] to [batch, 5, -1]',
    );
    expect(() => reshape(x, [24, 1])).toThrow(/symbolic dimensions must be kept or merged with -1/);
    expect(() => reshape(x, ['batch', 5, -1])).toThrow(/cannot reshape/);
    expect(reshape(x, [-1, 6]).shape).toEqual(['batch*4', 6]);
    expect(() => transpose(x, [0, 0, 1])).toThrow(/not a permutation/);
    expect(() => concat([x, g.input('y6', ['batch', 5, 6])], 2)).toThrow(
      'Concat: shapes [batch, 4, 6] and [batch, 5, 6] differ outside axis 2',
    );
    expect(() => slice(x, [1], [2], [9])).toThrow(/range 2:9 is empty or outside axis 1/);
    expect(() => layerNorm(x, g.param('g6', [4], init.ones()), g.param('b6', [4], init.zeros()))).toThrow(
      'LayerNorm: scale/shift [4] must be [6] to normalise [batch, 4, 6]',
    );
    expect(() => maxPool2d(g.input('p6', ['batch', 1, 1, 1]), 2)).toThrow(/kernel 2×2 is larger than input/);
  });
  it('losses check labels and a duplicate parameter name is an error', () => {
    const logits = g.input('l7', ['batch', 10]);
    expect(() => softmaxCrossEntropy(logits, g.input('y7', ['batch']))).toThrow(
      /labels must be int64 \[batch\], got float32/,
    );
    expect(() => g.param('w4', [1], init.zeros())).toThrow("parameter 'w4' is declared twice in this graph");
  });
  it('gradients need a scalar loss', () => {
    const p = g.param('w8', [3], init.ones());
    expect(() => gradients(add(p, 1), [p])).toThrow('gradients: the loss must be a scalar, got shape [3]');
  });
});

describe('symbolic dimensions are bound at run time', () => {
  it('one graph serves any batch size; a fed shape that contradicts the graph is an error naming the input', () => {
    const g = new Graph({ training: false });
    const x = g.input('x', ['batch', 1, 6, 6]);
    const y = dense(reshape(maxPool2d(x, 2), ['batch', -1]), 'fc', 2);
    const model = compileInference(g, { y });
    const session = new InferenceSession(model, initParameters(model, Rng.stream(1)));
    for (const n of [1, 3, 7]) {
      expect(session.run({ x: { data: new Float32Array(n * 36), dims: [n, 1, 6, 6] } }).y.length).toBe(2 * n);
    }
    expect(() => session.run({ x: { data: new Float32Array(36), dims: [1, 6, 6, 1] } })).toThrow(
      "input 'x' has shape [1, 6, 6, 1] but the model expects [batch, 1, 6, 6] (images are NCHW: batch, channels, height, width)",
    );
    expect(() => session.run({})).toThrow("missing input 'x'");
  });
});
