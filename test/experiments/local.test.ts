import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { PoolScheduler } from '../../src/experiments/pool.ts';
import { ResultsStore, STORE_FILE } from '../../src/experiments/store.ts';
import { StoreReader } from '../../src/experiments/store-query.ts';
import { decodeRows, encodeRows } from '../../src/experiments/wire.ts';
import { runExperiment } from '../../src/loop/experiment.ts';
import { tempDir } from '../helpers.ts';
import { duplicateKeys, metricsFiles, storeMetrics } from './helpers.ts';

const spec = {
  name: 'local',
  seeds: 2,
  generations: 3,
  data: { source: 'synthetic', n: 300, testSize: 400 },
  sweep: { strategy: [{ kind: 'replace' }, { kind: 'accumulate' }, { kind: 'fresh', freshFraction: 0.25 }] },
};

describe('local pool and results store', () => {
  it('gives byte-identical metrics files and store rows with the serial scheduler and a pool of 2 threads', async () => {
    const serial = await runExperiment(spec, { outDir: tempDir() });
    const pool = new PoolScheduler({ threads: 2 });
    try {
      const pooled = await runExperiment(spec, { outDir: tempDir(), scheduler: pool });
      expect(pooled.status).toBe('complete');
      expect(metricsFiles(pooled.dir)).toEqual(metricsFiles(serial.dir));
      expect(await storeMetrics(pooled.dir)).toBe(await storeMetrics(serial.dir));
      // Both threads worked, and the store says who ran what.
      const reader = await StoreReader.open(pooled.dir);
      const workers = await reader.query("SELECT DISTINCT worker FROM runs WHERE status = 'complete'");
      reader.close();
      expect(workers.rows.length).toBe(2);
    } finally {
      await pool.close();
    }
    // The store holds what the files hold: 6 runs × 4 generations, every row once.
    const reader = await StoreReader.open(serial.dir);
    const counts = await reader.query(
      'SELECT count(DISTINCT run), count(DISTINCT generation), count(*) FROM metrics',
    );
    const runs = await reader.query('SELECT status, generations_done, scheduler FROM runs');
    const kinds = await reader.query('SELECT kind, count(*) FROM artefacts GROUP BY kind ORDER BY kind');
    reader.close();
    const fileRows = serial.runs.reduce((n, r) => n + r.rows.length, 0);
    expect(counts.rows[0]).toEqual([6, 4, fileRows]);
    expect(runs.rows.every((r) => r[0] === 'complete' && r[1] === 4 && r[2] === 'serial')).toBe(true);
    expect(Object.fromEntries(kinds.rows.map((r) => [r[0], r[1]]))).toEqual({
      checkpoint: 24,
      samples: 18,
      'metrics-csv': 6,
      'metrics-json': 6,
      'run-json': 6,
      'summary-csv': 1,
    });
    expect(await duplicateKeys(serial.dir)).toBe(0);
  });

  it('records a generation idempotently: re-recording replaces, never duplicates', async () => {
    const dir = tempDir();
    const store = await ResultsStore.open(dir, 'exp');
    await store.recordPlannedRuns([
      { id: 'r1', label: 'x', seed: 0, variant: {}, spec: {}, generations: 1, status: 'pending' },
    ]);
    const rows = (g: number, v: number) =>
      ['a', 'b', 'c'].map((metric) => ({ run: 'r1', generation: g, metric, group: '', value: v }));
    store.recordGeneration({ run: 'r1', generation: 0, rows: rows(0, 1) });
    store.recordGeneration({ run: 'r1', generation: 0, rows: rows(0, 1) }); // delivered twice
    store.recordGeneration({ run: 'r1', generation: 1, rows: rows(1, NaN) });
    await store.flush();
    // The run ends with all its rows (after a resume some were recorded by an earlier attempt).
    await store.recordRunEnd({
      run: 'r1',
      status: 'complete',
      rows: [...rows(0, 1), ...rows(1, NaN)],
      finishedAt: new Date().toISOString(),
      seconds: 1,
    });
    await store.recordRunEnd({
      run: 'r1',
      status: 'complete',
      rows: [...rows(0, 1), ...rows(1, NaN)],
      finishedAt: new Date().toISOString(),
      seconds: 1,
    });
    await store.close();
    expect(await duplicateKeys(dir)).toBe(0);
    const reader = await StoreReader.open(dir);
    const r = await reader.query(
      'SELECT generation, count(*), sum(value) FROM metrics GROUP BY 1 ORDER BY 1',
    );
    const run = await reader.query('SELECT status, generations_done FROM runs');
    reader.close();
    expect(r.rows).toEqual([
      [0, 3, 3],
      [1, 3, 'NaN'],
    ]);
    expect(run.rows).toEqual([['complete', 2]]);
  });

  it('rebuilds a deleted store from the run files when the experiment runs again', async () => {
    const out = tempDir();
    const small = { ...spec, sweep: { strategy: [{ kind: 'replace' }] } };
    const first = await runExperiment(small, { outDir: out });
    const before = await storeMetrics(first.dir);
    rmSync(join(first.dir, STORE_FILE));
    const again = await runExperiment(small, { outDir: out });
    expect(again.runs.every((r) => r.reused)).toBe(true);
    expect(await storeMetrics(again.dir)).toBe(before);
  });

  it('refuses a store written by a newer schema version, leaving the directory as it was', async () => {
    const out = tempDir();
    const small = { ...spec, seeds: 1, sweep: { strategy: [{ kind: 'replace' }] } };
    const done = await runExperiment(small, { outDir: out });
    const db = await DuckDBInstance.create(join(done.dir, STORE_FILE));
    const conn = await db.connect();
    await conn.run("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    conn.closeSync();
    db.closeSync();
    const manifest = readFileSync(join(done.dir, 'experiment.json'), 'utf8');
    const message = /was written by a newer biasloop \(results store schema v99, this is v1\)/;
    await expect(runExperiment(small, { outDir: out })).rejects.toThrow(message);
    await expect(StoreReader.open(done.dir)).rejects.toThrow(message);
    expect(readFileSync(join(done.dir, 'experiment.json'), 'utf8')).toBe(manifest);
  });

  it('carries every float exactly over the wire (NaN, ±Inf, −0, subnormals)', () => {
    const values = [NaN, Infinity, -Infinity, -0, 0, 5e-324, 0.1 + 0.2, -1.7976931348623157e308];
    const rows = values.map((value, i) => ({
      run: 'r',
      generation: i,
      metric: 'm',
      group: 'g',
      value,
      ciLow: -value,
    }));
    const back = decodeRows(JSON.parse(JSON.stringify(encodeRows(rows))));
    back.forEach((r, i) => {
      expect(Object.is(r.value, values[i])).toBe(true);
      expect(Object.is(r.ciLow, -values[i])).toBe(true);
    });
  });
});
