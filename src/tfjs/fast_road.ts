/**
 * The fast road: `model.fit`, `model.evaluate` and `model.trainOnBatch` (tfjs's own API, with
 * its arguments, callbacks, `History` and `yieldEvery`) run the chapter's models one typed-array
 * step per batch. Importing this module (as `layers.ts` and `src/mod.ts` do) installs it on every
 * model of this project's tfjs:
 *
 * - For a model the fast step can train (`[embedding] -> any chain of dropout, fused SimpleRNN /
 *   LSTM / GRU (any returnSequences, goBackwards, dropout, recurrentDropout) and bidirectional
 *   wrappers of them (concat, sum, mul, ave), the last recurrent layer
 *   returning its last step ->
 *   dense(1, sigmoid)`, loss `binaryCrossentropy`, metrics `["accuracy"]` or none:
 *   `_train_step.ts`, `_train_stages.ts`), the train and test functions tfjs asks the model for
 *   (`makeTrainFunction`, `makeTestFunction`: what `trainOnBatch`, `evaluate` and `fit` run) are
 *   the step's `trainStep` / `testStep`, which read the batch tfjs cut out and return its loss
 *   and accuracy as tfjs's own functions do.
 * - `fit` itself is tfjs's (argument checks, `validationSplit`, the standardised callbacks with
 *   their `yieldEvery`, the `History` it returns); its loop over epochs and batches, for such a
 *   model, is {@link fastFitLoop}: tfjs's `fitLoop` line for line (the shuffle by
 *   `tf.util.shuffle`, seeded by `setRandomSeed`; the callbacks in tfjs's order with tfjs's
 *   logs; the epoch means; validation after an epoch's last batch; `stopTraining`), except that
 *   the batches are cut from the data's arrays into reused buffers and the logs are numbers,
 *   not gathered tensors and scalars.
 * - Any other model trains through tfjs's own functions and prints ONE line, the first time it
 *   trains or evaluates, saying what runs slowly and why (when it has a recurrent layer; other
 *   models have nothing slow to announce), e.g.
 *   `model.fit: layer "gru" (GRU) runs one time step at a time in stock TensorFlow.js ops (its
 *   option dropout=0.2 is not in the fused kernels yet) ...`.
 * - `fit` and `evaluate` check their arguments first and throw an `Error` naming the value:
 *   x / y sample counts, x's rank and shape against the model's input, word ids outside the
 *   embedding's `inputDim`, `batchSize`, `epochs`, `validationData`'s shapes.
 *
 * `predict` needs no hook: the fused layers are its kernels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "./tf.ts";
 * import { layers } from "./layers.ts";
 * import { canTrainFast } from "./fast_road.ts";
 *
 * const model = tf.sequential();
 * model.add(layers.embedding({ inputDim: 50, outputDim: 4 }));
 * model.add(layers.lstm({ units: 3 }));
 * model.add(layers.dense({ units: 1, activation: "sigmoid" }));
 * model.compile({ optimizer: "adam", loss: "binaryCrossentropy", metrics: ["accuracy"] });
 * assert.deepEqual(canTrainFast(model), { fast: true });
 * const x = tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9], [3, 2, 1]], [4, 3], "int32");
 * const y = tf.tensor2d([[1], [0], [1], [0]]);
 * const history = await model.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
 * assert.deepEqual(Object.keys(history.history), ["loss", "acc"]); // tfjs's names
 * await assert.rejects(
 *   model.fit(x, tf.tensor2d([[1], [0], [1]]), { verbose: 0 }),
 *   /model\.fit: x has 4 samples but y has 3/,
 * );
 * ```
 * @module
 */
