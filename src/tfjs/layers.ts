/**
 * The layers of the book's Keras models with tfjs's names and configuration, Keras 2's defaults
 * and Keras's layer names: `layers.embedding`, `layers.simpleRNN`, `layers.lstm`, `layers.gru`,
 * `layers.dense`, `layers.dropout`, `layers.bidirectional`, used as `tf.layers.*` is (the
 * example below builds the book's 9-4 model).
 *
 * What differs from `tf.layers.*`:
 * - **Speed.** `simpleRNN`, `lstm` and `gru` are the fused layers (`fused_rnn.ts`: the whole
 *   sequence is one op over typed-array and WebAssembly kernels) whenever the configuration allows
 *   (`fusedSupports`; else tfjs's own class), and importing this module installs the fast
 *   training road (`fast_road.ts`): `model.fit`, `evaluate` and `trainOnBatch` of the chapter's
 *   models run one typed-array step per batch. A model outside that set trains through stock
 *   tfjs and says so once, with the reason.
 * - **Keras 2's defaults** where tfjs's differ: kernels `glorotUniform` (tfjs: `glorotNormal`),
 *   recurrent activation `sigmoid` for LSTM and GRU (tfjs: `hardSigmoid`). GRU is Keras's
 *   `reset_after=False` form by default, the only one stock tfjs has, so a saved model loads
 *   anywhere; `resetAfter: true` (Keras 2's default, PyTorch's form) is an option, which stock
 *   tfjs cannot load.
 * - **Keras's names**: `embedding`, `lstm`, `lstm_1`, ... (tfjs: `lstm_LSTM1`), so that
 *   `model.summary()` reads like the book's.
 * - **Seeds**: after `setRandomSeed(seed)` (`random_seed.ts`) every initialiser that draws
 *   random numbers and every dropout mask is seeded, so a run is reproducible.
 *
 * The layers are tfjs's classes (the fused ones extend them), saved under tfjs's class names
 * with Keras's weight order: a model saved from them is a plain tfjs model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "./tf.ts";
 * import { layers } from "./layers.ts";
 * import { setRandomSeed } from "./random_seed.ts";
 *
 * setRandomSeed(42);
 * const model = tf.sequential();
 * model.add(layers.embedding({ inputDim: 1000, outputDim: 32 })); // Embedding(1000, 32)
 * model.add(layers.lstm({ units: 8 })); // LSTM(8)
 * model.add(layers.dense({ units: 1, activation: "sigmoid" })); // Dense(1, activation='sigmoid')
 * assert.equal(model.countParams(), 33321); // the book's summary: 33,321 parameters
 * // model.summary() rows: "embedding (Embedding)", "lstm (LSTM)", "dense (Dense)"
 * assert.equal(model.layers[1].getClassName(), "LSTM");
 * assert.match(model.layers[1].name, /^lstm(_\d+)?$/); // Keras's name, not lstm_LSTM1
 * assert.equal(model.layers[1].getConfig().recurrentActivation, "sigmoid"); // Keras 2's
 * ```
 * @module
 */
import type { layers as tfLayers, Tensor } from "@tensorflow/tfjs";
import { tf } from "./tf.ts";
import {
  backwardLayerOf,
  cellInitializersOf,
  dropoutFieldsOf,
  registeredClass,
} from "./_internals.ts";
import {
  FusedGRU,
  type FusedGRUConfig,
  FusedLSTM,
  FusedSimpleRNN,
  fusedSupports,
  StockGRU,
  StockLSTM,
  StockSimpleRNN,
  unsupportedOption,
} from "./fused_rnn.ts";
import { dropoutSeed, initializerSeed, randomSeed } from "./random_seed.ts";
import "./fast_road.ts"; // model.fit, evaluate and trainOnBatch of the chapter's models: fast

