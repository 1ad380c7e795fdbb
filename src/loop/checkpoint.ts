/**
 * Per-generation checkpoints, so a killed run (SIGINT or SIGKILL) resumes where it stopped and ends
 * with exactly the metrics an uninterrupted run would have.
 *
 * Generation g is written into `checkpoints/gen-000g.partial/` with a manifest holding each file's
 * SHA-256; once every file is fsynced (in the background, while the next generation computes: see
 * `startCheckpoint`) the directory is renamed to `gen-000g/`. Only directories with a manifest whose
 * checksums match are trusted; anything else (a `.partial` left by a kill, a truncated or edited
 * file) is deleted and that generation recomputed.
 */
import {
  closeSync,
  existsSync,
  fsync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { decodeArrays, encodeArrayChunks, type TypedArrayLike } from '../core/binary.ts';
import { createDataset, type Dataset, type DatasetSchema } from '../core/dataset.ts';
import { BiasloopError } from '../core/errors.ts';
import { ensureDir, ioError, sha256, writeAllSync } from '../core/files.ts';
import type { ModelState } from '../models/types.ts';
import type { MetricRow } from '../results/rows.ts';
import { metricRowToJson } from '../results/rows.ts';
import type { PlanSegment, SegmentSource, TrainingSetPlan } from './compose.ts';

export const CHECKPOINT_VERSION = 1;

const fsyncAsync = promisify(fsync);

export interface GenerationCheckpoint {
  readonly generation: number;
  readonly rows: readonly MetricRow[];
  readonly model: ModelState;
  readonly plan?: TrainingSetPlan;
  readonly synthetic?: Dataset;
  readonly generator?: ModelState;
}

/** The directory name of generation g's checkpoint: `gen-000g`. */
export const genDirName = (g: number): string => `gen-${String(g).padStart(4, '0')}`;

function encodeState(state: ModelState): Uint8Array[] {
  return encodeArrayChunks(state.arrays as Record<string, TypedArrayLike>, {
    kind: state.kind,
    fingerprint: state.fingerprint,
    meta: state.meta,
  });
}

function decodeState(bytes: Uint8Array, name: string): ModelState {
  const { arrays, meta } = decodeArrays(bytes, name);
  const m = meta as { kind: string; fingerprint: string; meta: ModelState['meta'] };
  return { kind: m.kind, fingerprint: m.fingerprint, meta: m.meta, arrays: arrays as ModelState['arrays'] };
}

function encodeDataset(ds: Dataset): Uint8Array[] {
  return encodeArrayChunks(
    {
      x: ds.x,
      y: ds.y,
      group: ds.group,
      source: ds.provenance.source,
      generation: ds.provenance.generation,
      generator: ds.provenance.generator,
    },
    { n: ds.n, generatorNames: ds.provenance.generatorNames },
  );
}

function decodeDataset(bytes: Uint8Array, schema: DatasetSchema, name: string): Dataset {
  const { arrays, meta } = decodeArrays(bytes, name);
  const m = meta as { n: number; generatorNames: string[] };
  return createDataset({
    schema,
    x: arrays.x as Float64Array,
    y: arrays.y as Int32Array,
    group: arrays.group as Int32Array,
    provenance: {
      source: arrays.source as Uint8Array,
      generation: arrays.generation as Int32Array,
      generator: arrays.generator as Uint16Array,
      generatorNames: m.generatorNames,
    },
  });
}

const SOURCES: readonly SegmentSource[] = ['real', 'synthetic', 'fresh'];

function encodePlan(plan: TrainingSetPlan): Uint8Array[] {
  const arrays: Record<string, TypedArrayLike> = {};
  plan.segments.forEach((s, i) => (arrays[`rows${i}`] = s.rows));
  return encodeArrayChunks(arrays, {
    generation: plan.generation,
    segments: plan.segments.map((s) => ({ source: s.source, generation: s.generation })),
  });
}

function decodePlan(bytes: Uint8Array, name: string): TrainingSetPlan {
  const { arrays, meta } = decodeArrays(bytes, name);
  const m = meta as { generation: number; segments: { source: SegmentSource; generation: number }[] };
  const segments: PlanSegment[] = m.segments.map((s, i) => {
    if (!SOURCES.includes(s.source)) throw new Error(`unknown segment source ${s.source}`);
    return { source: s.source, generation: s.generation, rows: arrays[`rows${i}`] as Int32Array };
  });
  return { generation: m.generation, segments };
}

/**
 * Write generation g's checkpoint (see the module comment). The files are written at once (the bytes
 * are in the kernel when this returns, so a killed process loses nothing) and made durable in the
 * background: their fsyncs run on libuv's thread pool while the next generation computes, and the
 * returned promise settles once every file is on disk and `gen-000g.partial/` has been renamed to
 * `gen-000g/`. Until then the generation is not reported (a power loss before the rename leaves a
 * `.partial` directory, which resume deletes and recomputes). Rejects with a one-line `io` error.
 */
export function startCheckpoint(checkpointsDir: string, cp: GenerationCheckpoint): Promise<void> {
  const finalDir = join(checkpointsDir, genDirName(cp.generation));
  const partial = `${finalDir}.partial`;
  try {
    rmSync(partial, { recursive: true, force: true });
  } catch (e) {
    throw ioError(e, partial, 'create directory');
  }
  ensureDir(partial);
  const files: Record<string, string> = {};
  const fds: number[] = [];
  const closeAll = (): void => {
    for (const fd of fds.splice(0)) {
      try {
        closeSync(fd);
      } catch {
        // already failed: the write error is what gets reported
      }
    }
  };
  let current = partial;
  const put = (name: string, data: readonly Uint8Array[] | string): void => {
    current = join(partial, name);
    const fd = openSync(current, 'w');
    fds.push(fd);
    writeAllSync(fd, data);
    files[name] = sha256(data);
  };
  try {
    put('metrics.json', JSON.stringify(cp.rows.map(metricRowToJson)));
    put('model.bin', encodeState(cp.model));
    if (cp.plan) put('plan.bin', encodePlan(cp.plan));
    if (cp.synthetic) put('synthetic.bin', encodeDataset(cp.synthetic));
    if (cp.generator) put('generator.bin', encodeState(cp.generator));
    // The manifest may reach the disk before the files it describes: only a checkpoint whose files
    // all match the manifest's checksums is ever trusted.
    put(
      'manifest.json',
      JSON.stringify({ version: CHECKPOINT_VERSION, generation: cp.generation, files }, null, 2) + '\n',
    );
  } catch (e) {
    closeAll();
    throw ioError(e, current, 'write');
  }
  return Promise.all(fds.map((fd) => fsyncAsync(fd)))
    .then(
      () => {
        closeAll();
        rmSync(finalDir, { recursive: true, force: true });
        renameSync(partial, finalDir);
      },
      (e: unknown) => {
        closeAll();
        throw e;
      },
    )
    .catch((e: unknown) => {
      throw e instanceof BiasloopError ? e : ioError(e, partial, 'write');
    });
}

function rowsFromJson(text: string): MetricRow[] {
  const parsed = JSON.parse(text) as {
    run: string;
    generation: number;
    metric: string;
    group: string;
    value: number | null;
    ciLow?: number | null;
    ciHigh?: number | null;
  }[];
  return parsed.map((r) => ({
    run: r.run,
    generation: r.generation,
    metric: r.metric,
    group: r.group,
    value: r.value === null ? NaN : r.value,
    ...(r.ciLow !== undefined ? { ciLow: r.ciLow === null ? NaN : r.ciLow } : {}),
    ...(r.ciHigh !== undefined ? { ciHigh: r.ciHigh === null ? NaN : r.ciHigh } : {}),
  }));
}

/** Read and verify generation g's checkpoint; undefined when it is missing, partial or corrupt. */
export function readCheckpoint(
  checkpointsDir: string,
  g: number,
  schema: DatasetSchema,
): GenerationCheckpoint | undefined {
  const dir = join(checkpointsDir, genDirName(g));
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return undefined;
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      version: number;
      generation: number;
      files: Record<string, string>;
    };
    if (manifest.version !== CHECKPOINT_VERSION || manifest.generation !== g) return undefined;
    const bytes: Record<string, Buffer> = {};
    for (const [name, hash] of Object.entries(manifest.files)) {
      const b = readFileSync(join(dir, name));
      if (sha256(b) !== hash) return undefined;
      bytes[name] = b;
    }
    if (!bytes['metrics.json'] || !bytes['model.bin']) return undefined;
    return {
      generation: g,
      rows: rowsFromJson(bytes['metrics.json'].toString('utf8')),
      model: decodeState(bytes['model.bin'], `${dir}/model.bin`),
      ...(bytes['plan.bin'] ? { plan: decodePlan(bytes['plan.bin'], `${dir}/plan.bin`) } : {}),
      ...(bytes['synthetic.bin']
        ? { synthetic: decodeDataset(bytes['synthetic.bin'], schema, `${dir}/synthetic.bin`) }
        : {}),
      ...(bytes['generator.bin']
        ? { generator: decodeState(bytes['generator.bin'], `${dir}/generator.bin`) }
        : {}),
    };
  } catch {
    // Unreadable, truncated or inconsistent: never trusted, recomputed.
    return undefined;
  }
}

/**
 * Load the longest prefix of valid checkpoints 0..g and delete everything after it (partial
 * directories, a corrupt generation and the generations that followed it).
 */
export function loadValidCheckpoints(checkpointsDir: string, schema: DatasetSchema): GenerationCheckpoint[] {
  if (!existsSync(checkpointsDir)) return [];
  const out: GenerationCheckpoint[] = [];
  for (let g = 0; ; g++) {
    const cp = readCheckpoint(checkpointsDir, g, schema);
    if (!cp) break;
    out.push(cp);
  }
  const keep = new Set(out.map((cp) => genDirName(cp.generation)));
  for (const entry of readdirSync(checkpointsDir)) {
    if (!keep.has(entry)) rmSync(join(checkpointsDir, entry), { recursive: true, force: true });
  }
  return out;
}
