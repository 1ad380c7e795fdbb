import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BiasloopError } from '../../src/core/errors.ts';
import { experimentJsonSchema, experimentSpecMarkdown } from '../../src/spec/json-schema.ts';
import { applyOverrides, parseSpecText, validateSpec } from '../../src/spec/load.ts';
import { listPresets, presetSpec } from '../../src/spec/presets.ts';
import { canonicalJson, planExperiment } from '../../src/spec/sweep.ts';

const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof BiasloopError) return e.message;
    throw e;
  }
  throw new Error('expected a BiasloopError');
};

describe('spec validation', () => {
  it('fills every default', () => {
    const s = validateSpec({});
    expect(s.generations).toBe(10);
    expect(s.strategy).toEqual({ kind: 'replace' });
    expect(s.data).toMatchObject({ source: 'synthetic', n: 2000, minorityShare: 0.3 });
    expect(s.model).toMatchObject({ kind: 'logistic', update: 'retrain', overfit: false });
  });

  it('names an unknown key and suggests the closest valid one, at any depth and in any union branch', () => {
    expect(messageOf(() => validateSpec({ generatons: 3 }))).toBe(
      "spec: unknown key 'generatons' at generatons (did you mean 'generations'?)",
    );
    expect(messageOf(() => validateSpec({ strategy: { kind: 'preserve', rh: 0.2 } }))).toBe(
      "spec: unknown key 'rh' at strategy.rh (did you mean 'rho'?)",
    );
    expect(
      messageOf(() =>
        validateSpec({
          data: { source: 'csv', path: 'x', label: { column: 'y', postive: ['1'] }, protected: ['s'] },
        }),
      ),
    ).toBe("spec: unknown key 'postive' at data.label.postive (did you mean 'positive'?)");
  });

  it('names an invalid choice and suggests the closest', () => {
    expect(messageOf(() => validateSpec({ strategy: { kind: 'acumulate' } }))).toBe(
      "spec: strategy.kind: 'acumulate' is not valid; expected one of replace, accumulate, accumulate-subsample, preserve, mix, fresh (did you mean 'accumulate'?)",
    );
    expect(messageOf(() => validateSpec({ seeds: 'many' }))).toBe('spec: seeds: expected number or array');
    expect(messageOf(() => validateSpec({ strategy: { kind: 'preserve', rho: 2 } }))).toMatch(
      /^spec: strategy.rho: Too big: expected number to be <=1/,
    );
  });

  it('reports YAML syntax errors with line and column', () => {
    expect(messageOf(() => parseSpecText('generations: 3\nstrategy: {kind: replace\n', 'bad.yaml'))).toMatch(
      /^bad.yaml:\d+:\d+: invalid YAML\/JSON: /,
    );
    expect(messageOf(() => parseSpecText('- 1\n- 2\n', 'list.yaml'))).toBe(
      'list.yaml: a spec must be a mapping of fields (e.g. `generations: 10`)',
    );
  });

  it('applies --set overrides as YAML values', () => {
    const raw = applyOverrides({ data: { source: 'synthetic' }, strategy: { kind: 'replace' } }, [
      'generations=4',
      'strategy={kind: mix, ratio: 0.3}',
      'data.n=500',
    ]);
    const s = validateSpec(raw);
    expect(s.generations).toBe(4);
    expect(s.strategy).toEqual({ kind: 'mix', ratio: 0.3, mode: 'fixed-total' });
    expect(messageOf(() => applyOverrides({}, ['generations']))).toMatch(
      /--set 'generations' must look like key.path=value/,
    );
  });
});

describe('sweep expansion', () => {
  const raw = {
    name: 'grid',
    seeds: 2,
    sweep: {
      strategy: [{ kind: 'replace' }, { kind: 'preserve', rho: 0.2 }],
      'sampling.temperature': [1, 0.5],
    },
  };

  it('expands the grid × seeds in a fixed order with stable, distinct ids', () => {
    const plan = planExperiment(raw);
    expect(plan.runs.map((r) => r.label)).toEqual([
      'strategy=replace sampling.temperature=1 seed=0',
      'strategy=replace sampling.temperature=1 seed=1',
      'strategy=replace sampling.temperature=0.5 seed=0',
      'strategy=replace sampling.temperature=0.5 seed=1',
      'strategy=preserve(rho=0.2) sampling.temperature=1 seed=0',
      'strategy=preserve(rho=0.2) sampling.temperature=1 seed=1',
      'strategy=preserve(rho=0.2) sampling.temperature=0.5 seed=0',
      'strategy=preserve(rho=0.2) sampling.temperature=0.5 seed=1',
    ]);
    expect(new Set(plan.runs.map((r) => r.id)).size).toBe(8);
    expect(planExperiment(structuredClone(raw)).runs.map((r) => r.id)).toEqual(plan.runs.map((r) => r.id));
    expect(plan.runs[4].spec.strategy).toEqual({ kind: 'preserve', rho: 0.2 });
    expect(plan.runs[2].spec.sampling.temperature).toBe(0.5);
  });

  it('gives a run the same id whatever the key order or the experiment name, and a new id when anything changes', () => {
    const a = planExperiment({ name: 'a', generations: 3, strategy: { kind: 'mix', ratio: 0.5 } }).runs[0].id;
    const b = planExperiment({ strategy: { ratio: 0.5, kind: 'mix' }, generations: 3, name: 'b' }).runs[0].id;
    const c = planExperiment({ generations: 3, strategy: { kind: 'mix', ratio: 0.25 } }).runs[0].id;
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] })).toBe('{"a":[2,{"c":2,"d":1}],"b":1}');
  });

  it('rejects sweeps over unknown fields or invalid values, naming the sweep point', () => {
    expect(messageOf(() => planExperiment({ sweep: { strategie: [{ kind: 'replace' }] } }))).toBe(
      "spec: sweep.strategie: 'strategie' is not a spec field (did you mean 'strategy'?)",
    );
    expect(
      messageOf(() =>
        planExperiment({ sweep: { 'strategy.rho': [0.1, 5] }, strategy: { kind: 'preserve' } }),
      ),
    ).toMatch(/^spec \(sweep point 2: strategy.rho=5\): strategy.rho: Too big/);
  });

  it('every preset validates', () => {
    for (const p of listPresets()) expect(planExperiment(presetSpec(p.name)).runs.length).toBeGreaterThan(0);
    expect(planExperiment(presetSpec('quickstart')).runs).toHaveLength(12);
  });
});

describe('JSON Schema and docs/spec.md', () => {
  it('exports a JSON Schema with defaults and descriptions', () => {
    const schema = experimentJsonSchema() as {
      properties: Record<string, { default?: unknown; description?: string }>;
    };
    expect(schema.properties.generations.default).toBe(10);
    expect(schema.properties.generations.description).toMatch(/Generations/);
  });

  it('docs/spec.md is the generated reference (run `biasloop schema --markdown > docs/spec.md`)', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'spec.md'), 'utf8');
    expect(doc).toBe(experimentSpecMarkdown());
  });
});
