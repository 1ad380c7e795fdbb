/**
 * Seeded, splittable random streams.
 *
 * Every random draw in biasloop comes from an `Rng` created by `Rng.stream(seed, ...path)`. The path
 * names who draws (e.g. `['run', runId, 'gen', 3, 'generator']`), so a stream depends only on the
 * experiment seed and its own name, never on how many draws other components made or on which worker
 * runs it. That is what makes a run bit-for-bit reproducible whatever the number of workers.
 *
 * Generator: xoshiro128** (Blackman & Vigna), 128-bit state, period 2^128 − 1. The state is seeded by
 * hashing the UTF-8 text `"<seed>/<path[0]>/<path[1]>/…"` with a 128-bit multiply–xorshift hash
 * (cyrb128 construction). Normal draws use the Marsaglia–Tsang ziggurat (128 layers); gamma draws
 * Marsaglia–Tsang's squeeze method. All of this is documented in docs/determinism.md.
 */

export type StreamLabel = string | number;

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** 128-bit hash of a string into four non-zero-jointly uint32 words (cyrb128 construction). */
export function hash128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

// ---- ziggurat tables (Marsaglia & Tsang 2000, 128 layers) ----
const ZIG_R = 3.442619855899;
const kn = new Float64Array(128);
const wn = new Float64Array(128);
const fn = new Float64Array(128);
(function buildZigguratTables() {
  const m1 = 2147483648.0;
  const vn = 9.91256303526217e-3;
  let dn = ZIG_R;
  let tn = dn;
  const q = vn / Math.exp(-0.5 * dn * dn);
  kn[0] = (dn / q) * m1;
  kn[1] = 0;
  wn[0] = q / m1;
  wn[127] = dn / m1;
  fn[0] = 1.0;
  fn[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2.0 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = (dn / tn) * m1;
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / m1;
  }
})();

