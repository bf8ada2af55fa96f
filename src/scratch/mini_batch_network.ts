/**
 * The methods the book's networks share from chapters 6 and 7 (`MinibatchNetwork`): `sigmoid`,
 * `gen_batch`, `fit`, `predict`, `score`, `update_val_loss`. Chapter 9-1 says of
 * `RecurrentNetwork`'s: "나머지 다른 메서드들은 06-07장에서 구현한 것과 거의 차이가 없음" (the other
 * methods hardly differ from chapters 6-7), so `RecurrentNetwork` (./recurrent_network.ts)
 * inherits them from here and defines what is its own: `forpass`, `backprop`, `init_weights`,
 * `training`. One sigmoid output unit: targets y are 0/1 [m], outputs [m, 1].
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MiniBatchNetwork } from "./mini_batch_network.ts";
 * import { RecurrentNetwork } from "./recurrent_network.ts";
 *
 * const rn = new RecurrentNetwork();
 * assert.ok(rn instanceof MiniBatchNetwork);
 * assert.deepEqual(Array.from(rn.sigmoid([0, -1000])), [0.5, 1 / (1 + Math.exp(100))]);
 * ```
 * @module
 */
import type { NDArray } from "../data/ndarray.ts";
import { RandomState } from "../data/random_state.ts";
import { BOOK_EPSILON, meanLogisticLoss } from "../kernels/logistic_loss.ts";
import * as np from "./np.ts";
import { checkFit, checkX, checkY } from "./_validate.ts";
import type {
  RecurrentNetworkBatch as Batch,
  RecurrentNetworkBatchLogs as BatchLogs,
  RecurrentNetworkEpochLogs as EpochLogs,
  RecurrentNetworkFitOptions as FitOptions,
} from "./_types.ts";

/** Mini-batch training, prediction and the validation loss, as chapters 6 and 7 wrote them. */
export abstract class MiniBatchNetwork {
  /** Mini-batch size of `fit` (book: `batch_size`). */
  declare readonly batchSize: number;
  /** Seed of `fit`'s batch order (the book's `np.random.seed(42)`) and of the initialisers. */
  declare readonly seed: number;
  /** Training loss of each epoch of `fit` (book: `losses`). */
  losses: number[] = [];
  /** Validation loss of each epoch of `fit` (book: `val_losses`). */
  valLosses: number[] = [];

  /**
   * The losses by epoch under the names of Keras's `history.history` and tfjs's `History.history`
   * (`loss`, `val_loss`), copies of {@link losses} and {@link valLosses}: what `historyFigure`
   * plots for the tfjs models too.
   */
  get history(): { loss: number[]; val_loss: number[] } {
    return { loss: [...this.losses], val_loss: [...this.valLosses] };
  }

  /** Whether the weights exist. */
  abstract get hasWeights(): boolean;
  /** The book's `init_weights`. */
  abstract initWeights(nFeatures: number, nClasses?: number): void;
  /** The book's `training`: one gradient-descent step; returns A2 [m, 1] float64. */
  abstract training(x: NDArray, y: ArrayLike<number>): Float64Array;
  /** Z2 [m, 1] float64 of x as `forpass` computes it, keeping nothing for backprop. */
  protected abstract logits(x: NDArray): Float64Array;

  /** The book's `sigmoid`: 1 / (1 + e^−z), z clipped below at −100; a new array. */
  sigmoid(z: ArrayLike<number>): Float64Array {
    const zc = np.clip(z, -100, Infinity); // for a safe np.exp
    return np.divide(1, np.add(1, np.exp(np.negative(zc))));
  }

  /**
   * The book's `gen_batch`: shuffle the samples with `random.permutation(m)` and yield
   * mini-batches of `batchSize` in that order (the last one shorter), each of new arrays.
   */
  *genBatch(x: NDArray, y: ArrayLike<number>, random: RandomState): Generator<Batch> {
    yield* this.#batches(x, y, random);
  }

