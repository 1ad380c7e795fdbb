/**
 * One run of the generational loop (one sweep point, one seed):
 *
 *   generation 0:  D_0 = D (real training rows); fit the classifier; evaluate.
 *   generation g:  fit the generator on D_{g−1} → sample S_g (conditioned on label and group)
 *                  → compose D_g by the strategy → fit the classifier (retrain or continue)
 *                  → predict on the fixed real test set(s) → metrics → checkpoint.
 *
 * Random streams are named (seed, 'gen', g, component), so two runs with the same seed share their
 * data split and draws wherever they do the same thing (common random numbers: strategies are
 * compared on the same data), and a resumed run draws exactly what an uninterrupted one would.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Dataset } from '../core/dataset.ts';
import { BiasloopError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import type { DataCache } from '../data/real.ts';
import { loadRealData, type RealData } from '../data/real.ts';
import { argmaxRows, type FitContext } from '../models/types.ts';
import { runPaths, writeRunMetrics } from '../results/layout.ts';
import type { MetricRow } from '../results/rows.ts';
import type { PlannedRun } from '../spec/sweep.ts';
import { loadValidCheckpoints, startCheckpoint } from './checkpoint.ts';
import {
  composeTrainingSet,
  freshDemand,
  materializePlan,
  syntheticDemand,
  type TrainingSetPlan,
} from './compose.ts';
import { measureGeneration } from './evaluate.ts';
import { resolveMetricNames } from '../metrics/registry.ts';
import { realDataBandwidth } from '../metrics/synthetic.ts';
import { createClassifier, createGenerator, overfitFactor } from './factories.ts';

export interface GenerationEvent {
  readonly runId: string;
  readonly generation: number;
  readonly generations: number;
  readonly rows: readonly MetricRow[];
}

export interface RunOptions {
  /** The experiment directory; when set, checkpoints are written there and an earlier attempt resumed. */
  readonly experimentDir?: string;
  readonly signal?: AbortSignal;
  readonly cache?: DataCache;
  readonly onGeneration?: (e: GenerationEvent) => void;
}

export interface RunOutcome {
  readonly status: 'complete' | 'interrupted';
  readonly rows: MetricRow[];
  /** First generation computed by this call (0 for a fresh start, g+1 after resuming from g). */
  readonly startedAt: number;
  readonly realDataDescription: string;
}

