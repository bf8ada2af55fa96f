/**
 * Fused SimpleRNN, LSTM and GRU layers: drop-in replacements for `tf.layers.simpleRNN`,
 * `tf.layers.lstm` and `tf.layers.gru` whose forward and backward passes over the whole sequence
 * are ONE tfjs op each, computed in typed-array loops (`rnn.ts`).
 *
 * Why: the stock layers run ~10 tfjs ops per time step (forward and again backward), each costing
 * ~20 µs of bookkeeping on the `cpu` backend whatever its size: ~120-200 ms per batch of 32
 * reviews of 100 words, for arithmetic that takes a few milliseconds.
 *
 * Same configuration names, defaults of TensorFlow 2's Keras (where tfjs differs: LSTM and GRU
 * `recurrentActivation: "sigmoid"` instead of `"hardSigmoid"`, `kernelInitializer: "glorotUniform"`
 * instead of `"glorotNormal"`, LSTM `unitForgetBias: true`), the same weights in the same order
 * and layout (`kernel` [inputDim, units (x4, x3)], `recurrentKernel` [units, units (x4, x3)],
 * `bias`; LSTM gate blocks i, f, c, o, GRU z, r, h). The layers extend the stock classes and
 * replace only `call`, and they are saved under the stock class names `SimpleRNN`, `LSTM` and
 * `GRU`: a saved model is a plain tfjs model that a stock `@tensorflow/tfjs` loads with none of
 * this project's code. Registered under those names in this project's tfjs, they are also what
 * `tf.loadLayersModel` builds from a model saved with stock layers (a configuration outside the
 * fused set, e.g. `stateful: true`, loads as the stock class:
 * {@link fusedSupports}).
 *
 * GRU has tfjs's form by default (`resetAfter: false`, Keras's `reset_after=False`: r scales
 * h_{t-1} before the recurrent product), the only one stock tfjs accepts; `resetAfter: true`
 * (Keras 2's default, PyTorch's form, bias [2, 3 units]) is an option of the fused layer, saved
 * as `resetAfter: true`, which stock tfjs refuses to load ("GRUCell does not support reset_after
 * parameter set to true") but this project loads.
 *
 * Supported: `returnSequences`, `goBackwards`, `useBias`, `dropout` and `recurrentDropout` (in
 * training, tfjs's masks from the same seeds: one [batch, inputDim] mask on every x_t and one
 * [batch, units] on every h_{t-1}, drawn at each call, `_dropout_masks.ts`; a GRU's masked
 * h_{t-1} serves its whole step, as tfjs's `GRUCell`'s, in either form), activations linear,
 * tanh, sigmoid, hardSigmoid, relu, initialisers, regularisers and constraints. Not supported (a
 * clear `Error` at construction or call): stateful, returnState, masks, initial states.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "./tf.ts";
 * import { fusedLSTM } from "./fused_rnn.ts";
 *
 * const model = tf.sequential();
 * model.add(tf.layers.embedding({ inputDim: 1000, outputDim: 32, inputLength: 100 }));
 * model.add(fusedLSTM({ units: 8 })); // in place of tf.layers.lstm({ units: 8 })
 * model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
 * assert.equal(model.countParams(), 33321); // as the book's Keras model
 * assert.deepEqual(model.layers[1].getWeights().map((w) => w.shape), [[32, 32], [8, 32], [32]]);
 * ```
 * @module
 */
import type {
  GRUCellLayerArgs,
  GRULayerArgs,
  LSTMLayerArgs,
  RNN,
  serialization,
  SimpleRNNLayerArgs,
  Tensor,
} from "@tensorflow/tfjs";
import {
  engineRunKernelFunc,
  isTapeOn,
  registeredClass,
  replaceCell,
  type RnnCellFields,
  rnnFieldsOf,
  type RnnLayerFields,
} from "./_internals.ts";
import { tf } from "./tf.ts";
import { applies, recurrentMasks } from "./_dropout_masks.ts";
import {
  ACTIVATIONS,
  gruBackward,
  type GruCache,
  gruForward,
  inputGrad,
  lastStep,
  lstmBackward,
  type LstmCache,
  lstmForward,
  releaseScratch,
  type RnnDims,
  type RnnForwardArgs,
  type RnnGrads,
  simpleRnnBackward,
  type SimpleRnnCache,
  simpleRnnForward,
} from "../kernels/mod.ts";

/** The weights of one fused call. */
export interface RnnWeights {
  /** [inputDim, gates] */
  kernel: Tensor;
  /** [units, gates] */
  recurrentKernel: Tensor;
  /** [gates] ([2, gates] for a GRU with resetAfter), or null without bias */
  bias: Tensor | null;
}

