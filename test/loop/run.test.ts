import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment, resumeExperiment } from '../../src/loop/experiment.ts';
import { executeRun } from '../../src/loop/run.ts';
import { genDirName, startCheckpoint } from '../../src/loop/checkpoint.ts';
import { planExperiment } from '../../src/spec/sweep.ts';
import { tempDir } from '../helpers.ts';

const small = {
  name: 'small',
  seeds: 2,
  generations: 4,
  data: { source: 'synthetic', n: 400, testSize: 600 },
  sweep: {
    strategy: [
      { kind: 'replace' },
      { kind: 'accumulate' },
      { kind: 'accumulate-subsample' },
      { kind: 'preserve', rho: 0.2 },
      { kind: 'mix', ratio: 0.5, mode: 'additive' },
      { kind: 'fresh', freshFraction: 0.25 },
    ],
  },
};

/** Every file under runs/<id>/metrics.* and summary.csv, by relative path. */
function metricsFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  out['summary.csv'] = readFileSync(join(dir, 'summary.csv'), 'utf8');
  for (const id of readdirSync(join(dir, 'runs'))) {
    for (const f of ['metrics.csv', 'metrics.json'])
      out[`${id}/${f}`] = readFileSync(join(dir, 'runs', id, f), 'utf8');
  }
  return out;
}

