/**
 * The chapter's three TensorFlow models (9-3 and 9-4), built as the book builds them in Keras:
 *
 * | kind | layers | optimizer | params |
 * | --- | --- | --- | --- |
 * | `"simple_rnn_onehot"` | SimpleRNN(32) on one-hot [100, 100] + Dense(1, sigmoid) | sgd 0.01 | 4,289 |
 * | `"embedding_simple_rnn"` | Embedding(1000, 32) + SimpleRNN(8) + Dense(1, sigmoid) | adam 1e-3 | 32,337 |
 * | `"embedding_lstm"` | Embedding(1000, 32) + LSTM(8) + Dense(1, sigmoid) | adam 1e-3 | 33,321 |
 *
 * and the variants a reader tries next ({@link VARIANT_KINDS}, issue 10; peers.py's names):
 *
 * | kind | layers | optimizer | params |
 * | --- | --- | --- | --- |
 * | `"embedding_gru"` | Embedding(1000, 32) + GRU(8) + Dense(1, sigmoid) | adam 1e-3 | 32,993 |
 *
 * Where tfjs defaults differ from TensorFlow 2's Keras, Keras wins: Glorot-uniform kernels,
 * orthogonal recurrent kernels, zero biases, LSTM `recurrentActivation: "sigmoid"` with
 * `unitForgetBias`, Embedding uniform(-0.05, 0.05), Adam epsilon 1e-7. Every initializer is seeded
 * from one `seed`, so the same seed builds the same weights.
 *
 * `fused: true` (the default) swaps in the whole-sequence `fusedSimpleRNN` / `fusedLSTM` /
 * `fusedGRU` layers
 * and the one-loop `fusedAdam`: same arithmetic, ~10x faster training on the `cpu` backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildModel, MODEL_SPECS } from "./models.ts";
 *
 * const model = buildModel("embedding_lstm", { seed: 42 });
 * assert.equal(model.countParams(), 33321); // model.summary() prints "Total params: 33321"
 * assert.equal(model.countParams(), MODEL_SPECS.embedding_lstm.params);
 * assert.deepEqual(model.layers.map((layer) => layer.getClassName()), [
 *   "Embedding",
 *   "LSTM", // the fused layer, saved as tfjs's LSTM
 *   "Dense",
 * ]);
 * // the same seed, the same initial weights
 * const again = buildModel("embedding_lstm", { seed: 42 });
 * assert.deepEqual(again.getWeights()[1].dataSync(), model.getWeights()[1].dataSync());
 * ```
 * @module
 */
import { tf } from "./tf.ts";
import { fusedGRU, fusedLSTM, fusedSimpleRNN } from "./fused_rnn.ts";
import { fusedAdam } from "./fused_adam.ts";
import { layers } from "./layers.ts";
import { setRandomSeed } from "./random_seed.ts";
import "./fast_road.ts"; // model.fit, evaluate and trainOnBatch of these models: the fast step
import { KERAS_EPSILON } from "../kernels/logistic_loss.ts";

/** A tfjs `Sequential` model (the type of `tf.sequential()`). */
export type Sequential = ReturnType<typeof tf.sequential>;

/** The chapter's models and their variants, by the name the bench and the notebooks use. */
export type ModelKind =
  | "simple_rnn_onehot"
  | "embedding_simple_rnn"
  | "embedding_lstm"
  | "embedding_gru";

/** The chapter's model kinds, in the chapter's order. */
export const MODEL_KINDS: readonly ModelKind[] = Object.freeze([
  "simple_rnn_onehot",
  "embedding_simple_rnn",
  "embedding_lstm",
]);

/** The variants a reader tries after the chapter (issue 10): 9-4's model with another layer. */
export const VARIANT_KINDS: readonly ModelKind[] = Object.freeze(["embedding_gru"]);

/** Time steps per review after padding: the book's `maxlen = 100`. */
export const MAXLEN = 100;

/** What each model expects and how the book trains it. */
export interface ModelSpec {
  /** Vocabulary size: `num_words` of `imdb.load_data` (and the one-hot width or embedding rows). */
  readonly numWords: number;
  /** Input is one-hot float32 [batch, 100, numWords] (true) or int32 word ids [batch, 100]. */
  readonly oneHot: boolean;
  /** Epochs the book trains for. */
  readonly epochs: number;
  /** Units of the recurrent layer. */
  readonly units: number;
  /** Trainable parameters, as the book's `model.summary()` prints them. */
  readonly params: number;
}

