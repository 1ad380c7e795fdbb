/**
 * Charts of a theory result (simulation versus theory) through the generic chart module.
 * Colour = the run (strategy) when there are several, plus the population group when the metric is
 * per group; style = the series kind: simulation solid, theory dashed, single seeds dotted.
 */
import {
  createChartRenderer,
  lineChartSpec,
  seriesFromRows,
  svgToPng,
  type ChartSeries,
} from '../report/charts.ts';
import type { MetricRow } from '../results/rows.ts';
import { parseSeriesGroup, SIMULATION, THEORY, type TheoryChart, type TheoryResult } from './result.ts';

const STYLE_DASHES = { [SIMULATION]: [1, 0], [THEORY]: [6, 4], 'single seed': [2, 3] } as const;

export function theoryChartSeries(result: TheoryResult, chart: TheoryChart): ChartSeries[] {
  const multiRun = result.runs.length > 1;
  const rows: MetricRow[] = result.runs.flatMap((r) => r.rows);
  return seriesFromRows(rows, chart.metric, (row) => {
    const { series, groupName } = parseSeriesGroup(row.group);
    const style = series === SIMULATION || series === THEORY ? series : 'single seed';
    const colorParts = [multiRun ? row.run : '', groupName].filter((s) => s !== '');
    return {
      name: `${row.run}|${row.group}`,
      color: colorParts.length > 0 ? colorParts.join(' ') : series === THEORY ? 'closed form' : 'simulated',
      style,
    };
  });
}

export interface RenderedChart {
  readonly file: string;
  readonly svg: string;
  readonly png?: Uint8Array;
}

/** Render every chart of a result to SVG (and PNG when asked). */
export async function renderTheoryCharts(
  result: TheoryResult,
  options: { png?: boolean } = {},
): Promise<RenderedChart[]> {
  const out: RenderedChart[] = [];
  const renderer = await createChartRenderer();
  for (const chart of result.charts) {
    const series = theoryChartSeries(result, chart);
    if (series.length === 0) continue;
    const svg = await renderer.svg(
      lineChartSpec({
        title: chart.title,
        series,
        yTitle: chart.yTitle,
        ...(chart.yScale === undefined ? {} : { yScale: chart.yScale }),
        colorTitle: result.runs.length > 1 ? 'run' : 'series',
        styleTitle: 'kind',
        styleDashes: STYLE_DASHES,
      }),
    );
    out.push({ file: chart.file, svg, ...(options.png === true ? { png: await svgToPng(svg) } : {}) });
  }
  return out;
}
