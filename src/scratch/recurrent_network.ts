/**
 * The chapter's hand-written recurrent network (section 9-1, "순환 신경망 클래스 구현"), ported
 * from the book's numpy class with the same structure and method names.
 *
 * One recurrent layer of `nCells` tanh cells and one sigmoid output unit, for binary
 * classification of sequences. Forward pass of 9-1, for every time step t:
 *
 *   Z1 = X·W1x + Hp·W1h + b1      X [m, features], Hp [m, cells] (the previous H), Z1 [m, cells]
 *   H  = tanh(Z1)                  H [m, cells]
 *
 * and after the last step:
 *
 *   Z2 = H·W2 + b2                 Z2 [m, classes]
 *   A2 = sigmoid(Z2)               A2 [m, classes]
 *
 * Backward pass, with err = A2 − Y = ∂L/∂Z2 (L the summed logistic loss):
 *
 *   ∂L/∂W2 = Hᵀ·err,  ∂L/∂b2 = Σ err,  ∂L/∂Z1 = (err·W2ᵀ) ⊙ (1 − H²)      at the last step
 *   ∂L/∂W1h += Hpᵀ·∂L/∂Z1,  ∂L/∂W1x += Xᵀ·∂L/∂Z1,  ∂L/∂b1 += Σ ∂L/∂Z1   for each step going back
 *   ∂L/∂Z1 (previous step) = (∂L/∂Z1 · W1hᵀ) ⊙ (1 − Hp²)
 *
 * truncated to the last `tbpttSteps` steps (TBPTT, 10 in the book); every gradient is then
 * divided by m. The book's printed code multiplies by W1h instead of W1hᵀ in the last line
 * (`np.dot(err_to_cell, self.w1h)`), which is not the gradient unless W1h is symmetric; the
 * option `bookBackprop: true` reproduces that line exactly.
 *
 * Arithmetic is numpy's in the book: float64 activations and gradients. The book's w1h, w1x
 * and w2 are float32 arrays (TensorFlow's initializers return float32 and numpy's in-place
 * `-=` keeps the dtype), so each update is rounded to float32 (`weightDtype: "float32"`, the
 * default); b1 and b2 are float64 (`np.zeros`).
 *
 * Speed comes from the input's structure, never from changing the arithmetic: a one-hot row of
 * X selects one row of W1x, zero inputs are skipped (identical results for any dense input),
 * and samples whose inputs so far are identical (the padding at the start of pre-padded
 * reviews) share one computation of their identical hidden states. With nCells a multiple of
 * 8 the time steps and the matrix products of backprop run in WebAssembly SIMD
 * (`./wasm_kernels.ts`), bit-identical to the plain loops used otherwise.
 *
 * @example
 * ```ts
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
 * rn.score(x, [1, 0]); // 1
 * ```
 * @module
 */
import { tf } from "../tfjs/tf.ts";
import type { NDArray } from "../data/ndarray.ts";
import { RandomState } from "../data/random_state.ts";
import { type KernelBuffers, tanh, WasmKernels } from "../kernels/_wasm_f64.ts";

/** Options of {@linkcode RecurrentNetwork}, with the book's defaults. */
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
  /**
   * Run the time steps and the matrix products in WebAssembly SIMD when nCells is a multiple
   * of 8 (default true). The results are bit-identical to the plain loops (the same operations
   * in the same order).
   */
  wasmSimd?: boolean;
}

/** The weights, row-major, with the book's shapes. */
export interface RecurrentNetworkWeights {
  /** Hidden-state weights [nCells, nCells]. */
  w1h: Float64Array;
  /** Input weights [features, nCells]. */
  w1x: Float64Array;
  /** Recurrent-layer bias [nCells]. */
  b1: Float64Array;
  /** Output weights [nCells, classes]. */
  w2: Float64Array;
  /** Output bias [classes]. */
  b2: Float64Array;
}

/** Gradients of the mean logistic loss, same names and shapes as {@linkcode RecurrentNetworkWeights}. */
export type RecurrentNetworkGradients = RecurrentNetworkWeights;

/** What `fit` and `fitAsync` report after each epoch. */
export interface RecurrentNetworkEpochLog {
  /** 0-based epoch number. */
  epoch: number;
  /** Epochs of this `fit` call. */
  epochs: number;
  /** Mini-batches per epoch. */
  batches: number;
  /** Mean of the epoch's mini-batch losses (appended to `losses`). */
  loss: number;
  /** Validation loss (appended to `valLosses`), when validation data were given. */
  valLoss?: number;
}

/**
 * What `fitAsync` reports after each mini-batch. The fields match `TrainingProgress`'s
 * `onBatchEnd` logs (src/notebook/display.ts), so `onBatch: progress.onBatchEnd` works as is.
 */
export interface RecurrentNetworkBatchLog {
  /** 0-based epoch number. */
  epoch: number;
  /** Epochs of this `fitAsync` call. */
  epochs: number;
  /** 0-based mini-batch within the epoch. */
  batch: number;
  /** Mini-batches per epoch. */
  batches: number;
  /** Mean of the epoch's mini-batch losses so far. */
  loss: number;
}

/** Options of {@linkcode RecurrentNetwork.fit}. */
export interface RecurrentNetworkFitOptions {
  /** Passes over the training set (book default 100). */
  epochs?: number;
  /** Validation input [mVal, steps, features]. */
  xVal?: NDArray;
  /** Validation targets, 0/1 [mVal]. */
  yVal?: ArrayLike<number>;
  /** Called after every epoch. */
  onEpoch?: (log: RecurrentNetworkEpochLog) => void;
}

/** Options of {@linkcode RecurrentNetwork.fitAsync}: `fit`'s, with awaited callbacks. */
export interface RecurrentNetworkFitAsyncOptions
  extends Omit<RecurrentNetworkFitOptions, "onEpoch"> {
  /** Called after every epoch; a returned promise is awaited before training goes on. */
  onEpoch?: (log: RecurrentNetworkEpochLog) => void | Promise<void>;
  /** Called after every mini-batch; a returned promise is awaited before training goes on. */
  onBatch?: (log: RecurrentNetworkBatchLog) => void | Promise<void>;
  /**
   * Milliseconds of training between two yields to the event loop within an epoch (default
   * 100; 0 yields after every batch). `fitAsync` also yields after every epoch.
   */
  yieldIntervalMs?: number;
}

/** One step of a training run of `fit` / `fitAsync`: a finished mini-batch or epoch. */
type FitStep =
  | { kind: "batch"; log: RecurrentNetworkBatchLog }
  | { kind: "epoch"; log: RecurrentNetworkEpochLog };

