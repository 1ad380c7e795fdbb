import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.ts';
import { describe, expect, it, vi } from 'vitest';
import { analyzeScoreFile, analyzeScoreFiles } from '../../src/analysis/score-files.ts';
import { setupNames } from '../../src/analysis/columns.ts';
import { analysesToCsv, analysesToJson, formatComparison, formatSetup } from '../../src/analysis/report.ts';
import { main } from '../../src/cli/main.ts';

const dir = tempDir('biasloop-analyze-');
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

// Generation 1: argmax Right, Right, Left → shares 1/3, 0, 2/3; generation 2: Center, Right; generation 3: Right.
const small = file(
  'Tiny_Bias_Performance.csv',
  [
    'Generation,Article_ID,Left_Score,Center_Score,Right_Score',
    '1,1,0.1,0.2,0.7',
    '1,2,0.2,0.2,0.6',
    '1,3,0.5,0.3,0.2',
    '2,1,0.1,0.8,0.1',
    '2,2,0.3,0.3,0.4',
    '3,1,0.0,0.1,0.9',
  ].join('\n') + '\n',
);

describe('analyzeScoreFile on a small file', () => {
  const a = analyzeScoreFile(small);
  it('detects the reference column layout and class names', () => {
    expect(a.kind).toBe('scores');
    expect(a.columns).toMatchObject({
      generation: 'Generation',
      id: 'Article_ID',
      scores: ['Left_Score', 'Center_Score', 'Right_Score'],
    });
    expect(a.classes).toEqual(['Left', 'Center', 'Right']);
    expect(a.setup).toBe('Tiny');
    expect(a.topClass).toBe('Right');
  });
  it('computes argmax shares with Wilson intervals and mean scores with t intervals', () => {
    const g1 = a.generations[0];
    expect(g1.n).toBe(3);
    expect(g1.shares?.Right.share).toBeCloseTo(2 / 3, 15);
    expect(g1.shares?.Center.share).toBe(0);
    // Wilson 95% for 2/3 (scipy-free closed form): center (p + z²/2n)/(1 + z²/n), z = 1.959963984540054.
    const z = 1.959963984540054;
    const n = 3;
    const p = 2 / 3;
    const center = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
    const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
    expect(g1.shares?.Right.ciLow).toBeCloseTo(center - half, 14);
    expect(g1.shares?.Right.ciHigh).toBeCloseTo(center + half, 14);
    // Right scores 0.7, 0.6, 0.2: mean 0.5, sd 0.2645751311064591, t(0.975, 2) = 4.302652729749464 (mpmath root; scipy 1.10 t.ppf is off by 4e-11).
    const m = g1.meanScores?.Right;
    expect(m?.mean).toBeCloseTo(0.5, 15);
    expect((m?.ciHigh ?? NaN) - 0.5).toBeCloseTo((4.302652729749464 * 0.2645751311064591) / Math.sqrt(3), 12);
  });
  it('breaks argmax ties toward the first column', () => {
    const t = analyzeScoreFile(file('ties.csv', 'Generation,A_Score,B_Score\n0,0.5,0.5\n'));
    expect(t.generations[0].shares?.A.share).toBe(1);
  });
  it('applies the generation offset and trends the shares', () => {
    const b = analyzeScoreFile(small, { generationOffset: -1, trend: { lag: 0 } });
    expect(b.generations.map((g) => g.generation)).toEqual([0, 1, 2]);
    const right = b.trends.find((t) => t.quantity === 'share' && t.class === 'Right');
    // Right shares 2/3, 1/2, 1 at x = 0, 1, 2: OLS slope (1 − 2/3)/2 = 1/6.
    expect(right?.ols.slope).toBeCloseTo(1 / 6, 14);
    expect(right?.mannKendall.s).toBe(1);
  });
});

