/**
 * Optimizers emitted into the training graph: SGD with (Nesterov) momentum, Adam (L2 weight decay
 * added to the gradient, as PyTorch's Adam) and AdamW (decoupled weight decay), with optional
 * gradient clipping by global norm. Parameters and moments are graph inputs and the updated values
 * graph outputs, so one `session.run` performs forward, backward and update.
 *
 * Per-step scalars are graph inputs the session feeds: `lr` (from the schedule), `weight_decay`
 * (so a fit can override it without recompiling) and, for Adam, `adam_bc1` = 1 − β₁ᵗ and
 * `adam_sqrt_bc2` = √(1 − β₂ᵗ). The update equals PyTorch's:
 * m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − (lr/bc1)·m / (√v/√bc2 + ε).
 */
import { BiasloopError } from '../core/errors.ts';
import type { Graph, Tensor } from './graph.ts';
import { bin, reduce, un } from './ops/emit.ts';

export type Optimizer =
  | {
      readonly kind: 'sgd';
      readonly momentum: number;
      readonly nesterov: boolean;
      readonly weightDecay: number;
    }
  | {
      readonly kind: 'adam' | 'adamw';
      readonly beta1: number;
      readonly beta2: number;
      readonly epsilon: number;
      readonly weightDecay: number;
    };

export function sgd(
  options: { momentum?: number; nesterov?: boolean; weightDecay?: number } = {},
): Optimizer {
  return {
    kind: 'sgd',
    momentum: options.momentum ?? 0,
    nesterov: options.nesterov ?? false,
    weightDecay: options.weightDecay ?? 0,
  };
}

export function adam(
  options: { beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number } = {},
): Optimizer {
  return {
    kind: 'adam',
    beta1: options.beta1 ?? 0.9,
    beta2: options.beta2 ?? 0.999,
    epsilon: options.epsilon ?? 1e-8,
    weightDecay: options.weightDecay ?? 0,
  };
}

export function adamw(
  options: { beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number } = {},
): Optimizer {
  return {
    kind: 'adamw',
    beta1: options.beta1 ?? 0.9,
    beta2: options.beta2 ?? 0.999,
    epsilon: options.epsilon ?? 1e-8,
    weightDecay: options.weightDecay ?? 0.01,
  };
}

export function validateOptimizer(o: Optimizer): void {
  const bad = (field: string, value: number, range: string): never => {
    throw new BiasloopError('usage', `optimizer ${o.kind}: ${field} ${value} must be ${range}`, { field });
  };
  if (!(o.weightDecay >= 0)) bad('weightDecay', o.weightDecay, '≥ 0');
  if (o.kind === 'sgd') {
    if (!(o.momentum >= 0 && o.momentum < 1)) bad('momentum', o.momentum, 'in [0, 1)');
  } else {
    if (!(o.beta1 >= 0 && o.beta1 < 1)) bad('beta1', o.beta1, 'in [0, 1)');
    if (!(o.beta2 >= 0 && o.beta2 < 1)) bad('beta2', o.beta2, 'in [0, 1)');
    if (!(o.epsilon > 0)) bad('epsilon', o.epsilon, '> 0');
  }
}

/** Names of the per-step scalar inputs. */
export const SCALAR_LR = 'lr';
export const SCALAR_WEIGHT_DECAY = 'weight_decay';
export const SCALAR_ADAM_BC1 = 'adam_bc1';
export const SCALAR_ADAM_SQRT_BC2 = 'adam_sqrt_bc2';

export interface EmittedUpdate {
  /** Updated value of each parameter, by parameter name. */
  readonly params: ReadonlyMap<string, Tensor>;
  /** Updated value of each optimizer-state input, by state name. */
  readonly states: ReadonlyMap<string, Tensor>;
  /** Global L2 norm of the gradients before clipping. */
  readonly gradNorm: Tensor;
}

export interface UpdateOptions {
  /** Clip gradients to this global L2 norm. */
  readonly clipGradNorm?: number;
  /** Which parameters weight decay applies to (default: all, as PyTorch). */
  readonly decays?: (paramName: string) => boolean;
}