type LayerArgs<F extends (args: never) => unknown> = Parameters<F>[0];
/** `layers.embedding`'s configuration: `tf.layers.embedding`'s. */
export type EmbeddingConfig = LayerArgs<typeof tf.layers.embedding>;
/** `layers.simpleRNN`'s configuration: `tf.layers.simpleRNN`'s. */
export type SimpleRNNConfig = LayerArgs<typeof tf.layers.simpleRNN>;
/** `layers.lstm`'s configuration: `tf.layers.lstm`'s. */
export type LSTMConfig = LayerArgs<typeof tf.layers.lstm>;
/** `layers.gru`'s configuration: `tf.layers.gru`'s, and `resetAfter` (default false). */
export type GRUConfig = FusedGRUConfig;
/** `layers.dense`'s configuration: `tf.layers.dense`'s. */
export type DenseConfig = LayerArgs<typeof tf.layers.dense>;
/** `layers.dropout`'s configuration: `tf.layers.dropout`'s. */
export type DropoutConfig = LayerArgs<typeof tf.layers.dropout>;
/** `layers.bidirectional`'s configuration: `tf.layers.bidirectional`'s. */
export type BidirectionalConfig = LayerArgs<typeof tf.layers.bidirectional>;

/** A layer, as `tf.layers.*` returns them. */
export type Layer = tfLayers.Layer;
/** A recurrent layer, as `tf.layers.lstm` returns them. */
export type RNNLayer = ReturnType<typeof tf.layers.lstm>;

// ---------------------------------------------------------------------------------------------
// Keras's names: "lstm", "lstm_1", "lstm_2", ... per class, for this process

const nameCounts = new Map<string, number>();

/** Keras's next name for a layer of this snake-case prefix (`lstm`, then `lstm_1`, ...). */
function kerasName(prefix: string): string {
  const n = nameCounts.get(prefix) ?? 0;
  nameCounts.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

// ---------------------------------------------------------------------------------------------
// Keras 2's initialisers, seeded by setRandomSeed

/** Keras's `glorot_uniform` with the next seed. */
function glorotUniform() {
  return tf.initializers.glorotUniform({ seed: initializerSeed() });
}

/** Keras's `orthogonal` (gain 1) with the next seed. */
function orthogonal() {
  return tf.initializers.orthogonal({ gain: 1, seed: initializerSeed() });
}

/** Keras's Embedding `uniform`: uniform(-0.05, 0.05), with the next seed. */
function embeddingUniform() {
  return tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: initializerSeed() });
}

/** A recurrent layer's initialisers: those `config` lacks, Keras's, seeded in Keras's order. */
function recurrentInitializers(config: SimpleRNNConfig) {
  return {
    kernelInitializer: config.kernelInitializer ?? glorotUniform(),
    recurrentInitializer: config.recurrentInitializer ?? orthogonal(),
    biasInitializer: config.biasInitializer ?? "zeros",
  };
}

/** `dropoutFunc` for a stock recurrent layer with dropout: each mask seeded, once seeded. */
function seededDropoutFunc(config: SimpleRNNConfig) {
  const rate = Math.max(config.dropout ?? 0, config.recurrentDropout ?? 0);
  if (rate <= 0) return {};
  return {
    dropoutFunc: (x: Tensor, level: number) => tf.dropout(x, level, undefined, dropoutSeed()),
  };
}

// ---------------------------------------------------------------------------------------------
// The layers

/**
 * Keras's `Embedding(inputDim, outputDim)`: ids [batch, steps] -> [batch, steps, outputDim],
 * uniform(-0.05, 0.05) initial vectors.
 */
function embedding(config: EmbeddingConfig): Layer {
  return tf.layers.embedding({
    name: kerasName("embedding"),
    ...config,
    embeddingsInitializer: config.embeddingsInitializer ?? embeddingUniform(),
  });
}

/**
 * Keras's `SimpleRNN(units)`: [batch, steps, features] -> [batch, units] (or every step with
 * `returnSequences`). The fused layer when {@link fusedSupports} the configuration.
 */
function simpleRNN(config: SimpleRNNConfig): RNNLayer {
  const args = {
    name: kerasName("simple_rnn"),
    activation: "tanh" as const,
    ...config,
    ...recurrentInitializers(config),
  };
  return fusedSupports(args)
    ? new FusedSimpleRNN(args)
    : new StockSimpleRNN({ ...args, ...seededDropoutFunc(args) });
}

