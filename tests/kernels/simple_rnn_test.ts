import assert from "node:assert/strict";
import { ACTIVATIONS } from "../../src/kernels/activations.ts";
import { tanh } from "../../src/kernels/_wasm_math.ts";
import {
  inputGrad,
  inputGradFast,
  inputGradReference,
  lastStep,
  type RnnForwardArgs,
} from "../../src/kernels/rnn.ts";
import {
  simpleRnnBackward,
  simpleRnnBackwardFast,
  simpleRnnBackwardReference,
  simpleRnnForward,
  simpleRnnForwardFast,
  simpleRnnForwardReference,
} from "../../src/kernels/simple_rnn.ts";
import { f32Kernels } from "../../src/kernels/_wasm_f32.ts";
import { assertClose, callArgs, SHAPES, uniform } from "./_rnn_testing.ts";

const simd = f32Kernels !== null;

Deno.test("SimpleRNN reference", async (t) => {
  await t.step("forward by hand: h1 = tanh(0.5), h2 = tanh(0.5 + h1)", () => {
    const args = {
      batch: 1,
      steps: 2,
      inputDim: 1,
      units: 1,
      x: [1, 1],
      kernel: [0.5],
      recurrentKernel: [1],
      bias: [0],
    };
    const { h } = simpleRnnForwardReference(args, "tanh");
    const h1 = Math.tanh(0.5);
    const h2 = Math.tanh(0.5 + h1);
    // float32 numbers of the kernels' tanh (within 2 float64 ulp of Math.tanh)
    assert.equal(h[0], Math.fround(tanh(0.5)));
    assert.equal(h[1], Math.fround(tanh(0.5 + h[0])));
    assert.ok(Math.abs(h[0] / h1 - 1) < 1.2e-7, `${h[0]} vs ${h1}`);
    assert.ok(Math.abs(h[1] / h2 - 1) < 1.2e-7, `${h[1]} vs ${h2}`);
    assert.deepEqual(Array.from(lastStep(h, args)), [h[1]]);
  });

  await t.step("backward matches central differences (linear activation)", () => {
    // linear activation keeps the loss a polynomial, so differences in float64 are exact enough
    const base = {
      batch: 2,
      steps: 3,
      inputDim: 2,
      units: 2,
      x: [0.5, -1, 0.25, 2, 1, 0, -0.5, 0.5, 1.5, -1, 0, 1],
      kernel: [0.5, -0.25, 0.75, 0.125],
      recurrentKernel: [0.5, 0.25, -0.5, 0.25],
      bias: [0.125, -0.25],
    };
    for (const returnSequences of [false, true]) {
      const dy = returnSequences ? Array.from(uniform(12, 4)) : [1, -2, 0.5, 3];
      const loss = (args: typeof base) => {
        const { h } = simpleRnnForwardReference(args, "linear");
        const out = returnSequences ? h : lastStep(h, args);
        return out.reduce((s, v, i) => s + v * dy[i], 0);
      };
      const grads = simpleRnnBackwardReference(simpleRnnForwardReference(base, "linear"), {
        dy,
        returnSequences,
      });
      const dx = inputGradReference(grads, base);
      type Key = "x" | "kernel" | "recurrentKernel" | "bias";
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
      check("x", dx);
      check("kernel", grads.dKernel);
      check("recurrentKernel", grads.dRecurrentKernel);
      check("bias", grads.dBias);
    }
  });
});

/** Reference and fast forward, backward and d x of one call. */
function bothPaths(args: RnnForwardArgs, activation: string, returnSequences: boolean) {
  const { batch, steps, units } = args;
  const dy = uniform(returnSequences ? batch * steps * units : batch * units, 17);
  const back = { dy, returnSequences };
  const run = (path: "reference" | "fast") => {
    const cache = path === "reference"
      ? simpleRnnForwardReference(args, activation)
      : simpleRnnForwardFast(args, activation);
    const h = cache.h.slice();
    const grads = path === "reference"
      ? simpleRnnBackwardReference(cache, back)
      : simpleRnnBackwardFast(cache, back);
    const dx = path === "reference" ? inputGradReference(grads, args) : inputGradFast(grads, args);
    return { h, ...grads, dZ: grads.dZ.slice(), dx };
  };
  return { reference: run("reference"), fast: run("fast") };
}

