/**
 * Group coding for the audit: the levels of each protected column, the intersection groups, and the
 * reference group of each attribute.
 *
 * Rows are counted once per combination of all group columns that occurs in the data (a "combo");
 * each attribute's groups, and the intersection's, are sums of combos (registry `Grouping`s with a
 * combo → group mapping), so one count serves every attribute. Only combinations that occur are
 * groups: an intersection never reports an empty group. A missing group value is its own group,
 * `(missing)`, never dropped.
 */
import { BiasloopError, closestMatch } from '../core/errors.ts';
import type { Grouping } from '../metrics/groups.ts';

export const MISSING_GROUP = '(missing)';

/**
 * Natural order: runs of digits compare as numbers (`2` before `10`), everything else by UTF-16 code
 * unit, so the order is the same on every machine and locale; `(missing)` last.
 */
export function compareLevels(a: string, b: string): number {
  if (a === b) return 0;
  if (a === MISSING_GROUP) return 1;
  if (b === MISSING_GROUP) return -1;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      let ei = i;
      let ej = j;
      while (ei < a.length && isDigit(a.charCodeAt(ei))) ei++;
      while (ej < b.length && isDigit(b.charCodeAt(ej))) ej++;
      // Compare the digit runs as numbers: strip leading zeros, then by length, then digit by digit.
      let si = i;
      let sj = j;
      while (si < ei - 1 && a.charCodeAt(si) === 48) si++;
      while (sj < ej - 1 && b.charCodeAt(sj) === 48) sj++;
      if (ei - si !== ej - sj) return ei - si - (ej - sj);
      for (let k = 0; k < ei - si; k++) {
        const d = a.charCodeAt(si + k) - b.charCodeAt(sj + k);
        if (d !== 0) return d;
      }
      i = ei;
      j = ej;
    } else {
      if (ca !== cb) return ca - cb;
      i++;
      j++;
    }
  }
  if (a.length - i !== b.length - j) return a.length - i - (b.length - j);
  return a < b ? -1 : 1; // equal up to leading zeros ("01" vs "1"): plain order
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export interface AttributeSpec {
  /** Display name: the column, or the columns joined by ` & `. */
  readonly name: string;
  readonly columns: readonly string[];
}

export interface GroupCoding {
  /** Per attribute (in `--group` order, then the intersection): its grouping over the combos. */
  readonly attributes: readonly AttributeSpec[];
  readonly groupings: readonly Grouping[];
  /** Number of combos (distinct group-value tuples). */
  readonly comboCount: number;
  /** Combo code of a tuple of group values (missing as `(missing)`). */
  comboOf(values: readonly string[]): number;
}

/**
 * Build the coding from the distinct group-value tuples that occur (values already text, missing as
 * `(missing)`). `intersect` adds the cross-product attribute.
 */
export function buildGroupCoding(
  columns: readonly string[],
  tuples: readonly (readonly string[])[],
  intersect: boolean,
): GroupCoding {
  const levels = columns.map((_, j) => [...new Set(tuples.map((t) => t[j]))].sort(compareLevels));
  const levelIndex = levels.map((lv) => new Map(lv.map((v, i) => [v, i])));
  // Combos in lexicographic order of level indices: deterministic, whatever the row order.
  const comboKeys = [...new Set(tuples.map((t) => t.join('\u0000')))]
    .map((k) => k.split('\u0000'))
    .map((vals) => ({ vals, idx: vals.map((v, j) => levelIndex[j].get(v) as number) }))
    .sort((a, b) => {
      for (let j = 0; j < a.idx.length; j++) if (a.idx[j] !== b.idx[j]) return a.idx[j] - b.idx[j];
      return 0;
    });
  const comboIndex = new Map(comboKeys.map((c, i) => [c.vals.join('\u0000'), i]));
  const C = comboKeys.length;

  const attributes: AttributeSpec[] = [];
  const groupings: Grouping[] = [];
  columns.forEach((col, j) => {
    attributes.push({ name: col, columns: [col] });
    groupings.push({
      scope: col,
      groupNames: levels[j],
      mapping: Int32Array.from(comboKeys, (c) => c.idx[j]),
    });
  });
  if (intersect) {
    if (columns.length < 2) {
      throw new BiasloopError('usage', '--intersect needs at least two --group columns', {
        field: '--intersect',
      });
    }
    attributes.push({ name: columns.join(' & '), columns: [...columns] });
    groupings.push({
      scope: columns.join(' & '),
      groupNames: comboKeys.map((c) => c.vals.join(' & ')),
      mapping: Int32Array.from({ length: C }, (_, i) => i),
    });
  }
  return {
    attributes,
    groupings,
    comboCount: C,
    comboOf: (values) => {
      const c = comboIndex.get(values.join('\u0000'));
      if (c === undefined) throw new RangeError(`unknown group combination ${values.join(', ')}`);
      return c;
    },
  };
}

