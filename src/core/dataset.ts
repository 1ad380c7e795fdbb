/**
 * The columnar Dataset: typed arrays for features, labels and group ids, plus per-row provenance.
 *
 * Rows are never objects. A dataset is a handful of typed-array columns that share one `DatasetSchema`
 * (feature names and blocks, class names, protected attributes and the combined groups). Real and
 * synthetic rows of one study share the schema, so they can be concatenated and compared directly.
 */
import { BiasloopError } from './errors.ts';

/** Where a row came from. */
export const SOURCE_REAL = 0;
export const SOURCE_SYNTHETIC = 1;

/** One protected attribute (e.g. `sex`) and its levels (e.g. `['Female', 'Male']`). */
export interface ProtectedAttributeSchema {
  readonly name: string;
  readonly levels: readonly string[];
}

/** A run of feature columns that came from one input column. */
export interface FeatureBlock {
  readonly name: string;
  /** `numeric`: one column; `onehot`: `levels.length` indicator columns, exactly one is 1. */
  readonly kind: 'numeric' | 'onehot';
  readonly start: number;
  readonly width: number;
  readonly levels?: readonly string[];
}

export interface DatasetSchema {
  readonly featureNames: readonly string[];
  readonly featureBlocks: readonly FeatureBlock[];
  /**
   * For image data: the per-row tensor shape in NCHW order without N, e.g. `[3, 28, 28]`; the row's
   * features are that tensor flattened. Absent for tabular data.
   */
  readonly featureShape?: readonly number[];
  /** Class names in label-code order; binary tasks use index 1 as the positive class. */
  readonly classNames: readonly string[];
  /** Protected attributes; the combined group is their intersection. */
  readonly attributes: readonly ProtectedAttributeSchema[];
  /** Name of each combined group, e.g. `Female` or `sex=Female & race=Black`. */
  readonly groupNames: readonly string[];
  /** For each combined group, the level code of each attribute: `groupLevels[g][a]`. */
  readonly groupLevels: readonly (readonly number[])[];
}

export interface Provenance {
  /** SOURCE_REAL or SOURCE_SYNTHETIC per row. */
  readonly source: Uint8Array;
  /** Generation that produced the row (real rows: -1 for the original data, g for `fresh` draws). */
  readonly generation: Int32Array;
  /** Index into `generatorNames` (real rows: 0 = `real`). */
  readonly generator: Uint16Array;
  readonly generatorNames: readonly string[];
}

export interface Dataset {
  readonly schema: DatasetSchema;
  readonly n: number;
  readonly d: number;
  /** Row-major n×d features. */
  readonly x: Float64Array;
  /** Class code per row, 0..classNames.length-1. */
  readonly y: Int32Array;
  /** Combined group id per row, 0..groupNames.length-1. */
  readonly group: Int32Array;
  readonly provenance: Provenance;
}

/** A schema with numeric features only and one protected attribute whose levels are the groups. */
export function simpleSchema(opts: {
  featureNames: readonly string[];
  classNames: readonly string[];
  attribute: string;
  levels: readonly string[];
}): DatasetSchema {
  return {
    featureNames: opts.featureNames,
    featureBlocks: opts.featureNames.map((name, i) => ({
      name,
      kind: 'numeric' as const,
      start: i,
      width: 1,
    })),
    classNames: opts.classNames,
    attributes: [{ name: opts.attribute, levels: opts.levels }],
    groupNames: opts.levels,
    groupLevels: opts.levels.map((_, i) => [i]),
  };
}

export function realProvenance(n: number, generation = -1): Provenance {
  return {
    source: new Uint8Array(n).fill(SOURCE_REAL),
    generation: new Int32Array(n).fill(generation),
    generator: new Uint16Array(n),
    generatorNames: ['real'],
  };
}

export function syntheticProvenance(n: number, generation: number, generatorName: string): Provenance {
  return {
    source: new Uint8Array(n).fill(SOURCE_SYNTHETIC),
    generation: new Int32Array(n).fill(generation),
    generator: new Uint16Array(n),
    generatorNames: [generatorName],
  };
}