/** Options of one fused call. */
export interface FusedRnnOptions {
  /** activation of the state (SimpleRNN), the candidate and cell state (LSTM, GRU) */
  activation: string;
  /** LSTM, GRU: activation of the gates (LSTM i, f, o; GRU z, r) */
  recurrentActivation?: string;
  /** output every step ([batch, steps, units]) rather than the last ([batch, units]) */
  returnSequences: boolean;
  /** GRU only: r after the recurrent product (Keras 2's default) or before (tfjs's, default) */
  resetAfter?: boolean;
  /**
   * [batch, units] recurrent dropout mask multiplied into every h_{t-1} (training with
   * `recurrentDropout`), or absent / null
   */
  recurrentMask?: Float32Array | null;
}

// ---------------------------------------------------------------------------------------------
// One op with a gradient per input
// ---------------------------------------------------------------------------------------------

/** A forward result and, per input, a thunk computing that input's gradient from dy. */
interface FusedResult {
  value: Tensor;
  gradients: (dy: Tensor) => Array<() => Tensor>;
}

/**
 * Runs `run` as one op on the tape with a gradient thunk per input.
 *
 * `tf.customGrad` would do, except that it computes every input's gradient as soon as any is
 * asked for. The engine asks only for the gradients on the path from the trained variables, so
 * passing thunks skips d loss / d x when `x` is data (the one-hot model's input: a 3200 x 32 by
 * 32 x 100 matrix product per batch saved). This uses the engine method `customGrad` itself calls
 * and falls back to `tf.customGrad` if a tfjs version lacks it.
 */
function runFused(inputs: Tensor[], run: () => FusedResult): Tensor {
  const runKernelFunc = engineRunKernelFunc();
  if (runKernelFunc !== undefined) {
    let result: FusedResult | undefined;
    const named: Record<string, Tensor> = {};
    inputs.forEach((t, i) => named[i] = t);
    return runKernelFunc({
      forwardFunc: () => {
        result = run();
        return result.value;
      },
      backwardsFunc: (dy) => {
        const thunks = result!.gradients(dy);
        const named: Record<string, () => Tensor> = {};
        thunks.forEach((thunk, i) => named[i] = thunk);
        return named;
      },
      inputs: named,
    });
  }
  const op = tf.customGrad((..._inputs) => {
    const result = run();
    return {
      value: result.value,
      gradFunc: (dy: Tensor) => result.gradients(dy).map((thunk) => thunk()),
    };
  });
  return op(...inputs);
}

/**
 * The values of a float32 tensor as a Float32Array: tfjs's cast of int32 data (e.g. one-hot words)
 * to float32 may keep an Int32Array, and the kernels' loops stay fast when they see one type.
 */
function float32Values(x: Tensor): Float32Array {
  const data = x.dataSync();
  return data instanceof Float32Array ? data : Float32Array.from(data);
}

/**
 * Reads the sizes of a call and checks the shapes, naming the offending one; `biasRows` 2 for
 * a bias [2, gates] (GRU with resetAfter).
 */
function callDims(
  x: Tensor,
  weights: RnnWeights,
  gatesPerUnit: number,
  name: string,
  biasRows = 1,
): RnnDims {
  if (x.rank !== 3) {
    throw new Error(`${name}: input must be [batch, steps, inputDim], got shape [${x.shape}]`);
  }
  const [batch, steps, inputDim] = x.shape;
  if (steps < 1) throw new Error(`${name}: input has no time steps, shape [${x.shape}]`);
  const units = weights.recurrentKernel.shape[0];
  const gates = gatesPerUnit * units;
  const expect = (t: Tensor, shape: number[], what: string) => {
    if (t.shape.length !== shape.length || t.shape.some((n, i) => n !== shape[i])) {
      throw new Error(`${name}: ${what} must have shape [${shape}], got [${t.shape}]`);
    }
  };
  expect(weights.kernel, [inputDim, gates], "kernel");
  expect(weights.recurrentKernel, [units, gates], "recurrentKernel");
  if (weights.bias !== null) {
    expect(weights.bias, biasRows === 1 ? [gates] : [biasRows, gates], "bias");
  }
  return { batch, steps, inputDim, units };
}

