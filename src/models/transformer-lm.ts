/**
 * A decoder-only transformer language model (GPT-2's layout: pre-LayerNorm blocks, learned absolute
 * positions, causal multi-head attention; see neural/transformer-network.ts) over a character or BPE
 * tokenizer, trained on the neural engine.
 *
 * - `fit(documents, ctx)`: the documents (text or token ids) are joined into one stream, each
 *   followed by the newline token; each epoch cuts it into windows of context + 1 tokens from a
 *   random phase, shuffles them, and trains on batches of them with the next-token cross-entropy
 *   (each token weighted by its document's sample weight). With `ctx.warmStart` training continues
 *   from the current weights and optimizer state (the text study fine-tunes the previous generation's
 *   model); otherwise it starts fresh from `ctx.rng`.
 * - `evaluate` / `logProbs`: held-out log-likelihood with sliding windows (stride context/2 by
 *   default), in nats, bits per token and bits per character.
 * - `generate` / `generateText`: greedy, temperature, top-k, top-p and beam search over a KV cache
 *   (neural/lm-generation.ts, neural/token-decoder.ts).
 * - With `training: { threads: N, parallelism: 'data' }`, besides training data-parallel, `generate`
 *   splits the prompts and `evaluate` / `logProbs` the scoring windows into N parts, each done by a
 *   single-threaded runtime (the first on the calling thread, the others on worker threads:
 *   neural/lm-worker-task.ts); every prompt draws from its own stream and every window is scored on
 *   its own, so the results equal a one-thread call's.
 * - `exportState` / `importState` / `fromState`: weights, optimizer state, architecture and tokenizer;
 *   a state of another architecture or tokenizer is a clear `checkpoint` error. `exportOnnx`: the
 *   forward graph (ids [batch, time] int64 → logits [batch, time, V]) with its weights.
 */
