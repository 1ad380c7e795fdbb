/**
 * The inference session: runs a forward-only compiled graph with parameters fed by name, so the
 * weights can change (after each fit) without recompiling. Large inputs are run in chunks along the
 * batch dimension.
 */
import { BiasloopError } from '../../core/errors.ts';
import type { Rng } from '../../core/rng.ts';
import type { CompiledModel } from '../compile.ts';
import type { Feeds } from './feeds.ts';
import { bindDimensions, randomTensor, toOrtTensor } from './feeds.ts';
import { OrtSession } from './ort-session.ts';
import type { OrtSessionOptions, OrtTensor } from './ort-session.ts';
import type { FloatArray, ParameterValues } from './parameters.ts';
import { checkParameters, parameterSpecs } from './parameters.ts';

export class InferenceSession {
  readonly model: CompiledModel;
  private readonly session: OrtSession;
  private params = new Map<string, OrtTensor>();

  constructor(model: CompiledModel, parameters: ParameterValues, options: OrtSessionOptions = {}) {
    if (model.kind !== 'inference')
      throw new BiasloopError('usage', 'InferenceSession needs a model from compileInference');
    this.model = model;
    this.session = new OrtSession(model.bytes, options);
    this.setParameters(parameters);
  }

  setParameters(values: ParameterValues): void {
    const specs = parameterSpecs(this.model);
    checkParameters(specs, values);
    this.params = new Map();
    for (const s of specs) {
      this.params.set(
        s.name,
        toOrtTensor({ data: values.get(s.name) as FloatArray, dims: s.shape }, this.model.floatType),
      );
    }
  }

  /**
   * Run once on `inputs`; `rng` fills random inputs (e.g. the VAE's latent noise) if the graph has any.
   * `only` limits the returned outputs (the others are not copied out of onnxruntime).
   */
  run(inputs: Feeds, rng?: Rng, only?: readonly string[]): Record<string, FloatArray> {
    const model = this.model;
    const bindings = bindDimensions(model.inputs, inputs);
    const feeds: Record<string, OrtTensor> = {};
    for (const input of model.inputs) {
      if (input.role === 'data') feeds[input.name] = toOrtTensor(inputs[input.name], input.dtype);
      else if (input.role === 'param') feeds[input.name] = this.params.get(input.name) as OrtTensor;
      else if (input.role === 'random') {
        if (rng === undefined)
          throw new BiasloopError('usage', `input '${input.name}' needs random draws: pass an Rng`);
        feeds[input.name] = randomTensor(input, bindings, rng.fork(input.name));
      } else throw new Error(`internal: inference graph has a '${input.role}' input '${input.name}'`);
    }
    const names = only ?? model.outputs.map((o) => o.name);
    for (const name of names) {
      if (!model.outputs.some((o) => o.name === name))
        throw new BiasloopError('usage', `the model has no output '${name}'`);
    }
    const out = this.session.run(feeds, names);
    const result: Record<string, FloatArray> = {};
    for (const name of names) result[name] = out[name].data as FloatArray;
    return result;
  }

  dispose(): void {
    this.session.dispose();
  }
}
