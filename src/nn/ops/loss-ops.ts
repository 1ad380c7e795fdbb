/**
 * Elementwise binary cross-entropy with logits, as one op with its own stable rule:
 * ℓ(z, t) = max(z, 0) − z·t + log(1 + e^(−|z|)); ∂ℓ/∂z = σ(z) − t; ∂ℓ/∂t = −z.
 */
import type { OpDefinition, Tensor } from '../graph.ts';
import { apply1 } from '../graph.ts';
import { broadcastShapes, formatShape, sameShape, shapeError } from '../shape.ts';
import { bin, un } from './emit.ts';

const BceWithLogitsOp: OpDefinition<null> = {
  name: 'BinaryCrossEntropyWithLogits',
  infer([z, t]) {
    if (!sameShape(z.shape, t.shape)) {
      throw shapeError(
        'BinaryCrossEntropyWithLogits',
        `logits ${formatShape(z.shape)} and targets ${formatShape(t.shape)} must have the same shape`,
      );
    }
    return [{ shape: broadcastShapes('BinaryCrossEntropyWithLogits', z.shape, t.shape), dtype: z.dtype }];
  },
  emit(g, [z, t], [y]) {
    const relu = un('Relu', z);
    const softplusNegAbs = un('Log', bin('Add', un('Exp', un('Neg', un('Abs', z))), 1));
    const zt = bin('Mul', z, t);
    g.node('Add', [bin('Sub', relu, zt).name, softplusNegAbs.name], [y]);
  },
  backward({ inputs: [z, t], outputGrads: [dy], needsGrad }) {
    if (dy === undefined) return [undefined, undefined];
    return [
      needsGrad[0] ? bin('Mul', dy, bin('Sub', un('Sigmoid', z), t)) : undefined,
      needsGrad[1] ? bin('Mul', dy, un('Neg', z)) : undefined,
    ];
  },
};

/** Per-element binary cross-entropy of `logits` against `targets` in [0, 1] (same shape). */
export function bceWithLogitsElementwise(logits: Tensor, targets: Tensor): Tensor {
  return apply1(BceWithLogitsOp, [logits, targets], null);
}
