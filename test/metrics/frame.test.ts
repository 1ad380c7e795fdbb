import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { groupMetrics } from '../../src/metrics/frame.ts';
import { METRIC_NAMES } from '../../src/metrics/registry.ts';

const sex = (codes: ArrayLike<number>) => [
  { name: 'sex', codes: Int32Array.from(codes), levels: ['F', 'M'] },
];

describe('groupMetrics: multi-class (one-vs-rest per class)', () => {
  // Values from fixtures/multiclass_reference.py (scikit-learn 1.2 accuracy_score,
  // balanced_accuracy_score, recall_score(average=None); numpy for the amplification measures).
  const yTrue = [
    2, 1, 2, 2, 1, 2, 2, 0, 0, 0, 0, 2, 2, 0, 1, 2, 0, 2, 0, 1, 2, 0, 1, 0, 2, 0, 2, 1, 1, 1, 1, 1, 1, 2, 2,
    2, 2, 1, 1, 2, 1, 0, 2, 0, 2, 1, 0, 0, 1, 0, 0, 1, 2, 1, 2, 2, 2, 1, 1, 1,
  ];
  const yPred = [
    2, 1, 2, 2, 1, 2, 2, 0, 1, 0, 0, 2, 2, 0, 2, 1, 0, 2, 0, 0, 2, 0, 1, 0, 2, 0, 0, 1, 1, 1, 2, 1, 0, 2, 2,
    2, 2, 1, 2, 2, 1, 0, 2, 2, 2, 0, 1, 2, 1, 0, 0, 2, 2, 1, 1, 0, 2, 1, 1, 1,
  ];
  const group = [
    1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1,
  ];
  const r = groupMetrics({
    yTrue,
    yPred,
    groups: [{ name: 'g', codes: group, levels: ['g0', 'g1'] }],
    classNames: ['L', 'C', 'R'],
    metrics: [
      'accuracy',
      'balanced_accuracy',
      'true_positive_rate',
      'selection_rate',
      'differential_fairness_data',
      'differential_fairness_predictions',
      'bias_amplification_zhao',
      'directional_bias_amplification',
      'true_positive_rate_difference',
    ],
  });

  it('reads class-free metrics from the whole matrix', () => {
    expect(r.get('accuracy', 'g0')).toBeCloseTo(0.6896551724137931, 14);
    expect(r.get('accuracy', 'g1')).toBeCloseTo(0.8064516129032258, 14);
    expect(r.get('balanced_accuracy', 'g0')).toBeCloseTo(0.7099567099567099, 14);
    expect(r.get('balanced_accuracy', 'g1')).toBeCloseTo(0.7888888888888889, 14);
  });

  it('suffixes class-dependent metrics with the class and reads its one-vs-rest cell', () => {
    const recall0 = [0.8571428571428571, 0.6363636363636364, 0.6363636363636364];
    const recall1 = [0.6666666666666666, 0.7, 1.0];
    const sel0 = [0.3793103448275862, 0.3448275862068966, 0.27586206896551724];
    const sel1 = [0.1935483870967742, 0.25806451612903225, 0.5483870967741935];
    ['L', 'C', 'R'].forEach((c, k) => {
      expect(r.get(`true_positive_rate[${c}]`, 'g0')).toBeCloseTo(recall0[k], 14);
      expect(r.get(`true_positive_rate[${c}]`, 'g1')).toBeCloseTo(recall1[k], 14);
      expect(r.get(`selection_rate[${c}]`, 'g0')).toBeCloseTo(sel0[k], 14);
      expect(r.get(`selection_rate[${c}]`, 'g1')).toBeCloseTo(sel1[k], 14);
      expect(r.get(`true_positive_rate_difference[${c}]`)).toBeCloseTo(Math.abs(recall0[k] - recall1[k]), 14);
    });
    expect(() => r.get('true_positive_rate', 'g0')).toThrow(/no value/);
  });

  it('computes the amplification measures over all classes', () => {
    expect(r.get('differential_fairness_data')).toBeCloseTo(0.17662353567931688, 14);
    expect(r.get('differential_fairness_predictions')).toBeCloseTo(0.6678293725756553, 14);
    expect(r.get('bias_amplification_zhao')).toBeCloseTo(-0.006517307406054181, 14);
    expect(r.get('directional_bias_amplification')).toBeCloseTo(0.010011123470522803, 14);
  });
});

