/**
 * 2-D convolution and transposed convolution on NCHW tensors (group 1, dilation 1).
 *
 * Backward recipes (DESIGN.md, checked against finite differences in test/nn/ops-grad.test.ts):
 * - Conv: dX = ConvTranspose(dZ, W) with output padding restoring H×W; dW = one Gemm of dZᵀ with the
 *   matrix of the input's kh·kw shifted windows (convWeightGradient); db = ReduceSum(dZ, [0,2,3]).
 * - ConvTranspose: dX = Conv(dY, W) with the forward stride and padding; dW = Transpose(Conv(dYᵀ, Xᵀ))
 *   with the stride as dilation, cropped to kh×kw; db = ReduceSum(dY, [0,2,3]).
 */
import type { OpDefinition, Tensor } from '../graph.ts';
import { apply1 } from '../graph.ts';
import type { Dim } from '../shape.ts';
import { formatShape, shapeError } from '../shape.ts';
import { reduce, reshapeTo, transposeRaw } from './emit.ts';

export interface Conv2dOptions {
  readonly stride?: number;
  readonly padding?: number;
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  /** Extra rows/columns added at the bottom/right of the output (0 ≤ outputPadding < stride). */
  readonly outputPadding?: number;
}

interface ConvAttrs {
  stride: number;
  padding: number;
  outputPadding: number;
}

function spatial(op: string, d: Dim, what: string, shapeText: string): number {
  if (typeof d !== 'number') throw shapeError(op, `${what} of ${shapeText} must be static`);
  return d;
}

function checkImage(op: string, x: Tensor): void {
  if (x.rank !== 4) {
    throw shapeError(op, `input ${formatShape(x.shape)} must be 4-D NCHW (batch, channels, height, width)`);
  }
}

/**
 * dW of a convolution as one matrix product: dW[o, c, a, b] = Σ_{n,i,j} dZ[n,o,i,j]·X̃[n,c,s·i+a,s·j+b]
 * (X̃ the padded input). The kh·kw shifted (strided) windows of Xᵀ = [C, N, H, W] are stacked into a
 * [kh·kw·C, N·Ho·Wo] patch matrix and multiplied by dZᵀ = [O, N·Ho·Wo] in one Gemm. This replaced a
 * `Conv` of Xᵀ with dZᵀ as a Ho×Wo kernel, which onnxruntime runs through an im2col of that huge
 * kernel: the two weight gradients of the benchmark CNN took 7.3 ms of a 23 ms step that way.
 */
function convWeightGradient(x: Tensor, w: Tensor, dz: Tensor, stride: number, padding: number): Tensor {
  const g = dz.graph;
  const [O, C, kh, kw] = w.shape as number[];
  const ho = dz.shape[2] as number;
  const wo = dz.shape[3] as number;
  const n = x.shape[0];
  let xt = transposeRaw(x, [1, 0, 2, 3]); // [C, N, H, W]
  if (padding > 0) {
    const p = padding;
    xt = g.raw1(
      'Pad',
      [xt, g.int64s([0, 0, p, p, 0, 0, p, p]), g.scalar(0, x.dtype)],
      { shape: [C, n, (x.shape[2] as number) + 2 * p, (x.shape[3] as number) + 2 * p], dtype: x.dtype },
      { mode: { string: 'constant' } },
    );
  }
  const windows: Tensor[] = [];
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      windows.push(
        g.raw1(
          'Slice',
          [
            xt,
            g.int64s([a, b]),
            g.int64s([a + stride * (ho - 1) + 1, b + stride * (wo - 1) + 1]),
            g.int64s([2, 3]),
            g.int64s([stride, stride]),
          ],
          { shape: [C, n, ho, wo], dtype: x.dtype },
        ),
      );
    }
  }
  const stacked =
    windows.length === 1
      ? windows[0]
      : g.raw1('Concat', windows, { shape: [kh * kw * C, n, ho, wo], dtype: x.dtype }, { axis: { int: 0 } });
  const patches = reshapeTo(stacked, [kh * kw * C, -1]);
  const dzt = reshapeTo(transposeRaw(dz, [1, 0, 2, 3]), [O, -1]);
  const flat = g.raw1(
    'Gemm',
    [dzt, patches],
    { shape: [O, kh * kw * C], dtype: x.dtype },
    { transB: { int: 1 } },
  );
  return transposeRaw(reshapeTo(flat, [O, kh, kw, C]), [0, 3, 1, 2]);
}

