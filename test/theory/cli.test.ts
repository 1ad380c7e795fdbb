import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.ts';
import { afterAll, describe, expect, it } from 'vitest';

const tmp = tempDir('biasloop-cli-theory-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function biasloop(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/biasloop.js', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('biasloop theory', () => {
  it('wmle prints the generation table and writes the results directory', () => {
    const r = biasloop('theory', 'wmle', '--out', tmp, '--csv', join(tmp, 'rows.csv'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/gen\s+alpha\s+beta\s+mean\s+variance\s+bias\s+amplifies/);
    expect(r.stdout).toMatch(/\n\s+0\s+4\s+3\s+0\.571429\s/);
    expect(r.stdout).toMatch(/\n\s+2\s+13\s+9\s+0\.590909\s/);
    const dir = /results: (.+)\n/.exec(r.stdout)?.[1] as string;
    expect(existsSync(join(dir, 'experiment.json'))).toBe(true);
    expect(existsSync(join(dir, 'charts', 'mean.svg'))).toBe(true);
    expect(readFileSync(join(tmp, 'rows.csv'), 'utf8').split('\n')[0]).toBe(
      'run,generation,metric,group,value,ci_low,ci_high',
    );
  });

  it('prints JSON with --json and writes nothing with --no-write', () => {
    const r = biasloop(
      'theory',
      'linreg',
      '--json',
      '--no-write',
      '--seeds',
      '20',
      '--generations',
      '3',
      '--dim',
      '3',
      '--samples',
      '10',
    );
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout);
    expect(parsed.model).toBe('linreg');
    expect(parsed.experimentId).toMatch(/^linreg-[0-9a-f]{10}$/);
    expect(parsed.resultsDir).toBeUndefined();
    expect(parsed.params.samples).toBe(10);
    expect(parsed.runs.map((x: { id: string }) => x.id)).toEqual(['replace', 'accumulate']);
  });

  it('fails with one line naming the flag and exit code 2 on a bad parameter', () => {
    const r = biasloop('theory', 'wmle', '--alpha-p', '-1', '--no-write');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('biasloop: error: --alpha-p (alphaP) must be > 0, got -1\n');
    const g = biasloop('theory', 'wright-fisher', '--shares', '0.5,0.6', '--no-write');
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(
      /^biasloop: error: wright-fisher: --shares \(shares\) must sum to 1, got 1\.1 \(e\.g\. --shares 0\.5,0\.3,0\.2\)\n$/,
    );
  });

  it('lists every parameter and its default in --help', () => {
    const r = biasloop('theory', 'gaussian', '--help');
    expect(r.code).toBe(0);
    for (const flag of [
      '--dim',
      '--n',
      '--generations',
      '--seeds',
      '--seed',
      '--strategies',
      '--covariance',
      '--json',
      '--csv',
      '--out',
      '--no-write',
      '--png',
    ]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('(default: replace,accumulate,accumulate-subsample)');
  });
});
