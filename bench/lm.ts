/**
 * Neural engine benchmark (issue 14, part b): the character transformer — vocabulary 96, context 64,
 * width 128, 4 heads, 2 pre-LayerNorm blocks with MLP width 512, tanh-GELU, learned positions —
 * trained by Adam 3e-4 on batches of 32 windows, and sampled, against the same model in PyTorch
 * (bench/peers/transformer_torch.py, Debian's python3-torch), at 1 and 2 threads, with peak memory.
 * Each configuration runs in its own process, so the peak RSS is its own.
 *
 * Training: tokens/s of the training step (forward, backward and Adam in one ONNX graph) on fixed
 * random windows, best of 3 × 40 steps after 5 warm-up steps (the peer does the same).
 * Sampling: characters/s generating from 32 prompts of 16 random tokens at once with temperature-1
 * sampling, through `TransformerLm.generate`, best of 5 after one warm-up call of the same length:
 * - "cache": 48 new tokens, all within the context: KV cache (the peer uses a KV cache too);
 * - "window": 192 new tokens: KV cache up to the context, then the sliding window recomputes the
 *   last 64 tokens each step (`overflow: 'slide'`, exact; the peer does the same).
 * At 2 threads each side also runs with idle threads sleeping (PyTorch: OMP_WAIT_POLICY=PASSIVE;
 * ORT: allow_spinning 0), ours also data-parallel (training split by rows over two single-threaded
 * sessions; sampling splits the prompts in two, each half continued by a single-threaded runtime), and the ratios compare each side's best setting.
 *
 * Usage: `npx tsx bench/lm.ts` (standalone) or `runLmBench()` from bench/run.ts.
 */
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './common.ts';
import type { ThreadSetting } from './common.ts';
import { machine, parseThreadSetting, runBenchChild, runPythonPeer } from './common.ts';
import { Rng } from '../src/core/rng.ts';
import { compileTraining } from '../src/nn/compile.ts';
import { Graph } from '../src/nn/graph.ts';
import { adam } from '../src/nn/optimizers.ts';
import { initParameters } from '../src/nn/runtime/parameters.ts';
import { TrainingSession } from '../src/nn/runtime/training-session.ts';
import { buildTrainingLoss } from '../src/models/neural/transformer-network.ts';
import { TransformerLm } from '../src/models/transformer-lm.ts';

