/**
 * One training step of the chapter's compiled models in typed-array loops: what
 * `model.trainOnBatch(xs, ys)` does, without its ~130 small tfjs ops per batch.
 *
 * `model.trainOnBatch` on a fused model still records and replays a tape of small ops (the dense
 * layer, the sigmoid, Keras's clipped binary cross-entropy, the accuracy metric, their gradients,
 * the optimizer's updates), each costing ~20-50 µs of bookkeeping on the `cpu` backend whatever
 * its size: ~6 ms per batch, as much as the recurrent arithmetic itself. {@link trainOnBatchFast}
 * runs the same step as one pass through the weights' typed arrays:
 *
 *   forward   [embedding gather] -> stages (`_train_stages.ts`) -> dense(1) -> sigmoid ->
 *             clipped BCE, accuracy
 *   backward  dz = (p - y) / batch -> dense grads, dh -> each stage's backward, last to first,
 *             handing d loss / d its input down -> [scatter-add into the embedding's gradient]
 *   update    SGD as `tf.train.sgd` rounds it, anything else through `optimizer.applyGradients`
 *             (one loop per variable for `fusedAdam`)
 *
 * The embedding's output goes to the stages with its ids (`Flow.lookup`): a recurrent layer that
 * reads it unmasked projects each distinct word's row of the table once (a batch of 3,200 words
 * names 603-718 distinct ones in the book's training split) and adds d loss / d table straight from
 * its dZ summed per word, instead of projecting 3,200 rows and scattering 3,200 rows of d input.
 *
 * It handles models of the form `[embedding] -> stages -> dense(units 1, sigmoid)`, the stages
 * any chain of dropout, fused recurrent layers (`_recurrent_kinds.ts`: SimpleRNN, LSTM, GRU of
 * either form; any returnSequences, goBackwards, dropout, recurrentDropout) and
 * bidirectional wrappers of them
 * (concat, sum, mul, ave), the last recurrent layer returning its last step ({@link FAST_SET}),
 * compiled with loss `binaryCrossentropy` and metrics
 * `["accuracy"]` or none, without regularisers, constraints or frozen layers, with any optimizer
 * (SGD as `tf.train.sgd` rounds it, Adam in one loop per variable, others through their
 * `applyGradients`); any other model goes through tfjs's own step (see {@link planFor};
 * `canTrainFast` in `fast_road.ts` says which road a model takes).
 * `fast_road.ts` makes it what `model.fit`, `evaluate` and `trainOnBatch` run
 * ({@link trainStep}, {@link testStep}).
 * Results equal `model.trainOnBatch`'s to float32 rounding (~1e-7 relative; tested over several
 * steps for the three models of the chapter; `model.fit`'s histories for stacked, bidirectional
 * and dropout models to 1e-5, dropout masks included).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "./tf.ts";
 * import { buildModel } from "./models.ts";
 * import { trainOnBatchFast } from "./_train_step.ts";
 * import { withTfjsOwnTraining } from "./_internals.ts";
 *
 * // Two copies of the 9-4 model, one batch of 4 reviews of 6 word ids
 * const fast = buildModel("embedding_lstm", { seed: 42 });
 * const stock = buildModel("embedding_lstm", { seed: 42 });
 * const xs = tf.tensor2d([[5, 9, 30, 2, 7, 1], [0, 0, 4, 8, 15, 16], [23, 42, 4, 8, 15, 16],
 *   [0, 0, 0, 0, 99, 3]], [4, 6], "int32");
 * const ys = tf.tensor2d([[1], [0], [1], [0]]);
 * const [loss, acc] = await trainOnBatchFast(fast, xs, ys);
 * // tfjs's own trainOnBatch (model.trainOnBatch itself runs this step: fast_road.ts)
 * const stockStep = withTfjsOwnTraining(() => stock.trainOnBatch(xs, ys));
 * const [stockLoss, stockAcc] = await stockStep as number[];
 * assert.ok(Math.abs(loss - stockLoss) < 1e-6);
 * assert.equal(acc, stockAcc);
 * // ...and the weights after the step agree to float32 rounding
 * const after = (model: typeof fast) => model.getWeights().flatMap((w) => [...w.dataSync()]);
 * const [a, b] = [after(fast), after(stock)];
 * assert.ok(a.every((w, i) => Math.abs(w - b[i]) < 1e-6));
 * ```
 * @module
 */
