import { readFileSync, existsSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { tempDir } from '../helpers.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/results/layout.ts';
import { METRIC_CSV_HEADER } from '../../src/results/rows.ts';
import { canonicalJson } from '../../src/theory/params.ts';
import { runWmle } from '../../src/theory/wmle-run.ts';
import { runWrightFisher } from '../../src/theory/wright-fisher.ts';
import { writeTheoryResults } from '../../src/theory/write.ts';

const out = tempDir('biasloop-theory-');
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('writing theory results through the shared results layout', () => {
  it('uses <model>-<first 10 hex of sha256(canonical JSON of the resolved params)> as the experiment id', () => {
    const r = runWmle({ mode: 'population', generations: 4 });
    const expected = createHash('sha256').update(canonicalJson(r.params)).digest('hex').slice(0, 10);
    expect(r.experimentId).toBe(`wmle-${expected}`);
    // Key order does not matter; values do.
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
    expect(runWmle({ generations: 4, mode: 'population' }).experimentId).toBe(r.experimentId);
    expect(runWmle({ generations: 5 }).experimentId).not.toBe(r.experimentId);
  });

  it('writes manifest, resolved params, per-run metrics, summary and SVG/PNG charts', async () => {
    const r = runWmle({ mode: 'sampled', n: 500, generations: 4 });
    const written = await writeTheoryResults(r, out, { png: true, biasloopVersion: 'test' });
    expect(written.dir).toBe(join(out, r.experimentId));
    const manifest = readManifest(written.dir);
    expect(manifest.kind).toBe('theory');
    expect(manifest.id).toBe(r.experimentId);
    expect(manifest.status).toBe('complete');
    expect(manifest.runs).toEqual([
      { id: 'sampled', label: 'mode=sampled seed=0', seed: 0, status: 'complete' },
    ]);
    const resolved = JSON.parse(readFileSync(join(written.dir, 'resolved.json'), 'utf8'));
    expect(resolved).toEqual({ model: 'wmle', params: JSON.parse(JSON.stringify(r.params)) });
    const csv = readFileSync(join(written.dir, 'runs', 'sampled', 'metrics.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe(METRIC_CSV_HEADER);
    expect(csv).toContain(`sampled,0,mean,theory,${4 / 7},,`);
    const json = JSON.parse(readFileSync(join(written.dir, 'runs', 'sampled', 'metrics.json'), 'utf8'));
    expect(json).toHaveLength(r.runs[0].rows.length);
    const runJson = JSON.parse(readFileSync(join(written.dir, 'runs', 'sampled', 'run.json'), 'utf8'));
    expect(runJson.info.pretrainedFit.alpha).toBeGreaterThan(2.5);
    for (const f of [
      'charts/mean.svg',
      'charts/variance.svg',
      'charts/mean.png',
      'summary.csv',
      'experiment.json',
    ]) {
      expect(written.files).toContain(f);
      expect(existsSync(join(written.dir, f))).toBe(true);
    }
    const svg = readFileSync(join(written.dir, 'charts', 'mean.svg'), 'utf8');
    expect(svg).toContain('>simulation</text>');
    expect(svg).toContain('>theory</text>');
  });

  it('rewrites the same directory identically and keeps the first createdAt', async () => {
    const r = runWrightFisher({ n: 20, generations: 5, seeds: 30 });
    const first = await writeTheoryResults(r, out, { charts: false });
    const created = readManifest(first.dir).createdAt;
    const summary = readFileSync(join(first.dir, 'summary.csv'), 'utf8');
    const again = await writeTheoryResults(runWrightFisher({ n: 20, generations: 5, seeds: 30 }), out, {
      charts: false,
    });
    expect(again.dir).toBe(first.dir);
    expect(readManifest(again.dir).createdAt).toBe(created);
    expect(readFileSync(join(again.dir, 'summary.csv'), 'utf8')).toBe(summary);
    expect(existsSync(join(again.dir, 'charts'))).toBe(false);
  });
});
