import assert from "node:assert/strict";
import { wasmArena } from "../../src/kernels/_wasm_f32.ts";

/** Seeded uniform numbers in [-1, 1) (a linear congruential generator: tests only). */
function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Float32 sums in ascending order, as the kernels sum. */
const f32 = Math.fround;

const SIZES = [
  // [rows, n, cols]: every column variant (4, 8, 16 wide), n = 1, n not a multiple of 4
  [1, 1, 4],
  [3, 5, 8],
  [5, 4, 16],
  [2, 8, 32],
  [4, 3, 48],
  [3, 32, 12],
  // outerAdd four rows at a time, with and without a remainder
  [8, 3, 8],
  [11, 6, 16],
];

Deno.test({
  name: "WebAssembly SIMD products equal float32 loops",
  ignore: wasmArena === null,
  fn: async (t) => {
    const arena = wasmArena!;
    for (const [rows, n, cols] of SIZES) {
      await t.step(`gemmAdd, gemmT, outerAdd: rows ${rows}, n ${n}, cols ${cols}`, () => {
        const [pre, a, w, out, back, dst] = arena.alloc([
          rows * cols,
          rows * n,
          n * cols,
          rows * cols,
          rows * n,
          n * cols,
        ]);
        pre.set(random(rows * cols, 1));
        a.set(random(rows * n, 2));
        w.set(random(n * cols, 3));
        // out = pre + a · w, each lane summed k ascending in float32: equal bit for bit
        arena.gemmAdd(out, pre, a, w, { rows, n, cols });
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            let s = pre[r * cols + c];
            for (let k = 0; k < n; k++) s = f32(s + f32(a[r * n + k] * w[k * cols + c]));
            assert.equal(out[r * cols + c], s, `gemmAdd [${r}, ${c}]`);
          }
        }
        // the bias form: one pre row added to every row
        arena.gemmAdd(out, pre, a, w, { rows, n, cols }, true);
        for (let r = 0; r < rows; r++) {
          let s = pre[0];
          for (let k = 0; k < n; k++) s = f32(s + f32(a[r * n + k] * w[k * cols]));
          assert.equal(out[r * cols], s, `gemmAdd bias row ${r}`);
        }
        // back = out · wᵀ: four lane sums, added (l0 + l1) + (l2 + l3)
        arena.gemmT(back, out, w, { rows, n, cols });
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < n; j++) {
            const lanes = [0, 0, 0, 0];
            for (let c = 0; c < cols; c++) {
              lanes[c % 4] = f32(lanes[c % 4] + f32(out[r * cols + c] * w[j * cols + c]));
            }
            const s = f32(f32(lanes[0] + lanes[1]) + f32(lanes[2] + lanes[3]));
            assert.equal(back[r * n + j], s, `gemmT [${r}, ${j}]`);
          }
        }
        // dst += aᵀ · out, rows ascending
        dst.fill(0.25);
        arena.outerAdd(dst, a, out, { rows, n, cols });
        for (let i = 0; i < n; i++) {
          for (let c = 0; c < cols; c++) {
            let s = f32(0.25);
            for (let r = 0; r < rows; r++) s = f32(s + f32(a[r * n + i] * out[r * cols + c]));
            assert.equal(dst[i * cols + c], s, `outerAdd [${i}, ${c}]`);
          }
        }
      });
    }
    await t.step("columns that are not a multiple of 4 are refused", () => {
      const [a, w, out] = arena.alloc([6, 6, 6]);
      assert.throws(() => arena.gemmT(out, a, w, { rows: 1, n: 1, cols: 6 }), /multiple of 4/);
      assert.throws(() => arena.outerAdd(out, a, w, { rows: 1, n: 1, cols: 3 }), /multiple of 4/);
      assert.throws(() => arena.gemmAddFn(2), /multiple of 4/);
    });
  },
});
