/**
 * Text diversity and fluency helpers for generated corpora: distinct-n, self-BLEU and perplexity.
 * Texts are token arrays (tokenise first; the helpers never guess a tokenizer).
 */
import type { Rng } from '../core/rng.ts';

function ngramKey(tokens: readonly string[], start: number, n: number): string {
  return tokens.slice(start, start + n).join('\u0001');
}

/**
 * distinct-n (Li et al. 2016): unique n-grams / total n-grams over the whole corpus, in [0, 1];
 * lower means more repetitive text. NaN when the corpus has no n-gram.
 */
export function distinctN(texts: readonly (readonly string[])[], n: number): number {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`distinct-n needs an integer n ≥ 1, got ${n}`);
  const seen = new Set<string>();
  let total = 0;
  for (const t of texts) {
    for (let i = 0; i + n <= t.length; i++) {
      seen.add(ngramKey(t, i, n));
      total++;
    }
  }
  return total > 0 ? seen.size / total : NaN;
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const k = ngramKey(tokens, i, n);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/**
 * Sentence BLEU of `hypothesis` against `references` with uniform weights up to `maxN`, the brevity
 * penalty against the closest reference length, and NLTK's smoothing method 1 (a zero n-gram match
 * count is replaced by `epsilon` = 0.1), as self-BLEU implementations (Texygen) use it.
 */
export function sentenceBleu(
  hypothesis: readonly string[],
  references: readonly (readonly string[])[],
  opts: { maxN?: number; epsilon?: number } = {},
): number {
  const maxN = opts.maxN ?? 4;
  const eps = opts.epsilon ?? 0.1;
  const hl = hypothesis.length;
  if (hl === 0 || references.length === 0) return 0;
  let logSum = 0;
  for (let n = 1; n <= maxN; n++) {
    const hyp = ngramCounts(hypothesis, n);
    const maxRef = new Map<string, number>();
    for (const r of references) {
      for (const [k, c] of ngramCounts(r, n)) if (c > (maxRef.get(k) ?? 0)) maxRef.set(k, c);
    }
    let matched = 0;
    let total = 0;
    for (const [k, c] of hyp) {
      matched += Math.min(c, maxRef.get(k) ?? 0);
      total += c;
    }
    // No unigram in common: BLEU is 0 (NLTK returns early). A hypothesis shorter than n has
    // precision 0/1, smoothed to ε/1, as NLTK's modified precision with method 1.
    if (n === 1 && matched === 0) return 0;
    logSum += Math.log((matched > 0 ? matched : eps) / Math.max(1, total)) / maxN;
  }
  // Closest reference length (ties: the shorter), as NLTK.
  let closest = references[0].length;
  for (const r of references) {
    const d = Math.abs(r.length - hl);
    const best = Math.abs(closest - hl);
    if (d < best || (d === best && r.length < closest)) closest = r.length;
  }
  const bp = hl > closest ? 1 : Math.exp(1 - closest / hl);
  return bp * Math.exp(logSum);
}

/**
 * Self-BLEU (Zhu et al. 2018, Texygen): mean BLEU of each text against all the others; higher means
 * less diverse. Costs O(N²·length): pass `sample` (and an `rng`) to score only that many hypotheses
 * (against all other texts).
 */
export function selfBleu(
  texts: readonly (readonly string[])[],
  opts: { maxN?: number; sample?: number; rng?: Rng } = {},
): number {
  const N = texts.length;
  if (N < 2) return NaN;
  let which: ArrayLike<number>;
  if (opts.sample !== undefined && opts.sample < N) {
    if (opts.rng === undefined) throw new RangeError('selfBleu: sampling needs an rng');
    which = opts.rng.sampleWithoutReplacement(N, opts.sample);
  } else {
    which = Array.from({ length: N }, (_, i) => i);
  }
  let s = 0;
  for (let k = 0; k < which.length; k++) {
    const i = which[k];
    const refs = texts.filter((_, j) => j !== i);
    s += sentenceBleu(texts[i], refs, { maxN: opts.maxN });
  }
  return s / which.length;
}

/** Perplexity from per-token natural-log probabilities: exp(−mean ln p). */
export function perplexityFromLogProbs(logProbs: ArrayLike<number>): number {
  if (logProbs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < logProbs.length; i++) s += logProbs[i];
  return Math.exp(-s / logProbs.length);
}

/** Corpus perplexity from a total negative log-likelihood (nats) and a token count. */
export function perplexityFromNll(totalNll: number, tokens: number): number {
  return tokens > 0 ? Math.exp(totalNll / tokens) : NaN;
}

/**
 * Perplexity of token sequences under a model given as `logProb(context, token)` (natural log):
 * exp of the mean negative log-probability over every scored token. The first token of each text is
 * scored with an empty context.
 */
export function perplexity(
  texts: readonly (readonly string[])[],
  logProb: (context: readonly string[], token: string) => number,
): number {
  let nll = 0;
  let count = 0;
  for (const t of texts) {
    for (let i = 0; i < t.length; i++) {
      nll -= logProb(t.slice(0, i), t[i]);
      count++;
    }
  }
  return perplexityFromNll(nll, count);
}
