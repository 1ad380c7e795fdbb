/**
 * Every command, registered once. Adding a command: write `src/cli/<name>.ts` exporting
 * `register<Name>Command(program)`, and list it here.
 */
import type { Command } from 'commander';
import { registerTheoryCommand } from './theory.ts';

export const commandRegistrations: ReadonlyArray<(program: Command) => void> = [registerTheoryCommand];
