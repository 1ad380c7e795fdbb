/**
 * Small dense linear algebra on row-major Float64Arrays, shared by the models, the metrics and the
 * theory simulators: Cholesky factorisation (throwing, optional, or with escalating jitter) and
 * solves, a cyclic Jacobi symmetric eigendecomposition (machine precision, O(d³) per sweep, fine up to
 * a few hundred dimensions), the symmetric square root, and small matrix products. Plain loops.
 */
import { BiasloopError } from './errors.ts';

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

/** The Cholesky factor of a copy of `a`, or undefined when `a` is not positive definite. */
export function cholesky(a: Float64Array, d: number): Float64Array | undefined {
  try {
    return choleskyInPlace(Float64Array.from(a), d);
  } catch (e) {
    if (e instanceof BiasloopError) return undefined;
    throw e;
  }
}

/**
 * Cholesky with escalating diagonal jitter: tries A, then A + ε·mean(diag)·I for ε = 1e-10, 1e-8, …,
 * 1e-2, and finally the diagonal alone. Returns the factor and the jitter used (Infinity: diagonal).
 */
export function choleskyJittered(a: Float64Array, d: number): { l: Float64Array; jitter: number } {
  const direct = cholesky(a, d);
  if (direct) return { l: direct, jitter: 0 };
  let meanDiag = 0;
  for (let i = 0; i < d; i++) meanDiag += Math.abs(a[i * d + i]);
  meanDiag = meanDiag / d || 1;
  for (let e = 1e-10; e <= 1e-2; e *= 100) {
    const b = Float64Array.from(a);
    for (let i = 0; i < d; i++) b[i * d + i] += e * meanDiag;
    const l = cholesky(b, d);
    if (l) return { l, jitter: e * meanDiag };
  }
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) l[i * d + i] = Math.sqrt(Math.max(Math.abs(a[i * d + i]), 1e-12));
  return { l, jitter: Infinity };
}

/** Solve L Lᵀ x = b in place in `b`, given the Cholesky factor L. */
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

/** Solve L Lᵀ x = b into a new array. */
export function choleskySolve(l: Float64Array, d: number, b: ArrayLike<number>): Float64Array {
  return choleskySolveInPlace(l, d, Float64Array.from(b));
}

/** ln det(L Lᵀ) = 2 Σ ln L_jj. */
export function choleskyLogDet(l: Float64Array, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += Math.log(l[j * d + j]);
  return 2 * s;
}

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  readonly values: Float64Array;
  /** Eigenvectors as columns of a row-major d×d matrix: vector k is `vectors[i·d + k]`. */
  readonly vectors: Float64Array;
}

/** Eigendecomposition of the symmetric row-major d×d matrix `a` (not modified). */
export function symmetricEigen(a: ArrayLike<number>, d: number): SymmetricEigen {
  const A = Float64Array.from(a as ArrayLike<number>);
  if (A.length !== d * d) throw new RangeError(`matrix has ${A.length} entries, expected ${d}×${d}`);
  const V = new Float64Array(d * d);
  for (let i = 0; i < d; i++) V[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < d; i++) {
      diag += A[i * d + i] * A[i * d + i];
      for (let j = i + 1; j < d; j++) off += A[i * d + j] * A[i * d + j];
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = A[p * d + q];
        if (apq === 0) continue;
        const app = A[p * d + p];
        const aqq = A[q * d + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = A[k * d + p];
          const akq = A[k * d + q];
          A[k * d + p] = c * akp - s * akq;
          A[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = A[p * d + k];
          const aqk = A[q * d + k];
          A[p * d + k] = c * apk - s * aqk;
          A[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = V[k * d + p];
          const vkq = V[k * d + q];
          V[k * d + p] = c * vkp - s * vkq;
          V[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => A[i * d + i] - A[j * d + j]);
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  order.forEach((src, k) => {
    values[k] = A[src * d + src];
    for (let i = 0; i < d; i++) vectors[i * d + k] = V[i * d + src];
  });
  return { values, vectors };
}

/** The symmetric square root of a symmetric PSD matrix (negative round-off eigenvalues clipped to 0). */
export function sqrtSymmetric(a: ArrayLike<number>, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(Math.max(values[k], 0));
    if (s === 0) continue;
    for (let i = 0; i < d; i++) {
      const vik = vectors[i * d + k] * s;
      for (let j = 0; j < d; j++) out[i * d + j] += vik * vectors[j * d + k];
    }
  }
  return out;
}

/** Row-major product of d×d matrices. */
export function matMul(a: ArrayLike<number>, b: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k];
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] += aik * b[k * d + j];
    }
  }
  return out;
}
