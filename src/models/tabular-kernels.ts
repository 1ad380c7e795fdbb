/**
 * Dense float64 kernels for the tabular models, run by onnxruntime (MLAS DGEMM) when the problem is
 * large enough to pay for a session call, and in plain JavaScript otherwise:
 *
 * - the logistic loss and its gradient over all rows (`LogisticLossKernel`), the inner loop of every
 *   L-BFGS / Newton iteration;
 * - the product Z·Lᵀ that turns standard normal draws into correlated Gaussian rows.
 *
 * Which path runs depends only on the problem size (n·d ≥ ORT_MIN_WORK), never on timing, so a run is
 * reproducible; the two paths agree to float64 rounding (tested), not bit for bit.
 */
import type { OrtTensor as OrtTensorType } from '../nn/runtime/ort-session.ts';
import { OrtSession, OrtTensor } from '../nn/runtime/ort-session.ts';
import { Graph } from '../nn/graph.ts';
import { compileInference } from '../nn/compile.ts';
import { add } from '../nn/ops/elementwise.ts';
import { matmul } from '../nn/ops/matmul.ts';
import { transpose } from '../nn/ops/shape-ops.ts';

/**
 * A grow-only scratch buffer. Freshly allocated large typed arrays are expensive to touch for the
 * first time (each page faults in; measured ~25 ms per 8 MB on the 2-core VMs we run on), so kernels
 * that run every generation keep their working memory between calls.
 */
export class Scratch {
  private buffer = new Float64Array(0);

  /** A view of `length` doubles (contents undefined). */
  get(length: number): Float64Array {
    if (this.buffer.length < length) this.buffer = new Float64Array(Math.ceil(length * 1.25));
    return this.buffer.subarray(0, length);
  }
}

/** Below this many multiply-adds per pass (n·d), plain JavaScript is as fast as a session call. */
export const ORT_MIN_WORK = 40_000;

export interface LossAndGradient {
  /** Σ_i w_i [softplus(z_i) − y_i z_i]. */
  readonly loss: number;
  /** Σ_i w_i (σ(z_i) − y_i). */
  readonly residualSum: number;
}

/**
 * The weighted logistic loss over fixed rows: for coefficients β (original feature scale) and
 * intercept b, z = Xβ + b; writes Σ_i w_i (σ(z_i) − y_i) x_i into `grad`.
 */
export interface LogisticLossKernel {
  evaluate(beta: Float64Array, intercept: number, grad: Float64Array): LossAndGradient;
}

/**
 * Makes the loss kernel for each fit, keeping one onnxruntime session for all of them (creating a
 * session costs milliseconds; a model refits every generation). Keep one per model.
 */
export class LogisticKernels {
  private sessions: LogisticSessions | undefined;
  private readonly margins = new Scratch();
  private readonly residuals = new Scratch();

  forData(
    x: Float64Array,
    y: Int32Array,
    w: Float64Array | undefined,
    n: number,
    d: number,
  ): LogisticLossKernel {
    if (n * d < ORT_MIN_WORK) return new JsLogisticLoss(x, y, w, n, d);
    this.sessions ??= createLogisticSessions();
    return new OrtLogisticLoss(x, y, w, n, d, this.sessions, {
      z: this.margins.get(n),
      r: this.residuals.get(n),
    });
  }
}

export class JsLogisticLoss implements LogisticLossKernel {
  constructor(
    private readonly x: Float64Array,
    private readonly y: Int32Array,
    private readonly w: Float64Array | undefined,
    private readonly n: number,
    private readonly d: number,
  ) {}

  evaluate(beta: Float64Array, b: number, grad: Float64Array): LossAndGradient {
    const { x, y, w, n, d } = this;
    grad.fill(0);
    let loss = 0;
    let rSum = 0;
    for (let i = 0; i < n; i++) {
      const off = i * d;
      let z = b;
      for (let j = 0; j < d; j++) z += x[off + j] * beta[j];
      const e = Math.exp(-Math.abs(z));
      const log1pe = Math.log1p(e);
      const p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      const yi = y[i];
      const wi = w ? w[i] : 1;
      loss += wi * ((z > 0 ? z + log1pe : log1pe) - yi * z);
      const r = wi * (p - yi);
      rSum += r;
      for (let j = 0; j < d; j++) grad[j] += r * x[off + j];
    }
    return { loss, residualSum: rSum };
  }
}

// Compiled graphs are built once per process: they depend on nothing but this file.
let marginModelBytes: Uint8Array | undefined;
let gradientModelBytes: Uint8Array | undefined;

