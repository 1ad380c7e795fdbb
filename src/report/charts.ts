/**
 * Line charts of metrics over generations, as static files: a Vega-Lite spec compiled by `vega-lite`,
 * rendered to SVG by a headless `vega` View (renderer 'none' + `toSVG()`, no canvas) and rasterised to
 * PNG by `@resvg/resvg-js`. Generic: series are lists of (x, y, optional low/high band) points; each
 * series has a colour key and a style key (solid / dashed / dotted …), so e.g. "simulation" and
 * "theory" of one strategy share a colour and differ in dash. `seriesFromRows` builds series from the
 * long-format `MetricRow`s every layer reports.
 *
 * vega, vega-lite and resvg are loaded lazily, only when a chart is drawn (see vega-runtime.ts for
 * how vega loads in ~0.1 s).
 */
import { existsSync } from 'node:fs';
import type { TopLevelSpec } from 'vega-lite';
import type { MetricRow } from '../results/rows.ts';
import { loadVegaRuntime, type VegaRuntime } from './vega-runtime.ts';

export interface ChartPoint {
  readonly x: number;
  readonly y: number;
  /** Optional band (e.g. a 95% CI) drawn as a translucent area around the line. */
  readonly low?: number;
  readonly high?: number;
}

export interface ChartSeries {
  /** Unique series name (one line). */
  readonly name: string;
  /** Colour key: series with the same key share a colour (default: the name). */
  readonly color?: string;
  /** Style key: series with the same key share a dash pattern (default: 'solid'). */
  readonly style?: string;
  readonly points: readonly ChartPoint[];
}

export interface LineChartOptions {
  readonly title: string;
  readonly series: readonly ChartSeries[];
  readonly xTitle?: string;
  readonly yTitle?: string;
  readonly yScale?: 'linear' | 'log' | 'symlog';
  readonly width?: number;
  readonly height?: number;
  readonly colorTitle?: string;
  readonly styleTitle?: string;
  /** Dash pattern per style key, e.g. `{ theory: [6, 4] }`; unlisted styles get defaults in order. */
  readonly styleDashes?: Readonly<Record<string, readonly number[]>>;
}

const DEFAULT_DASHES: readonly (readonly number[])[] = [
  [1, 0],
  [6, 4],
  [2, 3],
  [8, 3, 2, 3],
  [4, 2],
];

interface FlatPoint {
  series: string;
  color: string;
  style: string;
  x: number;
  y: number;
  low: number | null;
  high: number | null;
}

/** The Vega-Lite spec of a line chart (a band layer under a line layer). */
export function lineChartSpec(o: LineChartOptions): TopLevelSpec {
  const log = o.yScale === 'log';
  const values: FlatPoint[] = [];
  const styles: string[] = [];
  const colors: string[] = [];
  for (const s of o.series) {
    const style = s.style ?? 'solid';
    const color = s.color ?? s.name;
    if (!styles.includes(style)) styles.push(style);
    if (!colors.includes(color)) colors.push(color);
    for (const p of s.points) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y) || (log && p.y <= 0)) continue;
      const band =
        p.low !== undefined &&
        p.high !== undefined &&
        Number.isFinite(p.low) &&
        Number.isFinite(p.high) &&
        (!log || p.low > 0);
      values.push({
        series: s.name,
        color,
        style,
        x: p.x,
        y: p.y,
        low: band ? (p.low as number) : null,
        high: band ? (p.high as number) : null,
      });
    }
  }
  let next = 0;
  const dashes = styles.map((s) => {
    const given = o.styleDashes?.[s];
    if (given !== undefined) return [...given];
    return [...DEFAULT_DASHES[next++ % DEFAULT_DASHES.length]];
  });
  const yScale = { type: o.yScale ?? 'linear', zero: false };
  const x = {
    field: 'x',
    type: 'quantitative',
    title: o.xTitle ?? 'generation',
    axis: { tickMinStep: 1 },
  } as const;
  const color = {
    field: 'color',
    type: 'nominal',
    title: o.colorTitle ?? 'series',
    scale: { domain: colors },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: o.title,
    width: o.width ?? 560,
    height: o.height ?? 320,
    background: 'white',
    data: { values },
    layer: [
      {
        transform: [{ filter: 'datum.low != null && datum.high != null' }],
        mark: { type: 'area', opacity: 0.15 },
        encoding: {
          x,
          y: { field: 'low', type: 'quantitative', scale: yScale },
          y2: { field: 'high' },
          color,
          detail: { field: 'series', type: 'nominal' },
        },
      },
      {
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x,
          y: { field: 'y', type: 'quantitative', title: o.yTitle ?? '', scale: yScale },
          color,
          strokeDash: {
            field: 'style',
            type: 'nominal',
            title: o.styleTitle ?? 'style',
            scale: { domain: styles, range: dashes },
          },
          detail: { field: 'series', type: 'nominal' },
        },
      },
    ],
    config: {
      font: 'DejaVu Sans, Arial, sans-serif',
      legend: { labelLimit: 320, symbolType: 'stroke', symbolStrokeWidth: 2, symbolOpacity: 1 },
    },
  } as TopLevelSpec;
}

