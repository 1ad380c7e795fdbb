/**
 * The biasloop command line. Each command lives in its own file and only parses flags and calls the
 * library; this file wires them together and turns errors into one-line messages and exit codes.
 */
import { Command, CommanderError } from 'commander';
import { isBiasloopError } from '../core/errors.ts';
import { packageVersion } from '../core/version.ts';
import { commandRegistrations } from './commands.ts';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('biasloop')
    .description(
      'Find out what training on model-generated data does to bias, and which mitigation fixes it.\n' +
        'Run `biasloop run` for the built-in quickstart, `biasloop <command> --help` for any command.',
    )
    .version(packageVersion(), '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(s.startsWith('error:') ? `biasloop: ${s}` : s),
    });
  for (const register of commandRegistrations) register(program);
  return program;
}

/** Run the CLI with `argv` (as in process.argv); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    return reportError(e);
  }
}

export function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    // Commander already printed its message (help and version exit with code 0).
    return e.exitCode === 0 ? 0 : 2;
  }
  if (isBiasloopError(e)) {
    process.stderr.write(`biasloop: error: ${e.message}\n`);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`biasloop: internal error: ${err.message}\n${err.stack ?? ''}\n`);
  process.stderr.write('This is a bug in biasloop; please report it with the command you ran.\n');
  return 70;
}
