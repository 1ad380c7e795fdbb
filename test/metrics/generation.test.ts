import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import {
  createDataset,
  simpleSchema,
  syntheticProvenance,
  type DatasetSchema,
} from '../../src/core/dataset.ts';
import { metricRowsForDataset, metricRowsForGeneration } from '../../src/metrics/generation.ts';
import { syntheticSetMetrics } from '../../src/metrics/synthetic.ts';
import { subsampleRows, wasserstein1 } from '../../src/metrics/divergence.ts';
import { varianceRatio } from '../../src/metrics/collapse.ts';
import {
  aggregateOverSeeds,
  generationalAmplification,
  trendsOverGenerations,
} from '../../src/metrics/summary.ts';
import type { MetricRow } from '../../src/results/rows.ts';

describe('metricRowsForGeneration', () => {
  it('returns long-format rows with per-group, overall and disparity values and empty-group flags', () => {
    const rows = metricRowsForGeneration({
      run: 'r1',
      generation: 3,
      yTrue: [1, 0, 1, 0],
      yPred: [1, 1, 1, 0],
      groups: [{ name: 'sex', codes: [0, 0, 0, 0], levels: ['F', 'M'] }],
      metrics: ['selection_rate', 'demographic_parity_difference'],
    });
    const find = (metric: string, group: string) =>
      rows.find((r) => r.metric === metric && r.group === group);
    expect(find('selection_rate', '')?.value).toBe(0.75);
    expect(find('selection_rate', 'F')?.value).toBe(0.75);
    expect(find('selection_rate', 'M')?.value).toBeNaN();
    expect(find('demographic_parity_difference', '')?.value).toBeNaN();
    expect(find('empty_groups', '')?.value).toBe(1);
    expect(find('group_empty', 'M')?.value).toBe(1);
    expect(rows.every((r) => r.run === 'r1' && r.generation === 3)).toBe(true);
  });

  it('reads labels, groups and class names from a Dataset', () => {
    const schema = simpleSchema({
      featureNames: ['x'],
      classNames: ['no', 'yes'],
      attribute: 'sex',
      levels: ['F', 'M'],
    });
    const test = createDataset({
      schema,
      x: new Float64Array(4),
      y: Int32Array.from([1, 0, 1, 1]),
      group: Int32Array.from([0, 0, 1, 1]),
    });
    const rows = metricRowsForDataset({
      run: 'r',
      generation: 0,
      test,
      yPred: Int32Array.from([1, 0, 0, 1]),
      metrics: ['accuracy', 'accuracy_gap'],
      bootstrap: { rng: Rng.stream(1, 'b'), resamples: 50 },
    });
    expect(rows.find((r) => r.metric === 'accuracy' && r.group === 'M')?.value).toBe(0.5);
    expect(rows.find((r) => r.metric === 'accuracy_gap')?.value).toBe(0.5);
    expect(rows.filter((r) => r.metric !== 'empty_groups').every((r) => r.ciLow !== undefined)).toBe(true);
  });
});

describe('groupAttributesFromDataset', () => {
  it('splits a combined group column into its attributes via groupLevels', async () => {
    const { groupAttributesFromDataset } = await import('../../src/metrics/groups.ts');
    // Combined groups listed in a non-mixed-radix order on purpose.
    const schema: DatasetSchema = {
      ...simpleSchema({
        featureNames: ['x'],
        classNames: ['no', 'yes'],
        attribute: 'sex',
        levels: ['F', 'M'],
      }),
      attributes: [
        { name: 'sex', levels: ['F', 'M'] },
        { name: 'race', levels: ['A', 'B'] },
      ],
      groupNames: ['sex=M & race=B', 'sex=F & race=A', 'sex=F & race=B', 'sex=M & race=A'],
      groupLevels: [
        [1, 1],
        [0, 0],
        [0, 1],
        [1, 0],
      ],
    };
    const test = createDataset({
      schema,
      x: new Float64Array(6),
      y: Int32Array.from([1, 0, 1, 1, 0, 1]),
      group: Int32Array.from([0, 1, 2, 3, 0, 1]),
    });
    const attrs = groupAttributesFromDataset(test);
    expect(attrs.map((a) => Array.from(a.codes))).toEqual([
      [1, 0, 0, 1, 1, 0],
      [1, 0, 1, 0, 1, 0],
    ]);
    const yPred = Int32Array.from([1, 1, 1, 0, 0, 1]);
    const viaDataset = metricRowsForDataset({
      run: 'r',
      generation: 0,
      test,
      yPred,
      metrics: ['selection_rate'],
    });
    const sr = (g: string) => viaDataset.find((r) => r.metric === 'selection_rate' && r.group === g)?.value;
    expect(sr('sex=M & race=B')).toBe(0.5); // rows 0 and 4: predictions 1, 0
    expect(sr('sex=F & race=A')).toBe(1); // rows 1 and 5
    expect(sr('race=B')).toBeCloseTo(2 / 3, 15); // rows 0, 2, 4
  });
});

