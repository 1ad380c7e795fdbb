/**
 * Loading vega and vega-lite fast enough for a one-second CLI.
 *
 * Importing vega's ES-module graph (~200 modules) costs 0.3 s on a quiet machine and 1–2 s through
 * the tsx loader on a busy one, more than the whole budget of `biasloop theory wmle`. Both packages
 * also ship self-contained UMD bundles (vega/build/vega.js, vega-lite/build/vega-lite.min.js), which
 * load in ~0.1 s because there is no module graph to resolve. We evaluate those bundles with
 * `node:vm` `compileFunction` as CommonJS modules (vega-lite's bundle asks for `vega`, which we hand
 * it), and fall back to the ES-module import when a bundle is missing. Both routes produce the same
 * SVG byte for byte (checked in test/report/charts.test.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compileFunction } from 'node:vm';
import type * as VegaNamespace from 'vega';
import type * as VegaLiteNamespace from 'vega-lite';

export type VegaModule = typeof VegaNamespace;
export type VegaLiteModule = typeof VegaLiteNamespace;

export interface VegaRuntime {
  readonly vega: VegaModule;
  readonly vegaLite: VegaLiteModule;
  /** 'umd' (the fast bundles) or 'esm' (the package entry points). */
  readonly source: 'umd' | 'esm';
}

function loadUmd(file: string, deps: Readonly<Record<string, unknown>>): unknown {
  const factory = compileFunction(readFileSync(file, 'utf8'), ['exports', 'module', 'require'], {
    filename: file,
  });
  const module = { exports: {} as Record<string, unknown> };
  const requireDep = (name: string): unknown => {
    if (name in deps) return deps[name];
    throw new Error(`${file} requires '${name}', which the UMD loader does not provide`);
  };
  factory.call(module.exports, module.exports, module, requireDep);
  return module.exports;
}

/** Load vega and vega-lite; `prefer: 'esm'` forces the package entry points. */
export async function loadVegaRuntime(prefer: 'umd' | 'esm' = 'umd'): Promise<VegaRuntime> {
  if (prefer === 'umd') {
    const require = createRequire(import.meta.url);
    const vegaFile = join(dirname(require.resolve('vega')), 'vega.js');
    const vegaLiteFile = join(dirname(require.resolve('vega-lite')), 'vega-lite.min.js');
    if (existsSync(vegaFile) && existsSync(vegaLiteFile)) {
      const vega = loadUmd(vegaFile, {}) as VegaModule;
      const vegaLite = loadUmd(vegaLiteFile, { vega }) as VegaLiteModule;
      if (typeof vega.View === 'function' && typeof vegaLite.compile === 'function') {
        return { vega, vegaLite, source: 'umd' };
      }
    }
  }
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  return { vega, vegaLite, source: 'esm' };
}
