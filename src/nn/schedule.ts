/**
 * Learning-rate schedules, evaluated on the host and fed to the training step as the `lr` scalar.
 */
import { BiasloopError } from '../core/errors.ts';

export type LearningRateSchedule =
  | { readonly kind: 'constant' }
  /** Linear warm-up over `warmupSteps`, then cosine decay to `minFactor`·lr at the last step. */
  | { readonly kind: 'cosine'; readonly warmupSteps?: number; readonly minFactor?: number }
  /** Multiply by `gamma` every `every` steps. */
  | { readonly kind: 'step'; readonly every: number; readonly gamma: number };

/** Learning rate for 0-based `step` of `totalSteps`. */
export function learningRateAt(
  base: number,
  schedule: LearningRateSchedule,
  step: number,
  totalSteps: number,
): number {
  switch (schedule.kind) {
    case 'constant':
      return base;
    case 'step':
      if (!(schedule.every >= 1))
        throw new BiasloopError('usage', `schedule.every ${schedule.every} must be ≥ 1`);
      return base * Math.pow(schedule.gamma, Math.floor(step / schedule.every));
    case 'cosine': {
      const warm = schedule.warmupSteps ?? 0;
      const min = schedule.minFactor ?? 0;
      if (step < warm) return (base * (step + 1)) / warm;
      const span = Math.max(1, totalSteps - warm - 1);
      const progress = Math.min(1, (step - warm) / span);
      return base * (min + (1 - min) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
  }
}
