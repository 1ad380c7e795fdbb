/**
 * ONNX protobuf pieces shared by the graph builder: element-type codes, tagged attribute values,
 * node and tensor messages.
 */
import type { Dim } from '../shape.ts';
import type { AttributeProtoJson, NodeProtoJson, TensorProtoJson } from './proto.ts';
import { OnnxAttributeType, OnnxDataType } from './proto.ts';

export type DType = 'float32' | 'float64' | 'int64' | 'bool';

export const ONNX_DTYPE: Readonly<Record<DType, number>> = {
  float32: OnnxDataType.float32,
  float64: OnnxDataType.float64,
  int64: OnnxDataType.int64,
  bool: OnnxDataType.bool,
};

/** One ONNX attribute value, tagged with its type. */
export type AttrValue =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly string: string }
  | { readonly tensor: TensorProtoJson };

export type Attrs = Readonly<Record<string, AttrValue>>;

export function makeNode(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attrs: Attrs,
  name: string,
): NodeProtoJson {
  return {
    opType,
    input: [...inputs],
    output: [...outputs],
    name,
    attribute: Object.entries(attrs).map(([key, v]) => encodeAttr(key, v)),
  };
}

function encodeAttr(name: string, v: AttrValue): AttributeProtoJson {
  if ('int' in v) return { name, type: OnnxAttributeType.INT, i: v.int };
  if ('float' in v) return { name, type: OnnxAttributeType.FLOAT, f: v.float };
  if ('ints' in v) return { name, type: OnnxAttributeType.INTS, ints: [...v.ints] };
  if ('floats' in v) return { name, type: OnnxAttributeType.FLOATS, floats: [...v.floats] };
  if ('string' in v) {
    return { name, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(v.string) };
  }
  return { name, type: OnnxAttributeType.TENSOR, t: v.tensor };
}

/** An ONNX TensorProto with raw little-endian data. */
export function tensorProto(
  name: string,
  values: ArrayLike<number>,
  dims: readonly number[],
  dtype: DType,
): TensorProtoJson {
  let bytes: Uint8Array;
  switch (dtype) {
    case 'float32':
      bytes = new Uint8Array(Float32Array.from(values).buffer);
      break;
    case 'float64':
      bytes = new Uint8Array(Float64Array.from(values).buffer);
      break;
    case 'int64': {
      const a = new BigInt64Array(values.length);
      for (let i = 0; i < values.length; i++) a[i] = BigInt(values[i]);
      bytes = new Uint8Array(a.buffer);
      break;
    }
    case 'bool':
      bytes = Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0));
      break;
  }
  return { name, dims: [...dims], dataType: ONNX_DTYPE[dtype], rawData: bytes };
}

/** Attribute helpers. */
export const attr = {
  int: (v: number): AttrValue => ({ int: v }),
  float: (v: number): AttrValue => ({ float: v }),
  ints: (v: readonly number[]): AttrValue => ({ ints: v }),
  floats: (v: readonly number[]): AttrValue => ({ floats: v }),
  string: (v: string): AttrValue => ({ string: v }),
};

/** Dims of a shape as ONNX value-info entries. */
export function dimProto(d: Dim): { dimValue: number } | { dimParam: string } {
  return typeof d === 'number' ? { dimValue: d } : { dimParam: d };
}