export async function executeRun(run: PlannedRun, options: RunOptions = {}): Promise<RunOutcome> {
  const spec = run.spec;
  const seed = spec.runSeed;
  const G = spec.generations;
  const stream = (g: number, component: string): Rng => Rng.stream(seed, 'gen', g, component);
  const strategy = spec.strategy;
  const freshFraction = strategy.kind === 'fresh' ? strategy.freshFraction : 0;
  const real: RealData = loadRealData(
    spec.data,
    Rng.stream(seed, 'data'),
    { freshFraction, generations: G },
    options.cache,
  );
  const N = real.train.n;
  // Validate the metric list against this data (class names, privileged attributes) before any work.
  resolveMetricNames(spec.metrics.select, {
    classNames: real.schema.classNames,
    hasScores: true,
    hasPrivileged: spec.metrics.privileged !== undefined,
    field: 'metrics.select',
  });
  if (spec.metrics.privileged) {
    for (const [attr, level] of Object.entries(spec.metrics.privileged)) {
      const a = real.schema.attributes.find((x) => x.name === attr);
      if (!a) {
        throw new BiasloopError('spec', `metrics.privileged: '${attr}' is not a protected attribute`, {
          field: 'metrics.privileged',
          hint: `attributes: ${real.schema.attributes.map((x) => x.name).join(', ')}`,
        });
      }
      if (!a.levels.includes(level)) {
        throw new BiasloopError('spec', `metrics.privileged: '${level}' is not a level of '${attr}'`, {
          field: 'metrics.privileged',
          hint: `levels: ${a.levels.join(', ')}`,
        });
      }
    }
  }
  const classifier = createClassifier(spec.model);
  const generator = createGenerator(spec.generator);
  const factor = overfitFactor(spec.model);
  const fitContext = (g: number): FitContext => ({
    rng: stream(g, 'model'),
    warmStart: spec.model.update === 'continue' && g > 0,
    epochScale: factor,
    ...(factor > 1 ? { weightDecayOverride: 0 } : {}),
  });
  const demand = spec.sampling.size === 'auto' ? syntheticDemand(strategy, N) : spec.sampling.size;
  const freshRows = freshDemand(strategy, N);

  const mmdBandwidth = spec.metrics.synthetic
    ? realDataBandwidth(real.train, stream(-1, 'mmd-bandwidth'))
    : undefined;
  // S_1 … S_g (index g−1). Strategies that only ever use the newest set let the older ones go, so
  // their memory is reused instead of growing by a whole synthetic set per generation.
  const synthetic: (Dataset | undefined)[] = [];
  const syntheticSizes: number[] = [];
  const keepsHistory = strategy.kind === 'accumulate' || strategy.kind === 'accumulate-subsample';
  let recycled: Float64Array | undefined;
  const release = (g: number): void => {
    if (keepsHistory || g < 1) return;
    // S_g is no longer referenced (D_{g+1} was composed without it): its feature storage goes to the
    // next sample instead of to the garbage collector (fresh large allocations are slow to touch).
    recycled = synthetic[g - 1]?.x;
    synthetic[g - 1] = undefined;
    fresh.delete(g);
  };
  const fresh = new Map<number, Dataset>();
  const rows: MetricRow[] = [];
  let training: Dataset = real.train;
  let startAt = 0;

  const paths = options.experimentDir !== undefined ? runPaths(options.experimentDir, run.id) : undefined;
  if (paths) {
    const done = loadValidCheckpoints(paths.checkpoints, real.schema);
    if (done.length > 0) {
      const last = done[done.length - 1];
      for (const cp of done) {
        for (const r of cp.rows) rows.push(r);
        if (cp.generation >= 1) {
          if (!cp.synthetic)
            throw new BiasloopError(
              'checkpoint',
              `checkpoint of generation ${cp.generation} has no synthetic set`,
            );
          synthetic.push(cp.synthetic);
          syntheticSizes.push(cp.synthetic.n);
          if (freshRows > 0) fresh.set(cp.generation, real.drawFresh(cp.generation, freshRows));
          if (cp.generation < last.generation) release(cp.generation);
        }
      }
      classifier.importState(last.model);
      if (last.generator) generator.importState(last.generator);
      training = last.plan ? materializePlan(last.plan, { real: real.train, synthetic, fresh }) : real.train;
      startAt = last.generation + 1;
    }
  }

  // Checkpoints become durable in the background (startCheckpoint); the newest one's generation is
  // reported to onGeneration once it is.
  let durable: Promise<void> | undefined;
  let unreported: GenerationEvent | undefined;
  const reportDurable = async (): Promise<void> => {
    if (durable !== undefined) {
      const pending = durable;
      durable = undefined;
      await pending;
    }
    if (unreported !== undefined) {
      const event = unreported;
      unreported = undefined;
      options.onGeneration?.(event);
    }
  };
  try {
    for (let g = startAt; g <= G; g++) {
      if (options.signal?.aborted) {
        await reportDurable();
        return { status: 'interrupted', rows, startedAt: startAt, realDataDescription: real.description };
      }
      let plan: TrainingSetPlan | undefined;
      let sampled: Dataset | undefined;
      if (g > 0) {
        generator.fit(training, { rng: stream(g, 'generator') });
        sampled = generator.sample(
          {
            n: demand,
            conditioning: spec.sampling.conditioning,
            temperature: spec.sampling.temperature,
            cellTemperature: spec.sampling.cellTemperature,
            generation: g,
            ...(recycled ? { reuse: recycled } : {}),
          },
          stream(g, 'sample'),
        );
        recycled = undefined;
        synthetic.push(sampled);
        syntheticSizes.push(sampled.n);
        if (freshRows > 0) fresh.set(g, real.drawFresh(g, freshRows));
        plan = composeTrainingSet(
          strategy,
          g,
          { realSize: N, syntheticSizes, freshSize: freshRows },
          stream(g, 'compose'),
        );
        training = materializePlan(plan, { real: real.train, synthetic, fresh });
        release(g - 1);
      }
      const fit = classifier.fit(training, fitContext(g));
      const predictions = real.tests.map((t) => {
        const proba = classifier.predictProba(t.data.x, t.data.n);
        return {
          testName: t.name,
          data: t.data,
          proba,
          predicted: argmaxRows(proba, t.data.schema.classNames.length),
        };
      });
      const genRows = measureGeneration({
        run: run.id,
        generation: g,
        predictions,
        training,
        real: real.train,
        ...(sampled ? { synthetic: sampled } : {}),
        fit,
        metrics: spec.metrics,
        rng: stream(g, 'metrics'),
        ...(mmdBandwidth !== undefined ? { mmdBandwidth } : {}),
      });
      for (const r of genRows) rows.push(r);
      // The previous generation's checkpoint became durable while this one computed: report it now
      // (a generation is reported only once its checkpoint is on disk).
      await reportDurable();
      const event: GenerationEvent = { runId: run.id, generation: g, generations: G, rows: genRows };
      if (paths) {
        durable = startCheckpoint(paths.checkpoints, {
          generation: g,
          rows: genRows,
          model: classifier.exportState(),
          ...(plan ? { plan } : {}),
          ...(sampled ? { synthetic: sampled } : {}),
          ...(g > 0 ? { generator: generator.exportState() } : {}),
        });
        // Keep a failure for reportDurable to throw, not as an unhandled rejection meanwhile.
        durable.catch(() => undefined);
        unreported = event;
      } else {
        options.onGeneration?.(event);
      }
      await yieldToEventLoop();
    }
    await reportDurable();
    if (paths) writeRunMetrics(paths, rows);
    return { status: 'complete', rows, startedAt: startAt, realDataDescription: real.description };
  } finally {
    // An error elsewhere must not leave a checkpoint half-way: let its fsyncs and rename finish.
    if (durable !== undefined) await durable.catch(() => undefined);
  }
}
