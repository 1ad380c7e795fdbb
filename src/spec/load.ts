/**
 * Reading, overriding and validating experiment specs, with one-line errors that name the field and
 * suggest the closest valid key or value.
 */
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { BiasloopError, closestMatch } from '../core/errors.ts';
import { readTextFile } from '../core/files.ts';
import { ExperimentSpec, type ExperimentSpecResolved } from './schema.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
export type RawSpec = Record<string, unknown>;

/** Parse YAML or JSON text (JSON is YAML); syntax errors carry line and column. */
export function parseSpecText(text: string, name: string): RawSpec {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const [line, column] = e.linePos?.[0] ? [e.linePos[0].line, e.linePos[0].col] : [undefined, undefined];
    const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new BiasloopError('spec', `invalid YAML/JSON: ${message}`, {
      file: name,
      ...(line !== undefined ? { line } : {}),
      ...(column !== undefined ? { column } : {}),
    });
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new BiasloopError('spec', 'a spec must be a mapping of fields (e.g. `generations: 10`)', {
      file: name,
    });
  }
  return value as RawSpec;
}

export function readSpecFile(path: string): RawSpec {
  const ext = extname(path).toLowerCase();
  if (ext !== '' && !['.yaml', '.yml', '.json'].includes(ext)) {
    throw new BiasloopError('spec', `spec '${path}' should be a .yaml, .yml or .json file`);
  }
  return parseSpecText(readTextFile(path, 'spec file'), path);
}

/** Path text like `data.label.column` or `sweep.strategy[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(top level)' : out;
}

/**
 * Apply `key.path=value` overrides (the CLI's `--set`). Values are parsed as YAML, so `--set
 * generations=5`, `--set strategy.kind=preserve` and `--set 'strategy={kind: mix, ratio: 0.3}'` work.
 */
export function applyOverrides(raw: RawSpec, overrides: readonly string[]): RawSpec {
  const out = structuredClone(raw);
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) {
      throw new BiasloopError('usage', `--set '${o}' must look like key.path=value`, { field: '--set' });
    }
    const key = o.slice(0, eq).trim();
    const text = o.slice(eq + 1);
    const parsed = parseSpecValue(text, `--set ${key}`);
    setPath(out, key.split('.'), parsed);
  }
  return out;
}

function parseSpecValue(text: string, name: string): unknown {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new BiasloopError('usage', `${name}: cannot parse value '${text}'`);
  return doc.toJS();
}

/** Set `obj[path[0]][path[1]]… = value`, creating intermediate objects. */
export function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur: Record<string, unknown> = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i];
    const next = cur[k];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) {
      cur[k] = {};
    }
    cur = cur[k] as Record<string, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

// ---------------------------------------------------------------- validation errors

interface ZodDefLike {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
}

function defOf(s: z.ZodType): ZodDefLike {
  // zod 4 keeps its definition under `_zod.def`; we only read the fields named in ZodDefLike.
  return (s as unknown as { _zod: { def: ZodDefLike } })._zod.def;
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (;;) {
    const d = defOf(cur);
    if (
      (d.type === 'optional' || d.type === 'default' || d.type === 'prefault' || d.type === 'nullable') &&
      d.innerType
    ) {
      cur = d.innerType;
    } else if (d.type === 'pipe' && d.in) {
      cur = d.in;
    } else {
      return cur;
    }
  }
}

/** The object keys valid at `path` in `schema`, choosing union branches by the input's discriminator. */
export function validKeysAt(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): string[] {
  let s = unwrap(schema);
  let value: unknown = input;
  const pick = (): void => {
    for (;;) {
      const d = defOf(s);
      if (d.type !== 'union' || !d.options) return;
      const disc = d.discriminator;
      const v = value as Record<string, unknown> | undefined;
      const chosen =
        (disc !== undefined &&
          d.options.find((o) => {
            const od = defOf(unwrap(o));
            const lit = od.shape?.[disc];
            return (
              lit !== undefined &&
              (defOf(lit) as unknown as { values?: unknown[] }).values?.includes(v?.[disc])
            );
          })) ||
        d.options.find((o) => defOf(unwrap(o)).type === 'object');
      if (!chosen) return;
      s = unwrap(chosen);
    }
  };
  pick();
  for (const seg of path) {
    const d = defOf(s);
    if (d.type === 'object' && d.shape && typeof seg === 'string' && d.shape[seg]) s = unwrap(d.shape[seg]);
    else if (d.type === 'array' && d.element) s = unwrap(d.element);
    else if (d.type === 'record' && d.valueType) s = unwrap(d.valueType);
    else return [];
    value = (value as Record<PropertyKey, unknown> | undefined)?.[seg];
    pick();
  }
  const d = defOf(s);
  return d.type === 'object' && d.shape ? Object.keys(d.shape) : [];
}

interface IssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  options?: unknown[];
  expected?: string;
  errors?: IssueLike[][];
  note?: string;
}

function describeIssue(
  issue: IssueLike,
  schema: z.ZodType,
  input: unknown,
  prefix: readonly PropertyKey[],
): string {
  const path = [...prefix, ...issue.path];
  const where = formatPath(path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys?.[0] ?? '?';
      const valid = validKeysAt(schema, issue.path, input);
      const suggestion = closestMatch(key, valid);
      const at = formatPath([...path, key]);
      return (
        `unknown key '${key}' at ${at}` +
        (suggestion
          ? ` (did you mean '${suggestion}'?)`
          : valid.length > 0
            ? ` (valid keys: ${valid.join(', ')})`
            : '')
      );
    }
    case 'invalid_union': {
      if (issue.options && issue.options.length > 0) {
        let got: unknown = input;
        for (const seg of issue.path) got = (got as Record<PropertyKey, unknown> | undefined)?.[seg];
        const opts = issue.options.map(String);
        const suggestion = typeof got === 'string' ? closestMatch(got, opts) : undefined;
        const gotText = got === undefined ? 'is missing' : `'${String(got)}' is not valid`;
        return (
          `${where}: ${gotText}; expected one of ${opts.join(', ')}` +
          (suggestion ? ` (did you mean '${suggestion}'?)` : '')
        );
      }
      // A plain union (e.g. a number or a list): say what each branch wanted.
      const expected = new Set<string>();
      for (const branch of issue.errors ?? []) {
        const first = branch[0];
        if (first?.code === 'invalid_type' && first.expected) expected.add(first.expected);
        else if (first) return describeIssue(first, schema, input, path);
      }
      return `${where}: expected ${[...expected].join(' or ') || 'a different value'}`;
    }
    case 'invalid_value':
      return `${where}: ${issue.message.replace(/^Invalid (option|input): /, '')}`;
    default:
      return `${where}: ${issue.message.replace(/^Invalid input: /, '')}`;
  }
}

/** Validate a raw spec; a one-line BiasloopError naming the field otherwise. */
export function validateSpec(
  raw: unknown,
  source = 'spec',
  pathPrefix: readonly PropertyKey[] = [],
): ExperimentSpecResolved {
  const r = ExperimentSpec.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues as unknown as IssueLike[];
  const first = describeIssue(issues[0], ExperimentSpec, raw, pathPrefix);
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw new BiasloopError('spec', `${source}: ${first}${more}`);
}
