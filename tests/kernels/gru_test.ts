import assert from "node:assert/strict";
import { ACTIVATIONS } from "../../src/kernels/activations.ts";
import {
  inputGradFast,
  inputGradReference,
  lastStep,
  type RnnForwardArgs,
} from "../../src/kernels/rnn.ts";
import {
  gruBackward,
  gruBackwardFast,
  gruBackwardReference,
  gruForward,
  gruForwardFast,
  gruForwardReference,
  type GruOptions,
} from "../../src/kernels/gru.ts";
import { f32Kernels } from "../../src/kernels/_wasm_f32.ts";
import { assertClose, callArgs, type CallShape, SHAPES, uniform } from "./_rnn_testing.ts";

const simd = f32Kernels !== null;
const TFJS: GruOptions = { activation: "tanh", recurrentActivation: "sigmoid", resetAfter: false };
const KERAS2: GruOptions = { ...TFJS, resetAfter: true };

/** Seeded GRU arguments; with resetAfter the bias is [2, 3 units]. */
function gruArgs(shape: CallShape, seed: number, resetAfter: boolean): RnnForwardArgs {
  const args = callArgs(shape, 3, seed);
  if (!resetAfter || args.bias === null) return args;
  return { ...args, bias: uniform(6 * shape.units, seed + 3, 0.2) };
}

Deno.test("GRU reference", async (t) => {
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  await t.step("forward by hand: two steps of one unit, both forms", () => {
    // x = [1, 0.5], kernel z r h = [0.3, -0.2, 0.8], R = [0.5, 0.4, -0.7]
    const base = {
      batch: 1,
      steps: 2,
      inputDim: 1,
      units: 1,
      x: [1, 0.5],
      kernel: [0.3, -0.2, 0.8],
      recurrentKernel: [0.5, 0.4, -0.7],
    };
    const step = (x: number, hp: number, resetAfter: boolean, b: number[]) => {
      const z = sigmoid(0.3 * x + b[0] + 0.5 * hp + (resetAfter ? b[3] : 0));
      const r = sigmoid(-0.2 * x + b[1] + 0.4 * hp + (resetAfter ? b[4] : 0));
      const hh = resetAfter
        ? Math.tanh(0.8 * x + b[2] + r * (-0.7 * hp + b[5]))
        : Math.tanh(0.8 * x + b[2] + -0.7 * (r * hp));
      return z * hp + (1 - z) * hh;
    };
    for (
      const [resetAfter, bias] of [[false, [0.1, 0.2, -0.1]], [true, [
        0.1,
        0.2,
        -0.1,
        0.3,
        -0.2,
        0.25,
      ]]] as const
    ) {
      const { h } = gruForwardReference({ ...base, bias }, { ...TFJS, resetAfter });
      const h1 = step(1, 0, resetAfter, [...bias]);
      const h2 = step(0.5, h1, resetAfter, [...bias]);
      assert.ok(Math.abs(h[0] - h1) < 1e-7, `resetAfter ${resetAfter}: h1 ${h[0]} vs ${h1}`);
      assert.ok(Math.abs(h[1] - h2) < 1e-7, `resetAfter ${resetAfter}: h2 ${h[1]} vs ${h2}`);
    }
  });

  await t.step("backward matches central differences (both forms, sigmoid and tanh)", () => {
    // small sizes; the forward's values are float32 numbers, so the differences are good to
    // ~1e-5 with steps of 1e-2 and 5e-3
    for (
      const options of [TFJS, KERAS2, {
        ...TFJS,
        activation: "linear",
        recurrentActivation: "linear",
      }, { ...KERAS2, activation: "linear", recurrentActivation: "linear" }]
    ) {
      const args = gruArgs({ batch: 2, steps: 3, inputDim: 2, units: 2 }, 40, options.resetAfter);
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
          const { h } = gruForwardReference(a, options);
          return (returnSequences ? h : lastStep(h, a)).reduce((s, v, i) => s + v * dy[i], 0);
        };
        const grads = gruBackwardReference(gruForwardReference(base, options), {
          dy,
          returnSequences,
        });
        const check = (key: Key, got: ArrayLike<number>) => {
          assert.equal(got.length, base[key].length, `d/d ${key}: length`);
          for (let i = 0; i < got.length; i++) {
            const difference = (step: number) => {
              const plus = [...base[key]];
              const minus = [...base[key]];
              plus[i] += step;
              minus[i] -= step;
              return (loss({ ...base, [key]: plus }) - loss({ ...base, [key]: minus })) /
                (2 * step);
            };
            // Richardson: the step² error of central differences cancels
            const want = (4 * difference(5e-3) - difference(1e-2)) / 3;
            assert.ok(
              Math.abs(got[i] - want) < 1e-4,
              `${JSON.stringify(options)}: d/d ${key}[${i}]: ${got[i]} vs ${want}`,
            );
          }
        };
        check("x", inputGradReference(grads, base));
        check("kernel", grads.dKernel);
        check("recurrentKernel", grads.dRecurrentKernel);
        check("bias", grads.dBias);
      }
    }
  });
});

