/**
 * The kernels' one exp, tanh and sigmoid (`_wasm_math.ts`): the TypeScript functions against
 * `Math` (accuracy), and the WebAssembly instructions against the TypeScript functions (the same
 * bits), through a module made here of nothing but those instructions applied to float64
 * arrays.
 */
import assert from "node:assert/strict";
import {
  assemble,
  BR_IF,
  END,
  get,
  I32,
  I32_ADD,
  I32_CONST,
  I32_LT_U,
  LOCAL_TEE,
  LOOP,
  set,
  sleb,
  V128,
  V128_LOAD,
  V128_STORE,
  VOID,
} from "../../src/kernels/_wasm_assembler.ts";
import { WasmArena } from "../../src/kernels/_wasm_arena.ts";
import {
  exp,
  EXP_TEMPS,
  expOf,
  sigmoid,
  SIGMOID_TEMPS,
  sigmoidOf,
  tanh,
  TANH_TEMPS,
  tanhOf,
  type Temp,
} from "../../src/kernels/_wasm_math.ts";

/** A small deterministic generator for test data. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** |actual − expected| in units of expected's last place. */
function ulps(actual: number, expected: number): number {
  const ulp = expected === 0 ? Number.MIN_VALUE : Math.abs(expected) * Number.EPSILON;
  return Math.abs(actual - expected) / ulp;
}

Deno.test("exp, tanh, sigmoid against Math", async (t) => {
  const rand = lcg(1);
  await t.step("exp within 2 ulp of Math.exp on [−104, 104], clamped beyond", () => {
    let worst = 0;
    for (let x = -104; x <= 104; x += 0.00713) worst = Math.max(worst, ulps(exp(x), Math.exp(x)));
    assert.ok(worst <= 2, `worst ${worst} ulp`);
    assert.equal(exp(0), 1);
    assert.equal(exp(1e9), exp(104));
    assert.equal(exp(-Infinity), exp(-104));
    assert.ok(Number.isNaN(exp(NaN)));
  });
  await t.step("tanh within 2 ulp of Math.tanh, odd", () => {
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = (rand() - 0.5) * 60 * rand() ** 3;
      worst = Math.max(worst, ulps(tanh(x), Math.tanh(x)));
      assert.ok(Object.is(tanh(-x), -tanh(x)), `tanh(${-x})`);
    }
    for (const x of [0, -0, 1e-300, 0.625, -0.625, 22, -22, 50, -50, 200, Infinity, -Infinity]) {
      assert.ok(Math.abs(tanh(x) - Math.tanh(x)) <= 2 * Number.EPSILON, `tanh(${x})`);
    }
    assert.ok(Object.is(tanh(-0), -0));
    assert.ok(Number.isNaN(tanh(NaN)));
    assert.ok(worst <= 2, `worst ${worst} ulp`);
  });
  await t.step(
    "sigmoid within 4 ulp of 1 / (1 + Math.exp(−z)), and 0 / 1 in float32 far out",
    () => {
      let worst = 0;
      for (let z = -40; z <= 40; z += 0.00317) {
        worst = Math.max(worst, ulps(sigmoid(z), 1 / (1 + Math.exp(-z))));
      }
      assert.ok(worst <= 4, `worst ${worst} ulp`);
      // beyond the clamp: what float32 makes of the exact values
      for (const z of [-104, -110, -1000, -Infinity]) assert.equal(Math.fround(sigmoid(z)), 0);
      for (const z of [18, 104, 1000, Infinity]) assert.equal(Math.fround(sigmoid(z)), 1);
      assert.equal(Math.fround(sigmoid(-100)), Math.fround(1 / (1 + Math.exp(100))));
    },
  );
});

/**
 * A module of one function applying `instructions` (of four v128 locals, from local 2, with
 * temporaries from local 6) to `count` float64 values at byte address `ptr`, eight at a time.
 */
