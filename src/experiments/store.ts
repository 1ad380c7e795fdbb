/**
 * The results store: one embedded DuckDB file, `results.duckdb`, in each experiment directory, next
 * to the CSV/JSON files of the results layout. Tables (see docs/scale.md):
 *
 *   meta(key, value)                          schema_version, created_by
 *   experiments(id, name, kind, status, …)    one row: the experiment, its resolved and raw spec
 *   runs(experiment, id, label, seed, variant, spec, status, generations, generations_done,
 *        scheduler, worker, started_at, finished_at, seconds, versions, error)
 *   metrics(experiment, run, generation, metric, "group", value, ci_low, ci_high)     long format
 *   artefacts(experiment, run, generation, kind, host, path, bytes)   checkpoints, samples, files
 *
 * Only the coordinator writes (DuckDB allows one writing process, and its lock doubles as a guard
 * against two coordinators on one experiment). Each write is one transaction: a generation's rows
 * are recorded completely or not at all, and re-recording a generation (after a resume, or when a
 * result is delivered twice) deletes the earlier rows of that (run, generation) in the same
 * transaction, so nothing is ever duplicated. Generation writes are coalesced: while a transaction
 * runs, later generations queue up and go in the next one.
 *
 * The store is derived data: the layout's files and checkpoints are what resume trusts, and the
 * coordinator re-records any complete run the store lacks, so a deleted store is rebuilt by resuming.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { BiasloopError } from '../core/errors.ts';
import type { MetricRow } from '../results/rows.ts';
import type { CheckpointLocation } from './scheduler.ts';

/** Bumped on an incompatible change; a store written by a newer version is refused. */
export const STORE_SCHEMA_VERSION = 1;
export const STORE_FILE = 'results.duckdb';