/** Shared body of the two ops: forward through the kernels, thunks through their backward. */
function fusedCall<C extends { args: RnnForwardArgs; h: Float32Array }>(
  x: Tensor,
  weights: RnnWeights,
  dims: RnnDims,
  options: FusedRnnOptions,
  forward: (args: RnnForwardArgs) => C,
  backward: (cache: C, dy: ArrayLike<number>) => RnnGrads,
  cacheArrays: (cache: C) => Float32Array[],
): Tensor {
  const inputs = weights.bias === null
    ? [x, weights.kernel, weights.recurrentKernel]
    : [x, weights.kernel, weights.recurrentKernel, weights.bias];
  const { returnSequences, recurrentMask = null } = options;
  // Without a gradient tape (inference) nothing will read the cache after the forward pass.
  const recording = isTapeOn();
  return runFused(inputs, () => {
    const cache = forward({
      ...dims,
      x: float32Values(x),
      kernel: weights.kernel.dataSync() as Float32Array,
      recurrentKernel: weights.recurrentKernel.dataSync() as Float32Array,
      bias: weights.bias === null ? null : weights.bias.dataSync() as Float32Array,
      recurrentMask,
    });
    const { batch, steps, units } = dims;
    // copies: the cache goes back to the scratch pool after the backward pass
    const value = returnSequences
      ? tf.tensor3d(cache.h.slice(), [batch, steps, units])
      : tf.tensor2d(lastStep(cache.h, dims), [batch, units]);
    if (!recording) releaseScratch(...cacheArrays(cache));
    return {
      value,
      gradients: (dy) => {
        let grads: RnnGrads | undefined;
        const weightGrads = () => {
          if (grads === undefined) {
            grads = backward(cache, dy.dataSync() as Float32Array);
            releaseScratch(...cacheArrays(cache)); // only grads.dZ is read from here on
          }
          return grads;
        };
        const dx = () => {
          const g = weightGrads();
          const values = inputGrad(g, cache.args);
          releaseScratch(g.dZ); // d x is the one reader of dZ
          return tf.tensor(values, x.shape);
        };
        const thunks = [
          dx,
          () => tf.tensor(weightGrads().dKernel, weights.kernel.shape),
          () => tf.tensor(weightGrads().dRecurrentKernel, weights.recurrentKernel.shape),
        ];
        if (weights.bias !== null) {
          thunks.push(() => tf.tensor(weightGrads().dBias, weights.bias!.shape));
        }
        return thunks;
      },
    };
  });
}

/**
 * SimpleRNN over whole sequences as one differentiable op (zero initial state).
 *
 * @param x [batch, steps, inputDim] float32
 * @param weights kernel [inputDim, units], recurrentKernel [units, units], bias [units] or null
 * @param options activation (e.g. "tanh"), returnSequences, recurrentMask [batch, units] or none
 * @returns [batch, units] the last state, or [batch, steps, units] every state
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "./tf.ts";
 * import { simpleRnnOp } from "./fused_rnn.ts";
 *
 * const h = simpleRnnOp(tf.ones([2, 5, 3]), {
 *   kernel: tf.fill([3, 4], 0.1), // x_t · kernel = 0.3 in every unit
 *   recurrentKernel: tf.eye(4),
 *   bias: tf.zeros([4]),
 * }, { activation: "tanh", returnSequences: false });
 * assert.deepEqual(h.shape, [2, 4]); // the last state
 * let expected = 0; // h_t = tanh(x_t · kernel + h_{t-1} · recurrentKernel + bias), 5 steps
 * for (let t = 0; t < 5; t++) expected = Math.tanh(0.3 + expected);
 * for (const v of h.dataSync()) assert.ok(Math.abs(v - expected) < 1e-6);
 * ```
 */
export function simpleRnnOp(x: Tensor, weights: RnnWeights, options: FusedRnnOptions): Tensor {
  const dims = callDims(x, weights, 1, "simpleRnnOp");
  const { activation, returnSequences } = options;
  return fusedCall<SimpleRnnCache>(
    x,
    weights,
    dims,
    options,
    (args) => simpleRnnForward(args, activation),
    (cache, dy) => simpleRnnBackward(cache, { dy, returnSequences }),
    (cache) => [cache.h],
  );
}

