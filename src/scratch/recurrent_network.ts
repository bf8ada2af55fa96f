/**
 * The chapter's hand-written recurrent network (9-1, "순환 신경망 클래스 구현"): the book's numpy
 * class `RecurrentNetwork`, method by method, in the numpy operations of `./np.ts` (which carry
 * the speed: identical rows stored once, one-hot rows as gathers, WebAssembly SIMD). One layer
 * of `nCells` tanh cells, then one sigmoid unit; for each time step, and after the last one:
 *
 *   Z1 = X·W1x + Hp·W1h + b1,  H = tanh(Z1)   X [m, features], Hp (the previous H), H [m, cells]
 *   Z2 = H·W2 + b2,  A2 = sigmoid(Z2)          Z2, A2 [m, 1]
 *
 * `backprop` passes err = A2 − Y back `tbpttSteps` steps (TBPTT, 10 in the book). The book's
 * line `np.dot(err_to_cell, self.w1h)` is not the gradient unless W1h is symmetric: the class
 * uses W1hᵀ, and the book's line with `bookBackprop: true`. Arithmetic is numpy's: float64, with
 * w1h, w1x and w2 rounded to float32 after each update as the book's float32 arrays are.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RecurrentNetwork } from "./recurrent_network.ts";
 * import { ndarray } from "../data/ndarray.ts";
 *
 * // two sequences of 3 steps over 2 symbols, one-hot: [2, 3, 2]
 * const x = ndarray({ shape: [2, 3, 2], dtype: "float32", data: new Float32Array([
 *   1, 0, 0, 1, 1, 0,
 *   0, 1, 0, 1, 0, 1,
 * ]) });
 * const rn = new RecurrentNetwork({ nCells: 4, learningRate: 0.5, seed: 1 });
 * rn.fit(x, [1, 0], { epochs: 50 });
 * assert.equal(rn.score(x, [1, 0]), 1);
 * assert.ok(rn.losses[49] < rn.losses[0]);
 * ```
 * @module
 */
import { tf } from "../tfjs/tf.ts";
import type { NDArray } from "../data/ndarray.ts";
import { MiniBatchNetwork } from "./mini_batch_network.ts";
import * as np from "./np.ts";
import * as check from "./_validate.ts";
import type {
  RecurrentNetworkGradients as Gradients,
  RecurrentNetworkOptions as Options,
  RecurrentNetworkWeights as Weights,
} from "./_types.ts";

type Initializer = { apply(shape: number[]): InstanceType<typeof tf.Tensor> };
/** Samples per chunk of `predict`, `score` and `updateValLoss` (see `logits`). */
const CHUNK = 256;

/**
 * The chapter's recurrent network: its own methods; `fit`, `genBatch`, `predict`, `score`,
 * `updateValLoss` and `sigmoid` are chapter 6's ({@linkcode MiniBatchNetwork}).
 */
export class RecurrentNetwork extends MiniBatchNetwork {
  /** Cells of the recurrent layer (book: `n_cells`). */
  declare readonly nCells: number;
  /** Learning rate (book: `lr`). */
  declare readonly learningRate: number;
  /** Time steps `backprop` goes back (`Infinity`: all). */
  declare readonly tbpttSteps: number;
  /** Whether `backprop` multiplies by W1h (the book's line) instead of W1hᵀ. */
  declare readonly bookBackprop: boolean;
  /** Storage precision of w1h, w1x, w2 after each update. */
  declare readonly weightDtype: "float32" | "float64";
  #w1h: np.Matrix | null = null; // [cells, cells] (null: no weights yet)
  #w1x: np.Matrix | null = null; // [features, cells]
  #b1: Float64Array = new Float64Array(0); // [cells]
  #w2: np.Matrix | null = null; // [cells, 1]
  #b2: Float64Array = new Float64Array(0); // [1]
  #h: np.Matrix[] = []; // the book's self.h: H [m, cells] of each step, h[0] = 0

  /** The book's `__init__` (see {@linkcode Options} for the defaults). */
  constructor(options: Options = {}) {
    super();
    Object.assign(this, check.networkOptions(options)); // the options, defaults filled in
  }

