/**
 * Every place this project reaches into TensorFlow.js beyond its documented API, in one file:
 * what each internal is, where it lives in tfjs 4.22, what uses it, and what breaks if it
 * changes. No other file casts into tfjs internals (`as unknown as`).
 *
 * - engine (tfjs-core `engine.ts`): `runKernelFunc` (private) and `isTapeOn()`, for the fused
 *   RNN ops (`fused_rnn.ts`); `registeredVariables`, for `FusedAdam` (`fused_adam.ts`);
 * - the serialization registry (tfjs-core `serialization.ts`,
 *   `SerializationMap.getMap().classNameMap`): the stock `SimpleRNN`, `LSTM`, `GRU` and `GRUCell`
 *   classes the fused layers extend (`fused_rnn.ts`); a recurrent layer's `cell`, replaced
 *   before it is built ({@link replaceCell}: the fused GRU with `resetAfter: true`);
 * - layer and cell fields (tfjs-layers `layers/*.ts`: `cell`, `kernel`, `units`, `activation`,
 *   regularisers, constraints...): read by the fused layers and the fast training step
 *   (`_train_step.ts`);
 * - compiled-model fields (tfjs-layers `engine/training.ts`: `loss`, `metricsNames`,
 *   `metricsTensors`, `built`): the fast training step's check of what it can train;
 * - optimizer state (tfjs-core `optimizers/*.ts`: Adam's private moments and accumulated betas,
 *   SGD's protected `learningRate` and `incrementIterations()`): `fused_adam.ts`,
 *   `_train_step.ts`;
 * - the training road (tfjs-layers `engine/training.ts`): `LayersModel.prototype.fit`,
 *   `fitLoop` (its positional arguments), `makeTrainFunction` and `makeTestFunction`, which
 *   `fit`, `evaluate` and `trainOnBatch` call (a `Sequential` delegates to the `LayersModel` in
 *   its `model` field), and the model's `history` field `fit` sets: `fast_road.ts` installs its
 *   typed-array step and loop there ({@link installTrainingHooks});
 * - `util.shuffle` (tfjs-core `util_base.ts`), which `fit` calls at run time to shuffle its
 *   sample order every epoch with `Math.random`: `random_seed.ts` seeds it
 *   ({@link replaceShuffle});
 * - the `seed` field of a `Dropout` layer and the `backwardLayer` of a `Bidirectional`
 *   (tfjs-layers `layers/core.ts`, `layers/wrappers.ts`): `layers.ts` seeds their randomness;
 * - the backend (tfjs-core `backends/backend.ts`, tfjs-backend-cpu `backend_cpu.ts`):
 *   `refCount`, for the batch buffers `training.ts` reuses; `readSync` and `makeTensorInfo`, the
 *   kernel registry and `collectGatherOpShapeInfo` (tfjs-core `ops/segment_util.ts`), for the
 *   replaced cpu kernels (`../kernels/gather.ts`, `transpose.ts`, `segment_sum.ts`).
 *
 * Behaviours relied on, not only names: the cpu backend keeps the typed array a tensor is made
 * from and `dataSync()` returns the backend's own array (no copies: the training step reads
 * weights that way and never writes them; the Adam update writes the optimizer's moments in
 * place in those arrays, which no other tensor shares); an optimizer's `applyGradients` takes gradients by
 * variable name; the layers keep their weights as `LayerVariable`s whose `read()` is the
 * `tf.Variable` the optimizer updates.
 *
 * On import the installed tfjs is checked against the version these internals were written for
 * ({@link TFJS_VERSION}): another version prints one warning naming what may break.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { version } from "@tensorflow/tfjs";
 * import { tfjsVersionMismatch } from "./_internals.ts";
 *
 * assert.equal(tfjsVersionMismatch(version), undefined); // the pinned 4.22.0
 * assert.match(
 *   tfjsVersionMismatch({ ...version, "tfjs-layers": "4.23.0" })!,
 *   /written for TensorFlow\.js 4\.22\.x, found tfjs-layers 4\.23\.0/,
 * );
 * ```
 * @module
 */
