/**
 * The input projection x · kernel + bias of every step, and its kernel gradient xᵀ · dZ, on the
 * FAST path of the RNN kernels (the references of `simple_rnn.ts` and `lstm.ts` write theirs
 * inline): for sparse x (one-hot words, `_sparse_rows.ts`) one row of `kernel` (of dZ) per
 * non-zero entry, summed in float64 and stored float32; for dense x one WebAssembly product
 * (float32 sums). The operands live in regions of the products' arena that the caller asks for
 * together with its own: `...projectionRegions(...)` in its `regions({...})` call.
 * @module
 */

import type { SparseRows } from "./_sparse_rows.ts";
import { f32Kernels } from "./_wasm_f32.ts";
import type { MatrixProducts } from "./_wasm_products.ts";
import type { RnnForwardArgs } from "./rnn.ts";

/**
 * The regions {@link projectFast} needs: x [rows, inputDim] (empty for sparse x), kernel
 * [inputDim, gates], bias [gates] float32; for sparse x the sparse rows (sparseStart [rows + 1]
 * int32, sparseIndex [nnz] int32, sparseValue [nnz] float32).
 */
export function projectionRegions(
  sparse: SparseRows | null,
  args: RnnForwardArgs,
  gates: number,
): {
  x: number;
  kernel: number;
  bias: number;
  sparseStart: { int32: number };
  sparseIndex: { int32: number };
  sparseValue: number;
} {
  const dense = sparse === null ? 1 : 0;
  const { batch, steps, inputDim } = args;
  return {
    x: dense * batch * steps * inputDim,
    kernel: inputDim * gates,
    bias: gates,
    sparseStart: { int32: sparse === null ? 0 : sparse.start.length },
    sparseIndex: { int32: sparse === null ? 0 : sparse.index.length },
    sparseValue: sparse === null ? 0 : sparse.value.length,
  };
}

/**
 * out [batch * steps, gates] (a region of the arena) = x · kernel + bias, row by row; for sparse
 * x in WebAssembly (`sparseProject64` of `_wasm_f32.ts`) when the products are the float32
 * kernels' own, else in the loop below: the same float64 operations in the same order.
 * @param regions the regions of {@link projectionRegions}, filled here
 */
export function projectFast(
  products: MatrixProducts,
  p: {
    out: Float32Array;
    regions: {
      x: Float32Array;
      kernel: Float32Array;
      bias: Float32Array;
      sparseStart: Int32Array;
      sparseIndex: Int32Array;
      sparseValue: Float32Array;
    };
    sparse: SparseRows | null;
    args: RnnForwardArgs;
    gates: number;
  },
): void {
  const { out, sparse, args, gates } = p;
  const { kernel, bias, inputDim } = args;
  const rows = args.batch * args.steps;
  const { regions } = p;
  if (
    sparse !== null && f32Kernels !== null && products === f32Kernels.products &&
    out.buffer === regions.kernel.buffer // out a region of the same arena
  ) {
    regions.kernel.set(kernel);
    if (bias === null) regions.bias.fill(0);
    else regions.bias.set(bias);
    regions.sparseStart.set(sparse.start);
    regions.sparseIndex.set(sparse.index);
    regions.sparseValue.set(sparse.value);
    f32Kernels.fns.sparseProject64(
      out.byteOffset,
      regions.kernel.byteOffset,
      gates,
      regions.sparseStart.byteOffset,
      regions.sparseIndex.byteOffset,
      regions.sparseValue.byteOffset,
      regions.bias.byteOffset,
      rows,
    );
    return;
  }
  if (sparse !== null) {
    const { start, index, value } = sparse;
    const row = new Float64Array(gates);
    // a row whose one entry is a 1 (a one-hot word k) is row k of this table, made once:
    // (0 or bias) + 1·kernel[k], the sum of the loop below, stored float32
    let ones: Float32Array | null = null;
    for (let r = 0; r < rows; r++) {
      const oRow = r * gates, first = start[r];
      if (start[r + 1] - first === 1 && value[first] === 1) {
        if (ones === null) {
          ones = new Float32Array(inputDim * gates);
          for (let i = 0; i < ones.length; i++) {
            ones[i] = (bias === null ? 0 : bias[i % gates]) + 1 * kernel[i];
          }
        }
        const k = index[first] * gates;
        for (let g = 0; g < gates; g++) out[oRow + g] = ones[k + g];
        continue;
      }
      if (bias === null) row.fill(0);
      else for (let g = 0; g < gates; g++) row[g] = bias[g];
      for (let n = first; n < start[r + 1]; n++) {
        const xv = value[n];
        const k = index[n] * gates;
        for (let g = 0; g < gates; g++) row[g] += xv * kernel[k + g];
      }
      for (let g = 0; g < gates; g++) out[oRow + g] = row[g];
    }
    return;
  }
  regions.x.set(args.x);
  regions.kernel.set(kernel);
  if (bias === null) regions.bias.fill(0);
  else regions.bias.set(bias);
  products.gemmAdd({
    out,
    pre: regions.bias,
    preIsRow: true,
    a: regions.x,
    w: regions.kernel,
    rows,
    n: inputDim,
    cols: gates,
  });
}

