/**
 * The options, weights, batches and training logs of `RecurrentNetwork` (recurrent_network.ts),
 * re-exported by `./mod.ts`.
 * @module
 */
import type { NDArray } from "../data/ndarray.ts";

/** Options of `new RecurrentNetwork(...)`, with the book's defaults. */
export interface RecurrentNetworkOptions {
  /** Cells of the recurrent layer (book: `n_cells=10`). */
  nCells?: number;
  /** Mini-batch size of `fit` (book: `batch_size=32`). */
  batchSize?: number;
  /** Learning rate of the plain gradient-descent update (book: `learning_rate=0.1`). */
  learningRate?: number;
  /** Time steps `backprop` goes back (book: 10); `Infinity` for full backpropagation. */
  tbpttSteps?: number;
  /**
   * Seed of the weight initialisers and of `fit`'s batch order (`np.random.seed(42)` in the
   * book's `fit`). Default 42.
   */
  seed?: number;
  /**
   * `true` passes the error back one step with W1h as the book's printed code does
   * (`np.dot(err_to_cell, self.w1h)`); `false` (default) with W1hᵀ, the true gradient.
   */
  bookBackprop?: boolean;
  /** Storage precision of w1h, w1x, w2 after each update: "float32" as in the book (default). */
  weightDtype?: "float32" | "float64";
}

/** The weights, row-major float64, with the book's shapes. */
export interface RecurrentNetworkWeights {
  /** Hidden-state weights [nCells, nCells]. */
  w1h: Float64Array;
  /** Input weights [features, nCells]. */
  w1x: Float64Array;
  /** Recurrent-layer bias [nCells]. */
  b1: Float64Array;
  /** Output weights [nCells, 1]. */
  w2: Float64Array;
  /** Output bias [1]. */
  b2: Float64Array;
}

/** Gradients of the mean logistic loss: the names and shapes of {@linkcode RecurrentNetworkWeights}. */
export type RecurrentNetworkGradients = RecurrentNetworkWeights;

/** A mini-batch of `genBatch`: new arrays, not reused by the next batch. */
export interface RecurrentNetworkBatch {
  /** Inputs [batch, steps, features], x's dtype. */
  x: NDArray;
  /** Targets 0/1 [batch]. */
  y: Float64Array;
  /** Which samples of the whole set, in order [batch]. */
  indexes: Int32Array;
}

/**
 * The logs after each mini-batch of `fit` and `fitAsync`, in Keras's names (`history.history`):
 * what `TrainingProgress.onBatchEnd` takes.
 */
export interface RecurrentNetworkBatchLogs {
  /** 0-based epoch. */
  epoch: number;
  /** Epochs of this `fit` call. */
  epochs: number;
  /** 0-based mini-batch within the epoch. */
  batch: number;
  /** Mini-batches per epoch. */
  batches: number;
  /** Mean of the epoch's mini-batch losses so far. */
  loss: number;
}

/**
 * The logs after each epoch of `fit` and `fitAsync`, in Keras's names: what
 * `TrainingProgress.onEpochEnd` takes.
 */
export interface RecurrentNetworkEpochLogs {
  /** 0-based epoch. */
  epoch: number;
  /** Epochs of this `fit` call. */
  epochs: number;
  /** Mini-batches per epoch. */
  batches: number;
  /** Mean of the epoch's mini-batch losses (appended to the network's `losses`). */
  loss: number;
  /** Validation loss (appended to `valLosses`), when validation data were given. */
  val_loss?: number;
}

/** Options of `fit` and `fitAsync`. */
export interface RecurrentNetworkFitOptions {
  /** Passes over the training set (book default 100). */
  epochs?: number;
  /** Validation input [mVal, steps, features]. */
  xVal?: NDArray;
  /** Validation targets, 0/1 [mVal]. */
  yVal?: ArrayLike<number>;
  /**
   * Called after every mini-batch (e.g. `TrainingProgress.onBatchEnd`); `fitAsync` awaits what
   * it returns, `fit` ignores it.
   */
  onBatchEnd?: (logs: RecurrentNetworkBatchLogs) => unknown;
  /**
   * Called after every epoch (e.g. `TrainingProgress.onEpochEnd`); `fitAsync` awaits what it
   * returns, `fit` ignores it.
   */
  onEpochEnd?: (logs: RecurrentNetworkEpochLogs) => unknown;
  /**
   * `fitAsync` only: milliseconds of training between two yields to the event loop within an
   * epoch (default 100; 0 yields after every batch). It also yields after every epoch.
   */
  yieldIntervalMs?: number;
}
