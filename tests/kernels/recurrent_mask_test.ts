/**
 * The recurrent dropout mask of the kernels (`args.recurrentMask`): h_{t-1} m before the
 * recurrent product (SimpleRNN, LSTM), h_{t-1} m in place of h_{t-1} everywhere in the step
 * (GRU, as tfjs's `GRUCell`, both forms): the reference's backward against central differences
 * with the mask held fixed, a mask of ones = no mask bit for bit, a zero mask, the fast path =
 * the reference.
 */
import assert from "node:assert/strict";
import { inputGradReference, lastStep, type RnnForwardArgs } from "../../src/kernels/rnn.ts";
import {
  lstmBackwardFast,
  lstmBackwardReference,
  lstmForwardFast,
  lstmForwardReference,
} from "../../src/kernels/lstm.ts";
import {
  simpleRnnBackwardFast,
  simpleRnnBackwardReference,
  simpleRnnForwardFast,
  simpleRnnForwardReference,
} from "../../src/kernels/simple_rnn.ts";
import {
  gruBackwardFast,
  gruBackwardReference,
  gruForwardFast,
  gruForwardReference,
} from "../../src/kernels/gru.ts";
import { f32Kernels } from "../../src/kernels/_wasm_f32.ts";
import { assertClose, callArgs, type CallShape, uniform } from "./_rnn_testing.ts";

/** A mask [batch, units] of 0 and 1 / (1 - rate), about `rate` of it 0 (seeded). */
function maskOf(batch: number, units: number, rate: number, seed: number): Float32Array {
  const u = uniform(batch * units, seed, 1);
  return Float32Array.from(u, (v) => (v + 1) / 2 >= rate ? Math.fround(1 / (1 - rate)) : 0);
}

interface Kind {
  name: string;
  gatesPerUnit: number;
  /** GRU: h_{t-1} m replaces h_{t-1} in the carry too, so a zero mask is not a zero kernel */
  carries?: boolean;
  /** the call's arguments for this kind (GRU with resetAfter: a bias [2, 3 units]) */
  argsOf?: (args: RnnForwardArgs) => RnnForwardArgs;
  forward(args: RnnForwardArgs, linear: boolean): { h: Float32Array };
  backward(
    cache: { h: Float32Array },
    back: { dy: ArrayLike<number>; returnSequences: boolean },
  ): ReturnType<typeof lstmBackwardReference>;
  fastForward(args: RnnForwardArgs): { h: Float32Array };
  fastBackward(
    cache: { h: Float32Array },
    back: { dy: ArrayLike<number>; returnSequences: boolean },
  ): ReturnType<typeof lstmBackwardReference>;
}

const KINDS: Kind[] = [
  {
    name: "SimpleRNN",
    gatesPerUnit: 1,
    forward: (args, linear) => simpleRnnForwardReference(args, linear ? "linear" : "tanh"),
    backward: (cache, back) => simpleRnnBackwardReference(cache as never, back),
    fastForward: (args) => simpleRnnForwardFast(args, "tanh"),
    fastBackward: (cache, back) => simpleRnnBackwardFast(cache as never, back),
  },
  {
    name: "LSTM",
    gatesPerUnit: 4,
    forward: (args, linear) =>
      lstmForwardReference(
        args,
        linear
          ? { activation: "linear", recurrentActivation: "linear" }
          : { activation: "tanh", recurrentActivation: "sigmoid" },
      ),
    backward: (cache, back) => lstmBackwardReference(cache as never, back),
    fastForward: (args) =>
      lstmForwardFast(args, { activation: "tanh", recurrentActivation: "sigmoid" }),
    fastBackward: (cache, back) => lstmBackwardFast(cache as never, back),
  },
  ...[false, true].map((resetAfter): Kind => {
    const options = () => ({ activation: "tanh", recurrentActivation: "sigmoid", resetAfter });
    return {
      name: `GRU (resetAfter ${resetAfter})`,
      gatesPerUnit: 3,
      carries: true,
      argsOf: (args) =>
        resetAfter && args.bias !== null
          ? {
            ...args,
            bias: Float32Array.from({ length: 2 * args.bias.length }, (_, i) => {
              const n = args.bias!.length; // the input bias, then a recurrent one
              return i < n ? args.bias![i] : -0.5 * args.bias![i - n];
            }),
          }
          : args,
      // tanh and sigmoid even for the differences: the linear form's z ⊙ h products grow too
      // fast (with this test's masks up to 4) for central differences of 1e-2
      forward: (args) => gruForwardReference(args, options()),
      backward: (cache, back) => gruBackwardReference(cache as never, back),
      fastForward: (args) => gruForwardFast(args, options()),
      fastBackward: (cache, back) => gruBackwardFast(cache as never, back),
    };
  }),
];

