/**
 * The input projection x · kernel + bias of every step, and its kernel gradient xᵀ · dZ, on the
 * FAST path of the RNN kernels (the references of `simple_rnn.ts` and `lstm.ts` write theirs
 * inline): for sparse x (one-hot words, `_sparse_rows.ts`) one row of `kernel` (of dZ) per
 * non-zero entry, summed in float64 and stored float32; for x given as rows of a table
 * (`args.lookup`, an embedding's output) the distinct rows projected once (one WebAssembly
 * product, float32 sums) and copied to the rows that read them, and the kernel gradient from dZ
 * summed per id (float64, rounded to float32) times those rows; for dense x one WebAssembly
 * product (float32 sums). The operands live in regions of the products' arena that the caller
 * asks for together with its own: `...projectionRegions(...)` in its `regions({...})` call.
 * @module
 */

import type { SparseRows } from "./_sparse_rows.ts";
import { f32Kernels } from "./_wasm_f32.ts";
import type { MatrixProducts } from "./_wasm_products.ts";
import type { Lookup, RnnForwardArgs } from "./rnn.ts";

/** The distinct ids of a lookup and where each row's id is among them. */
export interface LookupRows {
  /** [distinct] the ids that occur, ascending */
  distinct: Int32Array;
  /** [rows] the place of ids[r] in `distinct` */
  place: Int32Array;
}

/** lookupRows' results by lookup: a forward's, read again by its backward. */
const found = new WeakMap<Lookup, LookupRows>();

/**
 * The distinct ids of `lookup` (ascending) and each row's place among them (found once per
 * lookup object: its ids must not change while it is in use).
 * @throws Error naming an id outside [0, tableRows)
 */
export function lookupRows(lookup: Lookup, inputDim: number): LookupRows {
  let rows = found.get(lookup);
  if (rows === undefined) {
    rows = findLookupRows(lookup, inputDim);
    found.set(lookup, rows);
  }
  return rows;
}

function findLookupRows(lookup: Lookup, inputDim: number): LookupRows {
  const { ids } = lookup;
  const tableRows = lookup.table.length / inputDim;
  const slot = new Int32Array(tableRows).fill(-1);
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r];
    if (!(id >= 0 && id < tableRows)) {
      throw new Error(`lookup: id ${id} at row ${r} is outside the table's [0, ${tableRows})`);
    }
    slot[id] = 0;
  }
  let count = 0;
  for (let id = 0; id < tableRows; id++) if (slot[id] === 0) slot[id] = count++;
  const distinct = new Int32Array(count);
  for (let id = 0; id < tableRows; id++) if (slot[id] >= 0) distinct[slot[id]] = id;
  const place = new Int32Array(ids.length);
  for (let r = 0; r < ids.length; r++) place[r] = slot[ids[r]];
  return { distinct, place };
}

/** The largest number of distinct ids a lookup of these sizes can have. */
function maxDistinct(args: RnnForwardArgs): number {
  const lookup = args.lookup;
  if (lookup === undefined) return 0;
  return Math.min(args.batch * args.steps, lookup.table.length / args.inputDim);
}

/**
 * Whether the lookup path runs: a lookup, the float32 kernels' own products, and `on` a region
 * of the same arena as `region`.
 */
function lookupRuns(
  args: RnnForwardArgs,
  products: MatrixProducts,
  on: Float32Array,
  region: ArrayBufferView,
): boolean {
  return args.lookup !== undefined && f32Kernels !== null &&
    products === f32Kernels.products && on.buffer === region.buffer;
}

/** Copies the distinct rows of the table into `rowsOut` [distinct, inputDim]. */
function copyDistinct(lookup: Lookup, rows: LookupRows, inputDim: number, rowsOut: Float32Array) {
  const { distinct } = rows;
  const table = lookup.table;
  for (let u = 0; u < distinct.length; u++) {
    const from = distinct[u] * inputDim, to = u * inputDim;
    for (let d = 0; d < inputDim; d++) rowsOut[to + d] = table[from + d];
  }
}

/**
 * out [rows, gates] = bias + the sparse rows (in the regions) times `table` [·, gates]:
 * `sparseProject64` of `_wasm_f32.ts`, every operand a region of the float32 kernels' arena.
 */
function sparseProject(
  out: Float32Array,
  table: Float32Array,
  gates: number,
  regions: {
    bias: Float32Array;
    sparseStart: Int32Array;
    sparseIndex: Int32Array;
    sparseValue: Float32Array;
  },
  rows: number,
): void {
  f32Kernels!.fns.sparseProject64(
    out.byteOffset,
    table.byteOffset,
    gates,
    regions.sparseStart.byteOffset,
    regions.sparseIndex.byteOffset,
    regions.sparseValue.byteOffset,
    regions.bias.byteOffset,
    rows,
  );
}

/**
 * The sparse rows that pick row `place[r]` of a [distinct, gates] matrix for each row r (one
 * entry of value 1 per row), into the arena's int32 / float32 regions.
 */
