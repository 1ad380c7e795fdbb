import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countDrawnCells } from '../../src/metrics/bootstrap.ts';
import { countConfusion } from '../../src/metrics/confusion.ts';

/** The definition: one cell per (group, true, predicted), counted row by row. */
function naiveCells(t: ArrayLike<number>, p: ArrayLike<number>, g: ArrayLike<number>, G: number): number[] {
  const cells = new Array<number>(G * 4).fill(0);
  for (let i = 0; i < t.length; i++) cells[g[i] * 4 + t[i] * 2 + p[i]]++;
  return cells;
}

const rowsArb = (G: number) =>
  fc
    .array(
      fc.tuple(
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: G - 1 }),
      ),
      {
        maxLength: 67,
      },
    )
    .map((rows) => ({
      t: Uint8Array.from(rows.map((r) => r[0])),
      p: Uint8Array.from(rows.map((r) => r[1])),
      g: Int32Array.from(rows.map((r) => r[2])),
    }));

describe('countConfusion, binary labels (four interleaved histograms)', () => {
  it('equals the row-by-row count for every length (blocks of four and the tail)', () => {
    for (const G of [1, 3, 6, 8]) {
      fc.assert(
        fc.property(rowsArb(G), ({ t, p, g }) => {
          const c = countConfusion({ yTrue: t, yPred: p, groupCodes: g, groupCount: G, classCount: 2 });
          expect(Array.from(c.cells)).toEqual(naiveCells(t, p, g, G));
          const rows = new Array<number>(G).fill(0);
          for (const gi of g) rows[gi]++;
          expect(Array.from(c.rows)).toEqual(rows);
        }),
        { numRuns: 150 },
      );
    }
  });

  it('group codes whose bitwise OR exceeds the group count are still valid (G = 6: 3 | 4 = 7)', () => {
    const g = Int32Array.from([3, 4, 5, 2, 3, 4, 1, 0]);
    const t = new Int32Array(8).fill(1);
    const p = new Int32Array(8);
    const c = countConfusion({ yTrue: t, yPred: p, groupCodes: g, groupCount: 6, classCount: 2 });
    expect(Array.from(c.rows)).toEqual([1, 1, 1, 2, 2, 1]);
  });

  it('names the first invalid row wherever it falls: inside a block, after one, in the tail', () => {
    for (const [bad, n] of [
      [0, 8],
      [2, 8],
      [5, 8],
      [7, 8],
      [9, 10],
    ] as const) {
      const t = new Int32Array(n);
      const p = new Int32Array(n);
      const g = new Int32Array(n);
      p[bad] = 2;
      if (bad + 1 < n) t[bad + 1] = -1; // a later bad row must not be reported first
      expect(() =>
        countConfusion({ yTrue: t, yPred: p, groupCodes: g, groupCount: 1, classCount: 2 }),
      ).toThrow(`yPred[${bad}] is 2: expected an integer code in 0..1`);
    }
    const g = Int32Array.from([0, 1, 0, 5, 0]);
    expect(() =>
      countConfusion({
        yTrue: new Int32Array(5),
        yPred: new Int32Array(5),
        groupCodes: g,
        groupCount: 2,
        classCount: 2,
      }),
    ).toThrow('groups[3] is 5: expected an integer code in 0..1');
  });
});

describe('countDrawnCells (the row bootstrap count)', () => {
  it('counts every drawn row once, whatever the number of draws', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(fc.nat(), { maxLength: 41 }), (K, raw) => {
        const cellIndex = Int32Array.from({ length: 17 }, (_, i) => (i * 7) % K);
        const idx = Int32Array.from(raw.map((r) => r % 17));
        const cells = new Float64Array(K).fill(-1);
        countDrawnCells(idx, cellIndex, new Uint32Array(4 * K).fill(9), cells);
        const expected = new Array<number>(K).fill(0);
        for (const i of idx) expected[cellIndex[i]]++;
        expect(Array.from(cells)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
