/**
 * A synchronous onnxruntime session.
 *
 * onnxruntime-node's public `InferenceSession.run` only wraps the native binding's synchronous
 * `run` in a `setImmediate` promise. The model contracts (`Classifier.fit`, `predictProba`,
 * `Generator.sample`) are synchronous, so we call the binding directly: same native code, same
 * options, no event-loop hop. Parallelism comes from one session per worker thread (piscina).
 */
import { createRequire } from 'node:module';
import { Tensor as OrtTensor } from 'onnxruntime-node';
import { BiasloopError } from '../../core/errors.ts';

export { OrtTensor };

interface NativeSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  run(
    feeds: Record<string, OrtTensor>,
    fetches: Record<string, OrtTensor | null>,
    options: object,
  ): Record<string, OrtTensor>;
  dispose(): void;
}

interface NativeBinding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt(): void;
}

const require = createRequire(import.meta.url);
// The binding module has no type declarations we can import as values; its shape is NativeBinding.
const native = require('onnxruntime-node/dist/binding.js') as NativeBinding;

export interface OrtSessionOptions {
  /** Intra-op threads (1 for reproducible runs and for one-model-per-worker parallelism). */
  readonly threads?: number;
  /**
   * Let idle intra-op threads spin-wait for work (ORT's default, fastest on a quiet machine). Turn it
   * off when the cores are shared with other busy processes: spinning threads then steal CPU time.
   */
  readonly spinning?: boolean;
  /**
   * Let onnxruntime plan memory from the input shapes of the previous run (its default). Turn it off
   * for kernels fed a different shape on nearly every call (e.g. per-cell sizes), where re-planning
   * costs more than it saves.
   */
  readonly memoryPattern?: boolean;
}

export class OrtSession {
  private readonly session: NativeSession;
  private disposed = false;

  constructor(model: Uint8Array, options: OrtSessionOptions = {}) {
    native.initOrt();
    this.session = new native.binding.InferenceSession();
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new BiasloopError('usage', `threads must be a positive integer, got ${threads}`, {
        field: 'threads',
      });
    }
    try {
      this.session.loadModel(model.buffer as ArrayBuffer, model.byteOffset, model.byteLength, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        enableCpuMemArena: true,
        enableMemPattern: options.memoryPattern !== false,
        logSeverityLevel: 3,
        extra: { session: { intra_op: { allow_spinning: options.spinning === false ? '0' : '1' } } },
      });
    } catch (e) {
      throw new Error(`onnxruntime could not load the generated model: ${(e as Error).message}`);
    }
  }

  /** Run the model writing into preallocated output tensors (no copy of the results). */
  runInto(feeds: Record<string, OrtTensor>, outputs: Record<string, OrtTensor>): void {
    if (this.disposed) throw new Error('session used after dispose()');
    this.session.run(feeds, outputs, {});
  }

  /** Run the model; returns the requested outputs (all when `outputNames` is omitted). */
  run(feeds: Record<string, OrtTensor>, outputNames: readonly string[]): Record<string, OrtTensor> {
    if (this.disposed) throw new Error('session used after dispose()');
    const fetches: Record<string, OrtTensor | null> = {};
    for (const name of outputNames) fetches[name] = null;
    return this.session.run(feeds, fetches, {});
  }

  dispose(): void {
    if (!this.disposed) {
      this.session.dispose();
      this.disposed = true;
    }
  }
}
