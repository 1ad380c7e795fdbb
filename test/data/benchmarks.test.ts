import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { DataCache, loadRealData } from '../../src/data/real.ts';
import { validateSpec } from '../../src/spec/load.ts';
import { SHARED_AVAILABLE, sharedPath } from '../helpers.ts';

const dataSpec = (data: Record<string, unknown>) => validateSpec({ data }).data;
const needs = { freshFraction: 0, generations: 1 };

describe.skipIf(!SHARED_AVAILABLE)('real benchmark files (../shared/datasets)', () => {
  const cache = new DataCache();

  it('UCI Adult: 30,162 training and 15,060 test rows after dropping missing values', () => {
    const real = loadRealData(
      dataSpec({ source: 'adult', path: sharedPath('datasets', 'adult') }),
      Rng.stream(0, 'd'),
      needs,
      cache,
    );
    expect(real.train.n).toBe(30162);
    expect(real.tests[0].data.n).toBe(15060);
    expect(real.schema.classNames).toEqual(['<=50K', '>50K']);
    expect(real.schema.groupNames).toEqual(['Female', 'Male']);
    // Published base rates: 24.9% of the training rows earn >50K (7,508 of 30,162).
    expect(real.train.y.reduce((a, b) => a + b, 0)).toBe(7508);
    expect(real.schema.featureNames).toContain('occupation=Exec-managerial');
    expect(real.schema.featureNames).not.toContain('sex=Male');
  });

  it('ProPublica COMPAS: the standard filter keeps 6,172 rows; 5,278 African-American or Caucasian', () => {
    const path = sharedPath('datasets', 'compas', 'compas-scores-two-years.csv');
    const all = loadRealData(
      dataSpec({ source: 'compas', path, races: 'all', testFraction: 0.5 }),
      Rng.stream(0, 'd'),
      needs,
      cache,
    );
    expect(all.train.n + all.tests[0].data.n).toBe(6172);
    expect(all.schema.groupNames).toEqual([
      'African-American',
      'Asian',
      'Caucasian',
      'Hispanic',
      'Native American',
      'Other',
    ]);
    const bw = loadRealData(dataSpec({ source: 'compas', path }), Rng.stream(0, 'd'), needs, cache);
    expect(bw.train.n + bw.tests[0].data.n).toBe(5278);
    expect(bw.schema.groupNames).toEqual(['African-American', 'Caucasian']);
    // two_year_recid base rate in the filtered data: 2,809 of 6,172 (45.5%).
    const pos = all.train.y.reduce((a, b) => a + b, 0) + all.tests[0].data.y.reduce((a, b) => a + b, 0);
    expect(pos).toBe(2809);
  });
});