const DDL = [
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
const ts = (iso: string): string => iso.replace('T', ' ').replace(/Z$/, '');

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

export class ResultsStore {
  readonly path: string;
  /** The experiment directory holding the store; local artefact paths are relative to it. */
  readonly dir: string;
  private readonly experiment: string;
  private readonly instance: DuckDBInstance;
  private readonly conn: DuckDBConnection;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private pending: GenerationRecord[] = [];
  private scheduled = false;
  private closed = false;

  private constructor(path: string, experiment: string, instance: DuckDBInstance, conn: DuckDBConnection) {
    this.path = path;
    this.dir = dirname(path);
    this.experiment = experiment;
    this.instance = instance;
    this.conn = conn;
  }

  /** Open (creating if needed) `<dir>/results.duckdb` for experiment `experiment`, for writing. */
  static async open(dir: string, experiment: string): Promise<ResultsStore> {
    const path = join(dir, STORE_FILE);
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path);
    } catch (e) {
      throw storeOpenError(e, path);
    }
    const conn = await instance.connect();
    const store = new ResultsStore(path, experiment, instance, conn);
    try {
      const hasMeta = await conn.runAndReadAll(
        `SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'`,
      );
      if (Number(hasMeta.getRows()[0][0]) > 0) await checkSchemaVersion(conn, path);
      await store.transaction(async () => {
        for (const ddl of DDL) await conn.run(ddl);
        await conn.run(`DELETE FROM meta WHERE key IN ('schema_version', 'created_by')`);
        await conn.run(`INSERT INTO meta VALUES ('schema_version', ?), ('created_by', 'biasloop')`, [
          String(STORE_SCHEMA_VERSION),
        ]);
      });
    } catch (e) {
      conn.closeSync();
      instance.closeSync();
      if (e instanceof BiasloopError) throw e;
      throw storeOpenError(e, path);
    }
    return store;
  }

  private async transaction(body: () => Promise<void>): Promise<void> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      await body();
      await this.conn.run('COMMIT');
    } catch (e) {
      await this.conn.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  /** Queue a write after every earlier one; remember the first failure for flush(). */
  private enqueue(write: () => Promise<void>): Promise<void> {
    const p = this.chain.then(() => {
      if (this.failure !== undefined) throw this.failure;
      return this.transaction(write);
    });
    this.chain = p.catch((e: unknown) => {
      this.failure ??= e;
    });
    return p.catch((e: unknown) => {
      throw this.wrap(e);
    });
  }

  private wrap(e: unknown): BiasloopError {
    if (e instanceof BiasloopError) return e;
    const msg = e instanceof Error ? e.message : String(e);
    if (/read-only|permission denied/i.test(msg)) {
      return new BiasloopError('io', `cannot write '${this.path}': permission denied`);
    }
    if (/no space left/i.test(msg)) {
      return new BiasloopError('io', `cannot write '${this.path}': no space left on device`);
    }
    return new BiasloopError('io', `cannot write results store '${this.path}': ${msg.split('\n')[0]}`);
  }

  recordExperiment(e: ExperimentRecord): Promise<void> {
    return this.enqueue(async () => {
      await this.conn.run(`DELETE FROM experiments WHERE id = ?`, [e.id]);
      await this.conn.run(
        `INSERT INTO experiments VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), ?, ?, ?)`,
        [
          e.id,
          e.name,
          e.kind,
          e.status,
          e.runs,
          JSON.stringify(e.spec),
          JSON.stringify(e.rawSpec),
          ts(e.createdAt),
          ts(e.updatedAt),
          e.biasloopVersion,
          e.nodeVersion,
          e.dir,
        ],
      );
    });
  }

  setExperimentStatus(status: string, updatedAt: string): Promise<void> {
    return this.enqueue(async () => {
      await this.conn.run(
        `UPDATE experiments SET status = ?, updated_at = CAST(? AS TIMESTAMP) WHERE id = ?`,
        [status, ts(updatedAt), this.experiment],
      );
    });
  }

  /** Make sure every planned run has a row (new ones as given); existing rows keep their state. */
  recordPlannedRuns(runs: readonly RunRecord[]): Promise<void> {
    return this.enqueue(async () => {
      const existing = await this.conn.runAndReadAll(`SELECT id FROM runs WHERE experiment = ?`, [
        this.experiment,
      ]);
      const have = new Set(existing.getRows().map((r) => String(r[0])));
      for (const r of runs) {
        if (have.has(r.id)) continue;
        await this.conn.run(
          `INSERT INTO runs (experiment, id, label, seed, variant, spec, status, generations, generations_done)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`,
          [
            this.experiment,
            r.id,
            r.label,
            r.seed,
            JSON.stringify(r.variant),
            JSON.stringify(r.spec),
            r.status,
            r.generations,
          ],
        );
      }
    });
  }

  recordRunStart(run: string, scheduler: string, startedAt: string): Promise<void> {
    return this.enqueue(async () => {
      await this.conn.run(
        `UPDATE runs SET status = 'running', scheduler = ?, started_at = CAST(? AS TIMESTAMP),
           finished_at = NULL, seconds = NULL, error = NULL WHERE experiment = ? AND id = ?`,
        [scheduler, ts(startedAt), this.experiment, run],
      );
    });
  }

  recordRunWorker(run: string, worker: string): Promise<void> {
    return this.enqueue(async () => {
      await this.conn.run(`UPDATE runs SET worker = ? WHERE experiment = ? AND id = ?`, [
        worker,
        this.experiment,
        run,
      ]);
    });
  }

  /**
   * Record one generation (coalesced with others waiting): its metric rows and its checkpoint, all or
   * nothing, replacing whatever an earlier attempt recorded for the same (run, generation).
   */
  recordGeneration(g: GenerationRecord): void {
    this.pending.push(g);
    if (this.scheduled) return;
    this.scheduled = true;
    void this.enqueue(async () => {
      this.scheduled = false;
      const batch = this.pending.splice(0);
      for (const item of batch) await this.writeGeneration(item);
      const runs = [...new Set(batch.map((b) => b.run))];
      for (const run of runs) await this.updateGenerationsDone(run);
    }).catch(() => undefined); // remembered in this.failure; surfaced by the next flush()
  }

  private async updateGenerationsDone(run: string): Promise<void> {
    await this.conn.run(
      `UPDATE runs SET generations_done = (SELECT count(DISTINCT generation) FROM metrics
         WHERE experiment = ? AND run = ?) WHERE experiment = ? AND id = ?`,
      [this.experiment, run, this.experiment, run],
    );
  }

  private async writeGeneration(g: GenerationRecord): Promise<void> {
    await this.conn.run(`DELETE FROM metrics WHERE experiment = ? AND run = ? AND generation = ?`, [
      this.experiment,
      g.run,
      g.generation,
    ]);
    await this.appendRows(g.rows);
    await this.conn.run(`DELETE FROM artefacts WHERE experiment = ? AND run = ? AND generation = ?`, [
      this.experiment,
      g.run,
      g.generation,
    ]);
    if (g.checkpoint) {
      const cp = g.checkpoint;
      await this.insertArtefact({
        run: g.run,
        generation: g.generation,
        kind: 'checkpoint',
        host: cp.host,
        path: cp.path,
        bytes: null,
      });
      if (cp.samples) {
        const file = join(cp.path, 'synthetic.bin');
        await this.insertArtefact({
          run: g.run,
          generation: g.generation,
          kind: 'samples',
          host: cp.host,
          path: file,
          bytes: cp.host === 'local' ? fileBytes(join(this.dir, file)) : null,
        });
      }
    }
  }

  private async appendRows(rows: readonly MetricRow[]): Promise<void> {
    if (rows.length === 0) return;
    const app: DuckDBAppender = await this.conn.createAppender('metrics');
    try {
      for (const r of rows) {
        app.appendVarchar(this.experiment);
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

  private async insertArtefact(a: ArtefactRecord): Promise<void> {
    await this.conn.run(`INSERT INTO artefacts VALUES (?, ?, ?, ?, ?, ?, ?)`, [
      this.experiment,
      a.run,
      a.generation,
      a.kind,
      a.host,
      a.path,
      a.bytes,
    ]);
  }

  /**
   * Record the end of a run in one transaction: its status and timings, and for a complete run every
   * generation's rows anew (so the store is complete even if generation writes were lost to a crash).
   */
  recordRunEnd(e: RunEndRecord): Promise<void> {
    return this.enqueue(async () => {
      if (e.rows) {
        await this.conn.run(`DELETE FROM metrics WHERE experiment = ? AND run = ?`, [this.experiment, e.run]);
        await this.appendRows(e.rows);
      }
      if (e.artefacts) {
        await this.conn.run(
          `DELETE FROM artefacts WHERE experiment = ? AND run = ? AND kind IN (${e.artefacts
            .map(() => '?')
            .join(',')})`,
          [this.experiment, e.run, ...e.artefacts.map((a) => a.kind)],
        );
        for (const a of e.artefacts) await this.insertArtefact(a);
      }
      await this.conn.run(
        `UPDATE runs SET status = ?, finished_at = CAST(? AS TIMESTAMP), seconds = ?,
           worker = coalesce(?, worker), versions = coalesce(?, versions), error = ?
         WHERE experiment = ? AND id = ?`,
        [
          e.status,
          ts(e.finishedAt),
          e.seconds,
          e.worker ?? null,
          e.versions ? JSON.stringify(e.versions) : null,
          e.error ?? null,
          this.experiment,
          e.run,
        ],
      );
      await this.updateGenerationsDone(e.run);
    });
  }

  /** Record experiment-level artefacts (e.g. summary.csv), replacing earlier ones of the same kind. */
  recordExperimentArtefacts(artefacts: readonly ArtefactRecord[]): Promise<void> {
    return this.enqueue(async () => {
      for (const a of artefacts) {
        await this.conn.run(`DELETE FROM artefacts WHERE experiment = ? AND run IS NULL AND kind = ?`, [
          this.experiment,
          a.kind,
        ]);
        await this.insertArtefact(a);
      }
    });
  }

  /** Runs the store holds as complete, with their number of metric rows. */
  async completeRuns(): Promise<Map<string, number>> {
    await this.flush();
    const reader = await this.conn.runAndReadAll(
      `SELECT r.id, (SELECT count(*) FROM metrics m WHERE m.experiment = r.experiment AND m.run = r.id)
         FROM runs r WHERE r.experiment = ? AND r.status = 'complete'`,
      [this.experiment],
    );
    return new Map(reader.getRows().map((r) => [String(r[0]), Number(r[1])]));
  }

  /** Wait for every queued write; throws the first write failure, if any. */
  async flush(): Promise<void> {
    await this.chain;
    if (this.failure !== undefined) throw this.wrap(this.failure);
  }

  /** Flush and close (releasing the file lock). Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.chain;
    } finally {
      this.closed = true;
      this.conn.closeSync();
      this.instance.closeSync();
    }
    if (this.failure !== undefined) throw this.wrap(this.failure);
  }
}

function fileBytes(path: string): number | null {
  try {
    return existsSync(path) ? statSync(path).size : null;
  } catch {
    return null;
  }
}