for (const kind of KINDS) {
  Deno.test(`${kind.name}: the recurrent dropout mask`, async (t) => {
    await t.step("reference backward = central differences, the mask held fixed", () => {
      const shape = { batch: 2, steps: 4, inputDim: 2, units: 3 };
      const args = (kind.argsOf ?? ((a) => a))(callArgs(shape, kind.gatesPerUnit, 60));
      const recurrentMask = Float32Array.of(2, 0, 1.25, 0, 4, 1); // not all equal, some zero
      type Key = "x" | "kernel" | "recurrentKernel" | "bias";
      const base = {
        ...args,
        x: Array.from(args.x),
        kernel: Array.from(args.kernel),
        recurrentKernel: Array.from(args.recurrentKernel),
        bias: Array.from(args.bias!),
        recurrentMask,
      };
      for (const returnSequences of [false, true]) {
        const dy = Array.from(uniform(returnSequences ? 24 : 6, 61));
        const loss = (a: typeof base) => {
          const { h } = kind.forward(a, true);
          return (returnSequences ? h : lastStep(h, a)).reduce((s, v, i) => s + v * dy[i], 0);
        };
        const grads = kind.backward(kind.forward(base, true), { dy, returnSequences });
        const check = (key: Key, got: ArrayLike<number>) => {
          for (let i = 0; i < got.length; i++) {
            const plus = [...base[key]];
            const minus = [...base[key]];
            plus[i] += 1e-2;
            minus[i] -= 1e-2;
            const want = (loss({ ...base, [key]: plus }) - loss({ ...base, [key]: minus })) / 2e-2;
            const tol = 2e-3 * Math.max(1, Math.abs(want));
            assert.ok(Math.abs(got[i] - want) < tol, `d/d ${key}[${i}]: ${got[i]} vs ${want}`);
          }
        };
        check("x", inputGradReference(grads, base));
        check("kernel", grads.dKernel);
        check("recurrentKernel", grads.dRecurrentKernel);
        check("bias", grads.dBias);
      }
    });

    await t.step("a mask of ones is no mask, bit for bit; a zero mask is no recurrence", () => {
      const shape = { batch: 3, steps: 5, inputDim: 4, units: 4 };
      const args = (kind.argsOf ?? ((a) => a))(callArgs(shape, kind.gatesPerUnit, 7));
      const ones = { ...args, recurrentMask: new Float32Array(12).fill(1) };
      const dy = uniform(12, 8);
      const plain = kind.forward(args, false);
      const masked = kind.forward(ones, false);
      assert.deepEqual(masked.h, plain.h);
      const back = { dy, returnSequences: false };
      assert.deepEqual(kind.backward(masked, back), kind.backward(plain, back));
      const zero = kind.forward({ ...args, recurrentMask: new Float32Array(12) }, false);
      if (!kind.carries) {
        // a zero mask: h_{t-1} never reaches the gates, as with a zero recurrent kernel
        const noRecurrence = kind.forward({
          ...args,
          recurrentKernel: new Float32Array(args.recurrentKernel.length),
        }, false);
        assert.deepEqual(zero.h, noRecurrence.h);
      } else {
        // GRU: h_{t-1} m = 0 everywhere, so each step is a first step on its own x_t
        const { batch, steps, inputDim, units } = shape;
        for (let b = 0; b < batch; b++) {
          for (let t = 0; t < steps; t++) {
            const r = b * steps + t;
            const one = kind.forward({
              ...args,
              batch: 1,
              steps: 1,
              x: Float32Array.from(args.x).subarray(r * inputDim, (r + 1) * inputDim),
              recurrentMask: new Float32Array(units),
            }, false);
            assert.deepEqual(zero.h.subarray(r * units, (r + 1) * units), one.h, `[${b}, ${t}]`);
          }
        }
      }
    });

    await t.step("names a mask of the wrong length", () => {
      const args = (kind.argsOf ?? ((a) => a))(
        callArgs({ batch: 2, steps: 3, inputDim: 2, units: 4 }, kind.gatesPerUnit, 9),
      );
      assert.throws(
        () => kind.forward({ ...args, recurrentMask: new Float32Array(7) }, false),
        /recurrentMask has 7 numbers, expected 8/,
      );
    });

    const shapes: CallShape[] = [
      { batch: 3, steps: 5, inputDim: 7, units: 4 },
      { batch: 4, steps: 6, inputDim: 11, units: 8, oneHot: true },
      { batch: 5, steps: 30, inputDim: 32, units: 8 },
    ];
    await t.step({
      name: "fast path = reference with a mask (1e-6 of the scale)",
      ignore: f32Kernels === null,
      fn: () => {
        for (const [s, shape] of shapes.entries()) {
          const args = {
            ...(kind.argsOf ?? ((a) => a))(callArgs(shape, kind.gatesPerUnit, 70 + s)),
            recurrentMask: maskOf(shape.batch, shape.units, 0.3, 80 + s),
          };
          for (const returnSequences of [false, true]) {
            const { batch, steps, units } = shape;
            const dy = uniform(returnSequences ? batch * steps * units : batch * units, 90 + s);
            const back = { dy, returnSequences };
            const reference = kind.forward(args, false);
            const fast = kind.fastForward(args);
            assertClose(fast.h, reference.h, "h", 1e-6);
            const gr = kind.backward(reference, back);
            const gf = kind.fastBackward(fast, back);
            for (const key of ["dZ", "dKernel", "dRecurrentKernel", "dBias"] as const) {
              assertClose(gf[key], gr[key], key, 1e-6);
            }
          }
        }
      },
    });
  });
}
