/**
 * Theory-layer benchmark: the models in process, chart rendering, and whole `biasloop theory …`
 * processes (what a user waits for). Standalone: `npx tsx bench/theory.ts`; the lead wires
 * `runTheoryBench` into bench/run.ts. The numpy peer (bench/peers/theory_peer.py) runs the same
 * Gaussian-replace and Wright–Fisher simulations for comparison.
 */
import type { BenchMeasurement } from './common.ts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createChartRenderer, lineChartSpec, svgToPng } from '../src/report/charts.ts';
import { loadVegaRuntime } from '../src/report/vega-runtime.ts';
import { runGaussian } from '../src/theory/gaussian-run.ts';
import { runLinreg } from '../src/theory/linreg.ts';
import { theoryChartSeries } from '../src/theory/charts.ts';
import { runWmle } from '../src/theory/wmle-run.ts';
import { runWrightFisher } from '../src/theory/wright-fisher.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeMs(fn: () => unknown, repeats: number): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return medianOf(times);
}

async function timeAsyncMs(fn: () => Promise<unknown>, repeats: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return medianOf(times);
}

/** Wall time of a whole CLI process (median of `repeats`). */
function cliSeconds(args: readonly string[], repeats: number): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'biasloop.js'), ...args], { encoding: 'utf8' });
    times.push((performance.now() - t0) / 1000);
    if (r.status !== 0) throw new Error(`biasloop ${args.join(' ')} failed: ${r.stderr}`);
  }
  return medianOf(times);
}

export async function runTheoryBench(options: { repeats?: number } = {}): Promise<BenchMeasurement[]> {
  const repeats = options.repeats ?? 5;
  const out: BenchMeasurement[] = [];
  const ms = (name: string, value: number, note?: string): void => {
    out.push({
      name,
      value: Math.round(value * 10) / 10,
      unit: 'ms',
      ...(note === undefined ? {} : { note }),
    });
  };

  ms(
    'theory.wmle.population (G=10)',
    timeMs(() => runWmle({}), repeats),
  );
  ms(
    'theory.wmle.sampled (N=10,000, G=10)',
    timeMs(() => runWmle({ mode: 'sampled' }), repeats),
    '11 weighted Newton fits, 220k gamma draws',
  );
  ms(
    'theory.gaussian default (3 strategies, 1000 seeds, n=100, G=50)',
    timeMs(() => runGaussian({}), 1),
  );
  ms(
    'theory.gaussian replace only (1000 seeds, n=100, G=50)',
    timeMs(() => runGaussian({ strategies: ['replace'] }), 3),
  );
  ms(
    'theory.linreg default (2 strategies, 500 seeds, d=10, T=100, G=20)',
    timeMs(() => runLinreg({}), 1),
  );
  ms(
    'theory.wright-fisher default (K=4, N=100, G=100, 1000 seeds + exact chain)',
    timeMs(() => runWrightFisher({}), 1),
  );

  ms('charts.load vega+vega-lite (UMD bundles)', await timeAsyncMs(() => loadVegaRuntime('umd'), 3));
  ms(
    'charts.load vega+vega-lite (ES modules, first load in this process)',
    await timeAsyncMs(() => loadVegaRuntime('esm'), 1),
  );
  const wf = runWrightFisher({ seeds: 200 });
  const renderer = await createChartRenderer(await loadVegaRuntime('umd'));
  const spec = lineChartSpec({ title: 'vanished', series: theoryChartSeries(wf, wf.charts[3]) });
  ms(
    'charts.render one SVG (8 series × 100 generations)',
    await timeAsyncMs(() => renderer.svg(spec), repeats),
  );
  const svg = await renderer.svg(spec);
  ms('charts.rasterise one PNG (scale 2)', await timeAsyncMs(() => svgToPng(svg), repeats));

  const dir = mkdtempSync(join(tmpdir(), 'biasloop-bench-theory-'));
  try {
    const s = (name: string, args: string[]): void => {
      out.push({
        name,
        value: Math.round(cliSeconds(args, 3) * 100) / 100,
        unit: 's',
        note: 'whole process, median of 3',
      });
    };
    s('cli: biasloop --version (startup floor)', ['--version']);
    s('cli: biasloop theory wmle --no-write', ['theory', 'wmle', '--no-write']);
    s('cli: biasloop theory wmle (writes results + 2 SVG charts)', ['theory', 'wmle', '--out', dir]);
    s('cli: biasloop theory wmle --png', ['theory', 'wmle', '--png', '--out', dir]);
    s('cli: biasloop theory wmle --mode sampled', ['theory', 'wmle', '--mode', 'sampled', '--out', dir]);
    s('cli: biasloop theory gaussian', ['theory', 'gaussian', '--out', dir]);
    s('cli: biasloop theory linreg', ['theory', 'linreg', '--out', dir]);
    s('cli: biasloop theory wright-fisher', ['theory', 'wright-fisher', '--out', dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const r of await runTheoryBench()) {
    console.log(
      `${r.name.padEnd(84)} ${String(r.value).padStart(9)} ${r.unit}${r.note === undefined ? '' : `  (${r.note})`}`,
    );
  }
}
