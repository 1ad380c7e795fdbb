/**
 * The results store's schema (tables, version) and the records written into it, plus the errors a
 * store can raise when it is opened. The writer is store.ts; the readers are in store-query.ts.
 */
import { existsSync, statSync } from 'node:fs';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { BiasloopError } from '../core/errors.ts';
import type { CheckpointLocation } from './scheduler.ts';
import type { MetricRow } from '../results/rows.ts';

/** Bumped on an incompatible change; a store written by a newer version is refused. */
export const STORE_SCHEMA_VERSION = 1;
export const STORE_FILE = 'results.duckdb';

export const DDL = [
  `CREATE TABLE IF NOT EXISTS meta (key VARCHAR NOT NULL, value VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS experiments (
     id VARCHAR NOT NULL, name VARCHAR, kind VARCHAR, status VARCHAR, runs INTEGER,
     spec JSON, raw_spec JSON, created_at TIMESTAMP, updated_at TIMESTAMP,
     biasloop_version VARCHAR, node_version VARCHAR, dir VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS runs (
     experiment VARCHAR NOT NULL, id VARCHAR NOT NULL, label VARCHAR, seed INTEGER, variant JSON,
     spec JSON, status VARCHAR, generations INTEGER, generations_done INTEGER, scheduler VARCHAR,
     worker VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, seconds DOUBLE, versions JSON,
     error VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS metrics (
     experiment VARCHAR NOT NULL, run VARCHAR NOT NULL, generation INTEGER NOT NULL,
     metric VARCHAR NOT NULL, "group" VARCHAR NOT NULL, value DOUBLE, ci_low DOUBLE, ci_high DOUBLE)`,
  `CREATE TABLE IF NOT EXISTS artefacts (
     experiment VARCHAR NOT NULL, run VARCHAR, generation INTEGER, kind VARCHAR NOT NULL,
     host VARCHAR NOT NULL, path VARCHAR NOT NULL, bytes BIGINT)`,
];

export const STORE_TABLES = ['experiments', 'runs', 'metrics', 'artefacts', 'meta'] as const;

export type StoreRunStatus = 'pending' | 'running' | 'complete' | 'failed';

export interface ExperimentRecord {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly status: string;
  readonly runs: number;
  readonly spec: unknown;
  readonly rawSpec: unknown;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly biasloopVersion: string;
  readonly nodeVersion: string;
  readonly dir: string;
}

export interface RunRecord {
  readonly id: string;
  readonly label: string;
  readonly seed: number;
  readonly variant: unknown;
  readonly spec: unknown;
  readonly generations: number;
  readonly status: StoreRunStatus;
}

export interface ArtefactRecord {
  readonly run: string | null;
  readonly generation: number | null;
  /** checkpoint, samples, metrics-csv, metrics-json, run-json, summary-csv */
  readonly kind: string;
  /** `local` (relative to the experiment directory) or the worker's host name. */
  readonly host: string;
  readonly path: string;
  readonly bytes: number | null;
}

export interface GenerationRecord {
  readonly run: string;
  readonly generation: number;
  /** Who computed it (recorded as the run's worker). */
  readonly worker?: string;
  readonly rows: readonly MetricRow[];
  readonly checkpoint?: CheckpointLocation;
}

export interface RunEndRecord {
  readonly run: string;
  readonly status: StoreRunStatus;
  /** Every generation's rows (a complete run): recorded anew in the same transaction. */
  readonly rows?: readonly MetricRow[];
  readonly finishedAt: string;
  readonly seconds: number;
  readonly worker?: string;
  readonly versions?: Readonly<Record<string, string>>;
  readonly error?: string;
  readonly artefacts?: readonly ArtefactRecord[];
}

/** ISO 8601 (UTC) → DuckDB TIMESTAMP text. */
export const ts = (iso: string): string => iso.replace('T', ' ').replace(/Z$/, '');

/** Map a DuckDB open error to a one-line BiasloopError. */
export function storeOpenError(e: unknown, path: string): BiasloopError {
  const msg = e instanceof Error ? e.message : String(e);
  const lock = /Conflicting lock is held in (.*?) \(PID (\d+)\)/.exec(msg);
  if (lock) {
    return new BiasloopError('io', `'${path}' is in use by another biasloop process (PID ${lock[2]})`, {
      hint: 'wait for that sweep to finish or stop it; one coordinator per experiment',
    });
  }
  if (/read-only file system|permission denied/i.test(msg)) {
    return new BiasloopError('io', `cannot write '${path}': permission denied`, {
      hint: 'choose a writable directory with --out',
    });
  }
  if (/not a valid DuckDB database|database file .* is not valid|Corrupt|checksum/i.test(msg)) {
    return new BiasloopError('checkpoint', `'${path}' is not a readable DuckDB results store`, {
      hint: 'delete it; resuming the experiment rebuilds it from the run files',
    });
  }
  return new BiasloopError('io', `cannot open results store '${path}': ${msg.split('\n')[0]}`);
}

/** Refuse a store written by a newer schema version (the connection is to the store or an attachment). */
export async function checkSchemaVersion(
  conn: DuckDBConnection,
  path: string,
  table = 'meta',
): Promise<number | undefined> {
  const reader = await conn.runAndReadAll(`SELECT value FROM ${table} WHERE key = 'schema_version'`);
  const rows = reader.getRows();
  if (rows.length === 0) return undefined;
  const version = Number(rows[0][0]);
  if (!Number.isInteger(version) || version > STORE_SCHEMA_VERSION) {
    throw new BiasloopError(
      'io',
      `'${path}' was written by a newer biasloop (results store schema v${String(rows[0][0])}, this is v${STORE_SCHEMA_VERSION})`,
      { hint: 'upgrade biasloop to read or extend it' },
    );
  }
  return version;
}

/** Size of a local file, or null when it cannot be read. */
export function fileBytes(path: string): number | null {
  try {
    return existsSync(path) ? statSync(path).size : null;
  } catch {
    return null;
  }
}

/** Append metric rows in the column order of the metrics table (one Appender, flushed). */
export async function appendMetricRows(
  conn: DuckDBConnection,
  experiment: string,
  rows: readonly MetricRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const app: DuckDBAppender = await conn.createAppender('metrics');
  try {
    for (const r of rows) {
      app.appendVarchar(experiment);
      app.appendVarchar(r.run);
      app.appendInteger(r.generation);
      app.appendVarchar(r.metric);
      app.appendVarchar(r.group);
      app.appendDouble(r.value);
      if (r.ciLow === undefined) app.appendNull();
      else app.appendDouble(r.ciLow);
      if (r.ciHigh === undefined) app.appendNull();
      else app.appendDouble(r.ciHigh);
      app.endRow();
    }
    app.flushSync();
  } finally {
    app.closeSync();
  }
}

/** Append artefact rows in the column order of the artefacts table. */
export async function appendArtefactRows(
  conn: DuckDBConnection,
  experiment: string,
  list: readonly ArtefactRecord[],
): Promise<void> {
  if (list.length === 0) return;
  const app: DuckDBAppender = await conn.createAppender('artefacts');
  try {
    for (const a of list) {
      app.appendVarchar(experiment);
      if (a.run === null) app.appendNull();
      else app.appendVarchar(a.run);
      if (a.generation === null) app.appendNull();
      else app.appendInteger(a.generation);
      app.appendVarchar(a.kind);
      app.appendVarchar(a.host);
      app.appendVarchar(a.path);
      if (a.bytes === null) app.appendNull();
      else app.appendBigInt(BigInt(a.bytes));
      app.endRow();
    }
    app.flushSync();
  } finally {
    app.closeSync();
  }
}