  /** Whether the weights exist (from `initWeights`, `setWeights` or `fit`). */
  get hasWeights(): boolean {
    return this.#w1h !== null;
  }

  /**
   * The hidden states of the last `forpass` (the book's `self.h`): [steps + 1, m, cells] float64,
   * h[0] the zero initial state; a new array on every read. null before any `forpass`.
   */
  get h(): NDArray<"float64"> | null {
    return this.#h.length > 0 ? np.stack(this.#h) : null;
  }

  /**
   * The book's `init_weights`: W1h orthogonal, W1x and W2 Glorot-uniform (tfjs initialisers
   * seeded with seed, seed + 1, seed + 2; float32 values as TensorFlow's), b1 and b2 zero.
   */
  initWeights(nFeatures: number, nClasses = 1): void {
    check.positiveInteger("nFeatures", nFeatures);
    if (nClasses !== 1) throw new Error(`RecurrentNetwork: nClasses must be 1, got ${nClasses}`);
    const n = this.nCells;
    const values = (init: Initializer, shape: number[]) =>
      // float32 values, as TensorFlow's
      Float64Array.from(tf.tidy(() => init.apply(shape).dataSync() as Float32Array));
    this.setWeights({
      w1h: values(tf.initializers.orthogonal({ gain: 1, seed: this.seed }), [n, n]),
      w1x: values(tf.initializers.glorotUniform({ seed: this.seed + 1 }), [nFeatures, n]),
      b1: new Float64Array(n),
      w2: values(tf.initializers.glorotUniform({ seed: this.seed + 2 }), [n, 1]),
      b2: new Float64Array(1),
    });
  }

