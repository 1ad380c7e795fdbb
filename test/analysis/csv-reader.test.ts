import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser, readDelimitedRecords, readJsonLinesRecords } from '../../src/analysis/csv-reader.ts';

const dir = tempDir('biasloop-csv-');
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('CsvParser', () => {
  it('handles quotes, doubled quotes, embedded newlines, CRLF and blank lines with line numbers', () => {
    const p = new CsvParser();
    const recs = [...p.push('a,b,c\r\n1,"x, y",3\r\n\r\n"multi\nline","say ""hi""",\n'), ...p.end()];
    expect(recs.map((r) => r.fields)).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', '3'],
      ['multi\nline', 'say "hi"', ''],
    ]);
    expect(recs.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('gives the same records whatever the chunking (fast-check)', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', ' ', 'é') });
    const table = fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(table, fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 20 }), (rows, cuts) => {
        const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
        const text = rows.map((r) => r.map(quote).join(',')).join('\r\n') + '\n';
        const whole = new CsvParser();
        const expected = [...whole.push(text), ...whole.end()].map((r) => r.fields);
        expect(expected).toEqual(rows);
        const chunked = new CsvParser();
        const got: (readonly string[])[] = [];
        let pos = 0;
        for (const c of cuts) {
          got.push(...chunked.push(text.slice(pos, pos + c)).map((r) => r.fields));
          pos += c;
        }
        got.push(
          ...chunked.push(text.slice(pos)).map((r) => r.fields),
          ...chunked.end().map((r) => r.fields),
        );
        expect(got).toEqual(rows);
      }),
      { numRuns: 200 },
    );
  });

  it('reports an unterminated quote with its line', () => {
    const p = new CsvParser(',', 'f.csv');
    p.push('a,b\n1,"open\n');
    expect(() => p.end()).toThrow(/f\.csv:2: a quoted field is never closed/);
  });
});

describe('file readers', () => {
  it('strips a UTF-8 BOM and streams a file', () => {
    const p = file('bom.csv', '\uFEFFGeneration,Value\n1,2.5\n');
    expect([...readDelimitedRecords(p)].map((r) => r.fields)).toEqual([
      ['Generation', 'Value'],
      ['1', '2.5'],
    ]);
  });

  it('reads JSON Lines with the first object as header', () => {
    const p = file(
      'a.jsonl',
      '{"generation":1,"id":"a","label":"L"}\n\n{"generation":2,"id":"b","label":"R"}\n',
    );
    expect([...readJsonLinesRecords(p)].map((r) => r.fields)).toEqual([
      ['generation', 'id', 'label'],
      ['1', 'a', 'L'],
      ['2', 'b', 'R'],
    ]);
    const bad = file('bad.jsonl', '{"generation":1}\n{"gen":2}\n');
    expect(() => [...readJsonLinesRecords(bad)]).toThrow(/bad\.jsonl:2: key 'generation' is missing/);
  });

  it('says when a file does not exist', () => {
    expect(() => [...readDelimitedRecords(join(dir, 'nope.csv'))]).toThrow(
      /file '.*nope\.csv' does not exist/,
    );
  });
});
