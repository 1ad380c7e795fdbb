import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { groupMetrics } from '../../src/metrics/frame.ts';

function data(n: number, seed: number) {
  const rng = Rng.stream(seed, 'bootstrap-data');
  const yTrue = new Uint8Array(n);
  const yPred = new Uint8Array(n);
  const g = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    g[i] = rng.float() < 0.4 ? 1 : 0;
    yTrue[i] = rng.float() < 0.5 ? 1 : 0;
    yPred[i] = rng.float() < (g[i] === 1 ? 0.2 : 0.35) ? 1 : 0;
  }
  return { yTrue, yPred, groups: [{ name: 'g', codes: g, levels: ['a', 'b'] }] };
}

describe('bootstrap confidence intervals', () => {
  const d = data(4000, 1);
  const metrics = ['selection_rate', 'demographic_parity_difference', 'accuracy'];

  it('are reproducible from the seed and change with it', () => {
    const a = groupMetrics({ ...d, metrics, bootstrap: { rng: Rng.stream(5, 'ci'), resamples: 300 } });
    const b = groupMetrics({ ...d, metrics, bootstrap: { rng: Rng.stream(5, 'ci'), resamples: 300 } });
    const c = groupMetrics({ ...d, metrics, bootstrap: { rng: Rng.stream(6, 'ci'), resamples: 300 } });
    expect(a.values).toEqual(b.values);
    expect(a.values).not.toEqual(c.values);
  });

  it('bracket the estimate with the binomial width for a proportion', () => {
    const r = groupMetrics({ ...d, metrics, bootstrap: { rng: Rng.stream(1, 'ci'), resamples: 2000 } });
    const v = r.values.find((x) => x.metric === 'selection_rate' && x.group === '');
    if (v === undefined || v.ciLow === undefined || v.ciHigh === undefined)
      throw new Error('missing interval');
    const p = v.value;
    const half = 1.959964 * Math.sqrt((p * (1 - p)) / 4000);
    expect(v.ciLow).toBeLessThan(p);
    expect(v.ciHigh).toBeGreaterThan(p);
    expect(Math.abs(p - v.ciLow - half)).toBeLessThan(0.003);
    expect(Math.abs(v.ciHigh - p - half)).toBeLessThan(0.003);
  });

  it('agree between the cell-multinomial and the row-resampling methods', () => {
    const cells = groupMetrics({
      ...d,
      metrics,
      bootstrap: { rng: Rng.stream(2, 'ci'), resamples: 1500, method: 'cells' },
    });
    const rows = groupMetrics({
      ...d,
      metrics,
      bootstrap: { rng: Rng.stream(3, 'ci'), resamples: 1500, method: 'rows' },
    });
    for (const v of cells.values) {
      if (v.ciLow === undefined) continue;
      const w = rows.values.find((x) => x.metric === v.metric && x.group === v.group);
      expect(Math.abs((w?.ciLow ?? NaN) - v.ciLow), v.metric).toBeLessThan(0.006);
      expect(Math.abs((w?.ciHigh ?? NaN) - (v.ciHigh ?? NaN)), v.metric).toBeLessThan(0.006);
    }
  });

  it('row resampling gives the same intervals with unit weights (index path) as without (fused count path)', () => {
    // n = 4001 is not a multiple of 4: both paths' tails are exercised.
    const e = data(4001, 7);
    const plain = groupMetrics({
      ...e,
      metrics,
      bootstrap: { rng: Rng.stream(9, 'ci'), resamples: 120, method: 'rows' },
    });
    const unit = groupMetrics({
      ...e,
      metrics,
      sampleWeight: new Float64Array(4001).fill(1),
      bootstrap: { rng: Rng.stream(9, 'ci'), resamples: 120, method: 'rows' },
    });
    expect(unit.values.map((v) => [v.metric, v.group, v.ciLow, v.ciHigh])).toEqual(
      plain.values.map((v) => [v.metric, v.group, v.ciLow, v.ciHigh]),
    );
    expect(plain.values.some((v) => v.ciLow !== undefined && v.ciLow < v.value)).toBe(true);
  });

  it('resample rows when weights or probabilities make cells unequal', () => {
    const w = Float64Array.from({ length: 4000 }, (_, i) => 1 + (i % 3));
    const r = groupMetrics({
      ...d,
      metrics,
      sampleWeight: w,
      bootstrap: { rng: Rng.stream(4, 'ci'), resamples: 200 },
    });
    const v = r.values.find((x) => x.metric === 'selection_rate' && x.group === 'a');
    expect(v?.ciLow).toBeLessThan(v?.value ?? NaN);
    expect(() =>
      groupMetrics({
        ...d,
        metrics,
        sampleWeight: w,
        bootstrap: { rng: Rng.stream(4, 'ci'), method: 'cells' },
      }),
    ).toThrow(/exact only without sample weights/);
  });

  it('leave undefined resamples out instead of failing', () => {
    // Group b has a single positive: many resamples drop it, so its TPR is undefined there.
    const r = groupMetrics({
      yTrue: [1, 1, 0, 0, 1, 0, 0, 0],
      yPred: [1, 0, 0, 1, 1, 0, 0, 0],
      groups: [{ name: 'g', codes: [0, 0, 0, 0, 1, 1, 1, 1], levels: ['a', 'b'] }],
      metrics: ['true_positive_rate'],
      bootstrap: { rng: Rng.stream(1, 'small'), resamples: 400 },
    });
    const v = r.values.find((x) => x.metric === 'true_positive_rate' && x.group === 'b');
    expect(v?.ciLow).toBe(1);
    expect(v?.ciHigh).toBe(1);
  });
});

