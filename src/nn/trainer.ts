/**
 * Minibatch epochs over n rows: each epoch visits the rows in the order of a permutation drawn from
 * `rng.fork('epoch', e)` (so a run depends only on the seed), in batches of `batchSize` (the last
 * one may be smaller), one training step per batch.
 */
import { BiasloopError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { Feeds } from './runtime/feeds.ts';
import type { TrainingSession } from './runtime/training-session.ts';
import type { LearningRateSchedule } from './schedule.ts';
import { learningRateAt } from './schedule.ts';

export interface EpochOptions {
  readonly session: TrainingSession;
  readonly n: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly rng: Rng;
  readonly learningRate: number;
  readonly schedule?: LearningRateSchedule;
  /** Build the feeds for the rows `rows` (indices into the data). */
  readonly makeBatch: (rows: Int32Array) => Feeds;
  /** Drop a final batch smaller than this (1 keeps every batch). */
  readonly minBatch?: number;
}

export interface EpochReport {
  readonly steps: number;
  readonly epochs: number;
  /** Mean loss over the batches of the last epoch (batch-size weighted). */
  readonly lastEpochLoss: number;
  readonly gradNorm: number;
}

export function trainEpochs(o: EpochOptions): EpochReport {
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1)) {
    throw new BiasloopError('usage', `batch size ${o.batchSize} must be a positive integer`, {
      field: 'batchSize',
    });
  }
  if (!(Number.isInteger(o.epochs) && o.epochs >= 0)) {
    throw new BiasloopError('usage', `epochs ${o.epochs} must be a non-negative integer`, {
      field: 'epochs',
    });
  }
  if (o.n < 1) throw new BiasloopError('data', 'cannot train on an empty dataset');
  const minBatch = Math.min(o.minBatch ?? 1, o.n);
  const perEpoch =
    Math.floor(o.n / o.batchSize) + (o.n % o.batchSize >= minBatch && o.n % o.batchSize > 0 ? 1 : 0);
  const total = perEpoch * o.epochs;
  let step = 0;
  let lastEpochLoss = NaN;
  let gradNorm = NaN;
  for (let e = 0; e < o.epochs; e++) {
    const order = o.rng.fork('epoch', e).permutation(o.n);
    let lossSum = 0;
    let rows = 0;
    for (let start = 0; start < o.n; start += o.batchSize) {
      const batch = order.subarray(start, Math.min(o.n, start + o.batchSize));
      if (batch.length < minBatch) break;
      const lr = learningRateAt(o.learningRate, o.schedule ?? { kind: 'constant' }, step, total);
      const result = o.session.run(o.makeBatch(batch), lr);
      lossSum += result.loss * batch.length;
      rows += batch.length;
      gradNorm = result.gradNorm;
      step++;
    }
    lastEpochLoss = lossSum / rows;
  }
  return { steps: step, epochs: o.epochs, lastEpochLoss, gradNorm };
}
