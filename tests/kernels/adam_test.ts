import assert from "node:assert/strict";
import { adam, adamFast, adamReference } from "../../src/kernels/adam.ts";
import { f32Kernels } from "../../src/kernels/_wasm_f32.ts";

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

Deno.test({
  name: "adamFast gives adamReference's float32 numbers, bit for bit",
  ignore: f32Kernels === null,
  fn: async (t) => {
    const rand = lcg(7);
    for (const n of [1, 3, 4, 5, 1000, 32003]) {
      await t.step(`${n} weights, over three steps, moments updated in place`, () => {
        const values = (scale: number) =>
          Float32Array.from({ length: n }, () => (rand() - 0.5) * scale);
        const value = values(2), gradient = values(1e-2);
        gradient[0] = 0;
        if (n > 2) gradient[2] = -3e-39; // a float32 subnormal
        const reference = { value: value.slice(), m: new Float32Array(n), v: new Float32Array(n) };
        const fast = { value: value.slice(), m: new Float32Array(n), v: new Float32Array(n) };
        let acc1 = 1, acc2 = 1;
        for (let step = 0; step < 3; step++) {
          acc1 = Math.fround(acc1 * Math.fround(0.9));
          acc2 = Math.fround(acc2 * Math.fround(0.999));
          const hyper = {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
            learningRate: 1e-3,
            oneMinusAccBeta1: Math.fround(1 - acc1),
            oneMinusAccBeta2: Math.fround(1 - acc2),
          };
          const g = gradient.map((x) => x * (step + 1));
          adamReference({ ...reference, gradient: g }, hyper, reference);
          adamFast({ ...fast, gradient: g }, hyper, fast);
          for (const key of ["value", "m", "v"] as const) {
            for (let i = 0; i < n; i++) {
              if (!Object.is(fast[key][i], reference[key][i])) {
                assert.fail(`step ${step} ${key}[${i}]: ${fast[key][i]} vs ${reference[key][i]}`);
              }
            }
          }
        }
      });
    }
  },
});

Deno.test("adam: the fast path for float32 arrays, the reference otherwise, new arrays", () => {
  const hyper = {
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-7,
    learningRate: 0.01,
    oneMinusAccBeta1: Math.fround(0.1),
    oneMinusAccBeta2: Math.fround(0.001),
  };
  const state = { value: [0.5, -1], gradient: [0.25, 0.5], m: [0, 0], v: [0, 0] };
  const plain = adam(state, hyper);
  assert.deepEqual(plain, adamReference(state, hyper));
  const typed = adam({
    value: Float32Array.from(state.value),
    gradient: Float32Array.from(state.gradient),
    m: new Float32Array(2),
    v: new Float32Array(2),
  }, hyper);
  assert.deepEqual(typed, plain);
  assert.deepEqual(state.m, [0, 0]); // not modified without out
  if (f32Kernels !== null) {
    assert.throws(
      () => adamFast({ ...state, gradient: [1] }, hyper),
      /adamFast: gradient has 1 numbers, value 2/,
    );
  }
});
