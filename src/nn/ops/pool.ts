/**
 * Pooling on NCHW tensors (no padding).
 *
 * MaxPool with non-overlapping windows (stride = kernel, the usual 2×2/2) runs onnxruntime's
 * vectorised MaxPool, without the `Indices` output: asking for indices switches it to a generic
 * per-element kernel, which took ~22% of the benchmark CNN's step. Its gradient goes to the first
 * maximum of each window in row-major order — PyTorch's and ONNX's tie rule, which matters: after a
 * conv over a flat image region all window values equal the bias, and a plain equality mask would
 * send the gradient to all of them. The windows are laid out as channels (`SpaceToDepth`), each
 * window position compared with the pooled maximum, the first match's flat index assembled on the
 * pooled grid (a quarter of the input for 2×2), and the gradient placed by `MaxUnpool`.
 *
 * Other strides keep the `Indices` output of ONNX MaxPool (flat positions in the input tensor):
 * stride > kernel routes by `MaxUnpool(dY, indices)` (DESIGN.md); with overlapping windows a
 * position can win several windows, so the gradient is a `ScatterElements(reduction='add')` of dY
 * onto the flattened input.
 * AveragePool's gradient is a depthwise ConvTranspose of dY with a constant 1/(k·k) kernel.
 */
import type { OpDefinition, Tensor } from '../graph.ts';
import { applyOp, apply1 } from '../graph.ts';
import type { Dim } from '../shape.ts';
import { formatShape, shapeError } from '../shape.ts';
import { reshapeLike, reshapeTo } from './emit.ts';

interface PoolAttrs {
  kernel: number;
  stride: number;
}

function pooledShape(op: string, x: Tensor, { kernel, stride }: PoolAttrs): (number | string)[] {
  if (x.rank !== 4) {
    throw shapeError(op, `input ${formatShape(x.shape)} must be 4-D NCHW (batch, channels, height, width)`);
  }
  const [, , h, w] = x.shape;
  if (typeof h !== 'number' || typeof w !== 'number') {
    throw shapeError(op, `height and width of ${formatShape(x.shape)} must be static`);
  }
  if (h < kernel || w < kernel) {
    throw shapeError(op, `kernel ${kernel}×${kernel} is larger than input ${formatShape(x.shape)}`);
  }
  return [
    x.shape[0],
    x.shape[1],
    Math.floor((h - kernel) / stride) + 1,
    Math.floor((w - kernel) / stride) + 1,
  ];
}

/** MaxPool with non-overlapping windows: one output, first-maximum gradient routing. */
const MaxPoolTiledOp: OpDefinition<PoolAttrs> = {
  name: 'MaxPool',
  infer: ([x], attrs) => [{ shape: pooledShape('MaxPool', x, attrs), dtype: x.dtype }],
  emit(g, [x], [y], { kernel }) {
    g.node('MaxPool', [x.name], [y], {
      kernel_shape: { ints: [kernel, kernel] },
      strides: { ints: [kernel, kernel] },
    });
  },
  backward({ inputs: [x], outputs: [y], outputGrads: [dy], needsGrad, attrs: { kernel: k } }) {
    if (dy === undefined || !needsGrad[0]) return [undefined];
    return [firstMaximumGradient(x, y, dy, k)];
  },
};

function firstMaximumGradient(x: Tensor, y: Tensor, dy: Tensor, k: number): Tensor {
  const g = dy.graph;
  const [n, c, h, w] = x.shape as [Dim, number, number, number];
  const ho = y.shape[2] as number;
  const wo = y.shape[3] as number;
  const hc = ho * k;
  const wc = wo * k;
  const pooled = { shape: [n, c, ho, wo], dtype: x.dtype };
  // Rows and columns past the last whole window never win: leave them out.
  const xc =
    hc === h && wc === w
      ? x
      : g.raw1('Slice', [x, g.int64s([0, 0]), g.int64s([hc, wc]), g.int64s([2, 3])], {
          shape: [n, c, hc, wc],
          dtype: x.dtype,
        });
  // Channel (a·k + b)·C + ch holds window position (a, b) of channel ch.
  const tiles = g.raw1(
    'SpaceToDepth',
    [xc],
    { shape: [n, k * k * c, ho, wo], dtype: x.dtype },
    { blocksize: { int: k } },
  );
  const positions = g.raw(
    'Split',
    [tiles, g.int64s(new Array<number>(k * k).fill(c))],
    Array.from({ length: k * k }, () => pooled),
    { axis: { int: 1 } },
  );
  // Offset of the first position holding the maximum inside its window (a·W + b): chosen from the
  // last position to the first, so the earliest match is applied last and wins.
  const offsets = { shape: [n, c, ho, wo], dtype: 'int64' as const };
  let offset = g.int64s([(k - 1) * w + (k - 1)]);
  for (let j = k * k - 2; j >= 0; j--) {
    const equal = g.raw1('Equal', [positions[j], y], { shape: [n, c, ho, wo], dtype: 'bool' });
    offset = g.raw1('Where', [equal, g.int64s([Math.floor(j / k) * w + (j % k)]), offset], offsets);
  }
  // Flat input index of window (i, j)'s top-left element in sample s: ((s·C + ch)·H + k·i)·W + k·j.
  const corner = new Array<number>(c * ho * wo);
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < ho; i++) {
      for (let j = 0; j < wo; j++) corner[(ch * ho + i) * wo + j] = (ch * h + k * i) * w + k * j;
    }
  }
  const batchSize = g.raw1(
    'Squeeze',
    [g.raw1('Gather', [g.shapeOf(x), g.int64s([0])], { shape: [1], dtype: 'int64' }, { axis: { int: 0 } })],
    { shape: [], dtype: 'int64' },
  );
  const sampleStart = g.raw1(
    'Mul',
    [
      g.raw1('Range', [g.constant([0], [], 'int64'), batchSize, g.constant([1], [], 'int64')], {
        shape: [n],
        dtype: 'int64',
      }),
      g.constant([c * h * w], [], 'int64'),
    ],
    { shape: [n], dtype: 'int64' },
  );
  const indices = g.raw1(
    'Add',
    [
      g.raw1('Add', [offset, g.constant(corner, [1, c, ho, wo], 'int64')], offsets),
      g.raw1('Reshape', [sampleStart, g.int64s([-1, 1, 1, 1])], { shape: [n, 1, 1, 1], dtype: 'int64' }),
    ],
    offsets,
  );
  return placeGradient(x, dy, indices, k, k);
}