/** Reference and fast forward (every cached array), backward and d x of one call. */
function bothPaths(args: RnnForwardArgs, options: GruOptions, returnSequences: boolean) {
  const { batch, steps, units } = args;
  const dy = uniform(returnSequences ? batch * steps * units : batch * units, 17);
  const back = { dy, returnSequences };
  const run = (path: "reference" | "fast") => {
    const cache = path === "reference"
      ? gruForwardReference(args, options)
      : gruForwardFast(args, options);
    const forward = { h: cache.h.slice(), gates: cache.gates.slice(), reset: cache.reset.slice() };
    const grads = path === "reference"
      ? gruBackwardReference(cache, back)
      : gruBackwardFast(cache, back);
    const dx = path === "reference" ? inputGradReference(grads, args) : inputGradFast(grads, args);
    return { ...forward, ...grads, dZ: grads.dZ.slice(), dx };
  };
  return { reference: run("reference"), fast: run("fast") };
}

/** The shared shapes, with GRU units 1, 3, 5, 7 (15, 21 gate columns: remainders) too. */
const GRU_SHAPES: CallShape[] = [
  ...SHAPES,
  { batch: 2, steps: 7, inputDim: 5, units: 3 },
  { batch: 1, steps: 4, inputDim: 9, units: 5, oneHot: true, noBias: true },
  { batch: 3, steps: 1, inputDim: 2, units: 1 },
];

Deno.test({
  name: "GRU fast path equals the reference",
  ignore: !simd,
  fn: async (t) => {
    const TOL = 1e-6; // float32 sums (fast) against float64 sums (reference)
    let worst = 0;
    const keys = ["h", "gates", "reset", "dZ", "dKernel", "dRecurrentKernel", "dBias", "dx"];
    const compare = (shape: CallShape, seed: number, options: GruOptions) => {
      for (const returnSequences of [false, true]) {
        const args = gruArgs(shape, seed, options.resetAfter);
        const { reference, fast } = bothPaths(args, options, returnSequences);
        for (const key of keys as Array<Exclude<keyof typeof fast, "dTable">>) {
          worst = Math.max(worst, assertClose(fast[key], reference[key], key, TOL));
        }
      }
    };
    for (const options of [TFJS, KERAS2]) {
      for (const [s, shape] of GRU_SHAPES.entries()) {
        await t.step(`resetAfter ${options.resetAfter}, ${JSON.stringify(shape)}`, () => {
          compare(shape, 10 * s, options);
        });
      }
    }
    for (const activation of ACTIVATIONS) {
      for (const recurrentActivation of ACTIVATIONS) {
        await t.step(`activation ${activation}, recurrentActivation ${recurrentActivation}`, () => {
          for (const resetAfter of [false, true]) {
            for (const shape of [GRU_SHAPES[0], GRU_SHAPES[7]]) {
              compare(shape, 3, { activation, recurrentActivation, resetAfter });
            }
          }
        });
      }
    }
    await t.step(`(largest difference: ${worst.toExponential(2)} of the scale)`, () => {
      assert.ok(worst > 0, "the two paths are different code: some float32 rounding differs");
    });
  },
});

Deno.test("GRU: the fast path where WebAssembly SIMD runs", async (t) => {
  for (const resetAfter of [false, true]) {
    const args = gruArgs({ batch: 2, steps: 4, inputDim: 3, units: 5 }, 4, resetAfter);
    const options = { ...TFJS, resetAfter };
    const back = { dy: uniform(2 * 5, 3), returnSequences: false };
    await t.step(`resetAfter ${resetAfter}: gruForward / gruBackward are the fast path`, () => {
      const cache = gruForward(args, "tanh", "sigmoid", resetAfter);
      const expected = simd ? gruForwardFast(args, options) : gruForwardReference(args, options);
      assert.deepEqual(cache.h, expected.h);
      const want = simd ? gruBackwardFast(expected, back) : gruBackwardReference(expected, back);
      assert.deepEqual(gruBackward(cache, back), want);
      if (simd) assert.notDeepEqual(cache.h, gruForwardReference(args, options).h);
    });
    await t.step(`resetAfter ${resetAfter}: no argument is mutated`, () => {
      const copy = structuredClone(args);
      const dyCopy = back.dy.slice();
      gruBackward(gruForward(args, "tanh", "sigmoid", resetAfter), back);
      assert.deepEqual(args, copy);
      assert.deepEqual(back.dy, dyCopy);
    });
  }
  await t.step("names the array whose length does not fit the sizes", () => {
    const args = gruArgs({ batch: 2, steps: 4, inputDim: 3, units: 5 }, 4, false);
    assert.throws(
      () => gruForward({ ...args, recurrentKernel: [0] }, "tanh", "sigmoid"),
      /gruForward(Fast|Reference): recurrentKernel has 1 numbers, expected 75/,
    );
    assert.throws(
      () => gruForward(args, "tanh", "sigmoid", true),
      /bias has 15 numbers, expected 30 for units 5 \(resetAfter: \[2, 3 units\]/,
    );
    assert.throws(
      () => gruForwardReference({ ...args, x: [1, 2] }, TFJS),
      /gruForwardReference: x has 2 numbers, expected 24/,
    );
    const cache = gruForward(args, "tanh", "sigmoid");
    assert.throws(
      () => gruBackward(cache, { dy: [1], returnSequences: false }),
      /dy has 1 numbers, expected 10 \(\[batch, units\]\)/,
    );
  });
  await t.step("names the activation it lacks", () => {
    const args = gruArgs({ batch: 1, steps: 2, inputDim: 3, units: 2 }, 4, false);
    assert.throws(() => gruForward(args, "tanh", "softsign"), /activation "softsign"/);
    assert.throws(() => gruForwardReference(args, { ...TFJS, activation: "elu" }), /"elu"/);
  });
});
