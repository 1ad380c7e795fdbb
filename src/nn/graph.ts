/**
 * The graph builder: symbolic tensors, graph inputs, named parameters, constants, and the list of
 * ONNX nodes they compile to.
 *
 * A model is declared by calling ops (src/nn/ops/) on symbolic `Tensor`s. Each differentiable op is
 * one `OpDefinition` (shape inference + ONNX emission + reverse-mode rule) applied through `applyOp`,
 * which infers the output shapes at build time (a mismatch is an error naming the op and the shapes),
 * emits the op's ONNX nodes, and records the application on the graph's tape for `gradients()`.
 */
import { BiasloopError } from '../core/errors.ts';
import type { Shape } from './shape.ts';
import { formatShape, isStatic, staticSize } from './shape.ts';
import type { NodeProtoJson, TensorProtoJson } from './onnx/proto.ts';
import type { Attrs, DType } from './onnx/nodes.ts';
import { makeNode, tensorProto } from './onnx/nodes.ts';
import type { Initializer } from './init.ts';

export type FloatType = 'float32' | 'float64';
export type { AttrValue, Attrs, DType } from './onnx/nodes.ts';
export { ONNX_DTYPE, attr, dimProto, tensorProto } from './onnx/nodes.ts';

/** A symbolic tensor: a named value in the graph with a static (possibly symbolic) shape. */
export class Tensor {
  readonly graph: Graph;
  /** The ONNX value name. */
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: DType;
  /** True when a gradient can flow to a parameter or differentiable input from this value. */
  readonly requiresGrad: boolean;