const SHAPE = { vocabSize: 96, context: 64, width: 128, heads: 4, blocks: 2, mlpWidth: 512, dropout: 0 };
const BATCH = 32;
const STEPS = 40;
const REPEATS = 3;
const SAMPLE_REPEATS = 5;
const ROWS = 32;
const PROMPT = 16;
const LONG = 192;
const PEER = fileURLToPath(new URL('./peers/transformer_torch.py', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

interface Measurement {
  readonly trainTokensPerSecond: number;
  readonly trainStepMs: number;
  /** CPU seconds per wall second while training (the whole process, all its threads). */
  readonly trainCores: number;
  readonly sampleCacheCharsPerSecond: number;
  readonly sampleWindowCharsPerSecond: number;
  readonly peakRssMb: number;
}

function best(repeats: number, run: () => void): number {
  let fastest = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    run();
    fastest = Math.min(fastest, (performance.now() - t0) / 1000);
  }
  return fastest;
}

/** Train and sample in this process (a child per thread setting). */
function measure(threads: number, setting: ThreadSetting): Measurement {
  const spinning = setting !== 'nospin';
  const parallelism = setting === 'data' ? 'data' : 'intra-op';
  const T = SHAPE.context;
  const g = new Graph();
  const model = compileTraining(g, buildTrainingLoss(g, SHAPE), { optimizer: adam() });
  const rng = Rng.stream(0, 'bench', 'lm');
  const session = new TrainingSession(model, initParameters(model, rng.fork('init')), {
    threads,
    spinning,
    parallelism,
    rng,
  });
  const ids = BigInt64Array.from({ length: BATCH * T }, () => BigInt(rng.int(SHAPE.vocabSize)));
  const targets = BigInt64Array.from({ length: BATCH * T }, () => BigInt(rng.int(SHAPE.vocabSize)));
  const weights = new Float32Array(BATCH * T).fill(1);
  const dims = [BATCH, T];
  const feeds = {
    ids: { data: ids, dims },
    targets: { data: targets, dims },
    weights: { data: weights, dims },
  };
  for (let i = 0; i < 5; i++) session.run(feeds, 3e-4);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const stepSeconds =
    best(REPEATS, () => {
      for (let i = 0; i < STEPS; i++) session.run(feeds, 3e-4);
    }) / STEPS;
  const cpu = process.cpuUsage(cpu0);
  const trainCores = (cpu.user + cpu.system) / 1000 / (performance.now() - wall0);
  session.dispose();

  // Sampling through the public model API (one fit step on random text makes it fitted).
  const lm = new TransformerLm({
    ...SHAPE,
    training: { threads, spinning, parallelism, optimizer: 'adam', learningRate: 3e-4 },
  });
  lm.fit([Int32Array.from({ length: BATCH * (T + 1) }, () => rng.int(SHAPE.vocabSize))], {
    rng: rng.fork('fit'),
  });
  const prompts = Array.from({ length: ROWS }, () =>
    Int32Array.from({ length: PROMPT }, () => rng.int(SHAPE.vocabSize)),
  );
  const sample = (n: number): void => {
    lm.generate(
      prompts,
      { maxNewTokens: n, batchSize: ROWS, decoding: { method: 'sample' } },
      rng.fork('sample', n),
    );
  };
  // One full call of each length warms up (JIT, and the generation worker with data parallelism),
  // then the best of SAMPLE_REPEATS; the peer does the same.
  sample(T - PROMPT);
  const cacheSeconds = best(SAMPLE_REPEATS, () => sample(T - PROMPT));
  sample(LONG);
  const windowSeconds = best(SAMPLE_REPEATS, () => sample(LONG));
  lm.dispose();
  return {
    trainTokensPerSecond: (BATCH * T) / stepSeconds,
    trainStepMs: stepSeconds * 1000,
    trainCores,
    sampleCacheCharsPerSecond: (ROWS * (T - PROMPT)) / cacheSeconds,
    sampleWindowCharsPerSecond: (ROWS * LONG) / windowSeconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

function runChild(threads: number, setting: ThreadSetting = 'spin'): Measurement {
  return runBenchChild<Measurement>(SELF, threads, setting);
}

function runPeer(threads: number, passive: boolean): Measurement | string {
  const r = runPythonPeer(PEER, [String(threads)], passive ? { OMP_WAIT_POLICY: 'PASSIVE' } : {}, threads);
  if (!r.ok) return r.why;
  const j = r.result;
  return {
    trainTokensPerSecond: j.train_tokens_per_second,
    trainStepMs: j.train_step_ms,
    trainCores: j.train_cores,
    sampleCacheCharsPerSecond: j.sample_cache_chars_per_second,
    sampleWindowCharsPerSecond: j.sample_window_chars_per_second,
    peakRssMb: j.peak_rss_mb,
  };
}

const METRICS = [
  ['trainTokensPerSecond', 'train'],
  ['sampleCacheCharsPerSecond', 'sample_cache'],
  ['sampleWindowCharsPerSecond', 'sample_window'],
] as const;

export async function runLmBench(): Promise<BenchResult[]> {
  const lines = [
    'nn (b): character transformer (V 96, context 64, width 128, 4 heads, 2 blocks, MLP 512), Adam 3e-4, batch 32',
    `  machine: ${machine()}`,
    '  setting                          train tok/s   step ms   cores   sample cache ch/s   sample window ch/s   peak RSS MB',
  ];
  const numbers: Record<string, number | string> = { machine: machine() };
  const row = (label: string, m: Measurement | string): void => {
    if (typeof m === 'string') {
      lines.push(`  ${label.padEnd(31)} unavailable: ${m}`);
      return;
    }
    lines.push(
      `  ${label.padEnd(31)} ${m.trainTokensPerSecond.toFixed(0).padStart(11)}   ${m.trainStepMs.toFixed(1).padStart(7)}   ${m.trainCores.toFixed(2).padStart(5)}   ${m.sampleCacheCharsPerSecond.toFixed(0).padStart(17)}   ${m.sampleWindowCharsPerSecond.toFixed(0).padStart(18)}   ${m.peakRssMb.toFixed(0).padStart(11)}`,
    );
  };
  const record = (key: string, m: Measurement | string): void => {
    if (typeof m === 'string') return;
    for (const [field, name] of METRICS) numbers[`${key}_${name}_per_s`] = m[field];
    numbers[`${key}_peak_rss_mb`] = m.peakRssMb;
    numbers[`${key}_train_cores`] = m.trainCores;
  };
  // Each side's best per metric at each thread count.
  const bestOf = (ms: (Measurement | string)[]): Record<string, number> | undefined => {
    const ok = ms.filter((m): m is Measurement => typeof m !== 'string');
    if (ok.length === 0) return undefined;
    return Object.fromEntries(METRICS.map(([field]) => [field, Math.max(...ok.map((m) => m[field]))]));
  };
  for (const threads of [1, 2]) {
    const plural = threads > 1 ? 's' : '';
    const ours: (Measurement | string)[] = [runChild(threads)];
    row(`biasloop (ORT) ${threads} thread${plural}`, ours[0]);
    record(`ours_${threads}t`, ours[0]);
    if (threads > 1) {
      ours.push(runChild(threads, 'nospin'));
      row(`biasloop (ORT) ${threads} threads no-spin`, ours[1]);
      record(`ours_${threads}t_nospin`, ours[1]);
      // Data parallelism: training split by rows, generation split by prompts.
      ours.push(runChild(threads, 'data'));
      row(`biasloop ${threads} threads data-parallel`, ours[2]);
      record(`ours_${threads}t_data`, ours[2]);
    }
    const theirs: (Measurement | string)[] = [runPeer(threads, false)];
    row(`PyTorch ${threads} thread${plural}`, theirs[0]);
    record(`torch_${threads}t`, theirs[0]);
    if (threads > 1) {
      theirs.push(runPeer(threads, true));
      row(`PyTorch ${threads} threads PASSIVE`, theirs[1]);
      record(`torch_${threads}t_passive`, theirs[1]);
    }
    const a = bestOf(ours);
    const b = bestOf(theirs);
    if (a === undefined || b === undefined) continue;
    const ratios = METRICS.map(([field, name]) => {
      const ratio = a[field] / b[field];
      numbers[`ratio_${threads}t_${name}`] = ratio;
      return `${name} ${ratio.toFixed(2)}×`;
    });
    lines.push(
      `  ratio ours / PyTorch at ${threads} thread${plural} (each at its best setting): ${ratios.join(', ')}`,
    );
  }
  return [{ name: 'nn-transformer', lines, numbers }];
}

if (process.argv[2] === '--child') {
  console.log(JSON.stringify(measure(Number(process.argv[3]), parseThreadSetting(process.argv[4]))));
} else if (process.argv[1] === SELF) {
  for (const r of await runLmBench()) console.log(r.lines.join('\n'));
}
