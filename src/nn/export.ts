/**
 * Standalone ONNX export: the inference graph with the trained weights baked in as initializers, so
 * onnxruntime in any language can load the file with no biasloop code (inputs are the data inputs only).
 */
import { BiasloopError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/files.ts';
import type { CompiledModel } from './compile.ts';
import { encodeGraph } from './onnx/encode.ts';
import type { ParameterValues } from './runtime/parameters.ts';
import { checkParameters, parameterSpecs } from './runtime/parameters.ts';

export function exportOnnx(
  model: CompiledModel,
  parameters: ParameterValues,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  if (model.kind !== 'inference') throw new BiasloopError('usage', 'only an inference graph can be exported');
  if (model.inputs.some((i) => i.role === 'random')) {
    throw new BiasloopError('usage', 'this graph draws random inputs; export a deterministic graph');
  }
  checkParameters(parameterSpecs(model), parameters);
  return encodeGraph(model.graph, {
    initializers: parameters,
    metadata,
    name: metadata.name ?? 'biasloop-model',
    docString: 'Exported by biasloop: inference graph with trained weights as initializers.',
  });
}

export function writeOnnx(path: string, bytes: Uint8Array): void {
  writeFileAtomic(path, bytes);
}