function twoGroupSchema(): DatasetSchema {
  return simpleSchema({
    featureNames: ['a', 'b'],
    classNames: ['neg', 'pos'],
    attribute: 'colour',
    levels: ['red', 'green'],
  });
}

describe('syntheticSetMetrics', () => {
  const schema = twoGroupSchema();
  // 8 rows: red 6 (labels 1,1,1,1,0,0), green 2 (labels 0,0).
  const synthetic = createDataset({
    schema,
    x: Float64Array.from([0, 1, 1, 1, 2, 0, 3, 1, 0, 0, 1, 2, 2, 2, 3, 3]),
    y: Int32Array.from([1, 1, 1, 1, 0, 0, 0, 0]),
    group: Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1]),
    provenance: syntheticProvenance(8, 1, 'gauss'),
  });
  const rows = syntheticSetMetrics({ run: 'r', generation: 1, synthetic });
  const get = (m: string, g = '') => rows.find((r) => r.metric === m && r.group === g)?.value;

  it('reports shares, per-group positive rates and the label–group association', () => {
    expect(get('synthetic.size')).toBe(8);
    expect(get('synthetic.group_share', 'red')).toBe(0.75);
    expect(get('synthetic.group_share', 'green')).toBe(0.25);
    expect(get('synthetic.positive_rate')).toBe(0.5);
    expect(get('synthetic.positive_rate', 'red')).toBeCloseTo(4 / 6, 15);
    expect(get('synthetic.positive_rate', 'green')).toBe(0);
    // phi of [[2,4],[2,0]] (group × label): (2·0 − 4·2)/sqrt(6·2·4·4) = −8/sqrt(192).
    expect(get('synthetic.label_group_phi')).toBeCloseTo(-8 / Math.sqrt(192), 14);
    expect(get('synthetic.label_group_cramers_v')).toBeCloseTo(8 / Math.sqrt(192), 14);
    expect(get('synthetic.group_entropy')).toBeCloseTo(
      -(0.75 * Math.log2(0.75) + 0.25 * Math.log2(0.25)),
      14,
    );
    expect(get('synthetic.empty_groups')).toBe(0);
  });

  it('measures the distance to the real data (zero against itself)', () => {
    const self = syntheticSetMetrics({ run: 'r', generation: 1, synthetic, real: synthetic });
    const g = (m: string) => self.find((r) => r.metric === m)?.value;
    expect(g('synthetic.group_share_js')).toBe(0);
    expect(g('synthetic.wasserstein1')).toBe(0);
    expect(g('synthetic.variance_ratio')).toBeCloseTo(1, 14);
    expect(g('synthetic.frechet')).toBeCloseTo(0, 10);
    expect(g('synthetic.mmd2_rbf')).toBeLessThan(0.05);
  });

  it('sees a collapsed synthetic set (half the spread, one group gone)', () => {
    const rng = Rng.stream(9, 'synthetic');
    const n = 600;
    const x = rng.fillNormal(new Float64Array(n * 2));
    const real = createDataset({
      schema,
      x,
      y: Int32Array.from({ length: n }, (_, i) => i % 2),
      group: Int32Array.from({ length: n }, (_, i) => (i < n / 2 ? 0 : 1)),
    });
    const collapsed = createDataset({
      schema,
      x: x.map((v) => 0.5 * v),
      y: Int32Array.from({ length: n }, (_, i) => i % 2),
      group: new Int32Array(n),
      provenance: syntheticProvenance(n, 2, 'gauss'),
    });
    const out = syntheticSetMetrics({
      run: 'r',
      generation: 2,
      synthetic: collapsed,
      real,
      rng: rng.fork('m'),
      mmdSampleSize: 200,
    });
    const g = (m: string, grp = '') => out.find((r) => r.metric === m && r.group === grp)?.value;
    expect(g('synthetic.variance_ratio')).toBeCloseTo(0.25, 12);
    expect(g('synthetic.empty_groups')).toBe(1);
    expect(g('synthetic.positive_rate', 'green')).toBeNaN();
    expect(g('synthetic.group_share_js')).toBeGreaterThan(0.3);
    expect(g('synthetic.wasserstein1')).toBeGreaterThan(0.3);
    expect(g('synthetic.mmd2_rbf')).toBeGreaterThan(0.05);
    // Fréchet between N(0, I) and N(0, I/4) in 2-D is 2·(1 − 1/2)² = 0.5 (up to sampling noise).
    expect(g('synthetic.frechet')).toBeGreaterThan(0.4);
    expect(g('synthetic.frechet')).toBeLessThan(0.6);
  });
});