/** Build a dataset, checking every column's length and every code's range. */
export function createDataset(parts: {
  schema: DatasetSchema;
  x: Float64Array;
  y: Int32Array;
  group: Int32Array;
  provenance?: Provenance;
}): Dataset {
  const { schema, x, y, group } = parts;
  const d = schema.featureNames.length;
  const n = y.length;
  if (x.length !== n * d) {
    throw new BiasloopError(
      'data',
      `features have ${x.length} values but ${n} rows × ${d} features need ${n * d}`,
    );
  }
  if (group.length !== n)
    throw new BiasloopError('data', `group column has ${group.length} rows, labels have ${n}`);
  const k = schema.classNames.length;
  const gCount = schema.groupNames.length;
  for (let i = 0; i < n; i++) {
    if (y[i] < 0 || y[i] >= k)
      throw new BiasloopError('data', `row ${i}: label code ${y[i]} outside 0..${k - 1}`);
    if (group[i] < 0 || group[i] >= gCount) {
      throw new BiasloopError('data', `row ${i}: group code ${group[i]} outside 0..${gCount - 1}`);
    }
  }
  const provenance = parts.provenance ?? realProvenance(n);
  if (
    provenance.source.length !== n ||
    provenance.generation.length !== n ||
    provenance.generator.length !== n
  ) {
    throw new BiasloopError('data', `provenance columns must have ${n} rows`);
  }
  return { schema, n, d, x, y, group, provenance };
}

/** The rows `indices` of `ds`, in that order (a gather; indices may repeat). */
export function takeRows(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const m = indices.length;
  const d = ds.d;
  const x = new Float64Array(m * d);
  const y = new Int32Array(m);
  const group = new Int32Array(m);
  const source = new Uint8Array(m);
  const generation = new Int32Array(m);
  const generator = new Uint16Array(m);
  const p = ds.provenance;
  for (let r = 0; r < m; r++) {
    const i = indices[r];
    if (!(i >= 0 && i < ds.n)) throw new RangeError(`row index ${i} outside 0..${ds.n - 1}`);
    x.set(ds.x.subarray(i * d, i * d + d), r * d);
    y[r] = ds.y[i];
    group[r] = ds.group[i];
    source[r] = p.source[i];
    generation[r] = p.generation[i];
    generator[r] = p.generator[i];
  }
  return {
    schema: ds.schema,
    n: m,
    d,
    x,
    y,
    group,
    provenance: { source, generation, generator, generatorNames: p.generatorNames },
  };
}

/**
 * Concatenate datasets that share a schema (same features, classes and groups). Generator names are
 * merged so that provenance stays meaningful.
 */
export function concatDatasets(parts: readonly Dataset[]): Dataset {
  if (parts.length === 0) throw new RangeError('concatDatasets needs at least one dataset');
  const schema = parts[0].schema;
  const d = parts[0].d;
  for (const p of parts) {
    if (p.d !== d || p.schema.classNames.length !== schema.classNames.length) {
      throw new BiasloopError('data', 'cannot concatenate datasets with different schemas');
    }
  }
  const n = parts.reduce((s, p) => s + p.n, 0);
  const x = new Float64Array(n * d);
  const y = new Int32Array(n);
  const group = new Int32Array(n);
  const source = new Uint8Array(n);
  const generation = new Int32Array(n);
  const generator = new Uint16Array(n);
  const names: string[] = [];
  let off = 0;
  for (const p of parts) {
    x.set(p.x, off * d);
    y.set(p.y, off);
    group.set(p.group, off);
    source.set(p.provenance.source, off);
    generation.set(p.provenance.generation, off);
    const remap = p.provenance.generatorNames.map((name) => {
      let k = names.indexOf(name);
      if (k < 0) k = names.push(name) - 1;
      return k;
    });
    for (let i = 0; i < p.n; i++) generator[off + i] = remap[p.provenance.generator[i]];
    off += p.n;
  }
  return {
    schema,
    n,
    d,
    x,
    y,
    group,
    provenance: { source, generation, generator, generatorNames: names },
  };
}

/** Row counts per (class, group) cell, laid out `counts[c * G + g]`. */
export function cellCounts(ds: Dataset): Float64Array {
  const G = ds.schema.groupNames.length;
  const counts = new Float64Array(ds.schema.classNames.length * G);
  for (let i = 0; i < ds.n; i++) counts[ds.y[i] * G + ds.group[i]]++;
  return counts;
}

/** Share of synthetic rows. */
export function syntheticShare(ds: Dataset): number {
  if (ds.n === 0) return 0;
  let s = 0;
  for (let i = 0; i < ds.n; i++) s += ds.provenance.source[i];
  return s / ds.n;
}