import type { layers, LayersModel, Logs, Tensor } from "@tensorflow/tfjs";
import { tf } from "./tf.ts";
import {
  backwardLayerOf,
  type BatchFunction,
  type FitLoopArgs,
  innerModelOf,
  installTrainingHooks,
  type LayerFields,
  setModelHistory,
} from "./_internals.ts";
import {
  type FastPlan,
  planFor,
  RowBatches,
  type StepResult,
  testBatch,
  testStep,
  trainBatch,
  trainStep,
} from "./_train_step.ts";
import { unsupportedOption } from "./fused_rnn.ts";
import { recurrentKindOf } from "./_recurrent_kinds.ts";

// ---------------------------------------------------------------------------------------------
// Which road, and the one line announcing the slow one

/** Recurrent layer classes: a model with one of them has something slow to announce. */
const RECURRENT = new Set(["SimpleRNN", "LSTM", "GRU", "RNN", "Bidirectional"]);

/** How a layer is named in a message: `"gru" (GRU)`. */
function describe(layer: { name: string; getClassName(): string }): string {
  return `${JSON.stringify(layer.name)} (${layer.getClassName()})`;
}

/** Why a recurrent layer runs one time step at a time, or undefined when it is fused. */
function stepwiseReason(layer: LayerFields): string | undefined {
  if (recurrentKindOf(layer) !== undefined) return undefined;
  const cls = layer.getClassName();
  const factories: Record<string, string> = { SimpleRNN: "simpleRNN", LSTM: "lstm", GRU: "gru" };
  if (cls in factories) {
    const option = unsupportedOption((layer as unknown as layers.Layer).getConfig(), cls);
    if (option !== undefined) return `its option ${option} is not in the fused kernels yet`;
    const factory = factories[cls];
    return `it is tfjs's own tf.layers.${factory}; layers.${factory} (src/mod.ts) is fused`;
  }
  if (cls === "Bidirectional") {
    const inner = backwardLayerOf(layer as unknown as layers.Layer) as unknown as LayerFields;
    return stepwiseReason(inner);
  }
  if (cls === "RNN") return "a generic RNN cell has no fused kernel";
  return undefined;
}

/**
 * The sentence saying what runs slowly in `model` and why, or undefined when the model has no
 * recurrent layer (nothing slow to announce).
 */
export function slowRoadReason(model: LayersModel, planReason: string): string | undefined {
  const layers = innerModelOf(model).layers as unknown as LayerFields[];
  if (!layers.some((layer) => RECURRENT.has(layer.getClassName()))) return undefined;
  for (const layer of layers) {
    if (!RECURRENT.has(layer.getClassName())) continue;
    const why = stepwiseReason(layer);
    if (why !== undefined) {
      return `layer ${describe(layer)} runs one time step at a time in stock TensorFlow.js ops ` +
        `(${why}), and the whole step as tfjs's small ops`;
    }
  }
  return `the training step runs as tfjs's small ops, not the fast typed-array step (the fused ` +
    `recurrent layers still run as one op each): ${planReason}`;
}

const announced = new WeakSet<object>();

/** Prints the model's slow-road line once (per inner model), if it has one. */
function announce(model: LayersModel, planReason: string): void {
  const key = innerModelOf(model);
  if (announced.has(key)) return;
  announced.add(key);
  const why = slowRoadReason(model, planReason);
  if (why === undefined) return;
  console.warn(
    `model.fit: ${why}. The fast road: [layers.embedding] -> layers.dropout, layers.simpleRNN, ` +
      `layers.lstm, layers.gru, layers.bidirectional of them (the last recurrent layer returning ` +
      `its last step) -> layers.dense({ units: 1, activation: "sigmoid" }), loss ` +
      `"binaryCrossentropy", ` +
      `metrics ["accuracy"] or none.`,
  );
}

/**
 * Whether `model.fit` / `evaluate` / `trainOnBatch` run `model` on the fast typed-array step
 * (true) or through tfjs's own ops (false, with the reason).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildModel } from "./models.ts";
 * import { canTrainFast } from "./fast_road.ts";
 *
 * assert.deepEqual(canTrainFast(buildModel("embedding_lstm", { seed: 42 })), { fast: true });
 * const stock = buildModel("embedding_lstm", { seed: 42, fused: false }); // tf.layers.lstm
 * assert.equal(canTrainFast(stock).fast, false);
 * assert.match(canTrainFast(stock).reason!, /^layer "lstm_LSTM\d+" \(LSTM\) is not a fused/);
 * ```
 */