export class Rng {
  /** The seed and path this stream was created from (for forks and for the run manifest). */
  readonly seed: number;
  readonly path: readonly StreamLabel[];
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  private constructor(seed: number, path: readonly StreamLabel[]) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    this.seed = seed;
    this.path = path;
    const [a, b, c, d] = hash128([String(seed), ...path.map(String)].join('/'));
    // The state is kept as signed int32 values so V8 holds it in integer registers.
    this.s0 = a | 0;
    this.s1 = b | 0;
    this.s2 = c | 0;
    this.s3 = d | 0;
    if ((a | b | c | d) === 0) this.s0 = 1; // the all-zero state is the one fixed point
  }

  /** The stream named `path` under experiment seed `seed`. */
  static stream(seed: number, ...path: StreamLabel[]): Rng {
    return new Rng(seed, path);
  }

  /**
   * A stream with an explicit xoshiro128** state (four uint32 words). For tests against the reference
   * implementation; everything else uses `Rng.stream`.
   */
  static fromState(words: readonly [number, number, number, number]): Rng {
    const r = new Rng(0, ['fromState']);
    [r.s0, r.s1, r.s2, r.s3] = words.map((w) => w | 0);
    return r;
  }

  /** A child stream: depends only on this stream's seed and path plus `labels`, never on draws made. */
  fork(...labels: StreamLabel[]): Rng {
    return new Rng(this.seed, [...this.path, ...labels]);
  }

  /** Next uint32 (xoshiro128**). */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    this.s1 = s1 ^ n2;
    this.s0 = s0 ^ n3;
    this.s2 = n2 ^ t;
    this.s3 = (n3 << 11) | (n3 >>> 21);
    return result;
  }

  /** Fill `out` with uint32 draws: the same sequence as repeated `nextUint32()`, state in locals. */
  fillUint32(out: Uint32Array): Uint32Array {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < out.length; i++) {
      const m = Math.imul(s1, 5);
      out[i] = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  float(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / TWO_POW_53;
  }

  /** Uniform double in (0, 1): never 0, safe for logarithms. */
  floatOpen(): number {
    let u = this.float();
    while (u === 0) u = this.float();
    return u;
  }

  /** Uniform integer in [0, n), unbiased (rejection), for 1 ≤ n ≤ 2^32. */
  int(n: number): number {
    if (!(n >= 1 && n <= TWO_POW_32) || !Number.isInteger(n)) {
      throw new RangeError(`int(n) needs an integer 1 ≤ n ≤ 2^32, got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let r = this.nextUint32();
    while (r >= limit) r = this.nextUint32();
    return r % n;
  }

  /** Standard normal draw (ziggurat). */
  normal(): number {
    const hz = this.nextUint32() | 0;
    const iz = hz & 127;
    if (Math.abs(hz) < kn[iz]) return hz * wn[iz];
    return this.normalTail(hz, iz);
  }

  private normalTail(hz0: number, iz0: number): number {
    let hz = hz0;
    let iz = iz0;
    for (;;) {
      const x = hz * wn[iz];
      if (iz === 0) {
        let xt: number;
        let yt: number;
        do {
          xt = -Math.log(this.floatOpen()) / ZIG_R;
          yt = -Math.log(this.floatOpen());
        } while (yt + yt < xt * xt);
        return hz > 0 ? ZIG_R + xt : -ZIG_R - xt;
      }
      if (fn[iz] + this.float() * (fn[iz - 1] - fn[iz]) < Math.exp(-0.5 * x * x)) return x;
      hz = this.nextUint32() | 0;
      iz = hz & 127;
      if (Math.abs(hz) < kn[iz]) return hz * wn[iz];
    }
  }

  /**
   * Fill `out[offset .. offset+count)` with standard normal draws: the same sequence as repeated
   * `normal()` calls, with the generator state held in local variables (≈10× faster).
   */
  fillNormal(out: Float64Array, offset = 0, count = out.length - offset): Float64Array {
    const end = offset + count;
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = offset; i < end; i++) {
      const m = Math.imul(s1, 5);
      const hz = Math.imul((m << 7) | (m >>> 25), 9) | 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      const iz = hz & 127;
      if (Math.abs(hz) < kn[iz]) {
        out[i] = hz * wn[iz];
      } else {
        // Rare (~1.2%): the tail/wedge path draws more numbers through the object's state.
        this.s0 = s0;
        this.s1 = s1;
        this.s2 = s2;
        this.s3 = s3;
        out[i] = this.normalTail(hz, iz);
        s0 = this.s0;
        s1 = this.s1;
        s2 = this.s2;
        s3 = this.s3;
      }
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }

  /** Exponential(1). */
  exponential(): number {
    return -Math.log(this.floatOpen());
  }

  /** Gamma(shape, 1) by Marsaglia & Tsang (2000); shape > 0. */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
    if (shape < 1) {
      // Boost: Gamma(a) = Gamma(a+1) · U^(1/a).
      return this.gamma(shape + 1) * Math.pow(this.floatOpen(), 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.floatOpen();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Beta(a, b) as X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x / (x + y);
  }

  /** Binomial(n, p) by inversion for small n·min(p,1-p), else by summing geometric waiting times. */
  binomial(n: number, p: number): number {
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`binomial n must be a non-negative integer, got ${n}`);
    if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial p must lie in [0, 1], got ${p}`);
    if (p === 0 || n === 0) return 0;
    if (p === 1) return n;
    if (p > 0.5) return n - this.binomial(n, 1 - p);
    // Waiting-time method: count successes by skipping geometric gaps; O(n·p) expected draws.
    const logq = Math.log1p(-p);
    let x = 0;
    let sum = 0;
    for (;;) {
      sum += Math.floor(Math.log(this.floatOpen()) / logq) + 1;
      if (sum > n) return x;
      x++;
    }
  }

  /** Multinomial(n, probs): counts per category (probs need not be normalised). */
  multinomial(n: number, probs: ArrayLike<number>): Int32Array {
    const k = probs.length;
    const counts = new Int32Array(k);
    let total = 0;
    for (let i = 0; i < k; i++) total += probs[i];
    let left = n;
    let mass = total;
    for (let i = 0; i < k - 1 && left > 0; i++) {
      const p = mass > 0 ? Math.min(1, Math.max(0, probs[i] / mass)) : 0;
      const c = this.binomial(left, p);
      counts[i] = c;
      left -= c;
      mass -= probs[i];
    }
    if (k > 0) counts[k - 1] += left;
    return counts;
  }

  /** Shuffle `a` in place (Fisher–Yates) and return it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** k distinct integers from [0, n), in random order (partial Fisher–Yates; O(n) memory). */
  sampleWithoutReplacement(n: number, k: number): Int32Array {
    if (k > n) throw new RangeError(`cannot draw ${k} distinct items from ${n}`);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p.slice(0, k);
  }

  /** k integers from [0, n) with replacement. */
  sampleWithReplacement(n: number, k: number): Int32Array {
    const out = new Int32Array(k);
    for (let i = 0; i < k; i++) out[i] = this.int(n);
    return out;
  }

  /** An index drawn with probability ∝ weights[i] (weights ≥ 0, not all zero). */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i];
    if (!(total > 0)) throw new RangeError('categorical weights must have a positive sum');
    let u = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    // Rounding left u ≥ 0: return the last index with positive weight.
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
    return weights.length - 1;
  }
}
