/**
 * The same predictions in every format the audit reads give the same audit; scores with a
 * threshold equal the hard predictions they imply; intersections equal an audit by the combined
 * column; `where`, score metrics and the registry's other metrics work end to end.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditPredictions, type AuditResult } from '../../src/audit/index.ts';
import { Rng } from '../../src/core/rng.ts';
import { tempDir } from '../helpers.ts';

interface Row {
  race: string;
  sex: string;
  y: number;
  score: number;
  risk: string;
}

function makeRows(n: number): Row[] {
  const rng = Rng.stream(11, 'audit-formats');
  const races = ['Black', 'White', 'Asian', 'Other'];
  return Array.from({ length: n }, () => {
    const race = races[rng.categorical([4, 5, 1, 1])];
    const y = rng.float() < (race === 'Black' ? 0.5 : 0.35) ? 1 : 0;
    const score = Math.round(100 * Math.min(0.999, Math.max(0, 0.3 + 0.35 * y + 0.2 * rng.normal()))) / 100;
    return { race, sex: rng.float() < 0.5 ? 'F' : 'M', y, score, risk: score >= 0.5 ? 'High' : 'Low' };
  });
}

const strip = (r: AuditResult) => ({ ...r, input: { ...r.input, file: '', format: 'csv' } });

describe('formats', () => {
  const dir = tempDir('biasloop-audit-fmt-');
  const rows = makeRows(400);
  const csv =
    ['race,sex,y,score,risk', ...rows.map((r) => `${r.race},${r.sex},${r.y},${r.score},${r.risk}`)].join(
      '\n',
    ) + '\n';
  const paths: Record<string, string> = {};
  beforeAll(async () => {
    paths.csv = join(dir, 'p.csv');
    writeFileSync(paths.csv, csv);
    paths.tsv = join(dir, 'p.tsv');
    writeFileSync(paths.tsv, csv.replace(/,/g, '\t'));
    paths.semicolon = join(dir, 'p-semicolon.csv');
    writeFileSync(paths.semicolon, csv.replace(/,/g, ';'));
    paths.gz = join(dir, 'p.csv.gz');
    writeFileSync(paths.gz, gzipSync(csv));
    paths.jsonl = join(dir, 'p.jsonl');
    writeFileSync(paths.jsonl, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    paths.json = join(dir, 'p.json');
    writeFileSync(paths.json, JSON.stringify(rows));
    paths.parquet = join(dir, 'p.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (SELECT * FROM read_csv('${paths.csv}')) TO '${paths.parquet}' (FORMAT parquet)`);
    con.closeSync();
    db.closeSync();
  });

  it('CSV, TSV, semicolon CSV, gzip CSV, JSON Lines, JSON and Parquet give the same audit', async () => {
    const opts = {
      label: 'y',
      score: 'score',
      threshold: 0.5,
      groups: ['race', 'sex'],
      intersect: true,
      resamples: 50,
    };
    const reference = await auditPredictions({ ...opts, file: paths.csv });
    expect(reference.input.rows).toBe(400);
    for (const [fmt, path] of Object.entries(paths)) {
      if (fmt === 'csv') continue;
      const r = await auditPredictions({ ...opts, file: path });
      expect(strip(r), fmt).toEqual(strip(reference));
    }
  });

  it('a score with a threshold equals the hard predictions it implies', async () => {
    const common = { file: paths.csv, label: 'y', groups: ['race'], resamples: 50 };
    const byScore = await auditPredictions({ ...common, score: 'score', threshold: 0.5 });
    const byPred = await auditPredictions({ ...common, prediction: 'risk', predictionPositive: ['High'] });
    expect(byScore.attributes).toEqual(byPred.attributes);
  });

  it('the intersection equals an audit by the combined column', async () => {
    const combined = join(dir, 'combined.csv');
    writeFileSync(
      combined,
      ['rs,y,risk', ...rows.map((r) => `${r.race} & ${r.sex},${r.y},${r.risk}`)].join('\n') + '\n',
    );
    const common = { label: 'y', prediction: 'risk', predictionPositive: ['High'], resamples: 0 };
    const inter = await auditPredictions({
      ...common,
      file: paths.csv,
      groups: ['race', 'sex'],
      intersect: true,
    });
    const single = await auditPredictions({ ...common, file: combined, groups: ['rs'] });
    const a = inter.attributes[2];
    expect(a.attribute).toBe('race & sex');
    expect(a.columns).toEqual(['race', 'sex']);
    expect(a.groups).toEqual(single.attributes[0].groups);
    expect(a.summary).toEqual(single.attributes[0].summary);
  });

  it('--where filters rows and counts those left out', async () => {
    const r = await auditPredictions({
      file: paths.parquet,
      label: 'y',
      score: 'score',
      threshold: 0.5,
      groups: ['race'],
      where: "sex = 'F' AND score > 0.05",
      resamples: 0,
    });
    const kept = rows.filter((x) => x.sex === 'F' && x.score > 0.05).length;
    expect(r.input.rows).toBe(kept);
    expect(r.input.rowsFiltered).toBe(400 - kept);
  });

  it('any registry metric: score metrics (rows bootstrap), variants and named metrics', async () => {
    const r = await auditPredictions({
      file: paths.csv,
      label: 'y',
      score: 'score',
      threshold: 0.5,
      groups: ['race'],
      metrics: ['default', 'mean_score', 'brier_score', 'f1_score', '*_ratio_to_overall', 'disparate_impact'],
      reference: 'White',
      resamples: 30,
    });
    expect(r.settings.bootstrap).toBe('rows');
    expect(r.settings.groupMetrics).toContain('brier_score');
    expect(r.settings.summaryMetrics).toContain('disparate_impact');
    expect(r.settings.summaryMetrics).toContain('accuracy_ratio_to_overall');
    const black = r.attributes[0].groups.find((g) => g.group === 'Black')!;
    const sub = rows.filter((x) => x.race === 'Black');
    const mean = sub.reduce((s, x) => s + x.score, 0) / sub.length;
    const brier = sub.reduce((s, x) => s + (x.score - x.y) ** 2, 0) / sub.length;
    expect(black.metrics.mean_score.value).toBeCloseTo(mean, 12);
    expect(black.metrics.brier_score.value).toBeCloseTo(brier, 12);
    expect(black.metrics.brier_score.ciLow).toBeLessThan(brier);
    // disparate impact: SR(not White) / SR(White), the reference being the privileged group.
    const sr = (xs: Row[]) => xs.filter((x) => x.score >= 0.5).length / xs.length;
    const white = rows.filter((x) => x.race === 'White');
    const others = rows.filter((x) => x.race !== 'White');
    expect(r.attributes[0].summary.disparate_impact.value).toBeCloseTo(sr(others) / sr(white), 12);
  });

  it('spaces around names and values are not part of them (as in UCI Adult), a blank value is missing', async () => {
    const path = join(dir, 'spaced.csv');
    writeFileSync(
      path,
      'sex, income, pred\n Male, >50K, >50K\nMale,<=50K, >50K\n Female , <=50K,<=50K\n  , >50K, <=50K\n',
    );
    const r = await auditPredictions({
      file: path,
      label: 'income',
      labelPositive: ['>50K'],
      prediction: 'pred',
      predictionPositive: ['>50K'],
      groups: ['sex'],
      resamples: 0,
    });
    expect(r.attributes[0].groups.map((g) => [g.group, g.rows])).toEqual([
      ['Female', 1],
      ['Male', 2],
      ['(missing)', 1],
    ]);
    expect(r.attributes[0].groups[1].counts).toEqual({ tp: 1, fp: 1, tn: 0, fn: 0 });
  });
});