export function canTrainFast(model: LayersModel): { fast: boolean; reason?: string } {
  const plan = planFor(innerModelOf(model));
  return typeof plan === "string" ? { fast: false, reason: plan } : { fast: true };
}

// ---------------------------------------------------------------------------------------------
// Argument checks of fit and evaluate

/** Shape as tfjs prints it in a model's summary: `[null,100,100]`. */
function shapeText(shape: ReadonlyArray<number | null>): string {
  return `[${shape.map((d) => d === null ? "null" : String(d)).join(",")}]`;
}

function isTensor(value: unknown): value is Tensor {
  return value instanceof tf.Tensor;
}

/** Checks one (x, y) pair against a one-input, one-output model, naming the values. */
function checkData(
  model: LayersModel,
  x: Tensor,
  y: Tensor,
  names: { call: string; x: string; y: string },
): void {
  const input = model.inputs[0].shape; // [null, steps] or [null, steps, features]
  const { call } = names;
  if (x.rank !== input.length || input.some((d, i) => i > 0 && d !== null && d !== x.shape[i])) {
    const hint = x.rank === 2 && input.length === 3
      ? ": one-hot encode the word ids first (toCategorical)"
      : x.rank === 3 && input.length === 2
      ? ": this model takes word ids [samples, steps], not one-hot vectors"
      : "";
    throw new Error(
      `${call}: ${names.x} has shape [${x.shape}] (rank ${x.rank}); the model's input is ` +
        `${shapeText(input)} (rank ${input.length})${hint}`,
    );
  }
  if (y.shape[0] !== x.shape[0]) {
    throw new Error(
      `${call}: ${names.x} has ${x.shape[0]} samples but ${names.y} has ${y.shape[0]} ` +
        `(shape [${y.shape}]): one label per sample`,
    );
  }
  if (x.shape[0] === 0) throw new Error(`${call}: ${names.x} has no samples (shape [${x.shape}])`);
  const first = (innerModelOf(model).layers as unknown as LayerFields[])
    .find((layer) => layer.getClassName() !== "InputLayer");
  if (first?.getClassName() === "Embedding" && first.inputDim !== undefined) {
    const inputDim = first.inputDim;
    const ids = x.dataSync();
    const steps = x.size / x.shape[0];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!(id >= 0 && id < inputDim) || !Number.isInteger(id)) {
        const row = Math.floor(i / steps);
        throw new Error(
          `${call}: ${names.x}[${row}, ${i - row * steps}] = ${id} is not a word id in ` +
            `[0, ${inputDim}) (the embedding ${JSON.stringify(first.name)} has inputDim ` +
            `${inputDim}): load the data with numWords: ${inputDim} or raise inputDim`,
        );
      }
    }
  }
}

/** Checks `batchSize` (and `epochs`) as `fit` / `evaluate` receive them. */
function checkOptions(call: string, args: Record<string, unknown>): void {
  const { batchSize, epochs } = args;
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && (batchSize as number) > 0)) {
    throw new Error(`${call}: batchSize must be a positive integer, got ${batchSize}`);
  }
  if (epochs !== undefined && !(Number.isInteger(epochs) && (epochs as number) >= 0)) {
    throw new Error(`${call}: epochs must be a non-negative integer, got ${epochs}`);
  }
}

/** Whether `model` is a one-input, one-output model given single tensors (what we check). */
function checkable(model: LayersModel, x: unknown, y: unknown): boolean {
  return model.inputs.length === 1 && model.outputs.length === 1 && isTensor(x) && isTensor(y);
}

