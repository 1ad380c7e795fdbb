/**
 * Using biasloop as a library: run a small sweep and print how demographic parity moved under two
 * strategies. Run with `npx tsx examples/library.ts`.
 */
import { runExperiment, summarizeRuns } from '../src/index.ts';

export async function compareStrategies(
  outDir: string,
): Promise<{ variant: string; dpBefore: number; dpAfter: number }[]> {
  const result = await runExperiment(
    {
      name: 'library-example',
      generations: 5,
      seeds: 2,
      data: { source: 'synthetic', n: 1000 },
      sweep: { strategy: [{ kind: 'replace' }, { kind: 'accumulate' }] },
    },
    { outDir },
  );
  return summarizeRuns(result.runs).map((row) => ({
    variant: row.variant,
    dpBefore: row.first['test.demographic_parity_difference'].mean,
    dpAfter: row.last['test.demographic_parity_difference'].mean,
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await compareStrategies('biasloop-results')) {
    console.log(
      `${r.variant}: demographic parity difference ${r.dpBefore.toFixed(3)} → ${r.dpAfter.toFixed(3)}`,
    );
  }
}
