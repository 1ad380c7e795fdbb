/**
 * Built-in experiment presets, kept as YAML text so `biasloop presets --show <name>` prints a spec a
 * user can copy, edit and run.
 */
import { BiasloopError, didYouMean } from '../core/errors.ts';
import { parseSpecText, type RawSpec } from './load.ts';

export interface Preset {
  readonly name: string;
  readonly summary: string;
  readonly yaml: string;
}

const PRESETS: readonly Preset[] = [
  {
    name: 'quickstart',
    summary: 'Synthetic tabular benchmark: 4 strategies × 10 generations × 3 seeds (about 10 s).',
    yaml: `# The built-in quickstart: how four ways of composing the next training set change accuracy and
# fairness over 10 generations of training on model-generated data.
name: quickstart
seed: 0
seeds: 3
generations: 10
data:
  source: synthetic
  n: 2000
  testSize: 5000
  minorityShare: 0.3
  baseRateGap: 0.2
  proxyStrength: 0.6
generator:
  kind: gaussian
sampling:
  conditioning: joint
model:
  kind: logistic
sweep:
  strategy:
    - { kind: replace }
    - { kind: accumulate }
    - { kind: preserve, rho: 0.1 }
    - { kind: mix, ratio: 0.5 }
`,
  },
  {
    name: 'sampling-bias',
    summary:
      'Quality-favouring sampling (temperature 0.5 and cell temperature 0.7) vs faithful sampling, replace loop.',
    yaml: `name: sampling-bias
seeds: 3
generations: 10
data:
  source: synthetic
strategy:
  kind: replace
sweep:
  sampling:
    - { temperature: 1, cellTemperature: 1 }
    - { temperature: 0.5, cellTemperature: 1 }
    - { temperature: 1, cellTemperature: 0.7 }
`,
  },
  {
    name: 'collapse',
    summary:
      'Replace vs accumulate vs fresh data over 30 generations with a small training set (model collapse).',
    yaml: `name: collapse
seeds: 3
generations: 30
data:
  source: synthetic
  n: 300
sweep:
  strategy:
    - { kind: replace }
    - { kind: accumulate }
    - { kind: fresh, freshFraction: 0.3 }
`,
  },
  {
    name: 'adult',
    summary: 'UCI Adult (sex as protected attribute), 4 strategies × 10 generations; set data.path.',
    yaml: `# UCI Adult: pass your copy with --set data.path=<adult.data or a directory holding adult.data and adult.test>
name: adult
seeds: 1
generations: 10
data:
  source: adult
  path: adult
  protected: [sex]
model:
  kind: logistic
  l2: 0.001
sweep:
  strategy:
    - { kind: replace }
    - { kind: accumulate }
    - { kind: preserve, rho: 0.1 }
    - { kind: mix, ratio: 0.5 }
`,
  },
  {
    name: 'compas',
    summary:
      'ProPublica COMPAS (race: African-American vs Caucasian), standard filter, 4 strategies; set data.path.',
    yaml: `# COMPAS: pass your copy with --set data.path=<compas-scores-two-years.csv>
name: compas
seeds: 3
generations: 10
data:
  source: compas
  path: compas-scores-two-years.csv
  protected: [race]
  races: black-white
sweep:
  strategy:
    - { kind: replace }
    - { kind: accumulate }
    - { kind: preserve, rho: 0.1 }
    - { kind: mix, ratio: 0.5 }
`,
  },
];

export function listPresets(): readonly Preset[] {
  return PRESETS;
}

export function getPreset(name: string): Preset {
  const p = PRESETS.find((x) => x.name === name);
  if (!p) {
    const names = PRESETS.map((x) => x.name);
    const hint = didYouMean(name, names);
    throw new BiasloopError(
      'usage',
      `unknown preset '${name}'; presets: ${names.join(', ')}`,
      hint ? { hint } : {},
    );
  }
  return p;
}

export function presetSpec(name: string): RawSpec {
  const p = getPreset(name);
  return parseSpecText(p.yaml, `preset ${name}`);
}
