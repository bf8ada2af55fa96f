/**
 * Every operation of src/scratch/np.ts against a plain reference on the expanded arrays
 * (numpy's arithmetic written out: `s = 0; s += a·b` for k ascending, one float64 operation per
 * element), bit for bit, with shared rows, one-hot, zero and dense rows, float32 and float64
 * storage, and the WebAssembly SIMD kernels on and off.
 */
import assert from "node:assert/strict";
import * as np from "../../src/scratch/np.ts";
import { ndarray } from "../../src/data/ndarray.ts";
import { tanh as tanhScalar } from "../../src/kernels/_wasm_math.ts";

/** A small deterministic generator for test data (not the code under test). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Kind = "one-hot" | "zero" | "dense";

/**
 * A matrix [rows, cols] whose `stored` rows are one-hot, zero or dense (float32-representable
 * values, some zeros), each row one of them chosen at random (so rows repeat).
 */
function randomMatrix(
  rand: () => number,
  rows: number,
  cols: number,
  options: { stored?: number; kinds?: Kind[]; float32?: boolean } = {},
): np.Matrix {
  const { stored = rows, kinds = ["one-hot", "zero", "dense"], float32 = false } = options;
  const data = float32 ? new Float32Array(stored * cols) : new Float64Array(stored * cols);
  for (let s = 0; s < stored; s++) {
    const kind = kinds[Math.floor(rand() * kinds.length)];
    if (kind === "one-hot") data[s * cols + Math.floor(rand() * cols)] = 1;
    else if (kind === "dense") {
      for (let c = 0; c < cols; c++) {
        data[s * cols + c] = rand() < 0.2 ? 0 : Math.fround((rand() - 0.5) * 4);
      }
    }
  }
  const index = Int32Array.from(
    { length: rows },
    (_, i) => i < stored ? i : Math.floor(rand() * stored),
  );
  return new np.Matrix(rows, cols, data, index);
}

/** The rows of m as arrays. */
function rowsOf(m: np.Matrix): number[][] {
  const flat = m.toArray();
  return Array.from(
    { length: m.rows },
    (_, i) => Array.from(flat.subarray(i * m.cols, (i + 1) * m.cols)),
  );
}

