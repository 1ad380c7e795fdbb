#!/usr/bin/env node
// The biasloop command. Runs the compiled dist/ when it is up to date with src/ (built by `npm ci`
// through the prepare script), and the TypeScript sources through tsx's loader otherwise — so an
// edited checkout never runs stale code. BIASLOOP_FROM_SOURCE=1 forces the sources.
import { fileURLToPath } from 'node:url';
import { distIsFresh } from '../scripts/dist-fresh.js';

const root = fileURLToPath(new URL('..', import.meta.url));

// A reader that stops early (`biasloop metrics | head`) closes the pipe. Stop quietly with the status
// a shell gives a writer killed by SIGPIPE (128 + 13), as Unix tools do, instead of dying on an
// unhandled EPIPE with a stack trace. Checkpoints keep whatever a long command had computed.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(141);
  throw e;
});

let entry;
if (distIsFresh(root)) {
  entry = `${root}dist/cli/main.js`;
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = `${root}src/cli/main.ts`;
}
const { main } = await import(entry);
process.exitCode = await main(process.argv);
