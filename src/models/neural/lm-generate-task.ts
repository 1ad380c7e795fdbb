/**
 * The generation worker of a transformer LM with data parallelism (transformer-lm.ts), run by
 * nn/runtime/sync-worker.ts: its own single-threaded prefill and step sessions, compiled from the
 * architecture, continuing one part of the prompts of a `generate` call. Weights arrive with a job
 * only when they changed (a version number says which the worker holds). Each prompt draws from
 * `rng.fork('prompt', index in the whole call)`, so the continuations equal a single-thread call's.
 */
import { Rng, type StreamLabel } from '../../core/rng.ts';
import type { ParameterValues } from '../../nn/runtime/parameters.ts';
import type { GenerateOptions } from './lm-generation.ts';
import { generateTokens } from './lm-generation.ts';
import { LmRuntime, compileDecoderModels } from './lm-runtime.ts';
import type { TransformerArchitecture } from './transformer-network.ts';

export const LM_GENERATE_TASK = 'models/neural/lm-generate-task';

export interface LmGenerateWorkerData {
  readonly architecture: TransformerArchitecture;
}

export interface LmGenerateJob {
  /** Version of the weights the job is for; `parameters` are sent when the worker's is older. */
  readonly version: number;
  readonly parameters?: ParameterValues;
  readonly prompts: readonly Int32Array[];
  readonly options: GenerateOptions;
  /** The caller's stream (seed and path; forks depend on nothing else). */
  readonly seed: number;
  readonly path: readonly StreamLabel[];
  /** Index of prompts[0] in the caller's list. */
  readonly firstPrompt: number;
}

export function createHandler(
  data: LmGenerateWorkerData,
): (job: LmGenerateJob) => { result: Int32Array[]; transfer: ArrayBuffer[] } {
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
    const rng = Rng.stream(job.seed, ...job.path);
    const result = generateTokens(runtime as LmRuntime, job.prompts, job.options, rng, job.firstPrompt);
    return { result, transfer: result.map((r) => r.buffer as ArrayBuffer) };
  };
}