describe('other file shapes', () => {
  it('reads a value file (quality index) as mean per generation with its trend', () => {
    const v = analyzeScoreFile(
      file('X_Generation_Quality.csv', 'Generation,GibberishLevel\n1,2\n1,4\n2,1\n2,2\n3,0.5\n3,0.5\n'),
    );
    expect(v.kind).toBe('values');
    expect(v.columns.value).toBe('GibberishLevel');
    expect(v.generations.map((g) => g.value?.mean)).toEqual([3, 1.5, 0.5]);
    expect(v.trends[0].ols.slope).toBeCloseTo(-1.25, 14);
  });
  it('treats a Model column without generations as one generation per model, with no trend', () => {
    const m = analyzeScoreFile(
      file(
        'GPT2_Bias_Performance.csv',
        'Model,Article_ID,L_Score,R_Score\nGPT-2,1,0.9,0.1\nGPT-2,2,0.2,0.8\n',
      ),
    );
    expect(m.generations).toHaveLength(1);
    expect(m.generations[0].label).toBe('GPT-2');
    expect(m.trends).toEqual([]);
    expect(m.setup).toBe('GPT2');
  });
  it('reads labels and groups from JSON Lines', () => {
    const p = file(
      'labels.jsonl',
      [
        '{"generation":0,"id":1,"label":"a","group":"F"}',
        '{"generation":0,"id":2,"label":"b","group":"M"}',
        '{"generation":1,"id":3,"label":"b","group":"F"}',
      ].join('\n'),
    );
    const l = analyzeScoreFile(p);
    expect(l.kind).toBe('labels');
    expect(l.classes).toEqual(['a', 'b']);
    expect(l.generations[0].shares?.a.share).toBe(0.5);
    expect(l.generations[0].groups?.F.shares).toEqual({ a: 1, b: 0 });
    expect(l.generations[1].groups?.M).toBeUndefined();
  });
  it('names setups by the part of the file names they do not share', () => {
    expect(
      setupNames([
        'a/Synthetic_Bias_Performance.csv',
        'b/Preservation_Center-Leaning-Only_Bias_Performance.csv',
      ]),
    ).toEqual(['Synthetic', 'Preservation_Center-Leaning-Only']);
    expect(setupNames(['Synthetic_Bias_Performance.csv', 'Synthetic_Generation_Quality.csv'])).toEqual([
      'Synthetic_Bias_Performance',
      'Synthetic_Generation_Quality',
    ]);
    expect(setupNames(['run_a.jsonl', 'run_b.jsonl'])).toEqual(['run_a', 'run_b']);
  });
});

