/**
 * Ready column mappings for two public fairness benchmarks. Users pass their own copy of the file;
 * nothing is downloaded.
 *
 * UCI Adult (Census Income): label `Y` (`>50K` positive; the test file writes `>50K.`), missing `?`
 * rows dropped (30,162 train + 15,060 test rows remain), `fnlwgt` (a census sampling weight) is not a
 * feature, `education` is left out in favour of its numeric twin `education-num`.
 *
 * ProPublica COMPAS (compas-scores-two-years.csv): the standard analysis filter
 * (`days_b_screening_arrest` within ±30, `is_recid != -1`, `c_charge_degree != 'O'`,
 * `score_text != 'N/A'`: 6,172 rows), label `two_year_recid`; COMPAS's own outputs (`decile_score`,
 * `score_text`) are not features: the loop trains its own model from the defendant's record.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BiasloopError } from '../core/errors.ts';
import type { ColumnRoles, ProtectedColumn, RowFilter } from './tabular.ts';

export type AdultProtected = 'sex' | 'race' | 'age';
export type CompasProtected = 'race' | 'sex' | 'age';

const ADULT_NUMERIC = ['age', 'education-num', 'capital-gain', 'capital-loss', 'hours-per-week'];
const ADULT_CATEGORICAL = ['workclass', 'marital-status', 'occupation', 'relationship', 'native-country'];

export function adultRoles(protectedAttrs: readonly AdultProtected[], includeProtected = false): ColumnRoles {
  const prot: ProtectedColumn[] = protectedAttrs.map((p) =>
    p === 'age' ? { column: 'age', bins: [25, 45] } : { column: p },
  );
  return {
    label: { column: 'Y', positive: ['>50K'], stripSuffix: '.' },
    protected: prot,
    numeric: ADULT_NUMERIC.filter((c) => !protectedAttrs.includes(c as AdultProtected)),
    categorical: ADULT_CATEGORICAL,
    missing: { values: ['?', ''], policy: 'drop-row' },
    includeProtected,
  };
}

/** adult.data (+ adult.test when `path` is a directory holding both). */
export function resolveAdultPaths(path: string, testPath?: string): { train: string; test?: string } {
  if (!existsSync(path)) {
    throw new BiasloopError('io', `Adult data '${path}' does not exist`, {
      field: 'data.path',
      hint: 'pass adult.data or a directory holding adult.data and adult.test',
    });
  }
  if (statSync(path).isDirectory()) {
    const train = join(path, 'adult.data');
    if (!existsSync(train)) {
      throw new BiasloopError('io', `directory '${path}' has no adult.data`, { field: 'data.path' });
    }
    const test = testPath ?? (existsSync(join(path, 'adult.test')) ? join(path, 'adult.test') : undefined);
    return test === undefined ? { train } : { train, test };
  }
  return testPath === undefined ? { train: path } : { train: path, test: testPath };
}

export const COMPAS_FILTERS: readonly RowFilter[] = [
  { column: 'days_b_screening_arrest', op: 'between', value: [-30, 30] },
  { column: 'is_recid', op: 'ne', value: -1 },
  { column: 'c_charge_degree', op: 'ne', value: 'O' },
  { column: 'score_text', op: 'ne', value: 'N/A' },
];

export function compasRoles(
  protectedAttrs: readonly CompasProtected[],
  races: 'all' | 'black-white',
  includeProtected = false,
): ColumnRoles {
  const prot: ProtectedColumn[] = protectedAttrs.map((p) => ({
    column: p === 'age' ? 'age_cat' : p,
  }));
  const filters: RowFilter[] = [...COMPAS_FILTERS];
  if (races === 'black-white')
    filters.push({ column: 'race', op: 'in', value: ['African-American', 'Caucasian'] });
  const numeric = ['age', 'priors_count', 'juv_fel_count', 'juv_misd_count', 'juv_other_count'].filter(
    (c) => !(c === 'age' && protectedAttrs.includes('age')),
  );
  const categorical = ['c_charge_degree', ...(protectedAttrs.includes('sex') ? [] : ['sex'])];
  return {
    label: { column: 'two_year_recid', positive: ['1'] },
    protected: prot,
    numeric,
    categorical,
    filters,
    // The filter drops rows with an empty days_b_screening_arrest; the features used have no gaps.
    missing: { values: [''], policy: 'drop-row' },
    includeProtected,
  };
}
