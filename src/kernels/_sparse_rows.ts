/**
 * The non-zero entries of x [rows, inputDim], listed once per call so that the fast paths of the
 * RNN kernels spend one row of `kernel` per one-hot word in the projection (and one row of dZ in
 * the kernel gradient) instead of a matrix product. Float32 rows of a multiple of 4 values are
 * first told apart in WebAssembly (`rowKinds` of `_wasm_f64.ts`: one-hot, zero or other, sixteen
 * values at a time), so that only the other rows are looked at here value by value.
 * @module
 */

import { F64Kernels } from "./_wasm_f64.ts";

/**
 * The non-zero entries of x [rows, inputDim], row by row (compressed sparse rows): row r's are
 * `index[start[r] .. start[r + 1]]` (columns d) and `value[...]` (x[r, d]).
 */
export interface SparseRows {
  /** [rows + 1] int32 */
  start: Int32Array;
  /** [nnz] int32 columns */
  index: Int32Array;
  /** [nnz] float32 values */
  value: Float32Array;
}

/**
 * The non-zero entries of x [rows, inputDim] in one pass, or null when x is dense (data such as
 * embeddings, which the matrix products handle better): a row with more than ⌈inputDim / 2⌉
 * non-zero values (embeddings: found in the first row), or x with more than
 * ⌈rows · inputDim / 2⌉.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const rows = sparseRows([0, 2, 0, 0, 0, 1], 2, 3)!; // x [2, 3]
 * assert.deepEqual(Array.from(rows.start), [0, 1, 2]);
 * assert.deepEqual(Array.from(rows.index), [1, 2]);
 * assert.deepEqual(Array.from(rows.value), [2, 1]);
 * assert.equal(sparseRows([1, 2, 0, 3], 2, 2), null); // dense
 * ```
 */
export function sparseRows(
  x: ArrayLike<number>,
  rows: number,
  inputDim: number,
): SparseRows | null {
  const limit = 0.5 * rows * inputDim, rowLimit = 0.5 * inputDim;
  const start = new Int32Array(rows + 1);
  let index: Int32Array = new Int32Array(Math.min(4 * rows + 16, Math.ceil(limit) + 1));
  let value: Float32Array = new Float32Array(index.length);
  // float32 values are tested by their bits, eight at a time (a ±0 has no bit but the sign)
  const bits = x instanceof Float32Array ? new Int32Array(x.buffer, x.byteOffset, x.length) : null;
  const kinds = x instanceof Float32Array ? rowKindsOf(x, rows, inputDim) : null;
  let nnz = 0;
  for (let r = 0; r < rows; r++) {
    const xRow = r * inputDim, end = xRow + inputDim, kind = kinds === null ? -1 : kinds[r];
    if (kind >= 0) {
      // found in WebAssembly: a one-hot row (a 1 in column `kind`), or a zero row
      if (kind < inputDim) {
        if (nnz >= limit || 0 >= rowLimit) return null;
        if (nnz === index.length) [index, value] = [grown(index), grownValues(value)];
        index[nnz] = kind;
        value[nnz++] = 1;
      }
      start[r + 1] = nnz;
      continue;
    }
    let d = xRow;
    if (bits !== null) {
      for (; d + 8 <= end; d += 8) {
        const any = bits[d] | bits[d + 1] | bits[d + 2] | bits[d + 3] | bits[d + 4] |
          bits[d + 5] | bits[d + 6] | bits[d + 7];
        if ((any & 0x7fffffff) === 0) continue;
        for (let j = d; j < d + 8; j++) {
          if ((bits[j] & 0x7fffffff) === 0) continue;
          if (nnz >= limit || nnz - start[r] >= rowLimit) return null;
          if (nnz === index.length) [index, value] = [grown(index), grownValues(value)];
          index[nnz] = j - xRow;
          value[nnz++] = x[j];
        }
      }
    }
    for (; d < end; d++) {
      if (x[d] === 0) continue;
      if (nnz >= limit || nnz - start[r] >= rowLimit) return null;
      if (nnz === index.length) [index, value] = [grown(index), grownValues(value)];
      index[nnz] = d - xRow;
      value[nnz++] = x[d];
    }
    start[r + 1] = nnz;
  }
  return { start, index: index.subarray(0, nnz), value: value.subarray(0, nnz) };
}

/** Rows of x copied into the kernels' memory at a time (64 KiB of them). */
const KIND_BYTES = 1 << 16;
let kernels: F64Kernels | null | undefined;
let regions: { x: Float32Array; kinds: Int32Array } | null = null;

/**
 * What each float32 row of x [rows, inputDim] is (`rowKind` of `_wasm_f64.ts`: the column of a
 * one-hot row's 1, inputDim for a zero row, −1 otherwise), found in WebAssembly in chunks of
 * about KIND_BYTES; null without WebAssembly SIMD or for rows of a length not a multiple of 4.
 */
function rowKindsOf(x: Float32Array, rows: number, inputDim: number): Int32Array | null {
  if (inputDim % 4 !== 0 || rows < 1) return null;
  if (kernels === undefined) kernels = F64Kernels.create(); // this module's own memory
  if (kernels === null) return null;
  const chunk = Math.max(1, Math.floor(KIND_BYTES / (4 * inputDim)));
  if (regions === null || regions.x.length < chunk * inputDim || regions.kinds.length < rows) {
    const kinds = Math.max(rows, 2 * (regions?.kinds.length ?? 0));
    regions = kernels.arena.regions({ x: { float32: chunk * inputDim }, kinds: { int32: kinds } });
  }
  const { x: room, kinds } = regions;
  for (let r = 0; r < rows; r += chunk) {
    const n = Math.min(chunk, rows - r);
    room.set(x.subarray(r * inputDim, (r + n) * inputDim));
    kernels.rowKinds({ x: room, rows: n, features: inputDim, kinds: kinds.subarray(r) });
  }
  return kinds;
}

/** index in an array twice as long. */
function grown(index: Int32Array): Int32Array {
  const out = new Int32Array(2 * index.length);
  out.set(index);
  return out;
}

/** value in an array twice as long. */
function grownValues(value: Float32Array): Float32Array {
  const out = new Float32Array(2 * value.length);
  out.set(value);
  return out;
}
