/**
 * Declarative parameter tables for the theory models.
 *
 * Each model lists its parameters once (library key, command-line flag, description, default, and the
 * constraint); the same table validates library input, parses command-line text, and generates the
 * `--help` text, so the three can never disagree. Errors are one line and name the flag and the key,
 * e.g. `--alpha-p (alphaP) must be > 0, got -1`.
 */
import { BiasloopError, didYouMean } from '../core/errors.ts';

interface ParamBase {
  /** Library key, e.g. `alphaP`. */
  readonly key: string;
  /** Command-line flag, e.g. `--alpha-p`. */
  readonly flag: string;
  readonly description: string;
}

export interface NumberParamSpec extends ParamBase {
  readonly kind: 'number';
  readonly default: number;
  readonly integer?: boolean;
  /** Lower bound; exclusive when `minExclusive`. */
  readonly min?: number;
  readonly minExclusive?: boolean;
  readonly max?: number;
}

export interface ChoiceParamSpec extends ParamBase {
  readonly kind: 'choice';
  readonly default: string;
  readonly choices: readonly string[];
}

/** A comma-separated list of distinct choices, e.g. `replace,accumulate`. */
export interface ChoiceListParamSpec extends ParamBase {
  readonly kind: 'choice-list';
  readonly default: readonly string[];
  readonly choices: readonly string[];
}

/** A comma-separated list of numbers, e.g. `0.5,0.3,0.2`. */
export interface NumberListParamSpec extends ParamBase {
  readonly kind: 'number-list';
  readonly default: readonly number[];
  readonly min?: number;
  readonly minExclusive?: boolean;
  readonly minLength?: number;
}

/** A comma-separated list of names, e.g. `majority,minority`; empty means "use defaults". */
export interface NameListParamSpec extends ParamBase {
  readonly kind: 'name-list';
  readonly default: readonly string[];
  /** How the default is described in help when the list is empty. */
  readonly defaultDescription?: string;
}

export type ParamSpec =
  NumberParamSpec | ChoiceParamSpec | ChoiceListParamSpec | NumberListParamSpec | NameListParamSpec;

export type ParamValue = number | string | readonly string[] | readonly number[];

export type ResolvedParams = Record<string, ParamValue>;

function usage(spec: ParamSpec, message: string, hint?: string): BiasloopError {
  return new BiasloopError('usage', `${spec.flag} (${spec.key}) ${message}`, {
    field: spec.flag,
    ...(hint === undefined ? {} : { hint }),
  });
}

function describeBound(spec: NumberParamSpec | NumberListParamSpec): string {
  return spec.min === undefined ? '' : `${spec.minExclusive === true ? '>' : '≥'} ${spec.min}`;
}

function checkNumber(spec: NumberParamSpec, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw usage(spec, `must be a number, got ${JSON.stringify(v)}`);
  }
  if (!Number.isFinite(v)) throw usage(spec, `must be finite, got ${v}`);
  if (spec.integer === true && !Number.isInteger(v)) throw usage(spec, `must be an integer, got ${v}`);
  if (spec.min !== undefined) {
    const bad = spec.minExclusive === true ? v <= spec.min : v < spec.min;
    if (bad) throw usage(spec, `must be ${describeBound(spec)}, got ${v}`);
  }
  if (spec.max !== undefined && v > spec.max) throw usage(spec, `must be ≤ ${spec.max}, got ${v}`);
  return v;
}

function checkChoice(spec: ChoiceParamSpec, v: unknown): string {
  if (typeof v !== 'string' || !spec.choices.includes(v)) {
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    const dym = typeof v === 'string' ? didYouMean(v, spec.choices) : '';
    throw usage(spec, `must be one of ${spec.choices.join(', ')}; got '${s}'`, dym === '' ? undefined : dym);
  }
  return v;
}

function checkChoiceList(spec: ChoiceListParamSpec, v: unknown): readonly string[] {
  if (!Array.isArray(v) || v.length === 0) {
    throw usage(spec, `must be a non-empty list of ${spec.choices.join(', ')}`);
  }
  const seen = new Set<string>();
  for (const item of v as unknown[]) {
    if (typeof item !== 'string' || !spec.choices.includes(item)) {
      const s = typeof item === 'string' ? item : JSON.stringify(item);
      const dym = typeof item === 'string' ? didYouMean(item, spec.choices) : '';
      throw usage(
        spec,
        `has '${s}', which is not one of ${spec.choices.join(', ')}`,
        dym === '' ? undefined : dym,
      );
    }
    if (seen.has(item)) throw usage(spec, `lists '${item}' twice`);
    seen.add(item);
  }
  return [...(v as string[])];
}