/** Same float64 bits, element by element. */
function assertBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      assert.fail(`${what}[${i}]: ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/** The plain product: s = 0; s += a[i, k]·b[k, j] for k ascending. */
function plainDot(a: number[][], b: number[][]): number[] {
  const out: number[] = [];
  for (const row of a) {
    for (let j = 0; j < b[0].length; j++) {
      let s = 0;
      for (let k = 0; k < row.length; k++) s += row[k] * b[k][j];
      out.push(s);
    }
  }
  return out;
}

/** Run f with the SIMD kernels on and off; returns both results. */
function bothWays<T>(f: () => T): [T, T] {
  const previous = np.useSimd(true);
  try {
    const simd = f();
    np.useSimd(false);
    return [simd, f()];
  } finally {
    np.useSimd(previous);
  }
}

Deno.test("Matrix: rows of stored rows, a value", async (t) => {
  await t.step("shape, stored, get, toArray", () => {
    const m = new np.Matrix(3, 2, new Float64Array([1, 2, 3, 4]), new Int32Array([1, 0, 1]));
    assert.deepEqual(m.shape, [3, 2]);
    assert.equal(m.stored, 2);
    assert.equal(m.get(2, 1), 4);
    assert.deepEqual(Array.from(m.toArray()), [3, 4, 1, 2, 3, 4]);
  });
  await t.step("a bad layout throws naming the sizes", () => {
    assert.throws(
      () => new np.Matrix(3, 2, new Float64Array(5), new Int32Array(3)),
      /np.ts Matrix: 5 stored values and 3 row indices do not make a matrix \[3, 2\]/,
    );
    assert.throws(
      () => new np.Matrix(2, 2, new Float64Array(4), new Int32Array(3)),
      /3 row indices/,
    );
  });
  await t.step("matrix copies, zeros stores one row", () => {
    const values = [1, 2, 3, 4, 5, 6];
    const m = np.matrix(values, 2, 3);
    values[0] = 99;
    assert.deepEqual(Array.from(m.toArray()), [1, 2, 3, 4, 5, 6]);
    assert.throws(() => np.matrix(values, 4, 2), /np.matrix: 6 values, a matrix \[4, 2\] needs 8/);
    const z = np.zeros(5, 3);
    assert.equal(z.stored, 1);
    assert.deepEqual(Array.from(z.toArray()), new Array(15).fill(0));
  });
  await t.step("astype rounds to float32 values, keeps float64 ones", () => {
    const m = np.matrix([0.1, 1 / 3], 1, 2);
    const f = np.astype(m, "float32");
    assert.deepEqual(Array.from(f.toArray()), [Math.fround(0.1), Math.fround(1 / 3)]);
    assert.equal(np.astype(m, "float64"), m);
    const x = new np.Matrix(1, 2, new Float32Array([0.5, 0.25]), new Int32Array(1));
    assert.ok(np.astype(x, "float64").data instanceof Float64Array);
  });
});

Deno.test("swapaxes, stack, sliceRows, take", async (t) => {
  const x = ndarray({
    shape: [2, 3, 2],
    dtype: "float32",
    data: Float32Array.from({ length: 12 }, (_, i) => i),
  });
  await t.step("swapaxes: step t is x[:, t, :], a view", () => {
    const seq = np.swapaxes(x, 0, 1);
    assert.equal(seq.length, 3);
    assert.deepEqual(rowsOf(seq[1]), [[2, 3], [8, 9]]);
    assert.equal(seq[1].data, x.data);
    assert.throws(
      () => np.swapaxes(ndarray({ shape: [2, 6], dtype: "float32" }), 0, 1),
      /np.swapaxes: only axes 0 and 1 of a 3-D array, got axes 0, 1 of shape \[2, 6\]/,
    );
    assert.throws(
      () => np.swapaxes(ndarray({ shape: [1, 1, 1], dtype: "int32" }), 0, 1),
      /x must be float32 or float64, got int32/,
    );
  });
  await t.step("stack: [n, rows, cols], a new array", () => {
    const seq = np.swapaxes(x, 0, 1);
    const s = np.stack(seq);
    assert.deepEqual(s.shape, [3, 2, 2]);
    assert.deepEqual(Array.from(s.data), [0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11]);
    assert.throws(() => np.stack([]), /np.stack: no matrices/);
    assert.throws(
      () => np.stack([seq[0], np.zeros(2, 3)]),
      /matrix 1 is \[2,3\], matrix 0 is \[2, 2\]/,
    );
  });
  await t.step("sliceRows is a view, take a copy in the given order", () => {
    const s = np.sliceRows(x, 1, 2);
    assert.deepEqual(s.shape, [1, 3, 2]);
    assert.equal(s.data.buffer, x.data.buffer);
    assert.deepEqual(Array.from(s.data), [6, 7, 8, 9, 10, 11]);
    const taken = np.take(x, [1, 0, 1]);
    assert.deepEqual(taken.shape, [3, 3, 2]);
    assert.notEqual(taken.data.buffer, x.data.buffer);
    assert.ok(taken.data instanceof Float32Array);
    assert.deepEqual(Array.from(taken.data.subarray(0, 6)), [6, 7, 8, 9, 10, 11]);
    assert.throws(() => np.take(x, [2]), /np.take: index 2 is outside the 2 samples/);
  });
  await t.step("take with out writes into it and returns a view of it", () => {
    const out = new Float32Array(20).fill(-1);
    const taken = np.take(x, [1, 0], out);
    assert.deepEqual(taken.shape, [2, 3, 2]);
    assert.equal(taken.data.buffer, out.buffer);
    assert.deepEqual(Array.from(out), [6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, ...Array(8).fill(-1)]);
    assert.throws(
      () => np.take(x, [1, 0], new Float32Array(11)),
      /at least 12 values, got a Float32Array of 11/,
    );
    assert.throws(() => np.take(x, [1], new Float64Array(6)), /out must be a Float32Array/);
  });
});

Deno.test("dot equals the plain product bit for bit", async (t) => {
  const rand = lcg(1);
  const shapes: [number, number, number][] = [[1, 1, 1], [5, 7, 3], [9, 12, 8], [32, 32, 32], [
    33,
    100,
    16,
  ], [6, 5, 10]];
  for (const [rows, inner, cols] of shapes) {
    for (const float32 of [false, true]) {
      for (const stored of [rows, Math.max(1, Math.floor(rows / 3)), rows * 4]) {
        await t.step(
          `[${rows}, ${inner}]·[${inner}, ${cols}], ${stored} stored rows, ${
            float32 ? "float32" : "float64"
          }`,
          () => {
            const a = randomMatrix(rand, rows, inner, { stored, float32 });
            const b = randomMatrix(rand, inner, cols, { kinds: ["dense"], stored: inner });
            const expected = plainDot(rowsOf(a), rowsOf(b));
            const [simd, plain] = bothWays(() => np.dot(a, b));
            assertBits(simd.toArray(), expected, "SIMD");
            assertBits(plain.toArray(), expected, "plain loops");
            // each distinct stored row of a gives at most one stored row of the result
            assert.ok(
              new Set(simd.index).size <= new Set(a.index).size,
              "rows shared",
            );
          },
        );
      }
    }
  }
  await t.step("all one-hot rows: the result is rows of b, not a copy", () => {
    const a = randomMatrix(rand, 10, 6, { kinds: ["one-hot"] });
    const b = randomMatrix(rand, 6, 4, { kinds: ["dense"] });
    const ab = np.dot(a, b);
    assert.equal(ab.data, b.data);
    assertBits(ab.toArray(), plainDot(rowsOf(a), rowsOf(b)), "gathered");
  });
  await t.step("equal one-hot rows and zero rows are stored once", () => {
    const a = np.matrix([0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0.5], 4, 4); // e1, 0, e1, e3/2
    const ab = np.dot(
      np.astype(a, "float32"),
      np.matrix(Array.from({ length: 8 }, (_, i) => i + 1), 4, 2),
    );
    assert.equal(ab.stored, 3); // the dense row, e1 once, the zero row
    assert.deepEqual(rowsOf(ab), [[3, 4], [0, 0], [3, 4], [3.5, 4]]);
  });
  await t.step("products by alternating right operands, the kernels' memory grown between", () => {
    // the kernels keep the last right operand in their memory: each product must see its own
    const a = randomMatrix(rand, 8, 16, { kinds: ["dense"] });
    const big = randomMatrix(rand, 64, 16, { kinds: ["dense"] });
    const [w1, w2] = [0, 1].map(() => randomMatrix(rand, 16, 8, { kinds: ["dense"] }));
    const w3 = randomMatrix(rand, 16, 64, { kinds: ["dense"] });
    for (const [left, w] of [[a, w1], [a, w2], [a, w1], [big, w3], [a, w1], [big, w1], [a, w2]]) {
      const expected = plainDot(rowsOf(left), rowsOf(w));
      const [simd] = bothWays(() => np.dot(left, w));
      assertBits(simd.toArray(), expected, "SIMD");
      assertBits(np.tanh(np.add(left, 0)).toArray(), np.tanh(left).toArray(), "in between");
      assertBits(
        np.tanh(np.add(np.dot(left, w), np.dot(left, w), 0.5)).toArray(),
        np.tanh(np.add(Float64Array.from(expected), Float64Array.from(expected), 0.5)),
        "a step",
      );
    }
  });
  await t.step("shapes that do not align throw", () => {
    assert.throws(
      () => np.dot(np.zeros(2, 3), np.zeros(2, 3)),
      /np.dot: shapes \[2,3\] and \[2,3\] do not align/,
    );
  });
});

Deno.test("transpose is a view; operations on it see the plain transpose", async (t) => {
  const rand = lcg(2);
  for (const [rows, cols] of [[1, 1], [4, 7], [32, 32], [9, 100]]) {
    for (const float32 of [false, true]) {
      await t.step(`[${rows}, ${cols}] ${float32 ? "float32" : "float64"}`, () => {
        const a = randomMatrix(rand, rows, cols, { stored: Math.max(1, rows - 2), float32 });
        const at = np.transpose(a);
        assert.deepEqual(at.shape, [cols, rows]);
        assert.ok(at.transposed && at.data === a.data && at.index === a.index);
        const ar = rowsOf(a);
        const expected = Array.from(
          { length: cols * rows },
          (_, e) => ar[e % rows][Math.floor(e / rows)],
        );
        assertBits(at.toArray(), expected, "toArray");
        assert.equal(at.get(cols - 1, rows - 1), ar[rows - 1][cols - 1]);
        // an operation computes the rows of the transpose: the zero ones stored once
        const copy = np.multiply(at, 1);
        assertBits(copy.toArray(), expected, "a.T · 1");
        const zeroColumns = Array.from({ length: cols }, (_, c) => ar.every((r) => r[c] === 0))
          .filter(Boolean).length;
        assert.equal(copy.stored, cols - zeroColumns + (zeroColumns > 0 ? 1 : 0));
        assert.deepEqual(np.transpose(at).toArray(), a.toArray());
        assert.ok(!np.transpose(at).transposed);
      });
    }
  }
  await t.step("−0 in an all-zero column becomes 0 (documented)", () => {
    const at = np.multiply(np.transpose(np.matrix([-0, 1, 0, 2], 2, 2)), 1);
    assert.ok(Object.is(at.get(0, 0), 0));
    assert.equal(at.get(1, 1), 2);
  });
  await t.step("dot with a transposed one-hot input scatters its rows: the plain product", () => {
    for (const float32 of [true, false]) {
      const x = randomMatrix(rand, 20, 11, { stored: 60, float32 }); // a step of an input
      const b = randomMatrix(rand, 20, 8, { kinds: ["dense"] });
      const xr = rowsOf(x), xt = xr[0].map((_, k) => xr.map((r) => r[k]));
      const [simd, plain] = bothWays(() => np.dot(np.transpose(x), b));
      assertBits(simd.toArray(), plainDot(xt, rowsOf(b)), "xᵀ·b");
      assertBits(plain.toArray(), plainDot(xt, rowsOf(b)), "xᵀ·b plain loops");
    }
  });
  await t.step("a transposed right operand", () => {
    const a = randomMatrix(rand, 6, 5, { kinds: ["dense"] });
    const b = randomMatrix(rand, 16, 5, { kinds: ["dense"] });
    const bt = rowsOf(b)[0].map((_, k) => rowsOf(b).map((r) => r[k]));
    assertBits(np.dot(a, np.transpose(b)).toArray(), plainDot(rowsOf(a), bt), "a·bᵀ");
  });
});

Deno.test("elementwise operations equal one float64 operation per element", async (t) => {
  const rand = lcg(3);
  const rows = 13, cols = 9;
  // a and b share some rows; c has its own index; v a vector
  const a = randomMatrix(rand, rows, cols, { stored: 5, kinds: ["dense"] });
  const b = new np.Matrix(
    rows,
    cols,
    randomMatrix(rand, 5, cols, { kinds: ["dense"] }).data,
    a.index,
  );
  const c = randomMatrix(rand, rows, cols, { stored: 4, kinds: ["dense", "zero"] });
  const v = Float64Array.from({ length: cols }, () => (rand() - 0.5) * 3);
  const [ar, br, cr] = [a, b, c].map(rowsOf);
  const each = (f: (i: number, j: number) => number) =>
    Array.from({ length: rows * cols }, (_, e) => f(Math.floor(e / cols), e % cols));
  await t.step("add of three, with a vector: (a + c) + v", () => {
    const sum = np.add(a, c, v);
    assertBits(sum.toArray(), each((i, j) => ar[i][j] + cr[i][j] + v[j]), "a + c + v");
    assert.ok(sum.stored <= 5 * 4);
  });
  await t.step("matrices with one index keep it and compute the stored rows", () => {
    const sum = np.add(a, b);
    assert.equal(sum.index, a.index);
    assert.equal(sum.stored, a.stored);
    assertBits(sum.toArray(), each((i, j) => ar[i][j] + br[i][j]), "a + b");
  });
  await t.step("subtract, multiply, divide with numbers on either side", () => {
    assertBits(
      np.subtract(1, np.square(a)).toArray(),
      each((i, j) => 1 - ar[i][j] * ar[i][j]),
      "1 - a²",
    );
    assertBits(np.multiply(c, a).toArray(), each((i, j) => cr[i][j] * ar[i][j]), "c · a");
    assertBits(np.multiply(0.1, c).toArray(), each((i, j) => 0.1 * cr[i][j]), "0.1 · c");
    assertBits(np.divide(a, 7).toArray(), each((i, j) => ar[i][j] / 7), "a / 7");
    assertBits(np.subtract(c, v).toArray(), each((i, j) => cr[i][j] - v[j]), "c - v");
    assertBits(np.divide(v, c).toArray(), each((i, j) => v[j] / cr[i][j]), "v / c");
  });
  await t.step("a descent step astype(w − c·g): one rounding of each value", () => {
    const g = randomMatrix(rand, rows, cols, { kinds: ["dense"] });
    const shared = new np.Matrix(rows, cols, randomMatrix(rand, 5, cols).data, a.index);
    const w32 = np.matrix(Array.from(g.toArray(), (v) => Math.fround(v * 3)), rows, cols);
    // g and w row by row (identity indexes), one shared index, indexes that differ
    for (const [w, gg] of [[w32, g], [a, shared], [a, g], [c, a]] as const) {
      const [wr, gr] = [rowsOf(w), rowsOf(gg)];
      for (const dtype of ["float32", "float64"] as const) {
        const round = dtype === "float32" ? Math.fround : (v: number) => v;
        const step = np.astype(np.subtract(w, np.multiply(0.01, gg)), dtype);
        assertBits(
          step.toArray(),
          each((i, j) => round(wr[i][j] - 0.01 * gr[i][j])),
          `w − 0.01·g ${dtype}`,
        );
      }
      assertBits(np.multiply(0.01, gg).toArray(), each((i, j) => 0.01 * gr[i][j]), "c·g");
      assertBits(
        np.subtract(w, np.multiply(0.01, gg)).toArray(),
        each((i, j) => wr[i][j] - 0.01 * gr[i][j]),
        "w − c·g",
      );
    }
  });
  await t.step("negative, square, exp, clip", () => {
    assertBits(np.negative(c).toArray(), each((i, j) => -cr[i][j]), "−c");
    assertBits(np.exp(a).toArray(), each((i, j) => Math.exp(ar[i][j])), "exp");
    const special = np.matrix([-200, -100, NaN, 5, -0, Infinity], 2, 3);
    assertBits(
      np.clip(special, -100, Infinity).toArray(),
      [-100, -100, NaN, 5, -0, Infinity],
      "clip",
    );
    assertBits(np.clip(special, -1, 1).toArray(), [-1, -1, NaN, 1, -0, 1], "clip both");
  });
  await t.step("tanh: SIMD and plain loops give the scalar tanh", () => {
    const wide = randomMatrix(rand, 40, 16, { stored: 30, kinds: ["dense", "one-hot", "zero"] });
    const big = np.multiply(3, wide); // values beyond ±0.625 too
    for (const m of [wide, big, np.astype(big, "float32")]) {
      const expected = Array.from(m.toArray(), (x) => tanhScalar(x));
      const [simd, plain] = bothWays(() => np.tanh(m));
      assertBits(simd.toArray(), expected, "SIMD tanh");
      assertBits(plain.toArray(), expected, "plain tanh");
    }
  });
  await t.step("vectors and numbers only: a new Float64Array", () => {
    const r = np.add(1, np.exp(np.negative([0, 1, -2])));
    assert.ok(r instanceof Float64Array);
    assertBits(r, [1 + Math.exp(-0), 1 + Math.exp(-1), 1 + Math.exp(2)], "1 + e^−x");
    assertBits(np.subtract([1, 0], new Float64Array([0.25, 0.5])), [0.75, -0.5], "y − a");
  });
  await t.step("shapes that do not broadcast throw naming the operation", () => {
    assert.throws(
      () => np.add(a, np.zeros(rows, cols + 1)),
      /np.add: shapes \[13, 9\] and \[13,10\] differ/,
    );
    assert.throws(
      () => np.multiply(a, [1, 2]),
      /np.multiply: a vector of 2 values against 9 columns/,
    );
    assert.throws(() => np.add(1, 2 as unknown as number[]), /np.add: needs a matrix or a vector/);
  });
});

Deno.test("sum(a, 0) adds the rows in order", () => {
  const rand = lcg(4);
  const a = randomMatrix(rand, 17, 6, { stored: 6 });
  const ar = rowsOf(a);
  const expected = Array.from({ length: 6 }, (_, j) => {
    let s = 0;
    for (const r of ar) s += r[j];
    return s;
  });
  assertBits(np.sum(a, 0), expected, "column sums");
  assert.throws(() => np.sum(a, 1 as 0), /np.sum: only axis 0, got 1/);
});

Deno.test("the steps of an input: one-hot, zero and dense rows found in blocks, any order", async (t) => {
  const rand = lcg(9);
  const kinds: Kind[] = ["one-hot", "zero", "dense"];
  // 60 steps: blocks of steps, asked for from the first step and from the last; features
  // a multiple of 4 (WebAssembly) or not (plain loops), float32 and float64
  for (const [features, float32] of [[12, true], [10, true], [12, false]] as const) {
    await t.step(`${features} features, ${float32 ? "float32" : "float64"}`, () => {
      const m = 7, steps = 60;
      const source = randomMatrix(rand, m * steps, features, { kinds, float32 });
      const shape = [m, steps, features];
      const x = float32
        ? ndarray({ shape, dtype: "float32", data: source.data as Float32Array })
        : ndarray({ shape, dtype: "float64", data: source.data as Float64Array });
      const w = randomMatrix(rand, features, 8, { kinds: ["dense"] });
      const b = randomMatrix(rand, m, 8, { kinds: ["dense"] });
      for (const order of [[0, 1, 30, 59], [59, 58, 33, 34, 0], [26, 25, 24]]) {
        const [simd, plain] = bothWays(() => {
          const seq = np.swapaxes(x, 0, 1); // the kinds of a new input each time
          return order.map((t) => [np.dot(seq[t], w), np.dot(np.transpose(seq[t]), b)]);
        });
        order.forEach((t, k) => {
          const xt = rowsOf(np.swapaxes(x, 0, 1)[t]);
          const xtT = xt[0].map((_, c) => xt.map((r) => r[c]));
          assertBits(simd[k][0].toArray(), plainDot(xt, rowsOf(w)), `x[:, ${t}]·w`);
          assertBits(plain[k][0].toArray(), plainDot(xt, rowsOf(w)), `x[:, ${t}]·w plain`);
          assertBits(simd[k][1].toArray(), plainDot(xtT, rowsOf(b)), `x[:, ${t}]ᵀ·b`);
          assertBits(plain[k][1].toArray(), plainDot(xtT, rowsOf(b)), `x[:, ${t}]ᵀ·b plain`);
        });
      }
    });
  }
});

Deno.test("useSimd returns the previous setting", () => {
  const before = np.useSimd(false);
  assert.equal(np.useSimd(before), false);
});

Deno.test("the chains RecurrentNetwork uses, computed together, equal them one by one", async (t) => {
  const rand = lcg(6);
  const m = 24, n = 16, f = 10;
  // h: dense rows, some shared; x: one-hot and dense rows; w, v dense
  const h = randomMatrix(rand, m, n, { stored: 9, kinds: ["dense"] });
  const x = randomMatrix(rand, m, f, { stored: 60, kinds: ["one-hot", "dense"], float32: true });
  const w1x = randomMatrix(rand, f, n, { kinds: ["dense"] }),
    w = randomMatrix(rand, n, n, { kinds: ["dense"] });
  const b = Float64Array.from({ length: n }, () => rand() - 0.5);
  const delta = randomMatrix(rand, m, n, { kinds: ["dense"] });
  const g = randomMatrix(rand, n, n, { kinds: ["dense"] });
  const chains: [string, () => np.Matrix][] = [
    [
      "tanh(add(dot(x, w1x), dot(h, w), b))",
      () => np.tanh(np.add(np.dot(x, w1x), np.dot(h, w), b)),
    ],
    ["add(g, dot(h.T, δ))", () => np.add(g, np.dot(np.transpose(h), delta))],
    ["add(dot(h.T, δ), g)", () => np.add(np.dot(np.transpose(h), delta), g)],
    [
      "multiply(dot(δ, w.T), subtract(1, square(h)))",
      () => np.multiply(np.dot(delta, np.transpose(w)), np.subtract(1, np.square(h))),
    ],
    ["subtract(dot(δ, w), h)", () => np.subtract(np.dot(delta, w), h)],
  ];
  for (const [name, chain] of chains) {
    await t.step(name, () => {
      const [together, oneByOne] = bothWays(chain); // plain loops: each operation on its own
      assertBits(together.toArray(), oneByOne.toArray(), name);
      assert.deepEqual(together.shape, oneByOne.shape);
    });
  }
  await t.step("a product used twice, and its data read, gives the same values", () => {
    const p = np.dot(h, w);
    const once = np.add(np.multiply(h, 1), p, b).toArray();
    assertBits(np.add(np.multiply(h, 1), p, b).toArray(), once, "again");
    assertBits(p.toArray(), np.dot(np.multiply(h, 1), np.multiply(w, 1)).toArray(), "p itself");
  });
});

Deno.test("addInPlace is numpy's +=: a + b into a, bit for bit, nothing made before changes", async (t) => {
  const rand = lcg(8);
  const m = 12, n = 8, f = 10;
  const h = randomMatrix(rand, m, n, { stored: 7, kinds: ["dense"] });
  const x = randomMatrix(rand, m, f, { kinds: ["one-hot", "zero", "dense"], float32: true });
  const delta = randomMatrix(rand, m, n, { kinds: ["dense"] });
  await t.step("sums of products into zeros equal add of the same, SIMD and plain", () => {
    const [simd, plain] = bothWays(() => {
      const acc = np.zeros(n, n), accX = np.zeros(f, n), expected = [np.zeros(n, n)];
      let expectedX = np.zeros(f, n);
      for (let step = 0; step < 3; step++) {
        const dh = np.dot(np.transpose(h), np.multiply(delta, step + 1));
        const dx = np.dot(np.transpose(x), np.multiply(delta, step - 1));
        assert.equal(np.addInPlace(acc, dh), acc);
        np.addInPlace(accX, dx);
        expected[0] = np.add(expected[0], np.dot(np.transpose(h), np.multiply(delta, step + 1)));
        expectedX = np.add(expectedX, np.dot(np.transpose(x), np.multiply(delta, step - 1)));
      }
      assertBits(acc.toArray(), expected[0].toArray(), "hᵀ·δ sums");
      assertBits(accX.toArray(), expectedX.toArray(), "xᵀ·δ sums");
      return [acc.toArray(), accX.toArray()];
    });
    assertBits(simd[0], plain[0], "SIMD and plain loops");
    assertBits(simd[1], plain[1], "SIMD and plain loops, x");
  });
  await t.step(
    "what was made from a before, even a product not yet computed, keeps a's values then",
    () => {
      const a = np.matrix(Array.from({ length: n * n }, (_, i) => i / 7), n, n);
      const before = a.toArray();
      const data = a.data; // handed out: must not change
      const kept = data.slice();
      const lazyProduct = np.dot(h, a); // computed when first used
      const sum = np.add(a, 1);
      np.addInPlace(a, np.multiply(a, 2));
      np.addInPlace(a, a); // a + a, element by element
      assertBits(a.toArray(), Array.from(before, (v) => (v + 2 * v) + (v + 2 * v)), "a");
      assertBits(data, kept, "a's data handed out before");
      assertBits(sum.toArray(), Array.from(before, (v) => v + 1), "add(a, 1) made before");
      const expected = np.dot(h, np.matrix(before, n, n)).toArray();
      assertBits(lazyProduct.toArray(), expected, "dot(h, a) made before");
      // arrays handed out between two writes keep their values too
      const between = a.toArray(), dataBetween = a.data, sumBetween = np.add(a, 0);
      np.addInPlace(a, np.multiply(a, 0.5));
      assertBits(dataBetween, between, "a's data handed out between writes");
      assertBits(sumBetween.toArray(), between, "add(a, 0) made between writes");
      assertBits(a.toArray(), Array.from(between, (v) => v + 0.5 * v), "a after the third write");
      // and a product made after sees the new values
      assertBits(
        np.dot(h, a).toArray(),
        np.dot(h, np.matrix(a.toArray(), n, n)).toArray(),
        "after",
      );
    },
  );
  await t.step("rows of b stored once as zeros: a + 0, a −0 in a becoming 0", () => {
    // xᵀ·δ with columns of x that are zero everywhere: rows of zeros stored once
    const sparse = new np.Matrix(4, f, new Float32Array(4 * f), new Int32Array(4));
    sparse.data[3] = 1; // x[0, 3] = 1: one row of xᵀ·δ is δ's row 0, the others zero
    const dx = np.dot(np.transpose(sparse), randomMatrix(rand, 4, n, { kinds: ["dense"] }));
    assert.ok(dx.stored < f, "zero rows stored once");
    for (const start of [0, -0, 0.5, NaN]) {
      for (const between of [false, true]) {
        const values = Array.from({ length: f * n }, (_, i) => i % 3 === 0 ? start : i / 9);
        const acc = np.matrix(values, f, n);
        np.addInPlace(acc, np.multiply(acc, 1)); // a first write: storage of its own
        if (between) acc.toArray(); // arrays handed out between writes: storage anew
        const before = acc.toArray();
        np.addInPlace(acc, dx);
        const b = dx.toArray();
        assertBits(acc.toArray(), Array.from(before, (v, i) => v + b[i]), `start ${start}`);
      }
    }
  });
  await t.step("vectors: a Float64Array written in place", () => {
    const v = Float64Array.of(0.1, 0.2, -0);
    assert.equal(np.addInPlace(v, [0.2, 0.1, 0]), v);
    assertBits(v, [0.1 + 0.2, 0.2 + 0.1, 0], "v");
  });
  await t.step("shapes that differ and transposed views throw naming them", () => {
    assert.throws(
      () => np.addInPlace(np.zeros(2, 3), np.zeros(3, 2)),
      /a \[2,3\] and a matrix \[3,2\]/,
    );
    assert.throws(
      () => np.addInPlace(np.transpose(np.zeros(2, 3)), np.zeros(3, 2)),
      /a transposed view/,
    );
    assert.throws(
      () => np.addInPlace(new Float64Array(2), [1, 2, 3]),
      /a vector of 2 values and a vector of 3/,
    );
  });
});