/** The book's settings for each model. */
export const MODEL_SPECS: Readonly<Record<ModelKind, ModelSpec>> = Object.freeze({
  simple_rnn_onehot: { numWords: 100, oneHot: true, epochs: 20, units: 32, params: 4289 },
  embedding_simple_rnn: { numWords: 1000, oneHot: false, epochs: 10, units: 8, params: 32337 },
  embedding_lstm: { numWords: 1000, oneHot: false, epochs: 10, units: 8, params: 33321 },
  embedding_gru: { numWords: 1000, oneHot: false, epochs: 10, units: 8, params: 32993 },
});

/** Options of {@linkcode buildModel}. */
export interface BuildModelOptions {
  /**
   * Use the fused whole-sequence SimpleRNN/LSTM layers and the fused Adam (default), or stock
   * tfjs layers and `tf.train.adam`. Both compute the same function with the same weights.
   */
  fused?: boolean;
  /** Seeds every initializer (integer). */
  seed: number;
}

/** Embedding dimension of the book's Embedding(1000, 32). */
const EMBEDDING_DIM = 32;
/** Keras' Embedding initializer range: uniform(-0.05, 0.05). */
const EMBEDDING_INIT_LIMIT = 0.05;
/** Keras' `sgd` default learning rate. */
const SGD_LEARNING_RATE = 0.01;
/** Keras' Adam defaults (its epsilon is Keras's `epsilon()`, 1e-7; tfjs's default is 1e-8). */
const ADAM = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: KERAS_EPSILON } as const;

/**
 * Build and compile one of the chapter's models: a `tf.Sequential` with loss
 * `binaryCrossentropy` and metric `accuracy`.
 *
 * Input: `simple_rnn_onehot` takes float32 [batch, 100, 100] one-hot reviews; the embedding
 * models take int32 word ids [batch, steps] (any number of steps; the book uses 100).
 * Output: float32 [batch, 1], the probability that each review is positive.
 *
 * @throws Error for an unknown `kind` or a seed that is not an integer.
 */
export function buildModel(kind: ModelKind, options: BuildModelOptions): Sequential {
  const { fused = true, seed } = options;
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const spec = MODEL_SPECS[kind];
  if (!spec) {
    throw new Error(
      `Unknown model kind "${kind}"; expected one of ${
        [...MODEL_KINDS, ...VARIANT_KINDS].join(", ")
      }`,
    );
  }
  // One seed per initializer, so no two weights share a random stream.
  let nextSeed = seed;
  const seeded = () => nextSeed++;
  const glorot = () => tf.initializers.glorotUniform({ seed: seeded() });
  const orthogonal = () => tf.initializers.orthogonal({ seed: seeded(), gain: 1 });
  const zeros = () => tf.initializers.zeros();

  const model = tf.sequential();
  if (!spec.oneHot) {
    model.add(tf.layers.embedding({
      inputDim: spec.numWords,
      outputDim: EMBEDDING_DIM,
      inputShape: [null], // Keras Embedding without input_length: (None, None, 32)
      embeddingsInitializer: tf.initializers.randomUniform({
        minval: -EMBEDDING_INIT_LIMIT,
        maxval: EMBEDDING_INIT_LIMIT,
        seed: seeded(),
      }),
    }));
  }
  const recurrentConfig = {
    units: spec.units,
    kernelInitializer: glorot(),
    recurrentInitializer: orthogonal(),
    biasInitializer: zeros(),
    ...(spec.oneHot ? { inputShape: [MAXLEN, spec.numWords] } : {}),
  };
  if (kind === "embedding_lstm") {
    const lstmConfig = {
      ...recurrentConfig,
      recurrentActivation: "sigmoid" as const,
      unitForgetBias: true,
    };
    model.add(fused ? fusedLSTM(lstmConfig) : tf.layers.lstm(lstmConfig));
  } else if (kind === "embedding_gru") {
    const gruConfig = { ...recurrentConfig, recurrentActivation: "sigmoid" as const };
    model.add(fused ? fusedGRU(gruConfig) : tf.layers.gru(gruConfig));
  } else {
    model.add(fused ? fusedSimpleRNN(recurrentConfig) : tf.layers.simpleRNN(recurrentConfig));
  }
  model.add(tf.layers.dense({
    units: 1,
    activation: "sigmoid",
    kernelInitializer: glorot(),
    biasInitializer: zeros(),
  }));
  model.compile({
    optimizer: spec.oneHot ? tf.train.sgd(SGD_LEARNING_RATE) : adam(fused),
    loss: "binaryCrossentropy",
    metrics: ["accuracy"],
  });
  return model;
}

