/**
 * A short-lived in-memory DuckDB used to read one predictions file: opened per audit, closed after.
 * Every DuckDB failure becomes a one-line BiasloopError (DuckDB's messages span many lines).
 */
// The package index loads every module of the API (~0.25 s of CPU at start-up); the instance module
// and what it needs are enough here. The version is pinned (1.5.5-r.5).
import { DuckDBInstance } from '@duckdb/node-api/lib/DuckDBInstance.js';
import type { DuckDBConnection } from '@duckdb/node-api/lib/DuckDBConnection.js';
import { BiasloopError } from '../core/errors.ts';

export interface DuckSession {
  readonly connection: DuckDBConnection;
  close(): void;
}

export async function openDuck(): Promise<DuckSession> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  return {
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** The first meaningful line of a DuckDB error, without its `Xxx Error:` prefix. */
export function duckMessage(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  const first = raw.split('\n').find((l) => l.trim().length > 0) ?? raw;
  return first.replace(/^[A-Za-z ]*Error: /, '').trim();
}

/** Rows of a query as arrays of JS values (small results only). */
export async function queryRows(
  session: DuckSession,
  sql: string,
  onError: (message: string) => BiasloopError,
): Promise<unknown[][]> {
  try {
    const reader = await session.connection.runAndReadAll(sql);
    return reader.getRowsJS() as unknown[][];
  } catch (e) {
    if (e instanceof BiasloopError) throw e;
    throw onError(duckMessage(e));
  }
}