/**
 * LSTM over whole sequences as one differentiable op (zero initial states).
 *
 * @param x [batch, steps, inputDim] float32
 * @param weights kernel [inputDim, 4 units], recurrentKernel [units, 4 units], bias [4 units] or
 *   null; gate blocks i, f, c, o
 * @param options activation (e.g. "tanh"), recurrentActivation (e.g. "sigmoid"), returnSequences,
 *   recurrentMask [batch, units] or none
 * @returns [batch, units] the last output, or [batch, steps, units] every output
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "./tf.ts";
 * import { lstmOp } from "./fused_rnn.ts";
 *
 * const h = lstmOp(tf.ones([2, 5, 3]), {
 *   kernel: tf.fill([3, 16], 0.1), // every gate's x_t · kernel is 0.3
 *   recurrentKernel: tf.fill([4, 16], 0.1),
 *   bias: null,
 * }, { activation: "tanh", recurrentActivation: "sigmoid", returnSequences: true });
 * assert.deepEqual(h.shape, [2, 5, 4]); // every step's output
 * // The first step from zero states: c = i * tanh(0.3), h = o * tanh(c), i = o = sigmoid(0.3)
 * const sigmoid = 1 / (1 + Math.exp(-0.3));
 * const h1 = sigmoid * Math.tanh(sigmoid * Math.tanh(0.3));
 * const first = tf.slice(h, [0, 0, 0], [2, 1, 4]).dataSync();
 * for (const v of first) assert.ok(Math.abs(v - h1) < 1e-6);
 * ```
 */
export function lstmOp(x: Tensor, weights: RnnWeights, options: FusedRnnOptions): Tensor {
  const dims = callDims(x, weights, 4, "lstmOp");
  const { activation, returnSequences } = options;
  const recurrentActivation = options.recurrentActivation ?? "sigmoid";
  return fusedCall<LstmCache>(
    x,
    weights,
    dims,
    options,
    (args) => lstmForward(args, activation, recurrentActivation),
    (cache, dy) => lstmBackward(cache, { dy, returnSequences }),
    (cache) => [cache.gates, cache.c, cache.actC, cache.h],
  );
}

/**
 * GRU over whole sequences as one differentiable op (zero initial state).
 *
 * @param x [batch, steps, inputDim] float32
 * @param weights kernel [inputDim, 3 units], recurrentKernel [units, 3 units], bias [3 units]
 *   ([2, 3 units] with resetAfter: input and recurrent bias) or null; gate blocks z, r, h
 * @param options activation (e.g. "tanh"), recurrentActivation (e.g. "sigmoid"),
 *   returnSequences, resetAfter (default false: tfjs's GRU), recurrentMask [batch, units] or
 *   none (h_{t-1} m in place of h_{t-1} in the whole step, as tfjs's `GRUCell`)
 * @returns [batch, units] the last state, or [batch, steps, units] every state
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "./tf.ts";
 * import { gruOp } from "./fused_rnn.ts";
 *
 * const h = gruOp(tf.ones([2, 5, 3]), {
 *   kernel: tf.fill([3, 12], 0.1), // every gate's x_t · kernel is 0.3
 *   recurrentKernel: tf.fill([4, 12], 0.1),
 *   bias: null,
 * }, { activation: "tanh", recurrentActivation: "sigmoid", returnSequences: true });
 * assert.deepEqual(h.shape, [2, 5, 4]); // every step's state
 * // The first step from h_0 = 0: h = (1 - z) * tanh(0.3), z = sigmoid(0.3)
 * const h1 = (1 - 1 / (1 + Math.exp(-0.3))) * Math.tanh(0.3);
 * const first = tf.slice(h, [0, 0, 0], [2, 1, 4]).dataSync();
 * for (const v of first) assert.ok(Math.abs(v - h1) < 1e-6);
 * ```
 */
export function gruOp(x: Tensor, weights: RnnWeights, options: FusedRnnOptions): Tensor {
  const resetAfter = options.resetAfter ?? false;
  const dims = callDims(x, weights, 3, "gruOp", resetAfter ? 2 : 1);
  const { activation, returnSequences } = options;
  const recurrentActivation = options.recurrentActivation ?? "sigmoid";
  return fusedCall<GruCache>(
    x,
    weights,
    dims,
    options,
    (args) => gruForward(args, activation, recurrentActivation, resetAfter),
    (cache, dy) => gruBackward(cache, { dy, returnSequences }),
    (cache) => [cache.gates, cache.reset, cache.h],
  );
}

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

/** The registered class of a stock tfjs-layers layer (the classes are not exported by name). */
function stockLayerClass<A>(className: string): new (args: A) => RNN {
  return registeredClass<new (args: A) => RNN>(className).cls;
}

/**
 * The fused layer classes whose kernels take the recurrent dropout mask (h_{t-1} m, as tfjs's
 * cell applies it: before the recurrent product in SimpleRNN and LSTM; in GRU, as tfjs's
 * `GRUCell`, in place of h_{t-1} in its gates, its candidate and its carry z h_{t-1}): all three.
 */
