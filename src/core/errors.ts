/**
 * Typed errors with a user-facing message.
 *
 * Every error a user can cause (a bad spec, a malformed CSV, a missing file, a bad flag) is a
 * `BiasloopError` whose `message` is one line that names the problem and, where possible, the fix.
 * The CLI prints that line and exits with `exitCode` (2 for bad input); anything else is a bug and is
 * reported with its stack.
 */

/** What kind of failure: decides the exit code and how the CLI reports it. */
export type ErrorKind =
  | 'spec' // an experiment spec or preset that does not validate
  | 'data' // a dataset file or column that cannot be used
  | 'usage' // a command-line flag or argument
  | 'io' // a file or directory that cannot be read or written
  | 'numeric' // a computation that diverged (NaN loss, singular matrix that cannot be regularised)
  | 'checkpoint' // a corrupt, foreign or half-written checkpoint
  | 'service'; // an external service (Redis, an LLM endpoint) that is unreachable or answered badly

export interface ErrorDetails {
  /** The spec field, column or flag at fault, e.g. `strategy.rho` or `--seed`. */
  readonly field?: string;
  /** File the problem was found in. */
  readonly file?: string;
  /** 1-based line (and column) in that file. */
  readonly line?: number;
  readonly column?: number;
  /** How to fix it, appended to the message. */
  readonly hint?: string;
}

export class BiasloopError extends Error {
  readonly kind: ErrorKind;
  readonly details: ErrorDetails;

  constructor(kind: ErrorKind, message: string, details: ErrorDetails = {}) {
    super(formatMessage(message, details));
    this.name = 'BiasloopError';
    this.kind = kind;
    this.details = details;
  }

  /** Exit code the CLI uses: 2 for anything the user can fix by changing their input. */
  get exitCode(): number {
    return this.kind === 'numeric' || this.kind === 'service' ? 1 : 2;
  }
}

function formatMessage(message: string, d: ErrorDetails): string {
  let where = '';
  if (d.file !== undefined) {
    where = d.file;
    if (d.line !== undefined) where += `:${d.line}`;
    if (d.column !== undefined) where += `:${d.column}`;
    where += ': ';
  }
  const hint = d.hint !== undefined ? ` (${d.hint})` : '';
  // One line: collapse any newline a caller let through.
  return `${where}${message}${hint}`.replace(/\s*\n\s*/g, ' ');
}

export function isBiasloopError(e: unknown): e is BiasloopError {
  return e instanceof BiasloopError;
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n];
}

/**
 * The candidate closest to `input` (case-insensitive edit distance), or undefined when nothing is
 * reasonably close (distance above ~40% of the longer string).
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  const lower = input.toLowerCase();
  for (const c of candidates) {
    const dist = editDistance(lower, c.toLowerCase());
    if (dist < bestDist) {
      bestDist = dist;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.ceil(0.4 * Math.max(input.length, best.length)));
  return bestDist <= limit ? best : undefined;
}

/** " (did you mean 'x'?)" or "" — for messages about an unknown name. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const m = closestMatch(input, candidates);
  return m === undefined ? '' : `did you mean '${m}'?`;
}
