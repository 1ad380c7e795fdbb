import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { LogisticRegression } from '../../src/models/logistic.ts';
import { smallDataset } from '../helpers.ts';

const X = [
  [0.5, 1.2],
  [1.5, -0.3],
  [-0.7, 0.8],
  [2.2, 1.1],
  [-1.3, -0.9],
  [0.1, 0.4],
  [1.1, 2.0],
  [-0.4, -1.5],
  [0.9, -0.2],
  [-2.0, 0.3],
];
const Y = [1, 1, 0, 1, 0, 0, 1, 0, 1, 0];
const G = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
const ctx = { rng: Rng.stream(0, 'test') };

describe('LogisticRegression', () => {
  it('equals the closed form of the saturated model (one binary feature, no penalty)', () => {
    // x ∈ {0,1}: the MLE reproduces the empirical rates, b = logit(p0), β = logit(p1) − logit(p0).
    const x: number[][] = [];
    const y: number[] = [];
    const cells = [
      [0, 0, 7],
      [0, 1, 3],
      [1, 0, 2],
      [1, 1, 6],
    ];
    for (const [xv, yv, count] of cells) {
      for (let i = 0; i < count; i++) {
        x.push([xv]);
        y.push(yv);
      }
    }
    const ds = smallDataset(
      x,
      y,
      y.map(() => 0),
    );
    const logit = (p: number): number => Math.log(p / (1 - p));
    for (const solver of ['lbfgs', 'newton'] as const) {
      const m = new LogisticRegression({ l2: 0, solver, tol: 1e-12, maxIter: 500 });
      const report = m.fit(ds, ctx);
      expect(report.converged).toBe(true);
      expect(m.intercept).toBeCloseTo(logit(3 / 10), 9);
      expect(m.coef[0]).toBeCloseTo(logit(6 / 8) - logit(3 / 10), 9);
    }
  });

  it('matches a Newton reference on a small penalised problem to 1e-6 (unweighted and weighted)', () => {
    // Reference: plain numpy Newton (100 iterations) on the same objective — standardised features,
    // mean log-loss + 0.05‖β‖², intercept unpenalised; scikit-learn's newton-cg with
    // C = 1/(λ·Σw) agrees with it to 1e-8.
    const ds = smallDataset(X, Y, G);
    const unweighted = { coef: [1.106198329664766, 0.48222322269449036], intercept: -0.3796734014003247 };
    const weighted = { coef: [1.0658470685466939, 0.3443456995410071], intercept: -0.5480582546958404 };
    const w = Float64Array.from([1, 2, 0.5, 1, 1, 3, 1, 0.25, 1, 2.0]);
    for (const solver of ['lbfgs', 'newton'] as const) {
      const m = new LogisticRegression({ l2: 0.1, solver, tol: 1e-10 });
      m.fit(ds, ctx);
      expect(Math.abs(m.coef[0] - unweighted.coef[0])).toBeLessThan(1e-6);
      expect(Math.abs(m.coef[1] - unweighted.coef[1])).toBeLessThan(1e-6);
      expect(Math.abs(m.intercept - unweighted.intercept)).toBeLessThan(1e-6);
      m.fit(ds, { ...ctx, sampleWeight: w });
      expect(Math.abs(m.coef[0] - weighted.coef[0])).toBeLessThan(1e-6);
      expect(Math.abs(m.coef[1] - weighted.coef[1])).toBeLessThan(1e-6);
      expect(Math.abs(m.intercept - weighted.intercept)).toBeLessThan(1e-6);
    }
  });

  it('integer sample weights equal repeated rows', () => {
    const ds = smallDataset(X, Y, G);
    const w = Float64Array.from([1, 2, 1, 3, 1, 1, 2, 1, 1, 1]);
    const rep: number[] = [];
    w.forEach((k, i) => {
      for (let r = 0; r < k; r++) rep.push(i);
    });
    const repeated = smallDataset(
      rep.map((i) => X[i]),
      rep.map((i) => Y[i]),
      rep.map((i) => G[i]),
    );
    const a = new LogisticRegression({ l2: 0.05, tol: 1e-10 });
    a.fit(ds, { ...ctx, sampleWeight: w });
    const b = new LogisticRegression({ l2: 0.05, tol: 1e-10 });
    b.fit(repeated, ctx);
    expect(Math.abs(a.coef[0] - b.coef[0])).toBeLessThan(1e-7);
    expect(Math.abs(a.intercept - b.intercept)).toBeLessThan(1e-7);
  });

  it('predicts probabilities that sum to one and hard labels from the 0.5 threshold', () => {
    const ds = smallDataset(X, Y, G);
    const m = new LogisticRegression();
    m.fit(ds, ctx);
    const p = m.predictProba(ds.x, ds.n);
    const yhat = m.predict(ds.x, ds.n);
    for (let i = 0; i < ds.n; i++) {
      expect(p[2 * i] + p[2 * i + 1]).toBeCloseTo(1, 12);
      expect(yhat[i]).toBe(p[2 * i + 1] > 0.5 ? 1 : 0);
    }
  });

  it('continues from its weights with warmStart and round-trips its state', () => {
    const ds = smallDataset(X, Y, G);
    const m = new LogisticRegression({ l2: 0.1, tol: 1e-10 });
    const cold = m.fit(ds, ctx);
    const warm = m.fit(ds, { ...ctx, warmStart: true });
    expect(warm.iterations).toBeLessThan(cold.iterations);
    expect(warm.iterations).toBeLessThanOrEqual(1);
    const copy = new LogisticRegression();
    copy.importState(m.exportState());
    expect(Array.from(copy.predictProba(ds.x, ds.n))).toEqual(Array.from(m.predictProba(ds.x, ds.n)));
  });

  it('reports non-convergence instead of throwing, and rejects bad input', () => {
    const ds = smallDataset(X, Y, G);
    const m = new LogisticRegression({ maxIter: 1, tol: 1e-14 });
    expect(m.fit(ds, ctx).converged).toBe(false);
    expect(() => new LogisticRegression({ l2: -1 })).toThrow(/model.l2/);
    expect(() => new LogisticRegression().predict(ds.x, ds.n)).toThrow(/before fit/);
    const other = new LogisticRegression();
    other.fit(ds, ctx);
    expect(() => other.predict(new Float64Array(3), 1)).toThrow(/expected 1×2 features/);
  });

  it('fit twice with the same inputs gives the same model and never mutates the inputs', () => {
    const ds = smallDataset(X, Y, G);
    const before = Float64Array.from(ds.x);
    const a = new LogisticRegression();
    a.fit(ds, ctx);
    const b = new LogisticRegression();
    b.fit(ds, ctx);
    expect(Array.from(a.coef)).toEqual(Array.from(b.coef));
    expect(Array.from(ds.x)).toEqual(Array.from(before));
  });
});
