import assert from "node:assert/strict";
import { ACTIVATIONS } from "../../src/kernels/activations.ts";
import {
  inputGradFast,
  inputGradReference,
  lastStep,
  type RnnForwardArgs,
} from "../../src/kernels/rnn.ts";
import {
  lstmBackward,
  lstmBackwardFast,
  lstmBackwardReference,
  lstmForward,
  lstmForwardFast,
  lstmForwardReference,
} from "../../src/kernels/lstm.ts";
import { f32Kernels } from "../../src/kernels/_wasm_f32.ts";
import { assertClose, callArgs, type CallShape, SHAPES, uniform } from "./_rnn_testing.ts";

const simd = f32Kernels !== null;
const KERAS = { activation: "tanh", recurrentActivation: "sigmoid" };

Deno.test("LSTM reference", async (t) => {
  await t.step("forward by hand: one step, gates from x", () => {
    const { h, c } = lstmForwardReference({
      batch: 1,
      steps: 1,
      inputDim: 1,
      units: 1,
      x: [1],
      kernel: [1, 2, 3, 4], // i f c o
      recurrentKernel: [0, 0, 0, 0],
      bias: [0, 0, 0, 0],
    }, KERAS);
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    const cell = sigmoid(1) * Math.tanh(3); // f * c_prev (0) + i * g
    assert.ok(Math.abs(c[0] - cell) < 1e-7);
    assert.ok(Math.abs(h[0] - sigmoid(4) * Math.tanh(cell)) < 1e-7);
  });

  await t.step("backward matches central differences (linear activations)", () => {
    // linear activations keep the loss a polynomial: float64 differences are exact enough
    const args = callArgs({ batch: 2, steps: 3, inputDim: 2, units: 2 }, 4, 40);
    const linear = { activation: "linear", recurrentActivation: "linear" };
    type Key = "x" | "kernel" | "recurrentKernel" | "bias";
    const base = {
      ...args,
      x: Array.from(args.x),
      kernel: Array.from(args.kernel),
      recurrentKernel: Array.from(args.recurrentKernel),
      bias: Array.from(args.bias!),
    };
    for (const returnSequences of [false, true]) {
      const dy = Array.from(uniform(returnSequences ? 12 : 4, 41));
      const loss = (a: typeof base) => {
        const { h } = lstmForwardReference(a, linear);
        return (returnSequences ? h : lastStep(h, a)).reduce((s, v, i) => s + v * dy[i], 0);
      };
      const grads = lstmBackwardReference(lstmForwardReference(base, linear), {
        dy,
        returnSequences,
      });
      const check = (key: Key, got: ArrayLike<number>) => {
        for (let i = 0; i < got.length; i++) {
          const plus = [...base[key]];
          const minus = [...base[key]];
          plus[i] += 1e-2;
          minus[i] -= 1e-2;
          const want = (loss({ ...base, [key]: plus }) - loss({ ...base, [key]: minus })) / 2e-2;
          assert.ok(Math.abs(got[i] - want) < 1e-4, `d/d ${key}[${i}]: ${got[i]} vs ${want}`);
        }
      };
      check("x", inputGradReference(grads, base));
      check("kernel", grads.dKernel);
      check("recurrentKernel", grads.dRecurrentKernel);
      check("bias", grads.dBias);
    }
  });
});

/** Reference and fast forward (every cached array), backward and d x of one call. */
function bothPaths(
  args: RnnForwardArgs,
  activations: typeof KERAS,
  returnSequences: boolean,
) {
  const { batch, steps, units } = args;
  const dy = uniform(returnSequences ? batch * steps * units : batch * units, 17);
  const back = { dy, returnSequences };
  const run = (path: "reference" | "fast") => {
    const cache = path === "reference"
      ? lstmForwardReference(args, activations)
      : lstmForwardFast(args, activations);
    const forward = {
      h: cache.h.slice(),
      c: cache.c.slice(),
      actC: cache.actC.slice(),
      gates: cache.gates.slice(),
    };
    const grads = path === "reference"
      ? lstmBackwardReference(cache, back)
      : lstmBackwardFast(cache, back);
    const dx = path === "reference" ? inputGradReference(grads, args) : inputGradFast(grads, args);
    return { ...forward, ...grads, dZ: grads.dZ.slice(), dx };
  };
  return { reference: run("reference"), fast: run("fast") };
}

