/**
 * Every audit number against a hand-computed confusion table. The groups are chosen so that every
 * kind of undefined rate occurs: A is an ordinary group, B has no positives, C has no predicted
 * positives, D is a single row. Each expected value is written as the fraction of counts that
 * defines it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { auditPredictions, type AuditResult, type GroupAudit } from '../../src/audit/index.ts';
import { rowsFromCounts, writeCsv, type Cell } from './fixtures.ts';

const CELLS: Cell[] = [
  { group: 'A', tp: 3, fn: 2, fp: 1, tn: 4 }, // 10 rows: the largest, the reference
  { group: 'B', tp: 0, fn: 0, fp: 3, tn: 5 }, // 8 rows, no actual positives
  { group: 'C', tp: 0, fn: 2, fp: 0, tn: 4 }, // 6 rows, no predicted positives
  { group: 'D', tp: 1, fn: 0, fp: 0, tn: 0 }, // 1 row
];

type Expected = Record<string, number>;

/** The definitions, spelled out per group (NaN = undefined: a zero denominator). */
const EXPECTED: Record<string, Expected> = {
  A: {
    count: 10,
    base_rate: 5 / 10,
    selection_rate: 4 / 10,
    true_positive_rate: 3 / 5,
    false_positive_rate: 1 / 5,
    false_negative_rate: 2 / 5,
    true_negative_rate: 4 / 5,
    precision: 3 / 4,
    false_discovery_rate: 1 / 4,
    false_omission_rate: 2 / 6,
    negative_predictive_value: 4 / 6,
    accuracy: 7 / 10,
  },
  B: {
    count: 8,
    base_rate: 0 / 8,
    selection_rate: 3 / 8,
    true_positive_rate: NaN,
    false_positive_rate: 3 / 8,
    false_negative_rate: NaN,
    true_negative_rate: 5 / 8,
    precision: 0 / 3,
    false_discovery_rate: 3 / 3,
    false_omission_rate: 0 / 5,
    negative_predictive_value: 5 / 5,
    accuracy: 5 / 8,
  },
  C: {
    count: 6,
    base_rate: 2 / 6,
    selection_rate: 0 / 6,
    true_positive_rate: 0 / 2,
    false_positive_rate: 0 / 4,
    false_negative_rate: 2 / 2,
    true_negative_rate: 4 / 4,
    precision: NaN,
    false_discovery_rate: NaN,
    false_omission_rate: 2 / 6,
    negative_predictive_value: 4 / 6,
    accuracy: 4 / 6,
  },
  D: {
    count: 1,
    base_rate: 1 / 1,
    selection_rate: 1 / 1,
    true_positive_rate: 1 / 1,
    false_positive_rate: NaN,
    false_negative_rate: 0 / 1,
    true_negative_rate: NaN,
    precision: 1 / 1,
    false_discovery_rate: 0 / 1,
    false_omission_rate: NaN,
    negative_predictive_value: NaN,
    accuracy: 1 / 1,
  },
};

// All rows: TP 4, FN 4, FP 4, TN 13 (25 rows).
const OVERALL: Expected = {
  count: 25,
  base_rate: 8 / 25,
  selection_rate: 8 / 25,
  true_positive_rate: 4 / 8,
  false_positive_rate: 4 / 17,
  false_negative_rate: 4 / 8,
  true_negative_rate: 13 / 17,
  precision: 4 / 8,
  false_discovery_rate: 4 / 8,
  false_omission_rate: 4 / 17,
  negative_predictive_value: 13 / 17,
  accuracy: 17 / 25,
};

function expectValue(actual: number, expected: number, what: string): void {
  if (Number.isNaN(expected)) expect(actual, what).toBeNaN();
  else expect(actual, what).toBe(expected);
}