export const RECURRENT_MASK_CLASSES: readonly string[] = Object.freeze([
  "SimpleRNN",
  "LSTM",
  "GRU",
]);

/**
 * The first option of `config` the fused kernels do not implement, as `name=value`, or
 * undefined when the fused layer can take the configuration (see {@link fusedSupports}).
 *
 * @param className the layer's class, "SimpleRNN", "LSTM" or "GRU" (default "SimpleRNN"): a
 *   `recurrentDropout` in (0, 1) is unsupported for a class outside
 *   {@link RECURRENT_MASK_CLASSES}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unsupportedOption } from "./fused_rnn.ts";
 *
 * assert.equal(unsupportedOption({ units: 8, recurrentDropout: 0.2 }, "LSTM"), undefined);
 * assert.equal(unsupportedOption({ units: 8, recurrentDropout: 0.2 }, "GRU"), undefined);
 * assert.equal(unsupportedOption({ units: 8, stateful: true }, "GRU"), "stateful=true");
 * assert.equal(unsupportedOption({ units: 8, dropout: 0.2 }, "GRU"), undefined);
 * ```
 */
export function unsupportedOption(
  config: SimpleRNNLayerArgs | LSTMLayerArgs | GRULayerArgs | serialization.ConfigDict,
  className = "SimpleRNN",
): string | undefined {
  const c = config as SimpleRNNLayerArgs;
  const unsupported: Array<[string, boolean]> = [
    ["stateful", c.stateful === true],
    ["returnState", c.returnState === true],
    [
      "recurrentDropout",
      !RECURRENT_MASK_CLASSES.includes(className) && applies(c.recurrentDropout),
    ],
  ];
  for (const [option, set] of unsupported) {
    if (set) return `${option}=${JSON.stringify(c[option as keyof typeof c])}`;
  }
  for (const key of ["activation", "recurrentActivation"] as const) {
    const value = (c as LSTMLayerArgs)[key] as unknown;
    const name = typeof value === "string" ? value : undefined;
    if (name !== undefined && !(ACTIVATIONS as readonly string[]).includes(name)) {
      return `${key}=${JSON.stringify(name)}`;
    }
  }
  return undefined;
}

/**
 * Whether a SimpleRNN / LSTM / GRU configuration runs on the fused kernels: not stateful, no
 * returnState, and activations among the kernels' (`linear`, `tanh`, `sigmoid`, `hardSigmoid`,
 * `relu`); dropout and recurrentDropout are the fused layers' too (`className`: "SimpleRNN",
 * "LSTM" or "GRU", each of {@link RECURRENT_MASK_CLASSES}).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fusedSupports } from "./fused_rnn.ts";
 *
 * assert.equal(fusedSupports({ units: 8 }), true);
 * assert.equal(fusedSupports({ units: 8, dropout: 0.2, recurrentDropout: 0.2 }), true);
 * assert.equal(fusedSupports({ units: 8, stateful: true }), false); // the stock layer runs it
 * assert.equal(fusedSupports({ units: 8, recurrentDropout: 0.2 }, "GRU"), true);
 * ```
 */
export function fusedSupports(
  config: SimpleRNNLayerArgs | LSTMLayerArgs | GRULayerArgs | serialization.ConfigDict,
  className = "SimpleRNN",
): boolean {
  return unsupportedOption(config, className) === undefined;
}

/** Throws for the stock options the fused kernels do not implement (`className`'s kernels). */
function rejectUnsupported(
  layer: string,
  className: string,
  config: SimpleRNNLayerArgs | LSTMLayerArgs | GRULayerArgs,
): void {
  const option = unsupportedOption(config, className);
  if (option !== undefined) {
    throw new Error(
      `${layer}: option ${option} is not supported by the fused kernels; use the stock layer ` +
        `(layers.simpleRNN / layers.lstm / layers.gru choose it by themselves)`,
    );
  }
}

/**
 * The ops whose kernels take the recurrent dropout mask (`recurrentMask`, h_{t-1} m): a layer
 * whose op is not here refuses `recurrentDropout` in training rather than ignore it.
 */
const RECURRENT_MASK_OPS = new Set<typeof simpleRnnOp>([simpleRnnOp, lstmOp, gruOp]);

