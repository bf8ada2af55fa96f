/**
 * Where WebAssembly SIMD is available, the fused layers' float32 kernels must run it: this test
 * asks the engine itself (a module of two v128 instructions, written here byte by byte, apart
 * from the kernels' own assembler and feature check) and then checks that `simpleRnnForward`,
 * `lstmForward` and their backward passes are the WebAssembly fast path, bit for bit, and not
 * the plain reference. The other kernel tests skip their fast-path checks without SIMD, so a
 * fast path switched off by mistake (kernels never compiled, `fastKernels` returning null, a
 * dispatcher calling the reference) would pass them all; it fails this test.
 * @module
 */
import assert from "node:assert/strict";
import { fastKernels } from "../../src/kernels/rnn.ts";
import {
  simpleRnnBackward,
  simpleRnnBackwardFast,
  simpleRnnBackwardReference,
  simpleRnnForward,
  simpleRnnForwardFast,
  simpleRnnForwardReference,
} from "../../src/kernels/simple_rnn.ts";
import {
  lstmBackward,
  lstmBackwardFast,
  lstmBackwardReference,
  lstmForward,
  lstmForwardFast,
  lstmForwardReference,
} from "../../src/kernels/lstm.ts";
import { f32Kernels } from "../../src/kernels/_wasm_f32.ts";
import { callArgs, uniform } from "./_rnn_testing.ts";

/**
 * `(func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)`: valid exactly where the engine
 * has WebAssembly SIMD (the probe wasm-feature-detect uses).
 */
const SIMD_PROBE = Uint8Array.of(
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // \0asm, version 1
  ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b], // type section: () -> v128
  ...[0x03, 0x02, 0x01, 0x00], // function section: one function of type 0
  ...[0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0xfd, 0x62, 0x0b], // its code
);
const engineHasSimd = typeof WebAssembly === "object" && WebAssembly.validate(SIMD_PROBE);
if (!engineHasSimd) {
  console.log("SKIPPING wasm_engaged_test: this engine has no WebAssembly SIMD");
}

Deno.test({
  name: "WebAssembly SIMD here: the fused float32 kernels run it, not the plain reference",
  ignore: !engineHasSimd,
  fn: async (t) => {
    await t.step("the float32 kernels are compiled and take any number of gates", () => {
      assert.notEqual(f32Kernels, null, "the engine has SIMD but the kernels were not built");
      for (const gates of [4, 8, 32, 128, 1, 5, 7, 13, 15, 21]) {
        assert.equal(fastKernels(gates, "wasm_engaged_test"), f32Kernels, `${gates} gates`);
      }
    });

    const cases = [
      ["SimpleRNN(8)", 1, { batch: 3, steps: 6, inputDim: 5, units: 8 }],
      ["SimpleRNN(7), inputDim 3", 1, { batch: 3, steps: 6, inputDim: 3, units: 7 }],
      ["SimpleRNN(32), one-hot x", 1, {
        batch: 2,
        steps: 5,
        inputDim: 40,
        units: 32,
        oneHot: true,
      }],
      ["LSTM(3)", 4, { batch: 3, steps: 6, inputDim: 5, units: 3 }],
      ["LSTM(8)", 4, { batch: 2, steps: 5, inputDim: 7, units: 8 }],
    ] as const;
    for (const [name, gatesPerUnit, shape] of cases) {
      await t.step(`${name}: forward and backward are the fast path, bit for bit`, () => {
        const args = callArgs(shape, gatesPerUnit, 11);
        const back = { dy: uniform(shape.batch * shape.units, 12), returnSequences: false };
        const lstm = gatesPerUnit === 4;
        const acts = { activation: "tanh", recurrentActivation: "sigmoid" };
        const used = lstm ? lstmForward(args, "tanh", "sigmoid") : simpleRnnForward(args, "tanh");
        const fast = lstm ? lstmForwardFast(args, acts) : simpleRnnForwardFast(args, "tanh");
        const reference = lstm
          ? lstmForwardReference(args, acts)
          : simpleRnnForwardReference(args, "tanh");
        assert.deepEqual(used.h, fast.h, "forward: the fast path's h");
        // float32 sums (WebAssembly) and float64 sums (reference) round apart somewhere
        assert.notDeepEqual(used.h, reference.h, "forward: h is the reference's");
        const grads = lstm
          ? lstmBackward(used as ReturnType<typeof lstmForward>, back)
          : simpleRnnBackward(used as ReturnType<typeof simpleRnnForward>, back);
        const fastGrads = lstm
          ? lstmBackwardFast(fast as ReturnType<typeof lstmForward>, back)
          : simpleRnnBackwardFast(fast as ReturnType<typeof simpleRnnForward>, back);
        // the reference's backward of the same forward: what a switched-off backward would give
        const referenceGrads = lstm
          ? lstmBackwardReference(used as ReturnType<typeof lstmForward>, back)
          : simpleRnnBackwardReference(used as ReturnType<typeof simpleRnnForward>, back);
        assert.deepEqual(grads.dKernel, fastGrads.dKernel, "backward: the fast path's dKernel");
        assert.notDeepEqual(grads.dKernel, referenceGrads.dKernel, "backward: the reference's");
      });
    }
  },
});
