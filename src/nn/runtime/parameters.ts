/**
 * Parameter values by name: what a training session updates, an inference session reads, and a
 * checkpoint stores. Values are typed arrays in the model's float type.
 */
import { BiasloopError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import type { CompiledModel } from '../compile.ts';
import { fillInitial } from '../init.ts';
import { elementCount, formatShape } from '../shape.ts';

export type FloatArray = Float32Array | Float64Array;

export interface ParameterSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Named parameter values (each a flat array in row-major order of its shape). */
export type ParameterValues = Map<string, FloatArray>;

export function parameterSpecs(model: CompiledModel): ParameterSpec[] {
  return model.inputs
    .filter((i) => i.role === 'param')
    .map((i) => ({ name: i.name, shape: i.shape as number[] }));
}

/** Fresh initial values for every parameter of `model`, each from `rng.fork('param', name)`. */
export function initParameters(model: CompiledModel, rng: Rng): ParameterValues {
  const values: ParameterValues = new Map();
  const Arr = model.floatType === 'float64' ? Float64Array : Float32Array;
  for (const input of model.inputs) {
    if (input.role !== 'param' || input.init === undefined) continue;
    const size = elementCount(input.shape as number[]);
    const out = new Arr(size);
    fillInitial(out, input.init, rng.fork('param', input.name));
    values.set(input.name, out);
  }
  return values;
}

/** Check that `values` holds exactly the parameters of `specs` with the right sizes. */
export function checkParameters(
  specs: readonly ParameterSpec[],
  values: ReadonlyMap<string, ArrayLike<number>>,
): void {
  for (const s of specs) {
    const v = values.get(s.name);
    const size = elementCount(s.shape);
    if (v === undefined) {
      throw new BiasloopError('checkpoint', `weights lack parameter '${s.name}' ${formatShape(s.shape)}`);
    }
    if (v.length !== size) {
      throw new BiasloopError(
        'checkpoint',
        `parameter '${s.name}' has ${v.length} values but shape ${formatShape(s.shape)} needs ${size}`,
      );
    }
  }
  const known = new Set(specs.map((s) => s.name));
  for (const name of values.keys()) {
    if (!known.has(name)) throw new BiasloopError('checkpoint', `weights hold unknown parameter '${name}'`);
  }
}

export function cloneParameters(values: ReadonlyMap<string, FloatArray>): ParameterValues {
  const out: ParameterValues = new Map();
  for (const [k, v] of values) out.set(k, v.slice());
  return out;
}

/** The subset of `values` that `model` takes (e.g. the decoder's weights out of a whole VAE). */
export function selectParameters(
  model: CompiledModel,
  values: ReadonlyMap<string, FloatArray>,
): ParameterValues {
  const out: ParameterValues = new Map();
  for (const s of parameterSpecs(model)) {
    const v = values.get(s.name);
    if (v !== undefined) out.set(s.name, v);
  }
  return out;
}
