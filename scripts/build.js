#!/usr/bin/env node
// Compile src/ to dist/ (tsc), then write dist/.build-stamp. bin/biasloop.js runs dist/ only while no
// file under src/ is newer than the stamp, so an edited checkout falls back to the sources (tsx).
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  // Installed without devDependencies (as a dependency from the registry, dist/ ships prebuilt).
  process.exit(0);
}
rmSync(`${root}dist`, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
writeFileSync(`${root}dist/.build-stamp`, `${new Date().toISOString()}\n`);