describe('groupMetrics: edge cases', () => {
  it('no positive predictions: selection rates 0, parity holds, precision undefined', () => {
    const r = groupMetrics({
      yTrue: [1, 0, 1, 0, 1, 1],
      yPred: [0, 0, 0, 0, 0, 0],
      groups: sex([0, 0, 0, 1, 1, 1]),
      metrics: [
        'selection_rate',
        'precision',
        'demographic_parity_difference',
        'demographic_parity_ratio',
        'predictive_parity_difference',
        'true_positive_rate',
      ],
    });
    expect(r.byGroup('selection_rate')).toEqual({ F: 0, M: 0 });
    expect(r.get('demographic_parity_difference')).toBe(0);
    expect(r.get('demographic_parity_ratio')).toBe(1); // 0/0: both groups equal
    expect(r.get('precision', 'F')).toBeNaN();
    expect(r.get('predictive_parity_difference')).toBeNaN();
    expect(r.byGroup('true_positive_rate')).toEqual({ F: 0, M: 0 });
  });

  it('a group with one member gets defined 0/1 rates', () => {
    const r = groupMetrics({
      yTrue: [1, 0, 1, 1],
      yPred: [1, 0, 0, 1],
      groups: sex([0, 0, 0, 1]),
      metrics: ['count', 'accuracy', 'selection_rate', 'true_negative_rate', 'accuracy_difference'],
    });
    expect(r.byGroup('count')).toEqual({ F: 3, M: 1 });
    expect(r.get('accuracy', 'M')).toBe(1);
    expect(r.get('selection_rate', 'M')).toBe(1);
    expect(r.get('true_negative_rate', 'M')).toBeNaN(); // no negatives in M
    expect(r.get('accuracy_difference')).toBeCloseTo(1 / 3, 15);
  });

  it('a group absent from the data is reported empty and never looks fair', () => {
    const r = groupMetrics({
      yTrue: [1, 0, 1, 0],
      yPred: [1, 0, 1, 0],
      groups: [{ name: 'race', codes: [0, 0, 1, 1], levels: ['A', 'B', 'C'] }],
      metrics: [
        'count',
        'accuracy',
        'accuracy_difference',
        'accuracy_ratio',
        'worst_group_accuracy',
        'demographic_parity_difference',
        'count_ratio',
      ],
    });
    expect(r.emptyGroups).toEqual(['C']);
    expect(r.get('count', 'C')).toBe(0);
    expect(r.get('accuracy', 'C')).toBeNaN();
    expect(r.get('accuracy_difference')).toBeNaN();
    expect(r.get('accuracy_ratio')).toBeNaN();
    expect(r.get('worst_group_accuracy')).toBeNaN();
    expect(r.get('demographic_parity_difference')).toBeNaN();
    expect(r.get('count_ratio')).toBe(0);
    expect(r.get('empty_groups')).toBe(1);
  });

  it('omit policy skips undefined rates but still refuses empty groups', () => {
    const input = {
      yTrue: [1, 1, 0, 0, 1, 1],
      yPred: [1, 0, 0, 1, 1, 1],
      groups: [{ name: 'race', codes: [0, 0, 1, 1, 2, 2], levels: ['A', 'B', 'C'] }],
      metrics: ['true_positive_rate_difference'],
    };
    expect(groupMetrics(input).get('true_positive_rate_difference')).toBeNaN(); // B has no positives
    expect(groupMetrics({ ...input, nanPolicy: 'omit' }).get('true_positive_rate_difference')).toBe(0.5);
    const withEmpty = {
      ...input,
      groups: [{ name: 'race', codes: [0, 0, 1, 1, 2, 2], levels: ['A', 'B', 'C', 'D'] }],
    };
    expect(groupMetrics({ ...withEmpty, nanPolicy: 'omit' }).get('true_positive_rate_difference')).toBeNaN();
  });

  it('NaN or undefined labels are a clear error', () => {
    const yTrue = Float64Array.from([1, 0, NaN, 1]);
    expect(() =>
      groupMetrics({ yTrue, yPred: [1, 0, 1, 1], groups: sex([0, 0, 1, 1]), classNames: ['n', 'p'] }),
    ).toThrow(
      /yTrue\[2\] is NaN: expected an integer code in 0\.\.1 \(drop or impute rows with undefined labels/,
    );
    expect(() =>
      groupMetrics({
        yTrue: [1, 0, 2.5, 1],
        yPred: [1, 0, 1, 1],
        groups: sex([0, 0, 1, 1]),
        classNames: ['n', 'p'],
      }),
    ).toThrow(/yTrue\[2\] is 2\.5/);
    expect(() =>
      groupMetrics({
        yTrue: [1, 0, 3, 1],
        yPred: [1, 0, 1, 1],
        groups: sex([0, 0, 1, 1]),
        classNames: ['n', 'p'],
      }),
    ).toThrow(/yTrue\[2\] is 3: expected an integer code in 0\.\.1/);
  });

  it('mismatched array lengths are a clear error', () => {
    expect(() => groupMetrics({ yTrue: [1, 0, 1], yPred: [1, 0], groups: sex([0, 1, 1]) })).toThrow(
      /yPred has 2 rows but yTrue has 3/,
    );
    expect(() => groupMetrics({ yTrue: [1, 0, 1], yPred: [1, 0, 1], groups: sex([0, 1]) })).toThrow(
      /attribute 'sex' has 2 rows but yTrue has 3/,
    );
    expect(() =>
      groupMetrics({ yTrue: [1, 0, 1], yPred: [1, 0, 1], groups: sex([0, 1, 1]), sampleWeight: [1, 1] }),
    ).toThrow(/sampleWeight has 2 rows but yTrue has 3/);
  });

  it('out-of-range group codes and a bad positive class are clear errors', () => {
    expect(() => groupMetrics({ yTrue: [1, 0], yPred: [1, 0], groups: sex([0, 2]) })).toThrow(
      /groups\.sex\[1\] is 2/,
    );
    expect(() =>
      groupMetrics({ yTrue: [1, 0], yPred: [1, 0], groups: sex([0, 1]), positiveClass: 'yes' }),
    ).toThrow(/positiveClass "yes" is not one of the classes/);
  });
});

describe('groupMetrics: intersections, marginals, weights, privileged', () => {
  const yTrue = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1];
  const yPred = [1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 0, 1];
  const sexCodes = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
  const raceCodes = [0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 1];
  const attrs = [
    { name: 'sex', codes: sexCodes, levels: ['F', 'M'] },
    { name: 'race', codes: raceCodes, levels: ['A', 'B', 'C'] },
  ];

  it('names intersectional groups, keeps empty combinations, and reports each attribute alone', () => {
    const r = groupMetrics({
      yTrue,
      yPred,
      groups: attrs,
      metrics: ['selection_rate', 'selection_rate_difference'],
    });
    expect([...(r.groupNames.get('') ?? [])]).toEqual([
      'sex=F & race=A',
      'sex=F & race=B',
      'sex=F & race=C',
      'sex=M & race=A',
      'sex=M & race=B',
      'sex=M & race=C',
    ]);
    expect(r.emptyGroups).toEqual(['sex=F & race=C', 'sex=M & race=C', 'race=C']);
    expect(r.get('selection_rate', 'sex=F & race=A')).toBeCloseTo(2 / 3, 15);
    expect(r.get('selection_rate_difference')).toBeNaN(); // empty intersections
    // The marginal grouping equals a single-attribute call.
    const bySex = groupMetrics({
      yTrue,
      yPred,
      groups: [attrs[0]],
      metrics: ['selection_rate', 'selection_rate_difference'],
    });
    expect(r.get('selection_rate', 'sex=F')).toBe(bySex.get('selection_rate', 'F'));
    expect(r.get('selection_rate_difference', 'sex=*')).toBe(bySex.get('selection_rate_difference'));
    expect(r.get('selection_rate_difference', 'race=*')).toBeNaN(); // race=C is empty
  });

  it('integer sample weights equal duplicated rows', () => {
    const w = [1, 2, 1, 3, 1, 1, 2, 1, 1, 1, 4, 1];
    const dupT: number[] = [];
    const dupP: number[] = [];
    const dupS: number[] = [];
    w.forEach((k, i) => {
      for (let j = 0; j < k; j++) {
        dupT.push(yTrue[i]);
        dupP.push(yPred[i]);
        dupS.push(sexCodes[i]);
      }
    });
    const metrics = ['all'];
    const weighted = groupMetrics({
      yTrue,
      yPred,
      groups: sex(sexCodes),
      sampleWeight: w,
      metrics,
      privileged: 'F',
    });
    const dup = groupMetrics({ yTrue: dupT, yPred: dupP, groups: sex(dupS), metrics, privileged: 'F' });
    for (const v of dup.values) {
      if (v.metric.startsWith('count')) continue; // count is rows, never weighted
      expect(weighted.get(v.metric, v.group), `${v.metric} ${v.group}`).toBeCloseTo(v.value, 14);
    }
    expect(weighted.get('count', 'F')).toBe(6);
  });

  it('pools unprivileged groups like AIF360', () => {
    const r = groupMetrics({
      yTrue,
      yPred,
      groups: [attrs[1]],
      privileged: { race: 'A' },
      metrics: ['statistical_parity_difference', 'disparate_impact'],
    });
    // Race A: rows 0,2,4,6,7,8 → predictions 1,0,1,1,1,1 → 5/6; others: rows 1,3,5,9,10,11 → 0,1,0,0,0,1 → 2/6.
    expect(r.get('statistical_parity_difference')).toBeCloseTo(2 / 6 - 5 / 6, 15);
    expect(r.get('disparate_impact')).toBeCloseTo(2 / 5, 15);
    expect(() => groupMetrics({ yTrue, yPred, groups: attrs, privileged: 'A' })).toThrow(/ambiguous/);
    expect(() => groupMetrics({ yTrue, yPred, groups: attrs, privileged: { race: 'Z' } })).toThrow(
      /'Z' is not a level of 'race'/,
    );
  });
});