const Conv2dOp: OpDefinition<ConvAttrs> = {
  name: 'Conv2D',
  infer([x, w, b], { stride, padding }) {
    checkImage('Conv2D', x);
    if (w.rank !== 4) throw shapeError('Conv2D', `weight ${formatShape(w.shape)} must be [out, in, kh, kw]`);
    if (x.shape[1] !== w.shape[1]) {
      throw shapeError(
        'Conv2D',
        `input ${formatShape(x.shape)} has ${x.shape[1]} channels but weight ${formatShape(w.shape)} expects ${w.shape[1]}`,
      );
    }
    if (b !== undefined && (b.rank !== 1 || b.shape[0] !== w.shape[0])) {
      throw shapeError('Conv2D', `bias ${formatShape(b.shape)} must be [${w.shape[0]}]`);
    }
    const sx = formatShape(x.shape);
    const h = spatial('Conv2D', x.shape[2], 'height', sx);
    const wd = spatial('Conv2D', x.shape[3], 'width', sx);
    const kh = w.shape[2] as number;
    const kw = w.shape[3] as number;
    const ho = Math.floor((h + 2 * padding - kh) / stride) + 1;
    const wo = Math.floor((wd + 2 * padding - kw) / stride) + 1;
    if (ho < 1 || wo < 1) {
      throw shapeError('Conv2D', `kernel ${kh}×${kw} does not fit input ${sx} with padding ${padding}`);
    }
    return [{ shape: [x.shape[0], w.shape[0], ho, wo], dtype: x.dtype }];
  },
  emit(g, inputs, [y], { stride, padding }) {
    g.node(
      'Conv',
      inputs.map((t) => t.name),
      [y],
      {
        strides: { ints: [stride, stride] },
        pads: { ints: [padding, padding, padding, padding] },
      },
    );
  },
  backward({ inputs: [x, w, b], outputGrads: [dz], needsGrad, attrs: { stride, padding } }) {
    if (dz === undefined) return [undefined, undefined, undefined];
    const g = dz.graph;
    const h = x.shape[2] as number;
    const wd = x.shape[3] as number;
    const kh = w.shape[2] as number;
    const kw = w.shape[3] as number;
    let dx: Tensor | undefined;
    if (needsGrad[0]) {
      const oph = (h + 2 * padding - kh) % stride;
      const opw = (wd + 2 * padding - kw) % stride;
      dx = g.raw1(
        'ConvTranspose',
        [dz, w],
        { shape: x.shape, dtype: x.dtype },
        {
          strides: { ints: [stride, stride] },
          pads: { ints: [padding, padding, padding, padding] },
          output_padding: { ints: [oph, opw] },
        },
      );
    }
    const dw = needsGrad[1] ? convWeightGradient(x, w, dz, stride, padding) : undefined;
    const db = b !== undefined && needsGrad[2] ? reduce('ReduceSum', dz, [0, 2, 3], false) : undefined;
    return [dx, dw, db];
  },
};

/** Conv2D: x [N, C, H, W], weight [O, C, kh, kw], optional bias [O] → [N, O, Ho, Wo]. */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | undefined, options: Conv2dOptions = {}): Tensor {
  const attrs = { stride: options.stride ?? 1, padding: options.padding ?? 0, outputPadding: 0 };
  return apply1(Conv2dOp, b === undefined ? [x, w] : [x, w, b], attrs);
}

