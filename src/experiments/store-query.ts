/**
 * Reading results stores: `biasloop results query|export|ls`. A directory is either one experiment
 * (it holds results.duckdb) or a results root (its experiments' stores are read together). Stores are
 * attached READ_ONLY to an in-memory DuckDB, and the views `experiments`, `runs`, `metrics`,
 * `artefacts` union them, so one SQL query spans every experiment under a root.
 *
 * A store whose sweep is still running is locked by its coordinator; it is skipped (and reported),
 * never waited for.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { BiasloopError } from '../core/errors.ts';
import { STORE_FILE, STORE_TABLES, checkSchemaVersion, storeOpenError } from './store.ts';

export interface StoreSource {
  /** The experiment directory's name (its experiment id). */
  readonly experiment: string;
  readonly path: string;
}

/** The stores under `dir`: its own, or those of its experiment subdirectories. */
export function findStores(dir: string): StoreSource[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new BiasloopError('io', `results directory '${dir}' does not exist`, {
      hint: 'pass --dir <results root or experiment directory>',
    });
  }
  const own = join(dir, STORE_FILE);
  if (existsSync(own)) return [{ experiment: resolve(dir).split('/').pop() ?? dir, path: own }];
  const out: StoreSource[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name, STORE_FILE);
    if (existsSync(p)) out.push({ experiment: name, path: p });
  }
  return out;
}

export interface QueryResult {
  readonly columns: readonly string[];
  /** Column types as DuckDB names (DOUBLE, BIGINT, VARCHAR, …). */
  readonly types: readonly string[];
  /** Values as JSON: numbers that do not fit a double and NaN come back as strings. */
  readonly rows: readonly (readonly unknown[])[];
}

export interface SkippedStore {
  readonly path: string;
  readonly reason: string;
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/;

export class StoreReader {
  readonly sources: readonly StoreSource[];
  readonly skipped: readonly SkippedStore[];
  private readonly instance: DuckDBInstance;
  private readonly conn: DuckDBConnection;

  private constructor(
    instance: DuckDBInstance,
    conn: DuckDBConnection,
    sources: StoreSource[],
    skipped: SkippedStore[],
  ) {
    this.instance = instance;
    this.conn = conn;
    this.sources = sources;
    this.skipped = skipped;
  }

  /** Attach every store under `dir` read-only; refuse a store written by a newer schema. */
  static async open(dir: string): Promise<StoreReader> {
    const found = findStores(dir);
    if (found.length === 0) {
      throw new BiasloopError('io', `no results store under '${dir}' (no ${STORE_FILE})`, {
        hint: 'run `biasloop sweep` first, or pass --dir <results root or experiment directory>',
      });
    }
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const attached: StoreSource[] = [];
    const skipped: SkippedStore[] = [];
    try {
      for (const source of found) {
        const alias = `s${attached.length}`;
        try {
          await conn.run(`ATTACH '${source.path.replace(/'/g, "''")}' AS ${alias} (READ_ONLY)`);
        } catch (e) {
          const err = storeOpenError(e, source.path);
          if (found.length === 1) throw err;
          skipped.push({ path: source.path, reason: err.message });
          continue;
        }
        await checkSchemaVersion(conn, source.path, `${alias}.meta`);
        attached.push(source);
      }
      if (attached.length === 0) {
        throw new BiasloopError('io', `no readable results store under '${dir}'`, {
          hint: skipped[0]?.reason,
        });
      }
      for (const table of STORE_TABLES) {
        const union = attached.map((_, i) => `SELECT * FROM s${i}.${table}`).join(' UNION ALL ');
        await conn.run(`CREATE TEMP VIEW ${table} AS ${union}`);
      }
    } catch (e) {
      conn.closeSync();
      instance.closeSync();
      throw e;
    }
    return new StoreReader(instance, conn, attached, skipped);
  }

  async query(sql: string): Promise<QueryResult> {
    let reader;
    try {
      reader = await this.conn.runAndReadAll(sql);
    } catch (e) {
      const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
      throw new BiasloopError('usage', `SQL error: ${msg}`, {
        hint: `tables: ${STORE_TABLES.filter((t) => t !== 'meta').join(', ')}; see docs/scale.md`,
      });
    }
    const types = reader.columnTypes().map((t) => t.toString());
    const rows = reader.getRowsJson().map((row) =>
      row.map((v, j) => {
        if (typeof v === 'string' && NUMERIC.test(types[j])) {
          const n = Number(v);
          return Number.isFinite(n) &&
            (Math.abs(n) <= Number.MAX_SAFE_INTEGER || /DOUBLE|FLOAT/.test(types[j]))
            ? n
            : v;
        }
        return v;
      }),
    );
    return { columns: reader.columnNames(), types, rows };
  }

  /** COPY a query's result to a file as CSV (with header), Parquet or JSON lines. */
  async export(sql: string, file: string, format: 'csv' | 'parquet' | 'jsonl'): Promise<void> {
    const fmt =
      format === 'csv' ? 'FORMAT CSV, HEADER' : format === 'parquet' ? 'FORMAT PARQUET' : 'FORMAT JSON';
    try {
      await this.conn.run(`COPY (${sql}) TO '${file.replace(/'/g, "''")}' (${fmt})`);
    } catch (e) {
      const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
      if (/permission denied|read-only/i.test(msg)) {
        throw new BiasloopError('io', `cannot write '${file}': permission denied`);
      }
      throw new BiasloopError('usage', `export failed: ${msg}`);
    }
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
