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
 * The non-zero entries of x [rows, inputDim] in one pass, or null when at least half of them are
 * not zero (dense data such as embeddings, which the matrix products handle better).
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
  const limit = 0.5 * rows * inputDim;
  const start = new Int32Array(rows + 1);
  let index = new Int32Array(Math.min(4 * rows + 16, Math.ceil(limit) + 1));
  let nnz = 0;
  for (let r = 0; r < rows; r++) {
    const xRow = r * inputDim;
    for (let d = 0; d < inputDim; d++) {
      if (x[xRow + d] === 0) continue;
      if (nnz >= limit) return null;
      if (nnz === index.length) {
        const grown = new Int32Array(2 * index.length);
        grown.set(index);
        index = grown;
      }
      index[nnz++] = xRow + d;
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