const ConvTranspose2dOp: OpDefinition<ConvAttrs> = {
  name: 'ConvTranspose2D',
  infer([x, w, b], { stride, padding, outputPadding }) {
    checkImage('ConvTranspose2D', x);
    if (w.rank !== 4) {
      throw shapeError('ConvTranspose2D', `weight ${formatShape(w.shape)} must be [in, out, kh, kw]`);
    }
    if (x.shape[1] !== w.shape[0]) {
      throw shapeError(
        'ConvTranspose2D',
        `input ${formatShape(x.shape)} has ${x.shape[1]} channels but weight ${formatShape(w.shape)} expects ${w.shape[0]}`,
      );
    }
    if (b !== undefined && (b.rank !== 1 || b.shape[0] !== w.shape[1])) {
      throw shapeError('ConvTranspose2D', `bias ${formatShape(b.shape)} must be [${w.shape[1]}]`);
    }
    if (outputPadding < 0 || outputPadding >= stride) {
      throw shapeError('ConvTranspose2D', `outputPadding ${outputPadding} must be in 0..${stride - 1}`);
    }
    const sx = formatShape(x.shape);
    const h = spatial('ConvTranspose2D', x.shape[2], 'height', sx);
    const wd = spatial('ConvTranspose2D', x.shape[3], 'width', sx);
    const kh = w.shape[2] as number;
    const kw = w.shape[3] as number;
    const ho = (h - 1) * stride - 2 * padding + kh + outputPadding;
    const wo = (wd - 1) * stride - 2 * padding + kw + outputPadding;
    if (ho < 1 || wo < 1) throw shapeError('ConvTranspose2D', `output would be empty for input ${sx}`);
    return [{ shape: [x.shape[0], w.shape[1], ho, wo], dtype: x.dtype }];
  },
  emit(g, inputs, [y], { stride, padding, outputPadding }) {
    g.node(
      'ConvTranspose',
      inputs.map((t) => t.name),
      [y],
      {
        strides: { ints: [stride, stride] },
        pads: { ints: [padding, padding, padding, padding] },
        output_padding: { ints: [outputPadding, outputPadding] },
      },
    );
  },
  backward({ inputs: [x, w, b], outputs: [y], outputGrads: [dy], needsGrad, attrs: { stride, padding } }) {
    if (dy === undefined) return [undefined, undefined, undefined];
    const g = dy.graph;
    let dx: Tensor | undefined;
    if (needsGrad[0]) {
      dx = g.raw1(
        'Conv',
        [dy, w],
        { shape: x.shape, dtype: x.dtype },
        {
          strides: { ints: [stride, stride] },
          pads: { ints: [padding, padding, padding, padding] },
        },
      );
    }
    let dw: Tensor | undefined;
    if (needsGrad[1]) {
      const kh = w.shape[2] as number;
      const kw = w.shape[3] as number;
      const dyt = transposeRaw(dy, [1, 0, 2, 3]); // [Co, N, Ho, Wo]
      const xt = transposeRaw(x, [1, 0, 2, 3]); // [Ci, N, H, W]
      const fullH = (y.shape[2] as number) + 2 * padding - stride * ((x.shape[2] as number) - 1);
      const fullW = (y.shape[3] as number) + 2 * padding - stride * ((x.shape[3] as number) - 1);
      let dwt = g.raw1(
        'Conv',
        [dyt, xt],
        { shape: [w.shape[1], w.shape[0], fullH, fullW], dtype: x.dtype },
        {
          dilations: { ints: [stride, stride] },
          pads: { ints: [padding, padding, padding, padding] },
        },
      );
      if (fullH !== kh || fullW !== kw) {
        dwt = g.raw1('Slice', [dwt, g.int64s([0, 0]), g.int64s([kh, kw]), g.int64s([2, 3])], {
          shape: [w.shape[1], w.shape[0], kh, kw],
          dtype: x.dtype,
        });
      }
      dw = transposeRaw(dwt, [1, 0, 2, 3]);
    }
    const db = b !== undefined && needsGrad[2] ? reduce('ReduceSum', dy, [0, 2, 3], false) : undefined;
    return [dx, dw, db];
  },
};

/** ConvTranspose2D: x [N, Ci, H, W], weight [Ci, Co, kh, kw], optional bias [Co]. */
export function convTranspose2d(
  x: Tensor,
  w: Tensor,
  b: Tensor | undefined,
  options: ConvTranspose2dOptions = {},
): Tensor {
  const attrs = {
    stride: options.stride ?? 1,
    padding: options.padding ?? 0,
    outputPadding: options.outputPadding ?? 0,
  };
  return apply1(ConvTranspose2dOp, b === undefined ? [x, w] : [x, w, b], attrs);
}