describe('audit metrics equal the hand-computed confusion table', () => {
  let result: AuditResult;
  let groups: Map<string, GroupAudit>;
  beforeAll(async () => {
    const path = writeCsv(['g', 'y', 'p'], rowsFromCounts(CELLS));
    result = await auditPredictions({
      file: path,
      label: 'y',
      prediction: 'p',
      groups: ['g'],
      minGroupSize: 5,
      resamples: 200,
    });
    groups = new Map(result.attributes[0].groups.map((g) => [g.group, g]));
  });

  it('reports the rows read and audited, and the issue list of metrics', () => {
    expect(result.input.rows).toBe(25);
    expect(result.input.rowsRead).toBe(25);
    expect(result.settings.groupMetrics).toEqual(Object.keys(EXPECTED.A));
    expect(result.settings.summaryMetrics).toEqual([
      'demographic_parity_difference',
      'demographic_parity_ratio',
      'equalized_odds_difference',
      'equalized_odds_ratio',
    ]);
    expect([...groups.keys()]).toEqual(['A', 'B', 'C', 'D']);
  });

  it('every group metric, for every group', () => {
    for (const [g, expected] of Object.entries(EXPECTED)) {
      for (const [m, v] of Object.entries(expected)) {
        expectValue(groups.get(g)!.metrics[m].value, v, `${m}(${g})`);
      }
    }
  });

  it('the metrics over all rows', () => {
    for (const [m, v] of Object.entries(OVERALL)) expectValue(result.overall.metrics[m].value, v, m);
  });

  it('counts, size, share and the small-group flag', () => {
    for (const c of CELLS) {
      const g = groups.get(c.group)!;
      expect(g.counts).toEqual({ tp: c.tp, fp: c.fp, tn: c.tn, fn: c.fn });
      expect(g.rows).toBe(c.tp + c.fp + c.tn + c.fn);
      expect(g.share.value).toBe(g.rows / 25);
    }
    expect(groups.get('D')!.small).toBe(true);
    expect(groups.get('C')!.small).toBe(false);
    expect(result.attributes[0].smallGroups).toEqual(['D']);
  });

  it('ratio, difference and verdict against the largest group, for every metric', () => {
    const a = result.attributes[0];
    expect(a.reference).toEqual({ method: 'largest', group: 'A' });
    expect(groups.get('A')!.isReference).toBe(true);
    for (const [g, expected] of Object.entries(EXPECTED)) {
      for (const [m, v] of Object.entries(expected)) {
        if (m === 'count') continue;
        const ref = EXPECTED.A[m];
        const d = groups.get(g)!.disparities[m];
        expect(d.reference).toBe('A');
        const ratio =
          Number.isNaN(v) || Number.isNaN(ref) ? NaN : v === ref ? 1 : ref === 0 ? Infinity : v / ref;
        expectValue(d.ratio.value, ratio, `ratio ${m}(${g})`);
        expectValue(d.difference.value, v - ref, `difference ${m}(${g})`);
        const verdict = Number.isNaN(ratio) ? 'undefined' : ratio >= 0.8 && ratio <= 1.25 ? 'fair' : 'unfair';
        expect(d.verdict, `verdict ${m}(${g})`).toBe(verdict);
      }
    }
    // Spot checks of the hand arithmetic above.
    expect(groups.get('B')!.disparities.selection_rate.ratio.value).toBe(3 / 8 / (4 / 10)); // 0.9375
    expect(groups.get('B')!.disparities.selection_rate.verdict).toBe('fair');
    expect(groups.get('C')!.disparities.selection_rate.verdict).toBe('unfair'); // 0 / 0.4
    expect(groups.get('B')!.disparities.true_positive_rate.verdict).toBe('undefined');
    expect(a.unfair).toContainEqual({ group: 'D', metric: 'selection_rate' }); // 1 / 0.4 = 2.5
  });

  it('summary rows: undefined group rates are omitted (as Fairlearn)', () => {
    const s = result.attributes[0].summary;
    // Selection rates 0.4, 0.375, 0, 1.
    expect(s.demographic_parity_difference.value).toBe(1);
    expect(s.demographic_parity_ratio.value).toBe(0);
    // TPR: 0.6, –, 0, 1 → difference 1; FPR: 0.2, 0.375, 0, – → 0.375. The larger: 1.
    expect(s.equalized_odds_difference.value).toBe(1);
    expect(s.equalized_odds_ratio.value).toBe(0);
  });

  it('intervals bracket the point estimate and are degenerate where the data force it', () => {
    for (const g of result.attributes[0].groups) {
      for (const [m, e] of Object.entries(g.metrics)) {
        if (Number.isNaN(e.value)) continue;
        expect(e.ciLow, `${m}(${g.group})`).toBeLessThanOrEqual(e.value + 1e-12);
        expect(e.ciHigh, `${m}(${g.group})`).toBeGreaterThanOrEqual(e.value - 1e-12);
      }
    }
    // B never has a positive label in any resample: its base rate is 0 in every one.
    const b = groups.get('B')!.metrics.base_rate;
    expect([b.ciLow, b.ciHigh]).toEqual([0, 0]);
  });
});

describe('summary metrics on a two-group table', () => {
  it('demographic parity and equalized odds, difference and ratio', async () => {
    // X: TP 6 FN 4 FP 2 TN 8 → SR 8/20, TPR 6/10, FPR 2/10. Y: TP 4 FN 1 FP 3 TN 12 → SR 7/20, TPR 4/5, FPR 3/15.
    const path = writeCsv(
      ['g', 'y', 'p'],
      rowsFromCounts([
        { group: 'X', tp: 6, fn: 4, fp: 2, tn: 8 },
        { group: 'Y', tp: 4, fn: 1, fp: 3, tn: 12 },
      ]),
    );
    const r = await auditPredictions({
      file: path,
      label: 'y',
      prediction: 'p',
      groups: ['g'],
      resamples: 0,
    });
    const s = r.attributes[0].summary;
    expect(s.demographic_parity_difference.value).toBeCloseTo(8 / 20 - 7 / 20, 15);
    expect(s.demographic_parity_ratio.value).toBeCloseTo(7 / 20 / (8 / 20), 15);
    // TPR difference 0.2, FPR difference 0: equalized odds difference max = 0.2, ratio min(0.75, 1).
    expect(s.equalized_odds_difference.value).toBeCloseTo(4 / 5 - 6 / 10, 15);
    expect(s.equalized_odds_ratio.value).toBeCloseTo(6 / 10 / (4 / 5), 15);
    expect(Number.isNaN(s.demographic_parity_difference.ciLow)).toBe(true); // --resamples 0
    expect(r.settings.bootstrap).toBe('none');
  });
});
