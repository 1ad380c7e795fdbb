/**
 * Activations: ReLU, LeakyReLU, Sigmoid, Tanh, GELU (exact erf form or tanh approximation).
 * Backward rules follow the recipes measured in DESIGN.md (ReLU via `Where(Greater(x, 0), dy, 0)`).
 */
import type { OpDefinition, Tensor } from '../graph.ts';
import { apply1 } from '../graph.ts';
import { bin, compare, rsub, un, where } from './emit.ts';

const ReluOp: OpDefinition<null> = {
  name: 'Relu',
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  emit(g, [x], [y]) {
    g.node('Relu', [x.name], [y]);
  },
  backward({ inputs: [x], outputGrads: [dy], needsGrad }) {
    if (dy === undefined || !needsGrad[0]) return [undefined];
    return [where(compare('Greater', x, 0), dy, 0)];
  },
};

const LeakyReluOp: OpDefinition<{ alpha: number }> = {
  name: 'LeakyRelu',
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  emit(g, [x], [y], { alpha }) {
    g.node('LeakyRelu', [x.name], [y], { alpha: { float: alpha } });
  },
  backward({ inputs: [x], outputGrads: [dy], needsGrad, attrs: { alpha } }) {
    if (dy === undefined || !needsGrad[0]) return [undefined];
    return [where(compare('Greater', x, 0), dy, bin('Mul', dy, alpha))];
  },
};

const SigmoidOp: OpDefinition<null> = {
  name: 'Sigmoid',
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  emit(g, [x], [y]) {
    g.node('Sigmoid', [x.name], [y]);
  },
  backward({ outputs: [y], outputGrads: [dy], needsGrad }) {
    if (dy === undefined || !needsGrad[0]) return [undefined];
    // dσ = σ(1 − σ)
    return [bin('Mul', dy, bin('Mul', y, rsub(1, y)))];
  },
};

const TanhOp: OpDefinition<null> = {
  name: 'Tanh',
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  emit(g, [x], [y]) {
    g.node('Tanh', [x.name], [y]);
  },
  backward({ outputs: [y], outputGrads: [dy], needsGrad }) {
    if (dy === undefined || !needsGrad[0]) return [undefined];
    return [bin('Mul', dy, rsub(1, bin('Mul', y, y)))];
  },
};

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;
const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * GELU. `exact`: x·Φ(x) with Φ from Erf (as PyTorch's default); `tanh`: the tanh approximation
 * 0.5·x·(1 + tanh(u)), u = √(2/π)(x + 0.044715x³). Opset 17 has no Gelu op, so both are composed.
 *
 * The tanh form is emitted as x·σ(2u) (the same function: 0.5(1 + tanh u) = σ(2u)) in 6 nodes, and
 * the op keeps s = σ(2u) as a second output for its backward rule:
 * d/dx = s + x·s(1 − s)·2u' = s·(1 + x(1 − s)(2k + 6kc·x²)) with k = √(2/π), c = 0.044715 —
 * 15 elementwise nodes for forward and backward instead of 27 (the MLP's GELU is the largest
 * elementwise cost of a transformer step).
 */
const GeluOp: OpDefinition<{ approximate: 'exact' | 'tanh' }> = {
  name: 'Gelu',
  infer: ([x], { approximate }) =>
    approximate === 'tanh'
      ? [
          { shape: x.shape, dtype: x.dtype },
          { shape: x.shape, dtype: x.dtype },
        ]
      : [{ shape: x.shape, dtype: x.dtype }],
  emit(g, [x], [y, s], { approximate }) {
    if (approximate === 'exact') {
      const inner = un('Erf', bin('Mul', x, INV_SQRT_2));
      const half = bin('Mul', bin('Add', inner, 1), 0.5);
      g.node('Mul', [x.name, half.name], [y]);
      return;
    }
    // 2u = x·(2k + 2kc·x²)
    const twoU = bin(
      'Mul',
      bin('Add', bin('Mul', bin('Mul', x, x), 2 * SQRT_2_OVER_PI * GELU_C), 2 * SQRT_2_OVER_PI),
      x,
    );
    g.node('Sigmoid', [twoU.name], [s]);
    g.node('Mul', [x.name, s], [y]);
  },
  backward({ inputs: [x], outputs: [, s], outputGrads: [dy], needsGrad, attrs: { approximate } }) {
    if (dy === undefined || !needsGrad[0]) return [undefined];
    let dydx: Tensor;
    if (approximate === 'exact') {
      // d/dx xΦ(x) = Φ(x) + x φ(x)
      const cdf = bin('Mul', bin('Add', un('Erf', bin('Mul', x, INV_SQRT_2)), 1), 0.5);
      const pdf = bin('Mul', un('Exp', bin('Mul', bin('Mul', x, x), -0.5)), INV_SQRT_2PI);
      dydx = bin('Add', cdf, bin('Mul', x, pdf));
    } else {
      // s·(1 + x(1 − s)(2k + 6kc·x²))
      const du = bin('Add', bin('Mul', bin('Mul', x, x), 6 * SQRT_2_OVER_PI * GELU_C), 2 * SQRT_2_OVER_PI);
      const inner = bin('Mul', bin('Mul', rsub(1, s), x), du);
      dydx = bin('Mul', bin('Add', inner, 1), s);
    }
    return [bin('Mul', dy, dydx)];
  },
};

export function relu(x: Tensor): Tensor {
  return apply1(ReluOp, [x], null);
}
export function leakyRelu(x: Tensor, alpha = 0.01): Tensor {
  return apply1(LeakyReluOp, [x], { alpha });
}
export function sigmoid(x: Tensor): Tensor {
  return apply1(SigmoidOp, [x], null);
}
export function tanh(x: Tensor): Tensor {
  return apply1(TanhOp, [x], null);
}
export function gelu(x: Tensor, approximate: 'exact' | 'tanh' = 'exact'): Tensor {
  return apply1(GeluOp, [x], { approximate });
}