export type ReferenceMethod = 'largest' | 'min' | 'max' | 'group';

export interface ResolvedReference {
  readonly method: ReferenceMethod;
  /** Fixed reference group index (largest / group); −1 for min / max. */
  readonly index: number;
}

const KEYWORDS = ['largest', 'min', 'max'] as const;

/**
 * The reference of every attribute from the user's specs, applied in order: a keyword (`largest`,
 * `min`, `max`) sets every attribute; `attribute=group` sets one; a bare group name sets every
 * attribute that has such a group. Unmatched names are errors with a suggestion.
 */
export function resolveReferences(
  specs: readonly string[],
  attributes: readonly AttributeSpec[],
  groupings: readonly Grouping[],
  rows: readonly Float64Array[],
): ResolvedReference[] {
  const largest = (a: number): number => {
    let best = 0;
    rows[a].forEach((r, g) => {
      if (r > rows[a][best]) best = g;
    });
    return best;
  };
  const out: ResolvedReference[] = attributes.map((_, a) => ({ method: 'largest', index: largest(a) }));
  const setGroup = (a: number, group: string, spec: string): void => {
    const g = groupings[a].groupNames.indexOf(group);
    if (g < 0) {
      const close = closestMatch(group, groupings[a].groupNames);
      throw new BiasloopError(
        'usage',
        `--reference '${spec}': '${attributes[a].name}' has no group '${group}' (groups: ${listGroups(groupings[a].groupNames)})`,
        { field: '--reference', ...(close !== undefined ? { hint: `did you mean '${close}'?` } : {}) },
      );
    }
    out[a] = { method: 'group', index: g };
  };
  for (const raw of specs) {
    const spec = raw.trim();
    if ((KEYWORDS as readonly string[]).includes(spec)) {
      attributes.forEach((_, a) => {
        out[a] =
          spec === 'largest'
            ? { method: 'largest', index: largest(a) }
            : { method: spec as 'min' | 'max', index: -1 };
      });
      continue;
    }
    // attribute=group, longest attribute name first (names may share a prefix).
    const scoped = attributes
      .map((attr, a) => ({ attr, a }))
      .filter(({ attr }) => spec.startsWith(`${attr.name}=`))
      .sort((x, y) => y.attr.name.length - x.attr.name.length)[0];
    if (scoped !== undefined) {
      const group = spec.slice(scoped.attr.name.length + 1).trim();
      if (
        (KEYWORDS as readonly string[]).includes(group) &&
        !groupings[scoped.a].groupNames.includes(group)
      ) {
        out[scoped.a] =
          group === 'largest'
            ? { method: 'largest', index: largest(scoped.a) }
            : { method: group as 'min' | 'max', index: -1 };
      } else {
        setGroup(scoped.a, group, spec);
      }
      continue;
    }
    let matched = false;
    groupings.forEach((gr, a) => {
      if (gr.groupNames.includes(spec)) {
        setGroup(a, spec, spec);
        matched = true;
      }
    });
    if (!matched) {
      const all = groupings.flatMap((g) => g.groupNames);
      const close = closestMatch(spec, [...all, ...KEYWORDS]);
      throw new BiasloopError(
        'usage',
        `--reference '${spec}' is not a group of ${attributes.map((a) => `'${a.name}'`).join(' or ')} nor one of largest, min, max`,
        {
          field: '--reference',
          hint: close !== undefined ? `did you mean '${close}'?` : 'write attribute=group',
        },
      );
    }
  }
  return out;
}

function listGroups(names: readonly string[]): string {
  return names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ');
}
