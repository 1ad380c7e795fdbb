/**
 * `npm run bench [-- name…]`: run the benchmarks (all, or those named), print their results and write
 * them to bench/out/<name>.json. Speed is measured here, never in unit tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runAuditBench } from './audit.ts';
import { machine, measurementsResult, type BenchResult } from './common.ts';
import { runLoopBench } from './loop.ts';
import { runMetricsBench } from './metrics.ts';
import { runLmBench } from './lm.ts';
import { runNnBench } from './nn.ts';
import { runSweepBench } from './sweep.ts';
import { runTheoryBench } from './theory.ts';

const BENCHES: Record<string, () => Promise<BenchResult | BenchResult[]>> = {
  loop: runLoopBench,
  sweep: runSweepBench,
  metrics: async () => {
    const lines: string[] = [];
    const rows = await runMetricsBench({ log: (s) => lines.push(s) });
    return measurementsResult('metrics', lines, rows);
  },
  nn: runNnBench,
  lm: runLmBench,
  theory: async () => {
    const rows = await runTheoryBench();
    const lines = [
      'theory:',
      ...rows.map(
        (r) =>
          `  ${r.name}: ${r.value.toFixed(r.unit === 's' ? 3 : 1)} ${r.unit}${r.note ? `  (${r.note})` : ''}`,
      ),
    ];
    return measurementsResult('theory', lines, rows);
  },
  audit: runAuditBench,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown bench '${unknown[0]}'; benches: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
const outDir = fileURLToPath(new URL('./out/', import.meta.url));
mkdirSync(outDir, { recursive: true });
console.log(`biasloop benchmarks on ${machine()}\n`);
for (const [name, bench] of Object.entries(BENCHES)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const results = [await bench()].flat();
  for (const r of results) {
    console.log(r.lines.join('\n') + '\n');
    writeFileSync(
      `${outDir}${r.name}.json`,
      JSON.stringify({ ...r.numbers, date: new Date().toISOString() }, null, 2) + '\n',
    );
  }
}
