/**
 * Keras-like training and evaluation of the chapter's models: `model.fit(x, y, epochs=...,
 * batch_size=32, validation_data=(x_val, y_val))` and `model.evaluate(x_val, y_val)`.
 *
 * The data stay in typed arrays ({@linkcode NDArray}); only one batch at a time becomes a tensor,
 * so the one-hot training set (20,000 × 100 × 100 float32, 0.8 GB) is never copied into tfjs.
 * Batches are shuffled every epoch from a seeded numpy `RandomState`, so the same seed and the
 * same initial weights give the same history, run after run.
 *
 * Each step is `model.trainOnBatch` (loss and accuracy measured before the update, as Keras), run
 * by `trainOnBatchFast` in typed-array loops when the model is one of the chapter's fused ones.
 *
 * In 9-4, `fitModel(model, xTrain, yTrain, { epochs: 10, batchSize: 32, validationData:
 * [xVal, yVal], seed: 42 })` trains the LSTM to a validation accuracy near the book's 0.83. The
 * example trains it on eight reviews of six words.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ndarray } from "../data/ndarray.ts";
 * import { buildModel } from "./models.ts";
 * import { evaluateModel, fitModel } from "./training.ts";
 *
 * const ids = [
 *   [5, 9, 30, 2, 7, 1], [0, 0, 4, 8, 15, 16], [23, 42, 4, 8, 15, 16], [0, 0, 0, 0, 99, 3],
 *   [7, 7, 7, 7, 7, 7], [0, 11, 12, 13, 14, 15], [3, 1, 4, 1, 5, 9], [0, 0, 0, 2, 7, 18],
 * ];
 * const x = ndarray({ shape: [8, 6], dtype: "int32", data: Int32Array.from(ids.flat()) });
 * const y = Int32Array.of(1, 0, 1, 0, 1, 0, 1, 0);
 * const model = buildModel("embedding_lstm", { seed: 42 });
 * const history = await fitModel(model, x, y, {
 *   epochs: 3,
 *   batchSize: 4,
 *   validationData: [x, y],
 *   seed: 42,
 * });
 * assert.equal(history.loss.length, 3); // one entry per epoch, Keras's names
 * assert.equal(history.val_acc.length, 3);
 * const { loss, accuracy } = evaluateModel(model, x, y); // model.evaluate(x, y)
 * assert.equal(loss, history.val_loss[2]); // the last epoch's validation, same weights
 * assert.equal(accuracy, history.val_acc[2]);
 * ```
 * @module
 */
import { tf } from "./tf.ts";
import { type NDArray, size } from "../data/ndarray.ts";
import { RandomState } from "../data/random_state.ts";
import { trainOnBatchFast } from "./_train_step.ts";
import { backendHolds } from "./_internals.ts";
import { binaryAccuracy, meanLogisticLoss } from "../kernels/logistic_loss.ts";

/** A tfjs model that `fitModel` can train: compiled, one input, one sigmoid output. */
export type LayersModel = Awaited<ReturnType<typeof tf.loadLayersModel>>;

/** What {@linkcode fitModel} returns: one entry per epoch, named as Keras 2.2 names them. */
export interface History {
  /** Mean training loss over the epoch's samples (binary cross-entropy). */
  loss: number[];
  /** Training accuracy over the epoch's samples, measured before each batch's update. */
  acc: number[];
  /** Validation loss after the epoch (empty without `validationData`). */
  val_loss: number[];
  /** Validation accuracy after the epoch (empty without `validationData`). */
  val_acc: number[];
  /** Wall-clock seconds of each epoch: training plus validation. */
  epochSeconds: number[];
}

/** Passed to `onBatchEnd` after every batch: running means over the epoch so far. */
export interface BatchLogs {
  /** 0-based epoch. */
  epoch: number;
  /** Number of epochs of this `fitModel` call. */
  epochs: number;
  /** 0-based batch within the epoch. */
  batch: number;
  /** Batches per epoch. */
  batches: number;
  /** Mean loss over the epoch's samples so far. */
  loss: number;
  /** Accuracy over the epoch's samples so far. */
  acc: number;
  /** Seconds since the epoch began. */
  seconds: number;
}

