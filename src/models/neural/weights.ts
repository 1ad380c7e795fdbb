/**
 * Moving a neural model's parameters and optimizer state in and out of a `ModelState`, and the
 * architecture fingerprint that makes loading a different architecture a clear error.
 */
import { createHash } from 'node:crypto';
import { BiasloopError } from '../../core/errors.ts';
import type { ParameterValues } from '../../nn/runtime/parameters.ts';
import type { OptimizerSnapshot } from '../../nn/runtime/training-session.ts';
import type { ModelState } from '../types.ts';

const PARAM = 'param:';
const OPT = 'opt:';

/** Short stable hash of an architecture description. */
export function fingerprintOf(description: unknown): string {
  return createHash('sha256').update(JSON.stringify(description)).digest('hex').slice(0, 16);
}

export function packWeights(
  params: ParameterValues,
  optimizer: OptimizerSnapshot | undefined,
): { arrays: Record<string, Float32Array | Float64Array>; step: number } {
  const arrays: Record<string, Float32Array | Float64Array> = {};
  for (const [name, v] of params) arrays[PARAM + name] = v.slice();
  if (optimizer !== undefined) for (const [name, v] of optimizer.states) arrays[OPT + name] = v.slice();
  return { arrays, step: optimizer?.step ?? 0 };
}

export function unpackWeights(state: ModelState): { params: ParameterValues; optimizer: OptimizerSnapshot } {
  const params: ParameterValues = new Map();
  const states = new Map<string, Float32Array | Float64Array>();
  for (const [key, v] of Object.entries(state.arrays)) {
    if (v instanceof Int32Array)
      throw new BiasloopError('checkpoint', `array '${key}' has integer type, expected float`);
    if (key.startsWith(PARAM)) params.set(key.slice(PARAM.length), v);
    else if (key.startsWith(OPT)) states.set(key.slice(OPT.length), v);
    else throw new BiasloopError('checkpoint', `checkpoint holds an unexpected array '${key}'`);
  }
  const step = state.meta.step;
  return { params, optimizer: { step: typeof step === 'number' ? step : 0, states } };
}

/** Read a JSON-encoded meta field. */
export function metaJson<T>(state: ModelState, field: string): T {
  const v = state.meta[field];
  if (typeof v !== 'string') throw new BiasloopError('checkpoint', `checkpoint lacks '${field}'`);
  try {
    return JSON.parse(v) as T;
  } catch {
    throw new BiasloopError('checkpoint', `checkpoint field '${field}' is not valid JSON`);
  }
}