/** The SimpleRNN shapes with LSTM units that are not multiples of 4 too. */
const LSTM_SHAPES: CallShape[] = [
  ...SHAPES,
  { batch: 2, steps: 7, inputDim: 5, units: 3 },
  { batch: 1, steps: 4, inputDim: 9, units: 5, oneHot: true, noBias: true },
  { batch: 3, steps: 1, inputDim: 2, units: 1 },
];

Deno.test({
  name: "LSTM fast path equals the reference",
  ignore: !simd,
  fn: async (t) => {
    const TOL = 1e-6; // float32 sums (fast) against float64 sums (reference)
    let worst = 0;
    const keys = ["h", "c", "actC", "gates", "dZ", "dKernel", "dRecurrentKernel", "dBias", "dx"];
    const compare = (shape: CallShape, seed: number, activations: typeof KERAS) => {
      for (const returnSequences of [false, true]) {
        const { reference, fast } = bothPaths(
          callArgs(shape, 4, seed),
          activations,
          returnSequences,
        );
        for (const key of keys as Array<Exclude<keyof typeof fast, "dTable">>) {
          worst = Math.max(worst, assertClose(fast[key], reference[key], key, TOL));
        }
      }
    };
    for (const [s, shape] of LSTM_SHAPES.entries()) {
      await t.step(`${JSON.stringify(shape)}, tanh / sigmoid`, () => compare(shape, 10 * s, KERAS));
    }
    for (const activation of ACTIVATIONS) {
      for (const recurrentActivation of ACTIVATIONS) {
        await t.step(`activation ${activation}, recurrentActivation ${recurrentActivation}`, () => {
          for (const shape of [LSTM_SHAPES[0], LSTM_SHAPES[3]]) {
            compare(shape, 3, { activation, recurrentActivation });
          }
        });
      }
    }
    await t.step(`(largest difference: ${worst.toExponential(2)} of the scale)`, () => {
      assert.ok(worst > 0, "the two paths are different code: some float32 rounding differs");
    });
  },
});

Deno.test("LSTM: the fast path where WebAssembly SIMD runs", async (t) => {
  const args = callArgs({ batch: 2, steps: 4, inputDim: 3, units: 3 }, 4, 5);
  const back = { dy: uniform(2 * 3, 3), returnSequences: false };
  await t.step("lstmForward / lstmBackward are the fast path, bit for bit", () => {
    const cache = lstmForward(args, "tanh", "sigmoid");
    const expected = simd ? lstmForwardFast(args, KERAS) : lstmForwardReference(args, KERAS);
    assert.deepEqual(cache.h, expected.h);
    const want = simd ? lstmBackwardFast(expected, back) : lstmBackwardReference(expected, back);
    assert.deepEqual(lstmBackward(cache, back), want);
  });
  await t.step("no argument is mutated", () => {
    const copy = structuredClone(args);
    const dyCopy = back.dy.slice();
    lstmBackward(lstmForward(args, "tanh", "sigmoid"), back);
    assert.deepEqual(args, copy);
    assert.deepEqual(back.dy, dyCopy);
  });
  await t.step("names the array whose length does not fit the sizes", () => {
    assert.throws(
      () => lstmForward({ ...args, recurrentKernel: [0] }, "tanh", "sigmoid"),
      /lstmForward(Fast|Reference): recurrentKernel has 1 numbers, expected 36/,
    );
    assert.throws(
      () => lstmForwardReference({ ...args, x: [1, 2] }, KERAS),
      /lstmForwardReference: x has 2 numbers, expected 24/,
    );
    const cache = lstmForward(args, "tanh", "sigmoid");
    assert.throws(
      () => lstmBackward(cache, { dy: [1], returnSequences: false }),
      /dy has 1 numbers, expected 6 \(\[batch, units\]\)/,
    );
  });
  await t.step("names the activation it lacks", () => {
    assert.throws(() => lstmForward(args, "tanh", "softsign"), /activation "softsign"/);
    assert.throws(() => lstmForwardReference(args, { ...KERAS, activation: "elu" }), /"elu"/);
  });
});