/** A mini-batch from {@linkcode RecurrentNetwork.genBatch}. */
export interface RecurrentNetworkBatch {
  /** Inputs [batch, steps, features], x's dtype (a buffer reused by the next batch). */
  x: NDArray;
  /** Targets [batch] (a buffer reused by the next batch). */
  y: Float64Array;
  /** Which samples of the full set, in order [batch]. */
  indexes: Int32Array;
}

/** Row key: the row is all zeros. Keys >= 0 are one-hot columns; ROW_DENSE is anything else. */
const ROW_DENSE = -1;
/** Samples of a chunk in `predict`, `score` and `updateValLoss`. */
const EVAL_CHUNK = 256;

/** The chapter's recurrent network; see the module documentation for the equations. */
export class RecurrentNetwork {
  /** Cells of the recurrent layer. */
  readonly nCells: number;
  /** Mini-batch size of `fit`. */
  readonly batchSize: number;
  /** Learning rate (the book's `lr`). */
  readonly learningRate: number;
  /** Time steps of truncated backpropagation (`Infinity`: all). */
  readonly tbpttSteps: number;
  /** Seed of initialisers and batch order. */
  readonly seed: number;
  /** Whether `backprop` multiplies by W1h (the book's line) instead of W1hᵀ. */
  readonly bookBackprop: boolean;
  /** Storage precision of w1h, w1x, w2. */
  readonly weightDtype: "float32" | "float64";
  /** Whether time steps, products and row keys run in WebAssembly SIMD (see the option). */
  readonly wasmSimd: boolean;
  /** Training loss of each epoch of `fit`. */
  losses: number[] = [];
  /** Validation loss of each epoch of `fit`. */
  valLosses: number[] = [];

  // The weights (null until initWeights or setWeights), row-major, shapes as in the book.
  #w1h: Float64Array | null = null; // [cells, cells]
  #w1x: Float64Array | null = null; // [features, cells]
  #b1: Float64Array | null = null; // [cells]
  #w2: Float64Array | null = null; // [cells, classes]
  #b2: Float64Array | null = null; // [classes]
  #nFeatures = 0;
  #nClasses = 0;

  // Hidden states of the last forpass: [steps + 1, m, cells], h[0] = 0 (the book's self.h).
  #h: Float64Array = new Float64Array(0);
  #hSteps = 0;
  #hSamples = 0;
  #hInput: NDArray | null = null;
  // Work buffers; they grow with the batch and the sequence length, never with the data set.
  #keys = new Int32Array(0); // [m, steps] row keys of the last encoded input
  #keysInput: NDArray | null = null;
  // [features + 1 + m, cells]: the rows of W1x, a zero row, then X·W1x of dense input rows
  #table: Float64Array = new Float64Array(0);
  #w1hT = new Float64Array(0); // [cells, cells] W1hᵀ
  #rep = new Int32Array(0); // [m] the sample whose hidden state sample i shares
  #repAt = new Int32Array(0); // [steps + 1, m] rep of every state of the last forward pass
  #filledFrom = 0; // states before this one hold only their representatives' rows
  #prevRep = new Int32Array(0); // [m]
  #size = new Int32Array(0); // [m] samples sharing each representative
  #prevSize = new Int32Array(0); // [m]
  #active = new Int32Array(0); // [m] the representatives to compute
  #delta = new Float64Array(0); // [m, cells] ∂L/∂Z1 at the current step
  #deltaNext = new Float64Array(0); // [m, cells]
  #hpT = new Float64Array(0); // [cells, m] Hpᵀ
  #deltaT = new Float64Array(0); // [cells, m] (∂L/∂Z1)ᵀ
  #stepSum = new Float64Array(0); // [cells]
  #stepW1x = new Float64Array(0); // [features, cells] Xᵀ·∂L/∂Z1 of one step
  #kernels: WasmKernels | null; // the SIMD kernels, or null for the plain loops
  #batchX: NDArray["data"] = new Float32Array(0); // [batch, steps, features] genBatch's buffer
  #batchY = new Float64Array(0); // [batch]

