import { describe, expect, it } from 'vitest';
import { formatSignificant, formatTextTable } from '../../src/report/text-table.ts';

describe('text tables', () => {
  it('formats numbers with significant digits and no trailing zeros', () => {
    expect(formatSignificant(4 / 7)).toBe('0.571429');
    expect(formatSignificant(3073)).toBe('3073');
    expect(formatSignificant(0.5)).toBe('0.5');
    expect(formatSignificant(9.36464e-5)).toBe('9.36464e-5');
    expect(formatSignificant(1649267441664)).toBe('1.64927e12');
    expect(formatSignificant(-0.0714286)).toBe('-0.0714286');
    expect([NaN, Infinity, -Infinity, 0].map((v) => formatSignificant(v))).toEqual([
      'NaN',
      'Inf',
      '-Inf',
      '0',
    ]);
  });

  it('right-aligns numeric columns and left-aligns text', () => {
    const t = formatTextTable(
      ['gen', 'mean', 'amplifies'],
      [
        ['0', '0.5', 'yes'],
        ['10', '0.571429', 'no'],
      ],
    );
    expect(t).toBe(
      [
        'gen      mean  amplifies',
        '---  --------  ---------',
        '  0       0.5  yes',
        ' 10  0.571429  no',
        '',
      ].join('\n'),
    );
  });
});
