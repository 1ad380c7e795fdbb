/**
 * Build the models a spec names. Adding a model kind: add its zod schema to src/spec/schema.ts and a
 * case here; the loop needs nothing else.
 */
import { GaussianGenerator } from '../models/gaussian-generator.ts';
import { GmmGenerator } from '../models/gmm-generator.ts';
import { LogisticRegression } from '../models/logistic.ts';
import type { Classifier, Generator } from '../models/types.ts';
import type { GeneratorSpecResolved, ModelSpecResolved } from '../spec/schema.ts';

export function createClassifier(spec: ModelSpecResolved): Classifier {
  switch (spec.kind) {
    case 'logistic':
      return new LogisticRegression({
        l2: spec.l2,
        solver: spec.solver,
        maxIter: spec.maxIter,
        tol: spec.tol,
      });
  }
}

export function createGenerator(spec: GeneratorSpecResolved): Generator {
  switch (spec.kind) {
    case 'gaussian':
      return new GaussianGenerator({
        covariance: spec.covariance,
        estimator: spec.estimator,
        regularization: spec.regularization,
      });
    case 'gmm':
      return new GmmGenerator({
        components: spec.components,
        covariance: spec.covariance,
        maxIter: spec.maxIter,
        tol: spec.tol,
        regularization: spec.regularization,
      });
  }
}

/** The overfit option as a factor (1 when off). */
export function overfitFactor(spec: ModelSpecResolved): number {
  if (spec.overfit === false) return 1;
  if (spec.overfit === true) return 5;
  return spec.overfit.factor;
}
