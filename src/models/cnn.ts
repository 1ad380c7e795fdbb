/**
 * A convolutional classifier for NCHW images (e.g. Colorized MNIST, featureShape [3, 28, 28]).
 *
 * Architecture (defaults = the benchmark CNN of issue 14): for each entry of `channels`, a 3×3
 * convolution (no padding) + ReLU + 2×2 max-pool; then flatten, dense `hidden` + ReLU (+ dropout),
 * dense to the classes. Trained with softmax cross-entropy by Adam, 8 epochs, learning rate 2e-3 with
 * cosine decay, batch 64 (97.75–98.0% test accuracy on MNIST 8,000 / 2,000, depending on the seed).
 */
import { BiasloopError } from '../core/errors.ts';
import type { Dataset } from '../core/dataset.ts';
import type { Tensor } from '../nn/graph.ts';
import { conv2dLayer, dense } from '../nn/layers.ts';
import { relu } from '../nn/ops/activations.ts';
import { dropout } from '../nn/ops/dropout.ts';
import { maxPool2d } from '../nn/ops/pool.ts';
import { reshape } from '../nn/ops/shape-ops.ts';
import type { ClassWeighting } from './neural/classifier.ts';
import { NeuralClassifier } from './neural/classifier.ts';
import type { TrainingConfig } from './neural/training-config.ts';
import { DEFAULT_TRAINING, resolveTraining } from './neural/training-config.ts';

export interface CnnClassifierOptions {
  /** Output channels of each conv block (default [16, 32]). */
  readonly channels?: readonly number[];
  readonly kernel?: number;
  /** Width of the hidden dense layer (default 64). */
  readonly hidden?: number;
  /** Dropout rate before the output layer (default 0). */
  readonly dropout?: number;
  readonly classWeighting?: ClassWeighting;
  readonly training?: Partial<TrainingConfig>;
}

export interface CnnArchitecture {
  readonly channels: readonly number[];
  readonly kernel: number;
  readonly hidden: number;
  readonly dropoutRate: number;
}

/** The CNN's logits [batch, classes] for images x [batch, C, H, W]. */
export function cnnLogits(x: Tensor, classes: number, a: CnnArchitecture): Tensor {
  let h = x;
  a.channels.forEach((c, i) => {
    // conv → ReLU → max-pool, computed as conv → max-pool → ReLU: the same values (ReLU is monotone,
    // so it commutes with the max) and the same gradients, PyTorch's tie rule included (a window
    // whose maximum is ≤ 0 gets no gradient either way), with the ReLU and its backward on the
    // pooled grid, a quarter of the elements.
    h = relu(maxPool2d(conv2dLayer(h, `conv${i + 1}`, c, { kernel: a.kernel }), 2));
  });
  h = reshape(h, [h.shape[0], -1]);
  h = dropout(relu(dense(h, 'fc1', a.hidden)), a.dropoutRate);
  return dense(h, 'fc2', classes, { init: 'glorot' });
}

export class CnnClassifier extends NeuralClassifier {
  readonly kind = 'cnn';
  readonly channels: readonly number[];
  readonly kernel: number;
  readonly hidden: number;
  readonly dropoutRate: number;

  constructor(options: CnnClassifierOptions = {}) {
    super(
      resolveTraining(options.training, {
        ...DEFAULT_TRAINING,
        epochs: 8,
        learningRate: 2e-3,
        schedule: { kind: 'cosine' },
      }),
      options.classWeighting ?? 'none',
    );
    this.channels = options.channels ?? [16, 32];
    this.kernel = options.kernel ?? 3;
    this.hidden = options.hidden ?? 64;
    this.dropoutRate = options.dropout ?? 0;
    if (this.channels.length === 0 || this.channels.some((c) => !(Number.isInteger(c) && c >= 1))) {
      throw new BiasloopError(
        'usage',
        `cnn: channels [${this.channels.join(', ')}] must be positive integers`,
        {
          field: 'channels',
        },
      );
    }
  }

  protected inputShapeFor(data: Dataset): number[] {
    const shape = data.schema.featureShape;
    if (shape === undefined) {
      throw new BiasloopError(
        'data',
        `cnn: needs image data with a featureShape [channels, height, width]; this dataset is tabular with ${data.d} features`,
        { hint: 'use the mlp classifier for tabular data' },
      );
    }
    if (shape.length !== 3) {
      throw new BiasloopError(
        'data',
        `cnn: image featureShape [${shape.join(', ')}] must be [channels, height, width] (NCHW)`,
      );
    }
    const [c, h, w] = shape;
    if (w <= 4 && c > 4) {
      throw new BiasloopError(
        'data',
        `cnn: featureShape [${shape.join(', ')}] looks channels-last (NHWC); images must be NCHW [channels, height, width]`,
      );
    }
    if (c * h * w !== data.d) {
      throw new BiasloopError(
        'data',
        `cnn: featureShape [${shape.join(', ')}] has ${c * h * w} values but rows have ${data.d}`,
      );
    }
    return [c, h, w];
  }

  protected network(x: Tensor, classes: number): Tensor {
    return cnnLogits(x, classes, this);
  }

  protected architecture(): Record<string, unknown> {
    return { channels: this.channels, kernel: this.kernel, hidden: this.hidden };
  }
}
