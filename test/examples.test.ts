import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareStrategies } from '../examples/library.ts';
import { readSpecFile } from '../src/spec/load.ts';
import { planExperiment } from '../src/spec/sweep.ts';
import { tempDir } from './helpers.ts';

describe('examples/', () => {
  it('every example spec validates and expands', () => {
    const dir = join(import.meta.dirname, '..', 'examples');
    const specs = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(specs.length).toBeGreaterThan(0);
    for (const f of specs) expect(planExperiment(readSpecFile(join(dir, f))).runs.length).toBeGreaterThan(0);
  });

  it('the library example runs and reports both strategies', async () => {
    const rows = await compareStrategies(tempDir());
    expect(rows.map((r) => r.variant)).toEqual(['strategy=replace', 'strategy=accumulate']);
    for (const r of rows) expect(r.dpAfter).toBeGreaterThanOrEqual(0);
  });
});
