/**
 * The conditional VAE's networks (see src/models/cvae.ts for the model): the training loss graph
 * (encoder, reparameterisation, decoder, BCE + β·KL) and the decoder alone. Parameter names are
 * `encoder.*` and `decoder.*`, shared between the two graphs.
 */
import type { Graph, Tensor } from '../../nn/graph.ts';
import { conv2dLayer, convTranspose2dLayer, dense } from '../../nn/layers.ts';
import { binaryCrossEntropyWithLogits, gaussianKl } from '../../nn/losses.ts';
import { relu } from '../../nn/ops/activations.ts';
import { randomNormal } from '../../nn/ops/dropout.ts';
import { add, exp, mul } from '../../nn/ops/elementwise.ts';
import { concat, reshape } from '../../nn/ops/shape-ops.ts';

export interface CvaeArchitecture {
  readonly imageShape: readonly number[];
  readonly classes: number;
  readonly groups: number;
  readonly channels: readonly number[];
  readonly hidden: number;
  readonly latent: number;
}

/** Decoder: z [batch, latent] ⊕ condition [batch, classes + groups] → pixel logits [batch, C, H, W]. */
export function cvaeDecoder(z: Tensor, cond: Tensor, a: CvaeArchitecture): Tensor {
  const g = z.graph;
  return g.scope('decoder', () => {
    const [c, h, w] = a.imageShape;
    const levels = a.channels.length;
    const top = a.channels[levels - 1];
    const hh = h / 2 ** levels;
    const ww = w / 2 ** levels;
    let t = relu(dense(concat([z, cond], 1), 'fc1', a.hidden));
    t = relu(dense(t, 'fc2', top * hh * ww));
    t = reshape(t, [t.shape[0], top, hh, ww]);
    for (let i = levels - 1; i >= 0; i--) {
      const out = i === 0 ? c : a.channels[i - 1];
      t = convTranspose2dLayer(t, `deconv${i + 1}`, out, {
        kernel: 4,
        stride: 2,
        padding: 1,
        init: i === 0 ? 'glorot' : 'he',
      });
      if (i > 0) t = relu(t);
    }
    return t;
  });
}

export interface CvaeLoss {
  readonly loss: Tensor;
  readonly reconstruction: Tensor;
  readonly kl: Tensor;
}

/**
 * The training objective on inputs `x` [batch, C, H, W], `cond` [batch, classes + groups] and
 * sample weights `w` [batch]: mean over the batch of w·(Σ_pixels BCE + β·KL). The reparameterisation
 * noise is a random input drawn by the session each step.
 */
export function cvaeLoss(x: Tensor, cond: Tensor, w: Tensor, a: CvaeArchitecture, beta: number): CvaeLoss {
  const g: Graph = x.graph;
  const { mu, logVar } = g.scope('encoder', () => {
    let t = x;
    a.channels.forEach((ch, i) => {
      t = relu(conv2dLayer(t, `conv${i + 1}`, ch, { kernel: 4, stride: 2, padding: 1 }));
    });
    t = reshape(t, [t.shape[0], -1]);
    t = relu(dense(concat([t, cond], 1), 'fc1', a.hidden));
    return {
      mu: dense(t, 'mu', a.latent, { init: 'glorot' }),
      logVar: dense(t, 'log_var', a.latent, { init: 'glorot' }),
    };
  });
  const eps = randomNormal(mu, [x.shape[0], a.latent]);
  const z = add(mu, mul(exp(mul(logVar, 0.5)), eps));
  const logits = cvaeDecoder(z, cond, a);
  const reconstruction = binaryCrossEntropyWithLogits(logits, x, { sampleWeights: w });
  const kl = gaussianKl(mu, logVar, { sampleWeights: w });
  return { loss: add(reconstruction, mul(kl, beta)), reconstruction, kl };
}
