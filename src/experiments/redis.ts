/**
 * Redis connection settings for the distributed mode: parse `redis://[user:password@]host:port[/db]`
 * (or `rediss://` for TLS), and fail fast with a one-line error when the server cannot be reached.
 *
 * ioredis retries forever by default, which is what a running sweep wants (a Redis restart must not
 * kill it), but not what a user who typed the wrong URL wants. So every command first probes the URL
 * with a bounded client (no retries, a short connect timeout) and only then opens BullMQ's
 * connections, which reconnect with capped backoff and hold commands while Redis is away.
 */
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { BiasloopError } from '../core/errors.ts';

export interface RedisTarget {
  /** The URL as given (without the password), for messages. */
  readonly display: string;
  readonly options: RedisAddress;
}

/** Where Redis is and how to log in (shared by the probe's ioredis client and BullMQ). */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: Record<string, never>;
}

export function parseRedisUrl(url: string, flag = '--queue'): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BiasloopError(
      'usage',
      `${flag} must be a redis:// URL such as redis://127.0.0.1:6379, got '${url}'`,
      {
        field: flag,
      },
    );
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new BiasloopError('usage', `${flag} must be a redis:// or rediss:// URL, got '${url}'`, {
      field: flag,
    });
  }
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) {
    throw new BiasloopError('usage', `${flag}: '${dbText}' is not a Redis database number`, { field: flag });
  }
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const options: RedisAddress = {
    host,
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  return {
    display: `${u.protocol}//${host.includes(':') ? `[${host}]` : host}:${port}${db ? `/${db}` : ''}`,
    options,
  };
}

/**
 * Options for BullMQ's long-lived connections: commands wait while Redis is away (no per-request retry
 * limit) and reconnection backs off from 0.5 s to at most 5 s.
 */
export function resilientOptions(target: RedisTarget): BullRedisOptions {
  return {
    ...target.options,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times: number) => Math.min(500 * times, 5000),
  };
}

/** Connect once, PING, disconnect; a one-line `service` error naming the URL otherwise. */
export async function probeRedis(target: RedisTarget, timeoutMs = 3000): Promise<void> {
  const client = new Redis({
    ...target.options,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  client.on('error', (e: Error) => {
    lastError = e;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const err = lastError ?? (e instanceof Error ? e : new Error(String(e)));
    const code = (err as NodeJS.ErrnoException).code;
    const why = code ?? err.message.split('\n')[0];
    throw new BiasloopError('service', `cannot reach Redis at ${target.display} (${why})`, {
      hint: 'start redis-server there, or check the --queue URL',
    });
  } finally {
    client.disconnect();
  }
}
