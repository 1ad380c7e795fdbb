import { describe, expect, it } from 'vitest';
import {
  createChartRenderer,
  lineChartSpec,
  lineChartSvg,
  seriesFromRows,
  svgToPng,
  type ChartSeries,
} from '../../src/report/charts.ts';
import { loadVegaRuntime } from '../../src/report/vega-runtime.ts';
import type { MetricRow } from '../../src/results/rows.ts';

const rows: MetricRow[] = [];
for (let g = 0; g < 6; g++) {
  rows.push({
    run: 'replace',
    generation: g,
    metric: 'ratio',
    group: 'simulation',
    value: 0.9 ** g,
    ciLow: 0.9 ** g - 0.02,
    ciHigh: 0.9 ** g + 0.02,
  });
  rows.push({ run: 'replace', generation: g, metric: 'ratio', group: 'theory', value: 0.91 ** g });
  rows.push({ run: 'accumulate', generation: g, metric: 'ratio', group: 'simulation', value: 1 - 0.01 * g });
  rows.push({ run: 'accumulate', generation: g, metric: 'other', group: 'simulation', value: 5 });
}

describe('seriesFromRows', () => {
  it('makes one series per run × group of the metric, sorted by generation, with CI bands', () => {
    const series = seriesFromRows([...rows].reverse(), 'ratio');
    expect(series.map((s) => s.name).sort()).toEqual([
      'accumulate simulation',
      'replace simulation',
      'replace theory',
    ]);
    const sim = series.find((s) => s.name === 'replace simulation') as ChartSeries;
    expect(sim.color).toBe('replace');
    expect(sim.style).toBe('simulation');
    expect(sim.points.map((p) => p.x)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sim.points[2]).toEqual({ x: 2, y: 0.81, low: 0.81 - 0.02, high: 0.81 + 0.02 });
    expect((series.find((s) => s.name === 'replace theory') as ChartSeries).points[0].low).toBeUndefined();
  });
});

describe('line charts (vega-lite → vega SVG → resvg PNG)', () => {
  const options = {
    title: 'Variance ratio by generation',
    yTitle: 'ratio',
    series: seriesFromRows(rows, 'ratio'),
    styleDashes: { theory: [6, 4] },
  };

  it('renders an SVG that names every series in its legend', async () => {
    const svg = await lineChartSvg(options);
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of [
      'Variance ratio by generation',
      'replace',
      'accumulate',
      'simulation',
      'theory',
      'generation',
    ]) {
      expect(svg).toContain(`>${text}</text>`);
    }
    // Two coloured lines for replace (simulation, theory) and one for accumulate, plus one CI band.
    expect((svg.match(/<path[^>]*aria-roledescription="line mark"/g) ?? []).length).toBe(3);
  });

  it('produces the same SVG from the UMD bundles and from the ES modules', async () => {
    const spec = lineChartSpec(options);
    const umd = await loadVegaRuntime('umd');
    const esm = await loadVegaRuntime('esm');
    expect(umd.source).toBe('umd');
    expect(esm.source).toBe('esm');
    const a = await (await createChartRenderer(umd)).svg(spec);
    const b = await (await createChartRenderer(esm)).svg(spec);
    expect(a).toBe(b);
  });

  it('drops non-positive values on a log scale instead of failing', async () => {
    const svg = await lineChartSvg({
      title: 'log',
      yScale: 'log',
      series: [
        {
          name: 's',
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 1e-3 },
            { x: 2, y: 1e-5 },
          ],
        },
      ],
    });
    expect(svg).toContain('<svg');
    const spec = lineChartSpec({
      title: 'log',
      yScale: 'log',
      series: [
        {
          name: 's',
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
      ],
    });
    expect((spec as { data: { values: unknown[] } }).data.values).toHaveLength(1);
  });

  it('rasterises to a PNG', async () => {
    const png = await svgToPng(await lineChartSvg(options), { scale: 1 });
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.length).toBeGreaterThan(5000);
  });
});
