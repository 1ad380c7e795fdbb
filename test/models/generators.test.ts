import { describe, expect, it } from 'vitest';
import { createDataset, simpleSchema, type Dataset, type DatasetSchema } from '../../src/core/dataset.ts';
import { Rng } from '../../src/core/rng.ts';
import { largestRemainder } from '../../src/models/cell-sampling.ts';
import { GaussianGenerator } from '../../src/models/gaussian-generator.ts';
import { GmmGenerator } from '../../src/models/gmm-generator.ts';
import { rowsByCell } from '../../src/models/moments.ts';
import type { SampleRequest } from '../../src/models/types.ts';
import { smallDataset } from '../helpers.ts';

const request = (n: number, extra: Partial<SampleRequest> = {}): SampleRequest => ({
  n,
  conditioning: 'stratified',
  temperature: 1,
  cellTemperature: 1,
  generation: 1,
  ...extra,
});

/** n rows of one cell (class 1, group 0) from N(mean, L Lᵀ). */
function gaussianRows(n: number, mean: number[], l: number[][], rng: Rng): Dataset {
  const d = mean.length;
  const x = new Float64Array(n * d);
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    rng.fillNormal(z);
    for (let a = 0; a < d; a++) {
      let v = mean[a];
      for (let b = 0; b <= a; b++) v += l[a][b] * z[b];
      x[i * d + a] = v;
    }
  }
  return createDataset({
    schema: simpleSchema({
      featureNames: ['u', 'v'],
      classNames: ['neg', 'pos'],
      attribute: 'g',
      levels: ['a', 'b'],
    }),
    x,
    y: new Int32Array(n).fill(1),
    group: new Int32Array(n),
  });
}

