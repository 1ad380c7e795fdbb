import { describe, expect, it } from 'vitest';
import { Graph } from '../../src/nn/graph.ts';
import { gradients } from '../../src/nn/autodiff.ts';
import { encodeGraph } from '../../src/nn/onnx/encode.ts';
import { OrtSession, OrtTensor } from '../../src/nn/runtime/ort-session.ts';
import { mul } from '../../src/nn/ops/elementwise.ts';
import { reduceSum } from '../../src/nn/ops/reduce.ts';
import { maxPool2d } from '../../src/nn/ops/pool.ts';
import { relu } from '../../src/nn/ops/activations.ts';

/** ∂(Σ maxPool(x) ⊙ r)/∂x for one NCHW input, through onnxruntime. */
function poolGradient(
  x: number[],
  shape: [number, number, number, number],
  r: number[],
  kernel: number,
  stride = kernel,
  order: 'pool' | 'relu-pool' | 'pool-relu' = 'pool',
): number[] {
  const g = new Graph({ floatType: 'float32' });
  const xi = g.input('x', shape, { requiresGrad: true });
  const y =
    order === 'pool'
      ? maxPool2d(xi, kernel, stride)
      : order === 'relu-pool'
        ? maxPool2d(relu(xi), kernel, stride)
        : relu(maxPool2d(xi, kernel, stride));
  const loss = reduceSum(mul(y, g.constant(r, y.shape as number[])));
  const [dx] = gradients(loss, [xi]);
  g.output('dx', dx);
  const out = new OrtSession(encodeGraph(g)).run(
    { x: new OrtTensor('float32', Float32Array.from(x), shape) },
    ['dx'],
  );
  return Array.from(out.dx.data as Float32Array);
}

describe('max-pool gradient on ties: the first maximum in row-major order wins (as PyTorch)', () => {
  it('routes each window to one position only, also in flat regions', () => {
    // Two 2×2 windows: all four equal (a flat region after a conv: every value is the bias), and a
    // maximum of 2 reached at (0,1), (1,0) and (1,1).
    const x = [5, 5, 1, 2, 5, 5, 2, 2];
    const dx = poolGradient(x, [1, 1, 2, 4], [3, 7], 2);
    expect(dx).toEqual([3, 0, 0, 7, 0, 0, 0, 0]);
  });

  it('gives cropped rows and columns (past the last whole window) zero gradient', () => {
    // 3×3 input, 2×2 windows: one window; the maximum 9 sits in the cropped last row.
    const x = [1, 4, 2, 3, 2, 0, 9, 9, 9];
    const dx = poolGradient(x, [1, 1, 3, 3], [1], 2);
    expect(dx).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('agrees with the indexed route (stride > kernel) on the same ties', () => {
    const x = [5, 5, 0, 1, 1, 5, 5, 0, 1, 1];
    // 2×5 input, 2×2 windows at stride 3: windows at columns 0–1 and 3–4.
    const dx = poolGradient(x, [1, 1, 2, 5], [2, 4], 2, 3);
    expect(dx).toEqual([2, 0, 0, 4, 0, 0, 0, 0, 0, 0]);
  });

  it('gives ReLU then max-pool the same gradient as max-pool then ReLU (the CNN computes the latter)', () => {
    // 2×2 windows: all negative; a zero among negatives; all zero; positive ties; one positive;
    // negative ties below a zero; and an ordinary window.
    const x = [
      [-1, -2, -3, -0.5],
      [0, -1, -2, 0],
      [0, 0, 0, 0],
      [2, 2, -1, 2],
      [-1, 3, -1, -1],
      [-2, -2, 0, -2],
      [0.5, -1, 1.5, 0.25],
    ];
    // Lay the windows side by side: a 2 × 14 image whose 2×2 windows are the rows above.
    const img = new Array<number>(28);
    x.forEach((w, k) => {
      img[2 * k] = w[0];
      img[2 * k + 1] = w[1];
      img[14 + 2 * k] = w[2];
      img[14 + 2 * k + 1] = w[3];
    });
    const r = [3, 5, 7, 11, 13, 17, 19];
    const a = poolGradient(img, [1, 1, 2, 14], r, 2, 2, 'relu-pool');
    const b = poolGradient(img, [1, 1, 2, 14], r, 2, 2, 'pool-relu');
    expect(b).toEqual(a);
    // Only the positive windows pass a gradient, to their first maximum.
    expect(a.filter((v) => v !== 0)).toEqual([11, 13, 19]);
  });
});
