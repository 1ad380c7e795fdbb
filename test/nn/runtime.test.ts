/**
 * Runtime pieces: dropout masks from the seeded stream (training only), learning-rate schedules,
 * and the fit-context knobs the loop's overfit option uses (epochScale, weightDecayOverride).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { linearDataset } from '../helpers.ts';
import {
  Graph,
  compileInference,
  compileTraining,
  dropout,
  init,
  InferenceSession,
  initParameters,
  learningRateAt,
  mul,
  reduceSum,
  sgd,
  TrainingSession,
} from '../../src/nn/index.ts';
import { MlpClassifier } from '../../src/models/mlp.ts';

describe('dropout', () => {
  it('zeroes about `rate` of the units and scales the rest by 1/(1 − rate), reproducibly per seed', () => {
    const model = dropoutModel();
    const run = (seed: number): Float32Array => {
      const s = new TrainingSession(model, initParameters(model, Rng.stream(1)), {
        rng: Rng.stream(seed, 'drop'),
      });
      const out = s.run({ x: { data: new Float32Array(2000).fill(1), dims: [2, 1000] } }, 0).values
        .y as Float32Array;
      s.dispose();
      return out;
    };
    const a = run(1);
    const zeros = a.filter((v) => v === 0).length / a.length;
    expect(Math.abs(zeros - 0.3)).toBeLessThan(4 * Math.sqrt((0.3 * 0.7) / a.length));
    expect(a.filter((v) => v !== 0).every((v) => Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
    expect(run(1)).toEqual(a);
    expect(run(2)).not.toEqual(a);
  });

  it('is the identity in an inference graph', () => {
    const g = new Graph({ training: false });
    const x = g.input('x', ['batch', 4]);
    const model = compileInference(g, { y: dropout(mul(x, 2), 0.5) });
    const s = new InferenceSession(model, new Map());
    expect(Array.from(s.run({ x: { data: Float32Array.of(1, 2, 3, 4), dims: [1, 4] } }).y)).toEqual([
      2, 4, 6, 8,
    ]);
  });
});

/** A training graph whose extra output is x·w after dropout(0.3). */
function dropoutModel(): ReturnType<typeof compileTraining> {
  const g = new Graph({ training: true });
  const x = g.input('x', ['batch', 1000]);
  const w = g.param('w', [1000], init.ones());
  const y = dropout(mul(x, w), 0.3);
  return compileTraining(g, reduceSum(y), { optimizer: sgd(), extraOutputs: { y } });
}

describe('learning-rate schedules', () => {
  it('constant, step and cosine with warm-up', () => {
    expect(learningRateAt(0.1, { kind: 'constant' }, 57, 100)).toBe(0.1);
    expect(learningRateAt(0.1, { kind: 'step', every: 10, gamma: 0.5 }, 25, 100)).toBeCloseTo(0.025, 15);
    const cos = { kind: 'cosine' as const, warmupSteps: 10, minFactor: 0.1 };
    expect(learningRateAt(1, cos, 0, 110)).toBeCloseTo(0.1, 15);
    expect(learningRateAt(1, cos, 9, 110)).toBeCloseTo(1, 15);
    expect(learningRateAt(1, cos, 10, 110)).toBeCloseTo(1, 15);
    expect(learningRateAt(1, cos, 109, 110)).toBeCloseTo(0.1, 15);
    expect(learningRateAt(1, cos, 59.5, 110)).toBeCloseTo(0.55, 12);
  });
});

describe('fit-context knobs', () => {
  const n = 400;
  const data = linearDataset(Rng.stream(1, 'knobs'), n);
  const norm = (m: MlpClassifier): number => {
    let s = 0;
    for (const [name, v] of m.parameters()) if (name.endsWith('weight')) for (const u of v) s += u * u;
    return Math.sqrt(s);
  };

  it('epochScale multiplies the epochs; weightDecayOverride replaces the weight decay', () => {
    const make = (): MlpClassifier =>
      new MlpClassifier({
        hidden: [8],
        training: { epochs: 4, batchSize: 50, optimizer: 'sgd', learningRate: 0.05, weightDecay: 0.001 },
      });
    expect(make().fit(data, { rng: Rng.stream(1) }).iterations).toBe(4 * 8);
    expect(make().fit(data, { rng: Rng.stream(1), epochScale: 2.5 }).iterations).toBe(10 * 8);
    const plain = make();
    plain.fit(data, { rng: Rng.stream(1) });
    const decayed = make();
    decayed.fit(data, { rng: Rng.stream(1), weightDecayOverride: 1 });
    expect(norm(decayed)).toBeLessThan(0.8 * norm(plain));
  });
});
