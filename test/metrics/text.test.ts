import { describe, expect, it } from 'vitest';
import {
  distinctN,
  perplexity,
  perplexityFromLogProbs,
  selfBleu,
  sentenceBleu,
} from '../../src/metrics/text.ts';

const tok = (s: string) => s.split(' ');

describe('text diversity and perplexity', () => {
  it('distinct-n counts unique n-grams over all n-grams', () => {
    const corpus = [tok('a b a b'), tok('a b c')];
    expect(distinctN(corpus, 1)).toBeCloseTo(3 / 7, 15);
    // bigrams: ab ba ab | ab bc → unique {ab, ba, bc} = 3 of 5
    expect(distinctN(corpus, 2)).toBeCloseTo(3 / 5, 15);
    expect(distinctN([tok('x')], 2)).toBeNaN();
  });

  it('sentence BLEU follows the NLTK definition with smoothing method 1', () => {
    // Hand count: unigrams 5/6, bigrams 3/5, trigrams 1/4, 4-grams 0/3 → ε/3; equal lengths, BP = 1.
    const bleu = sentenceBleu(tok('the cat sat on the mat'), [tok('the cat is on the mat')]);
    const want = Math.exp((Math.log(5 / 6) + Math.log(3 / 5) + Math.log(1 / 4) + Math.log(0.1 / 3)) / 4);
    expect(bleu).toBeCloseTo(want, 14);
    // Brevity penalty: a 3-token hypothesis against a 6-token reference.
    const short = sentenceBleu(tok('the cat sat'), [tok('the cat sat on the mat')]);
    expect(short).toBeCloseTo(Math.exp(1 - 6 / 3) * Math.exp((0 + 0 + 0 + Math.log(0.1)) / 4), 14);
    expect(sentenceBleu(tok('x y z'), [tok('a b c')])).toBe(0);
  });

  it('self-BLEU is 1 for identical texts and lower for varied ones', () => {
    const same = [tok('a b c d e'), tok('a b c d e'), tok('a b c d e')];
    expect(selfBleu(same)).toBeCloseTo(1, 14);
    const varied = [tok('a b c d e'), tok('e d c b a'), tok('a c e b d')];
    expect(selfBleu(varied)).toBeLessThan(0.5);
  });

  it('perplexity is exp of the mean negative log-probability', () => {
    expect(perplexityFromLogProbs([Math.log(0.5), Math.log(0.25)])).toBeCloseTo(Math.sqrt(8), 14);
    // A uniform model over 4 tokens has perplexity 4.
    expect(perplexity([tok('a b c'), tok('d')], () => Math.log(0.25))).toBeCloseTo(4, 14);
  });
});