export interface ChartRenderer {
  /** Render a Vega-Lite spec to SVG text (headless, no canvas). */
  svg(spec: TopLevelSpec): Promise<string>;
}

/** Load vega once and render many charts with it. */
export async function createChartRenderer(runtime?: VegaRuntime): Promise<ChartRenderer> {
  const { vega, vegaLite } = runtime ?? (await loadVegaRuntime());
  const silent = vega.logger(vega.None);
  return {
    async svg(spec: TopLevelSpec): Promise<string> {
      const compiled = vegaLite.compile(spec, { logger: silent }).spec;
      const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger: silent });
      try {
        return await view.toSVG();
      } finally {
        view.finalize();
      }
    },
  };
}

/** Render one Vega-Lite spec to SVG text (loads vega; use `createChartRenderer` for many charts). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  return (await createChartRenderer()).svg(spec);
}

const DEJAVU_FILES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
];

/** Rasterise SVG text to PNG bytes (white background; `scale` 2 for high-DPI). */
export async function svgToPng(svg: string, options: { scale?: number } = {}): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  // Scanning every system font costs ~50 ms; DejaVu Sans (the charts' font) alone is enough when present.
  const fontFiles = DEJAVU_FILES.filter((f) => existsSync(f));
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: options.scale ?? 2 },
    background: 'white',
    font:
      fontFiles.length > 0
        ? { fontFiles, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' }
        : { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** Render a line chart straight to SVG. */
export async function lineChartSvg(o: LineChartOptions): Promise<string> {
  return renderSvg(lineChartSpec(o));
}

export interface SeriesKey {
  readonly name: string;
  readonly color?: string;
  readonly style?: string;
}

/**
 * Series of one metric from long-format rows, one per distinct key (default: one per run × group,
 * coloured by run and styled by group). x is the generation; the row's CI becomes the band.
 */
export function seriesFromRows(
  rows: readonly MetricRow[],
  metric: string,
  keyOf: (row: MetricRow) => SeriesKey = (r) => ({
    name: `${r.run} ${r.group}`.trim(),
    color: r.run,
    style: r.group || 'value',
  }),
): ChartSeries[] {
  const bySeries = new Map<string, { key: SeriesKey; points: ChartPoint[] }>();
  for (const r of rows) {
    if (r.metric !== metric) continue;
    const key = keyOf(r);
    let entry = bySeries.get(key.name);
    if (entry === undefined) {
      entry = { key, points: [] };
      bySeries.set(key.name, entry);
    }
    entry.points.push({
      x: r.generation,
      y: r.value,
      ...(r.ciLow !== undefined && r.ciHigh !== undefined ? { low: r.ciLow, high: r.ciHigh } : {}),
    });
  }
  return [...bySeries.values()].map(({ key, points }) => ({
    name: key.name,
    ...(key.color === undefined ? {} : { color: key.color }),
    ...(key.style === undefined ? {} : { style: key.style }),
    points: points.sort((a, b) => a.x - b.x),
  }));
}
