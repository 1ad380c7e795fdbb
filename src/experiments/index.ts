/**
 * Experiments at scale: schedulers (serial, worker-thread pool, BullMQ queue), the distributed
 * worker, and the DuckDB results store. See docs/scale.md.
 */
export type {
  Scheduler,
  SchedulerKind,
  RunTask,
  RunHooks,
  RunReport,
  RunProgress,
  CheckpointLocation,
} from './scheduler.ts';
export { SerialScheduler } from './serial.ts';
export { PoolScheduler, defaultWorkerCount, type PoolOptions } from './pool.ts';
export { QueueScheduler, type QueueSchedulerOptions } from './queue.ts';
export {
  startQueueWorker,
  type QueueWorkerOptions,
  type QueueWorkerEvent,
  type QueueWorkerHandle,
} from './queue-worker.ts';
export {
  DEFAULT_QUEUE_NAME,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  DEFAULT_STALL_TIMEOUT_MS,
  QUEUE_PROTOCOL_VERSION,
} from './queue-protocol.ts';
export { parseRedisUrl, probeRedis } from './redis.ts';
export { ResultsStore, STORE_FILE, STORE_SCHEMA_VERSION, STORE_TABLES } from './store.ts';
export { StoreReader, findStores, type QueryResult, type StoreSource } from './store-query.ts';