/** Passed to `onEpochEnd` after every epoch: the epoch's entries of {@linkcode History}. */
export interface EpochLogs {
  /** 0-based epoch. */
  epoch: number;
  /** Number of epochs of this `fitModel` call. */
  epochs: number;
  /** Batches per epoch. */
  batches: number;
  loss: number;
  acc: number;
  /** Present when `validationData` was given. */
  val_loss?: number;
  /** Present when `validationData` was given. */
  val_acc?: number;
  /** Wall-clock seconds of the epoch, training plus validation. */
  seconds: number;
}

/**
 * Inputs for training or evaluation: int32 word ids [n, steps], or float32 features
 * [n, steps, features] (e.g. one-hot). Ids given to a model whose input is
 * [steps, features] are one-hot encoded batch by batch.
 */
export type Inputs = NDArray<"int32"> | NDArray<"float32">;

/** Options of {@linkcode fitModel}, as Keras' `fit`. */
export interface FitModelOptions {
  /** Passes over the training set (default 1). */
  epochs?: number;
  /** Samples per gradient step (default 32, as Keras). */
  batchSize?: number;
  /** `[x, y]` evaluated after every epoch. */
  validationData?: readonly [Inputs, ArrayLike<number>];
  /** Seeds the per-epoch shuffle (numpy `RandomState(seed).permutation`, once per epoch). */
  seed: number;
  /** Shuffle the training set before every epoch (default true, as Keras). */
  shuffle?: boolean;
  /** Called after every batch (awaited when it returns a promise). */
  onBatchEnd?: (logs: BatchLogs) => void | Promise<void>;
  /** Called after every epoch (awaited when it returns a promise). */
  onEpochEnd?: (logs: EpochLogs) => void | Promise<void>;
}

/** Result of {@linkcode evaluateModel}: Keras' `model.evaluate` → `[loss, accuracy]`. */
export interface Evaluation {
  /** Mean binary cross-entropy (probabilities clipped to [1e-7, 1 - 1e-7], as Keras). */
  loss: number;
  /** Fraction of samples with `(p > 0.5) === (y === 1)`. */
  accuracy: number;
}

/** Rows per forward pass in `evaluateModel`: big enough to amortise per-op overhead. */
const EVAL_BATCH_SIZE = 500;

/**
 * Train `model` on `x`, `y` like Keras' `model.fit`, one batch tensor at a time.
 *
 * @param model compiled (e.g. by `buildModel`), one input, output [batch, 1] probabilities.
 * @param x int32 ids [n, steps] or float32 [n, steps, features]; not modified.
 * @param y labels 0/1, length n; not modified.
 * @returns per-epoch loss, accuracy, validation loss/accuracy and seconds.
 * @throws Error when shapes disagree, options are out of range, or the model is not compiled.
 */