describe('GaussianGenerator', () => {
  it('fits the exact cell mean and MLE covariance of a hand-computed example', () => {
    // Cell (class 1, group 0): rows (1,2), (3,6), (5,4): mean (3,4); MLE covariance
    // [[8/3, 4/3], [4/3, 8/3]] (divisor 3); unbiased: [[4, 2], [2, 4]].
    const ds = smallDataset(
      [
        [1, 2],
        [3, 6],
        [5, 4],
        [0, 0],
      ],
      [1, 1, 1, 0],
      [0, 0, 0, 1],
    );
    const g = new GaussianGenerator({ regularization: 0, minCellSize: 2 });
    g.fit(ds, { rng: Rng.stream(0, 't') });
    const cell = 1 * 2 + 0;
    expect(Array.from(g.means[cell])).toEqual([3, 4]);
    const cov = g.covariance(cell);
    [8 / 3, 4 / 3, 4 / 3, 8 / 3].forEach((v, i) => expect(cov[i]).toBeCloseTo(v, 12));
    const u = new GaussianGenerator({ regularization: 0, estimator: 'unbiased', minCellSize: 2 });
    u.fit(ds, { rng: Rng.stream(0, 't') });
    [4, 2, 2, 4].forEach((v, i) => expect(u.covariance(cell)[i]).toBeCloseTo(v, 12));
  });

  it('recovers a known mean and covariance from 200,000 draws, and samples them back', () => {
    const mean = [1.5, -2];
    const l = [
      [2, 0],
      [0.6, 0.8],
    ]; // Σ = [[4, 1.2], [1.2, 1]]
    const sigma = [4, 1.2, 1.2, 1];
    const n = 200_000;
    const ds = gaussianRows(n, mean, l, Rng.stream(1, 'truth'));
    const g = new GaussianGenerator({ regularization: 0 });
    g.fit(ds, { rng: Rng.stream(1, 'fit') });
    const cell = 2; // class 1, group 0
    // Standard errors: mean ≈ sqrt(Σ_ii/n) ≤ 0.0045; covariance entries ≈ sqrt(2/n)·Σ ≤ 0.013.
    expect(Math.abs(g.means[cell][0] - mean[0])).toBeLessThan(5 * Math.sqrt(4 / n));
    expect(Math.abs(g.means[cell][1] - mean[1])).toBeLessThan(5 * Math.sqrt(1 / n));
    const cov = g.covariance(cell);
    sigma.forEach((v, i) => expect(Math.abs(cov[i] - v)).toBeLessThan(5 * Math.sqrt(2 / n) * 4));
    // Sampling at temperature 0.25 scales the covariance by 0.25.
    const s = g.sample(request(n, { temperature: 0.25 }), Rng.stream(1, 'sample'));
    const refit = new GaussianGenerator({ regularization: 0 });
    refit.fit(s, { rng: Rng.stream(1, 'refit') });
    const cov2 = refit.covariance(cell);
    sigma.forEach((v, i) =>
      expect(Math.abs(cov2[i] - 0.25 * v)).toBeLessThan(5 * Math.sqrt(2 / n) * 4 * 0.25 + 0.01),
    );
  });

  it('stratified conditioning keeps cell counts exactly; joint draws them; empty cells stay empty', () => {
    const rows: number[][] = [];
    const y: number[] = [];
    const grp: number[] = [];
    const cells = [
      [0, 0, 40],
      [1, 0, 30],
      [0, 1, 20],
      [1, 1, 0],
    ]; // class 1 × group 1 has vanished
    const rng = Rng.stream(2, 'rows');
    for (const [c, g, k] of cells) {
      for (let i = 0; i < k; i++) {
        rows.push([rng.normal() + c, rng.normal() - g]);
        y.push(c);
        grp.push(g);
      }
    }
    const ds = smallDataset(rows, y, grp);
    const gen = new GaussianGenerator();
    gen.fit(ds, { rng: Rng.stream(2, 'fit') });
    const s = gen.sample(request(180), Rng.stream(2, 's'));
    const count = (c: number, g: number): number => s.y.filter((v, i) => v === c && s.group[i] === g).length;
    expect([count(0, 0), count(1, 0), count(0, 1), count(1, 1)]).toEqual([80, 60, 40, 0]);
    expect(s.provenance.source.every((v) => v === 1)).toBe(true);
    expect(s.provenance.generation.every((v) => v === 1)).toBe(true);
    const j = gen.sample(request(9000, { conditioning: 'joint' }), Rng.stream(2, 'j'));
    const jc = (c: number, g: number): number => j.y.filter((v, i) => v === c && j.group[i] === g).length;
    expect(jc(1, 1)).toBe(0);
    expect(Math.abs(jc(0, 0) / 9000 - 4 / 9)).toBeLessThan(0.02);
    // cellTemperature < 1 favours the largest cell.
    const cold = gen.sample(
      request(9000, { conditioning: 'joint', cellTemperature: 0.5 }),
      Rng.stream(2, 'c'),
    );
    const cc = cold.y.filter((v, i) => v === 0 && cold.group[i] === 0).length / 9000;
    expect(cc).toBeCloseTo(16 / (16 + 9 + 4), 1);
  });

  it('snaps one-hot feature blocks to valid indicators', () => {
    const schema: DatasetSchema = {
      featureNames: ['age', 'c=a', 'c=b', 'c=c'],
      featureBlocks: [
        { name: 'age', kind: 'numeric', start: 0, width: 1 },
        { name: 'c', kind: 'onehot', start: 1, width: 3, levels: ['a', 'b', 'c'] },
      ],
      classNames: ['n', 'p'],
      attributes: [{ name: 'g', levels: ['x'] }],
      groupNames: ['x'],
      groupLevels: [[0]],
    };
    const n = 60;
    const x = new Float64Array(n * 4);
    for (let i = 0; i < n; i++) {
      x[i * 4] = 20 + i;
      x[i * 4 + 1 + (i % 3)] = 1;
    }
    const ds = createDataset({
      schema,
      x,
      y: Int32Array.from({ length: n }, (_, i) => i % 2),
      group: new Int32Array(n),
    });
    const gen = new GaussianGenerator();
    gen.fit(ds, { rng: Rng.stream(3, 'f') });
    const s = gen.sample(request(200), Rng.stream(3, 's'));
    for (let i = 0; i < s.n; i++) {
      const block = [s.x[i * 4 + 1], s.x[i * 4 + 2], s.x[i * 4 + 3]];
      expect(block.filter((v) => v === 1).length).toBe(1);
      expect(block.filter((v) => v === 0).length).toBe(2);
    }
  });

  it('is deterministic for a seed and round-trips its state', () => {
    const ds = gaussianRows(
      500,
      [0, 0],
      [
        [1, 0],
        [0, 1],
      ],
      Rng.stream(4, 'rows'),
    );
    const a = new GaussianGenerator();
    a.fit(ds, { rng: Rng.stream(4, 'f') });
    const b = new GaussianGenerator();
    b.importState(a.exportState());
    const sa = a.sample(request(100), Rng.stream(4, 's'));
    const sb = b.sample(request(100), Rng.stream(4, 's'));
    expect(Array.from(sa.x)).toEqual(Array.from(sb.x));
    expect(() => new GmmGenerator().importState(a.exportState())).toThrow(
      /checkpoint holds a 'gaussian' model/,
    );
  });
});

