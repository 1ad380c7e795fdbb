/**
 * Audit benchmark (issue #12): a 1,000,000-row predictions CSV with two protected attributes (race:
 * 6 groups, sex: 2) and their intersection (12 groups), a score with a threshold, 1,000 bootstrap
 * resamples, end to end from the file to a JSON file — against the same audit in pandas
 * (bench/peers/audit_pandas.py, Debian's python3-pandas with /usr/bin/python3).
 *
 * Timed from one run each:
 * - process: `node bin/biasloop.js audit … --json > out.json` against `python3 audit_pandas.py …`,
 *   wall clock from spawn to exit (interpreter start, imports, reading, computing, writing), and CPU
 *   time (user + system, all threads) through /usr/bin/time, which a loaded machine disturbs less;
 * - in process: `auditPredictions` + JSON written (bench/audit-run.ts, a fresh process), against the
 *   peer's own timer from `read_csv` to `json.dump` (imports excluded on both sides).
 * The point values of both are compared (they must agree to rounding) and the ratio ours/theirs
 * is printed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AuditResult } from '../src/audit/types.ts';
import { ensureAuditBenchCsv } from './audit-data.ts';
import { machine, PYTHON, type BenchResult } from './common.ts';

const TIME = '/usr/bin/time';

interface Timed {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallSeconds: number;
  /** user + system CPU seconds of the process and its threads (with /usr/bin/time), else NaN. */
  readonly cpuSeconds: number;
}

/** Run a command, timing wall clock and (through /usr/bin/time when present) CPU. */
function timed(command: string, args: readonly string[]): Timed {
  const cpuFile = out('audit-time.txt');
  const useTime = existsSync(TIME);
  const t0 = performance.now();
  const r = useTime
    ? spawnSync(TIME, ['-f', '%U %S', '-o', cpuFile, command, ...args], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      })
    : spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wallSeconds = (performance.now() - t0) / 1000;
  let cpuSeconds = NaN;
  if (useTime && existsSync(cpuFile)) {
    const [user, sys] = readFileSync(cpuFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    cpuSeconds = user + sys;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, wallSeconds, cpuSeconds };
}

/**
 * The CLI compiled to JavaScript (tsc → bench/out/dist), to show what the tsx loader costs at start-up:
 * bin/biasloop.js transpiles the TypeScript sources on the fly. Returns the entry script, or undefined
 * when the build fails.
 */
function buildCompiledCli(): string | undefined {
  const root = fileURLToPath(new URL('..', import.meta.url));
  // Type errors elsewhere do not stop tsc's emit: success is the entry file existing.
  spawnSync(
    process.execPath,
    [
      `${root}node_modules/typescript/bin/tsc`,
      '-p',
      `${root}tsconfig.build.json`,
      '--outDir',
      out('dist'),
      '--declaration',
      'false',
      '--sourceMap',
      'false',
    ],
    { encoding: 'utf8' },
  );
  if (!existsSync(out('dist/cli/main.js'))) return undefined;
  // dist/cli/version.js reads ../../package.json.
  writeFileSync(out('package.json'), readFileSync(`${root}package.json`));
  const entry = out('compiled-cli.mjs');
  writeFileSync(
    entry,
    "const { main } = await import('./dist/cli/main.js');\nprocess.exitCode = await main(process.argv);\n",
  );
  return entry;
}

export const AUDIT_BENCH = { rows: 1_000_000, resamples: 1000, threshold: 0.5 };

const out = (name: string): string => fileURLToPath(new URL(`./out/${name}`, import.meta.url));
const BIN = fileURLToPath(new URL('../bin/biasloop.js', import.meta.url));

interface PeerResult {
  attributes: {
    attribute: string;
    groups: {
      group: string;
      rows: number;
      metrics: Record<string, { value: number | null }>;
      disparities: Record<string, { ratio: { value: number | null }; verdict: string }>;
    }[];
    summary: Record<string, { value: number | null }>;
  }[];
}

/** Largest absolute difference between our point values (from the CLI's JSON) and the peer's. */
function compare(
  ours: AuditResult,
  theirs: PeerResult,
): { maxDiff: number; values: number; verdicts: number } {
  let maxDiff = 0;
  let values = 0;
  let verdicts = 0;
  // Both sides come from JSON: null stands for NaN or ±∞.
  const check = (a: number | null, b: number | null, what: string): void => {
    if (a === null || b === null) {
      if (a !== b) throw new Error(`bench: ${what}: biasloop ${a}, pandas ${b}`);
      return;
    }
    maxDiff = Math.max(maxDiff, Math.abs(a - b));
    values++;
  };
  for (const pa of theirs.attributes) {
    const oa = ours.attributes.find((a) => a.attribute === pa.attribute);
    if (oa === undefined) throw new Error(`bench: attribute ${pa.attribute} missing`);
    for (const pg of pa.groups) {
      const og = oa.groups.find((g) => g.group === pg.group);
      if (og === undefined || og.rows !== pg.rows) throw new Error(`bench: group ${pg.group} differs`);
      for (const [m, v] of Object.entries(pg.metrics))
        check(og.metrics[m].value, v.value, `${pg.group} ${m}`);
      for (const [m, d] of Object.entries(pg.disparities)) {
        check(og.disparities[m].ratio.value, d.ratio.value, `${pg.group} ${m} ratio`);
        if (og.disparities[m].verdict !== d.verdict)
          throw new Error(`bench: ${pg.group} ${m} verdict differs`);
        verdicts++;
      }
    }
    for (const [m, v] of Object.entries(pa.summary))
      check(oa.summary[m].value, v.value, `${pa.attribute} ${m}`);
  }
  return { maxDiff, values, verdicts };
}

