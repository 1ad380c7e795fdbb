/**
 * Protected attributes and the groupings metrics are reported over.
 *
 * One or more attributes (e.g. `sex`, `race`) each give a level code per row. Their intersection is
 * the combined grouping (scope `''`): one group per combination of levels, named `Female` for a single
 * attribute and `sex=Female & race=Black` for several (the Dataset convention). With several
 * attributes, each attribute alone is also a (marginal) grouping, scope `<attribute>`, whose groups are
 * named `sex=Female`. Every declared level combination is a group even when no row has it: an empty
 * group is reported with count 0, never dropped.
 */
import { BiasloopError, didYouMean } from '../core/errors.ts';
import type { Dataset } from '../core/dataset.ts';
import { checkedCodes, type CodeArray } from './confusion.ts';

export interface GroupAttribute {
  readonly name: string;
  /** Level code per row, 0..levels.length−1. */
  readonly codes: CodeArray;
  readonly levels: readonly string[];
}

export interface Grouping {
  /** `''` for the combined (intersectional) grouping, else the attribute name. */
  readonly scope: string;
  readonly groupNames: readonly string[];
  /** Combined group → group of this grouping (identity for the combined grouping). */
  readonly mapping: Int32Array;
  /** Per group of this grouping: 1 when it is privileged (see `privileged`), else 0; absent when no privileged group applies. */
  readonly privileged?: Uint8Array;
}

export interface GroupStructure {
  /** Combined group code per row. */
  readonly combinedCodes: CodeArray;
  readonly combinedCount: number;
  readonly groupings: readonly Grouping[];
}

/** Privileged levels per attribute, e.g. `{ sex: 'Male' }`; a plain string for a single attribute. */
export type PrivilegedSpec = string | Readonly<Record<string, string>>;

/** Combined groups above this are refused (an intersection of many high-cardinality attributes). */
export const MAX_COMBINED_GROUPS = 1 << 20;

export function buildGroupStructure(
  attributes: readonly GroupAttribute[],
  n: number,
  opts: { marginals?: boolean; privileged?: PrivilegedSpec } = {},
): GroupStructure {
  if (attributes.length === 0) {
    throw new BiasloopError('data', 'groups: at least one protected attribute is needed', {
      field: 'groups',
      hint: 'pass [{ name, codes, levels }]',
    });
  }
  const seen = new Set<string>();
  let combinedCount = 1;
  for (const a of attributes) {
    if (seen.has(a.name)) throw new BiasloopError('data', `groups: attribute '${a.name}' is listed twice`);
    seen.add(a.name);
    if (a.levels.length === 0) {
      throw new BiasloopError('data', `groups: attribute '${a.name}' has no levels`, { field: a.name });
    }
    if (new Set(a.levels).size !== a.levels.length) {
      throw new BiasloopError('data', `groups: attribute '${a.name}' has duplicate level names`, {
        field: a.name,
      });
    }
    if (a.codes.length !== n) {
      throw new BiasloopError(
        'data',
        `groups: attribute '${a.name}' has ${a.codes.length} rows but yTrue has ${n}`,
        {
          field: a.name,
          hint: 'every input array needs one entry per row',
        },
      );
    }
    combinedCount *= a.levels.length;
  }
  if (combinedCount > MAX_COMBINED_GROUPS) {
    throw new BiasloopError(
      'data',
      `groups: the intersection has ${combinedCount} groups, more than ${MAX_COMBINED_GROUPS}`,
      {
        hint: 'use fewer or coarser attributes',
      },
    );
  }

  // Combined code: mixed radix, first attribute most significant.
  let combinedCodes: CodeArray;
  if (attributes.length === 1) {
    combinedCodes = attributes[0].codes;
  } else {
    const out = new Int32Array(n);
    for (const a of attributes) {
      const codes = checkedCodes(a.codes, a.levels.length, `groups.${a.name}`);
      const L = a.levels.length;
      for (let i = 0; i < n; i++) out[i] = out[i] * L + codes[i];
    }
    combinedCodes = out;
  }

  const levelOf = (combined: number, attrIndex: number): number => {
    let rest = combined;
    for (let a = attributes.length - 1; a > attrIndex; a--)
      rest = Math.floor(rest / attributes[a].levels.length);
    return rest % attributes[attrIndex].levels.length;
  };

  const privileged = resolvePrivileged(attributes, opts.privileged);
  const single = attributes.length === 1;
  const combinedNames: string[] = [];
  const combinedPrivileged = new Uint8Array(combinedCount);
  for (let g = 0; g < combinedCount; g++) {
    const parts: string[] = [];
    let isPrivileged = privileged.size > 0;
    attributes.forEach((a, ai) => {
      const level = levelOf(g, ai);
      parts.push(single ? a.levels[level] : `${a.name}=${a.levels[level]}`);
      const want = privileged.get(a.name);
      if (want !== undefined && want !== level) isPrivileged = false;
    });
    combinedNames.push(parts.join(' & '));
    combinedPrivileged[g] = isPrivileged ? 1 : 0;
  }
  const identity = new Int32Array(combinedCount);
  for (let g = 0; g < combinedCount; g++) identity[g] = g;
  const groupings: Grouping[] = [
    {
      scope: '',
      groupNames: combinedNames,
      mapping: identity,
      privileged: privileged.size > 0 ? combinedPrivileged : undefined,
    },
  ];
  if (!single && opts.marginals !== false) {
    attributes.forEach((a, ai) => {
      const mapping = new Int32Array(combinedCount);
      for (let g = 0; g < combinedCount; g++) mapping[g] = levelOf(g, ai);
      const want = privileged.get(a.name);
      let priv: Uint8Array | undefined;
      if (want !== undefined) {
        priv = new Uint8Array(a.levels.length);
        priv[want] = 1;
      }
      groupings.push({
        scope: a.name,
        groupNames: a.levels.map((l) => `${a.name}=${l}`),
        mapping,
        privileged: priv,
      });
    });
  }
  return { combinedCodes, combinedCount, groupings };
}

