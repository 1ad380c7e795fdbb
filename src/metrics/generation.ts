/**
 * What the generational loop calls once per generation: model metrics on the fixed real test set
 * (`metricRowsForGeneration`, `metricRowsForDataset`) as long-format MetricRows.
 */
import type { Dataset } from '../core/dataset.ts';
import type { MetricRow } from '../results/rows.ts';
import { groupMetrics, type GroupMetricsInput } from './frame.ts';
import { groupAttributesFromDataset } from './groups.ts';

/** Name of the flag row emitted once per empty group (value 1). */
export const GROUP_EMPTY_METRIC = 'group_empty';

export interface GenerationMetricsInput extends GroupMetricsInput {
  readonly run: string;
  readonly generation: number;
}

/**
 * Every requested group metric for one generation as MetricRows: per-group rows carry the group
 * name, values over all rows and disparities over the combined grouping carry group `''`, marginal
 * disparities carry `<attribute>=*`. Also always: `empty_groups` (how many groups have no rows) and
 * one `group_empty` row (value 1) per empty group. With `bootstrap`, every row has ciLow/ciHigh.
 */
export function metricRowsForGeneration(input: GenerationMetricsInput): MetricRow[] {
  const result = groupMetrics(input);
  const rows = result.toRows(input.run, input.generation);
  for (const g of result.emptyGroups) {
    rows.push({
      run: input.run,
      generation: input.generation,
      metric: GROUP_EMPTY_METRIC,
      group: g,
      value: 1,
    });
  }
  return rows;
}

/**
 * `metricRowsForGeneration` for predictions on a Dataset: labels, protected attributes and class
 * names come from the dataset and its schema.
 */
export function metricRowsForDataset(
  input: Omit<GenerationMetricsInput, 'yTrue' | 'groups' | 'classNames'> & { readonly test: Dataset },
): MetricRow[] {
  const { test, ...rest } = input;
  return metricRowsForGeneration({
    ...rest,
    yTrue: test.y,
    groups: groupAttributesFromDataset(test),
    classNames: test.schema.classNames,
  });
}
