/**
 * Colorized MNIST: MNIST digits painted in one of a palette of colours, with a configurable spurious
 * correlation between colour and class; the colour is the protected attribute (one group per colour).
 *
 * Construction (documented in docs/nn.md):
 * 1. Each class c has a majority colour `palette[c mod K]` (K = palette size; with the default
 *    red/green palette, even digits are mostly red and odd digits mostly green).
 * 2. For each image, with probability `bias` its colour is the class's majority colour; otherwise a
 *    colour drawn uniformly from the palette (which may also be the majority colour). So
 *    P(majority colour | class) = bias + (1 − bias)/K: bias 0 makes colour independent of class,
 *    bias 1 makes it a function of the class.
 * 3. Pixel (ch, r, c) = grey(r, c) · rgb[colour][ch]: the stroke takes the colour, the background
 *    stays black. Features are the 3×28×28 tensor, channel-major (NCHW without N), in [0, 1].
 * Draws come from the given Rng (one `float` for the bias coin and one `int` for the colour per image,
 * in row order), so the same seed gives the same colours.
 */
import type { Dataset, DatasetSchema } from '../core/dataset.ts';
import { createDataset, realProvenance } from '../core/dataset.ts';
import { BiasloopError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import type { MnistSource } from './mnist.ts';
import {
  MNIST_CLASSES,
  MNIST_PIXELS,
  MNIST_SIDE,
  imageFeatureNames,
  loadMnist,
  mnistSplit,
} from './mnist.ts';

export interface Colour {
  readonly name: string;
  /** Red, green and blue intensities in [0, 1]. */
  readonly rgb: readonly [number, number, number];
}

export const DEFAULT_PALETTE: readonly Colour[] = [
  { name: 'red', rgb: [1, 0, 0] },
  { name: 'green', rgb: [0, 1, 0] },
];

export interface ColorizeOptions {
  /** Probability that an image takes its class's majority colour outright (default 0.9). */
  readonly bias?: number;
  readonly palette?: readonly Colour[];
}

/** The schema shared by every Colorized-MNIST dataset with this palette. */
export function coloredMnistSchema(palette: readonly Colour[] = DEFAULT_PALETTE): DatasetSchema {
  return {
    featureNames: imageFeatureNames(['red', 'green', 'blue']),
    featureBlocks: [{ name: 'pixels', kind: 'numeric', start: 0, width: 3 * MNIST_PIXELS }],
    featureShape: [3, MNIST_SIDE, MNIST_SIDE],
    classNames: MNIST_CLASSES,
    attributes: [{ name: 'colour', levels: palette.map((c) => c.name) }],
    groupNames: palette.map((c) => c.name),
    groupLevels: palette.map((_, i) => [i]),
  };
}

function validate(bias: number, palette: readonly Colour[]): void {
  if (!(bias >= 0 && bias <= 1)) {
    throw new BiasloopError('data', `colour bias ${bias} must be in [0, 1]`, { field: 'bias' });
  }
  if (palette.length < 1)
    throw new BiasloopError('data', 'the palette needs at least one colour', { field: 'palette' });
  for (const c of palette) {
    if (c.rgb.length !== 3 || c.rgb.some((v) => !(v >= 0 && v <= 1))) {
      throw new BiasloopError('data', `colour '${c.name}' needs three intensities in [0, 1]`, {
        field: 'palette',
      });
    }
  }
}

/** Paint the source rows `indices` (see the construction above). */
export function colorizeMnist(
  source: MnistSource,
  indices: ArrayLike<number>,
  rng: Rng,
  options: ColorizeOptions = {},
): Dataset {
  const palette = options.palette ?? DEFAULT_PALETTE;
  const bias = options.bias ?? 0.9;
  validate(bias, palette);
  const k = palette.length;
  const n = indices.length;
  const d = 3 * MNIST_PIXELS;
  const x = new Float64Array(n * d);
  const y = new Int32Array(n);
  const group = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const i = indices[r];
    const label = source.labels[i];
    const coin = rng.float();
    const uniform = rng.int(k);
    const colour = coin < bias ? label % k : uniform;
    y[r] = label;
    group[r] = colour;
    const rgb = palette[colour].rgb;
    const base = r * d;
    const src = i * MNIST_PIXELS;
    for (let ch = 0; ch < 3; ch++) {
      const intensity = rgb[ch];
      if (intensity === 0) continue;
      const off = base + ch * MNIST_PIXELS;
      for (let p = 0; p < MNIST_PIXELS; p++) x[off + p] = source.images[src + p] * intensity;
    }
  }
  return createDataset({ schema: coloredMnistSchema(palette), x, y, group, provenance: realProvenance(n) });
}

export interface ColoredMnistOptions extends ColorizeOptions {
  readonly train?: number;
  readonly test?: number;
  /** Colour bias of the test set (default: the training bias). 0 gives a colour-balanced test set. */
  readonly testBias?: number;
  readonly seed?: number;
}

/**
 * Train and test Colorized-MNIST sets from the package's digits: split with `mnistSplit(seed)`,
 * colours from `Rng.stream(seed, 'colored-mnist', 'train' | 'test')`.
 */
export function coloredMnist(
  options: ColoredMnistOptions = {},
  source: MnistSource = loadMnist(),
): { train: Dataset; test: Dataset } {
  const seed = options.seed ?? 0;
  const split = mnistSplit(source, { train: options.train, test: options.test, seed });
  return {
    train: colorizeMnist(source, split.train, Rng.stream(seed, 'colored-mnist', 'train'), options),
    test: colorizeMnist(source, split.test, Rng.stream(seed, 'colored-mnist', 'test'), {
      ...options,
      bias: options.testBias ?? options.bias,
    }),
  };
}
