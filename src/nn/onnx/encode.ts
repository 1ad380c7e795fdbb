/**
 * Graph → ONNX model bytes (IR version 8, default-domain opset 17).
 */
import type { Graph, Tensor } from '../graph.ts';
import { ONNX_DTYPE, dimProto, tensorProto } from '../graph.ts';
import type { TensorProtoJson, ValueInfoProtoJson } from './proto.ts';
import { encodeModel } from './proto.ts';

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

export interface EncodeOptions {
  /** Inputs to bake in as initializers (e.g. trained weights for a standalone export). */
  readonly initializers?: ReadonlyMap<string, Float32Array | Float64Array>;
  readonly docString?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly name?: string;
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
  const initializer: TensorProtoJson[] = [...graph.initializers];
  const inputs: ValueInfoProtoJson[] = [];
  for (const input of graph.inputs) {
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
      node: graph.nodes,
      initializer,
      input: inputs,
      output: graph.outputs.map((o) => valueInfo(o.name, o.tensor)),
    },
  });
}
