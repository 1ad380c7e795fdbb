import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BiasloopError } from '../../src/core/errors.ts';
import { columnIndex, parseCsv, readCsvFile } from '../../src/data/csv.ts';
import { encodeTables } from '../../src/data/tabular.ts';

const errorOf = (f: () => unknown): BiasloopError => {
  try {
    f();
  } catch (e) {
    if (e instanceof BiasloopError) return e;
    throw e;
  }
  throw new Error('expected a BiasloopError');
};

describe('parseCsv', () => {
  it('reads quotes, escaped quotes, embedded newlines, CRLF, a BOM and trailing blank lines', () => {
    const t = parseCsv('\ufeffa,b,c\r\n1,"x, y",3\r\n"4","he said ""hi""","multi\nline"\r\n\r\n', {
      name: 't.csv',
    });
    expect(t.header).toEqual(['a', 'b', 'c']);
    expect(t.columns[1]).toEqual(['x, y', 'he said "hi"']);
    expect(t.columns[2]).toEqual(['3', 'multi\nline']);
    expect(Array.from(t.lines)).toEqual([2, 3]);
  });

  it('detects tab and semicolon delimiters and trims spaces (UCI style)', () => {
    expect(parseCsv('a\tb\n1\t2\n').columns[1]).toEqual(['2']);
    expect(parseCsv('a;b\n1;2\n').columns[1]).toEqual(['2']);
    expect(parseCsv('age, sex\n39, Male\n').columns[1]).toEqual(['Male']);
  });

  it('suffixes repeated header names as pandas does', () => {
    expect(parseCsv('a,b,a,a\n1,2,3,4\n').header).toEqual(['a', 'b', 'a.1', 'a.2']);
  });

  it('gives one-line errors with the line for ragged rows, unterminated quotes and empty files', () => {
    const ragged = errorOf(() => parseCsv('a,b,c\n1,2,3\n4,5\n', { name: 'r.csv' }));
    expect(ragged.message).toBe(
      'r.csv:3: row has 2 fields but the header has 3 (ragged row: check for a missing or extra delimiter)',
    );
    expect(errorOf(() => parseCsv('a,b\n1,"open\n', { name: 'q.csv' })).message).toMatch(
      /^q.csv:2: unterminated quoted field/,
    );
    expect(errorOf(() => parseCsv('', { name: 'e.csv' })).message).toBe('e.csv: the file is empty');
    expect(errorOf(() => parseCsv('  \n\n', { name: 'e.csv' })).message).toBe('e.csv: the file is empty');
    expect(errorOf(() => parseCsv('a,b\n', { name: 'h.csv' })).message).toBe(
      'h.csv: the file has a header but no data rows',
    );
    expect(errorOf(() => readCsvFile('/no/such/file.csv')).message).toMatch(/does not exist/);
  });

  it('round-trips any table written with RFC 4180 quoting (property)', () => {
    const cell = fc.string({ maxLength: 8 }).map((s) => s.replace(/\r/g, ''));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(cell, { minLength: 30, maxLength: 30 }),
        (w, h, cells) => {
          const header = Array.from({ length: w }, (_, j) => `c${j}`);
          const rows = Array.from({ length: h }, (_, i) =>
            Array.from({ length: w }, (_, j) => `v${cells[(i * w + j) % 30]}`),
          );
          const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;
          const text = [header, ...rows].map((r) => r.map(quote).join(',')).join('\n') + '\n';
          const t = parseCsv(text, { trim: false, delimiter: ',' });
          expect(t.header).toEqual(header);
          for (let j = 0; j < w; j++) expect(t.columns[j]).toEqual(rows.map((r) => r[j]));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('names the closest column when one is missing', () => {
    const t = parseCsv('age,sex,income\n1,F,2\n', { name: 'p.csv' });
    expect(errorOf(() => columnIndex(t, 'gender')).message).toBe(
      "p.csv: column 'gender' does not exist; available columns: age, sex, income",
    );
    expect(errorOf(() => columnIndex(t, 'incme')).message).toMatch(/\(did you mean 'income'\?\)$/);
  });
});

describe('encodeTables', () => {
  const table = parseCsv(
    ['age,job,sex,y', '30,a,F,1', '40,b,M,0', '?,a,F,1', '50,c,M,1', '20,b,F,0'].join('\n'),
    { name: 'toy.csv' },
  );

  it('one-hot encodes categoricals, maps the label, and drops rows with missing values', () => {
    const e = encodeTables([table], {
      label: { column: 'y', positive: ['1'] },
      protected: [{ column: 'sex' }],
      numeric: ['age'],
      categorical: ['job'],
    });
    const ds = e.datasets[0];
    expect(e.schema.featureNames).toEqual(['age', 'job=a', 'job=b', 'job=c']);
    expect(e.schema.groupNames).toEqual(['F', 'M']);
    expect(ds.n).toBe(4);
    expect(Array.from(ds.x.subarray(0, 4))).toEqual([30, 1, 0, 0]);
    expect(Array.from(ds.y)).toEqual([1, 0, 1, 0]);
    expect(Array.from(ds.group)).toEqual([0, 1, 1, 0]);
    expect(e.report.rowsDroppedMissing).toBe(1);
  });

  it('imputes the numeric mean under the impute policy', () => {
    const e = encodeTables([table], {
      label: { column: 'y', positive: ['1'] },
      protected: ['sex'].map((c) => ({ column: c })),
      numeric: ['age'],
      categorical: [],
      missing: { policy: 'impute' },
    });
    expect(e.datasets[0].n).toBe(5);
    expect(e.datasets[0].x[2]).toBe(35);
    expect(e.report.rowsImputed).toBe(1);
  });

  it('builds intersectional groups from several protected attributes', () => {
    const e = encodeTables([table], {
      label: { column: 'y' },
      protected: [{ column: 'sex' }, { column: 'job' }],
      numeric: ['age'],
      categorical: [],
    });
    expect(e.schema.groupNames).toEqual(['sex=F & job=a', 'sex=F & job=b', 'sex=M & job=b', 'sex=M & job=c']);
  });

  it('gives one-line errors for a non-numeric value, a missing column and a non-binary label', () => {
    const bad = parseCsv('age,sex,y\n30,F,1\nthirty,M,0\n', { name: 'bad.csv' });
    expect(
      errorOf(() =>
        encodeTables([bad], {
          label: { column: 'y' },
          protected: [{ column: 'sex' }],
          numeric: ['age'],
          categorical: [],
        }),
      ).message,
    ).toBe(
      "bad.csv:3: column 'age' is numeric but has value 'thirty' (list it under data.categorical, or add the token to data.missing.values)",
    );
    expect(
      errorOf(() =>
        encodeTables([bad], {
          label: { column: 'y' },
          protected: [{ column: 'gender' }],
          numeric: [],
          categorical: [],
        }),
      ).message,
    ).toMatch(/protected column 'gender' does not exist; available columns: age, sex, y/);
    const multi = parseCsv('a,g,y\n1,F,x\n2,M,y\n3,F,z\n', { name: 'm.csv' });
    expect(
      errorOf(() =>
        encodeTables([multi], {
          label: { column: 'y' },
          protected: [{ column: 'g' }],
          numeric: ['a'],
          categorical: [],
        }),
      ).message,
    ).toMatch(/label column 'y' has 3 distinct values \(x, y, z\), not 2/);
  });
});
