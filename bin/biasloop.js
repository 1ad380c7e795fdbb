#!/usr/bin/env node
// The biasloop command. Runs the compiled dist/ when it is up to date with src/ (built by `npm ci`
// through the prepare script), and the TypeScript sources through tsx's loader otherwise — so an
// edited checkout never runs stale code. BIASLOOP_FROM_SOURCE=1 forces the sources.
import { fileURLToPath } from 'node:url';
import { distIsFresh } from '../scripts/dist-fresh.js';

const root = fileURLToPath(new URL('..', import.meta.url));

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
