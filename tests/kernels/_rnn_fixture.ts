/**
 * Digests (SHA-256 of the float32 bytes) of what the fused RNN kernels and the fast training
 * step compute on fixed inputs, to hold a refactored tree bit for bit to the tree the fixture was
 * recorded in. `rnn_fixture_test.ts` compares the current tree with
 * `tests/fixtures/rnn_kernels.json` (its history is in that test's documentation), recorded with
 *
 *     deno run -A tests/kernels/_rnn_fixture.ts /path/to/checkout > tests/fixtures/rnn_kernels.json
 *
 * (the script also reads the layout of commit e1480e0: `src/rnn_kernels.ts`, `src/models.ts`,
 * `src/train_step.ts`).
 * The cases are the chapter's three models (batch 32, 100 steps) and the paths the models do not
 * take: other activations, batch 1, 1 step, no bias, `returnSequences`, non-one-hot sparse input.
 * Only cases whose gate count is a multiple of 4 are listed: the ones the WebAssembly path ran.
 * @module
 */
import type { LayersModel, Tensor } from "@tensorflow/tfjs";

/** The kernel functions compared (the same signatures before and after the refactor). */
export interface RnnKernelModule {
  simpleRnnForward(args: CaseArgs, activation: string): { h: Float32Array };
  simpleRnnBackward(cache: unknown, back: { dy: ArrayLike<number>; returnSequences: boolean }): {
    dZ: Float32Array;
    dKernel: Float32Array;
    dRecurrentKernel: Float32Array;
    dBias: Float32Array;
  };
  lstmForward(args: CaseArgs, activation: string, recurrentActivation: string): {
    h: Float32Array;
    c: Float32Array;
    gates: Float32Array;
    actC: Float32Array;
  };
  lstmBackward: RnnKernelModule["simpleRnnBackward"];
  inputGrad(grads: { dZ: Float32Array }, args: CaseArgs): Float32Array;
}

/** The arguments of one call: [batch, steps, inputDim] x, the weights, flattened. */
export interface CaseArgs {
  batch: number;
  steps: number;
  inputDim: number;
  units: number;
  x: Float32Array;
  kernel: Float32Array;
  recurrentKernel: Float32Array;
  bias: Float32Array | null;
}

/** One kernel case. */
export interface KernelCase {
  name: string;
  lstm: boolean;
  activation: string;
  recurrentActivation: string;
  returnSequences: boolean;
  args: CaseArgs;
}

/** Seeded uniform numbers in [-scale, scale) (a linear congruential generator). */
export function uniform(n: number, seed: number, scale = 0.5): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 31 - 1) * scale;
  });
}

/** x [batch, steps, inputDim] with one non-zero per row: `value` at a seeded column. */
function oneHot(rows: number, inputDim: number, seed: number, value = 1): Float32Array {
  const x = new Float32Array(rows * inputDim);
  const pick = uniform(rows, seed, 1);
  for (let r = 0; r < rows; r++) {
    x[r * inputDim + Math.floor((pick[r] + 1) / 2 * inputDim)] = value;
  }
  return x;
}

/** The cases, every one built from seeds. */
export function kernelCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  let seed = 1;
  const add = (
    name: string,
    sizes: { batch: number; steps: number; inputDim: number; units: number },
    options: {
      lstm?: boolean;
      activation?: string;
      recurrentActivation?: string;
      sparse?: number;
      bias?: boolean;
    } = {},
  ) => {
    const { batch, steps, inputDim, units } = sizes;
    const { lstm = false, activation = "tanh", recurrentActivation = "sigmoid" } = options;
    const gates = lstm ? 4 * units : units;
    const x = options.sparse === undefined
      ? uniform(batch * steps * inputDim, seed++, 1)
      : oneHot(batch * steps, inputDim, seed++, options.sparse);
    const args: CaseArgs = {
      ...sizes,
      x,
      kernel: uniform(inputDim * gates, seed++),
      recurrentKernel: uniform(units * gates, seed++),
      bias: options.bias === false ? null : uniform(gates, seed++, 0.1),
    };
    for (const returnSequences of [false, true]) {
      cases.push({
        name: `${name} returnSequences=${returnSequences}`,
        lstm,
        activation,
        recurrentActivation,
        returnSequences,
        args,
      });
    }
  };
  add("one-hot SimpleRNN(32), the chapter's", { batch: 32, steps: 100, inputDim: 100, units: 32 }, {
    sparse: 1,
  });
  add("embedded SimpleRNN(8), the chapter's", { batch: 32, steps: 100, inputDim: 32, units: 8 });
  add("embedded LSTM(8), the chapter's", { batch: 32, steps: 100, inputDim: 32, units: 8 }, {
    lstm: true,
  });
  add("SimpleRNN(4) relu, batch 1", { batch: 1, steps: 9, inputDim: 5, units: 4 }, {
    activation: "relu",
  });
  add("SimpleRNN(12) sigmoid, 1 step", { batch: 3, steps: 1, inputDim: 7, units: 12 }, {
    activation: "sigmoid",
  });
  add("SimpleRNN(20) hardSigmoid, no bias", { batch: 2, steps: 6, inputDim: 3, units: 20 }, {
    activation: "hardSigmoid",
    bias: false,
  });
  add("SimpleRNN(16) linear, sparse 2.5", { batch: 3, steps: 5, inputDim: 11, units: 16 }, {
    activation: "linear",
    sparse: 2.5,
  });
  add("LSTM(3) relu/hardSigmoid", { batch: 2, steps: 7, inputDim: 5, units: 3 }, {
    lstm: true,
    activation: "relu",
    recurrentActivation: "hardSigmoid",
  });
  add("LSTM(5) one-hot, batch 1, no bias", { batch: 1, steps: 4, inputDim: 9, units: 5 }, {
    lstm: true,
    sparse: 1,
    bias: false,
  });
  add("LSTM(1), 1 step", { batch: 3, steps: 1, inputDim: 2, units: 1 }, { lstm: true });
  return cases;
}

