/**
 * Finite-difference gradient checking for graphs built with src/nn.
 *
 * The checked function is reduced to a scalar with a fixed random projection, L = Σ f(x) ⊙ R, so every
 * output element contributes. The analytic gradient comes from `gradients()` in the same graph; the
 * numeric one from central differences (L(x + h·eᵢ) − L(x − h·eᵢ)) / 2h, one coordinate at a time.
 */
import { Rng } from '../../src/core/rng.ts';
import type { FloatType, Tensor } from '../../src/nn/graph.ts';
import { Graph } from '../../src/nn/graph.ts';
import { gradients } from '../../src/nn/autodiff.ts';
import { encodeGraph } from '../../src/nn/onnx/encode.ts';
import { OrtSession, OrtTensor } from '../../src/nn/runtime/ort-session.ts';
import { mul } from '../../src/nn/ops/elementwise.ts';
import { reduceSum } from '../../src/nn/ops/reduce.ts';

export interface GradInput {
  readonly name: string;
  readonly shape: readonly number[];
  /** Values; random normal when omitted. */
  readonly values?: ArrayLike<number>;
  /** Integer input (e.g. ids), not differentiated. */
  readonly int64?: boolean;
}

export interface GradCheckResult {
  /** Largest |analytic − numeric| / max(1, |numeric|) over the checked coordinates. */
  readonly maxError: number;
  readonly checked: number;
  /** Largest |numeric| seen (guards against a vacuous all-zero check). */
  readonly maxAbsGrad: number;
}

export function gradCheck(
  floatType: FloatType,
  specs: readonly GradInput[],
  build: (inputs: Tensor[], g: Graph) => Tensor,
  options: { seed?: number; h?: number; maxCoords?: number } = {},
): GradCheckResult {
  const rng = Rng.stream(options.seed ?? 1, 'gradcheck');
  const g = new Graph({ floatType });
  const inputs = specs.map((s) =>
    g.input(s.name, s.shape, s.int64 ? { dtype: 'int64' } : { requiresGrad: true }),
  );
  const out = build(inputs, g);
  const outSize = out.shape.reduce<number>((p, d) => p * (d as number), 1);
  const projection = Float64Array.from({ length: outSize }, () => rng.normal());
  const loss = out.rank === 0 ? out : reduceSum(mul(out, g.constant(projection, out.shape as number[])));
  const diffInputs = inputs.filter((_, i) => !specs[i].int64);
  const grads = gradients(loss, diffInputs);
  g.output('loss', loss);
  grads.forEach((d, i) => g.output(`grad_${i}`, d));
  const session = new OrtSession(encodeGraph(g));
  const Arr = floatType === 'float64' ? Float64Array : Float32Array;
  const values = specs.map((s) => {
    const n = s.shape.reduce((p, d) => p * d, 1);
    if (s.int64) return BigInt64Array.from(Array.from(s.values ?? [], (v) => BigInt(v)));
    const out = new Arr(n);
    for (let k = 0; k < n; k++) out[k] = s.values !== undefined ? s.values[k] : rng.normal();
    return out;
  });
  // Random inputs (dropout masks, noise) are drawn once and held fixed across evaluations.
  const fixed: Record<string, OrtTensor> = {};
  for (const r of g.inputsOf('random')) {
    const dims = r.tensor.shape as number[];
    const size = dims.reduce((p, d) => p * d, 1);
    const fill = r.random;
    const data = new Arr(size);
    for (let k = 0; k < size; k++) {
      data[k] = fill?.kind === 'dropout' ? (rng.float() < fill.rate ? 0 : 1 / (1 - fill.rate)) : rng.normal();
    }
    fixed[r.tensor.name] = new OrtTensor(floatType, data, dims);
  }
  const feeds = (): Record<string, OrtTensor> => {
    const f: Record<string, OrtTensor> = { ...fixed };
    specs.forEach((s, i) => {
      f[s.name] = new OrtTensor(s.int64 ? 'int64' : floatType, values[i], [...s.shape]);
    });
    return f;
  };
  const names = ['loss', ...grads.map((_, i) => `grad_${i}`)];
  const base = session.run(feeds(), names);
  const h = options.h ?? (floatType === 'float64' ? 1e-6 : 1e-2);
  let maxError = 0;
  let checked = 0;
  let maxAbsGrad = 0;
  let diffIndex = 0;
  specs.forEach((s, i) => {
    if (s.int64) return;
    const analytic = base[`grad_${diffIndex++}`].data as Float64Array | Float32Array;
    const v = values[i] as Float64Array | Float32Array;
    const coords = Array.from({ length: v.length }, (_, k) => k);
    const limit = options.maxCoords ?? 40;
    const chosen =
      coords.length <= limit ? coords : Array.from(rng.sampleWithoutReplacement(coords.length, limit));
    for (const k of chosen) {
      const orig = v[k];
      v[k] = orig + h;
      const up = Number((session.run(feeds(), ['loss']).loss.data as Float64Array)[0]);
      v[k] = orig - h;
      const down = Number((session.run(feeds(), ['loss']).loss.data as Float64Array)[0]);
      v[k] = orig;
      const numeric = (up - down) / (2 * h);
      const err = Math.abs(analytic[k] - numeric) / Math.max(1, Math.abs(numeric));
      maxError = Math.max(maxError, err);
      maxAbsGrad = Math.max(maxAbsGrad, Math.abs(numeric));
      checked++;
    }
  });
  session.dispose();
  return { maxError, checked, maxAbsGrad };
}
