/**
 * The State of the Union corpus: what the package ships, paragraphs built from sentences, party
 * labels (other parties excluded by default), splits by address with no leakage, balancing, and the
 * windows that train and score the language model.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import {
  balanceByParty,
  loadSotu,
  loadSotuSpeeches,
  packParagraphs,
  splitSentences,
  splitSotu,
} from '../../src/data/sotu.ts';
import { joinDocuments, scoreWindows, windowStarts } from '../../src/models/neural/lm-data.ts';

const speeches = loadSotuSpeeches();

describe('State of the Union corpus', () => {
  it('ships 233 addresses with year, president and party (Democratic 90, Republican 92)', () => {
    expect(speeches.length).toBe(233);
    const count = (party: string): number => speeches.filter((s) => s.party === party).length;
    expect(count('Democratic')).toBe(90);
    expect(count('Republican')).toBe(92);
    expect(count('Democratic-Republican')).toBe(28);
    expect(speeches[0]).toMatchObject({ id: 0, year: 1790, president: 'George Washington', party: 'none' });
    expect(speeches.every((s) => !s.text.includes('\n'))).toBe(true); // hence sentence-built paragraphs
  });

  it('splits sentences at terminal punctuation, not after abbreviations or initials', () => {
    expect(
      splitSentences('Mr. Speaker, thank you. John F. Kennedy said so! Did he? "Yes." (Applause) We go on.'),
    ).toEqual([
      'Mr. Speaker, thank you.',
      'John F. Kennedy said so!',
      'Did he?',
      '"Yes."',
      '(Applause) We go on.',
    ]);
    expect(splitSentences('It cost $4.5 billion. 1990 was a year.')).toEqual([
      'It cost $4.5 billion.',
      '1990 was a year.',
    ]);
  });

  it('packs sentences into paragraphs of about the target length; a short remainder joins the last', () => {
    const s = (n: number): string => Array.from({ length: n }, () => 'w').join(' ') + '.';
    expect(packParagraphs([s(6), s(5), s(12), s(3)], 10).map((p) => p.split(' ').length)).toEqual([11, 15]);
    expect(packParagraphs([s(6), s(5), s(12), s(6)], 10).map((p) => p.split(' ').length)).toEqual([
      11, 12, 6,
    ]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }), (lengths) => {
        const sentences = lengths.map(s);
        return packParagraphs(sentences, 25).join(' ') === sentences.join(' ');
      }),
    );
  });

  it('keeps Democratic and Republican addresses as labels 0 and 1 by default, without stage directions', () => {
    const corpus = loadSotu({}, speeches);
    expect(corpus.parties).toEqual(['Democratic', 'Republican']);
    expect(corpus.speeches.length).toBe(182);
    expect(new Set(corpus.paragraphs.map((p) => p.label))).toEqual(new Set([0, 1]));
    expect(corpus.paragraphs.every((p) => p.label === corpus.parties.indexOf(p.party))).toBe(true);
    expect(corpus.paragraphs.some((p) => /\[(laughter|applause)\]/i.test(p.text))).toBe(false);
    const words = corpus.paragraphs.map((p) => p.text.split(/\s+/).length).sort((a, b) => a - b);
    expect(words[Math.floor(words.length / 2)]).toBeGreaterThanOrEqual(100);
    expect(words[Math.floor(words.length / 2)]).toBeLessThan(140);
    // Paragraphs of an address, in order, give back its text (stage directions removed).
    const first = corpus.speeches[0];
    const rebuilt = corpus.paragraphs.filter((p) => p.speech === first.id).map((p) => p.text);
    expect(rebuilt.join(' ').replace(/\s+/g, ' ')).toBe(
      first.text
        .replace(/\s*\[(?:laughter|applause|at this point[^\]]*)\]/gi, '')
        .replace(/\s+/g, ' ')
        .trim(),
    );
  });

  it('other parties and year ranges on request; unknown parties are clear errors', () => {
    const whigs = loadSotu({ parties: ['Whig', 'Democratic'], years: [1840, 1860] }, speeches);
    expect(whigs.parties).toEqual(['Whig', 'Democratic']);
    expect(whigs.speeches.every((s) => s.year >= 1840 && s.year <= 1860)).toBe(true);
    expect(whigs.paragraphs.filter((p) => p.party === 'Whig').every((p) => p.label === 0)).toBe(true);
    expect(() => loadSotu({ parties: ['Democrat' as 'Democratic'] }, speeches)).toThrow(
      /unknown party 'Democrat'; did you mean 'Democratic'\?/,
    );
    expect(() => loadSotu({ years: [1700, 1750] }, speeches)).toThrow(/no address matches/);
    expect(() => loadSotu({ paragraphWords: 0 }, speeches)).toThrow(/paragraphWords 0/);
  });

  it('splits by address, stratified by party, reproducibly, with no address in two splits', () => {
    const corpus = loadSotu({}, speeches);
    const a = splitSotu(corpus, { seed: 3 });
    const b = splitSotu(corpus, { seed: 3 });
    expect(a.speeches).toEqual(b.speeches);
    expect(splitSotu(corpus, { seed: 4 }).speeches.test).not.toEqual(a.speeches.test);
    const { train, validation, test } = a.speeches;
    expect(train.length + validation.length + test.length).toBe(182);
    const all = new Set([...train, ...validation, ...test]);
    expect(all.size).toBe(182);
    // round(0.2 · 90) + round(0.2 · 92) = 18 + 18; round(0.1 · 90) + round(0.1 · 92) = 9 + 9.
    expect(test.length).toBe(36);
    expect(validation.length).toBe(18);
    for (const [name, rows] of [
      ['train', a.train],
      ['validation', a.validation],
      ['test', a.test],
    ] as const) {
      const ids = new Set(a.speeches[name]);
      expect(rows.every((p) => ids.has(p.speech))).toBe(true);
    }
    expect(a.train.length + a.validation.length + a.test.length).toBe(corpus.paragraphs.length);
  });

  it('balance gives equal paragraph counts per party in every split, reproducibly', () => {
    const corpus = loadSotu({}, speeches);
    const s = splitSotu(corpus, { seed: 1, balance: true });
    for (const rows of [s.train, s.validation, s.test]) {
      const counts = [0, 1].map((l) => rows.filter((p) => p.label === l).length);
      expect(counts[0]).toBe(counts[1]);
      expect(counts[0]).toBeGreaterThan(0);
    }
    expect(splitSotu(corpus, { seed: 1, balance: true }).train).toEqual(s.train);
    const small = balanceByParty(corpus.paragraphs.slice(0, 500), 2, Rng.stream(1, 'b'));
    const order = small.map((p) => corpus.paragraphs.indexOf(p));
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(() => splitSotu(corpus, { test: 0.6, validation: 0.5 })).toThrow(/leaves no training addresses/);
  });
});

describe('language-model windows', () => {
  it('joins documents with the separator, weights normalised to mean 1', () => {
    const s = joinDocuments([Int32Array.of(5, 6), Int32Array.of(7)], 0, [1, 3]);
    expect(Array.from(s.tokens)).toEqual([5, 6, 0, 7, 0]);
    // Weights 1,1,1,3,3 (sum 9) scaled by 5/9.
    expect(Array.from(s.weights).map((w) => +w.toFixed(6))).toEqual(
      [5 / 9, 5 / 9, 5 / 9, 15 / 9, 15 / 9].map((w) => +w.toFixed(6)),
    );
    expect(() => joinDocuments([Int32Array.of(1)], 0, [-1])).toThrow(/sample weight -1/);
  });

  it('training windows do not overlap and fit the stream', () => {
    expect(Array.from(windowStarts(20, 4, 2))).toEqual([2, 6, 10, 14]);
    fc.assert(
      fc.property(fc.integer({ min: 6, max: 300 }), fc.integer({ min: 2, max: 5 }), (n, context) => {
        const phase = n % Math.min(context, n - context); // as fit draws it
        const starts = windowStarts(n, context, phase);
        return starts.length > 0 && starts.every((s, k) => s === phase + k * context && s + context + 1 <= n);
      }),
    );
  });

  it('scoring windows score every target once, each with at least context − stride + 1 tokens before it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        (length, context, strideRaw) => {
          const stride = Math.min(strideRaw, context);
          const seen = new Array<number>(length).fill(0);
          for (const w of scoreWindows(0, length, context, stride)) {
            if (w.start < 0 || w.end - w.start > context || w.end >= length) return false;
            for (let t = w.from; t <= w.end; t++) {
              seen[t]++;
              const before = t - w.start;
              if (before < Math.min(t, context - stride + 1) || before > context) return false;
            }
          }
          return seen.every((c, t) => c === (t === 0 ? 0 : 1));
        },
      ),
    );
  });
});