import "@tensorflow/tfjs-backend-cpu"; // the stock cpu kernels, registered before any is replaced
import {
  backend,
  engine,
  type layers,
  LayersModel,
  type Optimizer,
  type RNN,
  serialization,
  SGDOptimizer,
  type Tensor,
  util,
  type Variable,
  version,
} from "@tensorflow/tfjs";
import {
  backend_util,
  getKernel,
  type KernelConfig,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
} from "@tensorflow/tfjs-core";

// ---------------------------------------------------------------------------------------------
// The version these internals were written for

/** The tfjs release line the internals below were read from (`major.minor`). */
export const TFJS_VERSION = "4.22";

/** The tfjs packages whose internals are used, by their key in `tf.version`. */
const PACKAGES = ["tfjs-core", "tfjs-layers", "tfjs-backend-cpu"] as const;

/**
 * The warning to print when `versions` (as `tf.version`) are not all {@link TFJS_VERSION}.x,
 * else undefined.
 */
export function tfjsVersionMismatch(
  versions: Readonly<Record<string, string>>,
): string | undefined {
  const other = PACKAGES.filter((name) => !versions[name]?.startsWith(`${TFJS_VERSION}.`));
  if (other.length === 0) return undefined;
  return `src/tfjs/_internals.ts: written for TensorFlow.js ${TFJS_VERSION}.x, found ` +
    other.map((name) => `${name} ${versions[name] ?? "(missing)"}`).join(", ") +
    ": the fused RNN layers, FusedAdam, the fast training step and road (model.fit), the seeded " +
    "shuffle and the replaced cpu kernels " +
    "use tfjs internals and may fail or compute wrong results; pin 4.22.0 in deno.json or " +
    "run the tests";
}

const mismatch = tfjsVersionMismatch(version);
if (mismatch !== undefined) console.warn(mismatch);

// ---------------------------------------------------------------------------------------------
// Engine

/** Arguments of the engine's `runKernelFunc`: a forward function and a gradient per input. */
export interface KernelFuncParams {
  forwardFunc: () => Tensor;
  /** Per input name, a thunk computing that input's gradient from `dy`. */
  backwardsFunc: (dy: Tensor) => Record<string, () => Tensor>;
  inputs: Record<string, Tensor>;
}

/**
 * `Engine.runKernelFunc` (private in tfjs-core's `engine.ts`, present from 1.x to 4.x): records
 * `forwardFunc` on the gradient tape as one op whose input gradients are computed only when the
 * engine asks for them. `tf.customGrad` is built on it. Undefined when tfjs lacks it.
 */
export function engineRunKernelFunc(): ((params: KernelFuncParams) => Tensor) | undefined {
  const e = engine() as unknown as { runKernelFunc?: (params: KernelFuncParams) => Tensor };
  return typeof e.runKernelFunc === "function" ? e.runKernelFunc.bind(e) : undefined;
}

/** `Engine.isTapeOn()`: whether ops are being recorded for gradients (true if unknown). */
export function isTapeOn(): boolean {
  return (engine() as { isTapeOn?(): boolean }).isTapeOn?.() ?? true;
}

/** `Engine.registeredVariables[name]`: the variable of that name, as optimizers look it up. */
export function registeredVariable(name: string): Variable {
  const variable = engine().registeredVariables[name];
  if (variable == null) throw new Error(`_internals.ts: no tfjs variable is named "${name}"`);
  return variable;
}

// ---------------------------------------------------------------------------------------------
// Serialization

/** A class as tfjs's serialization registry keeps it: the constructor and its `fromConfig`. */
export interface ClassEntry<C> {
  cls: C;
  fromConfig: (cls: C, config: serialization.ConfigDict) => unknown;
}

/**
 * The class registered under `className` (tfjs-core's `SerializationMap.getMap().classNameMap`,
 * what `tf.loadLayersModel` rebuilds layers from): how the stock layer classes, which
 * tfjs-layers does not export by name, are reached.
 *
 * @throws Error when no class is registered under that name.
 */
export function registeredClass<C>(className: string): ClassEntry<C> {
  const entry = serialization.SerializationMap.getMap().classNameMap[className];
  if (entry == null) throw new Error(`_internals.ts: tfjs has no registered class ${className}`);
  const [cls, fromConfig] = entry as unknown as [C, ClassEntry<C>["fromConfig"]];
  return { cls, fromConfig };
}

