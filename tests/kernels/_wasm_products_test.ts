import assert from "node:assert/strict";
import { F32X4, F64X2, type Lanes, MatrixProducts } from "../../src/kernels/_wasm_products.ts";

/** Seeded uniform numbers in [-1, 1) (a linear congruential generator: tests only). */
function random(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

const SIZES = [
  // [rows, n, vectors, extra]: cols = vectors * lanes + extra. Every gemmAdd variant (1, 2, 4
  // vectors), n = 1, n not a multiple of 4, gemmT's one and four rows of w, outerAdd four rows
  // at a time with and without a remainder; columns beyond whole vectors (extra), alone
  // (vectors 0: fewer columns than lanes) and after vectors of every variant
  [1, 1, 1, 0],
  [3, 5, 2, 0],
  [5, 4, 4, 0],
  [2, 8, 8, 0],
  [4, 3, 12, 0],
  [3, 32, 3, 0],
  [8, 3, 2, 0],
  [11, 6, 4, 0],
  [3, 4, 0, 1],
  [5, 3, 0, 3],
  [4, 8, 1, 1],
  [7, 5, 2, 3],
  [9, 4, 4, 2],
  [2, 1, 3, 1],
  [7, 5, 16, 0],
  [6, 3, 8, 2],
];

/**
 * The products against plain loops in the lanes' precision (`round` rounds each multiply and
 * add): equal bit for bit.
 */
async function checkLanes(t: Deno.TestContext, lanes: Lanes, round: (v: number) => number) {
  const products = MatrixProducts.create(lanes)!;
  for (const [rows, n, vectors, extra] of SIZES) {
    if (extra >= lanes.count) continue;
    const cols = vectors * lanes.count + extra;
    await t.step(`${lanes.name}: rows ${rows}, n ${n}, cols ${cols}`, () => {
      const { pre, a, w, out, back, dst } = products.arena.regions(
        lanes === F64X2
          ? {
            pre: { float64: rows * cols },
            a: { float64: rows * n },
            w: { float64: n * cols },
            out: { float64: rows * cols },
            back: { float64: rows * n },
            dst: { float64: n * cols },
          }
          : {
            pre: rows * cols,
            a: rows * n,
            w: n * cols,
            out: rows * cols,
            back: rows * n,
            dst: n * cols,
          },
      );
      pre.set(random(rows * cols, 1));
      a.set(random(rows * n, 2));
      w.set(random(n * cols, 3));
      // out = pre + a · w, each sum k ascending: s = pre; s += a * w
      products.gemmAdd({ out, pre, a, w, rows, n, cols });
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          let s = pre[r * cols + c];
          for (let k = 0; k < n; k++) s = round(s + round(a[r * n + k] * w[k * cols + c]));
          assert.equal(out[r * cols + c], s, `gemmAdd [${r}, ${c}]`);
        }
      }
      // the bias form: pre's first row added to every row
      products.gemmAdd({ out, pre, preIsRow: true, a, w, rows, n, cols });
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          let s = pre[c];
          for (let k = 0; k < n; k++) s = round(s + round(a[r * n + k] * w[k * cols + c]));
          assert.equal(out[r * cols + c], s, `gemmAdd bias [${r}, ${c}]`);
        }
      }
      // a zero pre: the sums `s = 0; for k: s += a * w` of the hand-written RNN's product
      const zero = new lanes.array(cols);
      pre.set(zero);
      products.gemmAdd({ out, pre, preIsRow: true, a, w, rows, n, cols });
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          let s = 0;
          for (let k = 0; k < n; k++) s = round(s + round(a[r * n + k] * w[k * cols + c]));
          assert.equal(out[r * cols + c], s, `gemmAdd from zero [${r}, ${c}]`);
        }
      }
      // gemm: the same sums from +0 without reading pre (numpy's np.dot)
      pre.fill(NaN);
      const fromZero = out.slice();
      products.gemm({ out, a, w, rows, n, cols });
      for (let i = 0; i < out.length; i++) {
        assert.ok(Object.is(out[i], fromZero[i]), `gemm [${i}]: ${out[i]} vs ${fromZero[i]}`);
      }
      // back = out · wᵀ: lane sums added (l0 + l1) + (l2 + l3), or l0 + l1, then the columns
      // beyond the whole vectors one by one
      products.gemmT({ out: back, a: out, w, rows, n, cols });
      const whole = vectors * lanes.count;
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < n; j++) {
          const l = new Array(lanes.count).fill(0);
          for (let c = 0; c < whole; c++) {
            const i = c % lanes.count;
            l[i] = round(l[i] + round(out[r * cols + c] * w[j * cols + c]));
          }
          let s = lanes.count === 4
            ? round(round(l[0] + l[1]) + round(l[2] + l[3]))
            : round(l[0] + l[1]);
          for (let c = whole; c < cols; c++) {
            s = round(s + round(out[r * cols + c] * w[j * cols + c]));
          }
          assert.equal(back[r * n + j], s, `gemmT [${r}, ${j}]`);
        }
      }
      // dst += aᵀ · out, rows ascending
      dst.fill(0.25);
      products.outerAdd({ dst, a, b: out, rows, n, cols });
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < cols; c++) {
          let s = 0.25;
          for (let r = 0; r < rows; r++) s = round(s + round(a[r * n + i] * out[r * cols + c]));
          assert.equal(dst[i * cols + c], s, `outerAdd [${i}, ${c}]`);
        }
      }
    });
  }
  await t.step(`${lanes.name}: any positive number of columns, nothing else`, () => {
    const { a, w, out } = products.arena.regions({ a: 6, w: 6, out: 6 });
    assert.throws(
      () => products.gemmT({ out, a, w, rows: 1, n: 1, cols: 0 }),
      /gemmT: cols must be a positive integer, got 0/,
    );
    assert.throws(() => products.outerAdd({ dst: out, a, b: w, rows: 1, n: 1, cols: 0 }), /got 0/);
    assert.throws(() => products.gemmAddFn(2.5), /gemmAddFn: cols must be a positive integer/);
    assert.equal(products.handles(lanes.count + 1), true);
    assert.equal(products.handles(1), true);
    assert.equal(products.handles(0), false);
  });
}

const simd = MatrixProducts.create(F32X4) !== null;

Deno.test({
  name: "WebAssembly SIMD products equal plain loops: float32 lanes",
  ignore: !simd,
  fn: (t) => checkLanes(t, F32X4, Math.fround),
});

Deno.test({
  name: "WebAssembly SIMD products equal plain loops: float64 lanes (the hand-written RNN's)",
  ignore: !simd,
  fn: (t) => checkLanes(t, F64X2, (v) => v),
});
