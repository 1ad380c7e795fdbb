/**
 * Runs a data-parallel training step (../data-parallel.ts): shard 0 on the calling thread, shards
 * 1…K−1 on worker threads, each a single-threaded session of the gradient model; then the update
 * model combines the gradients and applies the optimizer on the calling thread.
 *
 * The step stays synchronous (the model contracts are): the caller posts each worker its rows
 * (sync-worker.ts), runs its own, then blocks until every worker has written its gradients to shared
 * memory. Parameters reach the workers through shared memory as well, copied once per step.
 * Workers are unref'd, so an undisposed session does not keep the process alive.
 *
 * This class owns the parameters and optimizer state, as one flat vector per parameter group (the
 * update model's layout); the gradient model reads each parameter as a view into its group's vector.
 * `load` and `parameters` / `states` convert from and to the fused step's per-parameter names.
 */
import type { Rng } from '../../core/rng.ts';
import type { CompiledInput } from '../compile.ts';
import type { DataParallelPlan, ParameterGroup } from '../data-parallel.ts';
import { gradientOutputName, shardBounds, shardGradientName, shardWeightName } from '../data-parallel.ts';
import type { FloatType } from '../graph.ts';
import { elementCount } from '../shape.ts';
import type { Feeds } from './feeds.ts';
import { randomTensor, scalarTensor, toOrtTensor } from './feeds.ts';
import type { OrtTensor } from './ort-session.ts';
import { OrtSession } from './ort-session.ts';
import type { FloatArray } from './parameters.ts';
import type { ShardFeed, ShardJob, ShardWorkerData, SharedSlice } from './shard-worker-task.ts';
import { SHARD_WORKER_TASK, floatView } from './shard-worker-task.ts';
import { SyncWorker } from './sync-worker.ts';

interface RemoteShard {
  readonly worker: SyncWorker;
  readonly scalars: Float64Array;
  /** This shard's flat gradient per group, copied out of shared memory, as update-model inputs. */
  readonly gradients: { shared: FloatArray; own: FloatArray; tensor: OrtTensor }[];
}

export interface DataParallelStepResult {
  readonly loss: number;
  /** Scalar extra outputs, combined like the loss. */
  readonly values: Record<string, number>;
  /** Global gradient norm (NaN when the loss was not finite and no update was made). */
  readonly gradNorm: number;
}

/** Rows [from, to) of a tensor whose first axis has `rows` rows, as a fresh array. */
function sliceRows(t: OrtTensor, rows: number, from: number, to: number): ShardFeed['data'] {
  const data = t.data as ShardFeed['data'];
  const perRow = data.length / rows;
  return data.slice(from * perRow, to * perRow);
}