/** The fused call of a layer: input checks, then the op on the cell's weights. */
function callLayer(
  layer: RnnLayerFields,
  inputs: Tensor | Tensor[],
  kwargs: Record<string, unknown>,
  op: typeof simpleRnnOp,
): Tensor {
  for (const key of ["mask", "initialState"]) {
    if (kwargs?.[key] != null) {
      throw new Error(
        `${layer.name}: ${key} is not supported by the fused kernels ` +
          `(for a mask: an embedding with maskZero); use the stock tf.layers layer`,
      );
    }
  }
  if (Array.isArray(inputs) && inputs.length !== 1) {
    throw new Error(`${layer.name}: expects one input tensor, got ${inputs.length}`);
  }
  const cell = layer.cell;
  return tf.tidy(() => {
    let x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.dtype !== "float32") x = tf.cast(x, "float32");
    if (layer.goBackwards) x = tf.reverse(x, 1);
    // in training, tfjs's masks (drawn as its cell draws them): x_t m_x, h_{t-1} m_h
    const [batch, , inputDim] = x.shape as number[];
    const masks = kwargs?.training === true && x.rank === 3
      ? recurrentMasks(layer.getClassName(), cell, { batch, inputDim, units: cell.units })
      : { input: null, recurrent: null };
    if (masks.recurrent !== null && !RECURRENT_MASK_OPS.has(op)) {
      throw new Error(
        `${layer.name}: recurrentDropout=${cell.recurrentDropout} is not in this layer's fused ` +
          `kernels (their recurrent mask); use the stock tf.layers layer`,
      );
    }
    if (masks.input !== null) x = tf.mul(x, tf.tensor3d(masks.input, [batch, 1, inputDim]));
    const weights = {
      kernel: cell.kernel.read(),
      recurrentKernel: cell.recurrentKernel.read(),
      bias: cell.bias == null ? null : cell.bias.read(),
    };
    return op(x, weights, {
      activation: cell.activation.getClassName(),
      recurrentActivation: cell.recurrentActivation?.getClassName(),
      returnSequences: layer.returnSequences,
      resetAfter: cell.resetAfter === true,
      recurrentMask: masks.recurrent,
    });
  });
}

/** Configuration of {@link FusedSimpleRNN}: the names of `tf.layers.simpleRNN`. */
export type FusedSimpleRNNConfig = SimpleRNNLayerArgs;
/** Configuration of {@link FusedLSTM}: the names of `tf.layers.lstm`. */
export type FusedLSTMConfig = LSTMLayerArgs;
/**
 * Configuration of {@link FusedGRU}: the names of `tf.layers.gru`, and `resetAfter` (Keras's
 * `reset_after`; default false, tfjs's form).
 */
export type FusedGRUConfig = GRULayerArgs & { resetAfter?: boolean };

/** tfjs's own SimpleRNN class (`tf.layers.simpleRNN` builds it). */
export const StockSimpleRNN = stockLayerClass<SimpleRNNLayerArgs>("SimpleRNN");
/** tfjs's own LSTM class (`tf.layers.lstm` builds it). */
export const StockLSTM = stockLayerClass<LSTMLayerArgs>("LSTM");
/** tfjs's own GRU class (`tf.layers.gru` builds it). */
export const StockGRU = stockLayerClass<GRULayerArgs>("GRU");

/** TF2 Keras defaults of SimpleRNN. */
const SIMPLE_RNN_DEFAULTS: Partial<SimpleRNNLayerArgs> = {
  activation: "tanh",
  kernelInitializer: "glorotUniform",
  recurrentInitializer: "orthogonal",
  biasInitializer: "zeros",
};

/** TF2 Keras defaults of LSTM: SimpleRNN's and two of its own. */
const LSTM_DEFAULTS: Partial<LSTMLayerArgs> = {
  ...SIMPLE_RNN_DEFAULTS,
  recurrentActivation: "sigmoid",
  unitForgetBias: true,
};

/**
 * A fused layer's constructor arguments: `config` over the defaults, once the options the kernels
 * of `className` ("SimpleRNN", "LSTM", "GRU") lack are rejected.
 */
function layerArgs<A extends SimpleRNNLayerArgs | LSTMLayerArgs | FusedGRUConfig>(
  className: string,
  defaults: Partial<A>,
  config: A,
): A {
  rejectUnsupported(`${className} (fused)`, className, config);
  return { ...defaults, ...config };
}

/**
 * Rebuilds a layer from its `getConfig()` (what `tf.loadLayersModel` and `Bidirectional` call
 * for a `SimpleRNN` / `LSTM`): the fused layer when the kernels support the configuration, else
 * the stock class.
 */
function rebuildFromConfig<T extends serialization.Serializable>(
  className: string,
  stock: new (config: serialization.ConfigDict) => RNN,
): (cls: serialization.SerializableConstructor<T>, config: serialization.ConfigDict) => T {
  return (cls, config) =>
    (fusedSupports(config, className) ? new cls(config) : new stock(config)) as unknown as T;
}

