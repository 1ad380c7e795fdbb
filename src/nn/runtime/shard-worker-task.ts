/**
 * The shard worker of a data-parallel training step (data-parallel-step.ts): one single-threaded
 * session of the gradient model. Per job it reads the current parameters from shared memory, runs
 * its rows, writes the gradients and scalar outputs back to shared memory and signals completion
 * through the control word the coordinating thread waits on.
 */
import type { MessagePort } from 'node:worker_threads';
import type { FloatType } from '../graph.ts';
import { OrtSession, OrtTensor } from './ort-session.ts';

/** Control words: [0] the last finished job's sequence number, [1] its status (0 ok, 1 failed). */
export const CONTROL_DONE = 0;
export const CONTROL_STATUS = 1;

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
  readonly control: SharedArrayBuffer;
  /** Carries the message of a failed job back to the coordinator. */
  readonly port: MessagePort;
}

export interface ShardFeed {
  readonly name: string;
  readonly type: 'float32' | 'float64' | 'int64' | 'bool';
  readonly data: Float32Array | Float64Array | BigInt64Array | Uint8Array;
  readonly dims: readonly number[];
}

export interface ShardJob {
  readonly seq: number;
  readonly feeds: readonly ShardFeed[];
}

export interface ParentPort {
  on(event: 'message', listener: (job: ShardJob) => void): void;
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

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

export function startShardWorker(data: ShardWorkerData, parent: ParentPort): void {
  const session = new OrtSession(data.model, { threads: 1 });
  const control = new Int32Array(data.control);
  const scalarsOut = new Float64Array(data.scalarBuffer);
  // ORT does not take views of shared memory, so parameters are copied into private arrays.
  const parameters = data.parameters.map((p) => {
    const size = sizeOf(p.shape);
    const shared = floatView(data.floatType, data.parameterBuffer, p.offset, size);
    const own = data.floatType === 'float64' ? new Float64Array(size) : new Float32Array(size);
    return { name: p.name, shared, own, tensor: new OrtTensor(data.floatType, own, [...p.shape]) };
  });
  const gradients = data.gradients.map((g) => ({
    name: g.name,
    shared: floatView(data.floatType, data.gradientBuffer, g.offset, sizeOf(g.shape)),
  }));
  const fetch = [...data.scalars, ...data.gradients.map((g) => g.name)];

  parent.on('message', (job) => {
    let status = 0;
    try {
      const feeds: Record<string, OrtTensor> = {};
      for (const p of parameters) {
        p.own.set(p.shared);
        feeds[p.name] = p.tensor;
      }
      for (const f of job.feeds) feeds[f.name] = new OrtTensor(f.type, f.data, [...f.dims]);
      const out = session.run(feeds, fetch);
      data.scalars.forEach((name, i) => {
        scalarsOut[i] = Number((out[name].data as Float32Array | Float64Array)[0]);
      });
      for (const g of gradients) g.shared.set(out[g.name].data as Float32Array | Float64Array);
    } catch (e) {
      status = 1;
      data.port.postMessage({ seq: job.seq, message: e instanceof Error ? e.message : String(e) });
    }
    Atomics.store(control, CONTROL_STATUS, status);
    Atomics.store(control, CONTROL_DONE, job.seq);
    Atomics.notify(control, CONTROL_DONE);
  });
}
