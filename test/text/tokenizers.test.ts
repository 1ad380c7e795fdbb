/**
 * The character and BPE tokenizers: encode/decode round trips (property tests), the documented
 * normalisation, BPE training determinism and merge order on a hand-checked corpus, save/load, and
 * clear errors for bad files.
 */
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.ts';
import { describe, expect, it } from 'vitest';
import {
  BpeTokenizer,
  CharTokenizer,
  loadTokenizer,
  normalizeText,
  pretokenize,
  saveTokenizer,
  tokenizerFromJson,
} from '../../src/text/index.ts';

/** Strings over the alphabet (printable ASCII and newline). */
const alphabetText = fc.string({
  unit: fc.constantFrom(
    ...'\n abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:\'"!?-()[]$%&*/@#~`{}|\\^_+=<>',
  ),
  maxLength: 200,
});
/** Any Unicode text, including astral characters, controls and combining marks. */
const anyText = fc.string({ unit: 'grapheme', maxLength: 80 });

const corpus = [
  'the cat sat on the mat. the cat ate the rat.',
  "We're here tonight; the nation's economy is strong, and the state of our union is strong.",
  'In 1990, 1991 and 1992 the deficit grew by $200,000,000.\nThe deficit!',
];

describe('character tokenizer', () => {
  const tok = new CharTokenizer();

  it('has the fixed 96-symbol vocabulary: newline = 0, space = 1 … ~ = 95', () => {
    expect(tok.vocabSize).toBe(96);
    expect(Array.from(tok.encode('\n ~A'))).toEqual([0, 1, 95, 'A'.charCodeAt(0) - 31]);
    expect(tok.tokenText(0)).toBe('\n');
    expect(tok.decode(Array.from({ length: 96 }, (_, i) => i))).toBe(
      '\n' + Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join(''),
    );
  });

  it('round-trips any text in the alphabet exactly', () => {
    fc.assert(fc.property(alphabetText, (s) => tok.decode(tok.encode(s)) === s));
  });

  it('round-trips any text to its normalisation, one id per character', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const ids = tok.encode(s);
        const normal = normalizeText(s);
        return (
          tok.decode(ids) === normal && ids.length === normal.length && ids.every((i) => i >= 0 && i < 96)
        );
      }),
    );
  });

  it('normalises typography, accents, spaces and line breaks as documented', () => {
    expect(normalizeText('“Don’t” — naïve café…\r\nA\u00a0B\tC')).toBe('"Don\'t" -- naive cafe...\nA B C');
    expect(normalizeText('x\u0002y')).toBe('xy'); // control characters are dropped
    expect(normalizeText('€ and 漢')).toBe('? and ?'); // no ASCII spelling: the replacement
    expect(normalizeText('€ and 漢', { unknown: 'drop' })).toBe(' and ');
    expect(
      new CharTokenizer({ replacement: '#' }).decode(new CharTokenizer({ replacement: '#' }).encode('€')),
    ).toBe('#');
    expect(() => new CharTokenizer({ replacement: 'ab' })).toThrow(
      /replacement "ab" must be one printable ASCII character/,
    );
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => tok.decode([96])).toThrow(/token id 96 is outside the vocabulary 0..95/);
    expect(() => tok.decode([1.5])).toThrow(/token id 1.5/);
  });
});

