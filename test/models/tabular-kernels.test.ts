import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import {
  CentredGramKernel,
  CorrelatedRowsKernel,
  JsLogisticLoss,
  OrtLogisticLoss,
  ORT_MIN_WORK,
} from '../../src/models/tabular-kernels.ts';

describe('tabular kernels (onnxruntime path vs plain JavaScript)', () => {
  it('compute the same weighted logistic loss and gradient', () => {
    const n = 3000;
    const d = 15;
    expect(n * d).toBeGreaterThanOrEqual(ORT_MIN_WORK);
    const rng = Rng.stream(0, 'kernel');
    const x = rng.fillNormal(new Float64Array(n * d));
    const y = Int32Array.from({ length: n }, () => (rng.float() < 0.4 ? 1 : 0));
    const w = Float64Array.from({ length: n }, () => 0.5 + rng.float());
    const beta = rng.fillNormal(new Float64Array(d));
    for (const weights of [undefined, w]) {
      const gJs = new Float64Array(d);
      const gOrt = new Float64Array(d);
      const a = new JsLogisticLoss(x, y, weights, n, d).evaluate(beta, 0.3, gJs);
      const b = new OrtLogisticLoss(x, y, weights, n, d).evaluate(beta, 0.3, gOrt);
      expect(Math.abs(a.loss - b.loss) / a.loss).toBeLessThan(1e-12);
      expect(Math.abs(a.residualSum - b.residualSum)).toBeLessThan(1e-9);
      for (let j = 0; j < d; j++)
        expect(Math.abs(gJs[j] - gOrt[j])).toBeLessThan(1e-9 * (1 + Math.abs(gJs[j])));
    }
  });

  it('turn standard normal draws into the same correlated rows', () => {
    const d = 12;
    const l = new Float64Array(d * d);
    const rng = Rng.stream(1, 'chol');
    for (let i = 0; i < d; i++)
      for (let k = 0; k <= i; k++) l[i * d + k] = i === k ? 1 + rng.float() : rng.normal();
    const mean = rng.fillNormal(new Float64Array(d));
    const small = 10;
    const big = 2000; // above the onnxruntime threshold
    const kernel = new CorrelatedRowsKernel();
    const z = rng.fillNormal(new Float64Array(big * d));
    // Both write at an offset into a larger array; the cells around the written block stay untouched.
    const offset = 3 * d;
    const viaOrt = new Float64Array(offset + big * d + d).fill(-7);
    kernel.transformInto(viaOrt, offset, z, l, mean, 0.7, big, d);
    const head = new Float64Array(offset + small * d + d).fill(-7);
    kernel.transformInto(head, offset, z.subarray(0, small * d), l, mean, 0.7, small, d); // JavaScript path
    for (let i = 0; i < small * d; i++) {
      expect(Math.abs(viaOrt[offset + i] - head[offset + i])).toBeLessThan(1e-12);
    }
    // Row 0 by hand: μ + 0.7·L·z₀.
    for (let i = 0; i < d; i++) {
      let v = 0;
      for (let k = 0; k <= i; k++) v += l[i * d + k] * z[k];
      expect(viaOrt[offset + i]).toBeCloseTo(mean[i] + 0.7 * v, 12);
    }
    for (const out of [viaOrt, head]) {
      expect(Array.from(out.subarray(0, offset))).toEqual(new Array(offset).fill(-7));
      expect(Array.from(out.subarray(out.length - d))).toEqual(new Array(d).fill(-7));
    }
  });
});

describe('CentredGramKernel', () => {
  it('gives the same weighted centred Gram matrix on both paths', () => {
    const d = 10;
    const n = 2000;
    const rng = Rng.stream(2, 'gram');
    const x = rng.fillNormal(new Float64Array(n * d));
    const w = Float64Array.from({ length: n }, () => rng.float() * 2);
    const mean = rng.fillNormal(new Float64Array(d));
    const rows = Int32Array.from({ length: n }, (_, i) => i);
    const k = new CentredGramKernel();
    const big = k.compute(x, d, rows, mean, w, 'row');
    // Reference: the triangular loop on a subset small enough for the JavaScript path, summed in parts.
    const ref = new Float64Array(d * d);
    for (let start = 0; start < n; start += 20) {
      const part = k.compute(x, d, rows.subarray(start, start + 20), mean, w, 'row');
      for (let i = 0; i < d * d; i++) ref[i] += part[i];
    }
    for (let i = 0; i < d * d; i++)
      expect(Math.abs(big[i] - ref[i])).toBeLessThan(1e-9 * (1 + Math.abs(ref[i])));
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) expect(big[a * d + b]).toBe(big[b * d + a]);
  });
});
