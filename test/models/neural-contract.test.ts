/**
 * The Classifier / Generator contracts for the neural models on small data: learning, sample
 * weights, determinism, warm starts, state round trips, checkpoints, standalone ONNX export, and
 * clear errors for bad input (divergence, wrong image layout, tabular data to an image model,
 * corrupt and foreign checkpoints).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.ts';
import { InferenceSession as PublicInferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/core/dataset.ts';
import { createDataset, simpleSchema } from '../../src/core/dataset.ts';
import { BiasloopError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';
import { MNIST_PIXELS, loadMnist, mnistDataset, mnistSplit } from '../../src/data/mnist.ts';
import { colorizeMnist } from '../../src/data/colored-mnist.ts';
import { MlpClassifier } from '../../src/models/mlp.ts';
import { CnnClassifier } from '../../src/models/cnn.ts';
import { ConditionalVae } from '../../src/models/cvae.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/nn/checkpoint.ts';

/** Two interleaved half-moons-like classes that a linear model cannot separate (XOR quadrants). */
function xorData(n: number, seed: number): Dataset {
  const rng = Rng.stream(seed, 'xor');
  const x = new Float64Array(n * 2);
  const y = new Int32Array(n);
  const group = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.float() * 2 - 1;
    const b = rng.float() * 2 - 1;
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = a * b > 0 ? 1 : 0;
    group[i] = a > 0 ? 1 : 0;
  }
  const schema = simpleSchema({
    featureNames: ['a', 'b'],
    classNames: ['neg', 'pos'],
    attribute: 'side',
    levels: ['left', 'right'],
  });
  return createDataset({ schema, x, y, group });
}

