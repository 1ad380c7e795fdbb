// Whether the compiled dist/ is up to date with src/: built (dist/.build-stamp, written by
// scripts/build.js after tsc) no earlier than the newest file under src/. bin/biasloop.js runs dist/
// only then, and the TypeScript sources through tsx otherwise, so an edited checkout never runs stale
// code; BIASLOOP_FROM_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';

/** Newest modification time of any file under `dir`. */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** `root`: the package directory, with a trailing slash. */
export function distIsFresh(root) {
  if (process.env.BIASLOOP_FROM_SOURCE === '1') return false;
  const stamp = `${root}dist/.build-stamp`;
  if (!existsSync(stamp) || !existsSync(`${root}dist/cli/main.js`)) return false;
  return statSync(stamp).mtimeMs >= newestMtime(`${root}src`);
}
