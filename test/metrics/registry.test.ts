import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { groupMetrics } from '../../src/metrics/frame.ts';
import {
  METRIC_NAMES,
  METRIC_REGISTRY,
  metricCatalog,
  resolveMetricNames,
} from '../../src/metrics/registry.ts';

/**
 * One definition test per registry entry. The expected values in fixtures/registry_reference.json were
 * computed from the row arrays with numpy by fixtures/registry_reference.py (hand formulas written
 * independently of biasloop's confusion counting; AIF360's smoothed EDF and the Zhao / Wang–Russakovsky
 * amplification formulas transcribed from their papers/code). Fixture: groups A (TP 30, FP 10, TN 50,
 * FN 10), B (5, 15, 20, 10), C (8, 2, 6, 4); positive-class probability 0.8/0.7/0.2/0.4 per cell
 * + 0.05 × group index; privileged group A.
 */
const expected = JSON.parse(
  readFileSync(new URL('./fixtures/registry_reference.json', import.meta.url), 'utf8'),
) as Record<string, number | Record<string, number>>;

function fixture() {
  const cells: [string, [number, number, number, number]][] = [
    ['A', [30, 10, 50, 10]],
    ['B', [5, 15, 20, 10]],
    ['C', [8, 2, 6, 4]],
  ];
  const yTrue: number[] = [];
  const yPred: number[] = [];
  const group: number[] = [];
  const proba: number[] = [];
  cells.forEach(([, [tp, fp, tn, fn]], gi) => {
    const spec: [number, number, number, number][] = [
      [tp, 1, 1, 0.8],
      [fp, 0, 1, 0.7],
      [tn, 0, 0, 0.2],
      [fn, 1, 0, 0.4],
    ];
    for (const [count, t, p, prob] of spec) {
      for (let i = 0; i < count; i++) {
        yTrue.push(t);
        yPred.push(p);
        group.push(gi);
        const p1 = prob + 0.05 * gi;
        proba.push(1 - p1, p1);
      }
    }
  });
  return {
    yTrue: Int32Array.from(yTrue),
    yPred: Int32Array.from(yPred),
    groups: [{ name: 'g', codes: Int32Array.from(group), levels: ['A', 'B', 'C'] }],
    proba: Float64Array.from(proba),
  };
}

describe('metric registry definitions', () => {
  const result = groupMetrics({ ...fixture(), metrics: ['all'], privileged: 'A' });

  it('has a reference value for every registry entry', () => {
    const missing = METRIC_NAMES.filter((n) => !(n in expected));
    expect(missing).toEqual([]);
  });

  it.each(METRIC_NAMES.map((n) => [n]))('%s matches its definition', (name) => {
    const want = expected[name];
    if (typeof want === 'number') {
      expect(result.get(name)).toBeCloseTo(want, 12);
    } else {
      for (const [group, v] of Object.entries(want))
        expect(result.get(name, group), group).toBeCloseTo(v, 12);
    }
  });

  it('documents every entry with a formula, a range and a direction', () => {
    for (const info of metricCatalog()) {
      expect(info.doc.length, info.name).toBeGreaterThan(10);
      expect(info.formula.length, info.name).toBeGreaterThan(0);
      expect(info.range[0]).toBeLessThanOrEqual(info.range[1]);
      // Every disparity has a fairer direction; group_min/max only when the base metric has a better one.
      if (info.kind === 'named' || /_(difference|ratio)(_to_overall)?$/.test(info.name)) {
        expect(info.fairer, info.name).not.toBe('none');
      }
    }
  });

  it('reproduces the Fairlearn documentation vector (PAPERS.md)', () => {
    const r = groupMetrics({
      yTrue: [1, 1, 1, 1, 1, 0, 0, 1, 1, 0],
      yPred: [0, 1, 1, 1, 1, 0, 0, 0, 1, 1],
      groups: [{ name: 'sex', codes: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1], levels: ['F', 'M'] }],
      metrics: [
        'selection_rate',
        'accuracy',
        'selection_rate_difference',
        'selection_rate_ratio',
        'accuracy_difference',
        'accuracy_ratio',
      ],
    });
    expect(r.byGroup('selection_rate')).toEqual({ F: 0.8, M: 0.4 });
    expect(r.byGroup('accuracy')).toEqual({ F: 0.8, M: 0.6 });
    expect(r.get('selection_rate_difference')).toBeCloseTo(0.4, 15);
    expect(r.get('selection_rate_ratio')).toBeCloseTo(0.5, 15);
    expect(r.get('accuracy_difference')).toBeCloseTo(0.2, 15);
    expect(r.get('accuracy_ratio')).toBeCloseTo(0.75, 15);
  });
});

describe('resolveMetricNames', () => {
  it('suggests the closest name for a typo', () => {
    expect(() => resolveMetricNames(['demographic_parity_diference'])).toThrow(
      /unknown metric 'demographic_parity_diference'.*did you mean 'demographic_parity_difference'/,
    );
  });

  it('expands globs and presets and refuses patterns that match nothing', () => {
    const ratios = resolveMetricNames(['*_ratio']).map((m) => m.entry.info.name);
    expect(ratios).toContain('selection_rate_ratio');
    expect(ratios).toContain('equalized_odds_ratio');
    expect(ratios.every((n) => n.endsWith('_ratio'))).toBe(true);
    expect(() => resolveMetricNames(['nothing_*'])).toThrow(/matches no metric/);
    // `all` without scores or a privileged group silently skips the metrics that need them.
    const all = resolveMetricNames(['all']).map((m) => m.entry.info.name);
    expect(all).not.toContain('brier_score');
    expect(all).not.toContain('disparate_impact');
    expect(all.length).toBe(METRIC_NAMES.length - countNeeding());
  });

  it('refuses an explicit metric whose inputs are missing', () => {
    expect(() => resolveMetricNames(['brier_score'])).toThrow(/needs predicted probabilities/);
    expect(() => resolveMetricNames(['disparate_impact'])).toThrow(/needs a privileged group/);
  });

  it('validates class suffixes', () => {
    const r = resolveMetricNames(['true_positive_rate[Right]'], { classNames: ['Left', 'Center', 'Right'] });
    expect(r[0].classIndex).toBe(2);
    expect(() =>
      resolveMetricNames(['true_positive_rate[Rigth]'], { classNames: ['Left', 'Center', 'Right'] }),
    ).toThrow(/did you mean 'Right'/);
    expect(() => resolveMetricNames(['accuracy[Right]'], { classNames: ['Left', 'Right'] })).toThrow(
      /does not depend on a class/,
    );
  });
});

function countNeeding(): number {
  return [...METRIC_REGISTRY.values()].filter((e) => e.info.needsScores || e.info.needsPrivileged).length;
}
