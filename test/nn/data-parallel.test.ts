/**
 * Data-parallel training (src/nn/data-parallel.ts, runtime/data-parallel-step.ts): each batch split
 * by rows over single-threaded sessions on the calling thread and worker threads, gradients combined
 * by the loss's reduction, one optimizer update on flat parameter vectors.
 *
 * Oracle: the fused one-thread step. In float64 the two differ only by summation order, so after
 * several Adam, AdamW and SGD steps (weight decay on some parameters, clipping, dropout, uneven and empty shards)
 * parameters, optimizer states, losses and gradient norms agree to ~1e-12; a float32 CNN agrees to
 * float32 rounding. Data-parallel runs are also bit-for-bit reproducible.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { linearDataset } from '../helpers.ts';
import type { CompiledModel, Feeds, Optimizer, ParameterValues } from '../../src/nn/index.ts';
import {
  Graph,
  adam,
  adamw,
  compileDataParallel,
  compileTraining,
  dense,
  dropout,
  initParameters,
  meanSquaredError,
  reduceSum,
  relu,
  sgd,
  shardBounds,
  softmaxCrossEntropy,
  TrainingSession,
} from '../../src/nn/index.ts';
import { cnnLogits } from '../../src/models/cnn.ts';
import { MlpClassifier } from '../../src/models/mlp.ts';
import { resolveTraining } from '../../src/models/neural/training-config.ts';

const sessions: TrainingSession[] = [];
afterAll(() => {
  for (const s of sessions) s.dispose();
});

function open(
  model: CompiledModel,
  params: ParameterValues,
  threads: number,
  parallelism: 'intra-op' | 'data',
): TrainingSession {
  const s = new TrainingSession(model, params, { rng: Rng.stream(5, 'dp'), threads, parallelism });
  sessions.push(s);
  return s;
}

/** MLP 5 → 8 → 3 with dropout and per-row weights, softmax cross-entropy ('mean'), float64. */
function mlpModel(optimizer: Optimizer, reduction: 'mean' | 'weightedMean' = 'mean'): CompiledModel {
  const g = new Graph({ floatType: 'float64' });
  const x = g.input('x', ['batch', 5]);
  const y = g.input('y', ['batch'], { dtype: 'int64' });
  const w = g.input('w', ['batch']);
  const h = dropout(relu(dense(x, 'fc1', 8)), 0.2);
  const logits = dense(h, 'fc2', 3);
  const loss = softmaxCrossEntropy(logits, y, { sampleWeights: w, reduction });
  return compileTraining(g, loss, {
    optimizer,
    clipGradNorm: 0.5,
    decays: (name) => name.endsWith('weight'),
  });
}

function mlpBatch(rng: Rng, rows: number): Feeds {
  return {
    x: { data: Float64Array.from({ length: rows * 5 }, () => rng.normal()), dims: [rows, 5] },
    y: { data: BigInt64Array.from({ length: rows }, () => BigInt(rng.int(3))), dims: [rows] },
    w: { data: Float64Array.from({ length: rows }, () => 0.5 + rng.float()), dims: [rows] },
  };
}

function maxRelativeDifference(
  a: ReadonlyMap<string, ArrayLike<number>>,
  b: ReadonlyMap<string, ArrayLike<number>>,
): number {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  let worst = 0;
  for (const [name, va] of a) {
    const vb = b.get(name) as ArrayLike<number>;
    expect(vb.length).toBe(va.length);
    for (let i = 0; i < va.length; i++) {
      worst = Math.max(worst, Math.abs(va[i] - vb[i]) / Math.max(1e-3, Math.abs(va[i])));
    }
  }
  return worst;
}

describe('shardBounds', () => {
  it('splits rows into contiguous ranges, the first ones a row longer', () => {
    expect(shardBounds(32, 2)).toEqual([0, 16, 32]);
    expect(shardBounds(5, 2)).toEqual([0, 3, 5]);
    expect(shardBounds(7, 3)).toEqual([0, 3, 5, 7]);
    expect(shardBounds(1, 3)).toEqual([0, 1, 1, 1]);
  });
});

