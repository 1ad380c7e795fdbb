/**
 * The audit on the real benchmarks (../shared/datasets; skipped with a printed reason when absent):
 * ProPublica's COMPAS finding, and the loop's logistic regression on UCI Adult.
 *
 * COMPAS reference counts were computed with pandas 1.5 (Debian /usr/bin/python3) on
 * compas-scores-two-years.csv under the standard filter (days_b_screening_arrest within ±30,
 * is_recid ≠ −1, c_charge_degree ≠ 'O', score_text ≠ 'N/A': 6,172 rows), predicted positive =
 * score_text Medium or High:
 *   African-American 3,175 rows: TP 1188, FP 641, TN 873, FN 473 → FPR 641/1514 = 0.4234
 *   Caucasian        2,103 rows: TP 414,  FP 282, TN 999, FN 408 → FPR 282/1281 = 0.2201
 * ProPublica's article quotes 44.9% vs 23.5% from its Cox-model subset (cox-parsed.csv); on the
 * two-year file with the standard filter the same contrast is 42.3% vs 22.0%.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditPredictions, type AuditResult } from '../../src/audit/index.ts';
import { writeAdultPredictions } from '../../examples/adult-predictions.ts';
import { readCsvFile } from '../../src/data/csv.ts';
import { SHARED_AVAILABLE, sharedPath, tempDir } from '../helpers.ts';

/** The standard COMPAS analysis filter (../shared/datasets/README.md) as a --where condition. */
const COMPAS_WHERE =
  "days_b_screening_arrest BETWEEN -30 AND 30 AND is_recid <> -1 AND c_charge_degree <> 'O' AND score_text <> 'N/A'";

describe.skipIf(!SHARED_AVAILABLE)('COMPAS (ProPublica)', () => {
  const file = sharedPath('datasets', 'compas', 'compas-scores-two-years.csv');
  let byText: AuditResult;
  beforeAll(async () => {
    byText = await auditPredictions({
      file,
      label: 'two_year_recid',
      prediction: 'score_text',
      predictionPositive: ['Medium', 'High'],
      groups: ['race'],
      where: COMPAS_WHERE,
      reference: 'Caucasian',
      resamples: 300,
    });
  });

  it('the standard filter keeps 6,172 of 7,214 rows', () => {
    expect(byText.input.rowsRead).toBe(7214);
    expect(byText.input.rows).toBe(6172);
    expect(byText.input.rowsFiltered).toBe(1042);
  });

  it('false positive rate: African-American 0.423 against Caucasian 0.220 (ratio 1.92, unfair)', () => {
    const groups = new Map(byText.attributes[0].groups.map((g) => [g.group, g]));
    const aa = groups.get('African-American')!;
    const w = groups.get('Caucasian')!;
    expect(aa.counts).toEqual({ tp: 1188, fp: 641, tn: 873, fn: 473 });
    expect(w.counts).toEqual({ tp: 414, fp: 282, tn: 999, fn: 408 });
    expect(aa.metrics.false_positive_rate.value).toBe(641 / 1514);
    expect(w.metrics.false_positive_rate.value).toBe(282 / 1281);
    expect(aa.metrics.false_negative_rate.value).toBe(473 / 1661);
    expect(w.metrics.false_negative_rate.value).toBe(408 / 822);
    const d = aa.disparities.false_positive_rate;
    expect(d.reference).toBe('Caucasian');
    expect(d.ratio.value).toBeCloseTo(641 / 1514 / (282 / 1281), 12);
    expect(d.verdict).toBe('unfair');
    // The interval of the ratio excludes parity by far.
    expect(d.ratio.ciLow).toBeGreaterThan(1.6);
    expect(d.ratio.ciHigh).toBeLessThan(2.3);
    // Under 30 rows (the default): Native American (11); Asian has 31.
    expect(byText.attributes[0].smallGroups).toEqual(['Native American']);
  });

  it('decile_score ≥ 5 as a score with a threshold gives the same audit as score_text Medium/High', async () => {
    const byScore = await auditPredictions({
      file,
      label: 'two_year_recid',
      score: 'decile_score',
      threshold: 5,
      groups: ['race'],
      where: COMPAS_WHERE,
      reference: 'Caucasian',
      resamples: 300,
    });
    expect(byScore.attributes).toEqual(byText.attributes);
  });
});

describe.skipIf(!SHARED_AVAILABLE)("UCI Adult: the loop's logistic regression, audited by sex", () => {
  it('the audit equals counts taken directly from the predictions file', async () => {
    const out = join(tempDir('biasloop-audit-adult-'), 'adult-predictions.csv');
    const written = writeAdultPredictions(sharedPath('datasets', 'adult'), out);
    expect(written.rows).toBe(15060);
    expect(written.accuracy).toBeGreaterThan(0.84); // logistic regression on Adult: ~0.85
    const r = await auditPredictions({
      file: out,
      label: 'income',
      labelPositive: ['>50K'],
      prediction: 'prediction',
      predictionPositive: ['>50K'],
      groups: ['sex'],
      resamples: 200,
    });
    // Oracle: count the file with the project's own CSV reader, no DuckDB involved.
    const t = readCsvFile(out);
    const col = (name: string) => t.columns[t.header.indexOf(name)];
    const [sex, income, pred] = [col('sex'), col('income'), col('prediction')];
    for (const g of r.attributes[0].groups) {
      let tp = 0;
      let fp = 0;
      let tn = 0;
      let fn = 0;
      for (let i = 0; i < t.rowCount; i++) {
        if (sex[i] !== g.group) continue;
        const y = income[i] === '>50K';
        const p = pred[i] === '>50K';
        if (y && p) tp++;
        else if (!y && p) fp++;
        else if (!y && !p) tn++;
        else fn++;
      }
      expect(g.counts).toEqual({ tp, fp, tn, fn });
      expect(g.metrics.selection_rate.value).toBe((tp + fp) / (tp + fp + tn + fn));
    }
    expect(r.overall.metrics.accuracy.value).toBeCloseTo(written.accuracy, 15);
    // The model selects women far less often than men: demographic parity fails the four-fifths rule.
    const female = r.attributes[0].groups.find((g) => g.group === 'Female')!;
    expect(female.disparities.selection_rate.verdict).toBe('unfair');
    expect(r.attributes[0].summary.demographic_parity_ratio.value).toBeLessThan(0.5);
  });
});
