/**
 * The kernels' one exp, tanh and sigmoid (`_wasm_math.ts`) in both formats: the TypeScript
 * functions against `Math` (accuracy, in float64 ulp and in float32 ulp), and the WebAssembly
 * instructions against the TypeScript functions (the same bits), through a module made here of
 * nothing but those instructions applied to float64 (two lanes) or float32 (four lanes) arrays.
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
  FLOAT32,
  FLOAT64,
  type Format,
  sigmoid,
  SIGMOID_TEMPS,
  sigmoidOf,
  tanh,
  TANH_TEMPS,
  type TanhBranch,
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
 * temporaries from local 6) to the values at byte address `ptr`, 64 bytes at a time (eight
 * float64 or sixteen float32 values), in `format`'s arrays.
 */
function arrayKernel(
  emit: (xs: number[], temp: Temp) => number[],
  temps: number,
  format: Format = FLOAT64,
): { arena: WasmArena; apply: (values: ArrayLike<number>) => Float64Array | Float32Array } {
  const PTR = 0, END_AT = 1, X = 2, TEMPS = 6;
  const bytes = format === FLOAT64 ? 8 : 4, align = format === FLOAT64 ? 3 : 2;
  const xs = [X, X + 1, X + 2, X + 3];
  const temp: Temp = (g, k) => TEMPS + g * temps + k;
  const load = xs.flatMap((x, j) => [...get(PTR), ...V128_LOAD, align, 16 * j, ...set(x)]);
  const store = xs.flatMap((x, j) => [...get(PTR), ...get(x), ...V128_STORE, align, 16 * j]);
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
      const n = Math.ceil(values.length / (64 / bytes)) * (64 / bytes);
      const { v } = arena.regions({ v: bytes === 8 ? { float64: n } : n });
      v.set(values);
      fn(v.byteOffset, v.byteOffset + bytes * n);
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

function assertSameBits(
  actual: ArrayLike<number>,
  xs: ArrayLike<number>,
  f: (x: number) => number,
) {
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

// ---- float32 ----

const exp32 = (x: number) => exp(x, FLOAT32);
const tanh32 = (x: number) => tanh(x, FLOAT32);
const sigmoid32 = (z: number) => sigmoid(z, FLOAT32);
const expOf32 = (xs: number[], temp: Temp) => expOf(xs, temp, { format: FLOAT32 });
const tanhOf32 = (xs: number[], temp: Temp, branch: TanhBranch = "both") =>
  tanhOf(xs, temp, { branch, format: FLOAT32 });
const sigmoidOf32 = (xs: number[], temp: Temp) => sigmoidOf(xs, temp, { format: FLOAT32 });

/** |actual − expected| in float32 units in the last place of expected (normal numbers). */
function ulps32(actual: number, expected: number): number {
  const ulp = 2 ** (Math.max(Math.floor(Math.log2(Math.abs(expected))), -126) - 23);
  return Math.abs(actual - expected) / ulp;
}

const f = Math.fround;

Deno.test("exp, tanh, sigmoid in float32 against Math, in float32 ulp", async (t) => {
  const rand = lcg(1);
  await t.step("exp within 2 float32 ulp of Math.exp on [−87, 88], clamped beyond", () => {
    let worst = 0;
    for (let x = -87; x <= 88; x += 0.00713) {
      const xf = f(x);
      worst = Math.max(worst, ulps32(exp32(xf), Math.exp(xf)));
    }
    assert.ok(worst <= 2, `worst ${worst} ulp`);
    assert.equal(exp32(0), 1);
    assert.equal(exp32(1e9), exp32(88));
    assert.equal(exp32(-Infinity), exp32(-87));
    assert.ok(Number.isFinite(exp32(Infinity)));
    assert.ok(Number.isNaN(exp32(NaN)));
  });
  await t.step("tanh within 2 float32 ulp of Math.tanh, odd, float32 numbers", () => {
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = f((rand() - 0.5) * 40 * rand() ** 3);
      const y = tanh32(x);
      if (Math.abs(x) > 1e-30) worst = Math.max(worst, ulps32(y, Math.tanh(x)));
      assert.equal(f(y), y);
      assert.ok(Object.is(tanh32(-x), -y), `tanh32(${-x})`);
    }
    for (const x of [0, -0, 0.625, -0.625, 9, -9, 50, -50, 200, Infinity, -Infinity]) {
      assert.ok(Math.abs(tanh32(x) - Math.tanh(x)) <= 2 ** -23, `tanh32(${x})`);
    }
    assert.ok(Object.is(tanh32(-0), -0));
    assert.ok(Number.isNaN(tanh32(NaN)));
    assert.ok(worst <= 2, `worst ${worst} ulp`);
  });
  await t.step(
    "sigmoid within 3 float32 ulp of 1 / (1 + Math.exp(−z)), 1 and about 0 far out",
    () => {
      let worst = 0;
      for (let z = -80; z <= 40; z += 0.00317) {
        const zf = f(z);
        worst = Math.max(worst, ulps32(sigmoid32(zf), 1 / (1 + Math.exp(-zf))));
      }
      assert.ok(worst <= 3, `worst ${worst} ulp`);
      for (const z of [18, 88, 1000, Infinity]) assert.equal(sigmoid32(z), 1);
      for (const z of [-88, -1000, -Infinity]) assert.ok(sigmoid32(z) < 1e-38, `sigmoid32(${z})`);
    },
  );
});

/** Wide float32 values and the special ones. */
function testValues32(rand: () => number, scale: number): Float32Array {
  const xs = Float32Array.from({ length: 100_000 }, () => (rand() - 0.5) * scale * rand() ** 3);
  xs.set([0, -0, 0.625, -0.625, f(0.625) + 2 ** -24, 44, -44, 87, -87, 88, -88, 89, -89, 1e-40]);
  xs.set([Infinity, -Infinity, NaN, -1e-45, 3e38, -3e38, 126.5, -125.5], 14);
  return xs;
}

Deno.test("the WebAssembly instructions on float32 lanes give the TypeScript functions' bits", async (t) => {
  const rand = lcg(2);
  await t.step("expOf is exp", () => {
    const xs = testValues32(rand, 250);
    assertSameBits(arrayKernel(expOf32, EXP_TEMPS, FLOAT32).apply(xs), xs, exp32);
  });
  await t.step("tanhOf is tanh", () => {
    const xs = testValues32(rand, 60);
    assertSameBits(
      arrayKernel((v, tmp) => tanhOf32(v, tmp), TANH_TEMPS, FLOAT32).apply(xs),
      xs,
      tanh32,
    );
  });
  await t.step('tanhOf with "small" is tanh within ±0.625, with "big" beyond', () => {
    const xs = Float32Array.from({ length: 10_000 }, () => (rand() - 0.5) * 1.25);
    xs.set([0, -0, 0.625, -0.625, NaN]);
    const small = arrayKernel((v, tmp) => tanhOf32(v, tmp, "small"), TANH_TEMPS, FLOAT32).apply(xs);
    assertSameBits(small, xs, tanh32);
    const big = Float32Array.from(xs, (x) => (x < 0 ? -1 : 1) * (0.626 + 30 * x * x));
    big.set([Infinity, -Infinity, f(0.625) + 2 ** -24, 200]);
    assertSameBits(
      arrayKernel((v, tmp) => tanhOf32(v, tmp, "big"), TANH_TEMPS, FLOAT32).apply(big),
      big,
      tanh32,
    );
  });
  await t.step("sigmoidOf is sigmoid", () => {
    const xs = testValues32(rand, 250);
    assertSameBits(arrayKernel(sigmoidOf32, SIGMOID_TEMPS, FLOAT32).apply(xs), xs, sigmoid32);
  });
});