function arrayKernel(
  emit: (xs: number[], temp: Temp) => number[],
  temps: number,
): { arena: WasmArena; apply: (values: Float64Array) => Float64Array } {
  const PTR = 0, END_AT = 1, X = 2, TEMPS = 6;
  const xs = [X, X + 1, X + 2, X + 3];
  const temp: Temp = (g, k) => TEMPS + g * temps + k;
  const load = xs.flatMap((x, j) => [...get(PTR), ...V128_LOAD, 3, 16 * j, ...set(x)]);
  const store = xs.flatMap((x, j) => [...get(PTR), ...get(x), ...V128_STORE, 3, 16 * j]);
  const body = assemble(
    LOOP,
    VOID,
    load,
    emit(xs, temp),
    store,
    get(PTR),
    I32_CONST,
    sleb(64),
    I32_ADD,
    LOCAL_TEE,
    PTR,
    get(END_AT),
    I32_LT_U,
    BR_IF,
    0,
    END,
    END,
  );
  const arena = WasmArena.create([{
    name: "apply",
    params: [I32, I32],
    locals: [[4 + 4 * temps, V128]],
    body,
  }])!;
  const fn = arena.exports.apply as (ptr: number, end: number) => void;
  return {
    arena,
    apply: (values) => {
      const n = Math.ceil(values.length / 8) * 8;
      const { v } = arena.regions({ v: { float64: n } });
      v.set(values);
      fn(v.byteOffset, v.byteOffset + 8 * n);
      return v.slice(0, values.length);
    },
  };
}

/** Wide values and the special ones. */
function testValues(rand: () => number, scale: number): Float64Array {
  const xs = Float64Array.from({ length: 100_000 }, () => (rand() - 0.5) * scale * rand() ** 3);
  xs.set([0, -0, 0.625, -0.625, 0.6250000000000001, 44, -44, 104, -104, 105, -105, 1e-300]);
  xs.set([Infinity, -Infinity, NaN, -5e-324, 709, -745], 12);
  return xs;
}

function assertSameBits(actual: Float64Array, xs: Float64Array, f: (x: number) => number) {
  for (let i = 0; i < xs.length; i++) {
    if (!Object.is(actual[i], f(xs[i]))) {
      assert.fail(`at ${xs[i]}: WebAssembly ${actual[i]}, TypeScript ${f(xs[i])}`);
    }
  }
}

Deno.test("the WebAssembly instructions give the TypeScript functions' bits", async (t) => {
  const rand = lcg(2);
  await t.step("expOf is exp", () => {
    const xs = testValues(rand, 300);
    assertSameBits(arrayKernel(expOf, EXP_TEMPS).apply(xs), xs, exp);
  });
  await t.step("tanhOf is tanh", () => {
    const xs = testValues(rand, 60);
    assertSameBits(arrayKernel((v, tmp) => tanhOf(v, tmp), TANH_TEMPS).apply(xs), xs, tanh);
  });
  await t.step('tanhOf with "small" is tanh within ±0.625, with "big" beyond', () => {
    const xs = Float64Array.from({ length: 10_000 }, () => (rand() - 0.5) * 1.25);
    xs.set([0, -0, 0.625, -0.625, NaN]);
    const small = arrayKernel((v, tmp) => tanhOf(v, tmp, { branch: "small" }), TANH_TEMPS).apply(
      xs,
    );
    assertSameBits(small, xs, tanh);
    const big = Float64Array.from(xs, (x) => (x < 0 ? -1 : 1) * (0.6250000000000001 + 30 * x * x));
    big.set([Infinity, -Infinity, 0.6250000000000001, 200]);
    assertSameBits(
      arrayKernel((v, tmp) => tanhOf(v, tmp, { branch: "big" }), TANH_TEMPS).apply(big),
      big,
      tanh,
    );
  });
  await t.step("sigmoidOf is sigmoid", () => {
    const xs = testValues(rand, 300);
    assertSameBits(arrayKernel(sigmoidOf, SIGMOID_TEMPS).apply(xs), xs, sigmoid);
  });
});