export async function runAuditBench(): Promise<BenchResult> {
  const { rows, resamples, threshold } = AUDIT_BENCH;
  const csv = await ensureAuditBenchCsv(out('audit-1m.csv'), rows);
  const args = [
    csv,
    '--label',
    'label',
    '--score',
    'score',
    '--threshold',
    String(threshold),
    '--group',
    'race',
    '--group',
    'sex',
    '--intersect',
    '--resamples',
    String(resamples),
    '--json',
  ];
  // Process, end to end: the CLI writes the JSON to a file through its stdout.
  const ourJson = out('audit-biasloop.json');
  const cli = timed(process.execPath, [BIN, 'audit', ...args]);
  if (cli.status !== 0) throw new Error(`biasloop audit failed: ${cli.stderr}`);
  writeFileSync(ourJson, cli.stdout);

  const compiledEntry = buildCompiledCli();
  const compiled =
    compiledEntry === undefined ? undefined : timed(process.execPath, [compiledEntry, 'audit', ...args]);

  // In process, in a fresh process like the peer's: library call → JSON file, imports excluded.
  const inProcessJson = out('audit-biasloop-inprocess.json');
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./audit-run.ts', import.meta.url)),
      csv,
      String(resamples),
      inProcessJson,
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`bench/audit-run.ts failed: ${run.stderr}`);
  const oursInProcess = (JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { seconds: number })
    .seconds;
  const result = JSON.parse(readFileSync(ourJson, 'utf8')) as AuditResult;
  const size = (Number(readFileSync(csv).length) / 2 ** 20).toFixed(0);

  const cpu = (t: Timed): string => (Number.isNaN(t.cpuSeconds) ? '' : `, ${t.cpuSeconds.toFixed(2)} s CPU`);
  const lines = [
    `audit: ${rows.toLocaleString('en-US')} rows (${size} MiB CSV), race (6) + sex (2) + race & sex (12), score ≥ ${threshold}, ${resamples} bootstrap resamples, file → JSON`,
    `  biasloop: ${cli.wallSeconds.toFixed(2)} s as a process (node bin/biasloop.js audit … --json${cpu(cli)}), ${oursInProcess.toFixed(2)} s in process (auditPredictions + JSON)`,
  ];
  if (compiled !== undefined && compiled.status === 0) {
    lines.push(
      `  biasloop compiled: ${compiled.wallSeconds.toFixed(2)} s as a process (the same CLI compiled by tsc, no tsx loader${cpu(compiled)})`,
    );
  }
  const numbers: Record<string, number | string> = {
    rows,
    resamples,
    oursProcessSeconds: cli.wallSeconds,
    oursProcessCpuSeconds: cli.cpuSeconds,
    oursInProcessSeconds: oursInProcess,
    ...(compiled !== undefined && compiled.status === 0
      ? { compiledProcessSeconds: compiled.wallSeconds, compiledProcessCpuSeconds: compiled.cpuSeconds }
      : {}),
    machine: machine(),
  };
  const peerScript = fileURLToPath(new URL('./peers/audit_pandas.py', import.meta.url));
  const peerJson = out('audit-pandas.json');
  const peer = existsSync(PYTHON) ? timed(PYTHON, [peerScript, csv, String(resamples), peerJson]) : undefined;
  if (peer !== undefined && peer.status === 0 && existsSync(peerJson)) {
    const theirsInProcess = (JSON.parse(peer.stdout.trim().split('\n').pop() ?? '{}') as { seconds: number })
      .seconds;
    const agreement = compare(result, JSON.parse(readFileSync(peerJson, 'utf8')) as PeerResult);
    const ratio = (a: number, b: number): string =>
      `${(a / b).toFixed(2)} (${b > a ? `${(b / a).toFixed(2)}× faster` : `${(a / b).toFixed(2)}× slower`})`;
    lines.push(
      `  pandas:   ${peer.wallSeconds.toFixed(2)} s as a process (${PYTHON} audit_pandas.py${cpu(peer)}), ${theirsInProcess.toFixed(2)} s in process (read_csv → json.dump)`,
      `  ratio ours/theirs (time): process ${ratio(cli.wallSeconds, peer.wallSeconds)}; in process ${ratio(oursInProcess, theirsInProcess)}` +
        (Number.isNaN(cli.cpuSeconds) ? '' : `; CPU ${ratio(cli.cpuSeconds, peer.cpuSeconds)}`) +
        (compiled !== undefined && compiled.status === 0
          ? `; compiled CLI process ${ratio(compiled.wallSeconds, peer.wallSeconds)}`
          : ''),
      `  agreement: ${agreement.values} point values, max |difference| ${agreement.maxDiff.toExponential(1)}; ${agreement.verdicts} verdicts identical`,
    );
    Object.assign(numbers, {
      peerProcessSeconds: peer.wallSeconds,
      peerProcessCpuSeconds: peer.cpuSeconds,
      peerInProcessSeconds: theirsInProcess,
      ratioProcess: cli.wallSeconds / peer.wallSeconds,
      ratioInProcess: oursInProcess / theirsInProcess,
      ratioCpu: cli.cpuSeconds / peer.cpuSeconds,
      ...(compiled !== undefined && compiled.status === 0
        ? { ratioCompiledProcess: compiled.wallSeconds / peer.wallSeconds }
        : {}),
      maxPointDifference: agreement.maxDiff,
    });
  } else {
    const why =
      peer === undefined
        ? `${PYTHON} not found`
        : (peer.stderr.trim().split('\n').pop() ?? `exit ${peer.status}`);
    lines.push(`  pandas peer skipped: ${why} (install Debian's python3-pandas)`);
  }
  return { name: 'audit', lines, numbers };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await runAuditBench();
  console.log(r.lines.join('\n'));
}
