/**
 * A byte-pair-encoding tokenizer trained on a corpus (Sennrich et al. 2016, with GPT-2's
 * pre-tokenisation), over the character tokenizer's 96-symbol alphabet.
 *
 * - Normalisation as the character tokenizer (normalize.ts); ids 0..95 are its characters, and
 *   merge rank r creates id 96 + r (the concatenation of its two parts).
 * - Pre-tokenisation: the text is cut into pieces by GPT-2's pattern (English contractions, an
 *   optional space plus a run of letters, of digits or of other symbols, runs of whitespace), and
 *   merges never cross a piece boundary. The pieces partition the text, so decoding inverts encoding.
 * - Training: count the pieces, then repeatedly merge the most frequent adjacent pair of symbols
 *   (ties: the smaller left id, then the smaller right id) until the vocabulary has `vocabSize`
 *   ids or no pair occurs `minFrequency` times. Deterministic: the same texts give the same merges.
 * - Encoding a piece applies the lowest-ranked merge present, everywhere left to right, until none
 *   applies: the segmentation training produced.
 */
import { BiasloopError } from '../core/errors.ts';
import { sha256 } from '../core/files.ts';
import { CHAR_VOCAB_SIZE, NEWLINE_ID, charCode, charId, checkId, readNormalize } from './char-tokenizer.ts';
import type { NormalizeOptions } from './normalize.ts';
import { checkReplacement, normalizeText } from './normalize.ts';
import type { Tokenizer, TokenizerJson } from './tokenizer.ts';

/** GPT-2's pre-tokenisation pattern restricted to ASCII. */
const PIECE = /'(?:s|t|re|ve|m|ll|d)| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+/g;

/** Pair keys: left · KEY + right (exact in a double for ids below 2¹⁶). */
const KEY = 65536;
export const BPE_MAX_VOCAB = KEY;

/** Bound on the per-tokenizer cache of encoded pieces (cleared when full). */
const CACHE_LIMIT = 200_000;

export interface BpeTrainOptions {
  /** Total vocabulary size, the 96 characters included (96 < vocabSize ≤ 65,536). */
  readonly vocabSize: number;
  /** Stop merging when the most frequent pair occurs fewer times (default 2). */
  readonly minFrequency?: number;
  readonly normalize?: NormalizeOptions;
}

/** The pieces of normalised text (their concatenation is the text). */
export function pretokenize(normalized: string): string[] {
  return normalized.match(PIECE) ?? [];
}

