/**
 * Bad input through the library: each is a BiasloopError with a one-line message that names the
 * problem, and line numbers are exact (counted in the file, whatever quoted newlines, blank lines,
 * CRLF or a byte-order mark come before the bad row).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { auditPredictions, type AuditOptions } from '../../src/audit/index.ts';
import { BiasloopError } from '../../src/core/errors.ts';
import { tempDir } from '../helpers.ts';

function file(name: string, content: string | Buffer): string {
  const path = join(tempDir('biasloop-audit-err-'), name);
  writeFileSync(path, content);
  return path;
}

async function failure(options: AuditOptions): Promise<BiasloopError> {
  try {
    await auditPredictions(options);
  } catch (e) {
    expect(e).toBeInstanceOf(BiasloopError);
    const err = e as BiasloopError;
    expect(err.message).not.toContain('\n');
    expect(err.exitCode).toBe(2);
    return err;
  }
  throw new Error('expected the audit to fail');
}

const base = { label: 'y', score: 's', threshold: 0.5, groups: ['g'] } as const;

describe('non-numeric scores are reported with their exact line', () => {
  it('CSV, after a quoted field holding newlines and a blank line', async () => {
    const path = file(
      'p.csv',
      'g,y,s,note\n' + // line 1
        'a,1,0.9,"two\nlines"\n' + // lines 2–3
        '\n' + // line 4 (blank)
        'b,0,0.2,x\n' + // line 5
        'b,1,abc,x\n' + // line 6
        'a,0,0.1,x\n',
    );
    const err = await failure({ ...base, file: path });
    expect(err.message).toBe(
      `${path}:6: score column 's' holds 'abc', which is not a number (scores must be numeric; empty fields count as missing)`,
    );
    expect(err.details.line).toBe(6);
  });

  it('CSV with CRLF line ends and a byte-order mark', async () => {
    const path = file('p.csv', '\uFEFFg,y,s\r\na,1,0.9\r\nb,0,0.2\r\nb,1,1.5e-3\r\nb,0,n/a\r\n');
    expect((await failure({ ...base, file: path })).details.line).toBe(5);
  });

  it('CSV deep in a larger file (DuckDB reads it in parallel chunks)', async () => {
    const lines = ['g,y,s,note'];
    for (let i = 0; i < 60_000; i++) {
      lines.push(
        i === 45_000
          ? 'a,1,oops,x'
          : `${i % 2 ? 'a' : 'b'},${i % 2},0.${i % 10},${i % 997 === 0 ? '"multi\nline"' : 'x'}`,
      );
    }
    const path = file('big.csv', lines.join('\n') + '\n');
    // Each quoted newline before row 45,000 adds a line: rows with i % 997 === 0 for i < 45,000 → 46 of them.
    const expected = 1 + 45_000 + 1 + 46;
    expect((await failure({ ...base, file: path })).details.line).toBe(expected);
  });

  it('gzip-compressed CSV', async () => {
    const path = file('p.csv.gz', gzipSync('g,y,s\na,1,0.9\n"b",0,"zz"\n'));
    expect((await failure({ ...base, file: path })).details.line).toBe(3);
  });

  it('JSON Lines, with blank lines and a string score that is a number (allowed) before the bad one', async () => {
    const path = file(
      'p.jsonl',
      '{"g":"a","y":1,"s":0.9}\n\n{"g":"b","y":0,"s":"0.25"}\n   \n{"g":"b","y":1,"s":"high"}\n{"g":"a","y":0,"s":0.1}\n',
    );
    const err = await failure({ ...base, file: path });
    expect(err.message).toContain("score column 's' holds 'high', which is not a number");
    expect(err.details.line).toBe(5);
  });

  it('Parquet with a text score column: the row number', async () => {
    const csv = file('p.csv', 'g,y,s\na,1,0.9\nb,0,0.2\nb,1,zero\n');
    const parquet = csv.replace(/\.csv$/, '.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(
      `COPY (SELECT * FROM read_csv('${csv}', all_varchar = true)) TO '${parquet}' (FORMAT parquet)`,
    );
    con.closeSync();
    db.closeSync();
    expect((await failure({ ...base, file: parquet })).message).toContain(
      "row 3: score column 's' holds 'zero'",
    );
  });

  it('JSON array: the record number', async () => {
    const path = file('p.json', '[{"g":"a","y":1,"s":0.9},{"g":"b","y":0,"s":"x1"}]');
    expect((await failure({ ...base, file: path })).message).toContain(
      "record 2: score column 's' holds 'x1'",
    );
  });
});

describe('bad input is a one-line error naming the problem', () => {
  const good = 'g,y,p,s,empty\na,1,1,0.9,\nb,0,1,0.4,\nb,1,0,0.6,\n';

  it('a column that does not exist: lists the columns and suggests the closest', async () => {
    const err = await failure({ file: file('p.csv', good), label: 'y', prediction: 'p', groups: ['gg'] });
    expect(err.message).toContain("--group column 'gg' does not exist; columns: g, y, p, s, empty");
    expect(err.message).toContain("did you mean 'g'?");
  });

  it('a label with more than two values and no --label-positive lists them', async () => {
    const path = file('p.csv', 'g,risk,p\na,Low,1\na,High,1\nb,Medium,0\nb,Low,0\n');
    const err = await failure({ file: path, label: 'risk', prediction: 'p', groups: ['g'] });
    expect(err.message).toBe(
      `label column 'risk' has 3 values ('Low', 'High', 'Medium') (name the positive one(s) with --label-positive V[,V…])`,
    );
  });

  it('a --label-positive value that does not occur, with a suggestion', async () => {
    const path = file('p.csv', 'g,risk,p\na,Low,1\na,High,1\n');
    const err = await failure({
      file: path,
      label: 'risk',
      labelPositive: ['high'],
      prediction: 'p',
      groups: ['g'],
    });
    expect(err.message).toContain("--label-positive value 'high' does not occur in label column 'risk'");
    expect(err.message).toContain("did you mean 'High'?");
  });

  it('both --pred and --score', async () => {
    const err = await failure({
      file: file('p.csv', good),
      label: 'y',
      prediction: 'p',
      score: 's',
      threshold: 0.5,
      groups: ['g'],
    });
    expect(err.message).toContain('either --pred');
    expect(err.kind).toBe('usage');
  });

  it('an empty file, a whitespace-only file, and a header without rows', async () => {
    expect((await failure({ ...base, file: file('e.csv', '') })).message).toMatch(/the file is empty$/);
    expect((await failure({ ...base, file: file('e.csv', ' \n\n') })).message).toMatch(/the file is empty$/);
    expect((await failure({ ...base, file: file('h.csv', 'g,y,s\n') })).message).toMatch(
      /the file has a header but no data rows$/,
    );
    expect((await failure({ ...base, file: file('e.jsonl', '') })).message).toMatch(/the file is empty$/);
  });

  it('a group column that is entirely empty', async () => {
    const err = await failure({ file: file('p.csv', good), label: 'y', prediction: 'p', groups: ['empty'] });
    expect(err.message).toContain("--group column 'empty' is empty: none of its 3 rows has a value");
  });

  it('a file that does not exist, and a directory', async () => {
    const err = await failure({ ...base, file: '/nonexistent/preds.csv' });
    expect(err.message).toBe("predictions file '/nonexistent/preds.csv' does not exist (check the path)");
    expect((await failure({ ...base, file: tempDir() })).message).toContain('is a directory');
  });

  it('unreadable formats: binary data named .csv, Parquet named .csv, text named .parquet, unknown extension', async () => {
    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48]);
    expect((await failure({ ...base, file: file('x.csv', binary) })).message).toContain(
      'not a CSV file: it holds binary data',
    );
    expect(
      (await failure({ ...base, file: file('x.csv', Buffer.from('PAR1\u0000\u0000')) })).message,
    ).toContain('not a CSV file: it is Parquet');
    expect((await failure({ ...base, file: file('x.parquet', good) })).message).toContain(
      'not a Parquet file',
    );
    const unknown = await failure({ ...base, file: file('x.dat', good) });
    expect(unknown.message).toContain('cannot tell the format of');
    expect(unknown.message).toContain('--format');
    expect((await failure({ ...base, file: file('x.jsonl', good) })).message).toContain('not a JSON file');
  });

  it('a ragged CSV row, with its line', async () => {
    const err = await failure({ ...base, file: file('p.csv', 'g,y,s\na,1,0.5\nb,0,0.3,extra\n') });
    expect(err.message).toContain(':3: the row has more fields than the header');
  });

  it('missing labels or scores: an error unless --drop-missing', async () => {
    const path = file('p.csv', 'g,y,s\na,1,0.9\nb,,0.2\nb,1,\na,0,NaN\n');
    const err = await failure({ ...base, file: path });
    expect(err.message).toContain("1 row has no label (column 'y')");
    expect(err.message).toContain('--drop-missing');
    const r = await auditPredictions({ ...base, file: path, dropMissing: true, resamples: 0 });
    expect(r.input.rowsDropped).toBe(3); // no label; empty score; NaN score
    expect(r.input.rows).toBe(1);
  });

  it('a prediction column with many values and no --pred-positive suggests --score', async () => {
    const err = await failure({ file: file('p.csv', good), label: 'y', prediction: 's', groups: ['g'] });
    expect(err.message).toContain("prediction column 's' has 3 values");
    expect(err.message).toContain('--score COL --threshold T');
  });

  it('an invalid --where, a --where that keeps nothing, an unknown reference, an unknown metric', async () => {
    const path = file('p.csv', good);
    const opts = { file: path, label: 'y', prediction: 'p', groups: ['g'] };
    expect((await failure({ ...opts, where: 'nope > 1' })).message).toMatch(
      /^--where 'nope > 1' is not a valid condition/,
    );
    expect((await failure({ ...opts, where: 'true; DROP TABLE x' })).message).toContain('--where');
    expect((await failure({ ...opts, where: "g = 'zzz'" })).message).toContain('no row satisfies --where');
    const ref = await failure({ ...opts, reference: 'A' });
    expect(ref.message).toContain("--reference 'A' is not a group of 'g'");
    expect(ref.message).toContain("did you mean 'a'?");
    expect((await failure({ ...opts, metrics: ['fpr_ratio'] })).message).toContain(
      "unknown metric 'fpr_ratio'",
    );
    expect((await failure({ ...opts, metrics: ['brier_score'] })).message).toBe(
      "metric 'brier_score' needs scores: use --score COL --threshold T",
    );
  });

  it('a group column with too many distinct values', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i},1,1`).join('\n');
    const err = await failure({
      file: file('p.csv', `id,y,p\n${rows}\n`),
      label: 'y',
      prediction: 'p',
      groups: ['id'],
      maxGroups: 20,
    });
    expect(err.message).toContain("group column 'id' has 50 distinct values, more than 20");
  });
});
