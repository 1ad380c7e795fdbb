/**
 * Parallel training is one model per worker thread (piscina), each session with one ORT intra-op
 * thread: models trained side by side in workers equal the same models trained on the main thread.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { describe, expect, it } from 'vitest';
import { trainXor } from './fixtures/train-worker.ts';

describe('one model per worker thread', () => {
  it('two workers train concurrently and reproduce the main-thread weights bit for bit', async () => {
    const pool = new Piscina({
      filename: fileURLToPath(new URL('./fixtures/train-worker.ts', import.meta.url)),
      execArgv: ['--import', 'tsx'],
      maxThreads: 2,
      minThreads: 2,
    });
    try {
      const [a, b] = await Promise.all([pool.run({ seed: 1 }), pool.run({ seed: 2 })]);
      expect(a).toEqual(trainXor(1));
      expect(b).toEqual(trainXor(2));
      expect(a).not.toEqual(b);
    } finally {
      await pool.destroy();
    }
  });
});
