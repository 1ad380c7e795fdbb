#!/usr/bin/env node
// The biasloop command. Runs the compiled dist/ when it is up to date with src/ (built by `npm ci`
// through the prepare script), and the TypeScript sources through tsx's loader otherwise — so an
// edited checkout never runs stale code. BIASLOOP_FROM_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Newest modification time of any file under `dir`. */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function distIsFresh() {
  if (process.env.BIASLOOP_FROM_SOURCE === '1') return false;
  const stamp = `${root}dist/.build-stamp`;
  if (!existsSync(stamp) || !existsSync(`${root}dist/cli/main.js`)) return false;
  return statSync(stamp).mtimeMs >= newestMtime(`${root}src`);
}

let entry;
if (distIsFresh()) {
  entry = `${root}dist/cli/main.js`;
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = `${root}src/cli/main.ts`;
}
const { main } = await import(entry);
process.exitCode = await main(process.argv);
