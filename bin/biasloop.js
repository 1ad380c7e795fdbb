#!/usr/bin/env node
// The biasloop command. Runs the TypeScript sources through tsx's loader, so there is no build step
// between `npm ci` and `npx biasloop run`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
