/**
 * Feeding data to a compiled model: check each fed array against its declared shape (binding the
 * symbolic dimensions, e.g. the batch size), convert to the model's types, and draw random inputs.
 */
import { BiasloopError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import type { CompiledInput } from '../compile.ts';
import type { DType } from '../graph.ts';
import { formatShape, resolveShape } from '../shape.ts';
import { OrtTensor } from './ort-session.ts';

/** A batch value: a flat array and its dimensions. Float arrays are converted to the model's type. */
export interface FeedValue {
  readonly data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
  readonly dims: readonly number[];
}

export type Feeds = Readonly<Record<string, FeedValue>>;

/** Bind symbolic dimensions from the fed data inputs; errors name the input and both shapes. */
export function bindDimensions(inputs: readonly CompiledInput[], feeds: Feeds): Record<string, number> {
  const bindings: Record<string, number> = {};
  for (const input of inputs) {
    if (input.role !== 'data') continue;
    const fed = feeds[input.name];
    if (fed === undefined) {
      const names = inputs.filter((i) => i.role === 'data').map((i) => i.name);
      throw new BiasloopError('usage', `missing input '${input.name}' (the model takes ${names.join(', ')})`);
    }
    const mismatch = (): never => {
      throw new BiasloopError(
        'usage',
        `input '${input.name}' has shape ${formatShape(fed.dims)} but the model expects ${formatShape(input.shape)}`,
        input.shape.length === 4 ? { hint: 'images are NCHW: batch, channels, height, width' } : {},
      );
    };
    if (fed.dims.length !== input.shape.length) mismatch();
    input.shape.forEach((d, k) => {
      const v = fed.dims[k];
      if (typeof d === 'number') {
        if (v !== d) mismatch();
      } else if (bindings[d] === undefined) bindings[d] = v;
      else if (bindings[d] !== v) {
        throw new BiasloopError(
          'usage',
          `input '${input.name}' has ${d} = ${v} but another input has ${d} = ${bindings[d]}`,
        );
      }
    });
    const size = fed.dims.reduce((p, x) => p * x, 1);
    if (fed.data.length !== size) {
      throw new BiasloopError(
        'usage',
        `input '${input.name}' has ${fed.data.length} values for shape ${formatShape(fed.dims)} (${size} needed)`,
      );
    }
  }
  return bindings;
}

/** Convert a fed value to an ORT tensor of `dtype`. */
export function toOrtTensor(value: FeedValue, dtype: DType): OrtTensor {
  const dims = [...value.dims];
  const d = value.data;
  switch (dtype) {
    case 'float32':
      return new OrtTensor(
        'float32',
        d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>),
        dims,
      );
    case 'float64':
      return new OrtTensor(
        'float64',
        d instanceof Float64Array ? d : Float64Array.from(d as ArrayLike<number>),
        dims,
      );
    case 'int64': {
      if (d instanceof BigInt64Array) return new OrtTensor('int64', d, dims);
      const out = new BigInt64Array(d.length);
      for (let i = 0; i < d.length; i++) out[i] = BigInt((d as ArrayLike<number>)[i]);
      return new OrtTensor('int64', out, dims);
    }
    case 'bool':
      return new OrtTensor(
        'bool',
        d instanceof Uint8Array ? d : Uint8Array.from(d as ArrayLike<number>),
        dims,
      );
  }
}

/** Fill a random input for one step. */
export function randomTensor(input: CompiledInput, bindings: Record<string, number>, rng: Rng): OrtTensor {
  const dims = resolveShape(input.shape, bindings);
  const size = dims.reduce((p, x) => p * x, 1);
  const out = input.dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
  const fill = input.random;
  if (fill === undefined) throw new Error(`internal: '${input.name}' is not a random input`);
  if (fill.kind === 'normal') {
    for (let i = 0; i < size; i++) out[i] = rng.normal();
  } else {
    // One uint32 per unit (bulk draw, state in locals): kept when below keep · 2³².
    const keep = 1 - fill.rate;
    const scale = 1 / keep;
    const threshold = keep * 2 ** 32;
    const bits = rng.fillUint32(new Uint32Array(size));
    for (let i = 0; i < size; i++) out[i] = bits[i] < threshold ? scale : 0;
  }
  return new OrtTensor(input.dtype === 'float64' ? 'float64' : 'float32', out, dims);
}

export function scalarTensor(value: number, dtype: DType): OrtTensor {
  return dtype === 'float64'
    ? new OrtTensor('float64', Float64Array.of(value), [])
    : new OrtTensor('float32', Float32Array.of(value), []);
}
