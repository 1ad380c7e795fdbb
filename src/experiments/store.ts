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
import { dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { BiasloopError } from '../core/errors.ts';
import type { MetricRow } from '../results/rows.ts';
import {
  DDL,
  STORE_FILE,
  appendArtefactRows,
  appendMetricRows,
  STORE_SCHEMA_VERSION,
  checkSchemaVersion,
  fileBytes,
  storeOpenError,
  ts,
  type ArtefactRecord,
  type ExperimentRecord,
  type GenerationRecord,
  type RunEndRecord,
  type RunRecord,
} from './store-schema.ts';

export {
  STORE_FILE,
  STORE_SCHEMA_VERSION,
  STORE_TABLES,
  checkSchemaVersion,
  storeOpenError,
  type ArtefactRecord,
  type ExperimentRecord,
  type GenerationRecord,
  type RunEndRecord,
  type RunRecord,
  type StoreRunStatus,
} from './store-schema.ts';

/** How long a generation write waits for others to share its transaction. */
const COALESCE_MS = 200;

export class ResultsStore {
  readonly path: string;
  /** The experiment directory holding the store; local artefact paths are relative to it. */
  readonly dir: string;
  private readonly experiment: string;
  private readonly instance: DuckDBInstance;
  private readonly conn: DuckDBConnection;
  private ops: { write: () => Promise<void>; resolve: () => void; reject: (e: Error) => void }[] = [];
  private generations: GenerationRecord[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failure: unknown;
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
      instance = await DuckDBInstance.create(path, { threads: '1' });
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

  /**
   * Queue a write. Writes are applied in order, in batches: every write queued while a transaction
   * runs goes into the next transaction (each write is a whole unit, so a generation is still all or
   * nothing). An urgent write (one the caller awaits) starts a transaction at once; a generation write
   * waits up to COALESCE_MS for company, so fast runs do not pay one commit per generation.
   */
  private enqueue(write: () => Promise<void>, urgent = true): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.wrap(this.failure));
    if (this.closed) return Promise.reject(new Error('results store is closed'));
    return new Promise<void>((resolve, reject) => {
      this.ops.push({ write, resolve, reject });
      if (this.flushing) return;
      if (urgent) {
        this.startFlush();
      } else if (this.timer === undefined) {
        this.timer = setTimeout(() => this.startFlush(), COALESCE_MS);
      }
    });
  }

  private startFlush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing || this.ops.length === 0) return;
    this.flushing = (async () => {
      while (this.ops.length > 0) {
        const batch = this.ops.splice(0);
        const generations = this.generations.splice(0);
        try {
          await this.transaction(async () => {
            await this.writeGenerations(generations);
            for (const op of batch) await op.write();
          });
          for (const op of batch) op.resolve();
        } catch (e) {
          this.failure ??= e;
          const err = this.wrap(e);
          for (const op of [...batch, ...this.ops.splice(0)]) op.reject(err);
        }
      }
    })().finally(() => {
      this.flushing = undefined;
      // A write queued after the loop's last check and before this callback: flush it too.
      if (this.ops.length > 0) this.startFlush();
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

  /** A run was dispatched (not awaited by callers: it shares the next transaction). */
  recordRunStart(run: string, scheduler: string, startedAt: string): void {
    this.enqueue(async () => {
      await this.conn.run(
        `UPDATE runs SET status = 'running', scheduler = ?, started_at = CAST(? AS TIMESTAMP),
           finished_at = NULL, seconds = NULL, error = NULL WHERE experiment = ? AND id = ?`,
        [scheduler, ts(startedAt), this.experiment, run],
      );
    }, false).catch(() => undefined);
  }

  /**
   * Record one generation (coalesced with others waiting): its metric rows and its checkpoint, all or
   * nothing, replacing whatever an earlier attempt recorded for the same (run, generation).
   */
  recordGeneration(g: GenerationRecord): void {
    this.generations.push(g);
    // An empty write: the batch it lands in writes every queued generation first (writeGenerations).
    this.enqueue(async () => undefined, false).catch(() => undefined); // failure kept for flush()
  }

  /**
   * Write queued generations in bulk: one DELETE per run for the generations being (re)recorded, one
   * Appender for all their rows, their checkpoint artefacts, and each run's generations_done.
   */
  private async writeGenerations(batch: readonly GenerationRecord[]): Promise<void> {
    if (batch.length === 0) return;
    const byRun = new Map<string, number[]>();
    for (const g of batch) {
      const list = byRun.get(g.run) ?? [];
      list.push(g.generation);
      byRun.set(g.run, list);
    }
    for (const [run, gens] of byRun) {
      const marks = gens.map(() => '?').join(',');
      for (const table of ['metrics', 'artefacts']) {
        await this.conn.run(
          `DELETE FROM ${table} WHERE experiment = ? AND run = ? AND generation IN (${marks})`,
          [this.experiment, run, ...gens],
        );
      }
    }
    await appendMetricRows(
      this.conn,
      this.experiment,
      batch.flatMap((g) => g.rows),
    );
    const artefacts: ArtefactRecord[] = [];
    for (const g of batch) {
      if (!g.checkpoint) continue;
      const cp = g.checkpoint;
      artefacts.push({
        run: g.run,
        generation: g.generation,
        kind: 'checkpoint',
        host: cp.host,
        path: cp.path,
        bytes: null,
      });
      if (cp.samples) {
        const file = join(cp.path, 'synthetic.bin');
        artefacts.push({
          run: g.run,
          generation: g.generation,
          kind: 'samples',
          host: cp.host,
          path: file,
          bytes: cp.host === 'local' ? fileBytes(join(this.dir, file)) : null,
        });
      }
    }
    await appendArtefactRows(this.conn, this.experiment, artefacts);
    for (const [run, gens] of byRun) {
      const worker = batch.filter((g) => g.run === run).pop()?.worker ?? null;
      await this.conn.run(
        `UPDATE runs SET generations_done = greatest(coalesce(generations_done, 0), ?),
           worker = coalesce(?, worker) WHERE experiment = ? AND id = ?`,
        [Math.max(...gens) + 1, worker, this.experiment, run],
      );
    }
  }

  private async updateGenerationsDone(run: string): Promise<void> {
    await this.conn.run(
      `UPDATE runs SET generations_done = (SELECT count(DISTINCT generation) FROM metrics
         WHERE experiment = ? AND run = ?) WHERE experiment = ? AND id = ?`,
      [this.experiment, run, this.experiment, run],
    );
  }

  /**
   * Record the end of a run in one transaction: its status and timings, and for a complete run every
   * generation's rows anew (so the store is complete even if generation writes were lost to a crash).
   */
  recordRunEnd(e: RunEndRecord): Promise<void> {
    return this.enqueue(async () => {
      if (e.rows) await this.completeRunRows(e.run, e.rows);
      if (e.artefacts) {
        await this.conn.run(
          `DELETE FROM artefacts WHERE experiment = ? AND run = ? AND kind IN (${e.artefacts
            .map(() => '?')
            .join(',')})`,
          [this.experiment, e.run, ...e.artefacts.map((a) => a.kind)],
        );
        await appendArtefactRows(this.conn, this.experiment, e.artefacts);
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
      if (e.status !== 'complete') await this.updateGenerationsDone(e.run);
      else {
        await this.conn.run(
          `UPDATE runs SET generations_done = generations + 1 WHERE experiment = ? AND id = ?`,
          [this.experiment, e.run],
        );
      }
    });
  }

  /**
   * Make the store hold exactly `rows` for a run, rewriting only the generations whose row count
   * differs (normally none: they were recorded generation by generation).
   */
  private async completeRunRows(run: string, rows: readonly MetricRow[]): Promise<void> {
    const reader = await this.conn.runAndReadAll(
      `SELECT generation, count(*) FROM metrics WHERE experiment = ? AND run = ? GROUP BY generation`,
      [this.experiment, run],
    );
    const have = new Map(reader.getRows().map((r) => [Number(r[0]), Number(r[1])]));
    const byGeneration = new Map<number, MetricRow[]>();
    for (const r of rows) {
      const list = byGeneration.get(r.generation) ?? [];
      list.push(r);
      byGeneration.set(r.generation, list);
    }
    for (const [g, list] of byGeneration) {
      if (have.get(g) === list.length) continue;
      await this.conn.run(`DELETE FROM metrics WHERE experiment = ? AND run = ? AND generation = ?`, [
        this.experiment,
        run,
        g,
      ]);
      await appendMetricRows(this.conn, this.experiment, list);
    }
    for (const g of have.keys()) {
      if (!byGeneration.has(g)) {
        await this.conn.run(`DELETE FROM metrics WHERE experiment = ? AND run = ? AND generation = ?`, [
          this.experiment,
          run,
          g,
        ]);
      }
    }
  }

  /** Record experiment-level artefacts (e.g. summary.csv), replacing earlier ones of the same kind. */
  recordExperimentArtefacts(artefacts: readonly ArtefactRecord[]): Promise<void> {
    return this.enqueue(async () => {
      for (const a of artefacts) {
        await this.conn.run(`DELETE FROM artefacts WHERE experiment = ? AND run IS NULL AND kind = ?`, [
          this.experiment,
          a.kind,
        ]);
      }
      await appendArtefactRows(this.conn, this.experiment, artefacts);
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
    this.startFlush();
    while (this.flushing) await this.flushing;
    if (this.failure !== undefined) throw this.wrap(this.failure);
  }

  /** Flush and close (releasing the file lock). Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      this.startFlush();
      while (this.flushing) await this.flushing;
    } finally {
      this.closed = true;
      this.conn.closeSync();
      this.instance.closeSync();
    }
    if (this.failure !== undefined) throw this.wrap(this.failure);
  }
}
