/**
 * The fast road: `model.fit`, `model.evaluate` and `model.trainOnBatch` (tfjs's own API, with
 * its arguments, callbacks, `History` and `yieldEvery`) run the chapter's models one typed-array
 * step per batch. Importing this module (as `layers.ts` and `src/mod.ts` do) installs it on every
 * model of this project's tfjs:
 *
 * - tfjs's `fit` loop asks the model for a train function (`makeTrainFunction`) and, for
 *   validation and `evaluate`, a test function (`makeTestFunction`); for a model the fast step
 *   can train (`[embedding] -> SimpleRNN | LSTM (fused) -> dense(1, sigmoid)`, loss
 *   `binaryCrossentropy`, metrics `["accuracy"]` or none: `_train_step.ts`) they are the step's
 *   `trainStep` / `testStep`, which read the batch tfjs cut out and return its loss and accuracy
 *   as tfjs's own functions do. Everything else about `fit` is tfjs's: the batches, the shuffle
 *   (seeded by `setRandomSeed`), the callbacks and their logs, the per-epoch means, validation.
 * - Any other model trains through tfjs's own functions and prints ONE line, the first time it
 *   trains or evaluates, saying what runs slowly and why (when it has a recurrent layer; other
 *   models have nothing slow to announce), e.g.
 *   `model.fit: layer "gru" (GRU) runs one time step at a time in stock TensorFlow.js ops (GRU
 *   has no fused kernel yet) ...`.
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
import type { layers, LayersModel, Tensor } from "@tensorflow/tfjs";
import { tf } from "./tf.ts";
import {
  backwardLayerOf,
  type BatchFunction,
  innerModelOf,
  installTrainingHooks,
  type LayerFields,
} from "./_internals.ts";
import { planFor, testStep, trainStep } from "./_train_step.ts";
import { FusedLSTM, FusedSimpleRNN, unsupportedOption } from "./fused_rnn.ts";

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
  const cls = layer.getClassName();
  if (cls === "SimpleRNN" || cls === "LSTM") {
    if (layer instanceof FusedSimpleRNN || layer instanceof FusedLSTM) return undefined;
    const option = unsupportedOption((layer as unknown as layers.Layer).getConfig());
    if (option !== undefined) return `its option ${option} is not in the fused kernels yet`;
    const factory = cls === "LSTM" ? "lstm" : "simpleRNN";
    return `it is tfjs's own tf.layers.${factory}; layers.${factory} (src/mod.ts) is fused`;
  }
  if (cls === "GRU") return "GRU has no fused kernel yet";
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
    `model.fit: ${why}. The fast road: [layers.embedding] -> layers.simpleRNN | layers.lstm ` +
      `-> layers.dense({ units: 1, activation: "sigmoid" }), loss "binaryCrossentropy", ` +
      `metrics ["accuracy"] or none.`,
  );
}

/**
 * Whether `model.fit` / `evaluate` / `trainOnBatch` run `model` on the fast typed-array step
 * (true) or through tfjs's own ops (false, with the reason).
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
    return (data) => {
      if (weighted(data)) return (stockFunction ??= stock())(data);
      return outputs(plan.accuracy, trainStep(plan, data[0], data[1]));
    };
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