describe('GmmGenerator', () => {
  it('finds two well-separated components of one cell', () => {
    const left = gaussianRows(
      3000,
      [-4, 0],
      [
        [0.5, 0],
        [0, 0.5],
      ],
      Rng.stream(5, 'l'),
    );
    const right = gaussianRows(
      1000,
      [4, 1],
      [
        [0.5, 0],
        [0, 0.5],
      ],
      Rng.stream(5, 'r'),
    );
    const x = new Float64Array([...left.x, ...right.x]);
    const ds = createDataset({
      schema: left.schema,
      x,
      y: new Int32Array(4000).fill(1),
      group: new Int32Array(4000),
    });
    const g = new GmmGenerator({ components: 2 });
    const report = g.fit(ds, { rng: Rng.stream(5, 'fit') });
    expect(report.converged).toBe(true);
    const mix = g.mixtures[2];
    const order = mix.means[0][0] < mix.means[1][0] ? [0, 1] : [1, 0];
    expect(mix.weights[order[0]]).toBeCloseTo(0.75, 2);
    expect(mix.means[order[0]][0]).toBeCloseTo(-4, 1);
    expect(mix.means[order[1]][0]).toBeCloseTo(4, 1);
    expect(mix.means[order[1]][1]).toBeCloseTo(1, 1);
    const s = g.sample(request(4000), Rng.stream(5, 's'));
    const rightShare = Array.from({ length: s.n }, (_, i) => s.x[i * 2]).filter((v) => v > 0).length / s.n;
    expect(Math.abs(rightShare - 0.25)).toBeLessThan(0.03);
    const copy = new GmmGenerator({ components: 2 });
    copy.importState(g.exportState());
    expect(Array.from(copy.sample(request(10), Rng.stream(5, 'x')).x)).toEqual(
      Array.from(g.sample(request(10), Rng.stream(5, 'x')).x),
    );
  });
});

describe('largestRemainder', () => {
  it('allocates an exact total by largest remainders', () => {
    expect(Array.from(largestRemainder(10, [1, 1, 1]))).toEqual([4, 3, 3]);
    expect(Array.from(largestRemainder(7, [0.5, 0.25, 0.25]))).toEqual([3, 2, 2]);
    expect(Array.from(largestRemainder(5, [0, 0]))).toEqual([0, 0]);
  });
});

describe('rowsByCell', () => {
  it('lists the rows of each (class, group) cell in increasing order, empty cells included', () => {
    const schema = simpleSchema({
      featureNames: ['a'],
      classNames: ['neg', 'pos'],
      attribute: 'g',
      levels: ['x', 'y', 'z'],
    });
    const data = createDataset({
      schema,
      x: new Float64Array(7),
      y: Int32Array.from([1, 0, 1, 1, 0, 0, 1]),
      group: Int32Array.from([2, 0, 2, 0, 0, 1, 2]),
    });
    // Cells are [class * 3 + group]: (0,0) (0,1) (0,2) (1,0) (1,1) (1,2).
    expect(rowsByCell(data).map((c) => Array.from(c))).toEqual([[1, 4], [5], [], [3], [], [0, 2, 6]]);
  });
});
