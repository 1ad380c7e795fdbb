/**
 * The transformer language model's contract on a small model trained briefly on State of the Union
 * paragraphs: the KV cache against full recomputation (the exported forward graph run by plain
 * onnxruntime is the oracle), past the context too; the decoding methods' equivalences (greedy,
 * beam width 1, top-k 1, top-p → 0, temperature 0); beam search against exhaustive search;
 * sampling determinism; warm starts, resumption and checkpoints; clear errors for bad input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.ts';
import { InferenceSession as PublicSession, Tensor as PublicTensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BiasloopError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';
import { loadSotu } from '../../src/data/sotu.ts';
import { TransformerLm } from '../../src/models/transformer-lm.ts';
import type { TransformerLmOptions } from '../../src/models/transformer-lm.ts';
import { MlpClassifier } from '../../src/models/mlp.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/nn/checkpoint.ts';
import { BpeTokenizer } from '../../src/text/bpe-tokenizer.ts';

const SMALL: TransformerLmOptions = {
  context: 16,
  width: 32,
  heads: 2,
  blocks: 2,
  training: { epochs: 1, batchSize: 16, learningRate: 3e-3 },
};

let texts: string[];
let lm: TransformerLm;

function sameBytes(a: Float32Array | Float64Array, b: Float32Array | Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

beforeAll(() => {
  texts = loadSotu({ years: [1990, 2021] })
    .paragraphs.slice(0, 160)
    .map((p) => p.text);
  lm = new TransformerLm(SMALL);
  lm.fit(texts.slice(0, 120), { rng: Rng.stream(1, 'lm') });
});

describe('KV cache', () => {
  it('gives the logits of full recomputation (plain onnxruntime on the exported graph), within and past the context', async () => {
    const exported = await PublicSession.create(lm.exportOnnx());
    const V = lm.tokenizer.vocabSize;
    const C = lm.architecture.context;
    const prompts = [lm.encode('The economy'), lm.encode('We'), lm.encode('Tonight, I ask the Congress to')];
    const cached = lm.decoder(prompts);
    const recomputed = lm.decoder(prompts, { cache: false });
    const rng = Rng.stream(2, 'forced');
    let worst = 0;
    let worstOracle = 0;
    for (let step = 0; step < 2.5 * C; step++) {
      const a = cached.logits();
      const b = recomputed.logits();
      worst = Math.max(worst, maxAbsDiff(a, b));
      for (let r = 0; r < prompts.length; r++) {
        const history = cached.history(r);
        const window = history.subarray(Math.max(0, history.length - C));
        const out = await exported.run({
          ids: new PublicTensor('int64', BigInt64Array.from(window, BigInt), [1, window.length]),
        });
        const logits = out.logits.data as Float32Array;
        const last = logits.subarray((window.length - 1) * V);
        worstOracle = Math.max(worstOracle, maxAbsDiff(a.subarray(r * V, (r + 1) * V), last));
      }
      const next = prompts.map(() => rng.int(V));
      cached.push(next);
      recomputed.push(next);
    }
    // float32 logits of magnitude ~10: the cache and the padded batch change only rounding.
    expect(worst).toBeLessThan(1e-4);
    expect(worstOracle).toBeLessThan(1e-4);
    await exported.release();
    // The KV-cache pair exports too, for decoding outside biasloop.
    for (const graph of ['prefill', 'step'] as const) {
      const session = await PublicSession.create(lm.exportOnnx(graph));
      expect(session.outputNames).toContain('logits');
      await session.release();
    }
  });

  it("'restart' conditions on the last restartKeep tokens once the context is full, then caches again", () => {
    const C = lm.architecture.context;
    const keep = 5;
    const prompts = [lm.encode('Our nation'), lm.encode('Health care for all Americans (longer than C)')];
    const decoder = lm.decoder(prompts, { overflow: 'restart', restartKeep: keep });
    // The prompt windows are prefilled whole (the last C tokens of a longer prompt).
    const starts = prompts.map((p) => Math.max(0, p.length - C));
    const rng = Rng.stream(3, 'forced');
    let worst = 0;
    let restarts = 0;
    for (let step = 0; step < 3 * C; step++) {
      const logits = decoder.logits();
      // The documented rule: when the longest row's next position would reach the context, every
      // row's window restarts at its last `keep` tokens.
      const lengths = prompts.map((_, r) => decoder.history(r).length);
      if (step > 0 && Math.max(...lengths.map((len, r) => len - 1 - starts[r])) >= C) {
        lengths.forEach((len, r) => (starts[r] = Math.max(0, len - keep)));
        restarts++;
      }
      const V = lm.tokenizer.vocabSize;
      for (let r = 0; r < prompts.length; r++) {
        const window = decoder.history(r).slice(Math.max(starts[r], lengths[r] - C));
        const expected = lm.decoder([window], { cache: false }).logits();
        worst = Math.max(worst, maxAbsDiff(logits.subarray(r * V, (r + 1) * V), expected));
      }
      decoder.push(prompts.map(() => rng.int(V)));
    }
    expect(worst).toBeLessThan(1e-4);
    expect(restarts).toBeGreaterThanOrEqual(4);
  });
});

describe('decoding methods', () => {
  const prompts = ['The State of the Union', 'We will', 'Health', 'America is strong because'];
  const greedy = (): Int32Array[] => lm.generate(prompts, { maxNewTokens: 40 }, Rng.stream(0, 'g'));

  it('greedy = beam search of width 1 = top-k 1 = top-p → 0 = temperature 0, past the context', () => {
    const g = greedy();
    const same = (decoding: Parameters<TransformerLm['generate']>[1]['decoding']): Int32Array[] =>
      lm.generate(prompts, { maxNewTokens: 40, decoding }, Rng.stream(5, 's'));
    expect(same({ method: 'beam', width: 1 })).toEqual(g);
    expect(same({ method: 'sample', topK: 1 })).toEqual(g);
    expect(same({ method: 'sample', topP: 1e-9 })).toEqual(g);
    expect(same({ method: 'sample', temperature: 0 })).toEqual(g);
    // Without the KV cache the same tokens come out.
    expect(lm.generate(prompts, { maxNewTokens: 40, cache: false }, Rng.stream(0, 'g'))).toEqual(g);
  });

  it('greedy and beam width 1 also agree with a stop token (which ends the row and is kept)', () => {
    const stop = lm.encode('e')[0];
    const g = lm.generate(prompts, { maxNewTokens: 30, stopToken: stop }, Rng.stream(0, 'g'));
    const b = lm.generate(
      prompts,
      { maxNewTokens: 30, stopToken: stop, decoding: { method: 'beam', width: 1 } },
      Rng.stream(0, 'g'),
    );
    expect(b).toEqual(g);
    for (const row of g) {
      const at = row.indexOf(stop);
      expect(at === -1 ? row.length : at + 1).toBe(row.length);
    }
    expect(g.some((row) => row.length < 30)).toBe(true);
  });

  it('beam search with width V finds the most probable two-token continuation (exhaustive search)', () => {
    const V = lm.tokenizer.vocabSize;
    const prompt = lm.encode('The people of the United');
    const [best] = lm.generate(
      [prompt],
      { maxNewTokens: 2, decoding: { method: 'beam', width: V } },
      Rng.stream(0, 'b'),
    );
    const logSoftmax = (logits: Float32Array, r: number): Float64Array => {
      const row = Float64Array.from(logits.subarray(r * V, (r + 1) * V));
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
      return row.map((x) => x - lse);
    };
    const first = logSoftmax(lm.decoder([prompt]).logits(), 0);
    const second = lm
      .decoder(
        Array.from({ length: V }, (_, t) => [...prompt, t]),
        { cache: false },
      )
      .logits();
    let bestScore = -Infinity;
    let bestPair = [-1, -1];
    for (let t1 = 0; t1 < V; t1++) {
      const lp = logSoftmax(second, t1);
      for (let t2 = 0; t2 < V; t2++) {
        if (first[t1] + lp[t2] > bestScore) {
          bestScore = first[t1] + lp[t2];
          bestPair = [t1, t2];
        }
      }
    }
    expect(Array.from(best)).toEqual(bestPair);
  });

  it('sampling is reproducible for a seed, differs across seeds, and does not depend on the batch size', () => {
    const options = {
      maxNewTokens: 50,
      decoding: { method: 'sample' as const, temperature: 1, topK: 20, topP: 0.95 },
    };
    const a = lm.generate(prompts, options, Rng.stream(9, 'sample'));
    expect(lm.generate(prompts, options, Rng.stream(9, 'sample'))).toEqual(a);
    expect(lm.generate(prompts, { ...options, batchSize: 1 }, Rng.stream(9, 'sample'))).toEqual(a);
    expect(lm.generate(prompts, options, Rng.stream(10, 'sample'))).not.toEqual(a);
    expect(a.every((row) => row.length === 50)).toBe(true);
    const text = lm.generateText(['The'], options, Rng.stream(9, 'sample'))[0];
    expect(text).toBe(lm.tokenizer.decode(lm.generate(['The'], options, Rng.stream(9, 'sample'))[0]));
  });

  it('top-k draws only among the k most probable tokens', () => {
    const V = lm.tokenizer.vocabSize;
    const logits = lm.decoder(['The']).logits();
    const order = Array.from({ length: V }, (_, i) => i).sort((x, y) => logits[y] - logits[x]);
    const allowed = new Set(order.slice(0, 3));
    const draws = lm.generate(
      Array.from({ length: 200 }, () => 'The'),
      { maxNewTokens: 1, decoding: { method: 'sample', topK: 3, temperature: 2 } },
      Rng.stream(4, 'topk'),
    );
    const seen = new Set(draws.map((d) => d[0]));
    expect([...seen].every((t) => allowed.has(t))).toBe(true);
    expect(seen.size).toBe(3);
  });
});

describe('generation and scoring with data parallelism (threads 2, parallelism data)', () => {
  const models: TransformerLm[] = [];
  afterAll(() => {
    for (const m of models) m.dispose();
  });
  const parallel = (from: TransformerLm): TransformerLm => {
    const m = TransformerLm.fromState(from.exportState(), {
      ...SMALL.training,
      threads: 2,
      parallelism: 'data',
    });
    models.push(m);
    return m;
  };
  const prompts = ['The economy', 'We', 'Tonight, I ask the Congress to', 'America', 'Our'];

  it('gives exactly the one-thread continuations: sampling, greedy and beam search, any number of prompts', () => {
    const dp = parallel(lm);
    const decodings = [
      { method: 'sample' as const, temperature: 1, topK: 20, topP: 0.95 },
      { method: 'greedy' as const },
      { method: 'beam' as const, width: 3 },
    ];
    for (const decoding of decodings) {
      for (const list of [prompts, prompts.slice(0, 2), prompts.slice(0, 1)]) {
        const options = { maxNewTokens: 30, decoding, stopToken: lm.tokenizer.newline, batchSize: 2 };
        const one = lm.generate(list, options, Rng.stream(9, 'dp'));
        expect(dp.generate(list, options, Rng.stream(9, 'dp'))).toEqual(one);
      }
    }
  });

  it('the worker takes new weights after a fit and after importState', () => {
    const dp = parallel(lm);
    const options = { maxNewTokens: 20, decoding: { method: 'sample' as const } };
    const before = dp.generate(prompts, options, Rng.stream(3, 'w'));
    dp.fit(texts.slice(120, 150), { rng: Rng.stream(7, 'refit'), warmStart: true });
    const reference = TransformerLm.fromState(dp.exportState(), SMALL.training);
    models.push(reference);
    const after = dp.generate(prompts, options, Rng.stream(3, 'w'));
    expect(after).not.toEqual(before);
    expect(after).toEqual(reference.generate(prompts, options, Rng.stream(3, 'w')));
    dp.importState(lm.exportState());
    expect(dp.generate(prompts, options, Rng.stream(3, 'w'))).toEqual(before);
  });

  it('evaluate and logProbs equal one thread exactly (windows split over the threads)', () => {
    const dp = parallel(lm);
    const docs = texts.slice(140, 150);
    for (const options of [{}, { stride: 1, batchSize: 7 }, { stride: 5 }]) {
      expect(dp.evaluate(docs, options)).toEqual(lm.evaluate(docs, options));
      const long = docs.join(' ');
      expect(dp.logProbs(lm.encode(long), options)).toEqual(lm.logProbs(lm.encode(long), options));
    }
    expect(dp.logProbs(lm.encode('We'))).toEqual(lm.logProbs(lm.encode('We')));
    expect(() => dp.evaluate(docs, { stride: 0 })).toThrow(BiasloopError);
  });

  it('bad input is the same error as on one thread, from either part, and the model keeps working', () => {
    const dp = parallel(lm);
    const bad = [lm.encode('We'), Int32Array.of(1, lm.tokenizer.vocabSize + 5)];
    const errorOf = (f: () => unknown): BiasloopError => {
      try {
        f();
      } catch (e) {
        return e as BiasloopError;
      }
      throw new Error('expected an error');
    };
    const options = { maxNewTokens: 5 };
    const local = errorOf(() => lm.generate(bad, options, Rng.stream(1)));
    const remote = errorOf(() => dp.generate(bad, options, Rng.stream(1)));
    expect(remote).toBeInstanceOf(BiasloopError);
    expect(remote.kind).toBe(local.kind);
    expect(remote.message).toBe(local.message);
    const usage = errorOf(() => dp.generate(prompts, { maxNewTokens: -1 }, Rng.stream(1)));
    expect(usage.kind).toBe('usage');
    expect(dp.generate(prompts, options, Rng.stream(1))).toEqual(
      lm.generate(prompts, options, Rng.stream(1)),
    );
  });
});

describe('training', () => {
  it('is deterministic for a seed, and equal weights for sample weights that are all equal', () => {
    const docs = texts.slice(0, 30);
    const fit = (weights?: Float64Array): TransformerLm => {
      const m = new TransformerLm(SMALL);
      m.fit(docs, { rng: Rng.stream(4, 'det'), sampleWeight: weights });
      return m;
    };
    const a = fit().parameters();
    const b = fit().parameters();
    const c = fit(new Float64Array(docs.length).fill(2)).parameters();
    for (const [name, v] of a) {
      expect(sameBytes(v, b.get(name) as Float32Array)).toBe(true);
      expect(sameBytes(v, c.get(name) as Float32Array)).toBe(true);
    }
  });

  it('a warm start continues from the weights and optimizer state; resuming from a checkpoint equals not stopping', () => {
    const docs = texts.slice(0, 60);
    const fresh = new TransformerLm(SMALL);
    const first = fresh.fit(docs, { rng: Rng.stream(5, 'a') });
    const before = fresh.evaluate(docs.slice(0, 20)).nll;
    const second = fresh.fit(docs, { rng: Rng.stream(5, 'b'), warmStart: true });
    expect(second.objective as number).toBeLessThan(first.objective as number);
    expect(fresh.evaluate(docs.slice(0, 20)).nll).toBeLessThan(before);

    const interrupted = new TransformerLm(SMALL);
    interrupted.fit(docs, { rng: Rng.stream(5, 'a') });
    const file = join(tempDir('biasloop-lm-'), 'lm.ckpt');
    saveCheckpoint(file, interrupted.exportState());
    const resumed = TransformerLm.fromState(loadCheckpoint(file), SMALL.training);
    resumed.fit(docs, { rng: Rng.stream(5, 'b'), warmStart: true });
    for (const [name, v] of fresh.parameters()) {
      expect(sameBytes(v, resumed.parameters().get(name) as Float32Array)).toBe(true);
    }
  });

  it('a diverging fit stops with a numeric error naming the step and keeps the last good weights', () => {
    const m = new TransformerLm({
      ...SMALL,
      training: { ...SMALL.training, learningRate: 1e30, clipGradNorm: undefined },
    });
    let error: unknown;
    try {
      m.fit(texts.slice(0, 20), { rng: Rng.stream(6, 'nan') });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BiasloopError);
    expect((error as BiasloopError).kind).toBe('numeric');
    expect((error as Error).message).toMatch(
      /loss is (NaN|Infinity) at step (\d+); the parameters from step \d+ were kept/,
    );
    for (const v of m.parameters().values()) expect(v.every(Number.isFinite)).toBe(true);
  });
});

describe('checkpoints, export and errors', () => {
  it('round-trips through a checkpoint file: same logits and the same generations', () => {
    const file = join(tempDir('biasloop-lm-'), 'lm.ckpt');
    saveCheckpoint(file, lm.exportState());
    const loaded = TransformerLm.fromState(loadCheckpoint(file));
    expect(Array.from(loaded.decoder(['Freedom']).logits())).toEqual(
      Array.from(lm.decoder(['Freedom']).logits()),
    );
    const options = { maxNewTokens: 20, decoding: { method: 'sample' as const } };
    expect(loaded.generate(['Freedom'], options, Rng.stream(1, 'x'))).toEqual(
      lm.generate(['Freedom'], options, Rng.stream(1, 'x')),
    );
    const into = new TransformerLm(SMALL);
    into.importState(lm.exportState());
    expect(into.evaluate(texts.slice(130, 140)).nll).toBeCloseTo(lm.evaluate(texts.slice(130, 140)).nll, 9);
  });

  it('a state of another architecture, tokenizer or model kind, and a corrupt file, are clear errors', () => {
    expect(() => new TransformerLm({ ...SMALL, width: 16 }).importState(lm.exportState())).toThrow(
      /checkpoint holds a 'transformer-lm' model \(\w+\), not this 'transformer-lm' model \(\w+\)/,
    );
    const bpe = BpeTokenizer.train(texts.slice(0, 20), { vocabSize: 120 });
    expect(() => new TransformerLm({ ...SMALL, tokenizer: bpe }).importState(lm.exportState())).toThrow(
      /checkpoint holds a 'transformer-lm' model/,
    );
    const mlp = new MlpClassifier({ hidden: [2], training: { epochs: 1 } });
    expect(() => new TransformerLm(SMALL).importState({ ...lm.exportState(), kind: 'mlp' })).toThrow(
      /checkpoint holds a 'mlp' model/,
    );
    expect(() => TransformerLm.fromState({ ...lm.exportState(), kind: mlp.kind })).toThrow(
      /checkpoint holds a 'mlp' model, not a 'transformer-lm' model/,
    );
    const file = join(tempDir('biasloop-lm-'), 'lm.ckpt');
    saveCheckpoint(file, lm.exportState());
    const bytes = readFileSync(file);
    bytes[bytes.length - 5] ^= 0x40;
    writeFileSync(file, bytes);
    expect(() => loadCheckpoint(file)).toThrow(/is corrupt \(checksum mismatch/);
  });

  it('bad input is a clear error', () => {
    expect(() => new TransformerLm({ width: 30, heads: 4 })).toThrow(/width 30 is not divisible by 4 heads/);
    expect(() => new TransformerLm({ context: 1 })).toThrow(/context 1 must be an integer ≥ 2/);
    expect(() => new TransformerLm(SMALL).fit(['short'], { rng: Rng.stream(1) })).toThrow(
      /training text has 6 tokens .* needs at least context \+ 1 = 17/,
    );
    expect(() => new TransformerLm(SMALL).generate(['x'], { maxNewTokens: 1 }, Rng.stream(1))).toThrow(
      /not fitted/,
    );
    expect(() => lm.generate([''], { maxNewTokens: 3 }, Rng.stream(1))).toThrow(/prompt 0 is empty/);
    expect(() => lm.generate([[5, 500]], { maxNewTokens: 3 }, Rng.stream(1))).toThrow(
      /document 0, token 1: id 500 is outside the vocabulary 0..95/,
    );
    const r = Rng.stream(1);
    expect(() => lm.generate(['a'], { maxNewTokens: 3, decoding: { method: 'sample', topP: 0 } }, r)).toThrow(
      /topP 0 must be in \(0, 1\]/,
    );
    expect(() => lm.generate(['a'], { maxNewTokens: 3, decoding: { method: 'beam', width: 0 } }, r)).toThrow(
      /beam width 0 must be an integer in 1..96/,
    );
    expect(() => lm.generate(['a'], { maxNewTokens: -1 }, r)).toThrow(/maxNewTokens -1/);
    expect(() => lm.decoder(['a'], { overflow: 'restart', restartKeep: 16 })).toThrow(
      /restartKeep 16 must be an integer in 1..15/,
    );
    expect(() => lm.fit(texts, { rng: r, sampleWeight: new Float64Array(3) })).toThrow(
      /3 sample weights for 160 documents/,
    );
    expect(() => lm.evaluate(texts.slice(0, 2), { stride: 0 })).toThrow(
      /stride 0 must be an integer in 1..16/,
    );
    expect(() => lm.evaluate(['a', ''])).toThrow(/nothing to score/);
  });

  it('evaluate scores every token but the first of each document, and logProbs agrees with it', () => {
    const docs = texts.slice(140, 143);
    const ev = lm.evaluate(docs);
    const lengths = docs.map((d) => lm.encode(d).length);
    expect(ev.tokens).toBe(lengths.reduce((s, n) => s + n - 1, 0));
    const total = docs.reduce((s, d) => s + lm.logProbs(lm.encode(d)).reduce((a, b) => a + b, 0), 0);
    expect(-total).toBeCloseTo(ev.nll, 6);
    expect(ev.bitsPerCharacter).toBeCloseTo(ev.nll / ev.characters / Math.LN2, 12);
    // stride 1: each token is predicted from its full context (the C tokens before it).
    const doc = lm.encode(docs[0]);
    const lp = lm.logProbs(doc, { stride: 1 });
    const C = lm.architecture.context;
    const V = lm.tokenizer.vocabSize;
    for (const i of [0, 5, C - 2, C - 1, C + 3, doc.length - 2]) {
      const logits = lm.decoder([doc.subarray(Math.max(0, i + 1 - C), i + 1)], { cache: false }).logits();
      const max = Math.max(...logits);
      const lse = max + Math.log(logits.reduce((sum, x) => sum + Math.exp(x - max), 0));
      expect(lp[i]).toBeCloseTo(logits[doc[i + 1]] - lse, 5);
    }
    expect(lp.length).toBe(doc.length - 1);
    expect(lp.every((x) => x < 0)).toBe(true);
    expect(V).toBe(96);
  });
});
