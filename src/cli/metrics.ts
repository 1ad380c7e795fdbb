/** `biasloop metrics`: list every metric in the registry with its definition, range and fairer direction. */
import type { Command } from 'commander';
import { metricCatalog, METRIC_PRESETS } from '../metrics/registry.ts';

function range(r: readonly [number, number]): string {
  const f = (v: number) => (v === Infinity ? '∞' : v === -Infinity ? '−∞' : String(v));
  return `[${f(r[0])}, ${f(r[1])}]`;
}

export function registerMetricsCommand(program: Command): void {
  program
    .command('metrics')
    .summary('list the metrics biasloop computes (names for a spec, audit or metric list)')
    .description('List the group metrics biasloop computes (names usable in a spec or metric list).')
    .option('--kind <kind>', 'only group | variant | named')
    .option('--json', 'print the catalog as JSON')
    .action((flags: { kind?: string; json?: boolean }) => {
      const catalog = metricCatalog().filter((m) => flags.kind === undefined || m.kind === flags.kind);
      if (flags.json === true) {
        const safe = catalog.map((m) => ({
          ...m,
          range: m.range.map((v) => (Number.isFinite(v) ? v : String(v))),
        }));
        process.stdout.write(JSON.stringify(safe, null, 2) + '\n');
        return;
      }
      for (const m of catalog) {
        const dir = m.kind === 'group' ? `better: ${m.better}` : `fairer: ${m.fairer}`;
        process.stdout.write(`${m.name}  ${range(m.range)}  ${dir}\n    ${m.doc}\n    ${m.formula}\n`);
      }
      process.stdout.write(
        `\npresets: ${Object.keys(METRIC_PRESETS).join(', ')}; globs like '*_ratio' are accepted\n`,
      );
    });
}