describe('the generational loop', () => {
  it('is deterministic: the same spec and seed give byte-identical metrics files', async () => {
    const a = await runExperiment(small, { outDir: tempDir() });
    const b = await runExperiment(small, { outDir: tempDir() });
    expect(a.status).toBe('complete');
    expect(a.runs).toHaveLength(12);
    expect(metricsFiles(b.dir)).toEqual(metricsFiles(a.dir));
    const c = await runExperiment({ ...small, seed: 5 }, { outDir: tempDir() });
    expect(metricsFiles(c.dir)['summary.csv']).not.toBe(metricsFiles(a.dir)['summary.csv']);
  });

  it('records what each strategy did: sizes and synthetic shares per generation', async () => {
    const res = await runExperiment({ ...small, seeds: 1 }, { outDir: tempDir() });
    const value = (label: string, metric: string, g: number): number =>
      res.runs
        .find((r) => r.run.label.startsWith(label))!
        .rows.find((x) => x.metric === metric && x.group === '' && x.generation === g)!.value;
    const N = 400;
    expect(value('strategy=replace', 'train.size', 3)).toBe(N);
    expect(value('strategy=replace', 'train.synthetic_share', 3)).toBe(1);
    expect(value('strategy=accumulate ', 'train.size', 3)).toBe(4 * N);
    expect(value('strategy=accumulate ', 'train.synthetic_share', 3)).toBe(0.75);
    expect(value('strategy=accumulate-subsample', 'train.size', 3)).toBe(N);
    expect(value('strategy=preserve', 'train.size', 2)).toBe(N + 80);
    expect(value('strategy=mix', 'train.synthetic_share', 2)).toBe(0.5);
    expect(value('strategy=mix', 'train.size', 2)).toBe(2 * N);
    expect(value('strategy=fresh', 'train.synthetic_share', 4)).toBe(0.75);
    expect(value('strategy=replace', 'train.synthetic_share', 0)).toBe(0);
    expect(value('strategy=replace', 'synthetic.size', 1)).toBe(N);
  });

  it('resumes an interrupted run and ends with the metrics of an uninterrupted one', async () => {
    const spec = {
      ...small,
      seeds: 1,
      sweep: { strategy: [{ kind: 'accumulate' }, { kind: 'fresh', freshFraction: 0.25 }] },
    };
    const reference = await runExperiment(spec, { outDir: tempDir() });
    const out = tempDir();
    // Stop after generation 2 of the first run.
    const controller = new AbortController();
    const first = await runExperiment(spec, {
      outDir: out,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'generation' && e.generation === 2) controller.abort();
      },
    });
    expect(first.status).toBe('interrupted');
    expect(existsSync(join(first.dir, 'summary.csv'))).toBe(false);
    const resumed = await resumeExperiment(first.dir, {});
    expect(resumed.status).toBe('complete');
    expect(metricsFiles(resumed.dir)).toEqual(metricsFiles(reference.dir));
  });

  it('detects corrupt and half-written checkpoints, recomputes them, and still matches', async () => {
    const spec = {
      ...small,
      seeds: 1,
      sweep: { strategy: [{ kind: 'accumulate-subsample' }] },
      model: { kind: 'logistic', update: 'continue' },
    };
    const reference = await runExperiment(spec, { outDir: tempDir() });
    const out = tempDir();
    const plan = planExperiment(spec);
    const run = plan.runs[0];
    const experimentDir = join(out, plan.id);
    // Simulate a run killed after generation 3 had begun writing: complete 0..3, then damage.
    await runExperiment({ ...spec }, { outDir: out });
    const cps = join(experimentDir, 'runs', run.id, 'checkpoints');
    rmSync(join(experimentDir, 'summary.csv'));
    // 1) flip bytes in generation 2's synthetic set, 2) leave a .partial directory for generation 5.
    const synth = join(cps, 'gen-0002', 'synthetic.bin');
    const bytes = readFileSync(synth);
    bytes[bytes.length - 5] ^= 0xff;
    writeFileSync(synth, bytes);
    writeFileSync(join(cps, 'gen-0003', 'metrics.json'), '[{"truncated": ');
    mkdirSync(join(cps, 'gen-0005.partial'));
    const manifestPath = join(experimentDir, 'experiment.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.runs[0].status = 'running';
    writeFileSync(manifestPath, JSON.stringify(manifest));
    rmSync(join(experimentDir, 'runs', run.id, 'metrics.json'));
    const generations: number[] = [];
    const resumed = await resumeExperiment(experimentDir, {
      onEvent: (e) => e.type === 'generation' && generations.push(e.generation),
    });
    expect(generations).toEqual([2, 3, 4]); // generation 2 was corrupt: it and everything after were recomputed
    expect(readdirSync(cps).sort()).toEqual(['gen-0000', 'gen-0001', 'gen-0002', 'gen-0003', 'gen-0004']);
    expect(metricsFiles(resumed.dir)).toEqual(metricsFiles(reference.dir));
  });

  it('reports a generation only once its checkpoint directory is complete and in place', async () => {
    const spec = { ...small, seeds: 1, sweep: { strategy: [{ kind: 'replace' }] } };
    const plan = planExperiment(spec);
    const experimentDir = join(tempDir(), plan.id);
    const cps = join(experimentDir, 'runs', plan.runs[0].id, 'checkpoints');
    const seen: { generation: number; final: boolean; partial: boolean }[] = [];
    const outcome = await executeRun(plan.runs[0], {
      experimentDir,
      onGeneration: (e) =>
        seen.push({
          generation: e.generation,
          final: existsSync(join(cps, genDirName(e.generation), 'manifest.json')),
          partial: existsSync(join(cps, `${genDirName(e.generation)}.partial`)),
        }),
    });
    expect(outcome.status).toBe('complete');
    expect(seen).toEqual([0, 1, 2, 3, 4].map((generation) => ({ generation, final: true, partial: false })));
    expect(readdirSync(cps).sort()).toEqual([0, 1, 2, 3, 4].map(genDirName));
  });

  it('fails a checkpoint it cannot write with a one-line error naming the path', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'checkpoints'), 'a file where the directory should be');
    expect(() =>
      startCheckpoint(join(dir, 'checkpoints'), {
        generation: 0,
        rows: [],
        model: { kind: 'logistic', fingerprint: 'f', meta: {}, arrays: { w: new Float64Array(3) } },
      }),
    ).toThrow(/cannot create directory .*checkpoints/);
  });

  it('reuses complete runs when the same spec runs again', async () => {
    const out = tempDir();
    const spec = { ...small, seeds: 1, sweep: { strategy: [{ kind: 'replace' }] } };
    await runExperiment(spec, { outDir: out });
    let generations = 0;
    const again = await runExperiment(spec, {
      outDir: out,
      onEvent: (e) => e.type === 'generation' && generations++,
    });
    expect(generations).toBe(0);
    expect(again.runs[0].reused).toBe(true);
  });

  it('applies the overfit option (more iterations, no weight decay) and warm starts with update: continue', async () => {
    const base = { generations: 2, data: { source: 'synthetic', n: 300, testSize: 300 } };
    const plain = planExperiment({ ...base, model: { kind: 'logistic', l2: 1, maxIter: 3 } }).runs[0];
    const over = planExperiment({ ...base, model: { kind: 'logistic', l2: 1, maxIter: 3, overfit: true } })
      .runs[0];
    const objective = (rows: { metric: string; value: number }[]) =>
      rows.find((r) => r.metric === 'model.objective')!.value;
    const iterations = (rows: { metric: string; generation: number; value: number }[], g: number) =>
      rows.find((r) => r.metric === 'model.iterations' && r.generation === g)!.value;
    const a = await executeRun(plain);
    const b = await executeRun(over);
    // Without the L2 penalty (λ = 1 is strong) the training objective is lower.
    expect(objective(b.rows)).toBeLessThan(objective(a.rows));
    expect(iterations(b.rows, 0)).toBeGreaterThan(3);
    const cont = planExperiment({ ...base, model: { kind: 'logistic', update: 'continue' } }).runs[0];
    const scratch = planExperiment({ ...base, model: { kind: 'logistic', update: 'retrain' } }).runs[0];
    const c = await executeRun(cont);
    const s = await executeRun(scratch);
    expect(iterations(c.rows, 2)).toBeLessThan(iterations(s.rows, 2));
  });

  it('shows a vanishing group as share 0 and an undefined positive rate, never as fair', async () => {
    // Cell temperature 0.05 sharpens the (label, group) distribution until the minority disappears.
    const run = planExperiment({
      generations: 3,
      data: { source: 'synthetic', n: 500, testSize: 300, minorityShare: 0.1 },
      sampling: { cellTemperature: 0.05 },
    }).runs[0];
    const out = await executeRun(run);
    const share = out.rows.find(
      (r) => r.metric === 'synthetic.group_share' && r.group === 'minority' && r.generation === 3,
    )!;
    const rate = out.rows.find(
      (r) => r.metric === 'synthetic.positive_rate' && r.group === 'minority' && r.generation === 3,
    )!;
    expect(share.value).toBe(0);
    expect(Number.isNaN(rate.value)).toBe(true);
  });
});

