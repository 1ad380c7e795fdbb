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
 * 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))). Opset 17 has no Gelu op, so both are composed.
 */
const GeluOp: OpDefinition<{ approximate: 'exact' | 'tanh' }> = {
  name: 'Gelu',
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  emit(g, [x], [y], { approximate }) {
    let inner: ReturnType<typeof un>;
    if (approximate === 'exact') {
      inner = un('Erf', bin('Mul', x, INV_SQRT_2));
    } else {
      const cube = bin('Mul', bin('Mul', x, x), x);
      inner = un('Tanh', bin('Mul', bin('Add', x, bin('Mul', cube, GELU_C)), SQRT_2_OVER_PI));
    }
    const half = bin('Mul', bin('Add', inner, 1), 0.5);
    g.node('Mul', [x.name, half.name], [y]);
  },
  backward({ inputs: [x], outputGrads: [dy], needsGrad, attrs: { approximate } }) {
    if (dy === undefined || !needsGrad[0]) return [undefined];
    let dydx: Tensor;
    if (approximate === 'exact') {
      // d/dx xΦ(x) = Φ(x) + x φ(x)
      const cdf = bin('Mul', bin('Add', un('Erf', bin('Mul', x, INV_SQRT_2)), 1), 0.5);
      const pdf = bin('Mul', un('Exp', bin('Mul', bin('Mul', x, x), -0.5)), INV_SQRT_2PI);
      dydx = bin('Add', cdf, bin('Mul', x, pdf));
    } else {
      // u = √(2/π)(x + c x³), t = tanh u: d/dx = 0.5(1 + t) + 0.5 x (1 − t²) √(2/π)(1 + 3c x²)
      const x2 = bin('Mul', x, x);
      const u = bin('Mul', bin('Mul', x, bin('Add', bin('Mul', x2, GELU_C), 1)), SQRT_2_OVER_PI);
      const t = un('Tanh', u);
      const du = bin('Mul', bin('Add', bin('Mul', x2, 3 * GELU_C), 1), SQRT_2_OVER_PI);
      const left = bin('Mul', bin('Add', t, 1), 0.5);
      const right = bin('Mul', bin('Mul', bin('Mul', x, rsub(1, bin('Mul', t, t))), du), 0.5);
      dydx = bin('Add', left, right);
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
