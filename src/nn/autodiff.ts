/**
 * Reverse-mode differentiation over the graph's tape: walk the recorded op applications backwards
 * from a scalar loss, call each op's backward rule with the gradients of its outputs, and sum the
 * gradients that reach each tensor. The backward graph is emitted into the same graph, so one ONNX
 * model holds forward, backward (and the optimizer update, see optimizers.ts).
 */
import { BiasloopError } from '../core/errors.ts';
import type { Tensor } from './graph.ts';
import { formatShape, sameShape } from './shape.ts';
import { addGrads, zeros } from './ops/emit.ts';

/**
 * Gradients of the scalar `loss` with respect to each tensor of `wrt` (parameters or inputs declared
 * with `requiresGrad`). A tensor the loss does not depend on gets a zero gradient.
 */
export function gradients(loss: Tensor, wrt: readonly Tensor[]): Tensor[] {
  const g = loss.graph;
  if (loss.rank !== 0) {
    throw new BiasloopError(
      'usage',
      `gradients: the loss must be a scalar, got shape ${formatShape(loss.shape)}`,
    );
  }
  if (!loss.requiresGrad) {
    throw new BiasloopError(
      'usage',
      'gradients: the loss does not depend on any parameter or differentiable input',
    );
  }
  const grads = new Map<string, Tensor>();
  grads.set(loss.name, g.scalar(1, loss.dtype));
  const tape = g.tape.slice(); // rules append entries; walk only the forward part
  for (let k = tape.length - 1; k >= 0; k--) {
    const entry = tape[k];
    const outputGrads = entry.outputs.map((t) => grads.get(t.name));
    if (outputGrads.every((d) => d === undefined)) continue;
    const nonDiff = entry.op.nonDifferentiable ?? [];
    const needsGrad = entry.inputs.map(
      (t, i) => t.requiresGrad && !nonDiff.includes(i) && (t.dtype === 'float32' || t.dtype === 'float64'),
    );
    if (!needsGrad.some(Boolean)) continue;
    if (entry.op.backward === undefined) {
      throw new BiasloopError('usage', `gradients: op ${entry.op.name} has no backward rule`);
    }
    const inputGrads = entry.op.backward({
      graph: g,
      inputs: entry.inputs,
      outputs: entry.outputs,
      outputGrads,
      needsGrad,
      attrs: entry.attrs,
    });
    entry.inputs.forEach((t, i) => {
      const d = inputGrads[i];
      if (d === undefined || !needsGrad[i]) return;
      if (!sameShape(d.shape, t.shape)) {
        throw new Error(
          `internal: ${entry.op.name} rule gave gradient ${formatShape(d.shape)} for input ${formatShape(t.shape)}`,
        );
      }
      const prev = grads.get(t.name);
      grads.set(t.name, prev === undefined ? d : addGrads(prev, d));
    });
  }
  return wrt.map((t) => {
    const d = grads.get(t.name);
    if (d !== undefined) return d;
    const shape = t.shape.map((s) => (typeof s === 'number' ? s : NaN));
    if (shape.some(Number.isNaN)) {
      throw new BiasloopError('usage', `gradients: '${t.name}' does not influence the loss`);
    }
    return zeros(t, shape);
  });
}
