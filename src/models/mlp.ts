/**
 * A multilayer perceptron classifier for tabular data: dense layers with ReLU (and optional
 * dropout), then a dense output layer; softmax cross-entropy with sample weights from the fit context
 * and optional class weights.
 */
import { BiasloopError } from '../core/errors.ts';
import type { Dataset } from '../core/dataset.ts';
import type { Tensor } from '../nn/graph.ts';
import { dense } from '../nn/layers.ts';
import { relu } from '../nn/ops/activations.ts';
import { dropout } from '../nn/ops/dropout.ts';
import type { ClassWeighting } from './neural/classifier.ts';
import { NeuralClassifier } from './neural/classifier.ts';
import type { TrainingConfig } from './neural/training-config.ts';
import { DEFAULT_TRAINING, resolveTraining } from './neural/training-config.ts';

export interface MlpClassifierOptions {
  /** Widths of the hidden layers (default [64, 64]). */
  readonly hidden?: readonly number[];
  readonly dropout?: number;
  readonly classWeighting?: ClassWeighting;
  readonly training?: Partial<TrainingConfig>;
}

export class MlpClassifier extends NeuralClassifier {
  readonly kind = 'mlp';
  readonly hidden: readonly number[];
  readonly dropoutRate: number;

  constructor(options: MlpClassifierOptions = {}) {
    super(
      resolveTraining(options.training, { ...DEFAULT_TRAINING, epochs: 20 }),
      options.classWeighting ?? 'none',
    );
    this.hidden = options.hidden ?? [64, 64];
    this.dropoutRate = options.dropout ?? 0;
    if (this.hidden.some((h) => !(Number.isInteger(h) && h >= 1))) {
      throw new BiasloopError(
        'usage',
        `mlp: hidden widths [${this.hidden.join(', ')}] must be positive integers`,
        {
          field: 'hidden',
        },
      );
    }
  }

  protected inputShapeFor(data: Dataset): number[] {
    if (data.d < 1) throw new BiasloopError('data', 'mlp: the dataset has no features');
    return [data.d];
  }

  protected network(x: Tensor, classes: number): Tensor {
    let h = x;
    this.hidden.forEach((width, i) => {
      h = dropout(relu(dense(h, `fc${i + 1}`, width)), this.dropoutRate);
    });
    return dense(h, 'out', classes, { init: 'glorot' });
  }

  protected architecture(): Record<string, unknown> {
    return { hidden: this.hidden };
  }
}