describe('data-parallel training step', () => {
  // Uneven splits (7 rows over 2 or 3 shards) and shards left empty (2 and 1 rows over 3).
  const batchSizes = [10, 7, 2, 1, 9, 8];

  const trainMlp = (
    optimizer: Optimizer,
    threads: number,
    parallelism: 'intra-op' | 'data',
  ): { session: TrainingSession; losses: number[]; norms: number[] } => {
    const model = mlpModel(optimizer);
    const session = open(model, initParameters(model, Rng.stream(2, 'init')), threads, parallelism);
    const rng = Rng.stream(3, 'data');
    const losses: number[] = [];
    const norms: number[] = [];
    for (const rows of batchSizes) {
      const r = session.run(mlpBatch(rng, rows), 0.05);
      losses.push(r.loss);
      norms.push(r.gradNorm);
    }
    return { session, losses, norms };
  };

  for (const [label, optimizer] of [
    ['Adam with weight decay', adam({ weightDecay: 0.01 })],
    ['AdamW', adamw({ weightDecay: 0.05 })],
    ['SGD with momentum', sgd({ momentum: 0.9, weightDecay: 0.01 })],
    ['SGD with Nesterov momentum', sgd({ momentum: 0.8, nesterov: true })],
    ['plain SGD', sgd()],
  ] as const) {
    it(`${label}: 2 and 3 shards equal the fused step to rounding (float64, dropout, clipping)`, () => {
      const fused = trainMlp(optimizer, 1, 'intra-op');
      for (const shards of [2, 3]) {
        const dp = trainMlp(optimizer, shards, 'data');
        dp.losses.forEach((l, i) => expect(l).toBeCloseTo(fused.losses[i], 12));
        dp.norms.forEach((n, i) => expect(n).toBeCloseTo(fused.norms[i], 12));
        expect(maxRelativeDifference(dp.session.parameters(), fused.session.parameters())).toBeLessThan(
          1e-10,
        );
        const a = dp.session.optimizerState();
        const b = fused.session.optimizerState();
        expect(a.step).toBe(b.step);
        expect(maxRelativeDifference(a.states, b.states)).toBeLessThan(1e-9);
      }
    });
  }

  it('is reproducible bit for bit for a given number of shards', () => {
    const a = trainMlp(adam(), 2, 'data');
    const b = trainMlp(adam(), 2, 'data');
    expect(b.losses).toEqual(a.losses);
    expect(b.session.parameters()).toEqual(a.session.parameters());
  });

  it('checkpoints interchange with the fused step in both directions', () => {
    const model = mlpModel(adam());
    const start = initParameters(model, Rng.stream(2, 'init'));
    const batches = (() => {
      const rng = Rng.stream(4, 'data');
      return batchSizes.map((rows) => mlpBatch(rng, rows));
    })();
    const straight = open(model, start, 1, 'intra-op');
    for (const b of batches) straight.run(b, 0.05);

    for (const [first, second] of [
      ['intra-op', 'data'],
      ['data', 'intra-op'],
    ] as const) {
      const a = open(model, start, first === 'data' ? 2 : 1, first);
      for (const b of batches.slice(0, 3)) a.run(b, 0.05);
      const b2 = open(model, a.parameters(), second === 'data' ? 2 : 1, second);
      b2.setParameters(a.parameters(), a.optimizerState());
      expect(b2.step).toBe(3);
      for (const b of batches.slice(3)) b2.run(b, 0.05);
      expect(maxRelativeDifference(b2.parameters(), straight.parameters())).toBeLessThan(1e-10);
    }
  });

  it("combines 'sum' losses by adding the shards", () => {
    const build = (): CompiledModel => {
      const g = new Graph({ floatType: 'float64' });
      const x = g.input('x', ['batch', 4]);
      const t = g.input('t', ['batch', 2]);
      return compileTraining(g, meanSquaredError(dense(x, 'fc', 2), t, { reduction: 'sum' }), {
        optimizer: adam(),
      });
    };
    const model = build();
    const rng = Rng.stream(6);
    const feeds: Feeds = {
      x: { data: Float64Array.from({ length: 24 }, () => rng.normal()), dims: [6, 4] },
      t: { data: Float64Array.from({ length: 12 }, () => rng.normal()), dims: [6, 2] },
    };
    const start = initParameters(model, Rng.stream(1));
    const fused = open(model, start, 1, 'intra-op');
    const dp = open(model, start, 2, 'data');
    for (let i = 0; i < 3; i++) expect(dp.run(feeds, 0.01).loss).toBeCloseTo(fused.run(feeds, 0.01).loss, 12);
    expect(maxRelativeDifference(dp.parameters(), fused.parameters())).toBeLessThan(1e-10);
  });

  it('a float32 CNN with dropout agrees with the fused step to float32 rounding', () => {
    const g = new Graph();
    const x = g.input('x', ['batch', 3, 12, 12]);
    const y = g.input('y', ['batch'], { dtype: 'int64' });
    const logits = cnnLogits(x, 4, { channels: [4, 6], kernel: 3, hidden: 16, dropoutRate: 0.25 });
    const model = compileTraining(g, softmaxCrossEntropy(logits, y), { optimizer: adam() });
    const start = initParameters(model, Rng.stream(7));
    const rng = Rng.stream(8);
    const batches: Feeds[] = [12, 9, 12].map((rows) => ({
      x: { data: Float32Array.from({ length: rows * 432 }, () => rng.float()), dims: [rows, 3, 12, 12] },
      y: { data: BigInt64Array.from({ length: rows }, () => BigInt(rng.int(4))), dims: [rows] },
    }));
    const fused = open(model, start, 1, 'intra-op');
    const dp = open(model, start, 2, 'data');
    for (const b of batches) expect(dp.run(b, 1e-3).loss).toBeCloseTo(fused.run(b, 1e-3).loss, 5);
    expect(maxRelativeDifference(dp.parameters(), fused.parameters())).toBeLessThan(1e-3);
  });

  it('a NaN loss is reported with its step and leaves the parameters as they were', () => {
    const model = mlpModel(adam());
    const dp = open(model, initParameters(model, Rng.stream(2, 'init')), 2, 'data');
    const rng = Rng.stream(9);
    dp.run(mlpBatch(rng, 6), 0.05);
    const before = dp.parameters();
    const bad = mlpBatch(rng, 6);
    (bad.x.data as Float64Array)[29] = NaN; // a row of the second shard
    expect(() => dp.run(bad, 0.05)).toThrow(/loss is NaN at step 2; the parameters from step 1 were kept/);
    expect(dp.parameters()).toEqual(before);
    expect(dp.step).toBe(1);
  });

  it('refuses losses whose shards cannot be combined, naming why and the alternative', () => {
    expect(() => compileDataParallel(mlpModel(adam(), 'weightedMean'), 2)).toThrow(
      /'weightedMean' loss with sample weights .* parallelism 'intra-op'/,
    );
    const g = new Graph();
    const x = g.input('x', ['batch', 3]);
    const custom = compileTraining(g, reduceSum(dense(x, 'fc', 1)), { optimizer: adam() });
    expect(() => compileDataParallel(custom, 2)).toThrow(/built from the engine losses/);
    expect(() => compileDataParallel(mlpModel(adam()), 1)).toThrow(/needs ≥ 2 shards/);
    expect(() => resolveTraining({ parallelism: 'pipeline' as 'data' })).toThrow(
      /parallelism 'pipeline' must be 'intra-op' or 'data'/,
    );
  });
});

describe('data-parallel models', () => {
  it('an MLP classifier trained with threads 2, parallelism data matches one thread', () => {
    const n = 300;
    const data = linearDataset(Rng.stream(11, 'mlp'), n);
    const x = data.x;
    const fit = (threads: number, parallelism: 'intra-op' | 'data'): Float64Array => {
      const m = new MlpClassifier({
        hidden: [8],
        training: { epochs: 3, batchSize: 32, threads, parallelism },
      });
      m.fit(data, { rng: Rng.stream(1) });
      const p = m.predictProba(x, n);
      return p;
    };
    const one = fit(1, 'intra-op');
    const dp = fit(2, 'data');
    let worst = 0;
    for (let i = 0; i < one.length; i++) worst = Math.max(worst, Math.abs(one[i] - dp[i]));
    expect(worst).toBeLessThan(1e-4);
    expect(fit(2, 'data')).toEqual(dp);
  });
});