// ---------------------------------------------------------------------------------------------
// Layers and compiled models

/** A tfjs-layers `LayerVariable`: `read()` is the `tf.Variable` the optimizer updates. */
export interface LayerWeight {
  read(): Variable;
  trainable: boolean;
}

/** The fields of a `SimpleRNNCell` / `LSTMCell` (tfjs-layers `layers/recurrent.ts`). */
export interface RnnCellFields {
  kernel: LayerWeight;
  recurrentKernel: LayerWeight;
  bias: LayerWeight | null;
  units: number;
  activation: { getClassName(): string };
  /** LSTM, GRU. */
  recurrentActivation?: { getClassName(): string };
  /** GRU only: the fused GRU's cell with `resetAfter: true` has it (tfjs's cells do not). */
  resetAfter?: boolean;
  dropout?: number;
  recurrentDropout?: number;
  kernelRegularizer?: unknown;
  recurrentRegularizer?: unknown;
  biasRegularizer?: unknown;
  kernelConstraint?: unknown;
  recurrentConstraint?: unknown;
  biasConstraint?: unknown;
}

/**
 * The fields of a layer read by the fast training step and the fused layers (tfjs-layers
 * `layers/embeddings.ts`, `layers/recurrent.ts`, `layers/core.ts`); each class has its own.
 */
export interface LayerFields {
  name: string;
  getClassName(): string;
  activityRegularizer?: unknown;
  // Embedding
  embeddings?: LayerWeight;
  inputDim?: number;
  outputDim?: number;
  maskZero?: boolean;
  embeddingsRegularizer?: unknown;
  embeddingsConstraint?: unknown;
  // SimpleRNN, LSTM
  cell?: RnnCellFields;
  returnSequences?: boolean;
  goBackwards?: boolean;
  // Dense
  kernel?: LayerWeight;
  bias?: LayerWeight | null;
  units?: number;
  useBias?: boolean;
  activation?: { getClassName(): string };
  kernelRegularizer?: unknown;
  biasRegularizer?: unknown;
  kernelConstraint?: unknown;
  biasConstraint?: unknown;
}

/** The fields of a recurrent layer (tfjs-layers `RNN`): its cell and how it runs. */
export interface RnnLayerFields extends LayerFields {
  cell: RnnCellFields;
  returnSequences: boolean;
  goBackwards: boolean;
}

/** A recurrent layer's fields, its cell's included. */
export function rnnFieldsOf(layer: RNN): RnnLayerFields {
  return layer as unknown as RnnLayerFields;
}

/**
 * Replaces a recurrent layer's cell (the `readonly cell` tfjs-layers' `RNN` constructor sets),
 * before the layer is built: how the fused GRU takes a cell whose bias is Keras's [2, 3 units]
 * (tfjs's `GRU` constructor makes its own `GRUCell`, which refuses `resetAfter: true`).
 */
export function replaceCell(layer: RNN, cell: object): void {
  (layer as unknown as { cell: object }).cell = cell;
}

/** What `model.compile` set, as the fast training step checks it (`engine/training.ts`). */
export interface CompiledModelFields {
  /** Undefined until compiled. */
  optimizer: Optimizer | undefined;
  /** The loss as given to `compile`, e.g. `"binaryCrossentropy"`. */
  loss: unknown;
  /** The names `trainOnBatch` returns values for, e.g. `["loss", "acc"]`. */
  metricsNames: string[];
  /** The names of the metric functions, e.g. `["binaryAccuracy"]`. */
  metricFunctions: string[];
  built: boolean;
  layers: LayerFields[];
  /** `model.trainableWeights`, read: the variables in the optimizer's order. */
  trainableVariables: Variable[];
}

/**
 * A compiled model's training configuration. A `Sequential` keeps its metric functions on the
 * `LayersModel` inside it (`model.model.metricsTensors`), a functional model on itself.
 */