/** Attribute name → privileged level code. */
function resolvePrivileged(
  attributes: readonly GroupAttribute[],
  spec: PrivilegedSpec | undefined,
): Map<string, number> {
  const out = new Map<string, number>();
  if (spec === undefined) return out;
  if (typeof spec === 'string' && attributes.length !== 1) {
    throw new BiasloopError(
      'data',
      `privileged: '${spec}' is ambiguous with ${attributes.length} attributes`,
      {
        field: 'privileged',
        hint: `name the attribute, e.g. { ${attributes[0].name}: '${attributes[0].levels[0]}' }`,
      },
    );
  }
  const entries: [string, string][] =
    typeof spec === 'string' ? [[attributes[0].name, spec]] : Object.entries(spec);
  for (const [attrName, levelName] of entries) {
    const a = attributes.find((x) => x.name === attrName);
    if (a === undefined) {
      const hint = didYouMean(
        attrName,
        attributes.map((x) => x.name),
      );
      throw new BiasloopError('data', `privileged: unknown attribute '${attrName}'`, {
        field: 'privileged',
        hint: hint || `attributes: ${attributes.map((x) => x.name).join(', ')}`,
      });
    }
    const level = a.levels.indexOf(levelName);
    if (level < 0) {
      const hint = didYouMean(levelName, a.levels);
      throw new BiasloopError('data', `privileged: '${levelName}' is not a level of '${attrName}'`, {
        field: `privileged.${attrName}`,
        hint: hint || `levels: ${a.levels.join(', ')}`,
      });
    }
    out.set(attrName, level);
  }
  return out;
}

/**
 * The protected attributes of a Dataset as per-attribute code columns (from its combined group
 * column and `schema.groupLevels`).
 */
export function groupAttributesFromDataset(ds: Dataset): GroupAttribute[] {
  const { attributes, groupLevels } = ds.schema;
  if (attributes.length === 1 && groupLevels.every((lv, g) => lv[0] === g)) {
    return [{ name: attributes[0].name, codes: ds.group, levels: attributes[0].levels }];
  }
  return attributes.map((a, ai) => {
    const codes = new Int32Array(ds.n);
    for (let i = 0; i < ds.n; i++) codes[i] = groupLevels[ds.group[i]][ai];
    return { name: a.name, codes, levels: a.levels };
  });
}
