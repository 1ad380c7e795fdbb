/**
 * The audit benchmark's predictions file: n rows of (id, race, sex, age, label, score) with six race
 * groups of unequal size, two sexes, group-dependent base rates and a score that is informative but
 * biased by group. Written once into bench/out/ (gitignored) and reused while its parameters match.
 */
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { Rng } from '../src/core/rng.ts';

export const RACES = ['White', 'Black', 'Hispanic', 'Asian', 'Native American', 'Other'] as const;
const RACE_SHARE = [0.55, 0.2, 0.15, 0.06, 0.02, 0.02];
const RACE_BASE_RATE = [0.3, 0.42, 0.36, 0.25, 0.45, 0.33];
const RACE_SCORE_SHIFT = [0, 0.35, 0.15, -0.1, 0.25, 0.05];

/** Write the file unless an identical one (same n and seed) is already there; returns its path. */
export async function ensureAuditBenchCsv(path: string, n: number, seed = 0): Promise<string> {
  const stamp = `${path}.params`;
  const params = JSON.stringify({ n, seed, version: 1 });
  if (existsSync(path) && existsSync(stamp) && readFileSync(stamp, 'utf8') === params) return path;
  const rng = Rng.stream(seed, 'bench', 'audit-data');
  const out = createWriteStream(path);
  out.write('id,race,sex,age,label,score\n');
  const cumulative = RACE_SHARE.map((_, i) => RACE_SHARE.slice(0, i + 1).reduce((a, b) => a + b, 0));
  const batch: string[] = [];
  for (let i = 0; i < n; i++) {
    const u = rng.float();
    let r = cumulative.findIndex((c) => u < c);
    if (r < 0) r = RACES.length - 1;
    const female = rng.float() < 0.48;
    const age = 18 + rng.int(63);
    const base = RACE_BASE_RATE[r] * (female ? 0.8 : 1.1);
    const y = rng.float() < base ? 1 : 0;
    const z = -1.2 + 1.8 * y + RACE_SCORE_SHIFT[r] + (female ? -0.2 : 0.1) + 0.9 * rng.normal();
    const score = 1 / (1 + Math.exp(-z));
    batch.push(`${i},${RACES[r]},${female ? 'Female' : 'Male'},${age},${y},${score.toFixed(4)}`);
    if (batch.length === 10_000) {
      if (!out.write(batch.join('\n') + '\n')) await once(out, 'drain');
      batch.length = 0;
    }
  }
  if (batch.length > 0) out.write(batch.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
  writeFileSync(stamp, params);
  return path;
}
