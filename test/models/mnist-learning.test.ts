/**
 * Real learning on MNIST from the `mnist` package (8,000 train / 2,000 test, split by mnistSplit):
 * the CNN classifier reaches ≥ 97% test accuracy, and the conditional VAE trained on Colorized MNIST
 * produces digits that this CNN classifies as the requested class ≥ 85% of the time, in the requested
 * colour. One intra-op thread; each fit takes well under a minute on 2 cores.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import type { MnistSource } from '../../src/data/mnist.ts';
import { MNIST_PIXELS, loadMnist, mnistDataset, mnistSplit } from '../../src/data/mnist.ts';
import { colorizeMnist } from '../../src/data/colored-mnist.ts';
import { CnnClassifier } from '../../src/models/cnn.ts';
import { ConditionalVae } from '../../src/models/cvae.ts';

let source: MnistSource;
let cnn: CnnClassifier;
let accuracy: number;

beforeAll(() => {
  source = loadMnist();
  const split = mnistSplit(source);
  const train = mnistDataset(source, split.train);
  const test = mnistDataset(source, split.test);
  cnn = new CnnClassifier(); // defaults: conv 16, conv 32, dense 64; Adam 2e-3 cosine, 8 epochs, batch 64
  cnn.fit(train, { rng: Rng.stream(1, 'mnist-cnn') });
  const predicted = cnn.predict(test.x, test.n);
  let correct = 0;
  for (let i = 0; i < test.n; i++) if (predicted[i] === test.y[i]) correct++;
  accuracy = correct / test.n;
}, 120_000);

describe('MNIST', () => {
  it('the package ships 10,000 digits with grey levels in [0, 1]', () => {
    expect(source.n).toBe(10000);
    expect(Math.min(...source.images.subarray(0, 5000))).toBe(0);
    expect(Math.max(...source.images.subarray(0, 5000))).toBeLessThanOrEqual(1);
  });

  it('the CNN reaches ≥ 97% test accuracy (8,000 train / 2,000 test)', () => {
    expect(accuracy).toBeGreaterThanOrEqual(0.97);
  });

  it('conditional VAE samples of class c in colour k are classified as c ≥ 85% of the time and are coloured k', () => {
    const split = mnistSplit(source);
    // Colour weakly tied to class (bias 0.5) so every (class, colour) cell has training images.
    const train = colorizeMnist(source, split.train.subarray(0, 4000), Rng.stream(1, 'cvae-colours'), {
      bias: 0.5,
    });
    const vae = new ConditionalVae(); // defaults: channels [16, 32], hidden 128, latent 8, β = 4, 12 epochs
    const report = vae.fit(train, { rng: Rng.stream(1, 'cvae') });
    expect(report.converged).toBe(true);
    const perCell = 50;
    const classes: number[] = [];
    const colours: number[] = [];
    for (let c = 0; c < 10; c++) {
      for (let k = 0; k < 2; k++)
        for (let r = 0; r < perCell; r++) {
          classes.push(c);
          colours.push(k);
        }
    }
    const images = vae.generate(classes, colours, Rng.stream(1, 'cvae-samples'), 1);
    const n = classes.length;
    // The grey-level CNN sees each sample as max over its colour channels (stroke intensity).
    const grey = new Float64Array(n * MNIST_PIXELS);
    let colourRight = 0;
    for (let i = 0; i < n; i++) {
      const mass = [0, 0, 0];
      for (let p = 0; p < MNIST_PIXELS; p++) {
        let m = 0;
        for (let ch = 0; ch < 3; ch++) {
          const v = images[i * 3 * MNIST_PIXELS + ch * MNIST_PIXELS + p];
          mass[ch] += v;
          m = Math.max(m, v);
        }
        grey[i * MNIST_PIXELS + p] = m;
      }
      // Palette: 0 = red (channel 0), 1 = green (channel 1).
      if (mass.indexOf(Math.max(...mass)) === colours[i]) colourRight++;
    }
    const predicted = cnn.predict(grey, n);
    let classRight = 0;
    for (let i = 0; i < n; i++) if (predicted[i] === classes[i]) classRight++;
    expect(classRight / n).toBeGreaterThanOrEqual(0.85);
    expect(colourRight / n).toBeGreaterThanOrEqual(0.95);
  }, 120_000);
});