function pickRows(
  place: Int32Array,
  regions: { sparseStart: Int32Array; sparseIndex: Int32Array; sparseValue: Float32Array },
): void {
  const rows = place.length;
  for (let r = 0; r <= rows; r++) regions.sparseStart[r] = r;
  regions.sparseIndex.set(place);
  regions.sparseValue.fill(1, 0, rows);
}

/**
 * How x comes to a call (`dense`, sparse rows, or `lookup` rows of a table with `distinct`
 * ids) and the regions that hold it, which {@link projectionRegions} and
 * {@link kernelGradRegions} share: x [rows, inputDim] for dense x; the sparse rows
 * (sparseStart [rows + 1] int32, sparseIndex [nnz] int32, sparseValue [nnz] float32: x's
 * non-zero entries, or for a lookup one entry of 1 a row, picking its id's row); for a lookup
 * the distinct ids' rows of the table, lookupRows [distinct, inputDim].
 */
function inputRegions(sparse: SparseRows | null, args: RnnForwardArgs) {
  const { batch, steps, inputDim } = args;
  const rows = batch * steps;
  const distinct = maxDistinct(args); // 0 without a lookup
  const lookup = distinct > 0 ? 1 : 0;
  const dense = sparse === null && lookup === 0 ? 1 : 0;
  const regions = {
    x: dense * rows * inputDim,
    sparseStart: { int32: lookup ? rows + 1 : sparse === null ? 0 : sparse.start.length },
    sparseIndex: { int32: lookup ? rows : sparse === null ? 0 : sparse.index.length },
    sparseValue: lookup ? rows : sparse === null ? 0 : sparse.value.length,
    lookupRows: distinct * inputDim,
  };
  return { distinct, lookup, dense, regions };
}

/**
 * The regions {@link projectFast} needs: x's ({@link inputRegions}), kernel [inputDim, gates],
 * bias [gates] float32, and for a lookup the distinct rows' projections lookupProjection
 * [distinct, gates].
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
  lookupRows: number;
  lookupProjection: number;
} {
  const { distinct, regions } = inputRegions(sparse, args);
  return {
    ...regions,
    kernel: args.inputDim * gates,
    bias: gates,
    lookupProjection: distinct * gates,
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
      lookupRows: Float32Array;
      lookupProjection: Float32Array;
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
  if (lookupRuns(args, products, out, regions.kernel) && f32Kernels !== null) {
    // the distinct rows' projections (one gemmAdd), then each row's copied by sparseProject64
    // picking it with value 1: 0 + 1 · p in float64, exactly p
    const lookup = args.lookup!;
    const picked = lookupRows(lookup, inputDim);
    const count = picked.distinct.length;
    copyDistinct(lookup, picked, inputDim, regions.lookupRows);
    regions.kernel.set(kernel);
    if (bias === null) regions.bias.fill(0);
    else regions.bias.set(bias);
    const projection = regions.lookupProjection.subarray(0, count * gates);
    products.gemmAdd({
      out: projection,
      pre: regions.bias,
      preIsRow: true,
      a: regions.lookupRows.subarray(0, count * inputDim),
      w: regions.kernel,
      rows: count,
      n: inputDim,
      cols: gates,
    });
    pickRows(picked.place, regions);
    regions.bias.fill(0);
    sparseProject(out, projection, gates, regions, rows);
    return;
  }
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
    sparseProject(out, regions.kernel, gates, regions, rows);
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
 * The regions {@link kernelGradFast} needs: x's ({@link inputRegions}); dKernel [inputDim,
 * gates] for dense x and a lookup; sparseGrad float64, [inputDim, gates] for sparse x or the sums
 * per id [distinct, gates] for a lookup, which also takes them rounded (lookupSums), the kernel
 * and d table's distinct rows (lookupOut [distinct, inputDim]).
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
  lookupRows: number;
  lookupSums: number;
  kernel: number;
  lookupOut: number;
} {
  const { distinct, lookup, dense, regions } = inputRegions(sparse, args);
  const { inputDim } = args;
  return {
    ...regions,
    dKernel: (dense + lookup) * inputDim * gates,
    sparseGrad: { float64: lookup ? distinct * gates : (1 - dense) * inputDim * gates },
    lookupSums: distinct * gates,
    kernel: lookup * inputDim * gates,
    lookupOut: distinct * inputDim,
  };
}

/**
 * dZ [rows, gates] (a region of the arena) summed per id of the lookup: sums [distinct, gates]
 * float32 (float64 sums of the rows in order, `sparseOuterAdd64`, rounded once), in
 * `regions.lookupSums`.
 */
function sumPerId(
  dZ: Float32Array,
  picked: LookupRows,
  gates: number,
  regions: {
    sparseGrad: Float64Array;
    sparseStart: Int32Array;
    sparseIndex: Int32Array;
    sparseValue: Float32Array;
    lookupSums: Float32Array;
  },
): Float32Array {
  const count = picked.distinct.length;
  const sums64 = regions.sparseGrad.subarray(0, count * gates);
  sums64.fill(0);
  pickRows(picked.place, regions);
  f32Kernels!.fns.sparseOuterAdd64(
    sums64.byteOffset,
    dZ.byteOffset,
    gates,
    regions.sparseStart.byteOffset,
    regions.sparseIndex.byteOffset,
    regions.sparseValue.byteOffset,
    picked.place.length,
  );
  const sums = regions.lookupSums.subarray(0, count * gates);
  sums.set(sums64);
  return sums;
}