export function compiledFieldsOf(model: object): CompiledModelFields {
  const m = model as unknown as {
    optimizer?: Optimizer;
    loss?: unknown;
    metricsNames?: string[];
    metricsTensors?: Array<[{ name: string }, number]>;
    model?: { metricsTensors?: Array<[{ name: string }, number]> };
    built?: boolean;
    layers: unknown[];
    trainableWeights: unknown[];
  };
  const metrics = m.model?.metricsTensors ?? m.metricsTensors ?? [];
  return {
    optimizer: m.optimizer ?? undefined,
    loss: m.loss,
    metricsNames: m.metricsNames ?? [],
    metricFunctions: metrics.map(([fn]) => fn.name),
    built: m.built === true,
    layers: m.layers as LayerFields[],
    trainableVariables: m.trainableWeights.map((w) => (w as LayerWeight).read()),
  };
}

// ---------------------------------------------------------------------------------------------
// Optimizers

/** The state of `tf.AdamOptimizer` its `applyGradients` reads and writes (private fields). */
export interface AdamMoments {
  /** beta1^t and beta2^t, as float32 scalars. */
  accBeta1: Variable;
  accBeta2: Variable;
  /** Per variable, in the order of the gradients given to `applyGradients`. */
  accumulatedFirstMoment: Array<{ originalName: string; variable: Variable }>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: Variable }>;
}

/** The moments of an Adam optimizer (tfjs-core `optimizers/adam_optimizer.ts`), live. */
export function adamMomentsOf(optimizer: Optimizer): AdamMoments {
  return optimizer as unknown as AdamMoments;
}

/** What the fast training step uses of a `tf.SGDOptimizer` (protected members). */
export interface SgdFields {
  learningRate: number;
  /** Counts one step, as `applyGradients` does. */
  incrementIterations(): void;
}

/**
 * The learning rate and step counter of a `tf.SGDOptimizer` (tfjs-core `sgd_optimizer.ts`).
 *
 * @throws Error when `optimizer` is not exactly an SGD optimizer (momentum extends it).
 */
export function sgdFieldsOf(optimizer: Optimizer): SgdFields {
  if (optimizer.constructor !== SGDOptimizer) {
    throw new Error(`_internals.ts: ${optimizer.getClassName()} is not a plain SGD optimizer`);
  }
  return optimizer as unknown as SgdFields;
}

// ---------------------------------------------------------------------------------------------
// Backends and kernels

/**
 * Whether the current backend still holds data `dataId` (`KernelBackend.refCount` > 0): a
 * tensor made from a typed array keeps that very array on the cpu backend, so the array may be
 * reused only once this is false.
 */
export function backendHolds(dataId: object): boolean {
  return backend().refCount(dataId) > 0;
}

/** The typed-array view a numeric cpu tensor's values are stored in (bool as Uint8Array). */
export type NumericValues = Float32Array | Int32Array | Uint8Array;

/** The part of the cpu backend (`MathBackendCPU`) a kernel function reads and writes through. */
export interface CpuBackend {
  /** The stored values of a tensor (its own array, not a copy). */
  readSync(dataId: object): unknown;
  /** Stores `values` (not copied) as a new tensor's data. */
  makeTensorInfo(shape: number[], dtype: string, values: NumericValues): TensorInfo;
}

/** The backend a kernel function receives, as the cpu backend it is. */
export function cpuBackendOf(backend: unknown): CpuBackend {
  return backend as CpuBackend;
}

/**
 * Registers `config` in place of the kernel registered for its kernel name and backend
 * (tfjs-core's kernel registry is global to the tfjs instance).
 *
 * @returns the kernel it replaced, undefined where none was registered
 */
export function replaceKernel(config: KernelConfig): KernelConfig | undefined {
  const stock = getKernel(config.kernelName, config.backendName);
  if (stock != null) unregisterKernel(config.kernelName, config.backendName);
  registerKernel(config);
  return stock;
}

/** The sizes of a `GatherV2` (tfjs-core `ops/segment_util.ts`, `collectGatherOpShapeInfo`). */
export function gatherShapeInfo(
  x: TensorInfo,
  indices: TensorInfo,
  axis: number,
  batchDims: number,
): backend_util.segment_util.GatherOpShapeInfo {
  return backend_util.segment_util.collectGatherOpShapeInfo(x, indices, axis, batchDims);
}

// ---------------------------------------------------------------------------------------------
// The training road: fit, its train and test functions, its shuffle

