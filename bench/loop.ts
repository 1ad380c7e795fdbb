/**
 * Loop benchmark (issue #2): n = 50,000 real rows, 20 features, 10 generations of
 * Gaussian generator → replace → logistic regression, against the same loop in scikit-learn
 * (bench/peers/loop_sklearn.py). Prints time per generation, rows/s and the ratio ours/theirs.
 */
import { fileURLToPath } from 'node:url';
import { executeRun } from '../src/loop/run.ts';
import { planExperiment } from '../src/spec/sweep.ts';
import { machine, runPythonPeer, type BenchResult } from './common.ts';

export const LOOP_BENCH = { n: 50_000, dim: 20, generations: 10, testSize: 10_000, l2: 1e-4, tol: 1e-6 };

export async function runLoopBench(): Promise<BenchResult> {
  const { n, dim, generations, testSize, l2, tol } = LOOP_BENCH;
  const plan = planExperiment({
    name: 'bench',
    generations,
    data: { source: 'synthetic', n, dim, testSize },
    generator: { kind: 'gaussian' },
    strategy: { kind: 'replace' },
    model: { kind: 'logistic', l2, tol, solver: 'lbfgs' },
    // The same measurements as the peer: accuracy, demographic parity and equalized odds on the test set.
    metrics: {
      select: ['accuracy', 'demographic_parity_difference', 'equalized_odds_difference'],
      synthetic: false,
    },
  });
  // Warm-up run (JIT), then the timed run; per-generation times from the generation events.
  await executeRun(planExperiment({ generations: 2, data: { source: 'synthetic', n: 5000, dim } }).runs[0]);
  const stamps: number[] = [];
  let t0 = performance.now();
  const start = t0;
  await executeRun(plan.runs[0], {
    onGeneration: () => {
      const t = performance.now();
      stamps.push(t - t0);
      t0 = t;
    },
  });
  const total = performance.now() - start;
  const perGen = stamps.slice(1); // generations 1..G (generation 0 has no generator step)
  const ours = perGen.reduce((a, b) => a + b, 0) / perGen.length;
  const lines = [
    `loop: n=${n}, d=${dim}, ${generations} generations, gaussian → replace → logistic (lbfgs, tol ${tol})`,
    `  biasloop: ${ours.toFixed(1)} ms per generation (${((n / ours) * 1000).toFixed(0)} rows/s), generation 0 ${stamps[0].toFixed(1)} ms, total ${(total / 1000).toFixed(2)} s`,
  ];
  const numbers: Record<string, number | string> = {
    msPerGeneration: ours,
    rowsPerSecond: (n / ours) * 1000,
    machine: machine(),
  };
  const peer = runPythonPeer(fileURLToPath(new URL('./peers/loop_sklearn.py', import.meta.url)), [
    String(n),
    String(dim),
    String(generations),
    String(testSize),
    String(l2),
    String(tol),
  ]);
  if (peer.ok) {
    const theirs = peer.result.ms_per_generation;
    lines.push(
      `  scikit-learn: ${theirs.toFixed(1)} ms per generation (${((n / theirs) * 1000).toFixed(0)} rows/s)`,
    );
    lines.push(
      `  ratio ours/theirs (time): ${(ours / theirs).toFixed(2)} (${theirs > ours ? `${(theirs / ours).toFixed(2)}× faster` : `${(ours / theirs).toFixed(2)}× slower`})`,
    );
    numbers.peerMsPerGeneration = theirs;
    numbers.ratio = ours / theirs;
  } else {
    lines.push(`  scikit-learn peer skipped: ${peer.why} (install Debian's python3-sklearn)`);
  }
  return { name: 'loop', lines, numbers };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await runLoopBench();
  console.log(r.lines.join('\n'));
}
