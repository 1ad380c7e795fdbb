import { describe, expect, it } from 'vitest';
import { Graph } from '../../src/nn/graph.ts';
import { gradients } from '../../src/nn/autodiff.ts';
import { encodeGraph } from '../../src/nn/onnx/encode.ts';
import { OrtSession, OrtTensor } from '../../src/nn/runtime/ort-session.ts';
import { mul } from '../../src/nn/ops/elementwise.ts';
import { reduceSum } from '../../src/nn/ops/reduce.ts';
import { maxPool2d } from '../../src/nn/ops/pool.ts';

/** ∂(Σ maxPool(x) ⊙ r)/∂x for one NCHW input, through onnxruntime. */
function poolGradient(
  x: number[],
  shape: [number, number, number, number],
  r: number[],
  kernel: number,
  stride = kernel,
): number[] {
  const g = new Graph({ floatType: 'float32' });
  const xi = g.input('x', shape, { requiresGrad: true });
  const y = maxPool2d(xi, kernel, stride);
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
});