/**
 * `tf.layers.simpleRNN` with a fused whole-sequence kernel and TF2 Keras defaults
 * (activation "tanh", kernel "glorotUniform", recurrent "orthogonal", bias "zeros").
 */
export class FusedSimpleRNN extends StockSimpleRNN {
  /** The name the class is serialised under: the stock one (a saved model is a plain one). */
  static className = "SimpleRNN";

  /** Rebuilds a layer from its `getConfig()` (what `tf.loadLayersModel` calls). */
  static fromConfig = rebuildFromConfig(
    "SimpleRNN",
    StockSimpleRNN as unknown as new (config: serialization.ConfigDict) => RNN,
  );

  constructor(config: FusedSimpleRNNConfig) {
    super(layerArgs("SimpleRNN", SIMPLE_RNN_DEFAULTS, config));
    checkActivations("SimpleRNN (fused)", rnnFieldsOf(this).cell);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor {
    return callLayer(rnnFieldsOf(this), inputs, kwargs, simpleRnnOp);
  }
}
// Registered under "SimpleRNN" in place of the stock class: loading builds the fused layer.
tf.serialization.registerClass(FusedSimpleRNN);

/**
 * `tf.layers.lstm` with a fused whole-sequence kernel and TF2 Keras defaults
 * (recurrentActivation "sigmoid", unitForgetBias true, kernel "glorotUniform").
 */
export class FusedLSTM extends StockLSTM {
  /** The name the class is serialised under: the stock one (a saved model is a plain one). */
  static className = "LSTM";

  /** Rebuilds a layer from its `getConfig()` (what `tf.loadLayersModel` calls). */
  static fromConfig = rebuildFromConfig(
    "LSTM",
    StockLSTM as unknown as new (config: serialization.ConfigDict) => RNN,
  );

  constructor(config: FusedLSTMConfig) {
    super(layerArgs("LSTM", LSTM_DEFAULTS, config));
    checkActivations("LSTM (fused)", rnnFieldsOf(this).cell);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor {
    return callLayer(rnnFieldsOf(this), inputs, kwargs, lstmOp);
  }
}
// Registered under "LSTM" in place of the stock class: loading builds the fused layer.
tf.serialization.registerClass(FusedLSTM);

/** TF2 Keras defaults of GRU (with tfjs's `reset_after=False`): SimpleRNN's and sigmoid. */
const GRU_DEFAULTS: Partial<FusedGRUConfig> = {
  ...SIMPLE_RNN_DEFAULTS,
  recurrentActivation: "sigmoid",
  resetAfter: false,
};

/** tfjs's GRUCell, as tfjs registers it. */
type GRUCell = ReturnType<typeof tf.layers.gruCell>;
const StockGRUCell = registeredClass<new (args: GRUCellLayerArgs) => GRUCell>("GRUCell").cls;

/**
 * The cell of a GRU with `resetAfter: true`: tfjs's GRUCell (which refuses the option) with
 * Keras's bias [2, 3 units] (input bias, recurrent bias) and `resetAfter: true` in its
 * configuration. Its weights are read by the fused layer; its own step (`call`) is never run.
 */
class ResetAfterGRUCell extends StockGRUCell {
  readonly resetAfter = true;

  constructor(args: GRUCellLayerArgs) {
    super({ ...args, resetAfter: false });
  }

  override build(inputShape: number[] | number[][]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as number[];
    const inputDim = shape[shape.length - 1];
    const gates = 3 * this.units;
    this.kernel = this.addWeight(
      "kernel",
      [inputDim, gates],
      undefined,
      this.kernelInitializer,
      this.kernelRegularizer,
      true,
      this.kernelConstraint,
    );
    this.recurrentKernel = this.addWeight(
      "recurrent_kernel",
      [this.units, gates],
      undefined,
      this.recurrentInitializer,
      this.recurrentRegularizer,
      true,
      this.recurrentConstraint,
    );
    if (this.useBias) {
      this.bias = this.addWeight(
        "bias",
        [2, gates],
        undefined,
        this.biasInitializer,
        this.biasRegularizer,
        true,
        this.biasConstraint,
      );
    } else this.bias = null as unknown as GRUCell["bias"];
    this.built = true;
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), resetAfter: true };
  }
}

