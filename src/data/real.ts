/**
 * The real data of one run: the training rows D, the fixed real test set(s), and — for the `fresh`
 * strategy — a reserve of real rows never seen before, handed out generation by generation.
 *
 * Splits are drawn from the run's own random stream, so each seed is a different split (the variance
 * over seeds includes split noise, as it should).
 */
import { resolve } from 'node:path';
import { statSync } from 'node:fs';
import { takeRows, type Dataset, type DatasetSchema } from '../core/dataset.ts';
import { BiasloopError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { DataSpecResolved } from '../spec/schema.ts';
import { adultRoles, compasRoles, resolveAdultPaths } from './benchmarks.ts';
import { readCsvFile, type CsvTable } from './csv.ts';
import { sampleSyntheticTabular, validateSyntheticOptions } from './synthetic-tabular.ts';
import { encodeTables, type ColumnRoles, type EncodedTables, type TabularLoadReport } from './tabular.ts';

export interface TestSet {
  readonly name: string;
  readonly data: Dataset;
}

export interface RealData {
  readonly schema: DatasetSchema;
  readonly train: Dataset;
  readonly tests: readonly TestSet[];
  /** `n` real rows never used before, for generation `g` ≥ 1 of the fresh strategy (same rows for same g). */
  drawFresh(g: number, n: number): Dataset;
  readonly description: string;
  readonly report?: TabularLoadReport;
}

/** Parsed files shared by the runs of one experiment (read each file once). */
export class DataCache {
  private readonly tables = new Map<string, CsvTable>();
  private readonly encoded = new Map<string, EncodedTables>();

  table(path: string, delimiter?: string): CsvTable {
    const abs = resolve(path);
    const key = `${abs}\u0000${delimiter ?? 'auto'}\u0000${statSync(abs, { throwIfNoEntry: false })?.mtimeMs ?? 0}`;
    let t = this.tables.get(key);
    if (!t) {
      t = readCsvFile(path, delimiter === undefined ? {} : { delimiter });
      this.tables.set(key, t);
    }
    return t;
  }

  encode(paths: readonly string[], roles: ColumnRoles, delimiter?: string): EncodedTables {
    const key = JSON.stringify([paths.map((p) => resolve(p)), roles, delimiter]);
    let e = this.encoded.get(key);
    if (!e) {
      e = encodeTables(
        paths.map((p) => this.table(p, delimiter)),
        roles,
      );
      this.encoded.set(key, e);
    }
    return e;
  }
}

export interface RealDataNeeds {
  /** The fresh strategy's share φ of new real rows per training set (0 for every other strategy). */
  readonly freshFraction: number;
  /** Generations G of the run (the fresh reserve must last G generations). */
  readonly generations: number;
}

export function loadRealData(
  spec: DataSpecResolved,
  rng: Rng,
  needs: RealDataNeeds,
  cache = new DataCache(),
): RealData {
  if (spec.source === 'synthetic') {
    validateSyntheticOptions(spec);
    const train = sampleSyntheticTabular(spec, spec.n, rng.fork('train'));
    const test = sampleSyntheticTabular(spec, spec.testSize, rng.fork('test'));
    return {
      schema: train.schema,
      train,
      tests: [{ name: 'test', data: test }],
      drawFresh: (g, n) => sampleSyntheticTabular(spec, n, rng.fork('fresh', g), g),
      description: `synthetic benchmark (n=${spec.n}, dim=${spec.dim}, groups=${spec.groups})`,
    };
  }
  let files: { train: string; test?: string };
  let roles: ColumnRoles;
  let delimiter: string | undefined;
  if (spec.source === 'adult') {
    files = resolveAdultPaths(spec.path, spec.testPath);
    roles = adultRoles(spec.protected, spec.includeProtected);
  } else if (spec.source === 'compas') {
    files = spec.testPath === undefined ? { train: spec.path } : { train: spec.path, test: spec.testPath };
    roles = compasRoles(spec.protected, spec.races, spec.includeProtected);
  } else {
    files = spec.testPath === undefined ? { train: spec.path } : { train: spec.path, test: spec.testPath };
    delimiter = spec.delimiter;
    roles = {
      label: spec.label,
      protected: spec.protected.map((p) => (typeof p === 'string' ? { column: p } : p)),
      numeric: spec.numeric,
      categorical: spec.categorical,
      filters: spec.filters,
      missing: spec.missing,
      includeProtected: spec.includeProtected,
    };
  }
  const paths = files.test === undefined ? [files.train] : [files.train, files.test];
  const encoded = cache.encode(paths, roles, delimiter);
  const [pool, givenTest] = encoded.datasets;

  // Split: a seeded permutation of the pool → test (unless a test file was given), fresh reserve, train.
  const perm = rng.fork('split').permutation(pool.n);
  let cursor = 0;
  let test: Dataset;
  if (givenTest) {
    test = givenTest;
  } else {
    const nTest = Math.max(1, Math.round(spec.testFraction * pool.n));
    test = takeRows(pool, perm.subarray(0, nTest));
    cursor = nTest;
  }
  // Without fresh: every remaining row trains. With fresh(φ): N training rows and a reserve of
  // G·round(φN) rows, N = data.trainSize or the largest N that fits.
  const available = pool.n - cursor;
  const phi = needs.freshFraction;
  let trainN =
    spec.trainSize ?? (phi > 0 ? Math.floor(available / (1 + needs.generations * phi)) : available);
  let reserveN = phi > 0 ? needs.generations * Math.round(phi * trainN) : 0;
  while (phi > 0 && spec.trainSize === undefined && trainN + reserveN > available && trainN > 0) {
    trainN--;
    reserveN = needs.generations * Math.round(phi * trainN);
  }
  if (trainN > available - reserveN || trainN < 20) {
    throw new BiasloopError(
      'spec',
      phi > 0
        ? `the fresh strategy needs ${reserveN} unused real rows plus ${trainN} training rows but only ${available} remain after the test split`
        : `data.trainSize ${trainN} exceeds the ${available} rows available after the test split`,
      phi > 0
        ? {
            field: 'strategy.freshFraction',
            hint: 'lower generations, strategy.freshFraction or data.trainSize',
          }
        : { field: 'data.trainSize' },
    );
  }
  const reserve = takeRows(pool, perm.subarray(cursor, cursor + reserveN));
  cursor += reserveN;
  const trainIdx = perm.subarray(cursor, cursor + trainN);
  const train = takeRows(pool, Int32Array.from(trainIdx).sort());
  return {
    schema: encoded.schema,
    train,
    tests: [{ name: 'test', data: test }],
    // Generation g (≥ 1) always gets reserve rows (g−1)·n … g·n−1: the same rows after a resume.
    drawFresh: (g, n) => {
      const start = (g - 1) * n;
      if (g < 1 || start + n > reserve.n) {
        throw new BiasloopError('spec', `the fresh reserve is exhausted at generation ${g}`, {
          field: 'strategy.freshFraction',
        });
      }
      const idx = Int32Array.from({ length: n }, (_, i) => start + i);
      const rows = takeRows(reserve, idx);
      rows.provenance.generation.fill(g);
      return rows;
    },
    description: `${spec.source} (${paths.join(', ')}): ${train.n} train / ${test.n} test rows, ${encoded.schema.featureNames.length} features, groups ${encoded.schema.groupNames.join(', ')}`,
    report: encoded.report,
  };
}