function beforeFit(model: LayersModel, x: unknown, y: unknown, args: Record<string, unknown>) {
  const call = "model.fit";
  checkOptions(call, args);
  if (!checkable(model, x, y)) return;
  checkData(model, x as Tensor, y as Tensor, { call, x: "x", y: "y" });
  const validation = args.validationData;
  if (validation === undefined || validation === null) return;
  if (!Array.isArray(validation) || validation.length < 2 || !validation.every(isTensor)) {
    throw new Error(
      `${call}: validationData must be [xVal, yVal] (tensors), got ${
        Array.isArray(validation) ? `an array of ${validation.length}` : typeof validation
      }`,
    );
  }
  checkData(model, validation[0], validation[1], {
    call,
    x: "validationData[0]",
    y: "validationData[1]",
  });
}

function beforeEvaluate(
  model: LayersModel,
  x: unknown,
  y: unknown,
  args: Record<string, unknown>,
) {
  const call = "model.evaluate";
  checkOptions(call, args);
  if (!checkable(model, x, y)) return;
  checkData(model, x as Tensor, y as Tensor, { call, x: "x", y: "y" });
}

// ---------------------------------------------------------------------------------------------
// fit's loop on the fast road

/**
 * tfjs's `BaseLogger` for logs of numbers: the epoch's mean of every metric, weighted by batch
 * size, written into the epoch's logs for the callbacks after it (`History`, the user's).
 */
class EpochMeans extends tf.Callback {
  #seen = 0;
  #totals: Record<string, number> = {};

  override onEpochBegin(): Promise<void> {
    this.#seen = 0;
    this.#totals = {};
    return Promise.resolve();
  }

  override onBatchEnd(_batch: number, logs?: Logs): Promise<void> {
    const size = Number(logs?.size ?? 0);
    this.#seen += size;
    for (const [key, value] of Object.entries(logs ?? {})) {
      this.#totals[key] = (this.#totals[key] ?? 0) + (value as number) * size;
    }
    return Promise.resolve();
  }

  override onEpochEnd(_epoch: number, logs?: Logs): Promise<void> {
    for (const key of (this.params as { metrics: string[] }).metrics) {
      if (logs != null && this.#totals[key] !== undefined) {
        logs[key] = this.#totals[key] / this.#seen;
      }
    }
    return Promise.resolve();
  }
}

/** Loss and accuracy of (x, y) in consecutive batches, weighted by size: tfjs's `testLoop`. */
function validate(plan: FastPlan, rows: RowBatches, batchSize: number): StepResult {
  let loss = 0;
  let accuracy = 0;
  for (let start = 0; start < rows.n; start += batchSize) {
    const end = Math.min(rows.n, start + batchSize);
    const result = testBatch(plan, rows.slice(start, end));
    loss += result.loss * (end - start);
    accuracy += result.accuracy * (end - start);
  }
  return { loss: loss / rows.n, accuracy: accuracy / rows.n };
}

/**
 * `fitLoop` for a model on the fast road: tfjs's loop (its callbacks, `History`, shuffle,
 * `stopTraining`, validation after the last batch of an epoch) with the batches cut from the
 * data's arrays into reused buffers and the logs as numbers, instead of gathered tensors and
 * scalars (tfjs's loop costs 0.2-0.3 ms a batch here for word ids, up to 0.6 ms for one-hot rows).
 */