/** z = X·β (n×d times d×1), with symbolic n and d. */
function marginModel(): Uint8Array {
  if (marginModelBytes === undefined) {
    const g = new Graph({ floatType: 'float64', training: false });
    marginModelBytes = compileInference(g, {
      z: matmul(g.input('X', ['n', 'd']), g.input('beta', ['d', 1])),
    }).bytes;
  }
  return marginModelBytes;
}

/** g = r·X (1×n times n×d): Σ_i r_i x_i. */
function gradientModel(): Uint8Array {
  if (gradientModelBytes === undefined) {
    const g = new Graph({ floatType: 'float64', training: false });
    gradientModelBytes = compileInference(g, {
      grad: matmul(g.input('r', [1, 'n']), g.input('X', ['n', 'd'])),
    }).bytes;
  }
  return gradientModelBytes;
}

/** The two onnxruntime sessions of the loss pass; one pair per model, reused by every fit. */
export interface LogisticSessions {
  readonly margin: OrtSession;
  readonly gradient: OrtSession;
}

export function createLogisticSessions(): LogisticSessions {
  return {
    margin: new OrtSession(marginModel(), { threads: 1 }),
    gradient: new OrtSession(gradientModel(), { threads: 1 }),
  };
}

/**
 * The loss pass with both matrix products in onnxruntime (MLAS GEMV over X, the memory-bound part)
 * and the per-row softplus / sigmoid in one JavaScript loop between them: one pass over n values
 * instead of a dozen elementwise graph nodes each allocating an n-vector (measured 2.4× faster
 * than the all-graph version at n = 50,000, d = 20).
 */
export class OrtLogisticLoss implements LogisticLossKernel {
  private readonly sessions: LogisticSessions;
  private readonly marginFeeds: Record<string, OrtTensorType>;
  private readonly marginOut: Record<string, OrtTensorType>;
  private readonly gradientFeeds: Record<string, OrtTensorType>;
  private readonly gradientOut: Record<string, OrtTensorType>;
  private readonly betaData: Float64Array;
  private readonly z: Float64Array;
  private readonly r: Float64Array;
  private readonly gradData: Float64Array;

  constructor(
    x: Float64Array,
    private readonly y: Int32Array | Float64Array,
    private readonly w: Float64Array | undefined,
    private readonly n: number,
    d: number,
    sessions: LogisticSessions = createLogisticSessions(),
    scratch: { z: Float64Array; r: Float64Array } = {
      z: new Float64Array(n),
      r: new Float64Array(n),
    },
  ) {
    this.sessions = sessions;
    this.betaData = new Float64Array(d);
    this.gradData = new Float64Array(d);
    this.z = scratch.z.subarray(0, n);
    this.r = scratch.r.subarray(0, n);
    const X = new OrtTensor('float64', x, [n, d]);
    this.marginFeeds = { X, beta: new OrtTensor('float64', this.betaData, [d, 1]) };
    this.marginOut = { z: new OrtTensor('float64', this.z, [n, 1]) };
    this.gradientFeeds = { X, r: new OrtTensor('float64', this.r, [1, n]) };
    this.gradientOut = { grad: new OrtTensor('float64', this.gradData, [1, d]) };
  }

  evaluate(beta: Float64Array, b: number, grad: Float64Array): LossAndGradient {
    const { z, r, y, w, n } = this;
    this.betaData.set(beta);
    this.sessions.margin.runInto(this.marginFeeds, this.marginOut);
    let loss = 0;
    let rSum = 0;
    for (let i = 0; i < n; i++) {
      const zi = z[i] + b;
      const e = Math.exp(-Math.abs(zi));
      const log1pe = Math.log1p(e);
      const p = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
      const yi = y[i];
      const wi = w ? w[i] : 1;
      loss += wi * ((zi > 0 ? zi + log1pe : log1pe) - yi * zi);
      const ri = wi * (p - yi);
      r[i] = ri;
      rSum += ri;
    }
    this.sessions.gradient.runInto(this.gradientFeeds, this.gradientOut);
    grad.set(this.gradData);
    return { loss, residualSum: rSum };
  }
}

let affineModelBytes: Uint8Array | undefined;

/**
 * Correlated Gaussian rows from standard normal draws: out = μ + scale · Z·Lᵀ for Z row-major m×d and
 * lower-triangular L. Holds its onnxruntime session, so keep one per generator.
 */
export class CorrelatedRowsKernel {
  private session: OrtSession | undefined;

