/**
 * The neural engine's public API: build a model as ops on symbolic tensors, differentiate it, emit
 * the optimizer into the same graph, compile to ONNX and train/run it with onnxruntime-node.
 * See docs/nn.md.
 */
export type { Dim, Shape } from './shape.ts';
export { formatShape, broadcastShapes } from './shape.ts';
export { Graph, Tensor, applyOp, apply1, attr } from './graph.ts';
export type {
  AttrValue,
  Attrs,
  BackwardContext,
  DType,
  FloatType,
  GraphInput,
  GraphOptions,
  InputRole,
  OpDefinition,
  RandomFill,
  ValueInfo,
} from './graph.ts';
export { init, fillInitial } from './init.ts';
export type { Initializer } from './init.ts';
export { gradients } from './autodiff.ts';

// Ops (each with its backward rule in src/nn/ops/).
export { add, sub, mul, div, neg, exp, log, sqrt, square, abs } from './ops/elementwise.ts';
export { relu, leakyRelu, sigmoid, tanh, gelu } from './ops/activations.ts';
export { matmul, linear } from './ops/matmul.ts';
export { reshape, transpose, concat, slice, split } from './ops/shape-ops.ts';
export { conv2d, convTranspose2d } from './ops/conv.ts';
export type { Conv2dOptions, ConvTranspose2dOptions } from './ops/conv.ts';
export { maxPool2d, avgPool2d } from './ops/pool.ts';
export { softmax, logSoftmax } from './ops/softmax.ts';
export { layerNorm } from './ops/normalization.ts';
export { embedding } from './ops/embedding.ts';
export { dropout, randomNormal } from './ops/dropout.ts';
export { reduceSum, reduceMean } from './ops/reduce.ts';
export { bceWithLogitsElementwise } from './ops/loss-ops.ts';
export * as emit from './ops/emit.ts';

// Layers, losses, optimizers, schedules.
export { dense, conv2dLayer, convTranspose2dLayer, layerNormLayer, embeddingLayer } from './layers.ts';
export type { DenseOptions, ConvLayerOptions } from './layers.ts';
export {
  softmaxCrossEntropy,
  binaryCrossEntropyWithLogits,
  meanSquaredError,
  gaussianKl,
  reduceLoss,
} from './losses.ts';
export type { Reduction, WeightOptions } from './losses.ts';
export { sgd, adam, adamw, emitUpdate, stepScalars } from './optimizers.ts';
export type { Optimizer, UpdateOptions } from './optimizers.ts';
export { learningRateAt } from './schedule.ts';
export type { LearningRateSchedule } from './schedule.ts';

// Compilation, sessions, training loop, checkpoints, export.
export { compileTraining, compileInference } from './compile.ts';
export type { CompiledModel, CompiledInput, CompiledOutput, TrainingCompileOptions } from './compile.ts';
export { encodeGraph, ONNX_OPSET, ONNX_IR_VERSION } from './onnx/encode.ts';
export { decodeModel } from './onnx/proto.ts';
export { OrtSession } from './runtime/ort-session.ts';
export type { OrtSessionOptions } from './runtime/ort-session.ts';
export { TrainingSession } from './runtime/training-session.ts';
export type {
  StepResult,
  OptimizerSnapshot,
  Parallelism,
  TrainingSessionOptions,
} from './runtime/training-session.ts';
export { compileDataParallel, shardBounds } from './data-parallel.ts';
export type { DataParallelPlan, ParameterGroup } from './data-parallel.ts';
export { InferenceSession } from './runtime/inference-session.ts';
export type { Feeds, FeedValue } from './runtime/feeds.ts';
export { initParameters, selectParameters, parameterSpecs } from './runtime/parameters.ts';
export type { ParameterValues, ParameterSpec, FloatArray } from './runtime/parameters.ts';
export { trainEpochs } from './trainer.ts';
export type { EpochOptions, EpochReport } from './trainer.ts';
export { saveCheckpoint, loadCheckpoint, encodeCheckpoint, decodeCheckpoint } from './checkpoint.ts';
export { exportOnnx, writeOnnx } from './export.ts';
