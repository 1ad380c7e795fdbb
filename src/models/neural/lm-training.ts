/**
 * The language model's training loop: epochs of non-overlapping windows of context + 1 tokens cut
 * from the token stream at a random phase, shuffled, one training step per batch of windows.
 */
import type { Rng } from '../../core/rng.ts';
import type { TrainingSession } from '../../nn/runtime/training-session.ts';
import type { LearningRateSchedule } from '../../nn/schedule.ts';
import { learningRateAt } from '../../nn/schedule.ts';
import type { FitReport } from '../types.ts';
import type { TokenStream } from './lm-data.ts';
import { windowStarts } from './lm-data.ts';

export interface WindowTraining {
  readonly session: TrainingSession;
  /** At least context + 1 tokens. */
  readonly stream: TokenStream;
  readonly context: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly schedule: LearningRateSchedule;
  /** Epoch e's phase comes from rng.fork('epoch', e), its window order from rng.fork('batches', e). */
  readonly rng: Rng;
}

/**
 * Train on the stream's windows: inputs tokens [s, s + T), targets [s + 1, s + T], each target
 * weighted by the stream's weight. Returns the mean loss of the last epoch (nats per token).
 */
export function trainWindows(o: WindowTraining): FitReport {
  const { session, stream, context: T, batchSize: B, rng } = o;
  const n = stream.tokens.length;
  const phases = Array.from({ length: o.epochs }, (_, e) => rng.fork('epoch', e).int(Math.min(T, n - T)));
  const total = phases.reduce((sum, phase) => sum + Math.ceil(windowStarts(n, T, phase).length / B), 0);
  const ids = new BigInt64Array(B * T);
  const targets = new BigInt64Array(B * T);
  const weights = new Float32Array(B * T);
  let step = 0;
  let lastEpochLoss = NaN;
  let gradNorm = NaN;
  for (let e = 0; e < o.epochs; e++) {
    const starts = windowStarts(n, T, phases[e]);
    const order = rng.fork('batches', e).permutation(starts.length);
    let lossSum = 0;
    let windows = 0;
    for (let b = 0; b < starts.length; b += B) {
      const m = Math.min(B, starts.length - b);
      for (let r = 0; r < m; r++) {
        const s = starts[order[b + r]];
        for (let j = 0; j < T; j++) {
          ids[r * T + j] = BigInt(stream.tokens[s + j]);
          targets[r * T + j] = BigInt(stream.tokens[s + j + 1]);
          weights[r * T + j] = stream.weights[s + j + 1];
        }
      }
      const dims = [m, T];
      const result = session.run(
        {
          ids: { data: ids.subarray(0, m * T), dims },
          targets: { data: targets.subarray(0, m * T), dims },
          weights: { data: weights.subarray(0, m * T), dims },
        },
        learningRateAt(o.learningRate, o.schedule, step, total),
      );
      lossSum += result.loss * m;
      windows += m;
      gradNorm = result.gradNorm;
      step++;
    }
    lastEpochLoss = lossSum / windows;
  }
  return {
    converged: Number.isFinite(lastEpochLoss),
    iterations: step,
    objective: lastEpochLoss,
    gradientNorm: gradNorm,
  };
}