import type { LayersModel, NamedTensorMap, Optimizer, Tensor, Variable } from "@tensorflow/tfjs";
import { tf } from "./tf.ts";
import { compiledFieldsOf, type LayerWeight, sgdFieldsOf } from "./_internals.ts";
import { adamUpdate } from "./fused_adam.ts";
import { binaryAccuracy, KERAS_EPSILON } from "../kernels/logistic_loss.ts";
import { scatterAdd } from "../kernels/segment_sum.ts";
import { type SparseRows, sparseRows } from "../kernels/_sparse_rows.ts";
import {
  addGradient,
  describe,
  type Flow,
  type Gradients,
  type Stage,
  stageOf,
  type StageRun,
} from "./_train_stages.ts";

const f32 = Math.fround;

/** A model the fast step can train, taken apart. */
export interface FastPlan {
  /** The compiled model's optimizer. */
  optimizer: Optimizer;
  /** Whether the model's metrics are ["accuracy"] (the step returns [loss, acc]) or none. */
  accuracy: boolean;
  /** [vocabulary, width] table, or null when the first stage reads the input directly */
  embedding: { table: Variable; inputDim: number; outputDim: number } | null;
  /** the layers between the embedding (or the input) and the dense head (`_train_stages.ts`) */
  stages: Stage[];
  /** dense(1, sigmoid): kernel [width, 1], bias [1] or null */
  dense: { kernel: Variable; bias: Variable | null };
  /** the trainable variables in `model.trainableWeights` order (the optimizer's order) */
  variables: Variable[];
}

/** The unset regulariser / constraint fields are all null or undefined. */
function unset(...values: unknown[]): boolean {
  return values.every((v) => v == null);
}

/** The fast set, as a reason names it. */
export const FAST_SET =
  "[embedding] -> dropout | fused SimpleRNN | LSTM | GRU | bidirectional ... " +
  "(the last recurrent layer returning its last step) -> dense(1, sigmoid)";

/**
 * Takes a model apart for the fast step, or returns the reason it cannot (a sentence naming
 * the layer or setting outside the fast set).
 */
export function planFor(model: LayersModel): FastPlan | string {
  const compiled = compiledFieldsOf(model);
  if (compiled.optimizer === undefined) return "the model is not compiled";
  if (compiled.loss !== "binaryCrossentropy" && compiled.loss !== "binary_crossentropy") {
    return `its loss ${JSON.stringify(compiled.loss)} is not "binaryCrossentropy"`;
  }
  const names = compiled.metricsNames;
  const metrics = compiled.metricFunctions;
  const accuracy = names.length === 2 && metrics.length === 1 &&
    metrics[0].startsWith("binaryAccuracy");
  if (names[0] !== "loss" || !(names.length === 1 || accuracy)) {
    return `its metrics ${JSON.stringify(names.slice(1))} are not ["accuracy"] or none`;
  }
  if (!compiled.built) return "the model is not built yet";
  const layers = compiled.layers.filter((layer) => layer.getClassName() !== "InputLayer");
  if (layers.length < 2) return `its ${layers.length} layers are not ${FAST_SET}`;

  const first = layers[0];
  let embedding: FastPlan["embedding"] = null;
  if (first.getClassName() === "Embedding") {
    if (
      first.maskZero === true ||
      !unset(first.embeddingsRegularizer, first.embeddingsConstraint, first.activityRegularizer)
    ) return `layer ${describe(first)} is not a plain Embedding (no maskZero, regularisers)`;
    embedding = {
      table: first.embeddings!.read(),
      inputDim: first.inputDim!,
      outputDim: first.outputDim!,
    };
  }

  const d = layers[layers.length - 1];
  if (
    d.getClassName() !== "Dense" || d.units !== 1 ||
    d.activation?.getClassName() !== "sigmoid" ||
    !unset(
      d.activityRegularizer,
      d.kernelRegularizer,
      d.biasRegularizer,
      d.kernelConstraint,
      d.biasConstraint,
    )
  ) return `layer ${describe(d)} is not a plain dense(1, sigmoid)`;

  const stages: Stage[] = [];
  let sequence = true; // the input: ids [batch, steps] or one-hot [batch, steps, features]
  let recurrent = 0;
  for (const layer of layers.slice(embedding === null ? 0 : 1, -1)) {
    const stage = stageOf(layer);
    if (typeof stage === "string") return stage;
    if (stage.needsSequence && !sequence) {
      return `layer ${describe(layer)} reads the last step of the layer before it, not a ` +
        `sequence (give the recurrent layer before it returnSequences: true)`;
    }
    sequence = stage.outputsSequence(sequence);
    if (stage.needsSequence) recurrent++;
    stages.push(stage);
  }
  if (recurrent === 0) return `its ${layers.length} layers are not ${FAST_SET}`;
  if (sequence) {
    return `layer ${describe(d)} reads a sequence: the last recurrent layer must return its ` +
      `last step (returnSequences: false)`;
  }

  const weights: LayerWeight[] = [];
  if (embedding !== null) weights.push(first.embeddings!);
  for (const stage of stages) weights.push(...stage.weights);
  weights.push(d.kernel!);
  if (d.useBias && d.bias != null) weights.push(d.bias);
  const trainable = compiled.trainableVariables;
  const all = weights.map((w) => w.read());
  if (
    weights.some((w) => !w.trainable) || trainable.length !== all.length ||
    trainable.some((v) => !all.includes(v))
  ) return "some of its weights are frozen";

  return {
    optimizer: compiled.optimizer,
    accuracy,
    embedding,
    stages,
    dense: {
      kernel: d.kernel!.read(),
      bias: d.useBias && d.bias != null ? d.bias.read() : null,
    },
    variables: trainable,
  };
}

