/**
 * Whole-model gradients of the CNN classifier and the conditional VAE (their real graph builders,
 * small sizes) against central finite differences on random parameter coordinates.
 *
 * Conv and ConvTranspose have float32 kernels only in ORT's CPU provider, so these checks run in
 * float32 with the tolerance |analytic − numeric| ≤ 2e-2·|numeric| + 2e-3·max|grad| at one of the step
 * sizes h ∈ {1e-2, 3e-3, 1e-3} (see STEPS).
 * The VAE's reparameterisation noise is held fixed across evaluations.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { Graph } from '../../src/nn/graph.ts';
import type { Tensor } from '../../src/nn/graph.ts';
import { gradients } from '../../src/nn/autodiff.ts';
import { encodeGraph } from '../../src/nn/onnx/encode.ts';
import { fillInitial } from '../../src/nn/init.ts';
import { OrtSession, OrtTensor } from '../../src/nn/runtime/ort-session.ts';
import { softmaxCrossEntropy } from '../../src/nn/losses.ts';
import { cnnLogits } from '../../src/models/cnn.ts';
import { cvaeLoss } from '../../src/models/neural/cvae-network.ts';

/**
 * Step sizes tried per coordinate. ReLU and max-pool make the loss piecewise smooth: a step can
 * cross a kink (more likely for large h and first-layer biases), while float32 rounding dominates
 * for small h. A wrong backward rule disagrees at every step size; a coordinate passes when the
 * difference quotient agrees at one of them.
 */
const STEPS = [1e-2, 3e-3, 1e-3];

interface Check {
  readonly checked: number;
  readonly failures: string[];
  readonly maxAbsGrad: number;
}

/** FD-check d loss / d params on `coords` random coordinates; data inputs get `data`, random inputs fixed draws. */
function checkParams(
  g: Graph,
  loss: Tensor,
  data: Record<string, OrtTensor>,
  coords: number,
  seed: number,
): Check {
  const rng = Rng.stream(seed, 'model-grad');
  const params = g.inputsOf('param');
  const grads = gradients(
    loss,
    params.map((p) => p.tensor),
  );
  g.output('loss', loss);
  grads.forEach((d, i) => g.output(`grad_${i}`, d));
  const session = new OrtSession(encodeGraph(g));
  const feeds: Record<string, OrtTensor> = { ...data };
  const values = params.map((p) => {
    const size = (p.tensor.shape as number[]).reduce((a, b) => a * b, 1);
    const v = new Float32Array(size);
    fillInitial(v, p.init ?? { kind: 'normal', std: 0.1 }, rng.fork(p.tensor.name));
    // Non-zero biases, so bias gradients are not checked only at the zero initialisation.
    if (p.init?.kind === 'zeros') for (let k = 0; k < size; k++) v[k] = 0.1 * rng.normal();
    feeds[p.tensor.name] = new OrtTensor('float32', v, [...(p.tensor.shape as number[])]);
    return v;
  });
  for (const r of g.inputsOf('random')) {
    const dims = r.tensor.shape.map((d) => (typeof d === 'number' ? d : (data.x.dims[0] as number)));
    const size = dims.reduce((a, b) => a * b, 1);
    feeds[r.tensor.name] = new OrtTensor(
      'float32',
      Float32Array.from({ length: size }, () => rng.normal()),
      dims,
    );
  }
  const names = ['loss', ...grads.map((_, i) => `grad_${i}`)];
  const base = session.run(feeds, names);
  const analytic = grads.map((_, i) => base[`grad_${i}`].data as Float32Array);
  let maxAbsGrad = 0;
  for (const a of analytic) for (const v of a) maxAbsGrad = Math.max(maxAbsGrad, Math.abs(v));
  const failures: string[] = [];
  const lossAt = (): number => Number((session.run(feeds, ['loss']).loss.data as Float32Array)[0]);
  for (let c = 0; c < coords; c++) {
    const p = rng.int(params.length);
    const k = rng.int(values[p].length);
    const orig = values[p][k];
    const a = analytic[p][k];
    const numerics: number[] = [];
    for (const h of STEPS) {
      values[p][k] = orig + h;
      const up = lossAt();
      values[p][k] = orig - h;
      const down = lossAt();
      values[p][k] = orig;
      numerics.push((up - down) / (2 * h));
    }
    if (!numerics.some((numeric) => Math.abs(a - numeric) <= 2e-2 * Math.abs(numeric) + 2e-3 * maxAbsGrad)) {
      failures.push(`${params[p].tensor.name}[${k}]: analytic ${a}, numeric ${numerics.join(' / ')}`);
    }
  }
  session.dispose();
  return { checked: coords, failures, maxAbsGrad };
}

describe('whole-model gradients equal finite differences', () => {
  it('CNN classifier (two conv blocks, max-pool, dense, cross-entropy)', () => {
    const g = new Graph({ floatType: 'float32' });
    const x = g.input('x', ['batch', 3, 12, 12]);
    const y = g.input('y', ['batch'], { dtype: 'int64' });
    const logits = cnnLogits(x, 4, { channels: [4, 6], kernel: 3, hidden: 8, dropoutRate: 0 });
    const loss = softmaxCrossEntropy(logits, y);
    const rng = Rng.stream(3, 'cnn-data');
    const n = 5;
    const data = {
      x: new OrtTensor(
        'float32',
        Float32Array.from({ length: n * 3 * 144 }, () => rng.float()),
        [n, 3, 12, 12],
      ),
      y: new OrtTensor('int64', BigInt64Array.from([0n, 1n, 2n, 3n, 1n]), [n]),
    };
    const r = checkParams(g, loss, data, 60, 1);
    expect(r.maxAbsGrad).toBeGreaterThan(1e-2);
    expect(r.failures).toEqual([]);
  });

  it('conditional VAE (conv encoder, reparameterisation, transposed-conv decoder, BCE + β·KL)', () => {
    const g = new Graph({ floatType: 'float32' });
    const x = g.input('x', ['batch', 3, 8, 8]);
    const cond = g.input('cond', ['batch', 5]);
    const w = g.input('w', ['batch']);
    const arch = { imageShape: [3, 8, 8], classes: 3, groups: 2, channels: [4, 6], hidden: 10, latent: 3 };
    const { loss } = cvaeLoss(x, cond, w, arch, 2);
    const rng = Rng.stream(4, 'vae-data');
    const n = 4;
    const condValues = new Float32Array(n * 5);
    [0, 1, 2, 1].forEach((c, i) => (condValues[i * 5 + c] = 1));
    [0, 1, 1, 0].forEach((gr, i) => (condValues[i * 5 + 3 + gr] = 1));
    const data = {
      x: new OrtTensor(
        'float32',
        Float32Array.from({ length: n * 192 }, () => rng.float()),
        [n, 3, 8, 8],
      ),
      cond: new OrtTensor('float32', condValues, [n, 5]),
      w: new OrtTensor('float32', Float32Array.of(1, 0.5, 2, 1), [n]),
    };
    const r = checkParams(g, loss, data, 60, 2);
    expect(r.maxAbsGrad).toBeGreaterThan(1e-2);
    expect(r.failures).toEqual([]);
  });
});