  /**
   * genBatch's batches; with `out`, each batch's x is written into it (np.take's out=): `fit`
   * uses each batch once, and a new array per batch (1.3 MB for IMDB) made it about 4% slower.
   */
  *#batches(x: NDArray, y: ArrayLike<number>, random: RandomState, out?: NDArray["data"]) {
    const [length] = checkX(x, "x");
    checkY(y, length, "y");
    const bins = Math.ceil(length / this.batchSize); // mini-batches
    const indexes = random.permutation(length); // the shuffled order
    for (let i = 0; i < bins; i++) {
      const batch = indexes.slice(this.batchSize * i, this.batchSize * (i + 1));
      yield { x: np.take(x, batch, out), y: Float64Array.from(batch, (s) => y[s]), indexes: batch };
    }
  }

  /**
   * The book's `fit`: `epochs` passes of mini-batch gradient descent over x [m, steps, features]
   * and y [m] (0/1), the batches in the book's order after `np.random.seed(seed)`; appends each
   * epoch's mean batch loss to `losses` and, with xVal/yVal, the validation loss to `valLosses`.
   * Initialises the weights if none were set. `onBatchEnd`/`onEpochEnd` get Keras's logs
   * (`loss`, `val_loss`); a promise they return is not awaited (see `fitAsync`).
   */
  fit(x: NDArray, y: ArrayLike<number>, options: FitOptions = {}): this {
    for (const logs of this.#fitSteps(x, y, options)) {
      if ("batch" in logs) options.onBatchEnd?.(logs);
      else options.onEpochEnd?.(logs);
    }
    return this;
  }

  /**
   * `fit` (the same arithmetic: bit-identical weights and losses) that awaits its callbacks and
   * lets the event loop run, so that a notebook's progress line (`TrainingProgress`) redraws:
   * after every epoch and whenever `yieldIntervalMs` (default 100) of training passed.
   */
  async fitAsync(x: NDArray, y: ArrayLike<number>, options: FitOptions = {}): Promise<this> {
    let lastYield = performance.now();
    for (const logs of this.#fitSteps(x, y, options)) {
      if ("batch" in logs) {
        await options.onBatchEnd?.(logs);
        if (performance.now() - lastYield < (options.yieldIntervalMs ?? 100)) continue;
      } else await options.onEpochEnd?.(logs);
      await new Promise((resolve) => setTimeout(resolve, 0)); // timers, I/O, display messages
      lastYield = performance.now();
    }
    return this;
  }

  /** The body of the book's `fit`, for `fit` and `fitAsync`: logs after each batch and epoch. */
  *#fitSteps(
    x: NDArray,
    y: ArrayLike<number>,
    options: FitOptions,
  ): Generator<BatchLogs | EpochLogs> {
    const { epochs = 100, xVal, yVal } = options;
    const [m, features] = checkFit(x, y, options);
    const random = new RandomState(this.seed); // np.random.seed(42)
    if (!this.hasWeights) this.initWeights(features, 1);
    const batches = Math.ceil(m / this.batchSize);
    const out = x.data.slice(0, Math.min(m, this.batchSize) * (x.data.length / m)); // batches' x
    for (let epoch = 0; epoch < epochs; epoch++) {
      let lossSum = 0, done = 0; // the book's batch_losses: their sum and count
      for (const { x: xBatch, y: yBatch } of this.#batches(x, y, random, out)) {
        const a = this.training(xBatch, yBatch);
        lossSum += meanLogisticLoss(a, yBatch, { epsilon: BOOK_EPSILON }); // a clipped
        done++;
        yield { epoch, epochs, batch: done - 1, batches, loss: lossSum / done };
      }
      const logs: EpochLogs = { epoch, epochs, batches, loss: lossSum / done };
      this.losses.push(logs.loss); // np.mean(batch_losses), summed in order
      if (xVal !== undefined) logs.val_loss = this.updateValLoss(xVal, yVal!);
      yield logs;
    }
  }

  /** The book's `predict`: Z2 > 0 for x [m, steps, features], 0/1 [m, 1] (Uint8Array). */
  predict(x: NDArray): Uint8Array {
    return Uint8Array.from(this.logits(x), (z) => z > 0 ? 1 : 0);
  }

  /** The book's `score`: the fraction of samples whose prediction equals y [m] (0/1). */
  score(x: NDArray, y: ArrayLike<number>): number {
    checkY(y, checkX(x, "x")[0], "y");
    const p = this.predict(x);
    return p.reduce((equal, pi, i) => equal + (pi === y[i] ? 1 : 0), 0) / p.length;
  }

  /** The book's `update_val_loss`: append (and return) the mean logistic loss on the set. */
  updateValLoss(xVal: NDArray, yVal: ArrayLike<number>): number {
    checkY(yVal, checkX(xVal, "xVal")[0], "yVal");
    const a = this.sigmoid(this.logits(xVal));
    const loss = meanLogisticLoss(a, yVal, { epsilon: BOOK_EPSILON }); // a clipped as the book's
    this.valLosses.push(loss);
    return loss;
  }
}