/** Emit the optimizer update for `params` given their `grads` into `g`. */
export function emitUpdate(
  g: Graph,
  optimizer: Optimizer,
  params: readonly Tensor[],
  grads: readonly Tensor[],
  options: UpdateOptions = {},
): EmittedUpdate {
  validateOptimizer(optimizer);
  const lr = g.scalarInput(SCALAR_LR);
  const wd = g.scalarInput(SCALAR_WEIGHT_DECAY);
  let sumSq: Tensor | undefined;
  for (const d of grads) {
    const s = reduce(
      'ReduceSum',
      bin('Mul', d, d),
      d.shape.map((_, i) => i),
      false,
    );
    sumSq = sumSq === undefined ? s : bin('Add', sumSq, s);
  }
  const gradNorm = sumSq === undefined ? g.scalar(0) : un('Sqrt', sumSq);
  let clipped = grads;
  if (options.clipGradNorm !== undefined) {
    if (!(options.clipGradNorm > 0)) {
      throw new BiasloopError('usage', `clipGradNorm ${options.clipGradNorm} must be > 0`, {
        field: 'clipGradNorm',
      });
    }
    const ratio = bin('Div', g.scalar(options.clipGradNorm), bin('Add', gradNorm, 1e-6));
    const scale = g.raw1('Min', [ratio, g.scalar(1)], { shape: [], dtype: g.floatType });
    clipped = grads.map((d) => bin('Mul', d, scale));
  }
  const newParams = new Map<string, Tensor>();
  const newStates = new Map<string, Tensor>();
  const decays = options.decays ?? (() => true);
  let stepSize: Tensor | undefined;
  let sqrtBc2: Tensor | undefined;
  if (optimizer.kind !== 'sgd') {
    const bc1 = g.scalarInput(SCALAR_ADAM_BC1);
    sqrtBc2 = g.scalarInput(SCALAR_ADAM_SQRT_BC2);
    stepSize = bin('Div', lr, bc1);
  }
  params.forEach((p, i) => {
    let grad = clipped[i];
    const decayed = optimizer.weightDecay >= 0 && decays(p.name);
    if (optimizer.kind === 'sgd') {
      if (decayed) grad = bin('Add', grad, bin('Mul', p, wd));
      let direction = grad;
      if (optimizer.momentum > 0) {
        const buf = g.stateInput(`${p.name}::momentum`, p);
        const next = bin('Add', bin('Mul', buf, optimizer.momentum), grad);
        newStates.set(buf.name, next);
        direction = optimizer.nesterov ? bin('Add', grad, bin('Mul', next, optimizer.momentum)) : next;
      }
      newParams.set(p.name, bin('Sub', p, bin('Mul', direction, lr)));
      return;
    }
    let base = p;
    if (decayed && optimizer.kind === 'adam') grad = bin('Add', grad, bin('Mul', p, wd));
    if (decayed && optimizer.kind === 'adamw') base = bin('Sub', p, bin('Mul', p, bin('Mul', lr, wd)));
    const m = g.stateInput(`${p.name}::adam_m`, p);
    const v = g.stateInput(`${p.name}::adam_v`, p);
    const mNext = bin('Add', bin('Mul', m, optimizer.beta1), bin('Mul', grad, 1 - optimizer.beta1));
    const vNext = bin(
      'Add',
      bin('Mul', v, optimizer.beta2),
      bin('Mul', bin('Mul', grad, grad), 1 - optimizer.beta2),
    );
    newStates.set(m.name, mNext);
    newStates.set(v.name, vNext);
    const denom = bin('Add', bin('Div', un('Sqrt', vNext), sqrtBc2 as Tensor), optimizer.epsilon);
    newParams.set(p.name, bin('Sub', base, bin('Mul', bin('Div', mNext, denom), stepSize as Tensor)));
  });
  return { params: newParams, states: newStates, gradNorm };
}

/** Values of the per-step scalars for step `t` (1-based) at learning rate `lr`. */
export function stepScalars(
  optimizer: Optimizer,
  t: number,
  lr: number,
  weightDecay: number,
): Record<string, number> {
  const out: Record<string, number> = { [SCALAR_LR]: lr, [SCALAR_WEIGHT_DECAY]: weightDecay };
  if (optimizer.kind !== 'sgd') {
    out[SCALAR_ADAM_BC1] = 1 - Math.pow(optimizer.beta1, t);
    out[SCALAR_ADAM_SQRT_BC2] = Math.sqrt(1 - Math.pow(optimizer.beta2, t));
  }
  return out;
}