describe('metrics in the loop', () => {
  it('computes the selected registry metrics with bootstrap intervals, and validates the list', async () => {
    const run = planExperiment({
      generations: 1,
      data: { source: 'synthetic', n: 300, testSize: 400 },
      metrics: {
        select: ['accuracy', 'disparate_impact', '*_ratio'],
        privileged: { group: 'majority' },
        bootstrap: { resamples: 200 },
      },
    }).runs[0];
    const out = await executeRun(run);
    const di = out.rows.find((r) => r.metric === 'test.disparate_impact' && r.generation === 1)!;
    expect(di.value).toBeGreaterThan(0);
    expect(di.ciLow).toBeLessThanOrEqual(di.value);
    expect(di.ciHigh).toBeGreaterThanOrEqual(di.value);
    expect(out.rows.some((r) => r.metric === 'test.true_positive_rate_ratio')).toBe(true);
    expect(out.rows.some((r) => r.metric === 'test.selection_rate')).toBe(false);
    expect(out.rows.some((r) => r.metric === 'synthetic.mmd2_rbf' && r.generation === 1)).toBe(true);
    const bad = planExperiment({ generations: 1, metrics: { select: ['acuracy'] } }).runs[0];
    await expect(executeRun(bad)).rejects.toThrow("unknown metric 'acuracy' (did you mean 'accuracy'?)");
    const badPriv = planExperiment({ generations: 1, metrics: { privileged: { sex: 'Male' } } }).runs[0];
    await expect(executeRun(badPriv)).rejects.toThrow(
      /metrics.privileged: 'sex' is not a protected attribute/,
    );
  });
});
