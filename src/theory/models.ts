/**
 * The registry of theory models: name, one-line summary, parameter table and runner. The CLI builds
 * `biasloop theory <model>` from this list, so a new model appears there by being listed here.
 */
import { BiasloopError, didYouMean } from '../core/errors.ts';
import { GAUSSIAN_PARAMS, runGaussian } from './gaussian-run.ts';
import { LINREG_PARAMS, runLinreg } from './linreg.ts';
import type { ParamSpec } from './params.ts';
import type { TheoryModelName, TheoryResult } from './result.ts';
import { WMLE_PARAMS, runWmle } from './wmle-run.ts';
import { WRIGHT_FISHER_PARAMS, runWrightFisher } from './wright-fisher.ts';

export interface TheoryModel {
  readonly name: TheoryModelName;
  readonly summary: string;
  readonly params: readonly ParamSpec[];
  readonly run: (input?: Readonly<Record<string, unknown>>) => TheoryResult;
}

export const THEORY_MODELS: readonly TheoryModel[] = [
  {
    name: 'wmle',
    summary:
      'Weighted-MLE bias amplification in the Beta family: a biased model weights its own training data (exact recursion, sampled run, w ≡ 1 control)',
    params: WMLE_PARAMS,
    run: runWmle,
  },
  {
    name: 'gaussian',
    summary:
      'Gaussian refit: variance collapse under replace / accumulate / accumulate-subsample, with exact expectations',
    params: GAUSSIAN_PARAMS,
    run: runGaussian,
  },
  {
    name: 'linreg',
    summary:
      'Linear regression on its own labels: test error under replace versus accumulate, with the closed forms',
    params: LINREG_PARAMS,
    run: runLinreg,
  },
  {
    name: 'wright-fisher',
    summary:
      'Group shares under resampling (Wright–Fisher): heterozygosity decay and group loss, with exact values',
    params: WRIGHT_FISHER_PARAMS,
    run: runWrightFisher,
  },
];

export function theoryModel(name: string): TheoryModel {
  const m = THEORY_MODELS.find((x) => x.name === name);
  if (m === undefined) {
    const names = THEORY_MODELS.map((x) => x.name);
    const dym = didYouMean(name, names);
    throw new BiasloopError('usage', `unknown theory model '${name}'`, {
      field: 'model',
      hint: dym === '' ? `one of ${names.join(', ')}` : dym,
    });
  }
  return m;
}

/** Run a theory model by name with library-style parameters (`{ alphaP: 3, mode: 'sampled' }`). */
export function runTheory(name: string, input: Readonly<Record<string, unknown>> = {}): TheoryResult {
  return theoryModel(name).run(input);
}