describe('syntheticSetMetrics on subsampled sets', () => {
  const make = (n: number, d: number, seed: number, scale: number) => {
    const rng = Rng.stream(seed, 'rows');
    const x = rng.fillNormal(new Float64Array(n * d)).map((v, i) => v * scale + (i % d));
    return createDataset({
      schema: simpleSchema({
        featureNames: Array.from({ length: d }, (_, k) => `f${k}`),
        classNames: ['neg', 'pos'],
        attribute: 'colour',
        levels: ['red', 'green'],
      }),
      x,
      y: Int32Array.from({ length: n }, (_, i) => i % 2),
      group: Int32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0)),
    });
  };
  const real = make(1500, 3, 1, 1);
  const synthetic = make(1200, 3, 2, 0.7);
  const input = {
    run: 'r',
    generation: 1,
    synthetic,
    real,
    rng: Rng.stream(5, 'metrics'),
    distanceSampleSize: 1000,
    mmdSampleSize: 100,
  };
  const value = (rows: MetricRow[], m: string) => rows.find((r) => r.metric === m)?.value;

  it('equals standardising every row by the real moments and then subsampling (the definition)', () => {
    const d = 3;
    const mean = [0, 1, 2].map((k) => {
      let s = 0;
      for (let i = 0; i < real.n; i++) s += real.x[i * d + k];
      return s / real.n;
    });
    const sd = [0, 1, 2].map((k) => {
      let s = 0;
      for (let i = 0; i < real.n; i++) s += (real.x[i * d + k] - mean[k]) ** 2;
      return Math.sqrt(s / (real.n - 1));
    });
    const standardise = (x: Float64Array) => x.map((v, i) => (v - mean[i % d]) / sd[i % d]);
    const xs = subsampleRows(standardise(synthetic.x), d, 1000, input.rng.fork('distance', 'synthetic'));
    const xr = subsampleRows(standardise(real.x), d, 1000, input.rng.fork('distance', 'real'));
    let w = 0;
    for (let k = 0; k < d; k++) {
      const col = (x: Float64Array) => Float64Array.from({ length: x.length / d }, (_, i) => x[i * d + k]);
      w += wasserstein1(col(xs), col(xr));
    }
    const rows = syntheticSetMetrics(input);
    expect(value(rows, 'synthetic.wasserstein1')).toBe(w / d);
    expect(value(rows, 'synthetic.variance_ratio')).toBe(varianceRatio(xs, xr, d));
  });

  it('gives the same values whatever was measured before (its buffers are reused between calls)', () => {
    const first = syntheticSetMetrics(input);
    const wide = make(3000, 5, 3, 2);
    syntheticSetMetrics({ ...input, synthetic: wide, real: make(2500, 5, 4, 1) });
    syntheticSetMetrics({ ...input, synthetic: make(40, 3, 6, 1) });
    expect(syntheticSetMetrics(input)).toEqual(first);
    expect(syntheticSetMetrics({ ...input, synthetic: wide, real: make(2500, 5, 4, 1) })).toEqual(
      syntheticSetMetrics({ ...input, synthetic: wide, real: make(2500, 5, 4, 1) }),
    );
  });
});

describe('summaries across seeds and generations', () => {
  const rows: MetricRow[] = [];
  for (const [run, vals] of [
    ['s1', [0.1, 0.2, 0.4]],
    ['s2', [0.2, 0.3, 0.5]],
    ['s3', [0.3, 0.4, NaN]],
  ] as const) {
    vals.forEach((v, g) => rows.push({ run, generation: g, metric: 'dp', group: '', value: v }));
  }

  it('aggregates seeds with mean, std and a t-interval, skipping undefined values', () => {
    const agg = aggregateOverSeeds(rows);
    expect(agg.map((a) => a.n)).toEqual([3, 3, 2]);
    expect(agg[0].mean).toBeCloseTo(0.2, 15);
    expect(agg[0].std).toBeCloseTo(0.1, 15);
    // t_{0.975, 2} = 4.302652729749464 (mpmath).
    expect(agg[0].ciHigh - agg[0].mean).toBeCloseTo((4.302652729749464 * 0.1) / Math.sqrt(3), 10);
    expect(agg[2].mean).toBeCloseTo(0.45, 15);
  });

  it('gives amplification against generation 0 and per step', () => {
    const amp = generationalAmplification(rows.filter((r) => r.run === 's1'));
    const get = (m: string, g: number) => amp.find((r) => r.metric === m && r.generation === g)?.value;
    expect(get('amplification.dp', 0)).toBe(0);
    expect(get('amplification.dp', 2)).toBeCloseTo(0.3, 15);
    expect(get('amplification_ratio.dp', 2)).toBeCloseTo(4, 14);
    expect(get('amplification_step.dp', 2)).toBeCloseTo(0.2, 15);
    expect(get('amplification_step.dp', 0)).toBeUndefined();
  });

  it('tests the trend of every series', () => {
    const t = trendsOverGenerations(
      rows.filter((r) => r.run !== 's3'),
      { lag: 0 },
    );
    expect(t).toHaveLength(2);
    expect(t[0].ols.slope).toBeCloseTo(0.15, 14);
    expect(t[0].mannKendall.s).toBe(3);
  });
});
