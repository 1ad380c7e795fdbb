/**
 * Training hyper-parameters shared by the neural models (constructor options, kept unchanged).
 */
import { BiasloopError } from '../../core/errors.ts';
import type { Optimizer } from '../../nn/optimizers.ts';
import { adam, adamw, sgd, validateOptimizer } from '../../nn/optimizers.ts';
import type { Parallelism } from '../../nn/runtime/training-session.ts';
import type { LearningRateSchedule } from '../../nn/schedule.ts';

export interface TrainingConfig {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly optimizer: 'adam' | 'adamw' | 'sgd';
  /** SGD momentum (ignored by Adam). */
  readonly momentum: number;
  readonly weightDecay: number;
  readonly schedule: LearningRateSchedule;
  readonly clipGradNorm?: number;
  /** Threads for this model (1: right for one model per worker); `parallelism` says how they are used. */
  readonly threads: number;
  /**
   * With threads > 1: 'intra-op' (default) runs one session whose operators use `threads` ORT
   * threads; 'data' trains data-parallel, each batch split by rows over `threads` single-threaded
   * sessions (reproducible for a given thread count; equal to one thread up to rounding).
   */
  readonly parallelism?: Parallelism;
  /**
   * Let idle intra-op threads spin-wait (ORT's default, fastest on a quiet machine); false makes them
   * sleep, better when the cores are shared with other busy processes. Only matters with threads > 1.
   */
  readonly spinning?: boolean;
}

export const DEFAULT_TRAINING: TrainingConfig = {
  epochs: 5,
  batchSize: 64,
  learningRate: 1e-3,
  optimizer: 'adam',
  momentum: 0.9,
  weightDecay: 0,
  schedule: { kind: 'constant' },
  threads: 1,
};

export function resolveTraining(
  partial: Partial<TrainingConfig> | undefined,
  defaults: TrainingConfig = DEFAULT_TRAINING,
): TrainingConfig {
  const c = { ...defaults, ...(partial ?? {}) };
  const positiveInt = (field: string, v: number): void => {
    if (!(Number.isInteger(v) && v >= 1))
      throw new BiasloopError('usage', `${field} ${v} must be a positive integer`, { field });
  };
  positiveInt('batchSize', c.batchSize);
  positiveInt('threads', c.threads);
  if (c.parallelism !== undefined && c.parallelism !== 'intra-op' && c.parallelism !== 'data') {
    throw new BiasloopError('usage', `parallelism '${String(c.parallelism)}' must be 'intra-op' or 'data'`, {
      field: 'parallelism',
    });
  }
  if (!(Number.isInteger(c.epochs) && c.epochs >= 0)) {
    throw new BiasloopError('usage', `epochs ${c.epochs} must be a non-negative integer`, {
      field: 'epochs',
    });
  }
  if (!(c.learningRate > 0 && Number.isFinite(c.learningRate))) {
    throw new BiasloopError('usage', `learningRate ${c.learningRate} must be a positive number`, {
      field: 'learningRate',
    });
  }
  validateOptimizer(optimizerOf(c));
  return c;
}

export function optimizerOf(c: TrainingConfig): Optimizer {
  switch (c.optimizer) {
    case 'adam':
      return adam({ weightDecay: c.weightDecay });
    case 'adamw':
      return adamw({ weightDecay: c.weightDecay });
    case 'sgd':
      return sgd({ momentum: c.momentum, weightDecay: c.weightDecay });
    default:
      throw new BiasloopError(
        'usage',
        `unknown optimizer '${String(c.optimizer)}' (use adam, adamw or sgd)`,
        {
          field: 'optimizer',
        },
      );
  }
}

/** Epochs for one fit: `epochs × epochScale`, rounded, at least 1 when epochs ≥ 1. */
export function scaledEpochs(epochs: number, epochScale: number | undefined): number {
  const scale = epochScale ?? 1;
  if (!(scale > 0 && Number.isFinite(scale))) {
    throw new BiasloopError('usage', `epochScale ${scale} must be a positive number`, {
      field: 'epochScale',
    });
  }
  return epochs === 0 ? 0 : Math.max(1, Math.round(epochs * scale));
}