/**
 * dX: each element of dY added at its flat input index. `MaxUnpool` where onnxruntime has a kernel
 * (float32, windows that do not overlap); a `ScatterElements(reduction='add')` onto the flattened
 * input otherwise (float64, or a position that wins several overlapping windows).
 */
function placeGradient(x: Tensor, dy: Tensor, indices: Tensor, kernel: number, stride: number): Tensor {
  const g = dy.graph;
  if (stride >= kernel && dy.dtype === 'float32') {
    return g.raw1(
      'MaxUnpool',
      [dy, indices, g.shapeOf(x)],
      { shape: x.shape, dtype: dy.dtype },
      { kernel_shape: { ints: [kernel, kernel] }, strides: { ints: [stride, stride] } },
    );
  }
  const flatX = reshapeTo(x, [-1]);
  const empty = g.raw1('Mul', [flatX, g.scalar(0, x.dtype)], { shape: flatX.shape, dtype: x.dtype });
  const scattered = g.raw1(
    'ScatterElements',
    [empty, reshapeTo(indices, [-1]), reshapeTo(dy, [-1])],
    { shape: flatX.shape, dtype: x.dtype },
    { axis: { int: 0 }, reduction: { string: 'add' } },
  );
  return reshapeLike(scattered, x);
}

/** MaxPool with any other stride: keeps the indices output for the backward pass. */
const MaxPoolIndexedOp: OpDefinition<PoolAttrs> = {
  name: 'MaxPool',
  infer([x], attrs) {
    const shape = pooledShape('MaxPool', x, attrs);
    return [
      { shape, dtype: x.dtype },
      { shape, dtype: 'int64' },
    ];
  },
  emit(g, [x], outputs, { kernel, stride }) {
    g.node('MaxPool', [x.name], outputs, {
      kernel_shape: { ints: [kernel, kernel] },
      strides: { ints: [stride, stride] },
    });
  },
  backward({ inputs: [x], outputs: [, indices], outputGrads: [dy], needsGrad, attrs: { kernel, stride } }) {
    if (dy === undefined || !needsGrad[0]) return [undefined];
    return [placeGradient(x, dy, indices, kernel, stride)];
  },
};

/** Max pooling with a square kernel (stride defaults to the kernel size). */
export function maxPool2d(x: Tensor, kernel: number, stride = kernel): Tensor {
  if (stride === kernel) return apply1(MaxPoolTiledOp, [x], { kernel, stride });
  return applyOp(MaxPoolIndexedOp, [x], { kernel, stride })[0];
}

const AvgPoolOp: OpDefinition<PoolAttrs> = {
  name: 'AveragePool',
  infer: ([x], attrs) => [{ shape: pooledShape('AveragePool', x, attrs), dtype: x.dtype }],
  emit(g, [x], [y], { kernel, stride }) {
    g.node('AveragePool', [x.name], [y], {
      kernel_shape: { ints: [kernel, kernel] },
      strides: { ints: [stride, stride] },
    });
  },
  backward({ inputs: [x], outputGrads: [dy], needsGrad, attrs: { kernel, stride } }) {
    if (dy === undefined || !needsGrad[0]) return [undefined];
    const g = dy.graph;
    const channels = x.shape[1] as number;
    const h = x.shape[2] as number;
    const w = x.shape[3] as number;
    const kernelValues = new Array<number>(channels * kernel * kernel).fill(1 / (kernel * kernel));
    const k = g.constant(kernelValues, [channels, 1, kernel, kernel], x.dtype);
    return [
      g.raw1(
        'ConvTranspose',
        [dy, k],
        { shape: x.shape, dtype: x.dtype },
        {
          strides: { ints: [stride, stride] },
          group: { int: channels },
          output_padding: { ints: [(h - kernel) % stride, (w - kernel) % stride] },
        },
      ),
    ];
  },
};

/** Average pooling with a square kernel (stride defaults to the kernel size), no padding. */
export function avgPool2d(x: Tensor, kernel: number, stride = kernel): Tensor {
  return apply1(AvgPoolOp, [x], { kernel, stride });
}