export async function fitModel(
  model: LayersModel,
  x: Inputs,
  y: ArrayLike<number>,
  options: FitModelOptions,
): Promise<History> {
  const { epochs = 1, batchSize = 32, validationData, seed, shuffle = true } = options;
  if (!Number.isInteger(epochs) || epochs < 0) {
    throw new Error(`epochs must be a non-negative integer, got ${epochs}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  }
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  if (model.optimizer == null) throw new Error("model is not compiled: call model.compile first");
  const batcher = new Batcher(model, x, y, "x");
  if (validationData) checkInputs(model, validationData[0], validationData[1], "validation x");
  const n = batcher.n;
  const batches = Math.ceil(n / batchSize);
  const random = new RandomState(seed);
  const history: History = { loss: [], acc: [], val_loss: [], val_acc: [], epochSeconds: [] };

  for (let epoch = 0; epoch < epochs; epoch++) {
    const start = performance.now();
    const order = shuffle ? random.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
    let lossSum = 0;
    let accSum = 0;
    let seen = 0;
    for (let batch = 0; batch < batches; batch++) {
      const rows = order.subarray(batch * batchSize, Math.min(n, (batch + 1) * batchSize));
      const [xs, ys] = batcher.batch(rows);
      // = model.trainOnBatch(xs, ys), in typed-array loops for the chapter's fused models.
      const [loss, acc] = await trainOnBatchFast(model, xs, ys);
      tf.dispose([xs, ys]);
      lossSum += loss * rows.length;
      accSum += acc * rows.length;
      seen += rows.length;
      if (options.onBatchEnd) {
        await options.onBatchEnd({
          epoch,
          epochs,
          batch,
          batches,
          loss: lossSum / seen,
          acc: accSum / seen,
          seconds: (performance.now() - start) / 1000,
        });
      }
    }
    history.loss.push(lossSum / n);
    history.acc.push(accSum / n);
    const logs: EpochLogs = {
      epoch,
      epochs,
      batches,
      loss: lossSum / n,
      acc: accSum / n,
      seconds: 0,
    };
    if (validationData) {
      const val = evaluateModel(model, validationData[0], validationData[1]);
      history.val_loss.push(val.loss);
      history.val_acc.push(val.accuracy);
      logs.val_loss = val.loss;
      logs.val_acc = val.accuracy;
    }
    logs.seconds = (performance.now() - start) / 1000;
    history.epochSeconds.push(logs.seconds);
    if (options.onEpochEnd) await options.onEpochEnd(logs);
  }
  return history;
}

/**
 * Loss and accuracy of `model` on `x`, `y`, like Keras' `model.evaluate(x, y)`: the model's
 * probabilities for every row, then the mean of Keras's clipped binary cross-entropy over them
 * (`meanLogisticLoss`, in float64, in row order) and the fraction above 0.5 that match their
 * label (`binaryAccuracy`).
 *
 * @param model one input, output [batch, 1] probabilities (need not be compiled).
 * @param x int32 ids [n, steps] or float32 [n, steps, features]; not modified.
 * @param y labels 0/1, length n.
 * @param options `batchSize`: rows per forward pass (default 500; does not change the result).
 * @throws Error when shapes disagree or `x` is empty.
 */
export function evaluateModel(
  model: LayersModel,
  x: Inputs,
  y: ArrayLike<number>,
  options: { batchSize?: number } = {},
): Evaluation {
  const { batchSize = EVAL_BATCH_SIZE } = options;
  const batcher = new Batcher(model, x, y, "x");
  if (batcher.n === 0) throw new Error("Cannot evaluate on an empty set (x has 0 rows)");
  const probabilities = new Float32Array(batcher.n); // [n] P(positive), as the model gives it
  for (let from = 0; from < batcher.n; from += batchSize) {
    const rows = Int32Array.from(
      { length: Math.min(batchSize, batcher.n - from) },
      (_, i) => from + i,
    );
    const [xs, ys] = batcher.batch(rows);
    const predicted = tf.tidy(() => model.predict(xs) as ReturnType<typeof tf.tensor>);
    if (predicted.size !== rows.length) {
      tf.dispose([xs, ys, predicted]);
      throw new Error(
        `evaluateModel: the model's output has shape [${predicted.shape}]; expected ` +
          `[${rows.length}, 1] (one probability per row)`,
      );
    }
    probabilities.set(predicted.dataSync(), from); // [rows, 1]
    tf.dispose([xs, ys, predicted]);
  }
  return {
    loss: meanLogisticLoss(probabilities, y),
    accuracy: binaryAccuracy(probabilities, y),
  };
}

/** Throws the errors {@linkcode Batcher} would throw, before any training starts. */
function checkInputs(model: LayersModel, x: Inputs, y: ArrayLike<number>, name: string): void {
  new Batcher(model, x, y, name);
}

/**
 * Cuts batch tensors out of typed-array data: rows gathered by index, ids one-hot encoded when
 * the model wants features. Checks the data against the model's input once, up front.
 */
class Batcher {
  readonly n: number;
  readonly #x: Inputs;
  readonly #y: ArrayLike<number>;
  /** Elements per row of `x`: steps, or steps × features. */
  readonly #rowSize: number;
  /** One-hot width when ids [n, steps] feed a model expecting [steps, features]; else 0. */
  readonly #oneHot: number;

