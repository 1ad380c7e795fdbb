/**
 * Layer normalisation over the last axis: ONNX `LayerNormalization` (opset 17) forward, which also
 * returns the mean and inverse standard deviation, and a composed backward:
 * x̂ = (x − μ)·ι; dγ = Σ dy ⊙ x̂; dβ = Σ dy (over the leading axes);
 * dx = ι·(g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)) with g = dy ⊙ γ (means along the normalised axis).
 */
import type { OpDefinition, Tensor } from '../graph.ts';
import { ONNX_DTYPE, applyOp } from '../graph.ts';
import { formatShape, shapeError } from '../shape.ts';
import { bin, reduce, un } from './emit.ts';

const LayerNormOp: OpDefinition<{ epsilon: number }> = {
  name: 'LayerNorm',
  infer([x, gamma, beta]) {
    const width = x.shape[x.rank - 1];
    for (const p of [gamma, beta]) {
      if (p.rank !== 1 || p.shape[0] !== width) {
        throw shapeError(
          'LayerNorm',
          `scale/shift ${formatShape(p.shape)} must be [${width}] to normalise ${formatShape(x.shape)}`,
        );
      }
    }
    const stats = [...x.shape.slice(0, -1), 1];
    return [
      { shape: x.shape, dtype: x.dtype },
      { shape: stats, dtype: 'float32' },
      { shape: stats, dtype: 'float32' },
    ];
  },
  emit(g, [x, gamma, beta], outputs, { epsilon }) {
    g.node('LayerNormalization', [x.name, gamma.name, beta.name], outputs, {
      axis: { int: -1 },
      epsilon: { float: epsilon },
      // ORT's CPU kernel computes the statistics in float32 (stash_type 1) for float and double inputs.
      stash_type: { int: ONNX_DTYPE.float32 },
    });
  },
  backward({ inputs: [x, gamma], outputs: [, meanStat, invStdStat], outputGrads: [dy], needsGrad, attrs }) {
    if (dy === undefined) return [undefined, undefined, undefined];
    const last = x.rank - 1;
    let mean = meanStat;
    let invStd = invStdStat;
    if (x.dtype !== meanStat.dtype) {
      // float64 graphs: the stashed statistics are float32, so recompute them in double.
      mean = reduce('ReduceMean', x, [last], true);
      const centred = bin('Sub', x, mean);
      const variance = reduce('ReduceMean', bin('Mul', centred, centred), [last], true);
      invStd = bin('Div', x.graph.scalar(1, x.dtype), un('Sqrt', bin('Add', variance, attrs.epsilon)));
    }
    const leading = Array.from({ length: last }, (_, i) => i);
    const xhat = bin('Mul', bin('Sub', x, mean), invStd);
    let dx: Tensor | undefined;
    if (needsGrad[0]) {
      const gx = bin('Mul', dy, gamma);
      const meanG = reduce('ReduceMean', gx, [last], true);
      const meanGX = reduce('ReduceMean', bin('Mul', gx, xhat), [last], true);
      dx = bin('Mul', bin('Sub', bin('Sub', gx, meanG), bin('Mul', xhat, meanGX)), invStd);
    }
    const dgamma = needsGrad[1] ? reduce('ReduceSum', bin('Mul', dy, xhat), leading, false) : undefined;
    const dbeta = needsGrad[2] ? reduce('ReduceSum', dy, leading, false) : undefined;
    return [dx, dgamma, dbeta];
  },
};

/** Layer normalisation of the last axis with scale `gamma` and shift `beta` (both [width]). */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, epsilon = 1e-5): Tensor {
  return applyOp(LayerNormOp, [x, gamma, beta], { epsilon })[0];
}
