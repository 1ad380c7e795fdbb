/**
 * A transformer LM's worker with data parallelism (transformer-lm.ts), run by
 * nn/runtime/sync-worker.ts: its own single-threaded prefill and step sessions, compiled from the
 * architecture, doing one part of a `generate` call (a contiguous part of the prompts) or of a scoring
 * call (a contiguous part of the scoring windows). Weights arrive with a job only when they changed (a
 * version number says which the worker holds). Each prompt draws from `rng.fork('prompt', index in
 * the whole call)` and each scoring window is scored on its own, so the results equal a one-thread
 * call's.
 */
import { Rng, type StreamLabel } from '../../core/rng.ts';
import type { ParameterValues } from '../../nn/runtime/parameters.ts';
import type { ScoreWindow } from './lm-data.ts';
import type { GenerateOptions } from './lm-generation.ts';
import { generateTokens } from './lm-generation.ts';
import { LmRuntime, compileDecoderModels } from './lm-runtime.ts';
import { batchWindows, scoreBatches } from './lm-scoring.ts';
import type { TransformerArchitecture } from './transformer-network.ts';

/** This module, as a SyncWorker task name. */
export const LM_WORKER_TASK = 'models/neural/lm-worker-task';

export interface LmWorkerData {
  readonly architecture: TransformerArchitecture;
}

/** Continue `prompts`, the part of a call's prompts starting at index `firstPrompt`. */
export interface LmGenerateWork {
  readonly kind: 'generate';
  readonly prompts: readonly Int32Array[];
  readonly options: GenerateOptions;
  /** The caller's stream (seed and path; forks depend on nothing else). */
  readonly seed: number;
  readonly path: readonly StreamLabel[];
  readonly firstPrompt: number;
}

/** Score `windows` (whose `doc` indexes `docs`) in batches of `batchSize`, in order. */
export interface LmScoreWork {
  readonly kind: 'score';
  readonly docs: readonly Int32Array[];
  readonly windows: readonly ScoreWindow[];
  readonly batchSize: number;
}

export type LmWork = LmGenerateWork | LmScoreWork;

export type LmWorkerJob = LmWork & {
  /** Version of the weights the job is for; `parameters` are sent when the worker's is older. */
  readonly version: number;
  readonly parameters?: ParameterValues;
};

export function createHandler(
  data: LmWorkerData,
): (job: LmWorkerJob) => { result: Int32Array[] | Float64Array; transfer: ArrayBuffer[] } {
  const { prefill, step } = compileDecoderModels(data.architecture);
  let runtime: LmRuntime | undefined;
  let version = -1;
  return (job) => {
    if (job.version !== version) {
      if (job.parameters === undefined) {
        throw new Error(`internal: weights version ${job.version} sent without weights`);
      }
      if (runtime === undefined) {
        runtime = new LmRuntime(data.architecture, prefill, step, job.parameters, { threads: 1 });
      } else {
        runtime.setParameters(job.parameters);
      }
      version = job.version;
    }
    const r = runtime as LmRuntime;
    if (job.kind === 'score') {
      const logp = scoreBatches(r, job.docs, batchWindows(job.windows, job.batchSize));
      return { result: logp, transfer: [logp.buffer as ArrayBuffer] };
    }
    const rng = Rng.stream(job.seed, ...job.path);
    const result = generateTokens(r, job.prompts, job.options, rng, job.firstPrompt);
    return { result, transfer: result.map((t) => t.buffer as ArrayBuffer) };
  };
}