describe('plan evaluator reuse', () => {
  it('gives the same values as a fresh evaluation, table after table', async () => {
    const { prepareGroupMetrics } = await import('../../src/metrics/frame.ts');
    const { PlanEvaluator, evaluatePlan } = await import('../../src/metrics/plan.ts');
    const { countConfusion } = await import('../../src/metrics/confusion.ts');
    const rng = Rng.stream(8, 'reuse');
    const n = 300;
    const make = () => ({
      yTrue: Int32Array.from({ length: n }, () => rng.int(3)),
      yPred: Int32Array.from({ length: n }, () => rng.int(3)),
      sex: Int32Array.from({ length: n }, () => rng.int(2)),
      race: Int32Array.from({ length: n }, () => rng.int(3)),
    });
    const first = make();
    const groups = (d: ReturnType<typeof make>) => [
      { name: 'sex', codes: d.sex, levels: ['F', 'M'] },
      { name: 'race', codes: d.race, levels: ['A', 'B', 'C'] },
    ];
    const prepared = prepareGroupMetrics({
      yTrue: first.yTrue,
      yPred: first.yPred,
      groups: groups(first),
      classNames: ['L', 'C', 'R'],
      metrics: ['all'],
      privileged: { sex: 'M' },
    });
    const evaluator = new PlanEvaluator(prepared.plan, prepared.confusion.groupCount);
    for (let round = 0; round < 5; round++) {
      const d = round === 0 ? first : make();
      const combined = Int32Array.from(d.sex, (s, i) => s * 3 + d.race[i]);
      const conf = countConfusion({
        yTrue: d.yTrue,
        yPred: d.yPred,
        groupCodes: combined,
        groupCount: 6,
        classCount: 3,
      });
      const reused = evaluator.evaluate(conf);
      const fresh = evaluatePlan(prepared.plan, conf);
      expect(Array.from(reused)).toEqual(Array.from(fresh));
    }
  });
});

describe('bootstrap with probabilities', () => {
  it('resamples rows so score metrics get intervals too', () => {
    const n = 2000;
    const rng = Rng.stream(3, 'proba');
    const yTrue = Int32Array.from({ length: n }, () => (rng.float() < 0.4 ? 1 : 0));
    const proba = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const p1 = Math.min(0.99, Math.max(0.01, 0.3 + 0.4 * yTrue[i] + 0.2 * (rng.float() - 0.5)));
      proba[2 * i] = 1 - p1;
      proba[2 * i + 1] = p1;
    }
    const yPred = Int32Array.from({ length: n }, (_, i) => (proba[2 * i + 1] > 0.5 ? 1 : 0));
    const r = groupMetrics({
      yTrue,
      yPred,
      proba,
      groups: [{ name: 'g', codes: Int32Array.from({ length: n }, (_, i) => i % 2), levels: ['a', 'b'] }],
      metrics: ['brier_score', 'mean_score', 'log_loss_difference'],
      bootstrap: { rng: Rng.stream(1, 'ci'), resamples: 300 },
    });
    for (const v of r.values) {
      if (v.metric === 'empty_groups') continue;
      expect(v.ciLow, v.metric).toBeLessThanOrEqual(v.value);
      expect(v.ciHigh, v.metric).toBeGreaterThanOrEqual(v.value);
      expect((v.ciHigh ?? 0) - (v.ciLow ?? 0), v.metric).toBeGreaterThan(0);
    }
  });
});
