import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  canonicalJson,
  defaultText,
  parseParamText,
  resolveParams,
  type ParamSpec,
} from '../../src/theory/params.ts';

const n: ParamSpec = {
  kind: 'number',
  key: 'n',
  flag: '--n',
  description: '',
  default: 10,
  integer: true,
  min: 2,
};
const x: ParamSpec = {
  kind: 'number',
  key: 'x',
  flag: '--x',
  description: '',
  default: 1,
  min: 0,
  minExclusive: true,
};
const list: ParamSpec = {
  kind: 'choice-list',
  key: 'strategies',
  flag: '--strategies',
  description: '',
  default: ['a', 'b'],
  choices: ['a', 'b', 'c'],
};
const nums: ParamSpec = {
  kind: 'number-list',
  key: 'shares',
  flag: '--shares',
  description: '',
  default: [0.5, 0.5],
  min: 0,
};

describe('parameter parsing and validation', () => {
  it('parses decimal and exponent notation, and nothing else, as numbers', () => {
    expect(parseParamText(n, '1e4')).toBe(10000);
    expect(parseParamText(x, '.5')).toBe(0.5);
    expect(parseParamText(x, ' 2.50 ')).toBe(2.5);
    for (const bad of ['', '0x10', '1,000', 'abc', 'Infinity', '1e']) {
      expect(() => parseParamText(x, bad)).toThrow(/^--x \(x\) must be a number/);
    }
    expect(() => parseParamText(n, '2.5')).toThrow('--n (n) must be an integer, got 2.5');
    expect(() => parseParamText(x, '0')).toThrow('--x (x) must be > 0, got 0');
  });

  it('round-trips every finite number through its text form', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-300, max: 1e300, noNaN: true }), (v) => {
        expect(parseParamText(x, String(v))).toBe(v);
      }),
    );
  });

  it('parses lists, rejecting unknown and repeated entries', () => {
    expect(parseParamText(list, 'c, a')).toEqual(['c', 'a']);
    expect(() => parseParamText(list, 'a,a')).toThrow("--strategies (strategies) lists 'a' twice");
    expect(() => parseParamText(list, 'a,d')).toThrow(/has 'd', which is not one of a, b, c/);
    expect(parseParamText(nums, '0.2,0.8')).toEqual([0.2, 0.8]);
    expect(defaultText(list)).toBe('a,b');
  });

  it('fills defaults and refuses unknown keys with a suggestion', () => {
    expect(resolveParams('m', [n, x], { x: 3 })).toEqual({ n: 10, x: 3 });
    expect(() => resolveParams('m', [n, x], { nn: 3 })).toThrow(
      /theory m: unknown parameter 'nn' \(did you mean 'n'\?\)/,
    );
    expect(() => resolveParams('m', [n], { n: '5' })).toThrow('--n (n) must be a number, got "5"');
  });

  it('canonical JSON does not depend on key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.boolean())), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
        expect(JSON.parse(canonicalJson(obj))).toEqual(obj);
      }),
    );
  });
});
