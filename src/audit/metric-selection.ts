/**
 * Which registry metrics an audit reports. The user's list (names, globs, presets) goes through the
 * registry's own resolver, so every metric the registry knows is available; `default` means the
 * audit's default set (AUDIT_GROUP_METRICS + AUDIT_SUMMARY_METRICS). Group metrics (one value per
 * group) become columns with a disparity against the reference; variant and named metrics (one
 * value per attribute) become summary rows. `count` is always reported (it is the group size).
 */
import { BiasloopError } from '../core/errors.ts';
import { resolveMetricNames, type ResolvedMetric } from '../metrics/registry.ts';
import { AUDIT_GROUP_METRICS, AUDIT_SUMMARY_METRICS } from './types.ts';

export interface MetricSelection {
  /** Everything, in order, for the registry plan. */
  readonly resolved: readonly ResolvedMetric[];
  readonly groupMetrics: readonly string[];
  readonly summaryMetrics: readonly string[];
  /** Some metric needs predicted probabilities (mean_score, brier_score, log_loss). */
  readonly needsScores: boolean;
}

export function selectMetrics(names: readonly string[] | undefined, hasScores: boolean): MetricSelection {
  const tokens = (names === undefined || names.length === 0 ? ['default'] : names).flatMap((t) =>
    t.trim() === 'default' ? [...AUDIT_GROUP_METRICS, ...AUDIT_SUMMARY_METRICS] : [t],
  );
  let resolved: ResolvedMetric[];
  try {
    resolved = resolveMetricNames(['count', ...tokens], {
      classNames: ['negative', 'positive'],
      hasScores,
      // Privileged = the attribute's reference group (the AIF360 metrics compare against it).
      hasPrivileged: true,
      field: '--metrics',
    });
  } catch (e) {
    // The registry speaks of its inputs (`proba`); say which flag provides them.
    const m =
      e instanceof BiasloopError ? /^metric '([^']+)' needs predicted probabilities/.exec(e.message) : null;
    if (m !== null) {
      throw new BiasloopError('usage', `metric '${m[1]}' needs scores: use --score COL --threshold T`, {
        field: '--metrics',
      });
    }
    throw e;
  }
  const groupMetrics: string[] = [];
  const summaryMetrics: string[] = [];
  for (const r of resolved) {
    if (r.entry.kind === 'group') groupMetrics.push(r.entry.info.name);
    else summaryMetrics.push(r.entry.info.name);
  }
  return {
    resolved,
    groupMetrics,
    summaryMetrics,
    needsScores: resolved.some((r) => r.entry.info.needsScores),
  };
}
