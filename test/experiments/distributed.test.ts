import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueScheduler } from '../../src/experiments/queue.ts';
import { StoreReader } from '../../src/experiments/store-query.ts';
import { runExperiment, type ExperimentResult } from '../../src/loop/experiment.ts';
import { parseSpecText } from '../../src/spec/load.ts';
import { tempDir } from '../helpers.ts';
import {
  REDIS_AVAILABLE,
  checkpointCount,
  duplicateKeys,
  metricsFiles,
  spawnCli,
  startRedis,
  stopProcess,
  storeMetrics,
  waitFor,
  type TestRedis,
} from './helpers.ts';

// Seed 1221's run id is 955858264626, all decimal digits: BullMQ refuses job ids that look like
// integers, so this checks that job ids are not bare run ids.
const SPEC = parseSpecText(
  `name: dist
seeds: [0, 1221]
generations: 10
data: {source: synthetic, n: 2500, testSize: 500}
strategy: {kind: accumulate}
`,
  'dist.yaml',
);

describe.skipIf(!REDIS_AVAILABLE)('distributed sweeps on BullMQ + Redis', () => {
  let redis: TestRedis;
  let reference: ExperimentResult;
  const workers: ChildProcess[] = [];

  const worker = (workDir: string, queueName: string, concurrency = 1): ChildProcess => {
    const child = spawnCli([
      'worker',
      '--concurrency',
      String(concurrency),
      '--queue',
      redis.url,
      '--queue-name',
      queueName,
      '--work-dir',
      workDir,
      '--stall-timeout',
      '1.5',
      '--json',
    ]);
    workers.push(child);
    let log = '';
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.resume();
    ready.set(child, () => log.includes('"type":"ready"'));
    return child;
  };
  const ready = new Map<ChildProcess, () => boolean>();
  const whenReady = (...children: ChildProcess[]): Promise<void> =>
    waitFor(() => children.every((c) => ready.get(c)?.() === true), 30_000, 'workers ready');

  /** A sweep coordinated in this process; results land in a fresh directory. */
  const coordinate = async (queueName: string): Promise<ExperimentResult> => {
    const scheduler = await QueueScheduler.connect(redis.url, { queueName, backoffMs: 200 });
    try {
      return await runExperiment(SPEC, { outDir: tempDir(), scheduler });
    } finally {
      await scheduler.close();
    }
  };

  const expectSameAsSerial = async (result: ExperimentResult): Promise<void> => {
    expect(result.status).toBe('complete');
    expect(metricsFiles(result.dir)).toEqual(metricsFiles(reference.dir));
    expect(await storeMetrics(result.dir)).toBe(await storeMetrics(reference.dir));
    expect(await duplicateKeys(result.dir)).toBe(0);
  };

  beforeAll(async () => {
    redis = await startRedis();
    reference = await runExperiment(SPEC, { outDir: tempDir() });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => stopProcess(w)));
    await redis?.stop();
  }, 180_000);

  it('gives the serial metrics byte for byte with two worker processes, then shuts them down on SIGTERM', async () => {
    const a = worker(tempDir(), 'q-equal');
    const b = worker(tempDir(), 'q-equal');
    await whenReady(a, b);
    const result = await coordinate('q-equal');
    await expectSameAsSerial(result);
    // Each worker took one run: the store records who computed what.
    const reader = await StoreReader.open(result.dir);
    const hosts = await reader.query("SELECT count(DISTINCT split_part(worker, '/', 1)) FROM runs");
    const sched = await reader.query('SELECT DISTINCT scheduler FROM runs');
    reader.close();
    expect(hosts.rows).toEqual([[2]]);
    expect(sched.rows).toEqual([['queue']]);
    await stopProcess(a);
    await stopProcess(b);
    expect(a.exitCode).toBe(0);
    expect(b.exitCode).toBe(0);
  }, 180_000);

  it('finishes when a worker is SIGKILLed mid-run: the job stalls and a new worker resumes it', async () => {
    const workDir = tempDir();
    const a = worker(workDir, 'q-kill');
    const sweep = coordinate('q-kill');
    await waitFor(() => checkpointCount(join(workDir, reference.plan.id)) >= 3, 60_000, 'checkpoints');
    a.kill('SIGKILL');
    worker(workDir, 'q-kill'); // same disk: resumes from the dead worker's checkpoints
    await expectSameAsSerial(await sweep);
  }, 180_000);

  it('finishes when Redis is killed and restarted empty in the middle of the sweep', async () => {
    const dirs = [tempDir(), tempDir()];
    dirs.forEach((d) => worker(d, 'q-restart'));
    const sweep = coordinate('q-restart');
    const expDir = (d: string): string => join(d, reference.plan.id);
    await waitFor(() => dirs.reduce((n, d) => n + checkpointCount(expDir(d)), 0) >= 3, 60_000, 'checkpoints');
    await redis.kill();
    await new Promise((r) => setTimeout(r, 700));
    await redis.start();
    await expectSameAsSerial(await sweep);
  }, 180_000);

  it('does not duplicate results when a job is delivered twice (a frozen worker loses its lock)', async () => {
    const [dirA, dirB] = [tempDir(), tempDir()];
    const a = worker(dirA, 'q-dup', 2); // takes both runs at once
    const sweep = coordinate('q-dup');
    await waitFor(() => checkpointCount(join(dirA, reference.plan.id)) >= 2, 60_000, 'checkpoints on A');
    a.kill('SIGSTOP'); // frozen: its job lock expires and B is given the same job
    worker(dirB, 'q-dup');
    await waitFor(() => checkpointCount(join(dirB, reference.plan.id)) >= 1, 60_000, 'B taking over');
    a.kill('SIGCONT'); // A wakes up and goes on computing (and reporting) the same run
    await expectSameAsSerial(await sweep);
    // The same run was really executed on both workers.
    const ran = (d: string): string[] =>
      existsSync(join(d, reference.plan.id, 'runs')) ? readdirSync(join(d, reference.plan.id, 'runs')) : [];
    expect(ran(dirB).some((id) => ran(dirA).includes(id))).toBe(true);
  }, 180_000);
});