/** Keras' Adam: the one-loop `fusedAdam` or stock `tf.train.adam` (bit-identical updates). */
function adam(fused: boolean) {
  const { learningRate, beta1, beta2, epsilon } = ADAM;
  return fused ? fusedAdam(ADAM) : tf.train.adam(learningRate, beta1, beta2, epsilon);
}

/** Options of {@linkcode bookModel}. */
export interface BookModelOptions {
  /** `setRandomSeed(seed)` before the model is built: its weights, fit's shuffles (the book: 42) */
  seed: number;
  /**
   * "fused" (the default): the project's `layers.*`, as the notebooks' cells build the model;
   * "stock": tfjs's own `tf.layers.simpleRNN` / `lstm` / `gru` in the recurrent layer's place,
   * with Keras 2's options (Glorot-uniform kernel seeded `seed + 100`, orthogonal recurrent
   * kernel seeded `seed + 101`, LSTM's and GRU's sigmoid), which train through tfjs's own ops
   */
  impl?: "fused" | "stock";
}

/**
 * The model of notebooks 9-3 / 9-4 built as their cells build it, for the scripts and the bench
 * that time and check it (`bench/main.ts`, `scripts/accept_models.ts`): `setRandomSeed(seed)`,
 * `tf.sequential()`, `layers.embedding({ inputDim: 1000, outputDim: 32 })` (not for the one-hot
 * model, whose recurrent layer takes `inputShape: [100, 100]`), the recurrent layer of
 * `MODEL_SPECS[kind].units`, `layers.dense({ units: 1, activation: "sigmoid" })`, compiled with
 * the book's optimizer (`"sgd"` for the one-hot model, `"adam"` otherwise), loss
 * `"binaryCrossentropy"` and metric `"accuracy"`.
 * @throws Error naming an unknown kind or impl
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setRandomSeed } from "./random_seed.ts";
 *
 * const model = bookModel("embedding_lstm", { seed: 42 });
 * assert.equal(model.countParams(), 33321);
 * assert.deepEqual(model.layers.map((l) => l.getClassName()), ["Embedding", "LSTM", "Dense"]);
 * model.dispose();
 * setRandomSeed(undefined);
 * ```
 */
export function bookModel(kind: ModelKind, options: BookModelOptions): Sequential {
  const { seed, impl = "fused" } = options;
  if (!Object.hasOwn(MODEL_SPECS, kind)) {
    throw new Error(
      `bookModel: unknown model "${kind}" (one of ${Object.keys(MODEL_SPECS).join(", ")})`,
    );
  }
  if (impl !== "fused" && impl !== "stock") {
    throw new Error(`bookModel: impl must be "fused" or "stock", got ${JSON.stringify(impl)}`);
  }
  const { units, oneHot, numWords } = MODEL_SPECS[kind];
  setRandomSeed(seed);
  const model = tf.sequential();
  if (!oneHot) model.add(layers.embedding({ inputDim: numWords, outputDim: EMBEDDING_DIM }));
  const inputShape = oneHot ? { inputShape: [MAXLEN, numWords] } : {};
  if (impl === "fused") {
    model.add(
      kind === "embedding_lstm"
        ? layers.lstm({ units, ...inputShape })
        : kind === "embedding_gru"
        ? layers.gru({ units, ...inputShape })
        : layers.simpleRNN({ units, ...inputShape }),
    );
  } else {
    const keras = {
      units,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 100 }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 101, gain: 1 }),
      ...inputShape,
    };
    model.add(
      kind === "embedding_lstm"
        ? tf.layers.lstm({ ...keras, recurrentActivation: "sigmoid" })
        : kind === "embedding_gru"
        ? tf.layers.gru({ ...keras, recurrentActivation: "sigmoid" })
        : tf.layers.simpleRNN(keras),
    );
  }
  model.add(layers.dense({ units: 1, activation: "sigmoid" }));
  model.compile({
    optimizer: oneHot ? "sgd" : "adam",
    loss: "binaryCrossentropy",
    metrics: ["accuracy"],
  });
  return model;
}
