/**
 * The shard worker of a data-parallel training step (data-parallel-step.ts), run by sync-worker.ts:
 * one single-threaded session of the gradient model. Per job it reads the current parameters from
 * shared memory, runs its rows and writes the gradients and scalar outputs back to shared memory.
 */
import type { FloatType } from '../graph.ts';
import { elementCount } from '../shape.ts';
import { OrtSession, OrtTensor } from './ort-session.ts';

/** This module, as a SyncWorker task name. */
export const SHARD_WORKER_TASK = 'nn/runtime/shard-worker-task';

export interface SharedSlice {
  readonly name: string;
  readonly shape: readonly number[];
  /** Offset in elements into the shared buffer. */
  readonly offset: number;
}

export interface ShardWorkerData {
  readonly model: Uint8Array;
  readonly floatType: FloatType;
  /** Parameters in `parameterBuffer` (written by the coordinator before each job). */
  readonly parameters: readonly SharedSlice[];
  readonly parameterBuffer: SharedArrayBuffer;
  /** Gradient outputs, by output name, in `gradientBuffer`. */
  readonly gradients: readonly SharedSlice[];
  readonly gradientBuffer: SharedArrayBuffer;
  /** Scalar outputs (the loss first), one float64 each in `scalarBuffer`. */
  readonly scalars: readonly string[];
  readonly scalarBuffer: SharedArrayBuffer;
}

export interface ShardFeed {
  readonly name: string;
  readonly type: 'float32' | 'float64' | 'int64' | 'bool';
  readonly data: Float32Array | Float64Array | BigInt64Array | Uint8Array;
  readonly dims: readonly number[];
}

export interface ShardJob {
  readonly feeds: readonly ShardFeed[];
}

/** A float view of `size` elements at element `offset` of shared memory. */
export function floatView(
  type: FloatType,
  buffer: SharedArrayBuffer,
  offset: number,
  size: number,
): Float32Array | Float64Array {
  return type === 'float64'
    ? new Float64Array(buffer, offset * 8, size)
    : new Float32Array(buffer, offset * 4, size);
}

/**
 * The worker's job handler (run by sync-worker.ts): it runs one shard, leaving its results in shared
 * memory, and throws on failure.
 * Parameters are copied from shared memory into one private array per group (ORT does not take views
 * of shared memory); each parameter is a view into it.
 */
export function createHandler(data: ShardWorkerData): (job: ShardJob) => undefined {
  const session = new OrtSession(data.model, { threads: 1 });
  const scalarsOut = new Float64Array(data.scalarBuffer);
  const total = data.parameterBuffer.byteLength / (data.floatType === 'float64' ? 8 : 4);
  const shared = floatView(data.floatType, data.parameterBuffer, 0, total);
  const own = data.floatType === 'float64' ? new Float64Array(total) : new Float32Array(total);
  const parameters: Record<string, OrtTensor> = {};
  for (const p of data.parameters) {
    const view = own.subarray(p.offset, p.offset + elementCount(p.shape));
    parameters[p.name] = new OrtTensor(data.floatType, view, [...p.shape]);
  }
  const gradients = data.gradients.map((g) => ({
    name: g.name,
    shared: floatView(data.floatType, data.gradientBuffer, g.offset, elementCount(g.shape)),
  }));
  const fetch = [...data.scalars, ...data.gradients.map((g) => g.name)];

  return (job) => {
    own.set(shared);
    const feeds: Record<string, OrtTensor> = { ...parameters };
    for (const f of job.feeds) feeds[f.name] = new OrtTensor(f.type, f.data, [...f.dims]);
    const out = session.run(feeds, fetch);
    data.scalars.forEach((name, i) => {
      scalarsOut[i] = Number((out[name].data as Float32Array | Float64Array)[0]);
    });
    for (const g of gradients) g.shared.set(out[g.name].data as Float32Array | Float64Array);
    return undefined;
  };
}
