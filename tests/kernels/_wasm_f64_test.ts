import assert from "node:assert/strict";
import { tanh, tanhScratch, WasmKernels } from "../../src/kernels/_wasm_f64.ts";

/** A small deterministic generator for test data. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

Deno.test("WasmKernels multiplies bit-identically to the plain loop", async (t) => {
  const gemm = WasmKernels.create();
  assert.ok(gemm !== null, "Deno's V8 supports WebAssembly SIMD");
  let seed = 5;
  const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
  for (const [rows, inner, cols] of [[2, 1, 8], [2, 3, 8], [32, 32, 32], [6, 7, 16], [40, 5, 24]]) {
    await t.step(`[${rows}, ${inner}]·[${inner}, ${cols}]`, () => {
      const { a, w, s } = gemm.reserve({ a: rows * inner, w: inner * cols, s: rows * cols });
      for (let i = 0; i < rows * inner; i++) a[i] = rand();
      for (let i = 0; i < inner * cols; i++) w[i] = rand();
      gemm.multiply(rows, inner, cols);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          let sum = 0;
          for (let k = 0; k < inner; k++) sum += a[r * inner + k] * w[k * cols + c];
          assert.equal(s[r * cols + c], sum, `S[${r}, ${c}]`);
        }
      }
    });
  }
  await t.step("memory grows and the views follow", () => {
    const { a, w, s } = gemm.reserve({ a: 300_000, w: 64, s: 300_000 });
    assert.ok(a.length >= 300_000 && w.length >= 64 && s.length >= 300_000);
    a.fill(1, 0, 2 * 64);
    w.fill(0.5, 0, 64 * 8);
    gemm.multiply(2, 64, 8);
    assert.deepEqual(Array.from(s.subarray(0, 16)), new Array(16).fill(32));
  });
  await t.step("bad sizes throw", () => {
    assert.throws(() => gemm.multiply(3, 2, 8), /even rows/);
    assert.throws(() => gemm.multiply(2, 2, 12), /cols a multiple of 8/);
    assert.throws(() => gemm.multiply(2, 1e6, 8), /exceed the reserved memory/);
  });
});

Deno.test("tanh is within 2 ulp of Math.tanh", () => {
  const rand = lcg(1);
  let worst = 0;
  for (let i = 0; i < 200_000; i++) {
    const x = (rand() - 0.5) * 60 * rand() ** 3;
    const expected = Math.tanh(x);
    const ulp = expected === 0 ? Number.MIN_VALUE : Math.abs(expected) * Number.EPSILON;
    worst = Math.max(worst, Math.abs(tanh(x) - expected) / ulp);
  }
  for (const x of [0, -0, 1e-300, 0.625, -0.625, 22, -22, 50, -50, Infinity, -Infinity]) {
    assert.ok(Math.abs(tanh(x) - Math.tanh(x)) <= 2 * Number.EPSILON, `tanh(${x})`);
  }
  assert.ok(Number.isNaN(tanh(NaN)));
  assert.ok(worst <= 2, `worst ${worst} ulp`);
});

Deno.test("WasmKernels.tanh equals tanh bit for bit, in place", async (t) => {
  const kernels = WasmKernels.create()!;
  const rand = lcg(3);
  const check = (xs: Float64Array) => {
    const n = xs.length;
    const { s } = kernels.reserve({ s: n + 2, a: tanhScratch(n) });
    s.set(xs);
    s.set([123, 5], n); // past the end: untouched
    kernels.tanh(n);
    for (let i = 0; i < n; i++) {
      if (!Object.is(s[i], tanh(xs[i]))) {
        assert.fail(`tanh(${xs[i]}) at ${i} of ${n}: wasm ${s[i]}, ts ${tanh(xs[i])}`);
      }
    }
    assert.deepEqual([s[n], s[n + 1]], [123, 5]);
  };
  await t.step("wide values, specials", () => {
    const n = 100_000;
    const xs = Float64Array.from({ length: n }, () => (rand() - 0.5) * 60 * rand() ** 4);
    xs.set([0, -0, 0.625, -0.625, 44, -44, 50, Infinity, -Infinity, NaN, 1e-300, -5e-324]);
    check(xs);
  });
  await t.step("values beyond ±0.625 set aside: none, some, all, in every place", () => {
    for (const n of [8, 16, 64]) {
      for (let big = 0; big <= n; big += 3) {
        const xs = Float64Array.from({ length: n }, () => (rand() - 0.5) * 1.2);
        for (let i = 0; i < big; i++) xs[Math.floor(rand() * n)] = (rand() - 0.5) * 40;
        check(xs);
      }
      check(Float64Array.from({ length: n }, () => 3 + rand())); // all of them
    }
  });
  await t.step("groups of eight all within ±0.625 (the rational function only) and mixed", () => {
    for (const n of [2, 8, 10, 16, 24, 1000]) {
      // mostly small values, one large value in some groups of eight, NaN and ±0.625 among them
      const xs = Float64Array.from({ length: n }, () => (rand() - 0.5) * 1.2);
      for (let i = 3; i < n; i += 19) xs[i] = (rand() - 0.5) * 8;
      if (n >= 16) xs.set([NaN, -0.625, 0.625, -0, 0.6250000000000001], 8);
      check(xs);
    }
  });
  assert.throws(() => kernels.tanh(3), /even count/);
  kernels.reserve({ s: 64 });
  assert.throws(() => kernels.tanh(1e6), /within the reserved memory/);
});

Deno.test("WasmKernels.addRows: z[g] = (z[g] + s row) + b, bit for bit", () => {
  const kernels = WasmKernels.create()!;
  const rand = lcg(11);
  const n = 16, count = 5, sRows = 3;
  const m = kernels.reserve({ z: count * n, s: sRows * n, bias: n, list: count });
  const z = Float64Array.from({ length: count * n }, () => rand() - 0.5);
  const s = Float64Array.from({ length: sRows * n }, () => (rand() - 0.5) * 1e-3);
  const b = Float64Array.from({ length: n }, () => rand() * 3);
  const rowOf = [2, 0, 2, 1, 0];
  m.z.set(z);
  m.s.set(s);
  m.bias.set(b);
  rowOf.forEach((r, g) => m.list[g] = kernels.address("s", r * n));
  kernels.addRows(count, n);
  for (let g = 0; g < count; g++) {
    for (let c = 0; c < n; c++) {
      const expected = z[g * n + c] + s[rowOf[g] * n + c] + b[c];
      assert.ok(Object.is(m.z[g * n + c], expected), `row ${g}, value ${c}`);
    }
  }
  assert.throws(() => kernels.addRows(count, 3), /n even/);
});