  /** Make a network; weights come from `initWeights`, `setWeights` or `fit`. */
  constructor(options: RecurrentNetworkOptions = {}) {
    const {
      nCells = 10,
      batchSize = 32,
      learningRate = 0.1,
      tbpttSteps = 10,
      seed = 42,
      bookBackprop = false,
      weightDtype = "float32",
      wasmSimd = true,
    } = options;
    if (!Number.isInteger(nCells) || nCells < 1) {
      throw new Error(`nCells must be a positive integer, got ${nCells}`);
    }
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
    }
    if (!Number.isFinite(learningRate) || learningRate <= 0) {
      throw new Error(`learningRate must be a positive number, got ${learningRate}`);
    }
    if (!(tbpttSteps === Infinity || (Number.isInteger(tbpttSteps) && tbpttSteps >= 1))) {
      throw new Error(`tbpttSteps must be a positive integer or Infinity, got ${tbpttSteps}`);
    }
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    if (weightDtype !== "float32" && weightDtype !== "float64") {
      throw new Error(`weightDtype must be "float32" or "float64", got ${weightDtype}`);
    }
    this.nCells = nCells;
    this.batchSize = batchSize;
    this.learningRate = learningRate;
    this.tbpttSteps = tbpttSteps;
    this.seed = seed;
    this.bookBackprop = bookBackprop;
    this.weightDtype = weightDtype;
    this.#kernels = wasmSimd && nCells % 8 === 0 ? WasmKernels.create() : null;
    this.wasmSimd = this.#kernels !== null;
  }

  /** Whether the weights exist (from `initWeights`, `setWeights` or `fit`). */
  get hasWeights(): boolean {
    return this.#w1h !== null;
  }

  /**
   * Hidden states of the last `forpass` (the book's `self.h`), [steps + 1, m, cells] float64,
   * `h[0]` the zero initial state; a view valid until the next forward pass.
   */
  get h(): NDArray<"float64"> | null {
    if (this.#hInput === null) return null;
    if (this.#filledFrom > 0) this.#fill(0, this.#hSamples, this.#hSteps);
    const shape = [this.#hSteps + 1, this.#hSamples, this.nCells];
    const data = this.#h.subarray(0, shape[0] * shape[1] * shape[2]);
    return { shape, data, dtype: "float64", nbytes: data.byteLength };
  }

  /**
   * The book's `init_weights`: W1h orthogonal, W1x and W2 Glorot-uniform (tfjs initialisers
   * seeded with `seed`, `seed + 1`, `seed + 2`; float32 values as TensorFlow's), b1 and b2 zero.
   */
  initWeights(nFeatures: number, nClasses: number): void {
    positiveInteger("nFeatures", nFeatures);
    positiveInteger("nClasses", nClasses);
    const n = this.nCells;
    const make = (
      init: { apply(shape: number[]): InstanceType<typeof tf.Tensor> },
      shape: number[],
    ) => {
      const tensor = init.apply(shape);
      const values = Float64Array.from(tensor.dataSync()); // float32 values, as TensorFlow's
      tensor.dispose();
      return values;
    };
    const w1h = make(tf.initializers.orthogonal({ gain: 1, seed: this.seed }), [n, n]);
    const w1x = make(tf.initializers.glorotUniform({ seed: this.seed + 1 }), [nFeatures, n]);
    const w2 = make(tf.initializers.glorotUniform({ seed: this.seed + 2 }), [n, nClasses]);
    this.setWeights({ w1h, w1x, b1: new Float64Array(n), w2, b2: new Float64Array(nClasses) });
  }

  /** Copies of the weights, row-major with the book's shapes. */
  getWeights(): RecurrentNetworkWeights {
    return {
      w1h: Float64Array.from(this.#weight(this.#w1h)),
      w1x: Float64Array.from(this.#weight(this.#w1x)),
      b1: Float64Array.from(this.#weight(this.#b1)),
      w2: Float64Array.from(this.#weight(this.#w2)),
      b2: Float64Array.from(this.#weight(this.#b2)),
    };
  }

  /**
   * Set the weights (copied, stored as given): w1h [nCells, nCells], w1x [features, nCells],
   * b1 [nCells], w2 [nCells, classes], b2 [classes].
   */
  setWeights(weights: RecurrentNetworkWeights): void {
    const n = this.nCells;
    const { w1h, w1x, b1, w2, b2 } = weights;
    for (const [name, w] of Object.entries({ w1h, w1x, b1, w2, b2 })) {
      if (!(w instanceof Float64Array)) throw new Error(`${name} must be a Float64Array`);
    }
    if (w1h.length !== n * n) {
      throw new Error(
        `w1h has ${w1h.length} values, [nCells, nCells] = [${n}, ${n}] needs ${n * n}`,
      );
    }
    if (w1x.length === 0 || w1x.length % n !== 0) {
      throw new Error(`w1x has ${w1x.length} values, not a multiple of nCells ${n}`);
    }
    if (b1.length !== n) throw new Error(`b1 has ${b1.length} values, nCells is ${n}`);
    if (b2.length === 0 || w2.length !== n * b2.length) {
      throw new Error(`w2 has ${w2.length} values, [nCells, classes] = [${n}, ${b2.length}]`);
    }
    this.#w1h = Float64Array.from(w1h);
    this.#w1x = Float64Array.from(w1x);
    this.#b1 = Float64Array.from(b1);
    this.#w2 = Float64Array.from(w2);
    this.#b2 = Float64Array.from(b2);
    this.#nFeatures = w1x.length / n;
    this.#nClasses = b2.length;
    this.#keysInput = null; // the table of W1x rows is rebuilt on the next forward pass
  }

  /**
   * The book's `forpass`: run x [m, steps, features] through every step, keep the hidden
   * states in `h`, return Z2 [m, classes] float64 (row-major).
   */
  forpass(x: NDArray): Float64Array {
    const [m, steps] = this.#checkX(x, "x");
    this.#keysInput = null; // x's values may have changed since it was last seen
    this.#wasmBuffers(m, steps);
    this.#encode(x);
    this.#reserveHistory(m, steps);
    this.#forward(x, m, steps, true);
    this.#hInput = x;
    this.#hSteps = steps;
    this.#hSamples = m;
    const z2 = new Float64Array(m * this.#nClasses);
    this.#output(this.#h, steps * m * this.nCells, m, z2, 0);
    return z2;
  }

  /**
   * The book's `backprop`: gradients of the mean logistic loss from err = A2 − Y
   * [m, classes] (float64, row-major), for the x of the last `forpass`, going back
   * `tbpttSteps` steps. Returns new arrays with the weights' shapes.
   */
  backprop(x: NDArray, err: ArrayLike<number>): RecurrentNetworkGradients {
    if (this.#hInput !== x) throw new Error("backprop needs forpass(x) on the same x first");
    const n = this.nCells, classes = this.#nClasses, features = this.#nFeatures;
    const m = this.#hSamples, steps = this.#hSteps;
    if (err.length !== m * classes) {
      throw new Error(
        `err has ${err.length} values, [m, classes] = [${m}, ${classes}] needs ${m * classes}`,
      );
    }
    this.#encode(x);
    const w1h = this.#w1h!, w2 = this.#w2!, h = this.#h, keys = this.#keys;
    const xData = x.data;
    const grads: RecurrentNetworkGradients = {
      w1h: new Float64Array(n * n),
      w1x: new Float64Array(features * n),
      b1: new Float64Array(n),
      w2: new Float64Array(n * classes),
      b2: new Float64Array(classes),
    };
    // ∂L/∂W2 = Hᵀ·err [cells, classes], ∂L/∂b2 = Σ err [classes], with H the last step's.
    const hLast = steps * m * n;
    for (let c = 0; c < n; c++) {
      for (let j = 0; j < classes; j++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += h[hLast + i * n + c] * err[i * classes + j];
        grads.w2[c * classes + j] = s / m;
      }
    }
    for (let j = 0; j < classes; j++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += err[i * classes + j];
      grads.b2[j] = s / m;
    }
    // ∂L/∂Z1 = (err·W2ᵀ) ⊙ (1 − H²) at the last step, [m, cells].
    let delta = this.#delta, deltaNext = this.#deltaNext;
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let j = 0; j < classes; j++) s += err[i * classes + j] * w2[c * classes + j];
        const hv = h[hLast + i * n + c];
        delta[i * n + c] = s * (1 - hv * hv);
      }
    }
    const hpT = this.#hpT, deltaT = this.#deltaT, stepSum = this.#stepSum;
    const back = Math.min(this.tbpttSteps, steps);
    const gemm = this.#kernels, ops = this.#wasmBuffers(m, steps);
    for (let b = 0; b < back; b++) {
      const t = steps - 1 - b; // the step whose input is X_t and previous state Hp = h[t]
      const hp = t * m * n;
      const gh = grads.w1h;
      if (gemm !== null && ops !== null) {
        // ∂L/∂W1h += Hpᵀ [cells, m] · ∂L/∂Z1 [m, cells] in WebAssembly.
        for (let i = 0; i < m; i++) {
          for (let c = 0; c < n; c++) ops.a[c * m + i] = h[hp + i * n + c];
        }
        ops.w.set(delta.subarray(0, m * n));
        gemm.multiply(n, m, n);
        for (let j = 0; j < n * n; j++) gh[j] += ops.s[j];
      } else {
        // Hpᵀ and (∂L/∂Z1)ᵀ [cells, m], so that the products below run over contiguous rows.
        for (let i = 0; i < m; i++) {
          for (let c = 0; c < n; c++) {
            hpT[c * m + i] = h[hp + i * n + c];
            deltaT[c * m + i] = delta[i * n + c];
          }
        }
        // ∂L/∂W1h += Hpᵀ·∂L/∂Z1 [cells, cells], four columns at a time.
        for (let a = 0; a < n; a++) {
          const ao = a * m, go = a * n;
          let c = 0;
          for (; c + 4 <= n; c += 4) {
            const c0 = c * m, c1 = c0 + m, c2 = c1 + m, c3 = c2 + m;
            let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (let i = 0; i < m; i++) {
              const hv = hpT[ao + i];
              s0 += hv * deltaT[c0 + i];
              s1 += hv * deltaT[c1 + i];
              s2 += hv * deltaT[c2 + i];
              s3 += hv * deltaT[c3 + i];
            }
            gh[go + c] += s0;
            gh[go + c + 1] += s1;
            gh[go + c + 2] += s2;
            gh[go + c + 3] += s3;
          }
          for (; c < n; c++) {
            const co = c * m;
            let s = 0;
            for (let i = 0; i < m; i++) s += hpT[ao + i] * deltaT[co + i];
            gh[go + c] += s;
          }
        }
      }
      // ∂L/∂W1x += Xᵀ·∂L/∂Z1 [features, cells], the step's product formed first and then added
      // (the book's `w1x_grad += np.dot(x.T, err_to_cell)`): a one-hot row adds ∂L/∂Z1's row
      // to one row of the product.
      const stepW1x = this.#stepW1x;
      stepW1x.fill(0);
      for (let i = 0; i < m; i++) {
        const key = keys[i * steps + t];
        if (key === features) continue; // a zero row adds nothing
        const di = i * n;
        if (key >= 0) {
          const go = key * n;
          for (let c = 0; c < n; c++) stepW1x[go + c] += delta[di + c];
        } else {
          const xo = (i * steps + t) * features;
          for (let k = 0; k < features; k++) {
            const xv = xData[xo + k];
            if (xv === 0) continue;
            const go = k * n;
            for (let c = 0; c < n; c++) stepW1x[go + c] += xv * delta[di + c];
          }
        }
      }
      for (let j = 0; j < features * n; j++) grads.w1x[j] += stepW1x[j];
      // ∂L/∂b1 += Σ ∂L/∂Z1 over samples [cells]
      stepSum.fill(0);
      for (let i = 0; i < m; i++) {
        for (let c = 0; c < n; c++) stepSum[c] += delta[i * n + c];
      }
      for (let c = 0; c < n; c++) grads.b1[c] += stepSum[c];
      if (b === back - 1) break; // the book computes one more ∂L/∂Z1 that nothing uses
      // ∂L/∂Z1 of the previous step = (∂L/∂Z1 · W1hᵀ) ⊙ (1 − Hp²)   [m, cells]
      // (book: ∂L/∂Z1 · W1h, i.e. this.#w1hT's rows in place of W1h's)
      const w = this.bookBackprop ? this.#w1hT : w1h;
      if (gemm !== null && ops !== null) {
        // ∂L/∂Z1 [m (even), cells] · W1hᵀ [cells, cells] (book: · W1h) in WebAssembly.
        const rows = m + (m & 1);
        ops.a.set(delta.subarray(0, m * n));
        ops.a.fill(0, m * n, rows * n);
        ops.w.set(this.bookBackprop ? w1h : this.#w1hT);
        gemm.multiply(rows, n, n);
        for (let j = 0; j < m * n; j++) {
          const hv = h[hp + j];
          deltaNext[j] = ops.s[j] * (1 - hv * hv);
        }
        [delta, deltaNext] = [deltaNext, delta];
        continue;
      }
      for (let i = 0; i < m; i++) {
        const di = i * n, ho = hp + di;
        let a = 0;
        for (; a + 4 <= n; a += 4) {
          const w0 = a * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n;
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          for (let c = 0; c < n; c++) {
            const d = delta[di + c];
            s0 += d * w[w0 + c];
            s1 += d * w[w1 + c];
            s2 += d * w[w2 + c];
            s3 += d * w[w3 + c];
          }
          const h0 = h[ho + a], h1 = h[ho + a + 1], h2 = h[ho + a + 2], h3 = h[ho + a + 3];
          deltaNext[di + a] = s0 * (1 - h0 * h0);
          deltaNext[di + a + 1] = s1 * (1 - h1 * h1);
          deltaNext[di + a + 2] = s2 * (1 - h2 * h2);
          deltaNext[di + a + 3] = s3 * (1 - h3 * h3);
        }
        for (; a < n; a++) {
          const wo = a * n;
          let s = 0;
          for (let c = 0; c < n; c++) s += delta[di + c] * w[wo + c];
          const hv = h[ho + a];
          deltaNext[di + a] = s * (1 - hv * hv);
        }
      }
      [delta, deltaNext] = [deltaNext, delta];
    }
    for (let i = 0; i < n * n; i++) grads.w1h[i] /= m;
    for (let i = 0; i < features * n; i++) grads.w1x[i] /= m;
    for (let c = 0; c < n; c++) grads.b1[c] /= m;
    return grads;
  }

  /** The book's `sigmoid`: 1 / (1 + exp(−z)) with z clipped below at −100; a new array. */
  sigmoid(z: ArrayLike<number>): Float64Array {
    const a = new Float64Array(z.length);
    for (let i = 0; i < z.length; i++) {
      const zi = z[i] < -100 ? -100 : z[i];
      a[i] = 1 / (1 + Math.exp(-zi));
    }
    return a;
  }

  /**
   * The book's `training`: one gradient-descent step on the mini-batch x [m, steps, features],
   * y [m] (0/1; the book's column vector). Returns the activations A2 [m, classes] float64.
   */
  training(x: NDArray, y: ArrayLike<number>): Float64Array {
    const [m] = this.#checkX(x, "x");
    checkY(y, m, "y");
    const z = this.forpass(x); // forward pass, Z2 [m, classes]
    const a = this.sigmoid(z); // A2 [m, classes]
    const classes = this.#nClasses;
    const err = new Float64Array(m * classes); // err = −(Y − A2)
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < classes; j++) err[i * classes + j] = -(y[i] - a[i * classes + j]);
    }
    const g = this.backprop(x, err);
    const lr = this.learningRate;
    const w1h = this.#w1h!, w1x = this.#w1x!, b1 = this.#b1!, w2 = this.#w2!, b2 = this.#b2!;
    // Cell weights and bias, then the output layer's (float32 storage as the book's arrays).
    update(w1h, g.w1h, lr, this.weightDtype);
    update(w1x, g.w1x, lr, this.weightDtype);
    update(b1, g.b1, lr, "float64");
    update(w2, g.w2, lr, this.weightDtype);
    update(b2, g.b2, lr, "float64");
    this.#keysInput = null; // W1x changed: rebuild the row table next time
    return a;
  }

  /**
   * The book's `gen_batch`: shuffle the sample order with `random.permutation(m)` and yield
   * mini-batches of `batchSize` in that order (the last one shorter). The yielded arrays are
   * buffers reused by the next batch.
   */
  *genBatch(
    x: NDArray,
    y: ArrayLike<number>,
    random: RandomState,
  ): Generator<RecurrentNetworkBatch> {
    const [m, steps, features] = this.#checkX(x, "x", false);
    checkY(y, m, "y");
    const bins = Math.ceil(m / this.batchSize); // mini-batches, the last one shorter
    const indexes = random.permutation(m);
    const row = steps * features;
    const size = Math.min(this.batchSize, m);
    if (this.#batchX.length !== size * row || this.#batchX.constructor !== x.data.constructor) {
      const Data = x.data.constructor as new (length: number) => NDArray["data"];
      this.#batchX = new Data(size * row);
    }
    if (this.#batchY.length !== size) this.#batchY = new Float64Array(size);
    const xData = x.data;
    for (let b = 0; b < bins; b++) {
      const start = this.batchSize * b, end = Math.min(m, this.batchSize * (b + 1));
      const count = end - start;
      const xb = this.#batchX.subarray(0, count * row), yb = this.#batchY.subarray(0, count);
      for (let i = 0; i < count; i++) {
        const s = indexes[start + i];
        xb.set(xData.subarray(s * row, (s + 1) * row), i * row);
        yb[i] = y[s];
      }
      yield {
        x: { shape: [count, steps, features], data: xb, dtype: x.dtype, nbytes: xb.byteLength },
        y: yb,
        indexes: indexes.subarray(start, end),
      };
    }
  }

  /**
   * The book's `fit`: `epochs` passes of mini-batch gradient descent over x [m, steps, features]
   * and y [m] (0/1), recording the mean batch loss per epoch in `losses` and, with
   * `xVal`/`yVal`, the validation loss in `valLosses`. Batch order as the book's after
   * `np.random.seed(seed)`; weights initialised only if none were set. Synchronous: in a
   * notebook, use {@linkcode RecurrentNetwork.fitAsync} to see progress while it trains.
   */
  fit(x: NDArray, y: ArrayLike<number>, options: RecurrentNetworkFitOptions = {}): this {
    for (const step of this.#fitSteps(x, y, options)) {
      if (step.kind === "epoch") options.onEpoch?.(step.log);
    }
    return this;
  }

  /**
   * `fit` that lets the event loop run while it trains, so a notebook's progress line
   * (`TrainingProgress`) can update: it awaits `onBatch` after every mini-batch and `onEpoch`
   * after every epoch, and yields to the event loop after every epoch and whenever
   * `yieldIntervalMs` of training passed since the last yield. x [m, steps, features], y [m]
   * (0/1), xVal [mVal, steps, features], yVal [mVal] as in `fit`, which runs the same code:
   * the batches, weights, `losses` and `valLosses` are bit-identical to `fit`'s. Callbacks may
   * read the network (e.g. `score`) but must not train it.
   *
   * @example
   * ```ts
   * import { RecurrentNetwork } from "./recurrent_network.ts";
   * import { TrainingProgress } from "../notebook/display.ts";
   * import { ndarray } from "../data/ndarray.ts";
   *
   * // two sequences of 3 steps over 2 symbols, one-hot: [2, 3, 2]
   * const x = ndarray({ shape: [2, 3, 2], dtype: "float32", data: new Float32Array([
   *   1, 0, 0, 1, 1, 0,
   *   0, 1, 0, 1, 0, 1,
   * ]) });
   * const rn = new RecurrentNetwork({ nCells: 4, learningRate: 0.5, seed: 1 });
   * const progress = new TrainingProgress({ label: "RecurrentNetwork(4)", epochs: 50 });
   * await rn.fitAsync(x, [1, 0], {
   *   epochs: 50,
   *   onBatch: progress.onBatchEnd,
   *   onEpoch: ({ epoch, loss }) => progress.onEpochEnd({ epoch, loss }),
   * });
   * await progress.finish();
   * rn.losses.length; // 50
   * ```
   */
  async fitAsync(
    x: NDArray,
    y: ArrayLike<number>,
    options: RecurrentNetworkFitAsyncOptions = {},
  ): Promise<this> {
    const { onBatch, onEpoch, yieldIntervalMs = 100 } = options;
    if (!(yieldIntervalMs >= 0)) {
      throw new Error(`yieldIntervalMs must be a non-negative number, got ${yieldIntervalMs}`);
    }
    let lastYield = performance.now();
    for (const step of this.#fitSteps(x, y, options)) {
      if (step.kind === "batch") {
        await onBatch?.(step.log);
        if (performance.now() - lastYield < yieldIntervalMs) continue;
      } else {
        await onEpoch?.(step.log);
      }
      await nextMacrotask(); // timers, I/O and display messages run here
      lastYield = performance.now();
    }
    return this;
  }

  /**
   * The body of `fit` and `fitAsync`: check the data, initialise the weights if none were set,
   * then train, yielding after every mini-batch (its running loss) and after every epoch (its
   * loss, appended to `losses`, and the validation loss, appended to `valLosses`). The caller
   * decides what runs between the steps; the arithmetic is the same for both.
   */
  *#fitSteps(
    x: NDArray,
    y: ArrayLike<number>,
    options: RecurrentNetworkFitOptions,
  ): Generator<FitStep> {
    const { epochs = 100, xVal, yVal } = options;
    if (!Number.isInteger(epochs) || epochs < 0) {
      throw new Error(`epochs must be a non-negative integer, got ${epochs}`);
    }
    const [m, , features] = this.#checkX(x, "x", false);
    checkY(y, m, "y");
    if ((xVal === undefined) !== (yVal === undefined)) {
      throw new Error("xVal and yVal must be given together");
    }
    if (xVal !== undefined) checkY(yVal!, this.#checkX(xVal, "xVal", false)[0], "yVal");
    const random = new RandomState(this.seed); // np.random.seed(42)
    if (!this.hasWeights) this.initWeights(features, 1); // y is a column: one class
    if (this.#nClasses !== 1) {
      throw new Error(`fit needs one output class, weights have ${this.#nClasses}`);
    }
    this.#checkX(x, "x");
    if (xVal !== undefined) this.#checkX(xVal, "xVal");
    const batches = Math.ceil(m / this.batchSize); // genBatch's mini-batches per epoch
    for (let epoch = 0; epoch < epochs; epoch++) {
      let lossSum = 0, done = 0; // done: mini-batches trained in this epoch
      for (const batch of this.genBatch(x, y, random)) {
        const a = this.training(batch.x, batch.y);
        lossSum += logLoss(a, batch.y);
        done++;
        yield {
          kind: "batch",
          log: { epoch, epochs, batch: done - 1, batches, loss: lossSum / done },
        };
      }
      const log: RecurrentNetworkEpochLog = { epoch, epochs, batches, loss: lossSum / done };
      this.losses.push(log.loss);
      if (xVal !== undefined) log.valLoss = this.updateValLoss(xVal, yVal!);
      yield { kind: "epoch", log };
    }
  }

  /** The book's `predict`: Z2 > 0 for x [m, steps, features]; 0/1 [m, classes] (Uint8Array). */
  predict(x: NDArray): Uint8Array {
    const z = this.#logits(x);
    const out = new Uint8Array(z.length);
    for (let i = 0; i < z.length; i++) out[i] = z[i] > 0 ? 1 : 0;
    return out;
  }

  /** The book's `score`: the fraction of samples whose prediction equals y [m] (0/1). */
  score(x: NDArray, y: ArrayLike<number>): number {
    checkY(y, this.#checkX(x, "x")[0], "y");
    const p = this.predict(x);
    const classes = this.#nClasses;
    let equal = 0;
    for (let i = 0; i < p.length; i++) if (p[i] === y[Math.floor(i / classes)]) equal++;
    return equal / p.length;
  }

  /** The book's `update_val_loss`: append (and return) the mean logistic loss on the set. */
  updateValLoss(xVal: NDArray, yVal: ArrayLike<number>): number {
    checkY(yVal, this.#checkX(xVal, "xVal")[0], "yVal");
    const a = this.sigmoid(this.#logits(xVal));
    const loss = logLoss(a, yVal);
    this.valLosses.push(loss);
    return loss;
  }

  // ---- internals ----

  #weight(w: Float64Array | null): Float64Array {
    if (w === null) throw new Error("No weights yet: call initWeights, setWeights or fit first");
    return w;
  }

  /** Check x is [m, steps, features] (features equal to the weights' when `againstWeights`). */
  #checkX(x: NDArray, name: string, againstWeights = true): [number, number, number] {
    if (!x || !Array.isArray(x.shape) || x.shape.length !== 3) {
      throw new Error(
        `${name} must be [samples, steps, features], got shape ${JSON.stringify(x?.shape)}`,
      );
    }
    const [m, steps, features] = x.shape;
    if (m < 1 || steps < 1 || features < 1) {
      throw new Error(`${name} has an empty dimension: [${x.shape.join(", ")}]`);
    }
    if (!x.data || x.data.length !== m * steps * features) {
      throw new Error(
        `${name}.data has ${x.data?.length} values, shape [${x.shape.join(", ")}] needs ${
          m * steps * features
        }`,
      );
    }
    if (againstWeights) {
      this.#weight(this.#w1h);
      if (features !== this.#nFeatures) {
        throw new Error(`${name} has ${features} features, the weights expect ${this.#nFeatures}`);
      }
    }
    return [m, steps, features];
  }

  /** Grow the work buffers to m samples of `steps` steps. */
  #reserve(m: number, steps: number): void {
    const n = this.nCells, features = this.#nFeatures;
    if (this.#keys.length < m * steps) this.#keys = new Int32Array(m * steps);
    if (this.#repAt.length < m * (steps + 1)) this.#repAt = new Int32Array(m * (steps + 1));
    if (this.#table.length < (features + 1 + m) * n) {
      this.#table = new Float64Array((features + 1 + m) * n);
    }
    if (this.#w1hT.length !== n * n) this.#w1hT = new Float64Array(n * n);
    if (this.#stepW1x.length !== features * n) this.#stepW1x = new Float64Array(features * n);
    if (this.#rep.length < m) {
      this.#rep = new Int32Array(m);
      this.#prevRep = new Int32Array(m);
      this.#size = new Int32Array(m);
      this.#prevSize = new Int32Array(m);
      this.#active = new Int32Array(m);
      this.#delta = new Float64Array(m * n);
      this.#deltaNext = new Float64Array(m * n);
      this.#hpT = new Float64Array(m * n);
      this.#deltaT = new Float64Array(m * n);
      this.#stepSum = new Float64Array(n);
    }
  }

  /**
   * With the SIMD kernels, the work buffers for m samples of `steps` steps in their memory
   * (hidden states and the X·W1x table included: `#h` and `#table` become views of it);
   * null without them. Call before filling `#table` (growing the memory loses contents).
   */
  #wasmBuffers(m: number, steps: number): KernelBuffers | null {
    if (this.#kernels === null) return null;
    const n = this.nCells, rows = m + (m & 1), wide = Math.max(rows, n) * n;
    const buffers = this.#kernels.reserve({
      a: rows * n,
      w: wide,
      s: wide,
      h: (steps + 1) * m * n,
      table: (this.#nFeatures + 1 + m) * n,
      bias: n,
      list: 3 * rows,
      x: m * steps * this.#nFeatures,
      keys: m * steps,
    });
    this.#h = buffers.h;
    this.#table = buffers.table;
    return buffers;
  }

  #reserveHistory(m: number, steps: number): void {
    const need = (steps + 1) * m * this.nCells;
    if (this.#h.length < need) this.#h = new Float64Array(need);
  }

  /**
   * Key every row of x [m, steps, features]: the column of a one-hot row (a single 1), `features`
   * for a zero row, ROW_DENSE otherwise. Also copy W1x and W1hᵀ into the work table.
   */
  #encode(x: NDArray): void {
    if (this.#keysInput === x) return;
    const [m, steps, features] = x.shape;
    this.#reserve(m, steps);
    const keys = this.#keys, data = x.data, kernels = this.#kernels;
    if (kernels !== null && data instanceof Float32Array && features % 4 === 0) {
      // In WebAssembly, four values at a time (the buffers were reserved by #wasmBuffers).
      const buffers = kernels.reserve({});
      buffers.x.set(data);
      kernels.keys(m * steps, features);
      keys.set(buffers.keys.subarray(0, m * steps));
    } else {
      this.#encodeRows(data, m * steps, features);
    }
    const n = this.nCells, w1h = this.#w1h!, w1hT = this.#w1hT;
    this.#table.set(this.#w1x!);
    this.#table.fill(0, features * n, (features + 1) * n);
    for (let a = 0; a < n; a++) for (let c = 0; c < n; c++) w1hT[c * n + a] = w1h[a * n + c];
    this.#keysInput = x;
  }

  /** `#encode`'s row keys in plain loops: `rows` rows of `features` values of data. */
  #encodeRows(data: NDArray["data"], rows: number, features: number): void {
    const keys = this.#keys;
    // float32 rows of even length: test two values at once through a float64 view (a float64
    // is ±0 only when both halves are float32 zeros; anything else is looked at value by value).
    const pairs = data instanceof Float32Array && features % 2 === 0 && data.byteOffset % 8 === 0
      ? new Float64Array(data.buffer, data.byteOffset, data.length / 2)
      : null;
    for (let r = 0; r < rows; r++) {
      const o = r * features;
      let key = features;
      if (pairs !== null) {
        const half = features / 2, po = o / 2;
        for (let p = 0; p < half; p++) {
          if (pairs[po + p] === 0) continue;
          for (let k = 2 * p; k < 2 * p + 2; k++) {
            const v = data[o + k];
            if (v === 0) continue;
            key = key === features && v === 1 ? k : ROW_DENSE;
          }
          if (key === ROW_DENSE) break;
        }
      } else {
        for (let k = 0; k < features; k++) {
          const v = data[o + k];
          if (v === 0) continue;
          key = key === features && v === 1 ? k : ROW_DENSE;
          if (key === ROW_DENSE) break;
        }
      }
      keys[r] = key;
    }
  }

  /**
   * Forward pass over the encoded x: H_t = tanh(X_t·W1x + H_{t−1}·W1h + b1) for every step,
   * written to `#h` as [steps + 1, m, cells] (when `history`) or ping-ponging between two
   * [m, cells] slots of it. Returns the offset of the last H in `#h`.
   */
  #forward(x: NDArray, m: number, steps: number, history: boolean): number {
    const n = this.nCells, features = this.#nFeatures;
    const h = this.#h, table = this.#table, w1hT = this.#w1hT, b1 = this.#b1!, keys = this.#keys;
    const xData = x.data;
    let rep = this.#rep, prevRep = this.#prevRep, size = this.#size, prevSize = this.#prevSize;
    const active = this.#active, repAt = this.#repAt;
    const slot = (t: number) => (history ? t : t % 2) * m * n;
    const kernels = this.#kernels, buffers = kernels === null ? null : this.#wasmBuffers(m, steps);
    buffers?.w.set(this.#w1h!); // W1h [cells, cells] and b1 [cells] for the step kernel
    buffers?.bias.set(b1);
    h.fill(0, 0, m * n); // H_0 = 0 [m, cells]
    // Before the first step every sample has the same (zero) state: one group, led by sample 0.
    prevRep.fill(0, 0, m);
    prevSize.fill(0, 0, m);
    prevSize[0] = m;
    const denseRow = (features + 1) * n; // table rows after W1x and the zero row
    for (let t = 0; t < steps; t++) {
      const hp = slot(t), hn = slot(t + 1);
      // Group samples whose inputs so far are identical: they have identical hidden states.
      size.fill(0, 0, m);
      let nActive = 0;
      for (let i = 0; i < m; i++) {
        const key = keys[i * steps + t];
        let r = i;
        const pr = prevRep[i];
        if (key !== ROW_DENSE && prevSize[pr] > 1) {
          for (let j = pr; j < i; j++) {
            if (rep[j] === j && prevRep[j] === pr && keys[j * steps + t] === key) {
              r = j;
              break;
            }
          }
        }
        rep[i] = r;
        size[r]++;
        if (r === i) active[nActive++] = i;
      }
      if (history) repAt.set(rep.subarray(0, m), (t + 1) * m);
      // X_t·W1x [m, cells] for rows that are not one-hot: sum over the non-zero inputs.
      for (let q = 0; q < nActive; q++) {
        const i = active[q];
        if (keys[i * steps + t] !== ROW_DENSE) continue;
        const to = denseRow + i * n, xo = (i * steps + t) * features;
        table.fill(0, to, to + n);
        for (let k = 0; k < features; k++) {
          const xv = xData[xo + k];
          if (xv === 0) continue;
          for (let c = 0; c < n; c++) table[to + c] += xv * table[k * n + c];
        }
      }
      // Z1 = X_t·W1x + Hp·W1h + b1, H = tanh(Z1). A sample's Hp is read from the row of the
      // sample it shared the previous state with.
      if (kernels !== null && buffers !== null) {
        // In WebAssembly: for each active sample, the addresses of its Hp, X_t·W1x and H rows
        // (an even number of rows: the last one again for an odd count).
        const list = buffers.list, hAt = buffers.h.byteOffset, tableAt = buffers.table.byteOffset;
        let e = 0;
        for (let q = 0; q < nActive; q++) {
          const i = active[q];
          list[e++] = hAt + 8 * (hp + prevRep[i] * n);
          list[e++] = tableAt + 8 * xRow(keys[i * steps + t], i, features, n);
          list[e++] = hAt + 8 * (hn + i * n);
        }
        if (nActive & 1) list.copyWithin(e, e - 3, e);
        kernels.step(nActive + (nActive & 1), n);
        [rep, prevRep] = [prevRep, rep];
        [size, prevSize] = [prevSize, size];
        continue;
      }
      // The same in plain loops, four samples at a time.
      let q = 0;
      for (; q + 4 <= nActive; q += 4) {
        const i0 = active[q], i1 = active[q + 1], i2 = active[q + 2], i3 = active[q + 3];
        const p0 = hp + prevRep[i0] * n, p1 = hp + prevRep[i1] * n;
        const p2 = hp + prevRep[i2] * n, p3 = hp + prevRep[i3] * n;
        const x0 = xRow(keys[i0 * steps + t], i0, features, n);
        const x1 = xRow(keys[i1 * steps + t], i1, features, n);
        const x2 = xRow(keys[i2 * steps + t], i2, features, n);
        const x3 = xRow(keys[i3 * steps + t], i3, features, n);
        const o0 = hn + i0 * n, o1 = hn + i1 * n, o2 = hn + i2 * n, o3 = hn + i3 * n;
        for (let c = 0; c < n; c++) {
          const wo = c * n;
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          for (let k = 0; k < n; k++) {
            const w = w1hT[wo + k];
            s0 += h[p0 + k] * w;
            s1 += h[p1 + k] * w;
            s2 += h[p2 + k] * w;
            s3 += h[p3 + k] * w;
          }
          const bc = b1[c];
          h[o0 + c] = tanh(table[x0 + c] + s0 + bc);
          h[o1 + c] = tanh(table[x1 + c] + s1 + bc);
          h[o2 + c] = tanh(table[x2 + c] + s2 + bc);
          h[o3 + c] = tanh(table[x3 + c] + s3 + bc);
        }
      }
      for (; q + 2 <= nActive; q += 2) {
        const i0 = active[q], i1 = active[q + 1];
        const p0 = hp + prevRep[i0] * n, p1 = hp + prevRep[i1] * n;
        const x0 = xRow(keys[i0 * steps + t], i0, features, n);
        const x1 = xRow(keys[i1 * steps + t], i1, features, n);
        const o0 = hn + i0 * n, o1 = hn + i1 * n;
        for (let c = 0; c < n; c++) {
          const wo = c * n;
          let s0 = 0, s1 = 0;
          for (let k = 0; k < n; k++) {
            const w = w1hT[wo + k];
            s0 += h[p0 + k] * w;
            s1 += h[p1 + k] * w;
          }
          h[o0 + c] = tanh(table[x0 + c] + s0 + b1[c]);
          h[o1 + c] = tanh(table[x1 + c] + s1 + b1[c]);
        }
      }
      for (; q < nActive; q++) {
        const i = active[q], p = hp + prevRep[i] * n, o = hn + i * n;
        const xr = xRow(keys[i * steps + t], i, features, n);
        for (let c = 0; c < n; c++) {
          const wo = c * n;
          let s = 0;
          for (let k = 0; k < n; k++) s += h[p + k] * w1hT[wo + k];
          h[o + c] = tanh(table[xr + c] + s + b1[c]);
        }
      }
      [rep, prevRep] = [prevRep, rep];
      [size, prevSize] = [prevSize, size];
    }
    this.#rep = rep;
    this.#prevRep = prevRep;
    this.#size = size;
    this.#prevSize = prevSize;
    // Samples that shared a state get their copy of it where it is read: the states backprop
    // uses (the rest when `h` is read), or the last state.
    if (history) {
      const from = steps - Math.min(this.tbpttSteps, steps);
      this.#fill(from, m, steps);
      this.#filledFrom = from;
    } else {
      const last = slot(steps);
      for (let i = 0; i < m; i++) copyRow(h, last + prevRep[i] * n, last + i * n, n);
    }
    return slot(steps);
  }

  /** Copy the shared hidden states into every sample's row, for states from..steps. */
  #fill(from: number, m: number, steps: number): void {
    const n = this.nCells, h = this.#h, repAt = this.#repAt;
    for (let t = Math.max(from, 1); t <= steps; t++) {
      for (let i = 0; i < m; i++) copyRow(h, (t * m + repAt[t * m + i]) * n, (t * m + i) * n, n);
    }
    this.#filledFrom = 0;
  }

  /** Z2 = H·W2 + b2 for m samples whose H starts at `offset` in `h`; into z2 from `at`. */
  #output(h: Float64Array, offset: number, m: number, z2: Float64Array, at: number): void {
    const n = this.nCells, classes = this.#nClasses, w2 = this.#w2!, b2 = this.#b2!;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < classes; j++) {
        let s = 0;
        for (let c = 0; c < n; c++) s += h[offset + i * n + c] * w2[c * classes + j];
        z2[at + i * classes + j] = s + b2[j];
      }
    }
  }

  /** Z2 [m, classes] for x, in chunks of EVAL_CHUNK samples, keeping no history. */
  #logits(x: NDArray): Float64Array {
    const [m, steps, features] = this.#checkX(x, "x");
    const z2 = new Float64Array(m * this.#nClasses);
    const chunk = Math.min(m, EVAL_CHUNK);
    const row = steps * features;
    this.#keysInput = null;
    this.#wasmBuffers(chunk, steps);
    this.#reserveHistory(chunk, 1);
    for (let start = 0; start < m; start += chunk) {
      const count = Math.min(chunk, m - start);
      const data = x.data.subarray(start * row, (start + count) * row);
      const part: NDArray = {
        shape: [count, steps, features],
        data,
        dtype: x.dtype,
        nbytes: data.byteLength,
      };
      this.#encode(part);
      const last = this.#forward(part, count, steps, false);
      this.#output(this.#h, last, count, z2, start * this.#nClasses);
    }
    this.#keysInput = null;
    this.#hInput = null; // the history no longer belongs to a forpass input
    return z2;
  }
}

/** w −= lr · g, rounding each result to float32 for a float32 array. */
function update(w: Float64Array, g: Float64Array, lr: number, dtype: "float32" | "float64"): void {
  if (dtype === "float32") {
    for (let i = 0; i < w.length; i++) w[i] = Math.fround(w[i] - lr * g[i]);
  } else {
    for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
  }
}

/** h[to..to+n) = h[from..from+n) (nothing when from === to). */
function copyRow(h: Float64Array, from: number, to: number, n: number): void {
  if (from === to) return;
  for (let c = 0; c < n; c++) h[to + c] = h[from + c];
}

/** Offset in the work table of row i's X·W1x: a W1x row, the zero row, or a dense row. */
function xRow(key: number, i: number, features: number, n: number): number {
  if (key >= 0) return key * n; // one-hot column key (key === features: the zero row)
  return (features + 1 + i) * n;
}

/** Mean logistic loss of activations a [m, classes] against y [m], a clipped to [1e-10, 1 − 1e-10]. */
function logLoss(a: ArrayLike<number>, y: ArrayLike<number>): number {
  const classes = a.length / y.length;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const ai = Math.min(Math.max(a[i], 1e-10), 1 - 1e-10);
    const yi = y[Math.floor(i / classes)];
    s += -(yi * Math.log(ai) + (1 - yi) * Math.log(1 - ai));
  }
  return s / a.length;
}

/** Resolves after the event loop ran its pending timers and I/O (a zero-delay timer). */
function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function positiveInteger(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) {
    throw new Error(`${name} must be a positive integer, got ${v}`);
  }
}

/** Check y is m values of 0 or 1. */
function checkY(y: ArrayLike<number>, m: number, name: string): void {
  if (!y || typeof y.length !== "number") throw new Error(`${name} must be an array of 0/1`);
  if (y.length !== m) throw new Error(`${name} has ${y.length} values, x has ${m} samples`);
  for (let i = 0; i < m; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new Error(`${name}[${i}] is ${y[i]}, expected 0 or 1`);
  }
}
