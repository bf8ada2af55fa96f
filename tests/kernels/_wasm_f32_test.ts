/**
 * The fused layers' float32 kernels (`_wasm_f32.ts`): every activation, applied in WebAssembly to
 * float32 values, gives `Math.fround` of `activations.ts`'s `activate` (the plain references'
 * numbers), bit for bit, for every count (groups of eight and the rest) and every mix of values
 * within and beyond ±0.625 (tanh's two branches).
 */
import assert from "node:assert/strict";
import { activate, activationCode, ACTIVATIONS } from "../../src/kernels/activations.ts";
import { F32Kernels, f32Kernels } from "../../src/kernels/_wasm_f32.ts";
import { F32X4 } from "../../src/kernels/_wasm_products.ts";

/** A small deterministic generator for test data. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const simd = f32Kernels !== null;

Deno.test({
  name: "F32Kernels.activate is Math.fround(activate(code, z)) bit for bit, in place",
  ignore: !simd,
  fn: async (t) => {
    const kernels = f32Kernels!;
    const rand = lcg(4);
    for (const name of ACTIVATIONS) {
      const code = activationCode(name);
      for (const count of [1, 2, 7, 8, 9, 16, 31, 1000]) {
        await t.step(`${name}, ${count} values`, () => {
          // values 1 .. count of a region, between two that must stay as they are
          const { values } = kernels.arena.regions({ values: count + 2 });
          const xs = Float32Array.from({ length: count + 2 }, () => {
            const scale = rand() < 0.5 ? 1.2 : 30; // within ±0.625, and beyond
            return (rand() - 0.5) * scale;
          });
          const specials = [0, -0, NaN, 0.625, -0.625, Infinity, -Infinity, 200, -200, 1e-30];
          for (let i = 1; i <= Math.min(count, specials.length); i += 2) xs[i] = specials[i - 1];
          values.set(xs);
          kernels.activate(code, values.subarray(1, count + 1));
          for (let i = 0; i < count + 2; i++) {
            const inside = i >= 1 && i <= count;
            const want = inside ? Math.fround(activate(code, xs[i])) : xs[i];
            if (!Object.is(values[i], want)) {
              assert.fail(`${name}(${xs[i]}) at ${i}: WebAssembly ${values[i]}, expected ${want}`);
            }
          }
        });
      }
    }
    await t.step("tanh: groups of eight all within ±0.625, and mixed", () => {
      const n = 64;
      const { values } = kernels.arena.regions({ values: n });
      const xs = Float32Array.from({ length: n }, () => (rand() - 0.5) * 1.25);
      xs[8] = 0.6250001; // one beyond in the second group
      xs[63] = -3;
      values.set(xs);
      kernels.activate(activationCode("tanh"), values);
      xs.forEach((x, i) => {
        assert.ok(Object.is(values[i], Math.fround(activate(activationCode("tanh"), x))), `${x}`);
      });
    });
    await t.step("an unknown code throws naming it", () => {
      const { values } = kernels.arena.regions({ values: 4 });
      assert.throws(() => kernels.activate(9, values), /no activation of code 9/);
    });
  },
});

Deno.test({
  name: "F32Kernels: the float32 products beside the activations, in one arena",
  ignore: !simd,
  fn: () => {
    const kernels = F32Kernels.create()!;
    assert.equal(kernels.products.lanes, F32X4);
    assert.equal(kernels.products.arena, kernels.arena);
    const { a, w, out } = kernels.arena.regions({ a: 2, w: 8, out: 4 });
    a.set([1, -2]);
    w.set([1, 2, 3, 4, 0.5, 0.5, 0.5, 0.5]);
    kernels.products.gemm({ out, a, w, rows: 1, n: 2, cols: 4 });
    kernels.activate(activationCode("relu"), out);
    assert.deepEqual(Array.from(out), [0, 1, 2, 3]);
  },
});