Deno.test({
  name: "SimpleRNN fast path equals the reference",
  ignore: !simd,
  fn: async (t) => {
    // float32 sums (fast) against float64 sums (reference): a few float32 ulps of the largest
    // value, growing with the length of the sums
    const TOL = 1e-6;
    let worst = 0;
    for (const [s, shape] of SHAPES.entries()) {
      for (const activation of ACTIVATIONS) {
        for (const returnSequences of [false, true]) {
          const name = `${JSON.stringify(shape)} ${activation} returnSequences ${returnSequences}`;
          await t.step(name, () => {
            const args = callArgs(shape, 1, 10 * s + 1);
            const { reference, fast } = bothPaths(args, activation, returnSequences);
            for (const key of ["h", "dZ", "dKernel", "dRecurrentKernel", "dBias", "dx"] as const) {
              worst = Math.max(worst, assertClose(fast[key], reference[key], key, TOL));
            }
          });
        }
      }
    }
    await t.step(`(largest difference: ${worst.toExponential(2)} of the scale)`, () => {
      assert.ok(worst > 0, "the two paths are different code: some float32 rounding differs");
    });
  },
});

Deno.test("SimpleRNN: the fast path where it runs, the reference elsewhere", async (t) => {
  const back = (units: number) => ({ dy: uniform(2 * units, 3), returnSequences: false });
  for (const units of [8, 6, 5, 7, 13, 1]) {
    await t.step({
      name: `units ${units}: the fast path, bit for bit`,
      ignore: !simd,
      fn: () => {
        const args = callArgs({ batch: 2, steps: 4, inputDim: 3, units }, 1, 6);
        const cache = simpleRnnForward(args, "relu");
        const fast = simpleRnnForwardFast(args, "relu");
        assert.deepEqual(cache.h, fast.h);
        const grads = simpleRnnBackward(cache, back(units));
        assert.deepEqual(grads, simpleRnnBackwardFast(fast, back(units)));
        assert.deepEqual(inputGrad(grads, args), inputGradFast(grads, args));
        if (units >= 5) assert.notDeepEqual(cache.h, simpleRnnForwardReference(args, "relu").h);
      },
    });
  }
  await t.step("no argument is mutated", () => {
    for (const units of [6, 8]) {
      const args = callArgs({ batch: 2, steps: 3, inputDim: 4, units }, 1, 7);
      const copy = structuredClone(args);
      const dy = uniform(2 * units, 8);
      const dyCopy = dy.slice();
      simpleRnnBackward(simpleRnnForward(args, "tanh"), { dy, returnSequences: false });
      assert.deepEqual(args, copy);
      assert.deepEqual(dy, dyCopy);
    }
  });
  await t.step("names the array whose length does not fit the sizes", () => {
    const args = callArgs({ batch: 2, steps: 3, inputDim: 4, units: 8 }, 1, 9);
    for (const forward of [simpleRnnForward, simpleRnnForwardReference]) {
      assert.throws(
        () => forward({ ...args, kernel: Array.from(args.kernel).slice(1) }, "tanh"),
        /kernel has 31 numbers, expected 32 for \[batch 2, steps 3, inputDim 4, units 8\]/,
      );
      assert.throws(
        () => forward({ ...args, bias: [1] }, "tanh"),
        /bias has 1 numbers, expected 8/,
      );
      assert.throws(
        () => forward({ ...args, steps: 0, x: [] }, "tanh"),
        /steps must be a positive/,
      );
    }
    const cache = simpleRnnForward(args, "tanh");
    assert.throws(
      () => simpleRnnBackward(cache, { dy: new Float32Array(16), returnSequences: true }),
      /dy has 16 numbers, expected 48 \(\[batch, steps, units\]\)/,
    );
    assert.throws(
      () => simpleRnnBackwardReference(cache, { dy: [1], returnSequences: false }),
      /simpleRnnBackwardReference: dy has 1 numbers, expected 16/,
    );
  });
  await t.step("names the activation it lacks", () => {
    const args = callArgs({ batch: 1, steps: 1, inputDim: 1, units: 4 }, 1, 9);
    assert.throws(() => simpleRnnForward(args, "elu"), /activation "elu" is not supported/);
    assert.throws(() => simpleRnnForwardReference(args, "elu"), /activation "elu"/);
  });
});