export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe';
  readonly newline = NEWLINE_ID;
  readonly vocabSize: number;
  readonly merges: readonly (readonly [number, number])[];
  readonly normalization: NormalizeOptions;
  readonly fingerprint: string;
  private readonly texts: string[];
  private readonly ranks = new Map<number, number>();
  private readonly cache = new Map<string, Int32Array>();

  constructor(merges: readonly (readonly [number, number])[], normalization: NormalizeOptions = {}) {
    if (normalization.replacement !== undefined) checkReplacement(normalization.replacement);
    this.normalization = {
      unknown: normalization.unknown ?? 'replace',
      replacement: normalization.replacement ?? '?',
    };
    if (CHAR_VOCAB_SIZE + merges.length > BPE_MAX_VOCAB) {
      throw new BiasloopError(
        'data',
        `a BPE vocabulary has at most ${BPE_MAX_VOCAB} ids, got ${CHAR_VOCAB_SIZE + merges.length}`,
      );
    }
    this.texts = Array.from({ length: CHAR_VOCAB_SIZE }, (_, id) => String.fromCharCode(charCode(id)));
    merges.forEach(([a, b], rank) => {
      const limit = CHAR_VOCAB_SIZE + rank;
      if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b >= 0 && a < limit && b < limit)) {
        throw new BiasloopError(
          'data',
          `BPE merge ${rank} [${a}, ${b}] must join two earlier ids (integers in 0..${limit - 1})`,
        );
      }
      const key = a * KEY + b;
      if (this.ranks.has(key)) {
        throw new BiasloopError(
          'data',
          `BPE merge ${rank} [${a}, ${b}] repeats merge ${this.ranks.get(key)}`,
        );
      }
      this.ranks.set(key, rank);
      this.texts.push(this.texts[a] + this.texts[b]);
    });
    this.merges = merges.map(([a, b]) => [a, b] as const);
    this.vocabSize = CHAR_VOCAB_SIZE + merges.length;
    this.fingerprint = sha256(JSON.stringify(this.toJSON())).slice(0, 16);
  }

  /** Learn merges from `texts` (see the file comment). */
  static train(texts: Iterable<string>, options: BpeTrainOptions): BpeTokenizer {
    const { vocabSize } = options;
    const minFrequency = options.minFrequency ?? 2;
    if (!(Number.isInteger(vocabSize) && vocabSize > CHAR_VOCAB_SIZE && vocabSize <= BPE_MAX_VOCAB)) {
      throw new BiasloopError(
        'usage',
        `vocabSize ${vocabSize} must be an integer in ${CHAR_VOCAB_SIZE + 1}..${BPE_MAX_VOCAB} (the ${CHAR_VOCAB_SIZE} characters plus at least one merge)`,
        { field: 'vocabSize' },
      );
    }
    if (!(Number.isInteger(minFrequency) && minFrequency >= 1)) {
      throw new BiasloopError('usage', `minFrequency ${minFrequency} must be a positive integer`, {
        field: 'minFrequency',
      });
    }
    const normalization = options.normalize ?? {};
    // Piece frequencies.
    const pieceCounts = new Map<string, number>();
    for (const text of texts) {
      for (const piece of pretokenize(normalizeText(text, normalization))) {
        pieceCounts.set(piece, (pieceCounts.get(piece) ?? 0) + 1);
      }
    }
    const words: number[][] = [];
    const freq: number[] = [];
    for (const [piece, count] of pieceCounts) {
      if (piece.length < 2) continue; // nothing to merge
      words.push(Array.from(piece, (c) => charId(c.charCodeAt(0))));
      freq.push(count);
    }
    const pairCounts = new Map<number, number>();
    const pairWords = new Map<number, Set<number>>();
    const addPairs = (w: number, sign: 1 | -1): void => {
      const s = words[w];
      for (let i = 0; i + 1 < s.length; i++) {
        const key = s[i] * KEY + s[i + 1];
        const c = (pairCounts.get(key) ?? 0) + sign * freq[w];
        if (c === 0) pairCounts.delete(key);
        else pairCounts.set(key, c);
        if (sign > 0) {
          let set = pairWords.get(key);
          if (set === undefined) pairWords.set(key, (set = new Set()));
          set.add(w);
        }
      }
    };
    for (let w = 0; w < words.length; w++) addPairs(w, 1);
    const merges: [number, number][] = [];
    while (CHAR_VOCAB_SIZE + merges.length < vocabSize) {
      let bestKey = -1;
      let bestCount = 0;
      for (const [key, count] of pairCounts) {
        if (count > bestCount || (count === bestCount && key < bestKey)) {
          bestKey = key;
          bestCount = count;
        }
      }
      if (bestKey < 0 || bestCount < minFrequency) break;
      const a = Math.floor(bestKey / KEY);
      const b = bestKey % KEY;
      const id = CHAR_VOCAB_SIZE + merges.length;
      merges.push([a, b]);
      const affected = [...(pairWords.get(bestKey) ?? [])];
      pairWords.delete(bestKey);
      for (const w of affected) {
        const s = words[w];
        let present = false;
        for (let i = 0; i + 1 < s.length; i++) {
          if (s[i] === a && s[i + 1] === b) {
            present = true;
            break;
          }
        }
        if (!present) continue;
        addPairs(w, -1);
        words[w] = mergePair(s, a, b, id);
        addPairs(w, 1);
      }
    }
    return new BpeTokenizer(merges, normalization);
  }

  static fromJSON(record: Record<string, unknown>, source = 'tokenizer'): BpeTokenizer {
    const merges = record.merges;
    if (!Array.isArray(merges))
      throw new BiasloopError('data', `${source}: a BPE tokenizer needs a 'merges' array`);
    const pairs = merges.map((m: unknown, rank) => {
      if (!Array.isArray(m) || m.length !== 2 || !m.every((v) => typeof v === 'number')) {
        throw new BiasloopError(
          'data',
          `${source}: BPE merge ${rank} must be a pair of ids, got ${JSON.stringify(m)}`,
        );
      }
      return [m[0] as number, m[1] as number] as const;
    });
    return new BpeTokenizer(pairs, readNormalize(record, source));
  }

  encode(text: string): Int32Array {
    const pieces = pretokenize(normalizeText(text, this.normalization));
    const parts: Int32Array[] = [];
    let total = 0;
    for (const piece of pieces) {
      const ids = this.encodePiece(piece);
      parts.push(ids);
      total += ids.length;
    }
    const out = new Int32Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private encodePiece(piece: string): Int32Array {
    const cached = this.cache.get(piece);
    if (cached !== undefined) return cached;
    let s = Array.from(piece, (c) => charId(c.charCodeAt(0)));
    for (;;) {
      let bestRank = Infinity;
      let bestKey = -1;
      for (let i = 0; i + 1 < s.length; i++) {
        const key = s[i] * KEY + s[i + 1];
        const r = this.ranks.get(key);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          bestKey = key;
        }
      }
      if (bestKey < 0) break;
      s = mergePair(s, Math.floor(bestKey / KEY), bestKey % KEY, CHAR_VOCAB_SIZE + bestRank);
    }
    const ids = Int32Array.from(s);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(piece, ids);
    return ids;
  }

  decode(ids: ArrayLike<number>): string {
    let out = '';
    for (let i = 0; i < ids.length; i++) out += this.texts[checkId(ids[i], this.vocabSize)];
    return out;
  }

  tokenText(id: number): string {
    return this.texts[checkId(id, this.vocabSize)];
  }

  toJSON(): TokenizerJson {
    return {
      format: 'biasloop-tokenizer',
      version: 1,
      kind: 'bpe',
      normalize: this.normalization,
      merges: this.merges,
    };
  }
}

/** `s` with every non-overlapping occurrence of (a, b), left to right, replaced by `id`. */
function mergePair(s: readonly number[], a: number, b: number, id: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
      out.push(id);
      i++;
    } else out.push(s[i]);
  }
  return out;
}
