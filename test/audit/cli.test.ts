/**
 * `biasloop audit` as a user runs it: `node bin/biasloop.js audit …` in a child process. Bad input
 * gives exit code 2 and exactly one line on stderr, never a stack trace; good input gives the
 * terminal tables, `--json` and `--csv DIR`. The processes are started together and awaited one by
 * one, so the file's wall time is that of the slowest, not the sum.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';
import { rowsFromCounts, writeCsv } from './fixtures.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'biasloop.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'audit', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function expectOneLineError(r: Run, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^biasloop: error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
  expect(r.stdout).toBe('');
}

const dir = tempDir('biasloop-audit-cli-');
const good = writeCsv(
  ['race', 'sex', 'y', 'p', 's', 'risk', 'empty'],
  rowsFromCounts([
    { group: 'Black', tp: 30, fn: 10, fp: 25, tn: 35 },
    { group: 'White', tp: 25, fn: 15, fp: 10, tn: 50 },
    { group: 'Asian', tp: 2, fn: 1, fp: 1, tn: 6 },
  ]).map(([g, y, p], i) => [
    g,
    i % 2 ? 'F' : 'M',
    y,
    p,
    p ? 0.75 : 0.25,
    ['Low', 'Medium', 'High'][i % 3],
    '',
  ]),
  'good.csv',
  dir,
);
const badScore = join(dir, 'bad-score.csv');
writeFileSync(badScore, 'race,y,s\nBlack,1,0.9\nWhite,0,"0.1"\n\nWhite,1,"n/a"\n');
const empty = join(dir, 'empty.csv');
writeFileSync(empty, '');
const binary = join(dir, 'binary.csv');
writeFileSync(binary, Buffer.from([0x1, 0x2, 0, 0x50, 0x4b, 0x3, 0x4, 0, 0, 0xff, 0xfe]));
const unknownExt = join(dir, 'preds.data');
writeFileSync(unknownExt, readFileSync(good));
const csvOut = join(dir, 'tables');

const common = ['--label', 'y', '--group', 'race'];
// Started at load time, all at once.
const runs = {
  missingColumn: cli([good, '--label', 'y', '--pred', 'p', '--group', 'rcae']),
  multiLabel: cli([good, '--label', 'risk', '--pred', 'p', '--group', 'race']),
  badScore: cli([badScore, '--label', 'y', '--score', 's', '--threshold', '0.5', '--group', 'race']),
  both: cli([good, ...common, '--pred', 'p', '--score', 's', '--threshold', '0.5']),
  empty: cli([empty, ...common, '--pred', 'p']),
  emptyGroup: cli([good, '--label', 'y', '--pred', 'p', '--group', 'empty']),
  noFile: cli([join(dir, 'nope.csv'), ...common, '--pred', 'p']),
  binary: cli([binary, ...common, '--pred', 'p']),
  unknownExt: cli([unknownExt, ...common, '--pred', 'p']),
  text: cli([good, ...common, '--group', 'sex', '--intersect', '--pred', 'p', '--resamples', '200']),
  json: cli([
    good,
    ...common,
    '--score',
    's',
    '--threshold',
    '0.5',
    '--json',
    '--csv',
    csvOut,
    '--resamples',
    '100',
  ]),
};

describe('biasloop audit: bad input is one line on stderr and exit code 2', () => {
  it('a column that does not exist lists the columns and suggests the closest', async () => {
    expectOneLineError(
      await runs.missingColumn,
      /--group column 'rcae' does not exist; columns: race, sex, y, p, s, risk, empty \(did you mean 'race'\?\)$/,
    );
  });
  it('a label with more than two values and no --label-positive', async () => {
    expectOneLineError(
      await runs.multiLabel,
      /label column 'risk' has 3 values \('.+', '.+', '.+'\).*--label-positive/,
    );
  });
  it('a score column with a non-number, with its line', async () => {
    expectOneLineError(
      await runs.badScore,
      /bad-score\.csv:5: score column 's' holds 'n\/a', which is not a number/,
    );
  });
  it('both --pred and --score', async () => {
    expectOneLineError(await runs.both, /either --pred .* not both/);
  });
  it('an empty file', async () => {
    expectOneLineError(await runs.empty, /empty\.csv: the file is empty$/);
  });
  it('a group column that is entirely empty', async () => {
    expectOneLineError(await runs.emptyGroup, /--group column 'empty' is empty/);
  });
  it('a file that does not exist', async () => {
    expectOneLineError(await runs.noFile, /predictions file '.*nope\.csv' does not exist/);
  });
  it('an unreadable format: binary data named .csv, or an unknown extension without --format', async () => {
    expectOneLineError(await runs.binary, /not a CSV file: it holds binary data/);
    expectOneLineError(
      await runs.unknownExt,
      /cannot tell the format of '.*preds\.data' from its extension '\.data' \(pass --format/,
    );
  });
});

describe('biasloop audit: output', () => {
  it('prints tables per attribute with the reference, failing verdicts and small groups marked', async () => {
    const r = await runs.text;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('race — reference Black (largest group)');
    expect(r.stdout).toContain('race & sex — reference');
    expect(r.stdout).toMatch(/\nBlack \(ref\)\s+100\s+0\.476/);
    // White's FPR 10/60 against Black's 25/60: ratio (10/60)/(25/60) = 0.4 (0.39999999999999997 in doubles) fails.
    expect(r.stdout).toMatch(/\nWhite\s+100\s+0\.476\s+.*0\.167✗/);
    expect(r.stdout).toMatch(/\nAsian †\s+10\s/);
    expect(r.stdout).toContain('† fewer than 30 rows');
    expect(r.stdout).toMatch(/demographic_parity_difference\s+0\.\d{3} \[0\.\d{3}, 0\.\d{3}\]/);
  });

  it('--json prints the documented fields and --csv writes one file per table', async () => {
    const r = await runs.json;
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.schema).toBe('biasloop.audit/1');
    expect(Object.keys(j)).toEqual(['schema', 'input', 'settings', 'overall', 'attributes']);
    expect(j.input).toMatchObject({
      format: 'csv',
      label: { column: 'y', positive: ['1'] },
      prediction: { kind: 'score', column: 's', threshold: 0.5 },
      groups: ['race'],
      rows: 210,
    });
    const black = j.attributes[0].groups.find((g: { group: string }) => g.group === 'Black');
    expect(Object.keys(black)).toEqual([
      'group',
      'rows',
      'share',
      'small',
      'isReference',
      'counts',
      'metrics',
      'disparities',
    ]);
    expect(black.metrics.false_positive_rate.value).toBe(25 / 60);
    expect(Object.keys(black.disparities.false_positive_rate)).toEqual([
      'reference',
      'ratio',
      'difference',
      'verdict',
    ]);
    expect(Object.keys(black.metrics.accuracy)).toEqual(['value', 'ciLow', 'ciHigh']);
    // Undefined values are null in JSON: Asian has TPR 2/3, but every rate is defined here; the
    // summary exists for the attribute.
    expect(Object.keys(j.attributes[0].summary)).toEqual([
      'demographic_parity_difference',
      'demographic_parity_ratio',
      'equalized_odds_difference',
      'equalized_odds_ratio',
    ]);
    for (const t of ['overall', 'groups', 'disparities', 'summary'])
      expect(existsSync(join(csvOut, `${t}.csv`))).toBe(true);
    const groups = readFileSync(join(csvOut, 'groups.csv'), 'utf8').split('\n');
    expect(groups[0]).toMatch(
      /^attribute,group,rows,share,share_ci_low,share_ci_high,small,reference,tp,fp,tn,fn,base_rate,/,
    );
    expect(groups[1]).toMatch(/^race,Asian,10,0\.047619047619047616,/);
    const disparities = readFileSync(join(csvOut, 'disparities.csv'), 'utf8');
    expect(disparities).toMatch(
      /\nrace,White,false_positive_rate,Black,0\.39999999999999997,[\d.]+,[\d.]+,-0\.25,[-\d.]+,[-\d.]+,unfair,false\n/,
    );
  });
});