  /** Write μ + scale·Z·Lᵀ (Z row-major m×d) into `out` starting at element `offset`. */
  transformInto(
    out: Float64Array,
    offset: number,
    z: Float64Array,
    l: Float64Array,
    mean: Float64Array,
    scale: number,
    m: number,
    d: number,
  ): void {
    if (m * d * d >= ORT_MIN_WORK * 4) {
      this.viaOrt(out, offset, z, l, mean, scale, m, d);
      return;
    }
    for (let r = 0; r < m; r++) {
      const zo = r * d;
      const oo = offset + zo;
      for (let i = 0; i < d; i++) {
        let v = 0;
        const lo = i * d;
        for (let k = 0; k <= i; k++) v += l[lo + k] * z[zo + k];
        out[oo + i] = mean[i] + scale * v;
      }
    }
  }

  private viaOrt(
    out: Float64Array,
    offset: number,
    z: Float64Array,
    l: Float64Array,
    mean: Float64Array,
    scale: number,
    m: number,
    d: number,
  ): void {
    if (affineModelBytes === undefined) {
      const g = new Graph({ floatType: 'float64', training: false });
      const Z = g.input('z', ['m', 'd']);
      const LT = g.input('lt', ['d', 'd']);
      const mu = g.input('mu', [1, 'd']);
      affineModelBytes = compileInference(g, { out: add(matmul(Z, LT), mu) }).bytes;
    }
    // Cell sizes change every call: no memory-pattern planning.
    this.session ??= new OrtSession(affineModelBytes, { threads: 1, memoryPattern: false });
    const lt = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let k = 0; k <= i; k++) lt[k * d + i] = scale * l[i * d + k];
    this.session.runInto(
      {
        z: new OrtTensor('float64', z, [m, d]),
        lt: new OrtTensor('float64', lt, [d, d]),
        mu: new OrtTensor('float64', mean, [1, d]),
      },
      { out: new OrtTensor('float64', out.subarray(offset, offset + m * d), [m, d]) },
    );
  }
}

let gramModelBytes: Uint8Array | undefined;

/**
 * Σ_r w_r (x_r − μ)(x_r − μ)ᵀ over selected rows (row-major d×d, full symmetric), by one float64 GEMM
 * on onnxruntime when the work is large, by a triangular loop otherwise. Keep one per model.
 */
export class CentredGramKernel {
  private session: OrtSession | undefined;
  private readonly rows = new Scratch();

  compute(
    x: Float64Array,
    d: number,
    rows: ArrayLike<number>,
    mean: Float64Array,
    weight: Float64Array | undefined,
    weightIndexing: 'row' | 'position',
  ): Float64Array {
    const m = rows.length;
    const byPosition = weightIndexing === 'position';
    if (m * d * d < ORT_MIN_WORK * 4) {
      const cov = new Float64Array(d * d);
      const c = new Float64Array(d);
      for (let r = 0; r < m; r++) {
        const off = rows[r] * d;
        const w = weight ? weight[byPosition ? r : rows[r]] : 1;
        for (let j = 0; j < d; j++) c[j] = x[off + j] - mean[j];
        for (let j = 0; j < d; j++) {
          const cj = w * c[j];
          const base = j * d;
          for (let k = 0; k <= j; k++) cov[base + k] += cj * c[k];
        }
      }
      for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) cov[k * d + j] = cov[j * d + k];
      return cov;
    }
    // Rows centred and scaled by √w, then AᵀA.
    const a = this.rows.get(m * d);
    for (let r = 0; r < m; r++) {
      const off = rows[r] * d;
      const s = weight ? Math.sqrt(weight[byPosition ? r : rows[r]]) : 1;
      const o = r * d;
      for (let j = 0; j < d; j++) a[o + j] = s * (x[off + j] - mean[j]);
    }
    if (gramModelBytes === undefined) {
      const g = new Graph({ floatType: 'float64', training: false });
      const A = g.input('a', ['m', 'd']);
      gramModelBytes = compileInference(g, { gram: matmul(transpose(A, [1, 0]), A) }).bytes;
    }
    this.session ??= new OrtSession(gramModelBytes, { threads: 1 });
    const out = this.session.run({ a: new OrtTensor('float64', a, [m, d]) }, ['gram']).gram
      .data as Float64Array;
    // Exact symmetry (the GEMM's two triangles may differ in the last bit).
    const cov = Float64Array.from(out);
    for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) cov[k * d + j] = cov[j * d + k];
    return cov;
  }
}
