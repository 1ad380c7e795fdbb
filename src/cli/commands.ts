/**
 * Every command, registered once. Adding a command: write `src/cli/<name>.ts` exporting
 * `register<Name>Command(program)`, and list it here.
 */
import type { Command } from 'commander';
import { registerAnalyzeCommand } from './analyze.ts';
import { registerAuditCommand } from './audit.ts';
import { registerMetricsCommand } from './metrics.ts';
import { registerPresetsCommand } from './presets.ts';
import { registerResultsCommand } from './results.ts';
import { registerRunCommand } from './run.ts';
import { registerSchemaCommand } from './schema.ts';
import { registerSweepCommand } from './sweep.ts';
import { registerTheoryCommand } from './theory.ts';
import { registerWorkerCommand } from './worker.ts';

export const commandRegistrations: ReadonlyArray<(program: Command) => void> = [
  registerRunCommand,
  registerSweepCommand,
  registerWorkerCommand,
  registerResultsCommand,
  registerPresetsCommand,
  registerTheoryCommand,
  registerAuditCommand,
  registerMetricsCommand,
  registerAnalyzeCommand,
  registerSchemaCommand,
];
