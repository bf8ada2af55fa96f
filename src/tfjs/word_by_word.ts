/**
 * A trained model reading a review one word at a time (9-4): the probability that the review is
 * positive after each word, and for an LSTM (a GRU) its gates and cell state (its gates) at each
 * word. The book's equations in plain float64 loops over the weights of the chapter's embedding
 * models and the GRU a reader tries next, `Embedding → SimpleRNN | LSTM | GRU → Dense(1,
 * sigmoid)` (Keras's gate orders i, f, c, o and z, r, h):
 *
 *   SimpleRNN:  h_t = tanh(x_t W_x + h_(t−1) W_h + b)
 *   LSTM:       i_t = σ(x_t W_xi + h_(t−1) W_hi + b_i)   f_t, o_t alike,  g_t = tanh(...)
 *               c_t = f_t ⊙ c_(t−1) + i_t ⊙ g_t,  h_t = o_t ⊙ tanh(c_t)
 *   GRU:        z_t = σ(x_t W_xz + h_(t−1) W_hz + b_z),  r_t alike
 *               hh_t = tanh(x_t W_xh + (r_t ⊙ h_(t−1)) W_hh + b_h)  (resetAfter: r_t ⊙ (h_(t−1)
 *               W_hh + b'_h), with the recurrent bias b' added to every gate's recurrent side)
 *               h_t = z_t ⊙ h_(t−1) + (1 − z_t) ⊙ hh_t
 *   after step t:  z_t = h_t · w + b_out,  P(positive) = σ(z_t)
 *
 * Reading the state after step t is what `model.predict` does with the first t + 1 ids as the
 * whole input: a recurrent network has no other memory of the words it has read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "./tf.ts";
 * import { buildModel } from "./models.ts";
 * import { readWordByWord } from "./word_by_word.ts";
 *
 * const model = buildModel("embedding_lstm", { seed: 42 });
 * const ids = [0, 0, 87, 20, 531]; // padding, then three words
 * const reading = readWordByWord(model, ids);
 * assert.equal(reading.p.length, 5); // one probability per step
 * assert.deepEqual(reading.gates?.input.shape, [5, 8]); // [steps, units]
 * const out = model.predict(tf.tensor2d([ids], [1, 5], "int32")) as ReturnType<typeof tf.tensor>;
 * const last = out.dataSync()[0];
 * assert.ok(Math.abs(reading.p[4] - last) < 1e-6); // the whole review: model.predict
 * ```
 * @module
 */
import type { NDArray } from "../data/ndarray.ts";
import { ndarray } from "../data/ndarray.ts";
import type { LayersModel } from "./training.ts";

/** The weights of an `Embedding → SimpleRNN | LSTM | GRU → Dense(1, sigmoid)` model, float64. */
export interface EmbeddingRnnWeights {
  /** The recurrent layer's class. */
  kind: "SimpleRNN" | "LSTM" | "GRU";
  /** GRU only: Keras's `reset_after` (the bias is then [2, 3 units]: input, recurrent) */
  resetAfter: boolean;
  /** Rows of the embedding (words), its width, and the recurrent layer's units. */
  vocab: number;
  dim: number;
  units: number;
  /** [vocab, dim] */
  embeddings: Float64Array;
  /** [dim, gates · units] (gates: 1 for SimpleRNN, 4 for LSTM (i, f, c, o), 3 for GRU (z, r, h)) */
  kernel: Float64Array;
  /** [units, gates · units] */
  recurrentKernel: Float64Array;
  /** [gates · units], [2, 3 units] for a GRU with resetAfter (zeros when the layer has none) */
  bias: Float64Array;
  /** The recurrent layer's activation (SimpleRNN's, or LSTM's candidate and cell). */
  activation: string;
  /** LSTM's gate activation ("sigmoid" in Keras). */
  recurrentActivation: string;
  /** The output unit's weights [units] and bias. */
  dense: Float64Array;
  denseBias: number;
}

/** The gates and states of an LSTM at each step, each [steps, units] float64. */
export interface LstmGates {
  input: NDArray<"float64">;
  forget: NDArray<"float64">;
  /** g_t, the candidate values */
  candidate: NDArray<"float64">;
  output: NDArray<"float64">;
  /** c_t, the cell state */
  cell: NDArray<"float64">;
  /** h_t, the hidden state */
  hidden: NDArray<"float64">;
}

/** The gates and state of a GRU at each step, each [steps, units] float64. */
export interface GruGates {
  /** z_t, how much of h_(t−1) carries over */
  update: NDArray<"float64">;
  reset: NDArray<"float64">;
  /** hh_t, the candidate state */
  candidate: NDArray<"float64">;
  /** h_t */
  hidden: NDArray<"float64">;
}

/** What a model computes at each step of one sequence. */
export interface StepTrace {
  /** [steps] the output unit's logit z_t after each step */
  z: Float64Array;
  /** [steps] P(positive) = σ(z_t) after each step */
  p: Float64Array;
  /** LSTM only: the gates and states of each step */
  gates?: LstmGates;
  /** GRU only: the gates and state of each step */
  gruGates?: GruGates;
}