async function fastFitLoop(model: LayersModel, plan: FastPlan, args: FitLoopArgs) {
  const { outLabels, callbackMetrics } = args;
  const batchSize = args.batchSize ?? 32;
  const epochs = args.epochs ?? 1;
  const initialEpoch = args.initialEpoch ?? 0;
  const shuffle = args.shuffle ?? true;
  if (shuffle === "batch") throw new Error('fit: shuffle "batch" is not implemented (tfjs)');
  const [x, y] = args.ins as Tensor[];
  const train = new RowBatches(x, y);
  const valIns = args.valIns ?? [];
  const validation = args.valF != null && valIns.length >= 2
    ? new RowBatches(valIns[0], valIns[1])
    : undefined;
  const history = new tf.History();
  const callbacks = new tf.CallbackList([
    new EpochMeans(),
    ...(args.callbacks ?? []) as ConstructorParameters<typeof tf.CallbackList>[0] & [],
    history,
  ]);
  callbacks.setParams({
    epochs,
    initialEpoch,
    samples: train.n,
    steps: null,
    batchSize,
    verbose: args.verbose ?? 1,
    doValidation: validation !== undefined,
    metrics: callbackMetrics,
  } as unknown as Record<string, number>);
  callbacks.setModel(model as never);
  setModelHistory(model, history);
  await callbacks.onTrainBegin();
  model.stopTraining = false;
  const order = Array.from({ length: train.n }, (_, i) => i);
  const record = (logs: Logs, result: StepResult, prefix = "") => {
    logs[prefix + outLabels[0]] = result.loss;
    if (plan.accuracy) logs[prefix + outLabels[1]] = result.accuracy;
  };
  for (let epoch = initialEpoch; epoch < epochs; epoch++) {
    await callbacks.onEpochBegin(epoch);
    const epochLogs: Logs = {};
    if (shuffle) tf.util.shuffle(order); // seeded by setRandomSeed
    for (let batch = 0, start = 0; start < train.n; batch++, start += batchSize) {
      const end = Math.min(train.n, start + batchSize);
      const batchLogs: Logs = { batch, size: end - start };
      await callbacks.onBatchBegin(batch, batchLogs);
      record(batchLogs, trainBatch(plan, train.gather(order, start, end)));
      if (end === train.n && validation !== undefined) {
        record(epochLogs, validate(plan, validation, batchSize), "val_");
      }
      await callbacks.onBatchEnd(batch, batchLogs);
      if (model.stopTraining) break;
    }
    await callbacks.onEpochEnd(epoch, epochLogs);
    if (model.stopTraining) break;
  }
  await callbacks.onTrainEnd();
  await history.syncData();
  return history;
}

/** Train functions of the fast road, with their plans (what `fitLoop` recognises). */
const fastTrainFunctions = new WeakMap<BatchFunction, FastPlan>();

// ---------------------------------------------------------------------------------------------
// The hooks

/** The scalars tfjs's loop expects from a train or test function: [loss, acc] or [loss]. */
function outputs(accuracy: boolean, result: { loss: number; accuracy: number }): Tensor[] {
  return accuracy ? [tf.scalar(result.loss), tf.scalar(result.accuracy)] : [tf.scalar(result.loss)];
}

/** True when the batch carries sample weights (fit's `classWeight`): not the fast step's. */
function weighted(data: Tensor[]): boolean {
  return data.length > 2 && data.slice(2).some((t) => t != null);
}

installTrainingHooks({
  trainFunction(model, stock) {
    const plan = planFor(model);
    if (typeof plan === "string") {
      announce(model, plan);
      return undefined;
    }
    let stockFunction: BatchFunction | undefined;
    const train: BatchFunction = (data) => {
      if (weighted(data)) return (stockFunction ??= stock())(data);
      return outputs(plan.accuracy, trainStep(plan, data[0], data[1]));
    };
    fastTrainFunctions.set(train, plan);
    return train;
  },
  fitLoop(model, args) {
    const plan = fastTrainFunctions.get(args.f);
    const [x, y, weights] = args.ins;
    const plain = x != null && y != null && weights == null && args.ins.length <= 3;
    if (plan === undefined || !plain || args.stepsPerEpoch != null) return undefined;
    return fastFitLoop(model, plan, args);
  },
  testFunction(model) {
    const plan = planFor(model);
    if (typeof plan === "string") {
      announce(model, plan);
      return undefined;
    }
    return (data) => outputs(plan.accuracy, testStep(plan, data[0], data[1]));
  },
  beforeFit,
  beforeEvaluate,
});