/** Bitwise equality of two typed arrays (fast; vitest's deep equality is slow on millions of values). */
function sameBytes(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function accuracy(model: { predict(x: Float64Array, n: number): Int32Array }, data: Dataset): number {
  const p = model.predict(data.x, data.n);
  let ok = 0;
  for (let i = 0; i < data.n; i++) if (p[i] === data.y[i]) ok++;
  return ok / data.n;
}

const train = xorData(1000, 1);
const test = xorData(500, 2);
const smallMlp = (): MlpClassifier =>
  new MlpClassifier({ hidden: [16, 16], training: { epochs: 30, learningRate: 1e-2, batchSize: 32 } });

describe('MLP classifier', () => {
  it('learns XOR (which no linear model can), with probabilities that sum to one', () => {
    const mlp = smallMlp();
    mlp.fit(train, { rng: Rng.stream(1, 'mlp') });
    expect(accuracy(mlp, test)).toBeGreaterThan(0.93);
    const proba = mlp.predictProba(test.x.subarray(0, 10), 5);
    for (let i = 0; i < 5; i++) expect(proba[2 * i] + proba[2 * i + 1]).toBeCloseTo(1, 6);
  });

  it('is deterministic: same seed and data give identical weights; another seed differs', () => {
    const a = smallMlp();
    const b = smallMlp();
    const c = smallMlp();
    a.fit(train, { rng: Rng.stream(7, 'mlp') });
    b.fit(train, { rng: Rng.stream(7, 'mlp') });
    c.fit(train, { rng: Rng.stream(8, 'mlp') });
    for (const [name, v] of a.parameters()) expect(b.parameters().get(name)).toEqual(v);
    expect(c.parameters().get('out.weight')).not.toEqual(a.parameters().get('out.weight'));
  });

  it('sample weights change the fit: zero weight on a quadrant makes it unlearned', () => {
    const w = new Float64Array(train.n);
    for (let i = 0; i < train.n; i++) w[i] = train.x[2 * i] > 0 && train.x[2 * i + 1] > 0 ? 0 : 1;
    const weighted = smallMlp();
    weighted.fit(train, { rng: Rng.stream(1, 'mlp'), sampleWeight: w });
    const quadrant: number[] = [];
    for (let i = 0; i < test.n; i++) if (test.x[2 * i] > 0.3 && test.x[2 * i + 1] > 0.3) quadrant.push(i);
    const pred = weighted.predict(test.x, test.n);
    const positives = quadrant.filter((i) => pred[i] === 1).length;
    // Without weights the MLP gets this quadrant right; with it weighted out, it extrapolates the others.
    expect(positives / quadrant.length).toBeLessThan(0.5);
  });

  it('warm start continues from the current weights (a zero-epoch fit keeps them)', () => {
    const mlp = smallMlp();
    mlp.fit(train, { rng: Rng.stream(1, 'mlp') });
    const before = mlp.parameters();
    mlp.fit(train, { rng: Rng.stream(2, 'mlp'), warmStart: true, epochScale: 0.01 });
    const after = mlp.parameters();
    // One short epoch from the trained weights keeps accuracy, while a fresh start would not be trained.
    expect(accuracy(mlp, test)).toBeGreaterThan(0.9);
    expect(after.get('out.weight')).not.toEqual(before.get('out.weight'));
  });

  it('exportState/importState round-trips predictions exactly, through a checkpoint file', () => {
    const mlp = smallMlp();
    mlp.fit(train, { rng: Rng.stream(1, 'mlp') });
    const dir = tempDir('biasloop-nn-');
    const file = join(dir, 'mlp.ckpt');
    saveCheckpoint(file, mlp.exportState());
    const copy = smallMlp();
    copy.importState(loadCheckpoint(file));
    expect(copy.predictProba(test.x, test.n)).toEqual(mlp.predictProba(test.x, test.n));
  });

  it('resuming from a checkpoint with optimizer state equals uninterrupted training', () => {
    const cfg = { hidden: [8], training: { epochs: 2, learningRate: 1e-2, batchSize: 50 } };
    const straight = new MlpClassifier(cfg);
    straight.fit(train, { rng: Rng.stream(3, 'a') });
    straight.fit(train, { rng: Rng.stream(3, 'b'), warmStart: true });
    const first = new MlpClassifier(cfg);
    first.fit(train, { rng: Rng.stream(3, 'a') });
    const resumed = new MlpClassifier(cfg);
    resumed.importState(first.exportState());
    resumed.fit(train, { rng: Rng.stream(3, 'b'), warmStart: true });
    for (const [name, v] of straight.parameters()) expect(resumed.parameters().get(name)).toEqual(v);
  });

  it('a diverging fit stops with a numeric error naming the step and keeps the last good weights', () => {
    const bad = createDataset({ ...train, x: train.x.map((v, i) => (i === 2 * 600 ? NaN : v)) });
    const mlp = new MlpClassifier({ hidden: [8], training: { epochs: 1, batchSize: 1000 } });
    let error: unknown;
    try {
      mlp.fit(bad, { rng: Rng.stream(1, 'mlp') });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BiasloopError);
    expect((error as BiasloopError).kind).toBe('numeric');
    expect((error as Error).message).toMatch(/loss is NaN at step 1; the parameters from step 0 were kept/);
    for (const v of mlp.parameters().values()) expect(v.every(Number.isFinite)).toBe(true);
  });

  it('a checkpoint from another architecture, a corrupt file and a foreign file are clear errors', () => {
    const mlp = smallMlp();
    mlp.fit(train, { rng: Rng.stream(1, 'mlp') });
    const other = new MlpClassifier({ hidden: [4] });
    expect(() => other.importState(mlp.exportState())).toThrow(
      /checkpoint holds a 'mlp' model \(\w+\), not this 'mlp' model/,
    );
    expect(() => new CnnClassifier().importState(mlp.exportState())).toThrow(
      /checkpoint holds a 'mlp' model/,
    );
    const dir = tempDir('biasloop-nn-');
    const file = join(dir, 'mlp.ckpt');
    saveCheckpoint(file, mlp.exportState());
    const bytes = readFileSync(file);
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(file, bytes);
    expect(() => loadCheckpoint(file)).toThrow(/is corrupt \(checksum mismatch/);
    writeFileSync(file, bytes.subarray(0, 40));
    expect(() => loadCheckpoint(file)).toThrow(/truncated|corrupt/);
    writeFileSync(file, '{"not": "a checkpoint"}');
    expect(() => loadCheckpoint(file)).toThrow(/is not a biasloop neural checkpoint/);
    expect(() => loadCheckpoint(join(dir, 'missing.ckpt'))).toThrow(/cannot read checkpoint .*ENOENT/);
  });

  it('exports a standalone ONNX file that plain onnxruntime loads and that predicts the same', async () => {
    const mlp = smallMlp();
    mlp.fit(train, { rng: Rng.stream(1, 'mlp') });
    const session = await PublicInferenceSession.create(mlp.exportOnnx());
    expect(session.inputNames).toEqual(['x']);
    const out = await session.run({
      x: new Tensor('float32', Float32Array.from(test.x.subarray(0, 20)), [10, 2]),
    });
    const ours = mlp.predictProba(test.x.subarray(0, 20), 10);
    const theirs = out.probabilities.data as Float32Array;
    for (let i = 0; i < 20; i++) expect(theirs[i]).toBeCloseTo(ours[i], 6);
  });
});

describe('image models reject bad input clearly', () => {
  const source = loadMnist();
  const split = mnistSplit(source, { train: 300, test: 100 });
  const grey = mnistDataset(source, split.train);

  it('tabular data to the CNN', () => {
    expect(() => new CnnClassifier().fit(train, { rng: Rng.stream(1) })).toThrow(
      /cnn: needs image data with a featureShape/,
    );
  });

  it('channels-last (NHWC) images', () => {
    const nhwc = { ...grey, schema: { ...grey.schema, featureShape: [28, 28, 1] } };
    expect(() => new CnnClassifier().fit(nhwc, { rng: Rng.stream(1) })).toThrow(
      /looks channels-last \(NHWC\); images must be NCHW/,
    );
  });

  it('a CNN fit is reproducible: same seed, identical weights', () => {
    const fit = (): Map<string, Float32Array | Float64Array> => {
      const cnn = new CnnClassifier({ channels: [4, 8], hidden: 16, dropout: 0.2, training: { epochs: 1 } });
      cnn.fit(grey, { rng: Rng.stream(9, 'cnn') });
      return cnn.parameters();
    };
    const a = fit();
    const b = fit();
    for (const [name, v] of a) expect(b.get(name)).toEqual(v);
  });

  it('predicting rows of the wrong width', () => {
    const cnn = new CnnClassifier({ training: { epochs: 1 } });
    cnn.fit(grey, { rng: Rng.stream(1) });
    expect(() => cnn.predictProba(new Float64Array(3 * MNIST_PIXELS * 2), 2)).toThrow(
      /expected 2 × 784 \(input shape \[1, 28, 28\]\)/,
    );
  });
});

describe('conditional VAE generator contract', () => {
  const source = loadMnist();
  const split = mnistSplit(source, { train: 600, test: 0 });
  const data = colorizeMnist(source, split.train, Rng.stream(1, 'c'), { bias: 0.9 });
  const vae = new ConditionalVae({ channels: [4, 8], hidden: 32, latent: 4, training: { epochs: 1 } });
  vae.fit(data, { rng: Rng.stream(1, 'vae') });

  it('rejects zero, negative and mis-sized sample weights with one-line errors (as the classifiers do)', () => {
    const fresh = new ConditionalVae({ channels: [4, 8], hidden: 32, latent: 4, training: { epochs: 1 } });
    const fit = (w: Float64Array) => () => fresh.fit(data, { rng: Rng.stream(1, 'vae'), sampleWeight: w });
    expect(fit(new Float64Array(data.n))).toThrow('all sample weights are zero');
    expect(fit(new Float64Array(data.n).fill(1).fill(-1, 3, 4))).toThrow(
      'row 3: sample weight -1 must be finite and ≥ 0',
    );
    expect(fit(new Float64Array(5))).toThrow(`5 sample weights for ${data.n} rows`);
  });

  it('samples exact cell counts with the fit schema, pixel range and synthetic provenance', () => {
    const counts = new Array(20).fill(0);
    counts[3 * 2 + 1] = 5; // class 3, green
    counts[7 * 2 + 0] = 2; // class 7, red
    const s = vae.sample(
      { n: 7, conditioning: 'counts', cellCounts: counts, temperature: 1, cellTemperature: 1, generation: 4 },
      Rng.stream(1, 's'),
    );
    expect(s.n).toBe(7);
    expect(s.schema.featureShape).toEqual([3, 28, 28]);
    expect(Array.from(s.y)).toEqual([3, 3, 3, 3, 3, 7, 7]);
    expect(Array.from(s.group)).toEqual([1, 1, 1, 1, 1, 0, 0]);
    expect(Array.from(s.provenance.source)).toEqual(new Array(7).fill(1));
    expect(Array.from(s.provenance.generation)).toEqual(new Array(7).fill(4));
    expect(s.provenance.generatorNames).toEqual(['cvae']);
    expect(s.x.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('stratified sampling keeps the fit data cell shares; sampling is deterministic per seed', () => {
    const req = {
      n: 600,
      conditioning: 'stratified' as const,
      temperature: 1,
      cellTemperature: 1,
      generation: 1,
    };
    const a = vae.sample(req, Rng.stream(5, 's'));
    const b = vae.sample(req, Rng.stream(5, 's'));
    expect(sameBytes(a.x, b.x)).toBe(true);
    const fitCells = new Array(20).fill(0);
    for (let i = 0; i < data.n; i++) fitCells[data.y[i] * 2 + data.group[i]]++;
    const got = new Array(20).fill(0);
    for (let i = 0; i < a.n; i++) got[a.y[i] * 2 + a.group[i]]++;
    expect(got).toEqual(fitCells);
  });

  it('temperature 0 gives the decoder mean (identical rows per cell)', () => {
    const s = vae.sample(
      {
        n: 2,
        conditioning: 'counts',
        cellCounts: [2, ...new Array(19).fill(0)],
        temperature: 0,
        cellTemperature: 1,
        generation: 0,
      },
      Rng.stream(1),
    );
    expect(s.x.subarray(0, s.d)).toEqual(s.x.subarray(s.d, 2 * s.d));
  });

  it('state round trip reproduces samples; the decoder exports as standalone ONNX', async () => {
    const copy = new ConditionalVae({ channels: [4, 8], hidden: 32, latent: 4, training: { epochs: 1 } });
    copy.importState(vae.exportState());
    const req = { n: 20, conditioning: 'joint' as const, temperature: 1, cellTemperature: 1, generation: 1 };
    expect(sameBytes(copy.sample(req, Rng.stream(2)).x, vae.sample(req, Rng.stream(2)).x)).toBe(true);
    const session = await PublicInferenceSession.create(vae.exportOnnx());
    expect([...session.inputNames].sort()).toEqual(['cond', 'z']);
  });

  it('a cell outside the classes × groups is an error', () => {
    expect(() => vae.generate([10], [0], Rng.stream(1))).toThrow(
      /cell \(class 10, group 0\) is outside 10 classes × 2 groups/,
    );
    expect(() =>
      vae.sample(
        {
          n: 3,
          conditioning: 'counts',
          cellCounts: [1, 1],
          temperature: 1,
          cellTemperature: 1,
          generation: 0,
        },
        Rng.stream(1),
      ),
    ).toThrow(/cellCounts with 20 entries/);
  });
});
