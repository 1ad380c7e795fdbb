/** Shared test helpers. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';
import { createDataset, simpleSchema, type Dataset } from '../src/core/dataset.ts';
import type { Rng } from '../src/core/rng.ts';

/** ../shared beside the repository (or $BIASLOOP_SHARED), if present. */
export const SHARED_DIR = resolve(
  process.env.BIASLOOP_SHARED ?? join(import.meta.dirname, '..', '..', 'shared'),
);
export const SHARED_AVAILABLE = existsSync(join(SHARED_DIR, 'datasets'));
export const sharedPath = (...parts: string[]): string => join(SHARED_DIR, ...parts);
if (!SHARED_AVAILABLE) {
  console.warn(
    `[biasloop tests] ${SHARED_DIR} is absent: tests on the real Adult/COMPAS/reference files are skipped`,
  );
}

const tempDirs: string[] = [];

/**
 * A fresh directory under the system temp dir, removed when the test file ends (a sweep test writes
 * hundreds of MB of checkpoints; left behind, repeated runs fill the disk).
 */
export function tempDir(prefix = 'biasloop-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

// This module is evaluated once per test file, so the hook runs at the end of each file.
afterAll(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A small numeric dataset with one protected attribute (two groups). */
export function smallDataset(x: number[][], y: number[], group: number[]): Dataset {
  const d = x[0].length;
  return createDataset({
    schema: simpleSchema({
      featureNames: Array.from({ length: d }, (_, j) => `f${j}`),
      classNames: ['neg', 'pos'],
      attribute: 'group',
      levels: ['a', 'b'],
    }),
    x: Float64Array.from(x.flat()),
    y: Int32Array.from(y),
    group: Int32Array.from(group),
  });
}

/**
 * n rows of 3 standard-normal features a, b, c with class 1 where a + 0.5·b > 0, one group 'all':
 * a separable tabular problem for model tests.
 */
export function linearDataset(rng: Rng, n: number): Dataset {
  const x = Float64Array.from({ length: n * 3 }, () => rng.normal());
  const y = Int32Array.from({ length: n }, (_, i) => (x[3 * i] + 0.5 * x[3 * i + 1] > 0 ? 1 : 0));
  return createDataset({
    schema: simpleSchema({
      featureNames: ['a', 'b', 'c'],
      classNames: ['0', '1'],
      attribute: 'g',
      levels: ['all'],
    }),
    x,
    y,
    group: new Int32Array(n),
  });
}
