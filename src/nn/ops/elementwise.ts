/**
 * Elementwise arithmetic with NumPy/ONNX broadcasting: Add, Sub, Mul, Div, and unary Neg, Exp, Log,
 * Sqrt, Square. Gradients of broadcast operands are summed over the broadcast axes.
 */
import type { OpDefinition, Tensor } from '../graph.ts';
import { apply1 } from '../graph.ts';
import { broadcastShapes, shapeError } from '../shape.ts';
import type { Operand } from './emit.ts';
import { asTensor, bin, sumToShape, un } from './emit.ts';

type BinaryKind = 'Add' | 'Sub' | 'Mul' | 'Div';

function binaryOp(kind: BinaryKind): OpDefinition<null> {
  return {
    name: kind,
    infer([a, b]) {
      if (a.dtype !== b.dtype) {
        throw shapeError(kind, `operands have different types ${a.dtype} and ${b.dtype}`);
      }
      return [{ shape: broadcastShapes(kind, a.shape, b.shape), dtype: a.dtype }];
    },
    emit(g, [a, b], [y]) {
      g.node(kind, [a.name, b.name], [y]);
    },
    backward({ inputs: [a, b], outputs: [y], outputGrads: [dy], needsGrad }) {
      if (dy === undefined) return [undefined, undefined];
      let da: Tensor | undefined;
      let db: Tensor | undefined;
      switch (kind) {
        case 'Add':
          if (needsGrad[0]) da = dy;
          if (needsGrad[1]) db = dy;
          break;
        case 'Sub':
          if (needsGrad[0]) da = dy;
          if (needsGrad[1]) db = un('Neg', dy);
          break;
        case 'Mul':
          if (needsGrad[0]) da = bin('Mul', dy, b);
          if (needsGrad[1]) db = bin('Mul', dy, a);
          break;
        case 'Div':
          // y = a / b: da = dy / b; db = -dy * y / b
          if (needsGrad[0]) da = bin('Div', dy, b);
          if (needsGrad[1]) db = un('Neg', bin('Div', bin('Mul', dy, y), b));
          break;
      }
      return [
        da === undefined ? undefined : sumToShape(da, a),
        db === undefined ? undefined : sumToShape(db, b),
      ];
    },
  };
}

const AddOp = binaryOp('Add');
const SubOp = binaryOp('Sub');
const MulOp = binaryOp('Mul');
const DivOp = binaryOp('Div');

function operands(a: Operand, b: Operand): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') {
    throw new TypeError('at least one operand must be a tensor');
  }
  const like = (typeof a === 'number' ? b : a) as Tensor;
  return [asTensor(like, a), asTensor(like, b)];
}

/** a + b (broadcasting; either may be a number). */
export function add(a: Operand, b: Operand): Tensor {
  return apply1(AddOp, operands(a, b), null);
}
/** a − b. */
export function sub(a: Operand, b: Operand): Tensor {
  return apply1(SubOp, operands(a, b), null);
}
/** a · b (elementwise). */
export function mul(a: Operand, b: Operand): Tensor {
  return apply1(MulOp, operands(a, b), null);
}
/** a / b (elementwise). */
export function div(a: Operand, b: Operand): Tensor {
  return apply1(DivOp, operands(a, b), null);
}

type UnaryKind = 'Neg' | 'Exp' | 'Log' | 'Sqrt' | 'Square' | 'Abs';

function unaryOp(
  kind: UnaryKind,
  gradient: (x: Tensor, y: Tensor, dy: Tensor) => Tensor,
): OpDefinition<null> {
  return {
    name: kind,
    infer([x]) {
      return [{ shape: x.shape, dtype: x.dtype }];
    },
    emit(g, [x], [y]) {
      if (kind === 'Square') g.node('Mul', [x.name, x.name], [y]);
      else g.node(kind, [x.name], [y]);
    },
    backward({ inputs: [x], outputs: [y], outputGrads: [dy], needsGrad }) {
      if (dy === undefined || !needsGrad[0]) return [undefined];
      return [gradient(x, y, dy)];
    },
  };
}

const NegOp = unaryOp('Neg', (_x, _y, dy) => un('Neg', dy));
const ExpOp = unaryOp('Exp', (_x, y, dy) => bin('Mul', dy, y));
const LogOp = unaryOp('Log', (x, _y, dy) => bin('Div', dy, x));
// y = √x: dx = dy / (2y)
const SqrtOp = unaryOp('Sqrt', (_x, y, dy) => bin('Div', dy, bin('Mul', y, 2)));
const SquareOp = unaryOp('Square', (x, _y, dy) => bin('Mul', dy, bin('Mul', x, 2)));
const AbsOp = unaryOp('Abs', (x, _y, dy) => bin('Mul', dy, un('Sign', x)));

export function neg(x: Tensor): Tensor {
  return apply1(NegOp, [x], null);
}
export function exp(x: Tensor): Tensor {
  return apply1(ExpOp, [x], null);
}
export function log(x: Tensor): Tensor {
  return apply1(LogOp, [x], null);
}
export function sqrt(x: Tensor): Tensor {
  return apply1(SqrtOp, [x], null);
}
export function square(x: Tensor): Tensor {
  return apply1(SquareOp, [x], null);
}
export function abs(x: Tensor): Tensor {
  return apply1(AbsOp, [x], null);
}
