/** Public API of the report layer: static charts (Vega-Lite → SVG/PNG) and plain-text tables. */
export {
  lineChartSpec,
  lineChartSvg,
  renderSvg,
  seriesFromRows,
  svgToPng,
  type ChartPoint,
  type ChartSeries,
  type LineChartOptions,
  type SeriesKey,
} from './charts.ts';
export { formatSignificant, formatTextTable } from './text-table.ts';