// ---- properties ----

const rowsArb = fc.integer({ min: 1, max: 4 }).chain((G) =>
  fc.record({
    G: fc.constant(G),
    rows: fc.array(
      fc.tuple(
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: G - 1 }),
      ),
      {
        minLength: 1,
        maxLength: 80,
      },
    ),
  }),
);

function run(G: number, rows: readonly (readonly [number, number, number])[]) {
  return groupMetrics({
    yTrue: rows.map((r) => r[0]),
    yPred: rows.map((r) => r[1]),
    groups: [
      { name: 'g', codes: rows.map((r) => r[2]), levels: Array.from({ length: G }, (_, k) => `g${k}`) },
    ],
    classNames: ['neg', 'pos'],
    metrics: ['all'],
    privileged: 'g0',
  });
}

const isRatio = (m: string) => /_ratio(_to_overall|_mean)?$/.test(m);
const isDifference = (m: string) =>
  /_difference(_to_overall|_mean)?$/.test(m) && !/^(statistical_parity|average_odds)/.test(m);

describe('group metric properties (fast-check)', () => {
  it('are invariant to the order of the rows', () => {
    fc.assert(
      fc.property(rowsArb, fc.integer(), ({ G, rows }, seed) => {
        const a = run(G, rows);
        const shuffled = Rng.stream(seed >>> 0, 'perm').shuffle([...rows]);
        const b = run(G, shuffled);
        for (const v of a.values)
          expect(Object.is(b.get(v.metric, v.group), v.value) || b.get(v.metric, v.group) === v.value).toBe(
            true,
          );
      }),
      { numRuns: 60 },
    );
  });

  it('keep ratios in [0, 1] and differences ≥ 0', () => {
    fc.assert(
      fc.property(rowsArb, ({ G, rows }) => {
        for (const v of run(G, rows).values) {
          if (Number.isNaN(v.value) || v.group.length > 0) continue;
          if (isRatio(v.metric)) {
            expect(v.value, v.metric).toBeGreaterThanOrEqual(0);
            expect(v.value, v.metric).toBeLessThanOrEqual(1);
          }
          if (isDifference(v.metric)) expect(v.value, v.metric).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('give zero disparity for identical groups', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })), {
          minLength: 1,
          maxLength: 30,
        }),
        (G, block) => {
          const rows: [number, number, number][] = [];
          for (let g = 0; g < G; g++) for (const [t, p] of block) rows.push([t, p, g]);
          const r = run(G, rows);
          for (const name of METRIC_NAMES) {
            if (!/_(difference|ratio)(_to_overall)?$/.test(name) || name.startsWith('count_') || !r.has(name))
              continue;
            const v = r.get(name);
            if (Number.isNaN(v)) {
              // Only when the base rate is undefined in every (identical) group.
              continue;
            }
            expect(v, name).toBe(/ratio/.test(name) ? 1 : 0);
          }
          expect(r.get('statistical_parity_difference')).toBe(0);
          expect(r.get('differential_fairness_predictions')).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('make difference = group_max − group_min and ratio = group_min / group_max', () => {
    fc.assert(
      fc.property(rowsArb, ({ G, rows }) => {
        const r = run(G, rows);
        for (const name of METRIC_NAMES) {
          if (!name.endsWith('_group_max') || !r.has(name)) continue;
          const base = name.slice(0, -'_group_max'.length);
          const max = r.get(`${base}_group_max`);
          const min = r.get(`${base}_group_min`);
          const diff = r.get(`${base}_difference`);
          const ratio = r.get(`${base}_ratio`);
          if (Number.isNaN(max)) {
            expect(diff).toBeNaN();
            continue;
          }
          expect(diff).toBeCloseTo(max - min, 14);
          expect(ratio).toBeCloseTo(max === min ? 1 : min / max, 14);
        }
      }),
      { numRuns: 100 },
    );
  });
});