describe('BPE tokenizer', () => {
  it('pre-tokenises into pieces that partition the text', () => {
    fc.assert(fc.property(alphabetText, (s) => pretokenize(s).join('') === s));
    expect(pretokenize("We're  here.\nNow")).toEqual(['We', "'re", ' ', ' here', '.', '\n', 'Now']);
  });

  it('learns merges by frequency with ties to the smaller ids (hand-checked corpus)', () => {
    // Pieces: "ab" ×2, " ab" ×2, " aab" ×1; pair counts (a,b) 5, ( ,a) 3, (a,a) 1.
    const bpe = BpeTokenizer.train(['ab ab ab', 'ab aab'], { vocabSize: 100, minFrequency: 1 });
    const id = (c: string): number => c.charCodeAt(0) - 31;
    // 1: a+b. Now [ab] ×2, [ ,ab] ×2, [ ,a,ab]: ( ,ab) 2 wins. 2: " "+ab. Left: ( ,a) 1 and
    // (a,ab) 1, a tie: the smaller left id (space) wins. 3: " "+a. 4: " a"+ab.
    expect(bpe.merges).toEqual([
      [id('a'), id('b')],
      [id(' '), 96],
      [id(' '), id('a')],
      [98, 96],
    ]);
    expect(bpe.vocabSize).toBe(100);
    expect(bpe.tokenText(99)).toBe(' aab');
    expect(Array.from(bpe.encode('ab aab ab'))).toEqual([96, 99, 97]);
    // Nothing occurs twice after the first two merges: minFrequency 2 stops there.
    expect(BpeTokenizer.train(['ab ab ab', 'ab aab'], { vocabSize: 100 }).vocabSize).toBe(98);
  });

  it('is deterministic, round-trips any text, and compresses the training text', () => {
    const a = BpeTokenizer.train(corpus, { vocabSize: 140 });
    const b = BpeTokenizer.train(corpus, { vocabSize: 140 });
    expect(b.merges).toEqual(a.merges);
    expect(a.fingerprint).toBe(b.fingerprint);
    fc.assert(fc.property(anyText, (s) => a.decode(a.encode(s)) === normalizeText(s)));
    fc.assert(fc.property(alphabetText, (s) => a.decode(a.encode(s)) === s));
    const chars = corpus.join('').length;
    const tokens = corpus.reduce((n, t) => n + a.encode(t).length, 0);
    expect(tokens).toBeLessThan(0.6 * chars);
  });

  it('saves and loads (file and JSON) to the same tokenizer', () => {
    const bpe = BpeTokenizer.train(corpus, { vocabSize: 130 });
    const file = join(tempDir('biasloop-tok-'), 'tok.json');
    saveTokenizer(file, bpe);
    const loaded = loadTokenizer(file);
    expect(loaded.kind).toBe('bpe');
    expect(loaded.fingerprint).toBe(bpe.fingerprint);
    expect(Array.from(loaded.encode(corpus[1]))).toEqual(Array.from(bpe.encode(corpus[1])));
    const char = tokenizerFromJson(new CharTokenizer({ unknown: 'drop' }).toJSON());
    expect(char.decode(char.encode('a€b'))).toBe('ab');
    expect(char.fingerprint).not.toBe(new CharTokenizer().fingerprint);
  });

  it('bad files and options are clear errors', () => {
    const dir = tempDir('biasloop-tok-');
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{nope');
    expect(() => loadTokenizer(file)).toThrow(/bad.json is not valid JSON/);
    expect(() => loadTokenizer(join(dir, 'missing.json'))).toThrow(
      /tokenizer '.*missing.json' does not exist/,
    );
    expect(() => tokenizerFromJson({ format: 'other' })).toThrow(/is not a biasloop tokenizer/);
    expect(() => tokenizerFromJson({ format: 'biasloop-tokenizer', version: 2, kind: 'bpe' })).toThrow(
      /version 2 is not supported/,
    );
    expect(() => tokenizerFromJson({ format: 'biasloop-tokenizer', version: 1, kind: 'word' })).toThrow(
      /unknown tokenizer kind "word"/,
    );
    const bad = {
      format: 'biasloop-tokenizer',
      version: 1,
      kind: 'bpe',
      merges: [
        [1, 2],
        [3, 97],
      ],
    };
    expect(() => tokenizerFromJson(bad)).toThrow(/BPE merge 1 \[3, 97\] must join two earlier ids/);
    const repeated = {
      ...bad,
      merges: [
        [1, 2],
        [1, 2],
      ],
    };
    expect(() => tokenizerFromJson(repeated)).toThrow(/BPE merge 1 \[1, 2\] repeats merge 0/);
    expect(() => BpeTokenizer.train(corpus, { vocabSize: 96 })).toThrow(
      /vocabSize 96 must be an integer in 97..65536/,
    );
  });
});
