import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreReader } from '../../src/experiments/store-query.ts';
import { runExperiment } from '../../src/loop/experiment.ts';
import { parseSpecText } from '../../src/spec/load.ts';
import { planExperiment } from '../../src/spec/sweep.ts';
import { tempDir } from '../helpers.ts';
import {
  BIN,
  checkpointCount,
  cli,
  duplicateKeys,
  exited,
  metricsFiles,
  spawnCli,
  storeMetrics,
  waitFor,
} from './helpers.ts';

/** Exit code `code` and exactly one line on stderr, no stack trace. */
function expectOneLineError(r: { code: number; stderr: string }, pattern: RegExp, code = 2): void {
  expect(r.code).toBe(code);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^biasloop: error: /);
  expect(lines[0]).toMatch(pattern);
}

const SPEC = `name: killme
seeds: 2
generations: 10
data: {source: synthetic, n: 2500, testSize: 500}
sweep:
  strategy: [{kind: accumulate}, {kind: preserve, rho: 0.2}]
`;

describe('biasloop sweep', () => {
  it('finishes a SIGKILLed pool sweep with --resume: nothing duplicated, nothing lost, equal metrics', async () => {
    const dir = tempDir();
    const specPath = join(dir, 'k.yaml');
    writeFileSync(specPath, SPEC);
    const plan = planExperiment(parseSpecText(SPEC, 'k.yaml'));
    const reference = await runExperiment(parseSpecText(SPEC, 'k.yaml'), { outDir: join(dir, 'ref') });
    const expDir = join(dir, 'killed', plan.id);
    // Kill twice at different points (early, then later in the resumed sweep), then finish.
    for (const after of [3, 14]) {
      const child = spawnCli(['sweep', specPath, '--out', join(dir, 'killed'), '--workers', '2', '--quiet']);
      await waitFor(() => checkpointCount(expDir) >= after || child.exitCode !== null, 90_000, 'checkpoints');
      child.kill('SIGKILL');
      await exited(child);
      expect(existsSync(join(expDir, 'summary.csv'))).toBe(false);
      // Whatever the store recorded before the kill is whole: every generation has all its rows.
      const reader = await StoreReader.open(expDir);
      const partial = await reader.query(
        'SELECT run, generation, count(*) FROM metrics GROUP BY ALL ORDER BY ALL',
      );
      reader.close();
      const perGeneration = reference.runs[0].rows.filter((r) => r.generation === 1).length;
      for (const [, generation, n] of partial.rows) {
        if (generation !== 0) expect(n).toBe(perGeneration);
      }
    }
    const resumed = cli(['sweep', '--resume', expDir, '--workers', '2', '--json']);
    expect(resumed.code).toBe(0);
    const lines = resumed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines[0].type).toBe('start');
    expect(lines[lines.length - 1]).toMatchObject({ type: 'result', status: 'complete' });
    expect(metricsFiles(expDir)).toEqual(metricsFiles(reference.dir));
    expect(await storeMetrics(expDir)).toBe(await storeMetrics(reference.dir));
    expect(await duplicateKeys(expDir)).toBe(0);
  }, 240_000);

  it('prints progress lines, the summary and the store; results query/export/ls read it', () => {
    const dir = tempDir();
    const specPath = join(dir, 's.yaml');
    writeFileSync(
      specPath,
      'name: tiny\ngenerations: 2\ndata: {source: synthetic, n: 200, testSize: 200}\nsweep:\n  strategy: [{kind: replace}, {kind: accumulate}]\n',
    );
    const r = cli(['sweep', specPath, '--out', dir, '--workers', '2']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/tiny: 2 run\(s\) × 3 generations → .* \[pool of 2 worker threads\]/);
    expect(r.stderr).toMatch(/run 2\/2 done \(strategy=\w+ seed=0, [\d.]+ s, thread \d+\)/);
    expect(r.stdout).toMatch(/strategy=replace\s+1\s+0\.\d{3} → 0\.\d{3}/);
    expect(r.stdout).toMatch(/Store: {3}.*results\.duckdb/);
    const q = cli([
      'results',
      'query',
      'SELECT count(DISTINCT run) AS runs, max(generation) AS g FROM metrics',
      '--dir',
      dir,
      '--format',
      'json',
    ]);
    expect(q.code).toBe(0);
    expect(JSON.parse(q.stdout)).toEqual([{ runs: 2, g: 2 }]);
    for (const format of ['csv', 'parquet', 'jsonl']) {
      const out = join(dir, `m.${format}`);
      expect(cli(['results', 'export', '--dir', dir, '--format', format, '--out', out]).code).toBe(0);
      expect(existsSync(out)).toBe(true);
    }
    const back = cli([
      'results',
      'query',
      `SELECT count(*) AS n FROM read_parquet('${join(dir, 'm.parquet')}')`,
      '--dir',
      dir,
      '--format',
      'csv',
    ]);
    const rows = readFileSync(join(dir, 'm.csv'), 'utf8').trim().split('\n').length - 1;
    expect(back.stdout).toBe(`n\n${rows}\n`);
    expect(readFileSync(join(dir, 'm.jsonl'), 'utf8').trim().split('\n')).toHaveLength(rows);
    const ls = cli(['results', 'ls', dir]);
    expect(ls.stdout).toMatch(/tiny-[0-9a-f]{10}\s+complete\s+2\/2/);
    expectOneLineError(
      cli(['results', 'query', 'SELECT nope FROM metrics', '--dir', dir]),
      /SQL error: .*nope/,
    );
  }, 180_000);

  it('turns bad input into one clear line: invalid sweep field, unreachable Redis, bad flags', () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'sweep:\n  strategie: [{kind: replace}]\n');
    expectOneLineError(
      cli(['sweep', bad, '--out', dir]),
      /sweep.strategie: 'strategie' is not a spec field \(did you mean 'strategy'\?\)/,
    );
    writeFileSync(bad, 'sweep:\n  strategy.rho: [0.1, 7]\nstrategy: {kind: preserve}\n');
    expectOneLineError(cli(['sweep', bad, '--out', dir]), /sweep point 2: strategy.rho=7\): strategy.rho/);
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'generations: 1\ndata: {source: synthetic, n: 100, testSize: 100}\n');
    // Port 1 on loopback: nothing listens there.
    expectOneLineError(
      cli(['sweep', good, '--out', dir, '--queue', 'redis://127.0.0.1:1']),
      /cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/,
      1,
    );
    expectOneLineError(
      cli(['worker', '--queue', 'redis://127.0.0.1:1']),
      /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/,
      1,
    );
    expectOneLineError(
      cli(['sweep', good, '--queue', 'http://x']),
      /--queue must be a redis:\/\/ or rediss:\/\/ URL/,
    );
    expectOneLineError(cli(['sweep', good, '--workers', '0']), /--workers must be an integer ≥ 1/);
    expectOneLineError(cli(['sweep', '--resume', dir]), /is not a biasloop results directory/);
    expectOneLineError(cli(['sweep', '--resume']), /--resume needs the spec or the results directory/);
  }, 180_000);

  it('stops with one line and loses nothing when the output directory is read-only', () => {
    const dir = tempDir();
    const spec = join(dir, 'ro.yaml');
    writeFileSync(spec, 'name: ro\ngenerations: 1\ndata: {source: synthetic, n: 100, testSize: 100}\n');
    // A path that cannot be created even by root: sysfs refuses new directories (EPERM).
    expectOneLineError(
      cli(['sweep', spec, '--out', '/sys/biasloop-results', '--workers', '1']),
      /cannot create directory '\/sys\/biasloop-results.*': permission denied/,
    );
    // An existing results directory made read-only (a read-only bind mount in a private mount
    // namespace: chmod does not stop root, and the mount vanishes with the process).
    const out = join(dir, 'out');
    expect(cli(['sweep', spec, '--out', out, '--quiet']).code).toBe(0);
    const probe = spawnSync('unshare', ['-m', 'true']);
    if (probe.status !== 0) {
      console.warn('[biasloop tests] unshare -m is not permitted here: read-only bind mount case skipped');
      return;
    }
    const before = metricsFiles(join(out, readFileSync(join(dir, 'ro.yaml'), 'utf8') && planId(spec)));
    const r = spawnSync(
      'unshare',
      [
        '-m',
        'sh',
        '-c',
        `mount --bind -o ro "${out}" "${out}" && exec "${process.execPath}" "${BIN}" sweep "${spec}" --out "${out}" --force`,
      ],
      { encoding: 'utf8' },
    );
    expectOneLineError(
      { code: r.status ?? -1, stderr: r.stderr },
      /permission denied \(choose a writable directory/,
    );
    expect(metricsFiles(join(out, planId(spec)))).toEqual(before);
  }, 180_000);
});

function planId(specPath: string): string {
  return planExperiment(parseSpecText(readFileSync(specPath, 'utf8'), specPath)).id;
}