const ACTIVATIONS: Record<string, (z: number) => number> = {
  tanh: Math.tanh,
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  hardSigmoid: (z) => Math.min(1, Math.max(0, 0.2 * z + 0.5)),
  relu: (z) => Math.max(0, z),
  linear: (z) => z,
};

function activationFn(name: string, layer: string): (z: number) => number {
  const fn = ACTIVATIONS[name];
  if (fn === undefined) {
    throw new Error(
      `${layer}: activation "${name}" is not one of ${Object.keys(ACTIVATIONS).join(", ")}`,
    );
  }
  return fn;
}

/** tfjs's serialized activation name ("tanh", "sigmoid", "hard_sigmoid", ...), camel-cased. */
function activationName(value: unknown): string {
  const name = typeof value === "string" ? value : String(value);
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The weights of one of the chapter's embedding models as float64 arrays.
 *
 * @throws Error naming the layers when the model is not Embedding → SimpleRNN | LSTM | GRU (last
 *   step only) → Dense(1, sigmoid).
 */
export function embeddingRnnWeights(model: LayersModel): EmbeddingRnnWeights {
  const names = model.layers.map((l) => l.getClassName());
  const [embedding, rnn, dense] = model.layers;
  const kind = names[1];
  if (
    model.layers.length !== 3 || names[0] !== "Embedding" ||
    (kind !== "SimpleRNN" && kind !== "LSTM" && kind !== "GRU") || names[2] !== "Dense"
  ) {
    throw new Error(
      `expected a model Embedding -> SimpleRNN | LSTM | GRU -> Dense(1, sigmoid), got ${
        names.join(" -> ")
      }`,
    );
  }
  const rnnConfig = rnn.getConfig();
  const denseConfig = dense.getConfig();
  if (rnnConfig.returnSequences || rnnConfig.goBackwards) {
    throw new Error(`layer "${rnn.name}": returnSequences and goBackwards are not read here`);
  }
  if (denseConfig.units !== 1 || activationName(denseConfig.activation) !== "sigmoid") {
    throw new Error(`layer "${dense.name}": expected Dense(1, sigmoid)`);
  }
  const f64 = (t: { dataSync(): ArrayLike<number> }) => Float64Array.from(t.dataSync());
  const [embeddings] = embedding.getWeights().map(f64);
  const rnnWeights = rnn.getWeights().map(f64);
  const [denseKernel, denseBias] = dense.getWeights().map(f64);
  const units = rnnConfig.units as number;
  const gates = kind === "LSTM" ? 4 : kind === "GRU" ? 3 : 1;
  const dim = rnnWeights[0].length / (gates * units);
  const resetAfter = kind === "GRU" && rnnConfig.resetAfter === true;
  return {
    kind,
    resetAfter,
    vocab: embeddings.length / dim,
    dim,
    units,
    embeddings,
    kernel: rnnWeights[0],
    recurrentKernel: rnnWeights[1],
    bias: rnnWeights[2] ?? new Float64Array((resetAfter ? 2 : 1) * gates * units),
    activation: activationName(rnnConfig.activation),
    recurrentActivation: activationName(rnnConfig.recurrentActivation ?? "sigmoid"),
    dense: denseKernel,
    denseBias: denseBias?.[0] ?? 0,
  };
}

/**
 * The recurrent layer and the output unit over one sequence of input vectors (the embedding's
 * output), step by step in float64.
 *
 * @param xs [steps, dim] the recurrent layer's inputs x_t
 */
export function runSteps(w: EmbeddingRnnWeights, xs: ArrayLike<number>): StepTrace {
  const { dim, units, kernel, recurrentKernel, bias, dense, denseBias } = w;
  if (xs.length % dim !== 0) {
    throw new Error(`xs has ${xs.length} numbers, not a whole number of steps of ${dim}`);
  }
  const steps = xs.length / dim;
  const act = activationFn(w.activation, w.kind);
  const rec = activationFn(w.recurrentActivation, w.kind);
  if (w.kind === "GRU") return runGruSteps(w, xs, steps, act, rec);
  const gates = w.kind === "LSTM" ? 4 : 1;
  const n = gates * units;
  const z = new Float64Array(steps);
  const p = new Float64Array(steps);
  const trace = w.kind === "LSTM"
    ? Array.from({ length: 6 }, () => new Float64Array(steps * units))
    : undefined;
  let h = new Float64Array(units);
  let c = new Float64Array(units);
  const pre = new Float64Array(n);
  for (let t = 0; t < steps; t++) {
    for (let g = 0; g < n; g++) {
      let s = bias[g];
      for (let d = 0; d < dim; d++) s += xs[t * dim + d] * kernel[d * n + g];
      for (let j = 0; j < units; j++) s += h[j] * recurrentKernel[j * n + g];
      pre[g] = s;
    }
    const hNext = new Float64Array(units);
    if (trace === undefined) {
      for (let u = 0; u < units; u++) hNext[u] = act(pre[u]);
    } else {
      const cNext = new Float64Array(units);
      for (let u = 0; u < units; u++) {
        const i = rec(pre[u]);
        const f = rec(pre[units + u]);
        const g = act(pre[2 * units + u]);
        const o = rec(pre[3 * units + u]);
        cNext[u] = f * c[u] + i * g;
        hNext[u] = o * act(cNext[u]);
        const at = t * units + u;
        [trace[0][at], trace[1][at], trace[2][at], trace[3][at]] = [i, f, g, o];
        [trace[4][at], trace[5][at]] = [cNext[u], hNext[u]];
      }
      c = cNext;
    }
    h = hNext;
    let zt = denseBias;
    for (let u = 0; u < units; u++) zt += h[u] * dense[u];
    z[t] = zt;
    p[t] = 1 / (1 + Math.exp(-zt));
  }
  if (trace === undefined) return { z, p };
  const nd = (data: Float64Array) => ndarray({ shape: [steps, units], dtype: "float64", data });
  const [input, forget, candidate, output, cell, hidden] = trace.map(nd);
  return { z, p, gates: { input, forget, candidate, output, cell, hidden } };
}

/** {@link runSteps} of a GRU (either form), in float64. */
function runGruSteps(
  w: EmbeddingRnnWeights,
  xs: ArrayLike<number>,
  steps: number,
  act: (z: number) => number,
  rec: (z: number) => number,
): StepTrace {
  const { dim, units, kernel, recurrentKernel, bias, dense, denseBias, resetAfter } = w;
  const n = 3 * units;
  const z = new Float64Array(steps);
  const p = new Float64Array(steps);
  const trace = Array.from({ length: 4 }, () => new Float64Array(steps * units));
  let h = new Float64Array(units);
  const x = new Float64Array(n); // x_t · kernel + bias (the input bias with resetAfter)
  const r = new Float64Array(n); // h_(t−1) · R (+ the recurrent bias with resetAfter)
  for (let t = 0; t < steps; t++) {
    for (let g = 0; g < n; g++) {
      let s = bias[g];
      for (let d = 0; d < dim; d++) s += xs[t * dim + d] * kernel[d * n + g];
      x[g] = s;
      let q = resetAfter ? bias[n + g] : 0;
      // without resetAfter the candidate's recurrent side waits for r_t (below)
      if (resetAfter || g < 2 * units) {
        for (let j = 0; j < units; j++) q += h[j] * recurrentKernel[j * n + g];
      }
      r[g] = q;
    }
    const hNext = new Float64Array(units);
    const reset = new Float64Array(units);
    for (let u = 0; u < units; u++) reset[u] = rec(x[units + u] + r[units + u]);
    for (let u = 0; u < units; u++) {
      const update = rec(x[u] + r[u]);
      let s = x[2 * units + u];
      if (resetAfter) s += reset[u] * r[2 * units + u];
      else {
        for (let j = 0; j < units; j++) {
          s += reset[j] * h[j] * recurrentKernel[j * n + 2 * units + u];
        }
      }
      const candidate = act(s);
      hNext[u] = update * h[u] + (1 - update) * candidate;
      const at = t * units + u;
      [trace[0][at], trace[1][at], trace[2][at], trace[3][at]] = [
        update,
        reset[u],
        candidate,
        hNext[u],
      ];
    }
    h = hNext;
    let zt = denseBias;
    for (let u = 0; u < units; u++) zt += h[u] * dense[u];
    z[t] = zt;
    p[t] = 1 / (1 + Math.exp(-zt));
  }
  const nd = (data: Float64Array) => ndarray({ shape: [steps, units], dtype: "float64", data });
  const [update, reset, candidate, hidden] = trace.map(nd);
  return { z, p, gruGates: { update, reset, candidate, hidden } };
}

/** The embedding's rows for `ids`: [ids.length, dim] float64. */
export function embed(w: EmbeddingRnnWeights, ids: ArrayLike<number>): Float64Array {
  const xs = new Float64Array(ids.length * w.dim);
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t];
    if (!Number.isInteger(id) || id < 0 || id >= w.vocab) {
      throw new Error(`ids[${t}] = ${id} is not a word id in [0, ${w.vocab})`);
    }
    xs.set(w.embeddings.subarray(id * w.dim, (id + 1) * w.dim), t * w.dim);
  }
  return xs;
}

/**
 * The model reading `ids` (one review, e.g. a row of `prepareImdb`'s pre-padded arrays) step by
 * step: P(positive) after each step (equal to `model.predict` of the first t + 1 ids) and, for
 * an LSTM, its gates, cell and hidden state (`gates`); for a GRU its gates and state
 * (`gruGates`).
 *
 * @param model Embedding → SimpleRNN | LSTM | GRU → Dense(1, sigmoid), e.g. 9-3's or 9-4's
 *   model, or the GRU of 9-4's Try it yourself.
 * @param ids [steps] word ids
 */
export function readWordByWord(model: LayersModel, ids: ArrayLike<number>): StepTrace {
  const w = embeddingRnnWeights(model);
  return runSteps(w, embed(w, ids));
}
