/**
 * What the loop measures each generation, as long-format MetricRows:
 *
 * - `<test>.<metric>` on each fixed real test set from the metrics registry (`metrics.select`, per
 *   group and overall, with bootstrap CIs when asked), plus `<test>.group_empty` / `empty_groups`;
 * - `train.*`: size, synthetic share, and group share / positive rate per group of D_g;
 * - `synthetic.*`: what S_g contains (group shares, per-group positive rates, label–group association)
 *   and how far it is from the real training data (registry's `syntheticSetMetrics`);
 * - `model.*`: the fit's convergence diagnostics.
 * A vanished group shows share 0 and undefined rates (NaN): it never looks "fair".
 */
import type { Dataset } from '../core/dataset.ts';
import type { Rng } from '../core/rng.ts';
import { metricRowsForDataset } from '../metrics/generation.ts';
import { syntheticSetMetrics } from '../metrics/synthetic.ts';
import type { FitReport } from '../models/types.ts';
import type { MetricRow } from '../results/rows.ts';
import type { ExperimentSpecResolved } from '../spec/schema.ts';

export interface Predictions {
  readonly testName: string;
  readonly data: Dataset;
  readonly predicted: Int32Array;
  /** Class probabilities, row-major n × classes. */
  readonly proba: Float64Array;
}

export interface GenerationMeasurements {
  readonly run: string;
  readonly generation: number;
  readonly predictions: readonly Predictions[];
  readonly training: Dataset;
  /** The real training data D (reference for the synthetic-set distances). */
  readonly real: Dataset;
  /** S_g (absent at generation 0). */
  readonly synthetic?: Dataset;
  readonly fit: FitReport;
  readonly metrics: ExperimentSpecResolved['metrics'];
  /** Stream for the bootstrap and the MMD subsample. */
  readonly rng: Rng;
  /** One MMD kernel bandwidth for the whole run (see `realDataBandwidth`). */
  readonly mmdBandwidth?: number;
}

export function measureGeneration(m: GenerationMeasurements): MetricRow[] {
  const rows: MetricRow[] = [];
  const push = (metric: string, group: string, value: number): void => {
    rows.push({ run: m.run, generation: m.generation, metric, group, value });
  };
  for (const p of m.predictions) {
    const testRows = metricRowsForDataset({
      run: m.run,
      generation: m.generation,
      test: p.data,
      yPred: p.predicted,
      proba: p.proba,
      metrics: m.metrics.select,
      ...(m.metrics.privileged ? { privileged: m.metrics.privileged } : {}),
      ...(m.metrics.bootstrap.resamples > 0
        ? {
            bootstrap: {
              rng: m.rng.fork('bootstrap', p.testName),
              resamples: m.metrics.bootstrap.resamples,
              level: m.metrics.bootstrap.level,
            },
          }
        : {}),
    });
    for (const r of testRows) rows.push({ ...r, metric: `${p.testName}.${r.metric}` });
  }
  shareRows(m.training, 'train', push);
  if (m.synthetic) {
    if (m.metrics.synthetic) {
      for (const r of syntheticSetMetrics({
        run: m.run,
        generation: m.generation,
        synthetic: m.synthetic,
        real: m.real,
        rng: m.rng.fork('synthetic'),
        ...(m.mmdBandwidth !== undefined ? { mmdBandwidth: m.mmdBandwidth } : {}),
      })) {
        rows.push(r);
      }
    } else {
      shareRows(m.synthetic, 'synthetic', push);
    }
  }
  push('model.converged', '', m.fit.converged ? 1 : 0);
  push('model.iterations', '', m.fit.iterations);
  if (m.fit.objective !== undefined) push('model.objective', '', m.fit.objective);
  return rows;
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : NaN);

function shareRows(
  ds: Dataset,
  prefix: string,
  push: (metric: string, group: string, value: number) => void,
): void {
  const names = ds.schema.groupNames;
  const G = names.length;
  const count = new Float64Array(G);
  const pos = new Float64Array(G);
  let synthetic = 0;
  for (let i = 0; i < ds.n; i++) {
    count[ds.group[i]]++;
    pos[ds.group[i]] += ds.y[i];
    synthetic += ds.provenance.source[i];
  }
  push(`${prefix}.size`, '', ds.n);
  if (prefix === 'train') push(`${prefix}.synthetic_share`, '', ratio(synthetic, ds.n));
  let posTotal = 0;
  for (let g = 0; g < G; g++) posTotal += pos[g];
  push(`${prefix}.positive_rate`, '', ratio(posTotal, ds.n));
  for (let g = 0; g < G; g++) {
    push(`${prefix}.group_share`, names[g], ds.n > 0 ? count[g] / ds.n : NaN);
    push(`${prefix}.positive_rate`, names[g], ratio(pos[g], count[g]));
  }
}