  constructor(graph: Graph, name: string, shape: Shape, dtype: DType, requiresGrad: boolean) {
    this.graph = graph;
    this.name = name;
    this.shape = shape;
    this.dtype = dtype;
    this.requiresGrad = requiresGrad;
  }

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}${formatShape(this.shape)}`;
  }
}

/** What a graph input is for; decides who feeds it. */
export type InputRole =
  | 'data' // fed by the caller per batch
  | 'param' // a trainable parameter, fed from the parameter store
  | 'state' // optimizer state (moments), fed from the optimizer store
  | 'scalar' // a per-step scalar (learning rate, bias corrections, weight decay)
  | 'random'; // fresh random values per step (dropout masks, Gaussian noise), drawn from the seeded stream

/** How a `random` input is filled each step. */
export type RandomFill =
  | { readonly kind: 'normal' } // standard normal draws
  | { readonly kind: 'dropout'; readonly rate: number }; // 0 with probability rate, else 1/(1-rate)

export interface GraphInput {
  readonly tensor: Tensor;
  readonly role: InputRole;
  readonly init?: Initializer;
  readonly random?: RandomFill;
  /** For optimizer state: the parameter it belongs to. */
  readonly stateOf?: string;
}

export interface GraphOutput {
  /** Name of the graph output (an Identity of `tensor`). */
  readonly name: string;
  readonly tensor: Tensor;
}

/** What a backward rule receives. */
export interface BackwardContext<A> {
  readonly graph: Graph;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  /** Gradient of the loss with respect to each output; undefined when no gradient reaches it. */
  readonly outputGrads: readonly (Tensor | undefined)[];
  /** Which inputs need a gradient (skip the others: e.g. a first layer's input gradient). */
  readonly needsGrad: readonly boolean[];
  readonly attrs: A;
}

/** Output of shape inference for one output. */
export interface ValueInfo {
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * One differentiable op: everything about it lives in this object (src/nn/ops/ holds them all).
 * `infer` throws `shapeError(...)` on mismatched shapes; `emit` writes the forward ONNX nodes;
 * `backward` returns the gradient of each input (undefined where not needed or not differentiable).
 */
export interface OpDefinition<A> {
  readonly name: string;
  infer(inputs: readonly Tensor[], attrs: A): readonly ValueInfo[];
  emit(graph: Graph, inputs: readonly Tensor[], outputs: readonly string[], attrs: A): void;
  backward?(ctx: BackwardContext<A>): readonly (Tensor | undefined)[];
  /** Which inputs are never differentiable (e.g. integer indices); defaults to non-float inputs. */
  readonly nonDifferentiable?: readonly number[];
}

/** A recorded application of an op, for reverse-mode differentiation. */
export interface TapeEntry {
  // The tape mixes ops with different attribute types; each entry's backward gets its own attrs.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly op: OpDefinition<any>;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: unknown;
}

export interface GraphOptions {
  /** Element type of every float tensor: float32 for training, float64 for gradient checks. */
  readonly floatType?: FloatType;
  /** Training graph (dropout active, random inputs drawn) or inference graph. */
  readonly training?: boolean;
}

export class Graph {
  readonly floatType: FloatType;
  readonly training: boolean;
  readonly nodes: NodeProtoJson[] = [];
  readonly inputs: GraphInput[] = [];
  readonly outputs: GraphOutput[] = [];
  readonly initializers: TensorProtoJson[] = [];
  readonly tape: TapeEntry[] = [];
  /**
   * How each loss built with the engine's losses reduced over the batch ('mean', 'sum', or
   * 'weightedMean' with sample weights): a data-parallel step combines its shards' gradients by it.
   */
  readonly lossReductions: ('mean' | 'sum' | 'weightedMean')[] = [];
  private readonly usedNames = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly scopes: string[] = [];
  private readonly scalarCache = new Map<string, Tensor>();

  constructor(options: GraphOptions = {}) {
    this.floatType = options.floatType ?? 'float32';
    this.training = options.training ?? true;
  }

  // ---------- names and scopes ----------

  /** Run `fn` with `name` appended to the scope: parameter names and error messages carry it. */
  scope<T>(name: string, fn: () => T): T {
    this.scopes.push(name);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** The current scope path, e.g. `encoder.conv1`. */
  get scopePath(): string {
    return this.scopes.join('.');
  }

  /** `op` prefixed with the current scope, for error messages. */
  where(op: string): string {
    return this.scopes.length > 0 ? `${op} in '${this.scopePath}'` : op;
  }

  /** A fresh ONNX value name based on `base`. */
  freshName(base: string): string {
    const prefix = this.scopes.length > 0 ? `${this.scopePath}/${base}` : base;
    let k = this.counters.get(prefix) ?? 0;
    let name = `${prefix}_${k}`;
    while (this.usedNames.has(name)) name = `${prefix}_${++k}`;
    this.counters.set(prefix, k + 1);
    this.usedNames.add(name);
    return name;
  }

  private claimName(name: string, what: string): void {
    if (this.usedNames.has(name)) {
      throw new BiasloopError('usage', `${what} '${name}' is declared twice in this graph`);
    }
    this.usedNames.add(name);
  }

  // ---------- inputs, parameters, constants, outputs ----------

  /** A data input fed per batch. Set `requiresGrad` to differentiate with respect to it. */
  input(name: string, shape: Shape, options: { dtype?: DType; requiresGrad?: boolean } = {}): Tensor {
    this.claimName(name, 'input');
    const dtype = options.dtype ?? this.floatType;
    const t = new Tensor(this, name, shape, dtype, options.requiresGrad ?? false);
    this.inputs.push({ tensor: t, role: 'data' });
    return t;
  }

  /**
   * A trainable parameter, named by the current scope plus `name` (e.g. `conv1.weight`), with a static
   * shape and an initialiser drawn from the seeded stream.
   */
  param(name: string, shape: readonly number[], init: Initializer): Tensor {
    const full = this.scopes.length > 0 ? `${this.scopePath}.${name}` : name;
    this.claimName(full, 'parameter');
    for (const d of shape) {
      if (!Number.isInteger(d) || d <= 0) {
        throw new BiasloopError(
          'usage',
          `parameter '${full}': shape ${formatShape(shape)} must have positive integer dimensions`,
        );
      }
    }
    const t = new Tensor(this, full, shape, this.floatType, true);
    this.inputs.push({ tensor: t, role: 'param', init });
    return t;
  }

  /** A per-step scalar input (learning rate and the like). */
  scalarInput(name: string): Tensor {
    this.claimName(name, 'input');
    const t = new Tensor(this, name, [], this.floatType, false);
    this.inputs.push({ tensor: t, role: 'scalar' });
    return t;
  }

  /** An optimizer-state input for parameter `param` (same shape). */
  stateInput(name: string, param: Tensor): Tensor {
    this.claimName(name, 'optimizer state');
    const t = new Tensor(this, name, param.shape, this.floatType, false);
    this.inputs.push({ tensor: t, role: 'state', stateOf: param.name });
    return t;
  }

  /** A tensor of fresh random values each step (drawn by the session from its seeded stream). */
  randomInput(shape: Shape, fill: RandomFill): Tensor {
    const name = this.freshName(fill.kind === 'normal' ? 'noise' : 'dropout_mask');
    const t = new Tensor(this, name, shape, this.floatType, false);
    this.inputs.push({ tensor: t, role: 'random', random: fill });
    return t;
  }

  /** A constant tensor (stored as an ONNX initializer). */
  constant(values: ArrayLike<number>, shape: readonly number[], dtype: DType = this.floatType): Tensor {
    const size = staticSize(shape) ?? 0;
    if (values.length !== size) {
      throw new BiasloopError(
        'usage',
        `constant of shape ${formatShape(shape)} needs ${size} values, got ${values.length}`,
      );
    }
    const name = this.freshName('const');
    this.initializers.push(tensorProto(name, values, shape, dtype));
    return new Tensor(this, name, shape, dtype, false);
  }

  /** A cached scalar constant of the graph's float type (or `dtype`). */
  scalar(value: number, dtype: DType = this.floatType): Tensor {
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : String(value)}`;
    let t = this.scalarCache.get(key);
    if (t === undefined) {
      t = this.constant([value], [], dtype);
      this.scalarCache.set(key, t);
    }
    return t;
  }

  /** A cached constant int64 vector (shapes, axes, pads). */
  int64s(values: readonly number[]): Tensor {
    const key = `int64s:${values.join(',')}`;
    let t = this.scalarCache.get(key);
    if (t === undefined) {
      t = this.constant(values, [values.length], 'int64');
      this.scalarCache.set(key, t);
    }
    return t;
  }

  /** Declare a graph output named `name` with the value of `tensor`. */
  output(name: string, tensor: Tensor): void {
    this.claimName(name, 'output');
    this.nodes.push(makeNode('Identity', [tensor.name], [name], {}, name));
    this.outputs.push({ name, tensor });
  }

  inputsOf(role: InputRole): GraphInput[] {
    return this.inputs.filter((i) => i.role === role);
  }

  // ---------- node emission ----------

  /** Append one ONNX node (used by op emitters). */
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs: Attrs = {}): void {
    this.nodes.push(makeNode(opType, inputs, outputs, attrs, this.freshName(`n_${opType}`)));
  }

  /**
   * Emit a non-differentiable ONNX op whose output shapes the caller states (backward rules, label
   * processing). No gradient flows through it.
   */
  raw(opType: string, inputs: readonly Tensor[], outputs: readonly ValueInfo[], attrs: Attrs = {}): Tensor[] {
    for (const t of inputs) this.assertOwn(t, opType);
    const outs = outputs.map((o) => new Tensor(this, this.freshName(opType), o.shape, o.dtype, false));
    this.node(
      opType,
      inputs.map((t) => t.name),
      outs.map((t) => t.name),
      attrs,
    );
    return outs;
  }

  /** Like `raw` with a single output. */
  raw1(opType: string, inputs: readonly Tensor[], output: ValueInfo, attrs: Attrs = {}): Tensor {
    return this.raw(opType, inputs, [output], attrs)[0];
  }

  /** The runtime shape of `t` as an int64 vector: a constant when static, else an ONNX `Shape`. */
  shapeOf(t: Tensor): Tensor {
    if (isStatic(t.shape)) return this.int64s(t.shape);
    return this.raw1('Shape', [t], { shape: [t.rank], dtype: 'int64' });
  }

  assertOwn(t: Tensor, op: string): void {
    if (t.graph !== this) {
      throw new BiasloopError('usage', `${this.where(op)}: tensor '${t.name}' belongs to another graph`);
    }
  }
}