/** The float32 values of a tensor (the cpu backend's own array: read, never written). */
function values(t: Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** Loss, accuracy and d loss / d logits of a batch: dense(1, sigmoid) + Keras's clipped BCE. */
export interface SigmoidBceResult {
  /** mean binary cross-entropy, as Keras computes it (probabilities clipped to [1e-7, 1 - 1e-7]) */
  loss: number;
  /** fraction of samples with (p > 0.5) === label */
  accuracy: number;
  /** [batch] d loss / d logit: (p - y) / batch where p is not clipped, else 0 */
  dLogits: Float64Array;
}

/**
 * Sigmoid, Keras's binary cross-entropy and binary accuracy of a batch of logits, with the
 * gradient of the mean loss w.r.t. the logits, rounded like the float32 tfjs ops where it matters
 * (the sigmoid output, the clipped probability).
 *
 * The loss is not `logisticLoss` (`../kernels/logistic_loss.ts`): tfjs computes the
 * cross-entropy from the logit of the clipped probability in a stable form whose last bits
 * differ, and this step must give `model.trainOnBatch`'s numbers. The clip (Keras's
 * `KERAS_EPSILON`) and the accuracy (`binaryAccuracy`) are the shared ones.
 *
 * @param logits [batch] dense outputs before the sigmoid
 * @param labels [batch] 0 / 1 (any numbers: the loss is the cross-entropy formula)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sigmoidBce } from "./_train_step.ts";
 *
 * const { loss, accuracy, dLogits } = sigmoidBce([0, 20], [1, 1]);
 * // p = 0.5: -log 0.5; p = sigmoid(20) rounds to 1 in float32, clipped to 1 - 1e-7 (in float32)
 * assert.ok(Math.abs(loss - (Math.LN2 - Math.log(Math.fround(1 - 1e-7))) / 2) < 1e-12);
 * assert.equal(accuracy, 0.5); // 0.5 is not above the threshold
 * assert.deepEqual(dLogits, Float64Array.of((0.5 - 1) / 2, 0)); // no gradient where clipped
 * ```
 */
export function sigmoidBce(logits: ArrayLike<number>, labels: ArrayLike<number>): SigmoidBceResult {
  const n = logits.length;
  if (labels.length !== n) {
    throw new Error(`sigmoidBce: ${labels.length} labels for ${n} logits`);
  }
  const lo = f32(KERAS_EPSILON);
  const hi = f32(1 - KERAS_EPSILON);
  const probabilities = new Float32Array(n);
  const dLogits = new Float64Array(n);
  let loss = 0;
  for (let b = 0; b < n; b++) {
    const p = f32(1 / (1 + Math.exp(-f32(logits[b])))); // tfjs's sigmoid, stored as float32
    probabilities[b] = p;
    const y = labels[b];
    const inRange = p >= KERAS_EPSILON && p <= 1 - KERAS_EPSILON;
    const pc = p < lo ? lo : p > hi ? hi : p;
    const logit = Math.log(pc / (1 - pc));
    // max(l, 0) - l y + log(1 + e^-|l|): the stable form tfjs uses
    loss += Math.max(logit, 0) - logit * y + Math.log1p(Math.exp(-Math.abs(logit)));
    dLogits[b] = inRange ? (p - y) / n : 0;
  }
  return { loss: loss / n, accuracy: binaryAccuracy(probabilities, labels), dLogits };
}

/**
 * Reusable buffer for d loss / d embedding table [inputDim, width] (overwritten every step; the
 * optimizer's update reads it, a tensor never wraps it).
 */
let tableGradient = new Float32Array(0);

/** Reusable buffer for the gathered embeddings [batch, steps, width] (overwritten every call). */
let gatherBuffer = new Float32Array(0);

/** Embedding lookup: ids [rows] -> [rows, width], checking every id. */
function gatherRows(
  ids: ArrayLike<number>,
  steps: number,
  table: Float32Array,
  inputDim: number,
  width: number,
): Float32Array {
  const rows = ids.length;
  if (gatherBuffer.length !== rows * width) gatherBuffer = new Float32Array(rows * width);
  const out = gatherBuffer;
  for (let r = 0; r < rows; r++) {
    const id = Math.trunc(ids[r]); // tfjs casts float ids to int32 by truncation
    if (!(id >= 0 && id < inputDim)) {
      const row = Math.floor(r / steps);
      throw new Error(
        `word id ${ids[r]} at [${row}, ${r - row * steps}] of the batch is not in ` +
          `[0, ${inputDim}) (the embedding's inputDim)`,
      );
    }
    // an element loop: 3,200 rows of 32 values in a third of the time of subarray + set
    const from = id * width, to = r * width;
    for (let d = 0; d < width; d++) out[to + d] = table[from + d];
  }
  return out;
}

/** The SGD step of `tf.train.sgd` (value + (-lr) * g, each op rounded to float32). */
function sgdStep(value: Float32Array, gradient: Float32Array, learningRate: number): Float32Array {
  const c = f32(-learningRate);
  const out = new Float32Array(value.length);
  for (let k = 0; k < value.length; k++) out[k] = f32(c * gradient[k]) + value[k];
  return out;
}

/** Applies the gradients with the model's optimizer ([gradients] in `plan.variables` order). */
function applyGradients(optimizer: Optimizer, variables: Variable[], grads: Float32Array[]): void {
  if (optimizer.constructor === tf.SGDOptimizer) {
    const sgd = sgdFieldsOf(optimizer);
    tf.tidy(() => {
      variables.forEach((v, i) => {
        v.assign(tf.tensor(sgdStep(values(v), grads[i], sgd.learningRate), v.shape));
      });
    });
    sgd.incrementIterations();
    return;
  }
  if (optimizer instanceof tf.AdamOptimizer) {
    // tf.train.adam's update (or FusedAdam's: the same), one loop per variable
    adamUpdate(optimizer, variables, grads);
    return;
  }
  tf.tidy(() => {
    const named: NamedTensorMap = {};
    // copies: a gradient array may be a buffer the next step reuses
    variables.forEach((v, i) => named[v.name] = tf.tensor(grads[i].slice(), v.shape));
    optimizer.applyGradients(named);
  });
}

/** Loss and accuracy of one batch (accuracy NaN when the model has no accuracy metric). */
export interface StepResult {
  /** Mean binary cross-entropy of the batch, float32 as tfjs computes it. */
  loss: number;
  /** Binary accuracy of the batch, float32. */
  accuracy: number;
}

/**
 * One training step on a batch, like `model.trainOnBatch(xs, ys)` for a model compiled with
 * `binaryCrossentropy` and `["accuracy"]`: updates the model's weights (and its optimizer's
 * state) in place and returns the batch's loss and accuracy BEFORE the update.
 *
 * Models of the fast set (see the module documentation) run in typed-array loops; any other
 * model runs `model.trainOnBatch`.
 *
 * @param model a compiled `tf.Sequential` / `tf.LayersModel` whose metrics are ["accuracy"]
 * @param xs float32 [batch, steps, features] (one-hot) or int32/float32 word ids [batch, steps]
 * @param ys float32 [batch, 1] (or [batch]) labels 0 / 1
 * @returns [loss, accuracy] of the batch
 * @throws Error when the batch sizes differ, a word id is outside the embedding, or the model's
 *   metrics are not exactly ["accuracy"] on the slow path
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "./tf.ts";
 * import { buildModel } from "./models.ts";
 * import { trainOnBatchFast } from "./_train_step.ts";
 *
 * const model = buildModel("simple_rnn_onehot", { seed: 42 }); // one-hot [batch, 100, 100]
 * const xs = tf.oneHot(tf.fill([2, 100], 7, "int32"), 100).asType("float32");
 * const [loss, acc] = await trainOnBatchFast(model, xs, tf.tensor2d([[1], [0]]));
 * assert.ok(loss > 0.5 && loss < 0.9); // about log 2 for a fresh model
 * assert.equal(acc, 0.5); // the same review, one label right
 * ```
 */
export async function trainOnBatchFast(
  model: LayersModel,
  xs: Tensor,
  ys: Tensor,
): Promise<[number, number]> {
  const plan = planFor(model);
  if (typeof plan === "string" || !plan.accuracy) {
    const result = await model.trainOnBatch(xs, ys);
    if (!Array.isArray(result) || result.length !== 2) {
      throw new Error(
        `trainOnBatchFast: the model's trainOnBatch returned ${JSON.stringify(result)}, ` +
          `expected [loss, accuracy]: compile it with metrics ["accuracy"]`,
      );
    }
    return [result[0], result[1]];
  }
  const { loss, accuracy } = trainStep(plan, xs, ys);
  return [loss, accuracy];
}

/**
 * One batch as the step reads it: the model's input rows, contiguous, and their labels.
 * `x` is word ids [size, steps] (a model with an embedding; int32, or float32 ids that tfjs
 * truncates) or features [size, steps, features] float32 (one-hot).
 */
export interface Batch {
  size: number;
  /** [size, steps] ids or [size, steps, features] values, row-major */
  x: Float32Array | Int32Array | Uint8Array;
  /** [size, steps] or [size, steps, features] */
  shape: readonly number[];
  /** [size] labels 0 / 1 */
  labels: ArrayLike<number>;
  /**
   * float32 [size, steps, features] x only: its non-zero entries as [size · steps, features]
   * rows, exactly `sparseRows(x, size * steps, features)` (null: dense), when the reader knew
   * them (`RowBatches.gather`); absent: unknown
   */
  sparse?: SparseRows | null;
}

/** A batch of tensors as the step reads it (their own arrays, not copies). */
export function tensorBatch(xs: Tensor, ys: Tensor, who: string): Batch {
  const size = xs.shape[0];
  if (ys.size !== size || (ys.rank === 2 && ys.shape[1] !== 1) || ys.rank > 2) {
    throw new Error(
      `${who}: labels of shape [${ys.shape}] for ${size} samples (expected [${size}, 1])`,
    );
  }
  return { size, x: xs.dataSync() as Batch["x"], shape: xs.shape, labels: ys.dataSync() };
}

/**
 * Batches of rows of whole data sets, cut into buffers reused from one batch to the next (the
 * training loop's shuffled batches) or taken as views (consecutive rows): `fit` on the fast
 * road reads its batches here instead of gathering tensors.
 */
export class RowBatches {
  readonly n: number;
  readonly #x: Batch["x"];
  readonly #labels: ArrayLike<number>;
  readonly #rowShape: readonly number[];
  readonly #rowSize: number;
  #xBuffer: Batch["x"] | undefined;
  #labelBuffer = new Float32Array(0);
  /**
   * One-hot data [n, steps, features] float32: per sample row and step, the column of its 1, or
   * `features` for a zero row (−1: not known yet, or neither). Filled from the `sparseRows` of
   * the batches read and kept for the whole fit: it assumes, as tfjs's immutable tensors
   * promise, that the data array `#x` this instance reads never changes (the cache belongs to
   * this instance and so to that one array).
   */
  #columns: Int32Array | null = null;
  /** [n] 1 once every step of the sample is in `#columns` */
  #known: Uint8Array | null = null;
  /** false once a batch was dense: the kernels then look for themselves */
  #oneHot: boolean;
  /**
   * Where `#xBuffer` holds its 1s, when it holds nothing but zeros and those (the last batch
   * was written from the cache): the next such batch clears them and writes its own instead of
   * copying whole rows; null: the buffer's contents are not known to be that
   */
  #ones: Int32Array | null = null;
  #onesCount = 0;

  /**
   * @param xs [n, steps] ids or [n, steps, features] (its data is read, never written)
   * @param ys [n] or [n, 1] labels
   */
  constructor(xs: Tensor, ys: Tensor) {
    const whole = tensorBatch(xs, ys, "fit");
    this.n = whole.size;
    this.#x = whole.x;
    this.#labels = whole.labels;
    this.#rowShape = xs.shape.slice(1);
    this.#rowSize = xs.size / Math.max(1, this.n);
    // sparse rows are worth knowing for float32 [n, steps, features] with features ≥ 2 (with
    // one non-zero per row, `sparseRows` then never answers null)
    this.#oneHot = this.#x instanceof Float32Array && this.#rowShape.length === 2 &&
      this.#rowShape[1] >= 2 && this.n > 0;
  }

  /** Rows `order[start..end)` copied into the reused buffers. */
  gather(order: ArrayLike<number>, start: number, end: number): Batch {
    const size = end - start;
    const rowSize = this.#rowSize;
    const length = size * rowSize;
    if (this.#xBuffer === undefined || this.#xBuffer.length < length) {
      this.#xBuffer = new (this.#x.constructor as new (n: number) => Batch["x"])(length);
      this.#labelBuffer = new Float32Array(size);
      this.#onesCount = 0; // all zeros
      this.#ones = this.#oneHot ? new Int32Array(length / this.#rowShape[1]) : null;
    }
    const x = this.#xBuffer.subarray(0, length);
    const labels = this.#labelBuffer.subarray(0, size);
    for (let i = 0; i < size; i++) labels[i] = this.#labels[order[start + i]];
    if (!this.#writeOnes(order, start, size)) {
      this.#ones = null;
      for (let i = 0; i < size; i++) {
        const row = order[start + i];
        x.set(this.#x.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
      }
    }
    const shape = [size, ...this.#rowShape];
    if (!this.#oneHot || size === 0) return { size, x, shape, labels };
    return { size, x, shape, labels, sparse: this.#sparse(x as Float32Array, order, start, size) };
  }

  /**
   * One-hot rows whose columns are all cached: writes the batch into `#xBuffer` as zeros and
   * 1s, clearing the last batch's 1s (or, when the buffer's contents are not known, every
   * value), instead of copying 40 KB a sample: the values of the copy, except that a −0 in the
   * data (which the sparse rows, like every product, read as a zero) is written +0. Returns
   * false, writing nothing, when a column is not known.
   */
  #writeOnes(order: ArrayLike<number>, first: number, size: number): boolean {
    const columns = this.#columns, known = this.#known;
    if (!this.#oneHot || columns === null || known === null) return false;
    for (let i = 0; i < size; i++) if (known[order[first + i]] !== 1) return false;
    const x = this.#xBuffer as Float32Array;
    const [steps, features] = this.#rowShape;
    let ones = this.#ones;
    if (ones === null) {
      x.fill(0);
      ones = this.#ones = new Int32Array(x.length / features);
    } else for (let k = 0; k < this.#onesCount; k++) x[ones[k]] = 0;
    let count = 0;
    for (let i = 0; i < size; i++) {
      const from = order[first + i] * steps;
      for (let t = 0; t < steps; t++) {
        const column = columns[from + t];
        if (column < features) {
          const at = (i * steps + t) * features + column;
          x[at] = 1;
          ones[count++] = at;
        }
      }
    }
    this.#onesCount = count;
    return true;
  }

  /**
   * The batch's `sparseRows(x, size · steps, features)`: from the cache when every sample's rows
   * are one-hot or zero rows already seen, else found in x (and cached). Bit for bit the same
   * arrays: a one-hot row gives index = its column, value = 1; a zero row (±0) nothing.
   */
  #sparse(x: Float32Array, order: ArrayLike<number>, first: number, size: number) {
    const [steps, features] = this.#rowShape;
    const rows = size * steps;
    if (this.#columns === null || this.#known === null) {
      this.#columns = new Int32Array(this.n * steps).fill(-1);
      this.#known = new Uint8Array(this.n);
    }
    const columns = this.#columns, known = this.#known;
    let all = true;
    for (let i = 0; i < size && all; i++) all = known[order[first + i]] === 1;
    if (all) {
      const start = new Int32Array(rows + 1);
      let nnz = 0;
      for (let i = 0; i < size; i++) {
        const from = order[first + i] * steps;
        for (let t = 0; t < steps; t++) {
          const column = columns[from + t];
          if (column < features) nnz++;
          start[i * steps + t + 1] = nnz;
        }
      }
      const index = new Int32Array(nnz), value = new Float32Array(nnz).fill(1);
      for (let i = 0, n = 0; i < size; i++) {
        const from = order[first + i] * steps;
        for (let t = 0; t < steps; t++) {
          const column = columns[from + t];
          if (column < features) index[n++] = column;
        }
      }
      return { start, index, value };
    }
    const found = sparseRows(x, rows, features);
    if (found === null) {
      this.#oneHot = false;
      return null;
    }
    const { start, index, value } = found;
    for (let i = 0; i < size; i++) {
      const sample = order[first + i];
      let cached = true;
      for (let t = 0; t < steps; t++) {
        const r = i * steps + t, count = start[r + 1] - start[r];
        const column = count === 0
          ? features
          : count === 1 && value[start[r]] === 1
          ? index[start[r]]
          : -1;
        columns[sample * steps + t] = column;
        if (column < 0) cached = false;
      }
      known[sample] = cached ? 1 : 0;
    }
    return found;
  }

  /** Rows `start..end` as views of the data (no copy). */
  slice(start: number, end: number): Batch {
    const size = end - start;
    const rowSize = this.#rowSize;
    return {
      size,
      x: this.#x.subarray(start * rowSize, end * rowSize),
      shape: [size, ...this.#rowShape],
      labels: (this.#labels as Float32Array).subarray(start, end),
    };
  }
}

/** The first stage's input of a batch, checked against the plan. */
interface BatchInput {
  flow: Flow;
  /** [batch] labels */
  labels: ArrayLike<number>;
}

/** Reads a batch: the embedding lookup or the one-hot rows, the labels, the checks. */
function batchInput(plan: FastPlan, data: Batch, who: string): BatchInput {
  const { embedding } = plan;
  const batch = data.size;
  const rank = data.shape.length;
  if (embedding !== null) {
    if (rank !== 2) {
      throw new Error(`${who}: word ids must be [batch, steps], got [${data.shape}]`);
    }
    const steps = data.shape[1];
    const width = embedding.outputDim;
    const table = values(embedding.table);
    const x = gatherRows(data.x, steps, table, embedding.inputDim, width);
    // Int32Array truncates float ids as tfjs's cast does (ids checked by gatherRows)
    const ids = data.x instanceof Int32Array ? data.x : Int32Array.from(data.x);
    const lookup = { table, ids, variable: embedding.table };
    return { flow: { data: x, batch, steps, width, sequence: true, lookup }, labels: data.labels };
  }
  if (rank !== 3) {
    throw new Error(`${who}: input must be [batch, steps, features], got [${data.shape}]`);
  }
  // float32 tensors may hold an Int32Array (tfjs's cast of int32 one-hot data shares it): the
  // kernels' loops stay fast when they only ever see Float32Array
  const x = data.x instanceof Float32Array ? data.x : Float32Array.from(data.x);
  return {
    flow: {
      data: x,
      batch,
      steps: data.shape[1],
      width: data.shape[2],
      sequence: true,
      sparse: x === data.x ? data.sparse : undefined,
    },
    labels: data.labels,
  };
}

/** dense(1) on the last stage's output h [batch, width]: logits [batch]. */
function denseLogits(plan: FastPlan, h: Flow): Float64Array {
  const { batch, width } = h;
  const w = values(plan.dense.kernel); // [width, 1]
  if (w.length !== width) {
    throw new Error(`trainStep: the dense kernel has ${w.length} rows for ${width} features`);
  }
  const b0 = plan.dense.bias === null ? 0 : values(plan.dense.bias)[0];
  const logits = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let z = b0;
    for (let u = 0; u < width; u++) z += h.data[b * width + u] * w[u];
    logits[b] = z;
  }
  return logits;
}

/** The stages' forward passes in order: their runs, the last output. */
function forwardStages(plan: FastPlan, input: Flow, training: boolean) {
  const runs: StageRun[] = [];
  let flow = input;
  for (const stage of plan.stages) {
    const run = stage.forward(flow, training);
    runs.push(run);
    flow = run.output;
  }
  return { runs, output: flow };
}

/**
 * Loss and accuracy of a batch without training: the forward half of {@link trainStep}, what
 * `model.evaluate` and `fit`'s validation compute per batch.
 *
 * @param xs float32 [batch, steps, features] or word ids [batch, steps]
 * @param ys [batch, 1] labels 0 / 1
 */
export function testStep(plan: FastPlan, xs: Tensor, ys: Tensor): StepResult {
  return testBatch(plan, tensorBatch(xs, ys, "evaluate"));
}

/** {@link testStep} on a {@link Batch}. */
export function testBatch(plan: FastPlan, batch: Batch): StepResult {
  const { flow, labels } = batchInput(plan, batch, "evaluate");
  const { runs, output } = forwardStages(plan, flow, false);
  const logits = denseLogits(plan, output);
  for (const run of runs) run.release();
  const { loss, accuracy } = sigmoidBce(logits, labels);
  return { loss: f32(loss), accuracy: f32(accuracy) };
}

/**
 * One training step of a planned model on a batch: what `model.trainOnBatch(xs, ys)` computes,
 * in typed arrays. Updates the weights (and the optimizer's state) and returns the batch's loss
 * and accuracy measured BEFORE the update, rounded to float32 as tfjs's scalars are.
 *
 * @param xs float32 [batch, steps, features] (one-hot) or int32/float32 word ids [batch, steps]
 * @param ys float32 [batch, 1] (or [batch]) labels 0 / 1
 * @throws Error when the batch sizes differ or a word id is outside the embedding
 */
export function trainStep(plan: FastPlan, xs: Tensor, ys: Tensor): StepResult {
  return trainBatch(plan, tensorBatch(xs, ys, "trainStep"));
}

/** {@link trainStep} on a {@link Batch} (its arrays are read, not kept). */
export function trainBatch(plan: FastPlan, data: Batch): StepResult {
  const { flow, labels } = batchInput(plan, data, "trainStep");
  const { embedding, dense } = plan;

  // forward: the stages (dropout masks drawn in tfjs's order), then dense(1) on the last step
  const { runs, output: h } = forwardStages(plan, flow, true);
  const { batch, width } = h;
  const w = values(dense.kernel); // [width, 1]
  const logits = denseLogits(plan, h);
  const { loss, accuracy, dLogits } = sigmoidBce(logits, labels);

  // backward: dense, then the stages in reverse, each handing d loss / d its input back
  const gradients: Gradients = new Map();
  const dW = new Float64Array(width);
  let dB = 0;
  let d: Float32Array | null = new Float32Array(batch * width); // [batch, width]
  for (let b = 0; b < batch; b++) {
    const dz = dLogits[b];
    dB += dz;
    for (let u = 0; u < width; u++) {
      dW[u] += h.data[b * width + u] * dz;
      d[b * width + u] = dz * w[u];
    }
  }
  gradients.set(dense.kernel, Float32Array.from(dW));
  if (dense.bias !== null) gradients.set(dense.bias, Float32Array.of(dB));
  for (let i = runs.length - 1; i >= 0; i--) {
    // d loss / d input is needed below the first stage only for the embedding
    d = runs[i].backward(d!, i > 0 || embedding !== null, gradients);
  }
  if (embedding !== null && d !== null) {
    // d loss / d table: scatter-add of dx [rows, width] by id (ids checked by gatherRows;
    // Int32Array truncates float ids as tfjs's cast does), added to what the stages that read
    // the table's rows set (d is null when they all did)
    const ids = data.x instanceof Int32Array ? data.x : Int32Array.from(data.x);
    const sums = scatterAdd(d, ids, embedding.inputDim, embedding.outputDim); // float64 sums
    if (tableGradient.length !== sums.length) tableGradient = new Float32Array(sums.length);
    tableGradient.set(sums); // rounded to float32, into the array reused from batch to batch
    addGradient(gradients, embedding.table, tableGradient);
  }
  for (const run of runs) run.release();

  // the gradients in the optimizer's (trainableWeights) order
  const ordered = plan.variables.map((v) => {
    const g = gradients.get(v);
    if (g === undefined) throw new Error(`trainStep: no gradient for variable ${v.name}`);
    return g;
  });
  applyGradients(plan.optimizer, plan.variables, ordered);
  // float32, as trainOnBatch reads them from tensors (an accuracy of 1/3 is 0.3333333432674408)
  return { loss: f32(loss), accuracy: f32(accuracy) };
}