  /** Copies of the weights, row-major float64 with the book's shapes (see setWeights). */
  getWeights(): Weights {
    const [w1h, w1x, w2] = [this.#w1h, this.#w1x, this.#w2].map((w) => check.weightsSet(w));
    const [b1, b2] = [this.#b1.slice(), this.#b2.slice()];
    return { w1h: w1h.toArray(), w1x: w1x.toArray(), b1, w2: w2.toArray(), b2 };
  }

  /**
   * Set the weights (copied, values as given): w1h [nCells, nCells], w1x [features, nCells],
   * b1 [nCells], w2 [nCells, 1], b2 [1], row-major Float64Arrays.
   */
  setWeights(weights: Weights): void {
    const n = this.nCells, features = check.checkWeights(weights, n);
    this.#w1h = np.matrix(weights.w1h, n, n);
    this.#w1x = np.matrix(weights.w1x, features, n);
    this.#b1 = weights.b1.slice();
    this.#w2 = np.matrix(weights.w2, n, 1);
    this.#b2 = weights.b2.slice();
  }

  /** The book's `forpass`: Z2 [m, 1] float64 of x [m, steps, features]; keeps `h` for backprop. */
  forpass(x: NDArray): Float64Array {
    const { z2, h } = this.#forward(x);
    this.#h = h;
    return z2.toArray();
  }

  /** forpass's arithmetic, returning the hidden states instead of keeping them. */
  #forward(x: NDArray): { z2: np.Matrix; h: np.Matrix[] } {
    const [w1h, w1x, w2] = [this.#w1h, this.#w1x, this.#w2].map(check.weightsSet);
    const [m] = check.checkX(x, "x", w1x.rows);
    const h = [np.zeros(m, this.nCells)]; // the initial hidden state [m, cells]
    const seq = np.swapaxes(x, 0, 1); // [steps] of [m, features]
    for (const xt of seq) {
      const z1 = np.add(np.dot(xt, w1x), np.dot(h.at(-1)!, w1h), this.#b1); // [m, cells]
      h.push(np.tanh(z1)); // kept for backprop
    }
    // the book computes z2 inside the loop, where only the last step's is returned
    return { z2: np.add(np.dot(h.at(-1)!, w2), this.#b2), h };
  }

  /**
   * The book's `backprop`: gradients of the mean logistic loss from err = A2 − Y [m, 1] for x
   * [m, steps, features], the input of the last `forpass` (its `h` is used), going back
   * `tbpttSteps` steps. Returns new row-major float64 arrays with the weights' shapes.
   */
  backprop(x: NDArray, err: ArrayLike<number>): Gradients {
    const [m, steps, features] = check.checkX(x, "x", check.weightsSet(this.#w1x).rows);
    const h = this.#h, w1h = this.#w1h!, w2 = this.#w2!, n = this.nCells;
    if (h.length !== steps + 1 || h[0].rows !== m) {
      throw new Error("RecurrentNetwork: backprop needs forpass(x) on the same x first");
    }
    if (err.length !== m) {
      throw new Error(`RecurrentNetwork: err has ${err.length} values, x has ${m} samples`);
    }
    const e = np.matrix(err, m, 1);
    // the output layer's weight and bias (book: np.sum(err) / m, the same for one unit)
    const w2Grad = np.divide(np.dot(np.transpose(h[steps]), e), m);
    const b2Grad = np.divide(np.sum(e, 0), m);
    const seq = np.swapaxes(x, 0, 1); // [steps] of [m, features]
    const w1hGrad = np.zeros(n, n), w1xGrad = np.zeros(features, n), b1Grad = new Float64Array(n);
    // the gradient up to the cells at the last step
    let errToCell = np.multiply(np.dot(e, np.transpose(w2)), np.subtract(1, np.square(h[steps])));
    const w = this.bookBackprop ? w1h : np.transpose(w1h); // book: self.w1h; the gradient: W1hᵀ
    // back through the last tbpttSteps steps: zip(seq[::-1][:10], self.h[:-1][::-1][:10])
    const first = Math.max(0, steps - this.tbpttSteps);
    for (let t = steps - 1; t >= first; t--) {
      np.addInPlace(w1hGrad, np.dot(np.transpose(h[t]), errToCell)); // w1h_grad += ...
      np.addInPlace(w1xGrad, np.dot(np.transpose(seq[t]), errToCell));
      np.addInPlace(b1Grad, np.sum(errToCell, 0));
      if (t === first) break; // the book computes one more err_to_cell, which nothing uses
      // the gradient up to the previous step's cells
      errToCell = np.multiply(np.dot(errToCell, w), np.subtract(1, np.square(h[t])));
    }
    const [w1h_, w1x_] = [w1hGrad, w1xGrad].map((g) => np.divide(g, m).toArray());
    return { w1h: w1h_, w1x: w1x_, b1: np.divide(b1Grad, m), w2: w2Grad.toArray(), b2: b2Grad };
  }

  /**
   * The book's `training`: one gradient-descent step on x [m, steps, features] and y [m] (0/1).
   * Returns A2 [m, 1] float64.
   */
  training(x: NDArray, y: ArrayLike<number>): Float64Array {
    check.checkY(y, check.checkX(x, "x")[0], "y");
    const z = this.forpass(x); // Z2 [m, 1]
    const a = this.sigmoid(z); // A2 [m, 1]
    const err = np.negative(np.subtract(y, a)); // −(y − a)
    const g = this.backprop(x, err);
    // the cells' weights and bias, then the output layer's
    this.#w1h = this.#descend(this.#w1h!, g.w1h);
    this.#w1x = this.#descend(this.#w1x!, g.w1x);
    this.#b1 = np.subtract(this.#b1, np.multiply(this.learningRate, g.b1));
    this.#w2 = this.#descend(this.#w2!, g.w2);
    this.#b2 = np.subtract(this.#b2, np.multiply(this.learningRate, g.b2));
    return a;
  }

  /** w −= lr · grad, keeping w's storage dtype as numpy's in-place `-=` does. */
  #descend(w: np.Matrix, grad: Float64Array): np.Matrix {
    const step = np.multiply(this.learningRate, np.matrix(grad, w.rows, w.cols));
    return np.astype(np.subtract(w, step), this.weightDtype);
  }

  /** forpass's Z2 [m, 1] for x, CHUNK samples at a time (their hidden states are not kept). */
  protected logits(x: NDArray): Float64Array {
    const [m] = check.checkX(x, "x", check.weightsSet(this.#w1x).rows);
    const z = new Float64Array(m);
    for (let start = 0; start < m; start += CHUNK) {
      z.set(this.#forward(np.sliceRows(x, start, Math.min(m, start + CHUNK))).z2.toArray(), start);
    }
    return z;
  }
}
