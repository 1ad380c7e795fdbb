/**
 * The Colorized-MNIST construction (src/data/colored-mnist.ts): colours follow the documented bias,
 * pixels are grey level × colour, the colour is the protected attribute, and draws are seeded.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { MNIST_PIXELS, loadMnist, mnistDataset, mnistSplit } from '../../src/data/mnist.ts';
import { colorizeMnist, coloredMnist } from '../../src/data/colored-mnist.ts';

const source = loadMnist();
const split = mnistSplit(source, { train: 4000, test: 1000 });

describe('MNIST split', () => {
  it('is disjoint, reproducible and covers every class', () => {
    const again = mnistSplit(source, { train: 4000, test: 1000 });
    expect(again.train).toEqual(split.train);
    const all = new Set([...split.train, ...split.test]);
    expect(all.size).toBe(5000);
    const grey = mnistDataset(source, split.test);
    expect(new Set(grey.y).size).toBe(10);
    expect(grey.schema.featureShape).toEqual([1, 28, 28]);
    expect(() => mnistSplit(source, { train: 9000, test: 2000 })).toThrow(/needs at most 10000/);
  });
});

describe('Colorized MNIST', () => {
  it('bias 1 makes the colour a function of the class (even red, odd green)', () => {
    const d = colorizeMnist(source, split.train, Rng.stream(1), { bias: 1 });
    for (let i = 0; i < d.n; i++) expect(d.group[i]).toBe(d.y[i] % 2);
    expect(d.schema.attributes).toEqual([{ name: 'colour', levels: ['red', 'green'] }]);
    expect(d.schema.featureShape).toEqual([3, 28, 28]);
  });

  it('P(majority colour | class) = bias + (1 − bias)/K within sampling error', () => {
    for (const bias of [0, 0.6]) {
      const d = colorizeMnist(source, split.train, Rng.stream(2), { bias });
      let majority = 0;
      for (let i = 0; i < d.n; i++) if (d.group[i] === d.y[i] % 2) majority++;
      const expected = bias + (1 - bias) / 2;
      const se = Math.sqrt((expected * (1 - expected)) / d.n);
      expect(Math.abs(majority / d.n - expected)).toBeLessThan(4 * se);
    }
  });

  it('pixels are the grey level times the colour: the other channels stay black', () => {
    const d = colorizeMnist(source, split.train.subarray(0, 50), Rng.stream(3), { bias: 0.5 });
    for (let r = 0; r < d.n; r++) {
      const src = split.train[r] * MNIST_PIXELS;
      const lit = d.group[r]; // red = channel 0, green = channel 1
      for (let p = 0; p < MNIST_PIXELS; p += 7) {
        expect(d.x[r * 3 * MNIST_PIXELS + lit * MNIST_PIXELS + p]).toBeCloseTo(source.images[src + p], 6);
        expect(d.x[r * 3 * MNIST_PIXELS + (1 - lit) * MNIST_PIXELS + p]).toBe(0);
        expect(d.x[r * 3 * MNIST_PIXELS + 2 * MNIST_PIXELS + p]).toBe(0);
      }
    }
  });

  it('is reproducible per seed, takes a custom palette and a separate test bias, and validates', () => {
    const a = coloredMnist({ train: 500, test: 200, bias: 0.8, testBias: 0, seed: 4 }, source);
    const b = coloredMnist({ train: 500, test: 200, bias: 0.8, testBias: 0, seed: 4 }, source);
    expect(a.train.group).toEqual(b.train.group);
    const palette = [
      { name: 'red', rgb: [1, 0, 0] as const },
      { name: 'green', rgb: [0, 1, 0] as const },
      { name: 'blue', rgb: [0, 0, 1] as const },
    ];
    const three = colorizeMnist(source, split.train, Rng.stream(5), { bias: 1, palette });
    for (let i = 0; i < 100; i++) expect(three.group[i]).toBe(three.y[i] % 3);
    expect(() => colorizeMnist(source, split.train, Rng.stream(5), { bias: 1.5 })).toThrow(
      /colour bias 1.5 must be in \[0, 1\]/,
    );
  });
});