/** What `fit`'s loop calls per batch: [inputs..., targets...] -> [loss, metrics...] scalars. */
export type BatchFunction = (data: Tensor[]) => Tensor[];

/** The hooks `fast_road.ts` installs on every `LayersModel` of this tfjs instance. */
export interface TrainingHooks {
  /**
   * Called by `LayersModel.makeTrainFunction` (once per `fit`, once per `trainOnBatch`): a train
   * function for `model`, or undefined for tfjs's own.
   */
  trainFunction(model: LayersModel, stock: () => BatchFunction): BatchFunction | undefined;
  /** Called by `LayersModel.makeTestFunction` (`evaluate`, `fit`'s validation): the same. */
  testFunction(model: LayersModel): BatchFunction | undefined;
  /**
   * Called by `fit` in place of `LayersModel.fitLoop` (the epochs and batches, once `fit` has
   * checked and prepared the data and made the train function): a promise of the `History`,
   * or undefined for tfjs's own loop.
   */
  fitLoop(model: LayersModel, args: FitLoopArgs): Promise<unknown> | undefined;
  /** Called first by `LayersModel.fit(x, y, args)`, with its arguments: may throw. */
  beforeFit(model: LayersModel, x: unknown, y: unknown, args: Record<string, unknown>): void;
  /** Called first by `LayersModel.evaluate(x, y, args)`, with its arguments: may throw. */
  beforeEvaluate(model: LayersModel, x: unknown, y: unknown, args: Record<string, unknown>): void;
}

/**
 * The arguments of `LayersModel.fitLoop` (tfjs-layers `engine/training.ts`), by name: the
 * train function `f` from `makeTrainFunction`, `ins` = [inputs..., targets..., sample weights
 * (null without class weights)], the callbacks already standardised (`CustomCallback`s carrying
 * `yieldEvery`), the validation function and data, the labels tfjs's callbacks know.
 */
export interface FitLoopArgs {
  f: BatchFunction;
  ins: Array<Tensor | null>;
  outLabels: string[];
  batchSize?: number;
  epochs?: number;
  verbose?: number;
  callbacks?: unknown[];
  valF?: BatchFunction | null;
  valIns?: Tensor[] | null;
  shuffle?: boolean | string;
  callbackMetrics: string[];
  initialEpoch?: number;
  stepsPerEpoch?: number | null;
  validationSteps?: number | null;
}

/** The prototype methods the hooks wrap (tfjs-layers `engine/training.ts`). */
interface TrainingMethods {
  fitLoop(...args: unknown[]): Promise<unknown>;
  makeTrainFunction(): BatchFunction;
  makeTestFunction(): void;
  testFunction: BatchFunction;
  fit(x: unknown, y: unknown, args?: Record<string, unknown>): Promise<unknown>;
  evaluate(x: unknown, y: unknown, args?: Record<string, unknown>): unknown;
}

let installedHooks: TrainingHooks | undefined;
/** While above 0, the hooks stand aside ({@link withTfjsOwnTraining}). */
let hooksOff = 0;

/** The installed hooks, unless {@link withTfjsOwnTraining} is running. */
function activeHooks(): TrainingHooks | undefined {
  return hooksOff > 0 ? undefined : installedHooks;
}

/**
 * Runs `run` with tfjs's own `fit`, `evaluate`, `trainOnBatch` (no hooks, no checks): what the
 * tests compare the fast road against.
 */
export async function withTfjsOwnTraining<T>(run: () => Promise<T> | T): Promise<T> {
  hooksOff++;
  try {
    return await run();
  } finally {
    hooksOff--;
  }
}

/**
 * Installs `hooks` on `LayersModel.prototype` (once; a second call replaces the hooks, not the
 * wrappers): `makeTrainFunction` and `makeTestFunction` return the hooks' functions where they
 * give one, else tfjs's own; `fit` and `evaluate` call the checks first. tfjs's `fit` loop,
 * callbacks, `History`, `yieldEvery` and validation are untouched.
 */
