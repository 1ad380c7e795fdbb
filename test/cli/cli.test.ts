import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_AVAILABLE, sharedPath, tempDir } from '../helpers.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'biasloop.js');

function cli(args: string[], cwd?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Exit code 2 and exactly one line on stderr, no stack trace. */
function expectOneLineError(r: { code: number; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^biasloop: error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
}

describe('biasloop CLI', () => {
  it('documents every command in --help', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['run', 'presets', 'schema']) expect(r.stdout).toMatch(new RegExp(`\\n  ${c}\\b`));
    const run = cli(['run', '--help']);
    for (const f of ['--set', '--seed', '--out', '--resume', '--force', '--json', '--quiet'])
      expect(run.stdout).toContain(f);
  });

  it('stops quietly with status 141 when the reader of its output goes away (| head)', async () => {
    const child = spawn(process.execPath, [BIN, 'metrics'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the read end closes before the first write: every write is an EPIPE
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(141);
  });

  it('runs a spec end to end and prints a summary, --json and --quiet', () => {
    const out = tempDir();
    const spec = join(out, 'tiny.yaml');
    writeFileSync(
      spec,
      'name: tiny\ngenerations: 2\ndata: {source: synthetic, n: 200, testSize: 200}\nsweep:\n  strategy: [{kind: replace}, {kind: accumulate}]\n',
    );
    const r = cli(['run', spec, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/strategy=replace\s+1\s+0\.\d{3} → 0\.\d{3}/);
    expect(r.stdout).toContain(`Results: ${out}/tiny-`);
    const j = cli(['run', spec, '--out', out, '--json']);
    const parsed = JSON.parse(j.stdout) as {
      status: string;
      runs: { reused: boolean }[];
      summary: unknown[];
    };
    expect(parsed.status).toBe('complete');
    expect(parsed.runs.every((x) => x.reused)).toBe(true);
    expect(parsed.summary).toHaveLength(2);
    const q = cli(['run', spec, '--out', out, '--quiet']);
    expect(q.stdout.trim()).toMatch(/tiny-[0-9a-f]{10}$/);
    const presets = cli(['presets']);
    expect(presets.stdout).toContain('quickstart');
    expect(cli(['presets', '--show', 'quickstart']).stdout).toContain('name: quickstart');
    expect(JSON.parse(cli(['schema']).stdout).title).toBe('biasloop experiment spec');
  });

  it('turns bad input into a one-line error with exit code 2', () => {
    const dir = tempDir();
    const write = (name: string, text: string): string => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    expectOneLineError(
      cli(['run', write('bad.yaml', 'generations: [1\n')]),
      /bad.yaml:\d+:\d+: invalid YAML\/JSON/,
    );
    expectOneLineError(
      cli(['run', write('typo.yaml', 'generatons: 3\n')]),
      /unknown key 'generatons' at generatons \(did you mean 'generations'\?\)/,
    );
    expectOneLineError(
      cli(['run', 'quikstart']),
      /unknown preset 'quikstart'; presets: .* \(did you mean 'quickstart'\?\)/,
    );
    expectOneLineError(cli(['run', join(dir, 'nope.yaml')]), /spec file '.*nope.yaml' does not exist/);
    expectOneLineError(cli(['run', '--seed', 'x']), /--seed must be an integer/);
    const csvSpec = (csv: string, extra = ''): string =>
      write(
        `s${Math.random().toString(36).slice(2)}.yaml`,
        `generations: 1\ndata:\n  source: csv\n  path: ${csv}\n  label: {column: y}\n  protected: [g]\n  numeric: [a]\n${extra}`,
      );
    const ragged = write('ragged.csv', 'a,g,y\n1,F,0\n2,M\n');
    expectOneLineError(
      cli(['run', csvSpec(ragged), '--out', dir]),
      /ragged.csv:3: row has 2 fields but the header has 3/,
    );
    const rows = Array.from({ length: 60 }, (_, i) => `${i},${i % 2 ? 'F' : 'M'},${i % 3 ? 1 : 0}`);
    const nonNumeric = write(
      'nonnum.csv',
      ['a,g,y', ...rows.slice(0, 10), 'ten,F,1', ...rows.slice(10)].join('\n'),
    );
    expectOneLineError(
      cli(['run', csvSpec(nonNumeric), '--out', dir]),
      /nonnum.csv:12: column 'a' is numeric but has value 'ten'/,
    );
    const good = write('good.csv', ['a,g,y', ...rows].join('\n'));
    expectOneLineError(
      cli([
        'run',
        write(
          'missingcol.yaml',
          `data: {source: csv, path: ${good}, label: {column: y}, protected: [gender], numeric: [a]}\n`,
        ),
        '--out',
        dir,
      ]),
      /protected column 'gender' does not exist; available columns: a, g, y/,
    );
    expectOneLineError(
      cli(['run', csvSpec(write('empty.csv', '')), '--out', dir]),
      /empty.csv: the file is empty/,
    );
    expectOneLineError(
      cli(['run', csvSpec(join(dir, 'absent.csv')), '--out', dir]),
      /CSV file '.*absent.csv' does not exist/,
    );
    expectOneLineError(cli(['run', '--resume', dir]), /is not a biasloop results directory/);
    // Node's recursive mkdir never returns under /proc: refused up front instead of hanging.
    expectOneLineError(
      cli(['run', '--out', '/proc/biasloop']),
      /cannot create directory '\/proc\/biasloop.*': it is under a kernel pseudo-filesystem/,
    );
  });

  it('leaves nothing partial looking complete after a failure', () => {
    const dir = tempDir();
    const spec = join(dir, 's.yaml');
    writeFileSync(
      spec,
      `data: {source: csv, path: ${join(dir, 'missing.csv')}, label: {column: y}, protected: [g], numeric: [a]}\n`,
    );
    cli(['run', spec, '--out', dir]);
    const [exp] = readdirSync(dir).filter((f) => f.startsWith('experiment-'));
    const manifest = JSON.parse(readFileSync(join(dir, exp, 'experiment.json'), 'utf8')) as {
      status: string;
      runs: { status: string }[];
    };
    expect(manifest.status).toBe('failed');
    expect(manifest.runs[0].status).toBe('failed');
    expect(existsSync(join(dir, exp, 'summary.csv'))).toBe(false);
  });

  it('resumes after SIGKILL with the metrics of an uninterrupted run', async () => {
    const dir = tempDir();
    const spec = join(dir, 'k.yaml');
    writeFileSync(
      spec,
      'name: killed\nseeds: 2\ngenerations: 12\ndata: {source: synthetic, n: 3000, testSize: 500}\nstrategy: {kind: accumulate}\n',
    );
    const reference = cli(['run', spec, '--out', join(dir, 'ref'), '--quiet']);
    expect(reference.code).toBe(0);
    const refDir = reference.stdout.trim();
    // Start, wait for a few checkpoints, SIGKILL.
    const child = spawn(process.execPath, [BIN, 'run', spec, '--out', join(dir, 'killed')], {
      stdio: 'ignore',
    });
    const started = Date.now();
    const expDir = join(dir, 'killed', refDir.split('/').pop()!);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const runs = existsSync(join(expDir, 'runs')) ? readdirSync(join(expDir, 'runs')) : [];
        const cps = runs.flatMap((r) =>
          existsSync(join(expDir, 'runs', r, 'checkpoints'))
            ? readdirSync(join(expDir, 'runs', r, 'checkpoints'))
            : [],
        );
        if (cps.length >= 5 || Date.now() - started > 60_000) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        }
      }, 20);
    });
    await new Promise((resolve) => child.on('exit', resolve));
    expect(existsSync(join(expDir, 'summary.csv'))).toBe(false);
    const resumed = cli(['run', '--resume', expDir, '--quiet']);
    expect(resumed.code).toBe(0);
    expect(readFileSync(join(expDir, 'summary.csv'), 'utf8')).toBe(
      readFileSync(join(refDir, 'summary.csv'), 'utf8'),
    );
  });

  it.skipIf(!SHARED_AVAILABLE)('runs the Adult and COMPAS presets from the CLI on the real files', () => {
    const out = tempDir();
    const adult = cli([
      'run',
      'adult',
      '--set',
      `data.path=${sharedPath('datasets', 'adult')}`,
      '--set',
      'generations=1',
      '--set',
      'sweep.strategy=[{kind: preserve}]',
      '--out',
      out,
      '--json',
    ]);
    expect(adult.code).toBe(0);
    const a = JSON.parse(adult.stdout) as { summary: { first: Record<string, { mean: number }> }[] };
    // Logistic regression on Adult reaches ~85% test accuracy.
    expect(a.summary[0].first['test.accuracy'].mean).toBeGreaterThan(0.83);
    const compas = cli([
      'run',
      'compas',
      '--set',
      `data.path=${sharedPath('datasets', 'compas', 'compas-scores-two-years.csv')}`,
      '--set',
      'generations=1',
      '--set',
      'seeds=1',
      '--out',
      out,
      '--json',
    ]);
    expect(compas.code).toBe(0);
    const c = JSON.parse(compas.stdout) as { summary: { first: Record<string, { mean: number }> }[] };
    expect(c.summary[0].first['test.accuracy'].mean).toBeGreaterThan(0.62);
    expect(c.summary).toHaveLength(4);
  });
});
