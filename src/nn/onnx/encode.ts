/**
 * Graph → ONNX model bytes (IR version 8, default-domain opset 17).
 */
import type { Graph, Tensor } from '../graph.ts';
import { ONNX_DTYPE, dimProto, tensorProto } from '../graph.ts';
import type { TensorProtoJson, ValueInfoProtoJson } from './proto.ts';
import type { NodeProtoJson } from './proto.ts';
import { encodeModel } from './proto.ts';
import { makeNode } from './nodes.ts';

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

export interface EncodeOptions {
  /** Inputs to bake in as initializers (e.g. trained weights for a standalone export). */
  readonly initializers?: ReadonlyMap<string, Float32Array | Float64Array>;
  readonly docString?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly name?: string;
  /**
   * Encode only what these outputs need, instead of the graph's declared outputs: nodes that do not
   * contribute to them are dropped, and so are inputs and constants nothing left reads (the graph
   * itself is not changed). Used to cut a training graph down to its gradient part.
   */
  readonly outputs?: readonly { readonly name: string; readonly tensor: Tensor }[];
}

function valueInfo(name: string, t: Tensor): ValueInfoProtoJson {
  return {
    name,
    type: {
      tensorType: { elemType: ONNX_DTYPE[t.dtype], shape: { dim: t.shape.map(dimProto) } },
    },
  };
}

/** Encode `graph` as an ONNX model. Inputs listed in `options.initializers` become constants. */
export function encodeGraph(graph: Graph, options: EncodeOptions = {}): Uint8Array {
  const baked = options.initializers ?? new Map<string, Float32Array | Float64Array>();
  let nodes = graph.nodes;
  let outputs: readonly { readonly name: string; readonly tensor: Tensor }[] = graph.outputs;
  let used: ReadonlySet<string> | undefined;
  if (options.outputs !== undefined) {
    outputs = options.outputs;
    const identities = outputs.map((o) => makeNode('Identity', [o.tensor.name], [o.name], {}, o.name));
    // The graph's own output nodes are replaced by these outputs' (their names may coincide).
    const declared = new Set(graph.outputs.map((o) => o.name));
    const computing = graph.nodes.filter((n) => !n.output.some((o) => declared.has(o)));
    ({ nodes, used } = neededNodes(
      [...computing, ...identities],
      outputs.map((o) => o.name),
    ));
  }
  const initializer: TensorProtoJson[] = graph.initializers.filter(
    (t) => used === undefined || used.has(t.name),
  );
  const inputs: ValueInfoProtoJson[] = [];
  for (const input of graph.inputs) {
    if (used !== undefined && !used.has(input.tensor.name)) continue;
    const values = baked.get(input.tensor.name);
    if (values !== undefined) {
      initializer.push(
        tensorProto(input.tensor.name, values, input.tensor.shape as number[], input.tensor.dtype),
      );
    } else {
      inputs.push(valueInfo(input.tensor.name, input.tensor));
    }
  }
  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    producerName: 'biasloop',
    producerVersion: '0.1.0',
    docString: options.docString ?? '',
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: options.name ?? 'biasloop',
      node: nodes,
      initializer,
      input: inputs,
      output: outputs.map((o) => valueInfo(o.name, o.tensor)),
    },
  });
}

/**
 * The nodes needed to compute `outputNames` (in their original order) and every value name they
 * read. Nodes are listed producers first, so one backward pass over them finds all of them.
 */
export function neededNodes(
  nodes: readonly NodeProtoJson[],
  outputNames: readonly string[],
): { nodes: NodeProtoJson[]; used: Set<string> } {
  const wanted = new Set(outputNames);
  const keep: boolean[] = new Array<boolean>(nodes.length).fill(false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    if (!node.output.some((o) => wanted.has(o))) continue;
    keep[i] = true;
    for (const name of node.input) if (name !== '') wanted.add(name);
  }
  return { nodes: nodes.filter((_, i) => keep[i]), used: wanted };
}
