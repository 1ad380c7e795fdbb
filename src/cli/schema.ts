/**
 * `biasloop schema`: print the JSON Schema of experiment specs (or its Markdown reference).
 */
import type { Command } from 'commander';
import { experimentJsonSchema, experimentSpecMarkdown } from '../spec/json-schema.ts';

export function registerSchemaCommand(program: Command): void {
  program
    .command('schema')
    .summary('print the JSON Schema of experiment specs')
    .description(
      'Print the JSON Schema of experiment specs, for editor autocompletion and validation\n' +
        '(e.g. `biasloop schema > biasloop.schema.json`, then `# yaml-language-server: $schema=biasloop.schema.json`).',
    )
    .option('--markdown', 'print the field reference as Markdown (docs/spec.md) instead')
    .action((flags: { markdown?: boolean }) => {
      process.stdout.write(
        flags.markdown ? experimentSpecMarkdown() : JSON.stringify(experimentJsonSchema(), null, 2) + '\n',
      );
    });
}
