/**
 * Text normalisation to the tokenizers' alphabet: the 95 printable ASCII characters (space to `~`)
 * plus the newline. Every tokenizer normalises first, so `decode(encode(s)) === normalizeText(s)`,
 * and `normalizeText(s) === s` for any string already in the alphabet.
 *
 * Rules, in order:
 * 1. Line breaks: `\r\n` and `\r` become `\n`.
 * 2. Whitespace: tab, vertical tab, form feed, no-break and other Unicode spaces become a space.
 * 3. Typography (TYPOGRAPHY below): curly quotes to `'` / `"`, dashes to `-` (em dash `--`),
 *    ellipsis to `...`, bullet to `*`, and a few more.
 * 4. Accents: the compatibility decomposition (NFKD) with combining marks removed (é → e, ﬁ → fi).
 * 5. Control characters (other than `\n`) and combining marks left over are dropped.
 * 6. Anything else outside the alphabet becomes the replacement character (`?` by default), or is
 *    dropped with `unknown: 'drop'`.
 */
import { BiasloopError } from '../core/errors.ts';

export interface NormalizeOptions {
  /** What to do with characters that have no ASCII equivalent (default `'replace'`). */
  readonly unknown?: 'replace' | 'drop';
  /** The replacement character (default `?`); must itself be printable ASCII. */
  readonly replacement?: string;
}

/** Typographic characters and their ASCII spelling. */
export const TYPOGRAPHY: Readonly<Record<string, string>> = {
  '\u2018': "'", // ‘
  '\u2019': "'", // ’
  '\u201a': "'", // ‚
  '\u201b': "'", // ‛
  '\u2032': "'", // ′
  '\u00b4': "'", // ´
  '\u201c': '"', // “
  '\u201d': '"', // ”
  '\u201e': '"', // „
  '\u201f': '"', // ‟
  '\u2033': '"', // ″
  '\u00ab': '"', // «
  '\u00bb': '"', // »
  '\u2010': '-', // ‐ hyphen
  '\u2011': '-', // ‑ non-breaking hyphen
  '\u2012': '-', // ‒ figure dash
  '\u2013': '-', // – en dash
  '\u2212': '-', // − minus
  '\u2014': '--', // — em dash
  '\u2015': '--', // ― horizontal bar
  '\u2026': '...', // …
  '\u2022': '*', // •
  '\u00b7': '*', // ·
  '\u00d7': 'x', // ×
  '\u00f7': '/', // ÷
  '\u00a9': '(c)', // ©
  '\u00ae': '(R)', // ®
  '\u2122': '(TM)', // ™
  '\u00bd': '1/2', // ½
  '\u00bc': '1/4', // ¼
  '\u00be': '3/4', // ¾
  '\u00df': 'ss', // ß
  '\u00e6': 'ae', // æ
  '\u00c6': 'AE', // Æ
  '\u0153': 'oe', // œ
  '\u0152': 'OE', // Œ
  '\u00f8': 'o', // ø
  '\u00d8': 'O', // Ø
  '\u0142': 'l', // ł
  '\u0141': 'L', // Ł
};

const SPACES = /[\t\v\f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** True for characters of the alphabet: printable ASCII and the newline. */
export function inAlphabet(code: number): boolean {
  return (code >= 32 && code <= 126) || code === 10;
}

export function checkReplacement(replacement: string): void {
  if (replacement.length !== 1 || !inAlphabet(replacement.charCodeAt(0)) || replacement === '\n') {
    throw new BiasloopError(
      'usage',
      `replacement ${JSON.stringify(replacement)} must be one printable ASCII character`,
      { field: 'replacement' },
    );
  }
}

/** The alphabet spelling of one character outside it (a code point given as a string). */
function spell(ch: string, options: NormalizeOptions): string {
  if (SPACES.test(ch)) return ' ';
  const typo = TYPOGRAPHY[ch];
  if (typo !== undefined) return typo;
  const code = ch.codePointAt(0) ?? 0;
  if (code < 32 || (code >= 127 && code < 160)) return ''; // control characters
  const decomposed = ch.normalize('NFKD').replace(/\p{M}/gu, '');
  if (decomposed.length === 0) return ''; // a lone combining mark
  if (decomposed !== ch) {
    let out = '';
    for (const c of decomposed) out += inAlphabet(c.charCodeAt(0)) ? c : spell(c, options);
    return out;
  }
  return options.unknown === 'drop' ? '' : (options.replacement ?? '?');
}

/** Normalise `text` to printable ASCII plus newlines (see the rules above). */
export function normalizeText(text: string, options: NormalizeOptions = {}): string {
  if (options.replacement !== undefined) checkReplacement(options.replacement);
  // Fast path: already in the alphabet.
  let clean = true;
  for (let i = 0; i < text.length; i++) {
    if (!inAlphabet(text.charCodeAt(i))) {
      clean = false;
      break;
    }
  }
  if (clean) return text;
  const unified = text.replace(/\r\n?/g, '\n');
  let out = '';
  let runStart = 0;
  let i = 0;
  while (i < unified.length) {
    const code = unified.charCodeAt(i);
    if (inAlphabet(code)) {
      i++;
      continue;
    }
    out += unified.slice(runStart, i);
    const cp = unified.codePointAt(i) ?? code;
    const width = cp > 0xffff ? 2 : 1;
    out += spell(String.fromCodePoint(cp), options);
    i += width;
    runStart = i;
  }
  return out + unified.slice(runStart);
}