/**
 * `tf.layers.gru` with a fused whole-sequence kernel and TF2 Keras defaults
 * (recurrentActivation "sigmoid", kernel "glorotUniform"), tfjs's `resetAfter: false` by
 * default; `resetAfter: true` (Keras 2's default) takes a bias [2, 3 units] and is saved with
 * `resetAfter: true`, which stock tfjs cannot load.
 */
export class FusedGRU extends StockGRU {
  /** The name the class is serialised under: the stock one (a saved model is a plain one). */
  static className = "GRU";

  /** Rebuilds a layer from its `getConfig()` (what `tf.loadLayersModel` calls). */
  static fromConfig = rebuildFromConfig(
    "GRU",
    StockGRU as unknown as new (config: serialization.ConfigDict) => RNN,
  );

  /** Whether r is applied after the recurrent product (Keras 2's default) or before (tfjs's). */
  readonly resetAfter: boolean;

  constructor(config: FusedGRUConfig) {
    const args = layerArgs("GRU", GRU_DEFAULTS, config);
    super({ ...args, resetAfter: false } as GRULayerArgs);
    this.resetAfter = args.resetAfter === true;
    if (this.resetAfter) replaceCell(this, new ResetAfterGRUCell(args));
    checkActivations("GRU (fused)", rnnFieldsOf(this).cell);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor {
    return callLayer(rnnFieldsOf(this), inputs, kwargs, gruOp);
  }
}
// Registered under "GRU" in place of the stock class: loading builds the fused layer.
tf.serialization.registerClass(FusedGRU);

/** Fails at construction, not at the first batch, for an activation the kernels lack. */
function checkActivations(layer: string, cell: RnnCellFields): void {
  for (const act of [cell.activation, cell.recurrentActivation]) {
    if (act == null) continue;
    const name = act.getClassName();
    if (!(ACTIVATIONS as readonly string[]).includes(name)) {
      throw new Error(
        `${layer}: activation "${name}" is not supported by the fused kernels ` +
          `(${ACTIVATIONS.join(", ")}); use the stock tf.layers layer`,
      );
    }
  }
}

/**
 * A fused SimpleRNN layer: `tf.layers.simpleRNN(config)` with TF2 Keras defaults.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "./tf.ts";
 * import { fusedSimpleRNN } from "./fused_rnn.ts";
 *
 * const model = tf.sequential();
 * model.add(fusedSimpleRNN({ units: 32, inputShape: [100, 100] })); // one-hot reviews
 * model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
 * assert.equal(model.countParams(), 4289); // the book's one-hot model
 * ```
 */
export function fusedSimpleRNN(config: FusedSimpleRNNConfig): FusedSimpleRNN {
  return new FusedSimpleRNN(config);
}

/**
 * A fused LSTM layer: `tf.layers.lstm(config)` with TF2 Keras defaults.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "./tf.ts";
 * import { fusedLSTM } from "./fused_rnn.ts";
 *
 * const layer = fusedLSTM({ units: 8 });
 * const config = layer.getConfig();
 * assert.equal(config.recurrentActivation, "sigmoid"); // Keras's default; tfjs's is hardSigmoid
 * assert.equal(config.unitForgetBias, true);
 * const out = layer.apply(tf.ones([2, 100, 32])) as ReturnType<typeof tf.ones>;
 * assert.deepEqual(out.shape, [2, 8]); // the last step of each sequence
 * ```
 */
export function fusedLSTM(config: FusedLSTMConfig): FusedLSTM {
  return new FusedLSTM(config);
}

/**
 * A fused GRU layer: `tf.layers.gru(config)` with TF2 Keras defaults, tfjs's
 * `resetAfter: false` unless asked.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "./tf.ts";
 * import { fusedGRU } from "./fused_rnn.ts";
 *
 * const model = tf.sequential();
 * model.add(tf.layers.embedding({ inputDim: 1000, outputDim: 32, inputLength: 100 }));
 * model.add(fusedGRU({ units: 8 })); // in place of tf.layers.gru({ units: 8 })
 * assert.equal(model.getConfig().layers[1].config.resetAfter, false); // tfjs's form
 * assert.deepEqual(model.layers[1].getWeights().map((w) => w.shape), [[32, 24], [8, 24], [24]]);
 * const keras2 = fusedGRU({ units: 8, resetAfter: true }); // Keras 2's and PyTorch's form
 * keras2.apply(tf.ones([1, 3, 32]));
 * assert.deepEqual(keras2.getWeights()[2].shape, [2, 24]); // input bias, recurrent bias
 * ```
 */
export function fusedGRU(config: FusedGRUConfig): FusedGRU {
  return new FusedGRU(config);
}