function newFloats(type: FloatType, size: number): FloatArray {
  return type === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

export class DataParallelStep {
  readonly plan: DataParallelPlan;
  private readonly floatType: FloatType;
  private readonly local: OrtSession;
  private readonly updater: OrtSession;
  private readonly remotes: RemoteShard[] = [];
  /** Flat parameter vector per group, as the update model's input. */
  private groupParams: OrtTensor[] = [];
  /** Flat optimizer states by update-model state name. */
  private groupStates = new Map<string, OrtTensor>();
  /** Per-parameter views into `groupParams`, as the gradient model's inputs. */
  private paramViews: Record<string, OrtTensor> = {};
  /** State-name suffixes of the optimizer (e.g. `::adam_m`), shared by every group. */
  private readonly stateSuffixes: string[];
  private readonly parameterShared: FloatArray[];
  private readonly scalarNames: string[];
  private readonly localFetch: string[];
  private readonly updateFetch: string[];

  constructor(plan: DataParallelPlan) {
    this.plan = plan;
    const floatType = plan.gradient.floatType;
    this.floatType = floatType;
    this.local = new OrtSession(plan.gradient.bytes, { threads: 1 });
    this.updater = new OrtSession(plan.update.bytes, { threads: 1 });
    const first = plan.groups[0].name;
    this.stateSuffixes = plan.update.inputs
      .filter((i) => i.role === 'state' && i.name.startsWith(first + '::'))
      .map((i) => i.name.slice(first.length));
    this.scalarNames = plan.gradient.outputs
      .filter((o) => o.role === 'loss' || o.role === 'value')
      .map((o) => o.name);
    this.localFetch = plan.gradient.outputs.map((o) => o.name);
    this.updateFetch = plan.update.outputs.map((o) => o.name);

    // Shared memory: the groups' parameter vectors one after the other; likewise each worker's
    // gradients.
    const total = plan.groups.reduce((n, gr) => n + gr.size, 0);
    const bytes = floatType === 'float64' ? 8 : 4;
    const parameterBuffer = new SharedArrayBuffer(total * bytes);
    const groupSlices: SharedSlice[] = [];
    let offset = 0;
    for (const gr of plan.groups) {
      groupSlices.push({ name: gr.name, shape: [gr.size], offset });
      offset += gr.size;
    }
    this.parameterShared = groupSlices.map((gs) =>
      floatView(floatType, parameterBuffer, gs.offset, gs.shape[0]),
    );
    const parameterSlices: SharedSlice[] = plan.groups.flatMap((gr, i) =>
      gr.members.map((m) => ({ name: m.name, shape: m.shape, offset: groupSlices[i].offset + m.offset })),
    );
    const gradientSlices = groupSlices.map((gs) => ({ ...gs, name: gradientOutputName(gs.name) }));
    for (let k = 1; k < plan.shards; k++) {
      const gradientBuffer = new SharedArrayBuffer(total * bytes);
      const scalarBuffer = new SharedArrayBuffer(this.scalarNames.length * 8);
      const workerData: ShardWorkerData = {
        model: plan.gradient.bytes,
        floatType,
        parameters: parameterSlices,
        parameterBuffer,
        gradients: gradientSlices,
        gradientBuffer,
        scalars: this.scalarNames,
        scalarBuffer,
      };
      this.remotes.push({
        worker: new SyncWorker(SHARD_WORKER_TASK, workerData, {
          label: `data-parallel shard ${k}`,
        }),
        scalars: new Float64Array(scalarBuffer),
        gradients: gradientSlices.map((gs) => {
          const own = newFloats(floatType, gs.shape[0]);
          return {
            shared: floatView(floatType, gradientBuffer, gs.offset, gs.shape[0]),
            own,
            tensor: toOrtTensor({ data: own, dims: gs.shape }, floatType),
          };
        }),
      });
    }
  }

  /**
   * Take parameters and optimizer states by the fused step's names (all present and checked by the
   * caller) into the flat vectors.
   */
  load(params: ReadonlyMap<string, FloatArray>, states: ReadonlyMap<string, FloatArray>): void {
    const pack = (group: ParameterGroup, valueOf: (member: string) => FloatArray): FloatArray => {
      const flat = newFloats(this.floatType, group.size);
      for (const m of group.members) flat.set(valueOf(m.name), m.offset);
      return flat;
    };
    this.groupParams = this.plan.groups.map((gr) =>
      toOrtTensor(
        { data: pack(gr, (name) => params.get(name) as FloatArray), dims: [gr.size] },
        this.floatType,
      ),
    );
    this.groupStates = new Map();
    for (const gr of this.plan.groups) {
      for (const suffix of this.stateSuffixes) {
        const flat = pack(gr, (name) => states.get(name + suffix) as FloatArray);
        this.groupStates.set(gr.name + suffix, toOrtTensor({ data: flat, dims: [gr.size] }, this.floatType));
      }
    }
    this.refreshViews();
  }

  /** Copies of the parameters by name. */
  parameters(): Map<string, FloatArray> {
    const out = new Map<string, FloatArray>();
    this.plan.groups.forEach((gr, i) => {
      const flat = this.groupParams[i].data as FloatArray;
      for (const m of gr.members) out.set(m.name, flat.slice(m.offset, m.offset + elementCount(m.shape)));
    });
    return out;
  }

  /** Copies of the optimizer states by the fused step's names (e.g. `fc1.weight::adam_m`). */
  states(): Map<string, FloatArray> {
    const out = new Map<string, FloatArray>();
    for (const gr of this.plan.groups) {
      for (const suffix of this.stateSuffixes) {
        const flat = (this.groupStates.get(gr.name + suffix) as OrtTensor).data as FloatArray;
        for (const m of gr.members) {
          out.set(m.name + suffix, flat.slice(m.offset, m.offset + elementCount(m.shape)));
        }
      }
    }
    return out;
  }

  private refreshViews(): void {
    this.paramViews = {};
    this.plan.groups.forEach((gr, i) => {
      const flat = this.groupParams[i].data as FloatArray;
      for (const m of gr.members) {
        this.paramViews[m.name] = toOrtTensor(
          { data: flat.subarray(m.offset, m.offset + elementCount(m.shape)), dims: m.shape },
          this.floatType,
        );
      }
    });
  }

  /**
   * One step: gradients of every shard, then (if the loss is finite) the combined update.
   * `inputs` are the training model's inputs (for the random ones), `scalars` the optimizer's
   * per-step values.
   */
  run(
    batch: Feeds,
    bindings: Record<string, number>,
    inputs: readonly CompiledInput[],
    scalars: Readonly<Record<string, number>>,
    stepRng: Rng,
  ): DataParallelStepResult {
    const plan = this.plan;
    const rows = bindings[plan.batchDim];
    const bounds = shardBounds(rows, plan.shards);

    // Whole-batch tensors (random ones drawn exactly as the fused step draws them), then split.
    const whole: { name: string; tensor: OrtTensor; split: boolean }[] = [];
    for (const input of inputs) {
      if (input.role === 'data') {
        whole.push({ name: input.name, tensor: toOrtTensor(batch[input.name], input.dtype), split: true });
      } else if (input.role === 'random') {
        whole.push({
          name: input.name,
          tensor: randomTensor(input, bindings, stepRng.fork(input.name)),
          split: input.shape[0] === plan.batchDim,
        });
      }
    }
    const shardFeeds = (k: number): ShardFeed[] =>
      whole.map(({ name, tensor, split }) => ({
        name,
        type: tensor.type as ShardFeed['type'],
        data: split ? sliceRows(tensor, rows, bounds[k], bounds[k + 1]) : (tensor.data as ShardFeed['data']),
        dims: split ? [bounds[k + 1] - bounds[k], ...tensor.dims.slice(1)] : [...tensor.dims],
      }));

    this.groupParams.forEach((t, i) => this.parameterShared[i].set(t.data as FloatArray));
    const posted: number[] = [];
    this.remotes.forEach((remote, i) => {
      const k = i + 1;
      if (bounds[k + 1] === bounds[k]) return;
      const feeds = shardFeeds(k);
      const job: ShardJob = { feeds };
      posted[i] = remote.worker.post(
        job,
        feeds.filter((f) => f.data.buffer instanceof ArrayBuffer).map((f) => f.data.buffer as ArrayBuffer),
      );
    });

    const localFeeds: Record<string, OrtTensor> = { ...this.paramViews };
    for (const f of shardFeeds(0)) localFeeds[f.name] = toOrtTensor({ data: f.data, dims: f.dims }, f.type);
    const local = this.local.run(localFeeds, this.localFetch);

    const weight = (k: number): number => (plan.combine === 'sum' ? 1 : (bounds[k + 1] - bounds[k]) / rows);
    const combined = this.scalarNames.map((name) => weight(0) * Number((local[name].data as FloatArray)[0]));
    const floatType = this.floatType;
    const updateFeeds: Record<string, OrtTensor> = {};
    plan.groups.forEach((gr, i) => {
      updateFeeds[gr.name] = this.groupParams[i];
      updateFeeds[shardGradientName(gr.name, 0)] = local[gradientOutputName(gr.name)];
    });
    this.remotes.forEach((remote, i) => {
      const k = i + 1;
      const empty = bounds[k + 1] === bounds[k];
      if (!empty) remote.worker.wait(posted[i]);
      plan.groups.forEach((gr, j) => {
        const g = remote.gradients[j];
        if (empty) g.own.fill(0);
        else g.own.set(g.shared);
        updateFeeds[shardGradientName(gr.name, k)] = g.tensor;
      });
      if (!empty) this.scalarNames.forEach((_, s) => (combined[s] += weight(k) * remote.scalars[s]));
    });
    const values: Record<string, number> = {};
    this.scalarNames.forEach((name, j) => (values[name] = combined[j]));
    const loss = values.loss;
    delete values.loss;
    // A non-finite loss leaves parameters and states as they were (the session reports it).
    if (!Number.isFinite(loss)) return { loss, values, gradNorm: NaN };

    for (let k = 0; k < plan.shards; k++)
      updateFeeds[shardWeightName(k)] = scalarTensor(weight(k), floatType);
    for (const [name, t] of this.groupStates) updateFeeds[name] = t;
    for (const input of plan.update.inputs) {
      if (input.role === 'scalar' && updateFeeds[input.name] === undefined) {
        const v = scalars[input.name];
        if (v === undefined) throw new Error(`internal: no value for scalar input '${input.name}'`);
        updateFeeds[input.name] = scalarTensor(v, floatType);
      }
    }
    const out = this.updater.run(updateFeeds, this.updateFetch);
    for (const o of plan.update.outputs) {
      if (o.role === 'param') {
        this.groupParams[plan.groups.findIndex((gr) => gr.name === o.updates)] = out[o.name];
      } else if (o.role === 'state') this.groupStates.set(o.updates as string, out[o.name]);
    }
    this.refreshViews();
    return { loss, values, gradNorm: Number((out.grad_norm.data as FloatArray)[0]) };
  }

  dispose(): void {
    this.local.dispose();
    this.updater.dispose();
    for (const remote of this.remotes) remote.worker.dispose();
  }
}
