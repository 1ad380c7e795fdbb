/**
 * Parameter initialisers. Each parameter draws from its own stream `rng.fork('param', name)`, so its
 * initial values depend only on the seed and its name (not on declaration order or other layers).
 */
import type { Rng } from '../core/rng.ts';

export type Initializer =
  | { readonly kind: 'zeros' }
  | { readonly kind: 'ones' }
  | { readonly kind: 'constant'; readonly value: number }
  | { readonly kind: 'normal'; readonly std: number }
  | { readonly kind: 'uniform'; readonly limit: number }
  /** Glorot/Xavier uniform: U(−a, a), a = √(6 / (fanIn + fanOut)). */
  | { readonly kind: 'glorotUniform'; readonly fanIn: number; readonly fanOut: number }
  /** He/Kaiming normal: N(0, 2 / fanIn) (for ReLU layers). */
  | { readonly kind: 'heNormal'; readonly fanIn: number }
  /** He/Kaiming uniform: U(−a, a), a = √(6 / fanIn). */
  | { readonly kind: 'heUniform'; readonly fanIn: number };

export const init = {
  zeros: (): Initializer => ({ kind: 'zeros' }),
  ones: (): Initializer => ({ kind: 'ones' }),
  constant: (value: number): Initializer => ({ kind: 'constant', value }),
  normal: (std: number): Initializer => ({ kind: 'normal', std }),
  uniform: (limit: number): Initializer => ({ kind: 'uniform', limit }),
  glorotUniform: (fanIn: number, fanOut: number): Initializer => ({
    kind: 'glorotUniform',
    fanIn,
    fanOut,
  }),
  heNormal: (fanIn: number): Initializer => ({ kind: 'heNormal', fanIn }),
  heUniform: (fanIn: number): Initializer => ({ kind: 'heUniform', fanIn }),
};

/** Fill `out` with draws from `initializer` using `rng`. */
export function fillInitial(out: Float32Array | Float64Array, initializer: Initializer, rng: Rng): void {
  const n = out.length;
  const uniform = (limit: number): void => {
    for (let i = 0; i < n; i++) out[i] = (2 * rng.float() - 1) * limit;
  };
  const normal = (std: number): void => {
    for (let i = 0; i < n; i++) out[i] = rng.normal() * std;
  };
  switch (initializer.kind) {
    case 'zeros':
      out.fill(0);
      return;
    case 'ones':
      out.fill(1);
      return;
    case 'constant':
      out.fill(initializer.value);
      return;
    case 'normal':
      normal(initializer.std);
      return;
    case 'uniform':
      uniform(initializer.limit);
      return;
    case 'glorotUniform':
      uniform(Math.sqrt(6 / (initializer.fanIn + initializer.fanOut)));
      return;
    case 'heNormal':
      normal(Math.sqrt(2 / initializer.fanIn));
      return;
    case 'heUniform':
      uniform(Math.sqrt(6 / initializer.fanIn));
      return;
  }
}
