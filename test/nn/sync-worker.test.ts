/**
 * The synchronous-job worker behind data-parallel training: results come back to a blocking caller,
 * a failing job and a task that cannot start are errors naming the worker, and a disposed worker
 * refuses jobs.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BiasloopError } from '../../src/core/errors.ts';
import { SyncWorker } from '../../src/nn/runtime/sync-worker.ts';

const TASK = '../test/nn/fixtures/sync-echo-task';
const workers: SyncWorker[] = [];
afterAll(() => {
  for (const w of workers) w.dispose();
});

function open(task: string): SyncWorker {
  const w = new SyncWorker(task, { factor: 3 }, { label: 'echo worker', timeoutMs: 60_000 });
  workers.push(w);
  return w;
}

describe('SyncWorker', () => {
  it('runs jobs for a blocking caller and returns their results in order', () => {
    const w = open(TASK);
    for (let x = 1; x <= 5; x++) expect(w.wait(w.post({ x }))).toBe(3 * x);
  });

  it('rethrows a failed job with the worker label, and keeps serving afterwards', () => {
    const w = open(TASK);
    expect(() => w.wait(w.post({ x: 7, fail: true }))).toThrow('echo worker failed: refused 7');
    expect(w.wait(w.post({ x: 2 }))).toBe(6);
  });

  it('rethrows a BiasloopError from the worker as one, with its kind and message', () => {
    const w = open(TASK);
    let caught: unknown;
    try {
      w.wait(w.post({ x: 4, refuse: true }));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(BiasloopError);
    expect((caught as BiasloopError).kind).toBe('usage');
    expect((caught as BiasloopError).message).toBe('x 4 is not allowed');
    expect(w.wait(w.post({ x: 1 }))).toBe(3);
  });

  it('a job that outlasts the timeout is an error naming it; waiting again still gets its result', () => {
    const w = open(TASK);
    const seq = w.post({ x: 5, sleepMs: 400 });
    expect(() => w.wait(seq, 50)).toThrow(`echo worker: job ${seq} did not finish within 50 ms`);
    expect(w.wait(seq)).toBe(15);
    expect(w.wait(w.post({ x: 2 }))).toBe(6);
  });

  it('reports a task module that cannot load instead of waiting for it', () => {
    const w = open('../test/nn/fixtures/no-such-task');
    expect(() => w.wait(w.post({ x: 1 }))).toThrow(/echo worker failed: the worker could not start/);
  });

  it('refuses jobs after dispose', () => {
    const w = open(TASK);
    w.dispose();
    expect(() => w.post({ x: 1 })).toThrow('echo worker: worker used after dispose()');
  });
});

describe('worker entry modules in the compiled package', () => {
  it('no plain .js source shares its name with a .ts source (tsc would overwrite one with the other in dist/)', () => {
    const src = fileURLToPath(new URL('../../src/', import.meta.url));
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' });
    const ts = new Set(files.filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)));
    const clashes = files.filter((f) => f.endsWith('.js') && ts.has(f.slice(0, -3)));
    expect(files.some((f) => f.endsWith('sync-worker-entry.js'))).toBe(true);
    expect(clashes).toEqual([]);
  });
});
