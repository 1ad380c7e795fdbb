/**
 * Expanding an experiment into runs: the `sweep` grid (every combination of the listed values, in a
 * fixed order) times the seeds. Each run gets a stable id, a hash of its resolved spec and seed, so the
 * same run is never computed twice and a results directory can be resumed by anyone.
 */
import { sha256 } from '../core/files.ts';
import { BiasloopError, closestMatch } from '../core/errors.ts';
import { setPath, validateSpec, type RawSpec } from './load.ts';
import { ExperimentSpec, type ExperimentSpecResolved, type RunSpec } from './schema.ts';

/** JSON with object keys sorted, so equal specs hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export interface PlannedRun {
  readonly id: string;
  /** `strategy=preserve(rho=0.1) seed=3`: the sweep values and the seed. */
  readonly label: string;
  /** The sweep values that define this run's variant (empty without a sweep). */
  readonly variant: Readonly<Record<string, unknown>>;
  readonly spec: RunSpec;
}

export interface ExperimentPlan {
  readonly id: string;
  readonly name: string;
  readonly resolved: ExperimentSpecResolved;
  readonly runs: readonly PlannedRun[];
}

export function seedList(spec: ExperimentSpecResolved): number[] {
  return Array.isArray(spec.seeds)
    ? [...spec.seeds]
    : Array.from({ length: spec.seeds }, (_, i) => spec.seed + i);
}

/** Short text for a sweep value: `preserve(rho=0.1)` for `{kind: preserve, rho: 0.1}`. */
export function describeValue(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `[${v.map(describeValue).join(',')}]`;
  const obj = v as Record<string, unknown>;
  const { kind, source, ...rest } = obj;
  const head = kind ?? source;
  const inner = Object.keys(rest)
    .sort()
    .map((k) => `${k}=${describeValue(rest[k])}`)
    .join(',');
  if (head !== undefined) return inner ? `${String(head)}(${inner})` : String(head);
  return `{${inner}}`;
}

/** The hash that identifies a run: its resolved spec (without name/description) and its seed. */
export function runId(spec: RunSpec): string {
  const { name: _n, description: _d, ...identity } = spec;
  return sha256(canonicalJson(identity)).slice(0, 12);
}

/** Expand a validated raw spec into its runs. */
export function planExperiment(raw: RawSpec, source = 'spec'): ExperimentPlan {
  const resolved = validateSpec(raw, source);
  const sweep = resolved.sweep ?? {};
  const paths = Object.keys(sweep);
  const topLevel = Object.keys(ExperimentSpec.shape);
  for (const p of paths) {
    const head = p.split('.')[0];
    if (head === 'sweep' || head === 'seeds' || head === 'seed') {
      throw new BiasloopError(
        'spec',
        `${source}: sweep.${p}: cannot sweep over '${head}' (use seeds for repetitions)`,
      );
    }
    if (!topLevel.includes(head)) {
      const suggestion = closestMatch(head, topLevel);
      throw new BiasloopError(
        'spec',
        `${source}: sweep.${p}: '${head}' is not a spec field` +
          (suggestion ? ` (did you mean '${suggestion}'?)` : ''),
      );
    }
  }
  // Cartesian product in the order the paths and values were written.
  let combos: Record<string, unknown>[] = [{}];
  for (const p of paths) {
    const next: Record<string, unknown>[] = [];
    for (const c of combos) for (const v of sweep[p]) next.push({ ...c, [p]: v });
    combos = next;
  }
  const { sweep: _sweep, ...base } = raw;
  const seeds = seedList(resolved);
  const runs: PlannedRun[] = [];
  const seen = new Set<string>();
  combos.forEach((combo, ci) => {
    const variantRaw = structuredClone(base) as RawSpec;
    for (const [p, v] of Object.entries(combo)) setPath(variantRaw, p.split('.'), structuredClone(v));
    const variant = validateSpec(variantRaw, `${source} (sweep point ${ci + 1}: ${describeCombo(combo)})`);
    const { sweep: _s, seeds: _seeds, ...fixed } = variant;
    for (const seed of seeds) {
      const spec: RunSpec = { ...fixed, runSeed: seed };
      const id = runId(spec);
      if (seen.has(id)) continue; // two sweep points that resolve to the same run
      seen.add(id);
      const label = [describeCombo(combo), `seed=${seed}`].filter((s) => s !== '').join(' ');
      runs.push({ id, label, variant: combo, spec });
    }
  });
  const name = resolved.name;
  const id = `${name}-${sha256(canonicalJson({ ...resolved, name: undefined, description: undefined })).slice(0, 10)}`;
  return { id, name, resolved, runs };
}

function describeCombo(combo: Record<string, unknown>): string {
  return Object.entries(combo)
    .map(([k, v]) => `${k}=${describeValue(v)}`)
    .join(' ');
}