/**
 * d loss / d kernel = xᵀ · dZ [inputDim, gates], float32, from dZ [batch * steps, gates] (a
 * region of the arena): rows ascending in float32 for dense x, in float64 for sparse x (in
 * WebAssembly, `sparseOuterAdd64` of `_wasm_f32.ts`, when the products are the float32 kernels'
 * own; else the loop below, the same float64 operations in the same order). For x given as rows
 * of a table (`args.lookup`) also d loss / d table (`dTable`, {@link tableFromSums}) from the
 * same sums of dZ per id, which the backward passes hand on in their gradients.
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
      lookupRows: Float32Array;
      lookupSums: Float32Array;
      kernel: Float32Array;
      lookupOut: Float32Array;
    };
    sparse: SparseRows | null;
    args: RnnForwardArgs;
    gates: number;
  },
): { dKernel: Float32Array; dTable?: Float32Array } {
  const { dZ, sparse, args, gates } = p;
  const { inputDim } = args;
  const rows = args.batch * args.steps;
  const { sparseGrad, sparseStart, sparseIndex, sparseValue } = p.regions;
  if (lookupRuns(args, products, dZ, sparseGrad)) {
    // xᵀ · dZ = Σ over the distinct ids of table[id]ᵀ · (dZ summed over the rows reading id)
    const lookup = args.lookup!;
    const picked = lookupRows(lookup, inputDim);
    const count = picked.distinct.length;
    const sums = sumPerId(dZ, picked, gates, p.regions);
    copyDistinct(lookup, picked, inputDim, p.regions.lookupRows);
    const { dKernel } = p.regions;
    dKernel.fill(0);
    products.outerAdd({
      dst: dKernel,
      a: p.regions.lookupRows.subarray(0, count * inputDim),
      b: sums,
      rows: count,
      n: inputDim,
      cols: gates,
    });
    const dTable = tableFromSums(products, sums, picked, args, p.regions);
    return { dKernel: dKernel.slice(), dTable };
  }
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
    return { dKernel: Float32Array.from(sparseGrad) };
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
    return { dKernel: Float32Array.from(dKernel) };
  }
  const { x, dKernel } = p.regions;
  x.set(args.x);
  dKernel.fill(0);
  products.outerAdd({ dst: dKernel, a: x, b: dZ, rows, n: inputDim, cols: gates });
  return { dKernel: dKernel.slice() };
}

/**
 * d loss / d table of a call whose x was given as table rows (`args.lookup`): dZ [rows, gates]
 * summed per id (float64, rounded to float32), times kernelᵀ in one gemmT (float32 lane sums),
 * each distinct id's row placed in a zero table.
 * @param dZ [batch * steps, gates] float32
 * @returns [tableRows, inputDim] float32
 */
export function tableGradFast(
  products: MatrixProducts,
  dZ: Float32Array,
  args: RnnForwardArgs,
): Float32Array {
  const lookup = args.lookup;
  if (lookup === undefined || f32Kernels === null || products !== f32Kernels.products) {
    throw new Error("tableGradFast: needs a lookup and the float32 kernels' products");
  }
  const { inputDim } = args;
  const rows = args.batch * args.steps;
  const gates = dZ.length / rows;
  const picked = lookupRows(lookup, inputDim);
  const count = picked.distinct.length;
  const r = products.arena.regions({
    dZ: rows * gates,
    kernel: inputDim * gates,
    sparseGrad: { float64: count * gates },
    sparseStart: { int32: rows + 1 },
    sparseIndex: { int32: rows },
    sparseValue: rows,
    lookupSums: count * gates,
    lookupOut: count * inputDim,
  });
  r.dZ.set(dZ);
  return tableFromSums(products, sumPerId(r.dZ, picked, gates, r), picked, args, r);
}

/**
 * d loss / d table [tableRows, inputDim] from dZ summed per id (`sums` [distinct, gates], a
 * region of the arena): sums · kernelᵀ in one gemmT (float32 lane sums), each distinct id's row
 * placed in a zero table.
 */
function tableFromSums(
  products: MatrixProducts,
  sums: Float32Array,
  picked: LookupRows,
  args: RnnForwardArgs,
  regions: { kernel: Float32Array; lookupOut: Float32Array },
): Float32Array {
  const { inputDim, kernel } = args;
  const count = picked.distinct.length;
  const gates = sums.length / count;
  regions.kernel.set(kernel);
  const out = regions.lookupOut.subarray(0, count * inputDim);
  products.gemmT({ out, a: sums, w: regions.kernel, rows: count, n: inputDim, cols: gates });
  const table = new Float32Array(args.lookup!.table.length);
  for (let u = 0; u < count; u++) {
    const from = u * inputDim, to = picked.distinct[u] * inputDim;
    for (let d = 0; d < inputDim; d++) table[to + d] = out[from + d];
  }
  return table;
}
