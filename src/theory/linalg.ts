/**
 * The little dense linear algebra the theory simulations need (d ≤ a few hundred): Cholesky
 * factorisation and solves on row-major d×d Float64Arrays. Plain loops; these matrices are tiny.
 */
import { BiasloopError } from '../core/errors.ts';

/**
 * Overwrite the lower triangle of the symmetric positive-definite row-major `a` (d×d) with its
 * Cholesky factor L (a = L Lᵀ) and zero the strict upper triangle. Throws a numeric error when `a` is
 * not positive definite.
 */
export function choleskyInPlace(a: Float64Array, d: number, what = 'matrix'): Float64Array {
  for (let j = 0; j < d; j++) {
    let diag = a[j * d + j];
    for (let k = 0; k < j; k++) diag -= a[j * d + k] * a[j * d + k];
    if (!(diag > 0)) {
      throw new BiasloopError(
        'numeric',
        `Cholesky: the ${what} is not positive definite (pivot ${j} is ${diag})`,
      );
    }
    const ljj = Math.sqrt(diag);
    a[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= a[i * d + k] * a[j * d + k];
      a[i * d + j] = s / ljj;
    }
    for (let i = 0; i < j; i++) a[i * d + j] = 0;
  }
  return a;
}

/** Solve L Lᵀ x = b in place in `b`, given the Cholesky factor L from `choleskyInPlace`. */
export function choleskySolveInPlace(l: Float64Array, d: number, b: Float64Array): Float64Array {
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * d + k] * b[k];
    b[i] = s / l[i * d + i];
  }
  for (let i = d - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < d; k++) s -= l[k * d + i] * b[k];
    b[i] = s / l[i * d + i];
  }
  return b;
}

/** ln det(L Lᵀ) = 2 Σ ln L_jj. */
export function choleskyLogDet(l: Float64Array, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += Math.log(l[j * d + j]);
  return 2 * s;
}
