/**
 * Pooling on NCHW tensors (no padding).
 *
 * MaxPool keeps the `Indices` output of ONNX MaxPool (flat positions in the input tensor). When
 * windows do not overlap (stride ≥ kernel) the gradient is `MaxUnpool(dY, indices)` (DESIGN.md);
 * with overlapping windows a position can win several windows, so the gradient is a
 * `ScatterElements(reduction='add')` of dY onto the flattened input.
 * AveragePool's gradient is a depthwise ConvTranspose of dY with a constant 1/(k·k) kernel.
 *
 * ORT's MaxPool is much slower with the Indices output than without (~24% of the benchmark CNN's
 * step in a profile), but the index-free alternative, Equal(x, upsampled y) as a mask, sends the
 * gradient to every tied maximum: after a conv over a flat image region all four window values equal
 * the bias, so bias gradients would differ from PyTorch's. We keep the exact, indexed recipe.
 */
import type { OpDefinition, Tensor } from '../graph.ts';
import { applyOp, apply1 } from '../graph.ts';
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

const MaxPoolOp: OpDefinition<PoolAttrs> = {
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
    const g = dy.graph;
    if (stride >= kernel) {
      return [
        g.raw1(
          'MaxUnpool',
          [dy, indices, g.shapeOf(x)],
          { shape: x.shape, dtype: x.dtype },
          {
            kernel_shape: { ints: [kernel, kernel] },
            strides: { ints: [stride, stride] },
          },
        ),
      ];
    }
    const flatX = reshapeTo(x, [-1]);
    const empty = g.raw1('Mul', [flatX, g.scalar(0, x.dtype)], { shape: flatX.shape, dtype: x.dtype });
    const flatIdx = reshapeTo(indices, [-1]);
    const flatDy = reshapeTo(dy, [-1]);
    const scattered = g.raw1(
      'ScatterElements',
      [empty, flatIdx, flatDy],
      { shape: flatX.shape, dtype: x.dtype },
      {
        axis: { int: 0 },
        reduction: { string: 'add' },
      },
    );
    return [reshapeLike(scattered, x)];
  },
};

/** Max pooling with a square kernel (stride defaults to the kernel size). */
export function maxPool2d(x: Tensor, kernel: number, stride = kernel): Tensor {
  return applyOp(MaxPoolOp, [x], { kernel, stride })[0];
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