import { BiasloopError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { CompiledModel } from '../nn/compile.ts';
import { compileInference, compileTraining } from '../nn/compile.ts';
import { exportOnnx } from '../nn/export.ts';
import { Graph } from '../nn/graph.ts';
import { shardBounds } from '../nn/data-parallel.ts';
import { SyncWorker } from '../nn/runtime/sync-worker.ts';
import type { ParameterValues } from '../nn/runtime/parameters.ts';
import {
  checkParameters,
  cloneParameters,
  initParameters,
  parameterSpecs,
} from '../nn/runtime/parameters.ts';
import type { OptimizerSnapshot } from '../nn/runtime/training-session.ts';
import { TrainingSession } from '../nn/runtime/training-session.ts';
import { CharTokenizer } from '../text/char-tokenizer.ts';
import { tokenizerFromJson } from '../text/load.ts';
import type { Tokenizer } from '../text/tokenizer.ts';
import type { LanguageModel, LmEvaluation, TextDocument } from './language-model.ts';
import { joinDocuments, tokenizeDocuments } from './neural/lm-data.ts';
import type { EvaluateOptions } from './neural/lm-scoring.ts';
import { batchWindows, replayScores, scoreBatches, scoringWindows } from './neural/lm-scoring.ts';
import { trainWindows } from './neural/lm-training.ts';
import type { GenerateOptions } from './neural/lm-generation.ts';
import { checkGenerateOptions, generateTokens } from './neural/lm-generation.ts';
import type { LmWork, LmWorkerData, LmWorkerJob } from './neural/lm-worker-task.ts';
import { LM_WORKER_TASK } from './neural/lm-worker-task.ts';
import { LmRuntime, compileDecoderModels } from './neural/lm-runtime.ts';
import type { DecoderOptions } from './neural/token-decoder.ts';
import { TokenDecoder } from './neural/token-decoder.ts';
import type { TrainingConfig } from './neural/training-config.ts';
import { DEFAULT_TRAINING, optimizerOf, resolveTraining, scaledEpochs } from './neural/training-config.ts';
import type { TransformerArchitecture } from './neural/transformer-network.ts';
import { buildForward, buildTrainingLoss } from './neural/transformer-network.ts';
import { fingerprintOf, metaJson, packWeights, unpackWeights } from './neural/weights.ts';
import type { FitContext, FitReport, ModelState } from './types.ts';
import { assertStateMatches } from './types.ts';

export interface TransformerLmOptions {
  /** Default: the 96-symbol character tokenizer. */
  readonly tokenizer?: Tokenizer;
  /** Context length (default 64). */
  readonly context?: number;
  /** Model width (default 128). */
  readonly width?: number;
  /** Attention heads (default 4; must divide the width). */
  readonly heads?: number;
  /** Transformer blocks (default 2). */
  readonly blocks?: number;
  /** MLP hidden width (default 4 × width). */
  readonly mlpWidth?: number;
  /** Dropout on embeddings, attention weights and residual branches (default 0). */
  readonly dropout?: number;
  /**
   * Training: defaults 1 epoch, batch 32 windows, AdamW (weight decay 0.01 on matrices and
   * embeddings, none on biases and LayerNorm), learning rate 1e-3 with cosine decay to 10%, gradient
   * norm clipped at 1, one ORT thread.
   */
  readonly training?: Partial<TrainingConfig>;
}

/** The shortest wait for a worker's part (see runParts). */
const WORKER_TIMEOUT_MS = 10 * 60 * 1000;

export const LM_TRAINING_DEFAULTS: TrainingConfig = {
  ...DEFAULT_TRAINING,
  epochs: 1,
  batchSize: 32,
  learningRate: 1e-3,
  optimizer: 'adamw',
  weightDecay: 0.01,
  schedule: { kind: 'cosine', minFactor: 0.1 },
  clipGradNorm: 1,
};

interface Compiled {
  readonly training: CompiledModel;
  readonly prefill: CompiledModel;
  readonly step: CompiledModel;
  readonly forward: CompiledModel;
}

/** Parameters that weight decay applies to: matrices and embeddings, not biases or LayerNorm. */
function decays(name: string): boolean {
  return name.endsWith('.weight') && !/(^|\.)ln(1|2|_f)\.weight$/.test(name);
}

export type { EvaluateOptions } from './neural/lm-scoring.ts';

export class TransformerLm implements LanguageModel {
  readonly kind = 'transformer-lm';
  readonly tokenizer: Tokenizer;
  readonly architecture: TransformerArchitecture;
  readonly training: TrainingConfig;
  /** Architecture and tokenizer hash: states with another fingerprint cannot be loaded. */
  readonly fingerprint: string;
  private compiled?: Compiled;
  private params?: ParameterValues;
  private optimizer?: OptimizerSnapshot;
  private runtime?: LmRuntime;
  /** Bumped whenever the weights change, so generation workers know when to take new ones. */
  private weightsVersion = 0;
  /** Inference workers (data parallelism) and the weights version each holds. */
  private workers: { worker: SyncWorker; version: number }[] = [];

  constructor(options: TransformerLmOptions = {}) {
    this.tokenizer = options.tokenizer ?? new CharTokenizer();
    const width = options.width ?? 128;
    const a: TransformerArchitecture = {
      vocabSize: this.tokenizer.vocabSize,
      context: options.context ?? 64,
      width,
      heads: options.heads ?? 4,
      blocks: options.blocks ?? 2,
      mlpWidth: options.mlpWidth ?? 4 * width,
      dropout: options.dropout ?? 0,
    };
    const positive = (field: string, v: number, min = 1): void => {
      if (!(Number.isInteger(v) && v >= min)) {
        throw new BiasloopError('usage', `transformer-lm: ${field} ${v} must be an integer ≥ ${min}`, {
          field,
        });
      }
    };
    positive('context', a.context, 2);
    positive('width', a.width);
    positive('heads', a.heads);
    positive('blocks', a.blocks);
    positive('mlpWidth', a.mlpWidth);
    if (a.width % a.heads !== 0) {
      throw new BiasloopError(
        'usage',
        `transformer-lm: width ${a.width} is not divisible by ${a.heads} heads`,
        {
          field: 'heads',
          hint: 'choose a width that is a multiple of the number of heads',
        },
      );
    }
    if (!(a.dropout >= 0 && a.dropout < 1)) {
      throw new BiasloopError('usage', `transformer-lm: dropout ${a.dropout} must be in [0, 1)`, {
        field: 'dropout',
      });
    }
    this.architecture = a;
    this.training = resolveTraining(options.training, LM_TRAINING_DEFAULTS);
    this.fingerprint = fingerprintOf({
      kind: this.kind,
      architecture: a,
      tokenizer: this.tokenizer.fingerprint,
    });
  }

  get fitted(): boolean {
    return this.params !== undefined;
  }

  private compile(): Compiled {
    if (this.compiled !== undefined) return this.compiled;
    const a = this.architecture;
    const t = new Graph({ training: true });
    const training = compileTraining(t, buildTrainingLoss(t, a), {
      optimizer: optimizerOf(this.training),
      clipGradNorm: this.training.clipGradNorm,
      decays,
    });
    const { prefill, step } = compileDecoderModels(a);
    const f = new Graph({ training: false });
    const forward = compileInference(f, { logits: buildForward(f, a) });
    this.compiled = { training, prefill, step, forward };
    return this.compiled;
  }

  private runtimeFor(): LmRuntime {
    if (this.params === undefined) throw new BiasloopError('usage', `${this.kind}: not fitted`);
    if (this.runtime === undefined) {
      const c = this.compile();
      this.runtime = new LmRuntime(this.architecture, c.prefill, c.step, this.params, {
        // Data parallelism: one thread here, the others run generation workers.
        threads: this.dataParallel ? 1 : this.training.threads,
        spinning: this.training.spinning,
      });
    }
    return this.runtime;
  }

  private get dataParallel(): boolean {
    return this.training.parallelism === 'data' && this.training.threads > 1;
  }

  /** The weights changed: the local runtime takes them now, the generation workers with their next job. */
  private adoptParameters(params: ParameterValues): void {
    this.params = params;
    this.weightsVersion++;
    this.runtime?.setParameters(params);
  }

  /** Token ids of `text` (the model's tokenizer). */
  encode(text: string): Int32Array {
    return this.tokenizer.encode(text);
  }

  /**
   * Train on `documents` (see the file comment). `ctx.sampleWeight` gives one weight per document;
   * `epochScale` multiplies the epochs; `weightDecayOverride` replaces the weight decay.
   */
  fit(documents: readonly TextDocument[], ctx: FitContext): FitReport {
    const a = this.architecture;
    const stream = joinDocuments(
      tokenizeDocuments(documents, this.tokenizer),
      this.tokenizer.newline,
      ctx.sampleWeight,
    );
    const n = stream.tokens.length;
    if (n < a.context + 1) {
      throw new BiasloopError(
        'data',
        `${this.kind}: the training text has ${n} tokens (documents and separators); it needs at least context + 1 = ${a.context + 1}`,
      );
    }
    const compiled = this.compile();
    const continuing = ctx.warmStart === true && this.params !== undefined;
    const start = continuing
      ? (this.params as ParameterValues)
      : initParameters(compiled.training, ctx.rng.fork('init'));
    const session = new TrainingSession(compiled.training, start, {
      threads: this.training.threads,
      spinning: this.training.spinning,
      parallelism: this.training.parallelism,
      rng: ctx.rng.fork('dropout'),
      weightDecay: ctx.weightDecayOverride ?? this.training.weightDecay,
    });
    if (continuing && this.optimizer !== undefined) session.setParameters(start, this.optimizer);
    try {
      return trainWindows({
        session,
        stream,
        context: a.context,
        batchSize: this.training.batchSize,
        epochs: scaledEpochs(this.training.epochs, ctx.epochScale),
        learningRate: this.training.learningRate,
        schedule: this.training.schedule,
        rng: ctx.rng,
      });
    } finally {
      // On success the trained weights; after a diverged step, the last good ones.
      this.optimizer = session.optimizerState();
      this.adoptParameters(session.parameters());
      session.dispose();
    }
  }

  /**
   * Natural-log probability of each token after the first, given the tokens before it (at most
   * `context`; see `EvaluateOptions.stride`): entry i is log p(tokens[i + 1] | …).
   */
  logProbs(tokens: ArrayLike<number>, options: EvaluateOptions = {}): Float64Array {
    const [doc] = tokenizeDocuments([tokens], this.tokenizer);
    const out = new Float64Array(Math.max(0, doc.length - 1));
    this.scoreDocuments([doc], options, (_, position, logp) => (out[position - 1] = logp));
    return out;
  }

  /** Held-out log-likelihood of `documents` (every token but each document's first). */
  evaluate(documents: readonly TextDocument[], options: EvaluateOptions = {}): LmEvaluation {
    const docs = tokenizeDocuments(documents, this.tokenizer);
    let nll = 0;
    let tokens = 0;
    let characters = 0;
    this.scoreDocuments(docs, options, (d, position, logp) => {
      nll -= logp;
      tokens++;
      characters += this.tokenizer.tokenText(docs[d][position]).length;
    });
    if (tokens === 0) {
      throw new BiasloopError('data', `${this.kind}: nothing to score (documents need at least two tokens)`);
    }
    return {
      tokens,
      characters,
      nll,
      bitsPerToken: nll / tokens / Math.LN2,
      bitsPerCharacter: nll / characters / Math.LN2,
      perplexity: Math.exp(nll / tokens),
    };
  }

  /** Continue each prompt (text or token ids); returns the new token ids of each. */
  generate(prompts: readonly TextDocument[], options: GenerateOptions, rng: Rng): Int32Array[] {
    const runtime = this.runtimeFor();
    const ids = tokenizeDocuments(prompts, this.tokenizer);
    const parts = this.dataParallel ? Math.min(this.training.threads, ids.length) : 1;
    if (parts < 2) return generateTokens(runtime, ids, options, rng);
    checkGenerateOptions(options, this.architecture.vocabSize);
    const bounds = shardBounds(ids.length, parts);
    const results = this.runParts<Int32Array[]>(
      parts,
      (part) => ({
        kind: 'generate',
        prompts: ids.slice(bounds[part], bounds[part + 1]),
        options,
        seed: rng.seed,
        path: rng.path,
        firstPrompt: bounds[part],
      }),
      () => generateTokens(runtime, ids.slice(0, bounds[1]), options, rng, 0),
    );
    return results.flat();
  }

  /**
   * Score every token but the first of each document; with data parallelism the windows are split
   * into parts of about equal work (tokens run through the model), contiguous in scoring order.
   */
  private scoreDocuments(
    docs: readonly Int32Array[],
    options: EvaluateOptions,
    onToken: (doc: number, position: number, logp: number) => void,
  ): void {
    const runtime = this.runtimeFor();
    const { windows, batchSize } = scoringWindows(this.architecture.context, docs, options);
    const parts = this.dataParallel ? Math.min(this.training.threads, windows.length) : 1;
    if (parts < 2) {
      replayScores(windows, scoreBatches(runtime, docs, batchWindows(windows, batchSize)), onToken);
      return;
    }
    const cost = windows.map((w) => w.end - w.start);
    const total = cost.reduce((a, b) => a + b, 0);
    const bounds = [0];
    let done = 0;
    for (let i = 0; i < windows.length && bounds.length < parts; i++) {
      done += cost[i];
      if (done >= (total * bounds.length) / parts) bounds.push(i + 1);
    }
    while (bounds.length <= parts) bounds.push(windows.length);
    const results = this.runParts<Float64Array>(
      parts,
      (part) => ({
        kind: 'score',
        docs,
        windows: windows.slice(bounds[part], bounds[part + 1]),
        batchSize,
      }),
      () => scoreBatches(runtime, docs, batchWindows(windows.slice(0, bounds[1]), batchSize)),
    );
    const logp = new Float64Array(results.reduce((n, r) => n + r.length, 0));
    let at = 0;
    for (const r of results) {
      logp.set(r, at);
      at += r.length;
    }
    replayScores(windows, logp, onToken);
  }

  /**
   * Do part 0 of a call here (`local`) and part k ≥ 1 on worker k (`work(k)`), side by side; returns
   * the parts' results in order. Weights go to a worker with its job when it holds older ones. Every
   * posted job is waited for, even when another part failed, so none is left in flight.
   */
  private runParts<T>(parts: number, work: (part: number) => LmWork, local: () => T): T[] {
    const data: LmWorkerData = { architecture: this.architecture };
    while (this.workers.length < parts - 1) {
      const worker = new SyncWorker(LM_WORKER_TASK, data, {
        label: `${this.kind} worker ${this.workers.length + 1}`,
      });
      this.workers.push({ worker, version: -1 });
    }
    const workers = this.workers.slice(0, parts - 1);
    const posted = workers.map((w, i) => {
      const job: LmWorkerJob = {
        ...work(i + 1),
        version: this.weightsVersion,
        ...(w.version !== this.weightsVersion ? { parameters: this.params } : {}),
      };
      const seq = w.worker.post(job);
      w.version = this.weightsVersion;
      return seq;
    });
    let failure: unknown;
    const results: T[] = [];
    const started = performance.now();
    try {
      results.push(local());
    } catch (e) {
      failure = e;
    }
    // A worker's part is about as large as part 0, so a healthy worker finishes within a small
    // multiple of part 0's time; the bound grows with the call (a bulk generation can take hours).
    const timeoutMs = Math.max(WORKER_TIMEOUT_MS, 50 * (performance.now() - started));
    workers.forEach((w, i) => {
      try {
        results.push(w.worker.wait(posted[i], timeoutMs) as T);
      } catch (e) {
        w.version = -1; // whatever it holds now, send the weights again
        failure ??= e;
      }
    });
    if (failure !== undefined) throw failure;
    return results;
  }

  /** Continue each text prompt; returns the new text of each. */
  generateText(prompts: readonly string[], options: GenerateOptions, rng: Rng): string[] {
    return this.generate(prompts, options, rng).map((ids) => this.tokenizer.decode(ids));
  }

  /** An incremental decoder over `prompts` (for custom decoding loops and for inspecting logits). */
  decoder(prompts: readonly TextDocument[], options: DecoderOptions = {}): TokenDecoder {
    return new TokenDecoder(this.runtimeFor(), tokenizeDocuments(prompts, this.tokenizer), options);
  }

  /** Copies of the current parameters. */
  parameters(): ParameterValues {
    if (this.params === undefined) throw new BiasloopError('usage', `${this.kind}: not fitted`);
    return cloneParameters(this.params);
  }

  exportState(): ModelState {
    if (this.params === undefined) {
      throw new BiasloopError('usage', `${this.kind}: cannot export the state of an unfitted model`);
    }
    const { arrays, step } = packWeights(this.params, this.optimizer);
    return {
      kind: this.kind,
      fingerprint: this.fingerprint,
      arrays,
      meta: {
        architecture: JSON.stringify(this.architecture),
        tokenizer: JSON.stringify(this.tokenizer.toJSON()),
        step,
      },
    };
  }

  importState(state: ModelState): void {
    assertStateMatches(state, this.kind, this.fingerprint);
    const { params, optimizer } = unpackWeights(state);
    checkParameters(parameterSpecs(this.compile().training), params);
    this.optimizer = optimizer.states.size > 0 ? optimizer : undefined;
    this.adoptParameters(params);
  }

  /** A model rebuilt from a state's architecture and tokenizer, with its weights (and `training`). */
  static fromState(state: ModelState, training?: Partial<TrainingConfig>): TransformerLm {
    if (state.kind !== 'transformer-lm') {
      throw new BiasloopError(
        'checkpoint',
        `checkpoint holds a '${state.kind}' model, not a 'transformer-lm' model`,
      );
    }
    const a = metaJson<TransformerArchitecture>(state, 'architecture');
    const tokenizer = tokenizerFromJson(metaJson<unknown>(state, 'tokenizer'), 'checkpoint tokenizer');
    const model = new TransformerLm({
      tokenizer,
      context: a.context,
      width: a.width,
      heads: a.heads,
      blocks: a.blocks,
      mlpWidth: a.mlpWidth,
      dropout: a.dropout,
      training,
    });
    model.importState(state);
    return model;
  }

  /**
   * A graph with the trained weights as a standalone ONNX model (any onnxruntime loads it):
   * - `forward` (default): ids [batch, time] int64 (time ≤ context) → logits [batch, time, V];
   * - `prefill` and `step`: the KV-cache pair the sampler uses (inputs and outputs as documented in
   *   neural/transformer-network.ts), for fast decoding outside biasloop.
   */
  exportOnnx(graph: 'forward' | 'prefill' | 'step' = 'forward'): Uint8Array {
    if (this.params === undefined) {
      throw new BiasloopError('usage', `${this.kind}: cannot export an unfitted model`);
    }
    const compiled = this.compile();
    const model = { forward: compiled.forward, prefill: compiled.prefill, step: compiled.step }[graph];
    if (model === undefined) {
      throw new BiasloopError('usage', `unknown graph '${String(graph)}' (use forward, prefill or step)`, {
        field: 'graph',
      });
    }
    const params: ParameterValues = new Map();
    for (const s of parameterSpecs(model)) params.set(s.name, this.params.get(s.name) as Float32Array);
    return exportOnnx(model, params, { name: `${this.kind}-${graph}`, fingerprint: this.fingerprint });
  }

  /** Release the inference sessions and workers (they are recreated on demand). */
  dispose(): void {
    this.runtime?.dispose();
    this.runtime = undefined;
    for (const w of this.workers) w.worker.dispose();
    this.workers = [];
  }
}
