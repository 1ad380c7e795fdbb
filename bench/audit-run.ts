/**
 * One in-process audit for the benchmark, in a fresh process (like the pandas peer): the timer starts
 * after the imports, at the library call, and stops when the JSON file is written.
 * Usage: node --import tsx bench/audit-run.ts FILE RESAMPLES OUT_JSON → prints {"seconds": …}.
 */
import { writeFileSync } from 'node:fs';
import { auditPredictions } from '../src/audit/index.ts';

const [file, resamples, out] = process.argv.slice(2);
const t0 = performance.now();
const result = await auditPredictions({
  file,
  label: 'label',
  score: 'score',
  threshold: 0.5,
  groups: ['race', 'sex'],
  intersect: true,
  resamples: Number(resamples),
});
writeFileSync(out, JSON.stringify(result));
console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000 }));
