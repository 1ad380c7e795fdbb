/**
 * Dropout with a mask drawn from the seeded stream: in a training graph the op adds a `random` input
 * that the session fills each step with 0 (probability `rate`) or 1/(1 − rate) from its Rng, so runs
 * are reproducible; y = x ⊙ mask and dx = dy ⊙ mask. In an inference graph it is the identity.
 */
import type { OpDefinition, Tensor } from '../graph.ts';
import { apply1 } from '../graph.ts';
import { shapeError } from '../shape.ts';
import { bin } from './emit.ts';

const DropoutOp: OpDefinition<null> = {
  name: 'Dropout',
  nonDifferentiable: [1],
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  emit(g, [x, mask], [y]) {
    g.node('Mul', [x.name, mask.name], [y]);
  },
  backward({ inputs: [, mask], outputGrads: [dy], needsGrad }) {
    if (dy === undefined || !needsGrad[0]) return [undefined, undefined];
    return [bin('Mul', dy, mask), undefined];
  },
};

/** Zero each element with probability `rate` (scaling the rest by 1/(1 − rate)) in training graphs. */
export function dropout(x: Tensor, rate: number): Tensor {
  if (!(rate >= 0 && rate < 1)) throw shapeError(x.graph.where('Dropout'), `rate ${rate} must be in [0, 1)`);
  if (!x.graph.training || rate === 0) return x;
  const mask = x.graph.randomInput(x.shape, { kind: 'dropout', rate });
  return apply1(DropoutOp, [x, mask], null);
}

/** Standard normal noise of `shape`, fresh each step (e.g. the VAE's reparameterisation noise). */
export function randomNormal(like: Tensor, shape: readonly (number | string)[]): Tensor {
  return like.graph.randomInput(shape, { kind: 'normal' });
}