/**
 * The regions {@link kernelGradFast} needs: for dense x, x [rows, inputDim] and dKernel
 * [inputDim, gates]; for sparse x, sparseGrad [inputDim, gates] float64 and the sparse rows
 * (sparseStart [rows + 1] int32, sparseIndex [nnz] int32, sparseValue [nnz] float32).
 */
export function kernelGradRegions(
  sparse: SparseRows | null,
  args: RnnForwardArgs,
  gates: number,
): {
  x: number;
  dKernel: number;
  sparseGrad: { float64: number };
  sparseStart: { int32: number };
  sparseIndex: { int32: number };
  sparseValue: number;
} {
  const dense = sparse === null ? 1 : 0;
  const { batch, steps, inputDim } = args;
  return {
    x: dense * batch * steps * inputDim,
    dKernel: dense * inputDim * gates,
    sparseGrad: { float64: (1 - dense) * inputDim * gates },
    sparseStart: { int32: sparse === null ? 0 : sparse.start.length },
    sparseIndex: { int32: sparse === null ? 0 : sparse.index.length },
    sparseValue: sparse === null ? 0 : sparse.value.length,
  };
}

/**
 * d loss / d kernel = xᵀ · dZ [inputDim, gates], float32, from dZ [batch * steps, gates] (a
 * region of the arena): rows ascending in float32 for dense x, in float64 for sparse x (in
 * WebAssembly, `sparseOuterAdd64` of `_wasm_f32.ts`, when the products are the float32 kernels'
 * own; else the loop below, the same float64 operations in the same order).
 * @param regions the regions of {@link kernelGradRegions}, filled here
 */
export function kernelGradFast(
  products: MatrixProducts,
  p: {
    dZ: Float32Array;
    regions: {
      x: Float32Array;
      dKernel: Float32Array;
      sparseGrad: Float64Array;
      sparseStart: Int32Array;
      sparseIndex: Int32Array;
      sparseValue: Float32Array;
    };
    sparse: SparseRows | null;
    args: RnnForwardArgs;
    gates: number;
  },
): Float32Array {
  const { dZ, sparse, args, gates } = p;
  const { inputDim } = args;
  const rows = args.batch * args.steps;
  const { sparseGrad, sparseStart, sparseIndex, sparseValue } = p.regions;
  if (
    sparse !== null && f32Kernels !== null && products === f32Kernels.products &&
    dZ.buffer === sparseGrad.buffer // dZ a region of the same arena
  ) {
    sparseGrad.fill(0);
    sparseStart.set(sparse.start);
    sparseIndex.set(sparse.index);
    sparseValue.set(sparse.value);
    f32Kernels.fns.sparseOuterAdd64(
      sparseGrad.byteOffset,
      dZ.byteOffset,
      gates,
      sparseStart.byteOffset,
      sparseIndex.byteOffset,
      sparseValue.byteOffset,
      rows,
    );
    return Float32Array.from(sparseGrad);
  }
  if (sparse !== null) {
    const dKernel = new Float64Array(inputDim * gates);
    const { start, index, value } = sparse;
    for (let r = 0; r < rows; r++) {
      const zRow = r * gates;
      for (let n = start[r]; n < start[r + 1]; n++) {
        const xv = value[n];
        const kRow = index[n] * gates;
        for (let g = 0; g < gates; g++) dKernel[kRow + g] += xv * dZ[zRow + g];
      }
    }
    return Float32Array.from(dKernel);
  }
  const { x, dKernel } = p.regions;
  x.set(args.x);
  dKernel.fill(0);
  products.outerAdd({ dst: dKernel, a: x, b: dZ, rows, n: inputDim, cols: gates });
  return dKernel.slice();
}
