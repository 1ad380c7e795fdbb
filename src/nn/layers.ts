/**
 * Layers: ops plus their named parameters, with PyTorch's default-style initialisation choices made
 * explicit (He for ReLU stacks, Glorot otherwise, zero biases, unit LayerNorm gains).
 * Each layer creates its parameters under `name` in the current scope (e.g. `encoder.fc1.weight`).
 */
import type { Tensor } from './graph.ts';
import type { Initializer } from './init.ts';
import { init } from './init.ts';
import { linear } from './ops/matmul.ts';
import { reshape } from './ops/shape-ops.ts';
import { conv2d, convTranspose2d } from './ops/conv.ts';
import { layerNorm } from './ops/normalization.ts';
import { embedding } from './ops/embedding.ts';
import { BiasloopError } from '../core/errors.ts';

export interface DenseOptions {
  readonly bias?: boolean;
  /** Weight initialiser (default: He uniform over fan-in, suited to ReLU; use Glorot for tanh/outputs). */
  readonly init?: 'he' | 'glorot' | Initializer;
}

function weightInit(choice: DenseOptions['init'], fanIn: number, fanOut: number): Initializer {
  if (choice === undefined || choice === 'he') return init.heUniform(fanIn);
  if (choice === 'glorot') return init.glorotUniform(fanIn, fanOut);
  return choice;
}

/**
 * Fully connected layer on the last axis: x [..., in] → [..., out], weight `name.weight` [in, out],
 * bias `name.bias` [out]. Inputs of rank > 2 are flattened to 2-D around the Gemm.
 */
export function dense(x: Tensor, name: string, out: number, options: DenseOptions = {}): Tensor {
  const g = x.graph;
  const inFeatures = x.shape[x.rank - 1];
  if (typeof inFeatures !== 'number') {
    throw new BiasloopError('usage', `${g.where('dense')} '${name}': the last axis of ${x} must be static`);
  }
  return g.scope(name, () => {
    const w = g.param('weight', [inFeatures, out], weightInit(options.init, inFeatures, out));
    const b = options.bias === false ? undefined : g.param('bias', [out], init.zeros());
    if (x.rank === 2) return linear(x, w, b);
    const flat = reshape(x, [-1, inFeatures]);
    return reshape(linear(flat, w, b), [...x.shape.slice(0, -1), out], x);
  });
}

export interface ConvLayerOptions {
  readonly kernel: number;
  readonly stride?: number;
  readonly padding?: number;
  readonly bias?: boolean;
  readonly init?: 'he' | 'glorot' | Initializer;
}

/** Conv2D layer: x [N, C, H, W] → [N, out, Ho, Wo]; weight [out, C, k, k], bias [out]. */
export function conv2dLayer(x: Tensor, name: string, out: number, options: ConvLayerOptions): Tensor {
  const g = x.graph;
  const channels = x.shape[1];
  if (x.rank !== 4 || typeof channels !== 'number') {
    throw new BiasloopError(
      'usage',
      `${g.where('conv2d')} '${name}': input ${x} must be NCHW with static channels`,
    );
  }
  const k = options.kernel;
  return g.scope(name, () => {
    const w = g.param(
      'weight',
      [out, channels, k, k],
      weightInit(options.init, channels * k * k, out * k * k),
    );
    const b = options.bias === false ? undefined : g.param('bias', [out], init.zeros());
    return conv2d(x, w, b, { stride: options.stride, padding: options.padding });
  });
}

/** ConvTranspose2D layer: x [N, C, H, W] → [N, out, Ho, Wo]; weight [C, out, k, k], bias [out]. */
export function convTranspose2dLayer(
  x: Tensor,
  name: string,
  out: number,
  options: ConvLayerOptions & { outputPadding?: number },
): Tensor {
  const g = x.graph;
  const channels = x.shape[1];
  if (x.rank !== 4 || typeof channels !== 'number') {
    throw new BiasloopError(
      'usage',
      `${g.where('convTranspose2d')} '${name}': input ${x} must be NCHW with static channels`,
    );
  }
  const k = options.kernel;
  return g.scope(name, () => {
    const w = g.param(
      'weight',
      [channels, out, k, k],
      weightInit(options.init, out * k * k, channels * k * k),
    );
    const b = options.bias === false ? undefined : g.param('bias', [out], init.zeros());
    return convTranspose2d(x, w, b, {
      stride: options.stride,
      padding: options.padding,
      outputPadding: options.outputPadding,
    });
  });
}

/** LayerNorm layer over the last axis with gain `name.weight` (ones) and shift `name.bias` (zeros). */
export function layerNormLayer(x: Tensor, name: string, epsilon = 1e-5): Tensor {
  const g = x.graph;
  const width = x.shape[x.rank - 1];
  if (typeof width !== 'number') {
    throw new BiasloopError(
      'usage',
      `${g.where('layerNorm')} '${name}': the last axis of ${x} must be static`,
    );
  }
  return g.scope(name, () =>
    layerNorm(x, g.param('weight', [width], init.ones()), g.param('bias', [width], init.zeros()), epsilon),
  );
}

/** Embedding layer: int64 ids → [..., width], table `name.weight` [vocabulary, width] ~ N(0, 1). */
export function embeddingLayer(
  ids: Tensor,
  name: string,
  vocabulary: number,
  width: number,
  std = 1,
): Tensor {
  const g = ids.graph;
  return g.scope(name, () => embedding(g.param('weight', [vocabulary, width], init.normal(std)), ids));
}
