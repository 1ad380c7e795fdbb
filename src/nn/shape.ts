/**
 * Static shapes of symbolic tensors.
 *
 * A dimension is either a number (known when the graph is built) or a name such as `'batch'` (a
 * symbolic dimension, fixed only when a batch is fed). Shape inference works on these: two symbolic
 * dimensions match when they have the same name, and broadcasting follows NumPy/ONNX rules.
 */
import { BiasloopError } from '../core/errors.ts';

export type Dim = number | string;
export type Shape = readonly Dim[];

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function isStatic(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

/** Number of elements of a static shape. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** Number of elements; `undefined` when a dimension is symbolic. */
export function staticSize(shape: Shape): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

/** Shape with every symbolic dimension replaced by its value in `bindings`. */
export function resolveShape(shape: Shape, bindings: Readonly<Record<string, number>>): number[] {
  return shape.map((d) => {
    if (typeof d === 'number') return d;
    const v = bindings[d];
    if (v === undefined) {
      throw new BiasloopError('usage', `symbolic dimension '${d}' has no value for this run`);
    }
    return v;
  });
}

/** A build-time shape error that names the op (and the scope it was built in) and the shapes. */
export function shapeError(op: string, message: string): BiasloopError {
  return new BiasloopError('usage', `${op}: ${message}`);
}

/** Normalise a possibly negative axis for a tensor of rank `rank`. */
export function normaliseAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw shapeError(op, `axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return a;
}

/** The NumPy/ONNX broadcast of two shapes, or an error naming both. */
export function broadcastShapes(op: string, a: Shape, b: Shape): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = new Array<Dim>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === db) out[i] = da;
    else if (da === 1) out[i] = db;
    else if (db === 1) out[i] = da;
    else {
      throw shapeError(
        op,
        `shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast (dimension ${da} vs ${db})`,
      );
    }
  }
  return out;
}

/**
 * The axes of `full` over which a tensor of shape `part` was broadcast: leading axes `part` lacks,
 * and axes where `part` has 1 but `full` does not. Gradients are summed over these axes.
 */
export function broadcastAxes(part: Shape, full: Shape): number[] {
  const lead = full.length - part.length;
  const axes: number[] = [];
  for (let i = 0; i < full.length; i++) {
    if (i < lead) axes.push(i);
    else if (part[i - lead] === 1 && full[i] !== 1) axes.push(i);
  }
  return axes;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Resolve a Reshape target: numbers, symbolic names present in the input, and at most one -1.
 * The element counts must agree (symbolic dimensions cancel by name).
 */
export function reshapeTarget(op: string, input: Shape, target: Shape): Dim[] {
  const minusOnes = target.filter((d) => d === -1).length;
  if (minusOnes > 1) throw shapeError(op, `target ${formatShape(target)} has more than one -1`);
  const remaining: Dim[] = [...input];
  let knownProduct = 1;
  for (const d of target) {
    if (d === -1) continue;
    if (typeof d === 'string') {
      const at = remaining.indexOf(d);
      if (at < 0) {
        throw shapeError(
          op,
          `target ${formatShape(target)} uses dimension '${d}' that input ${formatShape(input)} lacks`,
        );
      }
      remaining.splice(at, 1);
    } else if (!Number.isInteger(d) || d < 0) {
      throw shapeError(op, `target ${formatShape(target)} has an invalid dimension ${d}`);
    } else knownProduct *= d;
  }
  const symbols = remaining.filter((d): d is string => typeof d === 'string');
  const inputProduct = remaining.reduce<number>((p, d) => (typeof d === 'number' ? p * d : p), 1);
  if (minusOnes === 1) {
    if (knownProduct === 0 || inputProduct % knownProduct !== 0) {
      throw shapeError(op, `cannot reshape ${formatShape(input)} to ${formatShape(target)}`);
    }
    const rest = inputProduct / knownProduct;
    // Merged symbolic dimensions become a derived name such as 'batch*time' (or 'batch*time*4').
    const merged: Dim =
      symbols.length === 0 ? rest : [...symbols, ...(rest === 1 ? [] : [String(rest)])].join('*');
    return target.map((d) => (d === -1 ? merged : d));
  }
  if (symbols.length > 0) {
    throw shapeError(
      op,
      `cannot reshape ${formatShape(input)} to ${formatShape(target)}: symbolic dimensions must be kept or merged with -1`,
    );
  }
  if (inputProduct !== knownProduct) {
    throw shapeError(
      op,
      `cannot reshape ${formatShape(input)} to ${formatShape(target)} (element counts differ)`,
    );
  }
  return [...target];
}