/**
 * Apply a differentiable op: check inputs, infer output shapes (errors name the op and the shapes),
 * emit the ONNX nodes and record the application for `gradients()`.
 */
export function applyOp<A>(op: OpDefinition<A>, inputs: readonly Tensor[], attrs: A): Tensor[] {
  if (inputs.length === 0) throw new BiasloopError('usage', `${op.name} needs at least one input`);
  const graph = inputs[0].graph;
  for (const t of inputs) graph.assertOwn(t, op.name);
  let infos: readonly ValueInfo[];
  try {
    infos = op.infer(inputs, attrs);
  } catch (e) {
    if (e instanceof BiasloopError && e.message.startsWith(`${op.name}:`) && graph.scopePath !== '') {
      throw new BiasloopError('usage', `${graph.where(op.name)}${e.message.slice(op.name.length)}`);
    }
    throw e;
  }
  const nonDiff = op.nonDifferentiable ?? [];
  const requiresGrad = inputs.some(
    (t, i) => t.requiresGrad && !nonDiff.includes(i) && t.dtype !== 'int64' && t.dtype !== 'bool',
  );
  const outputs = infos.map(
    (info) =>
      new Tensor(
        graph,
        graph.freshName(op.name),
        info.shape,
        info.dtype,
        requiresGrad && (info.dtype === 'float32' || info.dtype === 'float64'),
      ),
  );
  op.emit(
    graph,
    inputs,
    outputs.map((t) => t.name),
    attrs,
  );
  graph.tape.push({ op, inputs, outputs, attrs });
  return outputs;
}

/** Apply a single-output op. */
export function apply1<A>(op: OpDefinition<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  return applyOp(op, inputs, attrs)[0];
}