export function installTrainingHooks(hooks: TrainingHooks): void {
  const first = installedHooks === undefined;
  installedHooks = hooks;
  if (!first) return;
  const proto = LayersModel.prototype as unknown as TrainingMethods;
  const stock = {
    fitLoop: proto.fitLoop,
    makeTrainFunction: proto.makeTrainFunction,
    makeTestFunction: proto.makeTestFunction,
    fit: proto.fit,
    evaluate: proto.evaluate,
  };
  const asModel = (self: TrainingMethods) => self as unknown as LayersModel;
  proto.fitLoop = function (this: TrainingMethods, ...args: unknown[]) {
    const names = [
      "f",
      "ins",
      "outLabels",
      "batchSize",
      "epochs",
      "verbose",
      "callbacks",
      "valF",
      "valIns",
      "shuffle",
      "callbackMetrics",
      "initialEpoch",
      "stepsPerEpoch",
      "validationSteps",
    ];
    const named = Object.fromEntries(names.map((name, i) => [name, args[i]]));
    const own = activeHooks()?.fitLoop(asModel(this), named as unknown as FitLoopArgs);
    return own ?? stock.fitLoop.apply(this, args);
  };
  proto.makeTrainFunction = function (this: TrainingMethods) {
    const tfjsOwn = () => stock.makeTrainFunction.call(this);
    return activeHooks()?.trainFunction(asModel(this), tfjsOwn) ?? tfjsOwn();
  };
  proto.makeTestFunction = function (this: TrainingMethods) {
    const fast = activeHooks()?.testFunction(asModel(this));
    if (fast === undefined) stock.makeTestFunction.call(this);
    else this.testFunction = fast;
  };
  proto.fit = function (this: TrainingMethods, x, y, args = {}) {
    try {
      activeHooks()?.beforeFit(asModel(this), x, y, args);
    } catch (error) {
      return Promise.reject(error);
    }
    return stock.fit.call(this, x, y, args);
  };
  proto.evaluate = function (this: TrainingMethods, x, y, args = {}) {
    activeHooks()?.beforeEvaluate(asModel(this), x, y, args);
    return stock.evaluate.call(this, x, y, args);
  };
}

/** The `LayersModel` a `Sequential` delegates `fit` / `evaluate` to (itself for other models). */
export function innerModelOf(model: LayersModel): LayersModel {
  return (model as unknown as { model?: LayersModel }).model ?? model;
}

/** tfjs's own `util.shuffle` (Fisher-Yates with `Math.random`). */
const stockShuffle = util.shuffle;

/**
 * Makes `tf.util.shuffle(array)` (what `fit` calls to shuffle its samples every epoch) call
 * `shuffle` instead, or tfjs's own again when `shuffle` is undefined. tfjs-layers reads
 * `util.shuffle` at call time from tfjs-core's `util` object, the one this instance exports.
 */
export function replaceShuffle(
  shuffle: (<T>(array: T[] | Uint32Array | Int32Array | Float32Array) => void) | undefined,
): void {
  (util as { shuffle: typeof util.shuffle }).shuffle = shuffle ?? stockShuffle;
}

/** The `seed` a `Dropout` layer passes to `tf.dropout` on each call (undefined: Math.random). */
export interface DropoutFields {
  seed?: number;
}

/** A `Dropout` layer's seed field, to set before and restore after a call. */
export function dropoutFieldsOf(layer: layers.Layer): DropoutFields {
  return layer as unknown as DropoutFields;
}

/** The layer a `Bidirectional` runs backwards (a copy of the one it was given). */
export function backwardLayerOf(bidirectional: layers.Layer): RNN {
  const backward = (bidirectional as unknown as { backwardLayer?: RNN }).backwardLayer;
  if (backward == null) throw new Error("_internals.ts: the Bidirectional has no backwardLayer");
  return backward;
}

/** The initialisers of a recurrent cell, replaced before it is built. */
export interface CellInitializers {
  kernelInitializer: unknown;
  recurrentInitializer: unknown;
}

/** The initialisers of `layer`'s cell (a SimpleRNN, LSTM or GRU), writable until it is built. */
export function cellInitializersOf(layer: RNN): CellInitializers {
  return (layer as unknown as { cell: CellInitializers }).cell;
}

/** Sets `model.history` as tfjs's `fitLoop` does (the `History` of the latest `fit`). */
export function setModelHistory(model: LayersModel, history: unknown): void {
  (model as unknown as { history: unknown }).history = history;
}