function checkNumberList(spec: NumberListParamSpec, v: unknown): readonly number[] {
  if (!Array.isArray(v)) throw usage(spec, `must be a list of numbers, got ${JSON.stringify(v)}`);
  const min = spec.minLength ?? 1;
  if (v.length < min) throw usage(spec, `needs at least ${min} values, got ${v.length}`);
  return (v as unknown[]).map((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw usage(spec, `value ${i + 1} must be a finite number, got ${JSON.stringify(x)}`);
    }
    if (spec.min !== undefined && (spec.minExclusive === true ? x <= spec.min : x < spec.min)) {
      throw usage(spec, `value ${i + 1} must be ${describeBound(spec)}, got ${x}`);
    }
    return x;
  });
}

function checkNameList(spec: NameListParamSpec, v: unknown): readonly string[] {
  if (!Array.isArray(v)) throw usage(spec, `must be a list of names, got ${JSON.stringify(v)}`);
  const seen = new Set<string>();
  return (v as unknown[]).map((x) => {
    if (typeof x !== 'string' || x.trim() === '') throw usage(spec, `must contain non-empty names`);
    if (/[,:\n\r]/.test(x)) throw usage(spec, `name '${x}' may not contain ',' or ':'`);
    if (seen.has(x)) throw usage(spec, `lists '${x}' twice`);
    seen.add(x);
    return x;
  });
}

/** Validate one value against its spec (library input). */
export function checkParam(spec: ParamSpec, v: unknown): ParamValue {
  switch (spec.kind) {
    case 'number':
      return checkNumber(spec, v);
    case 'choice':
      return checkChoice(spec, v);
    case 'choice-list':
      return checkChoiceList(spec, v);
    case 'number-list':
      return checkNumberList(spec, v);
    case 'name-list':
      return checkNameList(spec, v);
  }
}

/**
 * Fill defaults and validate library input. Unknown keys are an error (with a suggestion), so a typo
 * never silently falls back to a default.
 */
export function resolveParams(
  model: string,
  specs: readonly ParamSpec[],
  input: Readonly<Record<string, unknown>>,
): ResolvedParams {
  const keys = specs.map((s) => s.key);
  for (const k of Object.keys(input)) {
    if (!keys.includes(k)) {
      const dym = didYouMean(k, keys);
      throw new BiasloopError('usage', `theory ${model}: unknown parameter '${k}'`, {
        field: k,
        hint: dym === '' ? `known: ${keys.join(', ')}` : dym,
      });
    }
  }
  const out: ResolvedParams = {};
  for (const spec of specs) {
    const v = input[spec.key];
    out[spec.key] = v === undefined ? spec.default : checkParam(spec, v);
  }
  return out;
}

function parseNumberText(spec: ParamSpec, text: string): number {
  const t = text.trim();
  // Number('') is 0 and Number('0x10') is 16: accept decimal / exponent notation only.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
    throw usage(spec, `must be a number, got '${text}'`);
  }
  return Number(t);
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Parse command-line text for one parameter, then validate it. */
export function parseParamText(spec: ParamSpec, text: string): ParamValue {
  switch (spec.kind) {
    case 'number':
      return checkNumber(spec, parseNumberText(spec, text));
    case 'choice':
      return checkChoice(spec, text.trim());
    case 'choice-list':
      return checkChoiceList(spec, splitList(text));
    case 'number-list':
      return checkNumberList(
        spec,
        splitList(text).map((s) => parseNumberText(spec, s)),
      );
    case 'name-list':
      return checkNameList(spec, splitList(text));
  }
}

/** The default as command-line text (for `--help`). */
export function defaultText(spec: ParamSpec): string {
  switch (spec.kind) {
    case 'number':
    case 'choice':
      return String(spec.default);
    case 'choice-list':
    case 'number-list':
      return spec.default.join(',');
    case 'name-list':
      return spec.default.length > 0 ? spec.default.join(',') : (spec.defaultDescription ?? '(none)');
  }
}

/** Canonical JSON: object keys sorted at every level, so equal values give byte-identical text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