  constructor(model: LayersModel, x: Inputs, y: ArrayLike<number>, name: string) {
    if (model.inputs.length !== 1) {
      throw new Error(`Expected a model with one input, got ${model.inputs.length}`);
    }
    if (x.dtype !== "int32" && x.dtype !== "float32") {
      throw new Error(`${name} must be int32 or float32, got ${(x as NDArray).dtype}`);
    }
    const inputShape = model.inputs[0].shape; // [null, steps] or [null, steps, features]
    const xShape = `[${x.shape.join(", ")}]`;
    const expected = `[${inputShape.map(String).join(", ")}]`;
    this.#oneHot = 0;
    if (x.shape.length === 2 && inputShape.length === 3) {
      if (x.dtype !== "int32") throw new Error(`${name} ${xShape} of ids must be int32`);
      this.#oneHot = inputShape[2] as number;
    } else if (x.shape.length !== inputShape.length) {
      throw new Error(`${name} has shape ${xShape}; the model expects ${expected}`);
    }
    for (let d = 1; d < inputShape.length; d++) {
      if (inputShape[d] != null && d < x.shape.length && x.shape[d] !== inputShape[d]) {
        throw new Error(
          `${name} has shape ${xShape}; the model expects ${expected}`,
        );
      }
    }
    if (y.length !== x.shape[0]) {
      throw new Error(`${name} has ${x.shape[0]} rows but y has ${y.length} labels`);
    }
    this.n = x.shape[0];
    this.#x = x;
    this.#y = y;
    this.#rowSize = size(x.shape.slice(1));
  }

  /**
   * Tensors of the given rows: x [rows, steps(, features)] and y float32 [rows, 1].
   *
   * The x tensor wraps a buffer this batcher reuses for the next batch of the same size once
   * tfjs has released it (fresh memory is slow to touch: allocating the 1.28 MB of a one-hot
   * batch cost ~12 ms here, as much as the training step itself).
   */
  batch(rows: Int32Array): [ReturnType<typeof tf.tensor>, ReturnType<typeof tf.tensor>] {
    const m = rows.length;
    const rowSize = this.#rowSize;
    const labels = new Float32Array(m);
    for (let i = 0; i < m; i++) labels[i] = this.#y[rows[i]];
    const ys = tf.tensor2d(labels, [m, 1]);
    const steps = this.#x.shape[1];
    if (this.#oneHot > 0) {
      const width = this.#oneHot;
      const ids = this.#x.data as Int32Array;
      const features = this.#buffer(m * rowSize * width, Float32Array); // [m, steps, width]
      features.fill(0);
      for (let i = 0; i < m; i++) {
        const offset = rows[i] * rowSize;
        for (let t = 0; t < rowSize; t++) {
          const id = ids[offset + t];
          if (id < 0 || id >= width) {
            throw new Error(`x[${rows[i]}, ${t}] = ${id} is not a valid id below ${width}`);
          }
          features[(i * rowSize + t) * width + id] = 1;
        }
      }
      return [this.#track(tf.tensor3d(features, [m, steps, width])), ys];
    }
    const data: Float32Array | Int32Array = this.#x.dtype === "int32"
      ? this.#buffer(m * rowSize, Int32Array)
      : this.#buffer(m * rowSize, Float32Array);
    for (let i = 0; i < m; i++) {
      const from = rows[i] * rowSize;
      data.set(this.#x.data.subarray(from, from + rowSize), i * rowSize);
    }
    const xs = tf.tensor(data, [m, ...this.#x.shape.slice(1)], this.#x.dtype);
    return [this.#track(xs), ys];
  }

  /** Reusable buffers by length, each with the tensor that last wrapped it. */
  readonly #buffers = new Map<number, { data: Float32Array | Int32Array; dataId?: object }>();

  /** A buffer of `length` elements: the cached one unless a live tensor still holds it. */
  #buffer<T extends Float32Array | Int32Array>(
    length: number,
    ctor: { new (length: number): T },
  ): T {
    const cached = this.#buffers.get(length);
    const free = cached && cached.data instanceof ctor &&
      (cached.dataId === undefined || !backendHolds(cached.dataId));
    if (free) return cached.data as T;
    const data = new ctor(length);
    this.#buffers.set(length, { data });
    return data;
  }

  /** Remember which tensor wraps the buffer it was made from. */
  #track(xs: ReturnType<typeof tf.tensor>): ReturnType<typeof tf.tensor> {
    const entry = this.#buffers.get(xs.size);
    if (entry) entry.dataId = xs.dataId;
    return xs;
  }
}