/**
 * Keras's `LSTM(units)`: recurrent activation `sigmoid`, `unitForgetBias`. The fused layer when
 * {@link fusedSupports} the configuration.
 */
function lstm(config: LSTMConfig): RNNLayer {
  const args = {
    name: kerasName("lstm"),
    activation: "tanh" as const,
    recurrentActivation: "sigmoid" as const,
    unitForgetBias: true,
    ...config,
    ...recurrentInitializers(config),
  };
  return fusedSupports(args, "LSTM")
    ? new FusedLSTM(args)
    : new StockLSTM({ ...args, ...seededDropoutFunc(args) });
}

/**
 * Keras's `GRU(units, reset_after=False)`: recurrent activation `sigmoid`, tfjs's
 * `resetAfter: false` unless asked (`resetAfter: true`: Keras 2's default form, which stock tfjs
 * cannot load). The fused layer when {@link fusedSupports} the configuration, `dropout` and
 * `recurrentDropout` included (as tfjs's `GRUCell`: h_{t-1} m in the whole step); otherwise
 * (`stateful`, `returnState`, another activation) tfjs's own GRU, which has no
 * `resetAfter: true` (an Error then).
 */
function gru(config: GRUConfig): RNNLayer {
  const args = {
    name: kerasName("gru"),
    activation: "tanh" as const,
    recurrentActivation: "sigmoid" as const,
    resetAfter: false,
    ...config,
    ...recurrentInitializers(config),
  };
  if (fusedSupports(args, "GRU")) return new FusedGRU(args);
  if (args.resetAfter) {
    throw new Error(
      `layers.gru: resetAfter: true runs only in the fused GRU, and option ` +
        `${unsupportedOption(args, "GRU")} is not in its kernels (tfjs's own GRU has only ` +
        `resetAfter: false)`,
    );
  }
  return new StockGRU({ ...args, ...seededDropoutFunc(args) });
}

/** Keras's `Dense(units, activation)`: Glorot-uniform kernel, zero bias. */
function dense(config: DenseConfig): Layer {
  return tf.layers.dense({
    name: kerasName("dense"),
    ...config,
    kernelInitializer: config.kernelInitializer ?? glorotUniform(),
    biasInitializer: config.biasInitializer ?? "zeros",
  });
}

const StockDropout = registeredClass<new (config: DropoutConfig) => Layer>("Dropout").cls;

/** tfjs's Dropout whose masks are seeded by `setRandomSeed` (one seed per call in training). */
class SeededDropout extends StockDropout {
  /** Saved as tfjs's Dropout. */
  static className = "Dropout";

  override call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[] {
    const fields = dropoutFieldsOf(this);
    const own = fields.seed;
    const seed = own ?? (kwargs?.training === true ? dropoutSeed() : undefined);
    if (seed === own) return super.call(inputs, kwargs);
    fields.seed = seed;
    try {
      return super.call(inputs, kwargs);
    } finally {
      fields.seed = own;
    }
  }
}

/** Keras's `Dropout(rate)`: in training, zeroes each input with probability `rate`. */
function dropout(config: DropoutConfig): Layer {
  return new SeededDropout({ name: kerasName("dropout"), ...config });
}

/**
 * Keras's `Bidirectional(layer)`: runs `layer` forwards and a copy backwards, outputs merged
 * (`mergeMode`, default concatenation). The copy gets initialisers of its own (tfjs copies the
 * layer's configuration, seeds included: both directions would start with the same weights).
 */
function bidirectional(config: BidirectionalConfig): Layer {
  const layer = tf.layers.bidirectional({ name: kerasName("bidirectional"), ...config });
  if (randomSeed() !== undefined) {
    const backward = cellInitializersOf(backwardLayerOf(layer));
    backward.kernelInitializer = glorotUniform();
    backward.recurrentInitializer = orthogonal();
  }
  return layer;
}

/**
 * The book's layers, as tfjs's `tf.layers` names them (see the module documentation). Any other
 * layer: `tf.layers.*` (tfjs's defaults and names).
 */
export const layers = Object.freeze({
  embedding,
  simpleRNN,
  lstm,
  gru,
  dense,
  dropout,
  bidirectional,
});