/** Hex SHA-256 of the bytes of float32 arrays, in order. */
export async function digest(...arrays: Float32Array[]): Promise<string> {
  const bytes = new Uint8Array(arrays.reduce((n, a) => n + a.byteLength, 0));
  let at = 0;
  for (const a of arrays) {
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Digests of every output of the forward and backward passes and of d x, by case name. */
export async function kernelDigests(kernels: RnnKernelModule): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of kernelCases()) {
    const { batch, steps, units } = c.args;
    const dy = uniform(c.returnSequences ? batch * steps * units : batch * units, 99);
    const back = { dy, returnSequences: c.returnSequences };
    const arrays: Float32Array[] = [];
    if (c.lstm) {
      const cache = kernels.lstmForward(c.args, c.activation, c.recurrentActivation);
      arrays.push(cache.h.slice(), cache.c.slice(), cache.gates.slice(), cache.actC.slice());
      const grads = kernels.lstmBackward(cache, back);
      arrays.push(grads.dZ.slice(), grads.dKernel, grads.dRecurrentKernel, grads.dBias);
      arrays.push(kernels.inputGrad(grads, c.args));
    } else {
      const cache = kernels.simpleRnnForward(c.args, c.activation);
      arrays.push(cache.h.slice());
      const grads = kernels.simpleRnnBackward(cache, back);
      arrays.push(grads.dZ.slice(), grads.dKernel, grads.dRecurrentKernel, grads.dBias);
      arrays.push(kernels.inputGrad(grads, c.args));
    }
    out[c.name] = await digest(...arrays);
  }
  return out;
}

/** What the training digests need from a tree. */
export interface TrainingModules {
  // deno-lint-ignore no-explicit-any
  tf: any;
  buildModel(kind: string, options: { seed: number }): LayersModel;
  trainOnBatchFast(model: LayersModel, xs: Tensor, ys: Tensor): Promise<[number, number]>;
}

/**
 * For each of the chapter's models (seed 42): three training steps of `trainOnBatchFast` on
 * seeded batches of 32 reviews of 100 words; the digest of the losses, accuracies and every
 * weight after each step.
 */
export async function trainingDigests(m: TrainingModules): Promise<Record<string, string[]>> {
  const { tf } = m;
  const out: Record<string, string[]> = {};
  for (const kind of ["simple_rnn_onehot", "embedding_simple_rnn", "embedding_lstm"]) {
    const words = kind === "simple_rnn_onehot" ? 100 : 1000;
    const model = m.buildModel(kind, { seed: 42 });
    out[kind] = [];
    for (let i = 0; i < 3; i++) {
      const pick = uniform(32 * 100, 500 + i, 1);
      const ids = Int32Array.from(
        pick,
        (v) => Math.min(words - 1, Math.floor((v + 1) / 2 * words)),
      );
      const labels = Float32Array.from(uniform(32, 600 + i, 1), (v) => v > 0 ? 1 : 0);
      let x: Tensor;
      if (kind === "simple_rnn_onehot") {
        const data = new Float32Array(32 * 100 * words);
        ids.forEach((id, r) => data[r * words + id] = 1);
        x = tf.tensor3d(data, [32, 100, words]);
      } else x = tf.tensor2d(ids, [32, 100], "int32");
      const y = tf.tensor2d(labels, [32, 1]);
      const [loss, accuracy] = await m.trainOnBatchFast(model, x, y);
      const weights = model.getWeights().map((w: Tensor) => w.dataSync() as Float32Array);
      out[kind].push(await digest(Float32Array.of(loss, accuracy), ...weights));
      tf.dispose([x, y]);
    }
    model.dispose();
  }
  return out;
}

if (import.meta.main) {
  const root = Deno.args[0];
  if (root === undefined) throw new Error("_rnn_fixture.ts: give the root of a checkout");
  const at = (...candidates: string[]) => {
    for (const c of candidates) {
      try {
        Deno.statSync(`${root}/${c}`);
        return `file://${Deno.realPathSync(`${root}/${c}`)}`;
      } catch { /* the other layout */ }
    }
    throw new Error(`_rnn_fixture.ts: none of ${candidates} under ${root}`);
  };
  const kernels = await import(at("src/kernels/mod.ts", "src/rnn_kernels.ts"));
  const { tf } = await import(at("src/tfjs/tf.ts", "src/tf.ts"));
  const { buildModel } = await import(at("src/tfjs/models.ts", "src/models.ts"));
  const { trainOnBatchFast } = await import(at("src/tfjs/_train_step.ts", "src/train_step.ts"));
  const kernelsOut = await kernelDigests(kernels);
  const training = await trainingDigests({ tf, buildModel, trainOnBatchFast });
  console.log(JSON.stringify({ kernels: kernelsOut, training }, null, 2));
}
