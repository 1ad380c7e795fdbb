/**
 * `biasloop presets`: list the built-in experiment presets, or print one as an editable spec.
 */
import type { Command } from 'commander';
import { getPreset, listPresets } from '../spec/presets.ts';
import { formatTextTable } from '../report/text-table.ts';

export function registerPresetsCommand(program: Command): void {
  program
    .command('presets')
    .summary('list the built-in experiment presets')
    .description('List the built-in presets; --show prints one as a YAML spec you can copy and edit.')
    .option('--show <name>', 'print the spec of one preset')
    .option('--json', 'machine-readable list')
    .action((flags: { show?: string; json?: boolean }) => {
      if (flags.show !== undefined) {
        process.stdout.write(getPreset(flags.show).yaml);
        return;
      }
      const presets = listPresets();
      if (flags.json) {
        process.stdout.write(
          JSON.stringify(
            presets.map((p) => ({ name: p.name, summary: p.summary })),
            null,
            2,
          ) + '\n',
        );
        return;
      }
      process.stdout.write(
        formatTextTable(
          ['preset', 'what it runs'],
          presets.map((p) => [p.name, p.summary]),
        ),
      );
      process.stdout.write(
        '\nRun one with `biasloop run <preset>`; see it with `biasloop presets --show <preset>`.\n',
      );
    });
}
