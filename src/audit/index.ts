/**
 * Group-fairness audit of a predictions file: `auditPredictions(options)` reads the file with
 * DuckDB (CSV, TSV, JSON Lines, JSON, Parquet), maps labels and predictions to binary, and reports
 * per attribute and group every requested registry metric with a bootstrap interval, its disparity
 * against a reference group with a four-fifths verdict, and summary disparities. See docs/audit.md.
 */
import { BiasloopError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { computeAudit } from './compute.ts';
import { openDuck } from './duckdb.ts';
import { resolveReferences } from './groups.ts';
import { selectMetrics } from './metric-selection.ts';
import { prepareCounts } from './prepare.ts';
import { aggregateTuples, checkRoles, describeFile, type ColumnRoles } from './reader.ts';
import { readScoreRows } from './rows.ts';
import { resolveSource } from './source.ts';
import { AUDIT_DEFAULTS, type AuditOptions, type AuditResult } from './types.ts';

export * from './types.ts';
export { auditTables, tableToCsv, type AuditTable } from './format.ts';
export { verdictOf, disparityRatio, disparityDifference } from './verdict.ts';

function usage(message: string, field: string, hint?: string): BiasloopError {
  return new BiasloopError('usage', message, { field, ...(hint !== undefined ? { hint } : {}) });
}

/** Check the options that do not need the file. */
export function validateAuditOptions(o: AuditOptions): void {
  if (o.prediction !== undefined && o.score !== undefined) {
    throw usage('give either --pred (hard predictions) or --score with --threshold, not both', '--pred');
  }
  if (o.prediction === undefined && o.score === undefined) {
    throw usage('say where the predictions are: --pred COL, or --score COL --threshold T', '--pred');
  }
  if (o.score !== undefined && (o.threshold === undefined || !Number.isFinite(o.threshold))) {
    throw usage(`--score needs a finite --threshold (score ≥ threshold predicts positive)`, '--threshold');
  }
  if (o.score === undefined && o.threshold !== undefined) {
    throw usage('--threshold applies to --score only', '--threshold');
  }
  if (o.score !== undefined && o.predictionPositive !== undefined && o.predictionPositive.length > 0) {
    throw usage(
      '--pred-positive applies to --pred only (with --score, score ≥ threshold is positive)',
      '--pred-positive',
    );
  }
  if (o.groups.length === 0) throw usage('name at least one protected attribute with --group COL', '--group');
  const dup = o.groups.find((g, i) => o.groups.indexOf(g) !== i);
  if (dup !== undefined) throw usage(`--group '${dup}' is given twice`, '--group');
  const tol = o.tolerance ?? AUDIT_DEFAULTS.tolerance;
  if (!(tol > 0 && tol <= 1)) throw usage(`--tolerance must lie in (0, 1], got ${tol}`, '--tolerance');
  const resamples = o.resamples ?? AUDIT_DEFAULTS.resamples;
  if (!(Number.isInteger(resamples) && (resamples === 0 || resamples >= 2))) {
    throw usage(`--resamples must be 0 (no intervals) or an integer ≥ 2, got ${resamples}`, '--resamples');
  }
  const conf = o.confidence ?? AUDIT_DEFAULTS.confidence;
  if (!(conf > 0 && conf < 1)) throw usage(`--confidence must lie in (0, 1), got ${conf}`, '--confidence');
  const min = o.minGroupSize ?? AUDIT_DEFAULTS.minGroupSize;
  if (!(Number.isInteger(min) && min >= 0))
    throw usage(`--min-group-size must be an integer ≥ 0, got ${min}`, '--min-group-size');
  const seed = o.seed ?? AUDIT_DEFAULTS.seed;
  if (!Number.isSafeInteger(seed)) throw usage(`--seed must be an integer, got ${seed}`, '--seed');
  const maxGroups = o.maxGroups ?? AUDIT_DEFAULTS.maxGroups;
  if (!(Number.isInteger(maxGroups) && maxGroups >= 1))
    throw usage(`--max-groups must be an integer ≥ 1, got ${maxGroups}`, '--max-groups');
  if (o.where !== undefined && o.where.trim() === '') throw usage('--where is empty', '--where');
}

/** Audit a predictions file. Throws BiasloopError (one-line message) for every input problem. */
export async function auditPredictions(options: AuditOptions): Promise<AuditResult> {
  validateAuditOptions(options);
  const o = {
    tolerance: options.tolerance ?? AUDIT_DEFAULTS.tolerance,
    minGroupSize: options.minGroupSize ?? AUDIT_DEFAULTS.minGroupSize,
    resamples: options.resamples ?? AUDIT_DEFAULTS.resamples,
    confidence: options.confidence ?? AUDIT_DEFAULTS.confidence,
    seed: options.seed ?? AUDIT_DEFAULTS.seed,
    nanPolicy: options.nanPolicy ?? AUDIT_DEFAULTS.nanPolicy,
    maxGroups: options.maxGroups ?? AUDIT_DEFAULTS.maxGroups,
  };
  const selection = selectMetrics(options.metrics, options.score !== undefined);
  const src = resolveSource(options.file, options.format);
  const roles: ColumnRoles = {
    label: options.label,
    prediction: options.prediction,
    score: options.score,
    threshold: options.threshold,
    groups: options.groups,
    where: options.where,
  };
  const session = await openDuck();
  try {
    const schema = await describeFile(session, src, options.where !== undefined);
    checkRoles(roles, schema.columns, src);
    const tuples = await aggregateTuples(session, src, roles, schema);
    const prepared = prepareCounts(tuples, roles, src, {
      labelPositive: options.labelPositive,
      predictionPositive: options.predictionPositive,
      dropMissing: options.dropMissing === true,
      intersect: options.intersect === true,
      maxGroups: o.maxGroups,
    });
    const { coding } = prepared;
    const groupRows = coding.groupings.map((gr) => {
      const rows = new Float64Array(gr.groupNames.length);
      for (let c = 0; c < coding.comboCount; c++) rows[gr.mapping[c]] += prepared.confusion.rows[c];
      return rows;
    });
    const refSpecs =
      options.reference === undefined
        ? []
        : typeof options.reference === 'string'
          ? [options.reference]
          : options.reference;
    const references = resolveReferences(refSpecs, coding.attributes, coding.groupings, groupRows);
    const rowData = selection.needsScores
      ? await readScoreRows(session, src, roles, schema, prepared, prepared.labelValues)
      : undefined;
    const computed = computeAudit({
      confusion: rowData?.confusion ?? prepared.confusion,
      attributes: coding.attributes,
      groupings: coding.groupings,
      references,
      selection,
      tolerance: o.tolerance,
      minGroupSize: o.minGroupSize,
      nanPolicy: o.nanPolicy,
      resamples: o.resamples,
      confidence: o.confidence,
      rng: Rng.stream(o.seed, 'audit', 'bootstrap'),
      rows: rowData?.rows,
    });
    const rows = computed.overall.rows;
    return {
      schema: 'biasloop.audit/1',
      input: {
        file: options.file,
        format: src.format,
        label: { column: options.label, positive: prepared.label.positive },
        prediction:
          options.score !== undefined
            ? { kind: 'score', column: options.score, threshold: options.threshold as number }
            : {
                kind: 'prediction',
                column: options.prediction as string,
                positive: prepared.prediction.positive,
              },
        groups: [...options.groups],
        intersect: options.intersect === true,
        ...(options.where !== undefined ? { where: options.where } : {}),
        rowsRead: prepared.rowsRead,
        rowsFiltered: prepared.rowsFiltered,
        rowsDropped: prepared.rowsDropped,
        rows,
      },
      settings: {
        groupMetrics: selection.groupMetrics,
        summaryMetrics: selection.summaryMetrics,
        tolerance: o.tolerance,
        minGroupSize: o.minGroupSize,
        resamples: o.resamples,
        confidence: o.confidence,
        seed: o.seed,
        nanPolicy: o.nanPolicy,
        bootstrap: computed.bootstrap,
      },
      overall: computed.overall,
      attributes: computed.attributes,
    };
  } finally {
    session.close();
  }
}
