import assert from "node:assert/strict";
import { F64Kernels, rowKind, tanhScratch } from "../../src/kernels/_wasm_f64.ts";
import { tanh } from "../../src/kernels/_wasm_math.ts";

/** A small deterministic generator for test data. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

Deno.test("F64Kernels' gemm (np.dot's product) equals the plain loop bit for bit", async (t) => {
  const kernels = F64Kernels.create();
  assert.ok(kernels !== null, "Deno's V8 supports WebAssembly SIMD");
  const { products, arena } = kernels;
  let seed = 5;
  const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
  const cases = [
    [2, 1, 8],
    [2, 3, 8],
    [32, 32, 32],
    [6, 7, 16],
    [40, 5, 24],
    [3, 4, 2],
    [1, 9, 6],
    [3, 4, 3], // a column beyond the whole pairs
    [5, 2, 1],
  ];
  for (const [rows, inner, cols] of cases) {
    await t.step(`[${rows}, ${inner}]·[${inner}, ${cols}]`, () => {
      const { a, w, s } = arena.regions({
        a: { float64: rows * inner },
        w: { float64: inner * cols },
        s: { float64: rows * cols },
      });
      for (let i = 0; i < rows * inner; i++) a[i] = rand();
      for (let i = 0; i < inner * cols; i++) w[i] = rand();
      a[0] = -0; // 0 + (−0) · w is +0: the sums start from +0, as numpy's
      products.gemm({ out: s, a, w, rows, n: inner, cols });
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          let sum = 0;
          for (let k = 0; k < inner; k++) sum += a[r * inner + k] * w[k * cols + c];
          assert.ok(Object.is(s[r * cols + c], sum), `S[${r}, ${c}]`);
        }
      }
    });
  }
  await t.step("no columns throws", () => {
    const { a, w, s } = arena.regions({ a: { float64: 3 }, w: { float64: 9 }, s: { float64: 3 } });
    assert.throws(
      () => products.gemm({ out: s, a, w, rows: 1, n: 3, cols: 0 }),
      /gemm: cols must be a positive integer, got 0/,
    );
  });
});

Deno.test("F64Kernels.tanh equals the shared tanh bit for bit, in place", async (t) => {
  const kernels = F64Kernels.create()!;
  const rand = lcg(3);
  const check = (xs: Float64Array) => {
    const n = xs.length;
    const { s, scratch } = kernels.arena.regions({
      s: { float64: n + 2 },
      scratch: { float64: tanhScratch(n) },
    });
    s.set(xs);
    s.set([123, 5], n); // past the end: untouched
    kernels.tanh({ values: s, count: n, scratch });
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
  const { values, scratch } = kernels.arena.regions({
    values: { float64: 64 },
    scratch: { float64: tanhScratch(64) },
  });
  assert.throws(() => kernels.tanh({ values, count: 3, scratch }), /count must be even/);
  assert.throws(() => kernels.tanh({ values, count: 66, scratch }), /within values \(64\)/);
  assert.throws(
    () => kernels.tanh({ values, count: 64, scratch: scratch.subarray(1) }),
    /scratch has \d+ values, tanhScratch\(64\) is/,
  );
});

Deno.test("F64Kernels.addRows: out[g] = (x row + s row) + b, bit for bit", () => {
  const kernels = F64Kernels.create()!;
  const rand = lcg(11);
  const n = 16, count = 5, xRows = 4, sRows = 3;
  const m = kernels.arena.regions({
    out: { float64: count * n },
    x: { float64: xRows * n },
    s: { float64: sRows * n },
    bias: { float64: n },
    xAt: { int32: count },
    sAt: { int32: count },
  });
  const x = Float64Array.from({ length: xRows * n }, () => rand() - 0.5);
  const s = Float64Array.from({ length: sRows * n }, () => (rand() - 0.5) * 1e-3);
  const b = Float64Array.from({ length: n }, () => rand() * 3);
  const xOf = [3, 3, 0, 1, 2], sOf = [2, 0, 2, 1, 0];
  m.x.set(x);
  m.s.set(s);
  m.bias.set(b);
  m.out.fill(NaN);
  xOf.forEach((r, g) => m.xAt[g] = kernels.address(m.x, r * n));
  sOf.forEach((r, g) => m.sAt[g] = kernels.address(m.s, r * n));
  kernels.addRows({ out: m.out, xAt: m.xAt, sAt: m.sAt, bias: m.bias, count, n });
  for (let g = 0; g < count; g++) {
    for (let c = 0; c < n; c++) {
      const expected = x[xOf[g] * n + c] + s[sOf[g] * n + c] + b[c];
      assert.ok(Object.is(m.out[g * n + c], expected), `row ${g}, value ${c}`);
    }
  }
  assert.throws(
    () => kernels.addRows({ out: m.out, xAt: m.xAt, sAt: m.sAt, bias: m.bias, count, n: 3 }),
    /addRows: n must be even/,
  );
});

Deno.test("F64Kernels.rowKinds equals rowKind, the plain loop, on every kind of row", async (t) => {
  const kernels = F64Kernels.create()!;
  const rand = lcg(12);
  // one-hot, zero, −0 only, two ones, a value other than 1 (NaN, −1, 2, a subnormal, 0.5, −0
  // beside a 1), at any column: in the groups of sixteen and in the last values
  const specials = [2, NaN, -1, 1e-40, 0.5, -1e-45, Infinity];
  for (const features of [4, 8, 12, 16, 20, 28, 100]) {
    await t.step(`${features} features`, () => {
      const rows = 600;
      const x = new Float32Array(rows * features);
      const at = () => Math.floor(rand() * features);
      for (let r = 0; r < rows; r++) {
        const o = r * features, kind = Math.floor(rand() * 6);
        if (kind === 0) x[o + at()] = 1;
        else if (kind === 1) x[o + at()] = -0;
        else if (kind === 2) [x[o + at()], x[o + at()]] = [1, 1];
        else if (kind === 3) x[o + at()] = specials[Math.floor(rand() * specials.length)];
        else if (kind === 4) [x[o + at()], x[o + at()]] = [1, -0];
        // kind 5: a zero row
      }
      const m = kernels.arena.regions({ x: { float32: x.length }, kinds: { int32: rows } });
      m.x.set(x);
      m.kinds.fill(-7);
      kernels.rowKinds({ x: m.x, rows, features, kinds: m.kinds });
      const expected = Array.from({ length: rows }, (_, r) => rowKind(x, r * features, features));
      assert.deepEqual(Array.from(m.kinds), expected);
      const seen = new Set(expected.map((k) => k < 0 ? "dense" : k === features ? "zero" : "1"));
      assert.equal(seen.size, 3, "every kind of row tested");
    });
  }
  await t.step("features not a multiple of 4, or rows beyond the regions, throw", () => {
    const m = kernels.arena.regions({ x: { float32: 24 }, kinds: { int32: 4 } });
    assert.throws(
      () => kernels.rowKinds({ x: m.x, rows: 2, features: 6, kinds: m.kinds }),
      /rowKinds: features must be a positive multiple of 4 .* rows 2, features 6/,
    );
    assert.throws(
      () => kernels.rowKinds({ x: m.x, rows: 7, features: 4, kinds: m.kinds }),
      /rows 7, features 4/,
    );
  });
});

Deno.test("F64Kernels.rowsT writes rows out as columns, every bit moved", () => {
  const kernels = F64Kernels.create()!;
  const rand = lcg(13);
  const n = 6, stored = 4, k = 7;
  const m = kernels.arena.regions({
    rows: { float64: stored * n },
    out: { float64: k * n + 1 },
    rowAt: { int32: k },
  });
  const rows = Float64Array.from({ length: stored * n }, () => rand() - 0.5);
  rows.set([-0, NaN, Infinity], 1);
  const which = [3, 0, 0, 2, 1, 3, 1]; // row j of the result's columns: stored row which[j]
  m.rows.set(rows);
  m.out.fill(7);
  which.forEach((r, j) => m.rowAt[j] = kernels.address(m.rows, r * n));
  kernels.rowsT({ out: m.out, rowAt: m.rowAt, k, n });
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < k; j++) {
      assert.ok(Object.is(m.out[r * k + j], rows[which[j] * n + r]), `out[${r}, ${j}]`);
    }
  }
  assert.equal(m.out[k * n], 7, "past the end: untouched");
  assert.throws(() => kernels.rowsT({ out: m.out, rowAt: m.rowAt, k: 8, n }), /rowsT: k 8 rows/);
});

Deno.test("F64Kernels.rsubSquareTimes: s · (c − h·h), bit for bit", () => {
  const kernels = F64Kernels.create()!;
  const rand = lcg(14);
  const n = 10, count = 5, sRows = 3, hRows = 4;
  const m = kernels.arena.regions({
    out: { float64: count * n },
    s: { float64: sRows * n },
    h: { float64: hRows * n },
    sAt: { int32: count },
    hAt: { int32: count },
  });
  const s = Float64Array.from({ length: sRows * n }, () => (rand() - 0.5) * 1e-2);
  const h = Float64Array.from({ length: hRows * n }, () => Math.tanh((rand() - 0.5) * 6));
  h.set([1, -1, -0, NaN], 3);
  const sOf = [2, 0, 1, 1, 0], hOf = [3, 3, 0, 2, 1];
  m.s.set(s);
  m.h.set(h);
  sOf.forEach((r, g) => m.sAt[g] = kernels.address(m.s, r * n));
  hOf.forEach((r, g) => m.hAt[g] = kernels.address(m.h, r * n));
  kernels.rsubSquareTimes({ out: m.out, sAt: m.sAt, hAt: m.hAt, count, n, c: 1 });
  for (let g = 0; g < count; g++) {
    for (let j = 0; j < n; j++) {
      const hv = h[hOf[g] * n + j], expected = s[sOf[g] * n + j] * (1 - hv * hv);
      assert.ok(Object.is(m.out[g * n + j], expected), `row ${g}, value ${j}`);
    }
  }
  assert.throws(
    () => kernels.rsubSquareTimes({ out: m.out, sAt: m.sAt, hAt: m.hAt, count, n: 3, c: 1 }),
    /rsubSquareTimes: n must be even/,
  );
});
