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
import type { MatrixProducts } from "./_wasm_products.ts";
import type { RnnForwardArgs } from "./rnn.ts";

/**
 * The regions {@link projectFast} needs: x [rows, inputDim], kernel [inputDim, gates],
 * bias [gates] float32, all empty for sparse x.
 */
export function projectionRegions(
  sparse: SparseRows | null,
  args: RnnForwardArgs,
  gates: number,
): { x: number; kernel: number; bias: number } {
  const dense = sparse === null ? 1 : 0;
  const { batch, steps, inputDim } = args;
  return {
    x: dense * batch * steps * inputDim,
    kernel: dense * inputDim * gates,
    bias: dense * gates,
  };
}

/**
 * out [batch * steps, gates] (a region of the arena) = x · kernel + bias, row by row.
 * @param regions the regions of {@link projectionRegions}, filled here for dense x
 */
export function projectFast(
  products: MatrixProducts,
  p: {
    out: Float32Array;
    regions: { x: Float32Array; kernel: Float32Array; bias: Float32Array };
    sparse: SparseRows | null;
    args: RnnForwardArgs;
    gates: number;
  },
): void {
  const { out, sparse, args, gates } = p;
  const { kernel, bias, inputDim } = args;
  const rows = args.batch * args.steps;
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
  const { regions } = p;
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

/** The regions {@link kernelGradFast} needs: x [rows, inputDim], dKernel [inputDim, gates]. */
export function kernelGradRegions(
  sparse: SparseRows | null,
  args: RnnForwardArgs,
  gates: number,
): { x: number; dKernel: number } {
  const dense = sparse === null ? 1 : 0;
  const { batch, steps, inputDim } = args;
  return { x: dense * batch * steps * inputDim, dKernel: dense * inputDim * gates };
}

/**
 * d loss / d kernel = xᵀ · dZ [inputDim, gates], float32, from dZ [batch * steps, gates] (a
 * region of the arena): rows ascending in float32 for dense x, in float64 for sparse x.
 * @param regions the regions of {@link kernelGradRegions}, filled here for dense x
 */
export function kernelGradFast(
  products: MatrixProducts,
  p: {
    dZ: Float32Array;
    regions: { x: Float32Array; dKernel: Float32Array };
    sparse: SparseRows | null;
    args: RnnForwardArgs;
    gates: number;
  },
): Float32Array {
  const { dZ, sparse, args, gates } = p;
  const { inputDim } = args;
  const rows = args.batch * args.steps;
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