describe('clear errors', () => {
  it('missing file', () => {
    expect(() => analyzeScoreFile(join(dir, 'missing.csv'))).toThrow(/file '.*missing\.csv' does not exist/);
  });
  it('empty file and header-only file', () => {
    expect(() => analyzeScoreFile(file('empty.csv', ''))).toThrow(/empty\.csv: the file is empty/);
    expect(() => analyzeScoreFile(file('header.csv', 'Generation,A_Score,B_Score\n'))).toThrow(
      /header but no data rows/,
    );
  });
  it('a non-numeric score, with its line number', () => {
    const p = file('bad.csv', 'Generation,A_Score,B_Score\n1,0.5,0.5\n1,abc,0.2\n');
    expect(() => analyzeScoreFile(p)).toThrow(/bad\.csv:3: column 'A_Score' is 'abc', not a number/);
    const q = file('blank.csv', 'Generation,A_Score,B_Score\n1,,0.5\n');
    expect(() => analyzeScoreFile(q)).toThrow(/blank\.csv:2: column 'A_Score' is empty, not a number/);
  });
  it('a missing column, listing the available ones and the closest', () => {
    expect(() => analyzeScoreFile(small, { generationCol: 'Generations' })).toThrow(
      /column 'Generations' \(--generation-col\) is not in the header \(did you mean 'Generation'\? columns: Generation, Article_ID/,
    );
  });
  it('ragged rows', () => {
    const p = file('ragged.csv', 'Generation,A_Score,B_Score\n1,0.5,0.5\n1,0.5\n');
    expect(() => analyzeScoreFile(p)).toThrow(/ragged\.csv:3: row has 2 fields but the header has 3/);
  });
  it('columns that cannot be told apart', () => {
    const p = file('ambiguous.csv', 'Generation,x,y\n1,0.5,0.5\n');
    expect(() => analyzeScoreFile(p)).toThrow(
      /cannot tell which columns hold the results \(pass --score-cols/,
    );
  });
});

describe('renderings', () => {
  const analyses = analyzeScoreFiles([
    small,
    file('Other_Bias_Performance.csv', 'Generation,Left_Score,Center_Score,Right_Score\n1,1,0,0\n2,0,0,1\n'),
  ]);
  it('table, comparison, JSON and CSV', () => {
    const t = formatSetup(analyses[0]);
    expect(t).toContain('Right%*');
    expect(t).toContain('66.7');
    const c = formatComparison(analyses);
    expect(c).toMatch(/Tiny\s+Right\s+66\.7\s+50\.0\s+100\.0/);
    const json = JSON.parse(analysesToJson(analyses)) as { setups: { setup: string }[] };
    expect(json.setups.map((s) => s.setup)).toEqual(['Tiny', 'Other']);
    const csv = analysesToCsv(analyses).split('\n');
    expect(csv[0]).toBe('setup,generation,statistic,class,group,n,value,ci_low,ci_high,p_value');
    expect(csv).toContain(
      'Tiny,1,share,Right,,3,0.6666666666666666,' +
        csv
          .find((l) => l.startsWith('Tiny,1,share,Right'))
          ?.split(',')
          .slice(7)
          .join(','),
    );
    expect(csv.some((l) => l.startsWith('Tiny,,ols_slope:share,Right,,3,'))).toBe(true);
  });
});

describe('biasloop analyze (CLI)', () => {
  async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    try {
      const code = await main(['node', 'biasloop', ...args]);
      return { code, out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it('prints tables, writes CSV, and reports bad input with exit code 2', async () => {
    const csv = join(dir, 'out.csv');
    const ok = await runCli(['analyze', small, '--generation-offset', '-1', '--csv', csv]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('Right share: slope');
    expect(readFileSync(csv, 'utf8')).toContain('Tiny,0,share,Right');
    const json = await runCli(['analyze', small, '--json']);
    expect(JSON.parse(json.out).setups[0].classes).toEqual(['Left', 'Center', 'Right']);
    const bad = await runCli(['analyze', join(dir, 'nope.csv')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^biasloop: error: file '.*nope\.csv' does not exist/);
    const badFlag = await runCli(['analyze', small, '--lag', 'x']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toContain('--lag must be an integer');
  });
});

// ---- the published reference data (PAPERS.md §1 "Findings in their released data") ----
const REF = '../shared/reference/bias-amplification';
const haveRef = existsSync(join(REF, 'Synthetic_Bias_Performance.csv'));
if (!haveRef) console.log(`skipping reference-data checks: ${REF} is absent`);

describe.skipIf(!haveRef)('biasloop analyze on the published Bias Amplification results', () => {
  const share = (setup: string, cls: string, gen: number) => {
    const a = analyzeScoreFile(join(REF, `${setup}_Bias_Performance.csv`), { generationOffset: -1 });
    return 100 * (a.generations.find((g) => g.generation === gen)?.shares?.[cls]?.share ?? NaN);
  };
  it('Synthetic: Right 54.4% → peak 67.5% at paper generation 6 → 59.2% at 10', () => {
    const a = analyzeScoreFile(join(REF, 'Synthetic_Bias_Performance.csv'), { generationOffset: -1 });
    const right = a.generations.map((g) => 100 * (g.shares?.Right.share ?? NaN));
    expect(right[0]).toBeCloseTo(54.4, 1);
    expect(Math.max(...right)).toBeCloseTo(67.5, 1);
    expect(a.generations[right.indexOf(Math.max(...right))].generation).toBe(6);
    expect(right[10]).toBeCloseTo(59.2, 1);
    expect(a.rows).toBe(16698);
    expect(a.topClass).toBe('Right');
  });
  it('Overfitting: Right 48.2% → 61.8%, the most monotone rise', () => {
    expect(share('Overfitting', 'Right', 0)).toBeCloseTo(48.2, 1);
    expect(share('Overfitting', 'Right', 10)).toBeCloseTo(61.8, 1);
    const a = analyzeScoreFile(join(REF, 'Overfitting_Bias_Performance.csv'), { generationOffset: -1 });
    const t = a.trends.find((x) => x.quantity === 'share' && x.class === 'Right');
    expect(t?.mannKendall.trend).toBe('increasing');
    expect(t?.ols.p).toBeLessThan(0.001);
  });
  it('Preservation and Accumulation bring Right to about 43% and raise Center', () => {
    for (const setup of ['Preservation', 'Accumulation']) {
      expect(Math.abs(share(setup, 'Right', 10) - 43)).toBeLessThan(1);
      expect(share(setup, 'Center', 10)).toBeGreaterThan(share(setup, 'Center', 0));
    }
  });
  it('center-only training: Center 75.5% → 93.3% (Synthetic), → 88.6% with Preservation', () => {
    expect(share('Synthetic_Center-Leaning-Only', 'Center', 0)).toBeCloseTo(75.5, 1);
    expect(share('Synthetic_Center-Leaning-Only', 'Center', 10)).toBeCloseTo(93.3, 1);
    expect(share('Preservation_Center-Leaning-Only', 'Center', 0)).toBeCloseTo(75.5, 1);
    expect(share('Preservation_Center-Leaning-Only', 'Center', 10)).toBeCloseTo(88.6, 1);
  });
  it('quality collapses under Synthetic and Overfitting and stays flat under Preservation', () => {
    const trend = (setup: string) =>
      analyzeScoreFile(join(REF, `${setup}_Generation_Quality.csv`), { generationOffset: -1 }).trends[0];
    expect(trend('Synthetic').ols.slope).toBeLessThan(-0.05);
    expect(trend('Overfitting').ols.slope).toBeLessThan(-0.05);
    expect(Math.abs(trend('Preservation').ols.slope)).toBeLessThan(0.01);
  });
});
