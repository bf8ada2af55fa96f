/**
 * The non-zero entries of x [rows, inputDim], listed once per call so that the fast paths of the
 * RNN kernels spend one row of `kernel` per one-hot word in the projection (and one row of dZ in
 * the kernel gradient) instead of a matrix product.
 * @module
 */

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
  // float32 values are tested by their bits, eight at a time (a ±0 has no bit but the sign)
  const bits = x instanceof Float32Array ? new Int32Array(x.buffer, x.byteOffset, x.length) : null;
  let nnz = 0;
  for (let r = 0; r < rows; r++) {
    const xRow = r * inputDim, end = xRow + inputDim;
    let d = xRow;
    if (bits !== null) {
      for (; d + 8 <= end; d += 8) {
        const any = bits[d] | bits[d + 1] | bits[d + 2] | bits[d + 3] | bits[d + 4] |
          bits[d + 5] | bits[d + 6] | bits[d + 7];
        if ((any & 0x7fffffff) === 0) continue;
        for (let j = d; j < d + 8; j++) {
          if ((bits[j] & 0x7fffffff) === 0) continue;
          if (nnz >= limit || nnz - start[r] >= rowLimit) return null;
          if (nnz === index.length) index = grown(index);
          index[nnz++] = j;
        }
      }
    }
    for (; d < end; d++) {
      if (x[d] === 0) continue;
      if (nnz >= limit || nnz - start[r] >= rowLimit) return null;
      if (nnz === index.length) index = grown(index);
      index[nnz++] = d;
    }
    start[r + 1] = nnz;
  }
  const value = new Float32Array(nnz);
  for (let n = 0; n < nnz; n++) {
    value[n] = x[index[n]];
    index[n] -= Math.floor(index[n] / inputDim) * inputDim; // flat position -> column
  }
  return { start, index: index.subarray(0, nnz), value };
}

/** index in an array twice as long. */
function grown(index: Int32Array): Int32Array {
  const out = new Int32Array(2 * index.length);
  out.set(index);
  return out;
}
