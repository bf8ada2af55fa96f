/**
 * What the whole-sequence SimpleRNN (`simple_rnn.ts`) and LSTM (`lstm.ts`) kernels share: the
 * shapes of their arguments and results, the choice between the plain reference and the fast
 * path, the last step of the outputs, and d loss / d x.
 *
 * Layouts follow tfjs / Keras: inputs `x` [batch, steps, inputDim], `kernel` [inputDim, gates],
 * `recurrentKernel` [units, gates], `bias` [gates], where `gates` is `units` for SimpleRNN,
 * `4 * units` for LSTM (gate blocks i, f, c, o) and `3 * units` for GRU (gate blocks z, r, h;
 * `gru.ts` for its bias). Initial states are zeros. Arrays are row-major, flattened, float32
 * (inputs may be any array of numbers).
 *
 * Every kernel comes twice, llm.c style: a REFERENCE in plain loops that reads like the
 * equations (sums in float64, results stored in float32), and a FAST path beside it (float32
 * sums in the WebAssembly SIMD products of `_wasm_products.ts`, as tfjs's matMul sums; one-hot
 * inputs listed once by `_sparse_rows.ts`; activations in WebAssembly, `_wasm_f32.ts`, the
 * same float32 numbers as the reference's), tested equal to the reference. The fast path runs
 * whenever WebAssembly SIMD is available, for any sizes (the products take the columns beyond
 * whole vectors of four one at a time: SimpleRNN(5), GRU(7), an input width of 3); without it
 * the reference runs, and a warning says so once.
 * @module
 */

import type { SparseRows } from "./_sparse_rows.ts";
import { type F32Kernels, f32Kernels } from "./_wasm_f32.ts";
import { lookupRows, tableGradFast } from "./_projection.ts";

/** Sizes of one whole-sequence call. */
export interface RnnDims {
  batch: number;
  steps: number;
  inputDim: number;
  units: number;
}

/** Arguments of the forward passes. */
export interface RnnForwardArgs extends RnnDims {
  /** [batch, steps, inputDim] */
  x: ArrayLike<number>;
  /** [inputDim, gates] */
  kernel: ArrayLike<number>;
  /** [units, gates] */
  recurrentKernel: ArrayLike<number>;
  /** [gates], or null for `useBias: false` */
  bias: ArrayLike<number> | null;
  /**
   * [batch, units] recurrent dropout mask (0 or 1 / (1 - rate), one per sequence, fixed over the
   * steps), multiplied into h_{t-1} before `h_{t-1} · recurrentKernel` (tfjs's and Keras's
   * `recurrent_dropout`); absent or null: none
   */
  recurrentMask?: ArrayLike<number> | null;
  /**
   * The non-zero entries of x as [batch · steps, inputDim] rows, exactly what
   * `sparseRows(x, batch * steps, inputDim)` of `_sparse_rows.ts` returns (null: x is dense),
   * when the caller already knows them (the fast road's one-hot batches, `RowBatches`); absent:
   * the fast kernels find them in x
   */
  sparse?: SparseRows | null;
  /**
   * x given as rows of a table (an embedding's output): x[r, :] = table[ids[r], :], when the
   * caller knows it. The fast path then projects each row of the table that the ids name once
   * (the distinct ids: 603-718 rows instead of 3,200 for a batch of the book's IMDB data) and
   * takes the kernel's gradient from dZ summed per id; {@link tableGrad} gives d loss / d
   * table. x must still hold table[ids] (the reference reads it).
   */
  lookup?: Lookup;
}

/** x as rows of a table: x[r, :] = table[ids[r], :]. */
export interface Lookup {
  /** [tableRows, inputDim] float32 */
  table: Float32Array;
  /** [batch · steps] int32, each in [0, tableRows) */
  ids: Int32Array;
}

/** Arguments of the backward passes besides the forward's cache. */
export interface RnnBackwardArgs {
  /** d loss / d output: [batch, units] (last step) or [batch, steps, units] (every step) */
  dy: ArrayLike<number>;
  /** whether `dy` covers every step */
  returnSequences: boolean;
}

/** Gradients of a backward pass, float32, shaped as the weights. */
export interface RnnGrads {
  /** [batch * steps, gates] d loss / d pre-activations, for {@link inputGrad} */
  dZ: Float32Array;
  /** [inputDim, gates] */
  dKernel: Float32Array;
  /** [units, gates] */
  dRecurrentKernel: Float32Array;
  /** [gates] */
  dBias: Float32Array;
  /**
   * [tableRows, inputDim] d loss / d table, when x was given as rows of a table
   * (`args.lookup`) and the fast path ran: from the same sums of dZ per id as dKernel
   * ({@link tableGrad} returns it)
   */
  dTable?: Float32Array;
}

/**
 * Checks the lengths of a call's arrays against its sizes, `gates` columns a unit's worth.
 * @throws Error naming the kernel (`who`), the array, its length and the expected one
 */
export function checkArgs(args: RnnForwardArgs, gates: number, who: string): void {
  const { batch, steps, inputDim, units } = args;
  for (
    const [name, n] of [["batch", batch], ["steps", steps], ["inputDim", inputDim], [
      "units",
      units,
    ]] as const
  ) {
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`${who}: ${name} must be a positive integer, got ${n}`);
    }
  }
  const expected: Array<[string, ArrayLike<number> | null, number]> = [
    ["x", args.x, batch * steps * inputDim],
    ["kernel", args.kernel, inputDim * gates],
    ["recurrentKernel", args.recurrentKernel, units * gates],
    ["bias", args.bias, gates],
    ["recurrentMask", args.recurrentMask ?? null, batch * units],
  ];
  for (const [name, array, n] of expected) {
    if (array !== null && array.length !== n) {
      throw new Error(
        `${who}: ${name} has ${array.length} numbers, expected ${n} for [batch ${batch}, steps ${steps}, inputDim ${inputDim}, units ${units}]`,
      );
    }
  }
  const lookup = args.lookup;
  if (lookup !== undefined) {
    if (lookup.ids.length !== batch * steps || lookup.table.length % inputDim !== 0) {
      throw new Error(
        `${who}: lookup has ${lookup.ids.length} ids and a table of ${lookup.table.length} numbers, expected ${
          batch * steps
        } ids and rows of inputDim ${inputDim}`,
      );
    }
  }
}

/**
 * Checks the length of dy against the sizes of the forward call.
 * @throws Error naming the kernel (`who`), dy's length and the expected one
 */
export function checkBack(back: RnnBackwardArgs, dims: RnnDims, who: string): void {
  const { batch, steps, units } = dims;
  const n = back.returnSequences ? batch * steps * units : batch * units;
  if (back.dy.length !== n) {
    throw new Error(
      `${who}: dy has ${back.dy.length} numbers, expected ${n} (${
        back.returnSequences ? "[batch, steps, units]" : "[batch, units]"
      })`,
    );
  }
}

/**
 * Writes the columns `from .. from + cols` of `w` [rows, stride] as rows: dst [cols, rows] with
 * dst[c, r] = w[r, from + c] (a recurrent kernel's transpose, which the backward passes'
 * per-step products read as `gemm`'s w: dh_{t-1} = dz_t · recurrentKernelᵀ).
 */
export function transposeInto(
  dst: Float32Array,
  w: ArrayLike<number>,
  rows: number,
  stride: number,
  from = 0,
  cols = stride,
): void {
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < rows; r++) dst[c * rows + r] = w[r * stride + from + c];
  }
}

/**
 * The float32 kernels for a call of a fast path with `gates` gate columns of `units` units.
 * @throws Error naming `who` when they cannot run it (no WebAssembly SIMD)
 */
export function requireFastKernels(gates: number, units: number, who: string): F32Kernels {
  if (f32Kernels === null || !f32Kernels.products.handles(gates)) {
    throw new Error(`${who}: the fast path needs WebAssembly SIMD, got units ${units}`);
  }
  return f32Kernels;
}

const announced = new Set<string>();

/**
 * The float32 kernels when the fast path can run a call with `gates` columns (WebAssembly SIMD,
 * any positive number of columns), else null, after a warning (once per reason) that `who` falls
 * back to the plain reference and why.
 */
export function fastKernels(gates: number, who: string): F32Kernels | null {
  if (f32Kernels?.products.handles(gates)) return f32Kernels;
  const reason = f32Kernels === null
    ? "WebAssembly SIMD is not available here"
    : `${gates} gate columns are not a positive number`;
  const key = `${who}: ${reason}`;
  if (!announced.has(key)) {
    announced.add(key);
    console.warn(
      `fused RNN kernels: ${who} runs the plain reference loops (3-10x slower): ${reason}`,
    );
  }
  return null;
}

/**
 * The last step of every sequence: h [batch, steps, units] -> [batch, units], float32.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const h = Float32Array.from([1, 2, 3, 4, 5, 6]); // [2, 3, 1]
 * assert.deepEqual(Array.from(lastStep(h, { batch: 2, steps: 3, inputDim: 1, units: 1 })), [3, 6]);
 * ```
 */
export function lastStep(h: Float32Array, dims: RnnDims): Float32Array {
  const { batch, steps, units } = dims;
  const out = new Float32Array(batch * units);
  for (let b = 0; b < batch; b++) {
    const from = ((b + 1) * steps - 1) * units;
    out.set(h.subarray(from, from + units), b * units);
  }
  return out;
}

/**
 * Adds the output's gradient at step t of sequence b to dh [units]: dy[b, t, :] at every step
 * with `returnSequences`, else dh = dy[b, :] at the last step only. (Called once per step:
 * positional arguments.)
 */
export function addOutputGrad(
  dh: Float64Array | Float32Array,
  back: RnnBackwardArgs,
  b: number,
  t: number,
  steps: number,
  units: number,
): void {
  const { dy, returnSequences } = back;
  if (returnSequences) {
    const row = (b * steps + t) * units;
    for (let u = 0; u < units; u++) dh[u] += dy[row + u];
  } else if (t === steps - 1) { for (let u = 0; u < units; u++) dh[u] = dy[b * units + u]; }
}

/**
 * Adds the output's gradient at step t of every sequence to dh [batch, units] (float32, rounded
 * as each float32 add): dy[:, t, :] at every step with `returnSequences` (onto zeros at the last
 * step), else dh = dy at the last step only: {@link addOutputGrad} of each sequence.
 */
export function addOutputGrads(
  dh: Float32Array,
  back: RnnBackwardArgs,
  t: number,
  dims: RnnDims,
): void {
  const { batch, steps, units } = dims;
  const { dy, returnSequences } = back;
  if (!returnSequences) {
    if (t === steps - 1) { for (let i = 0; i < batch * units; i++) dh[i] = dy[i]; }
    return;
  }
  if (t === steps - 1) dh.fill(0, 0, batch * units);
  for (let b = 0; b < batch; b++) {
    const row = (b * steps + t) * units, to = b * units;
    for (let u = 0; u < units; u++) dh[to + u] += dy[row + u];
  }
}

/**
 * h_{t-1} as the recurrent product reads it: `h` [batch, steps, units] times the recurrent
 * mask [batch, units] of each sequence, every step, float32; `h` itself without a mask.
 */
export function maskedStates(h: Float32Array, args: RnnForwardArgs): Float32Array {
  const mask = args.recurrentMask;
  if (mask == null) return h;
  const { batch, steps, units } = args;
  const out = new Float32Array(h.length);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      const row = (b * steps + t) * units;
      for (let u = 0; u < units; u++) out[row + u] = h[row + u] * mask[b * units + u];
    }
  }
  return out;
}

/**
 * Multiplies `rows` rows of `units` numbers, `stride` apart in `v` (float32), by the recurrent
 * mask [rows, units] in place: dh_{t-1} of every sequence at step t, which the mask scales as
 * it scaled h_{t-1}. (A kernel's own arena buffer: not an argument of a public function.)
 */
export function maskRowsInPlace(
  v: Float32Array,
  mask: ArrayLike<number>,
  rows: number,
  units: number,
  stride: number,
): void {
  for (let b = 0; b < rows; b++) {
    for (let u = 0; u < units; u++) v[b * stride + u] *= mask[b * units + u];
  }
}

/**
 * Writes h_t m of every sequence (step t) into `hm`: `h`, `hm` [batch, steps, units] arena
 * views, `mask` [batch, units].
 */
export function maskStep(
  hm: Float32Array,
  h: Float32Array,
  mask: ArrayLike<number>,
  t: number,
  dims: { batch: number; steps: number; units: number },
): void {
  const { batch, steps, units } = dims;
  for (let b = 0; b < batch; b++) {
    const row = (b * steps + t) * units;
    for (let u = 0; u < units; u++) hm[row + u] = h[row + u] * mask[b * units + u];
  }
}

// ---- d loss / d x = dZ · kernelᵀ --------------------------------------------------------------

/**
 * Reference d loss / d x: dx[r, d] = sum over g of dZ[r, g] * kernel[d, g], summed in float64.
 * @param grads its `dZ` [batch * steps, gates]
 * @param args the forward pass's: `kernel` [inputDim, gates] and the sizes
 * @returns dx [batch, steps, inputDim] float32
 */
export function inputGradReference(grads: RnnGrads, args: RnnForwardArgs): Float32Array {
  const { batch, steps, inputDim, kernel } = args;
  const { dZ } = grads;
  const rows = batch * steps;
  const gates = dZ.length / rows;
  const dx = new Float32Array(rows * inputDim);
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < inputDim; d++) {
      let s = 0;
      for (let g = 0; g < gates; g++) s += dZ[r * gates + g] * kernel[d * gates + g];
      dx[r * inputDim + d] = s;
    }
  }
  return dx;
}

/** Fast {@link inputGradReference}: one WebAssembly gemmT (float32 lane sums). */
export function inputGradFast(grads: RnnGrads, args: RnnForwardArgs): Float32Array {
  const { batch, steps, inputDim } = args;
  const rows = batch * steps;
  const gates = grads.dZ.length / rows;
  const products = f32Kernels?.products ?? null;
  if (products === null || !products.handles(gates)) {
    throw new Error(`inputGradFast: needs WebAssembly SIMD and gates >= 1, got ${gates}`);
  }
  const { dZ, kernel, dx } = products.arena.regions({
    dZ: rows * gates,
    kernel: inputDim * gates,
    dx: rows * inputDim,
  });
  dZ.set(grads.dZ);
  kernel.set(args.kernel);
  products.gemmT({ out: dx, a: dZ, w: kernel, rows, n: inputDim, cols: gates });
  return dx.slice();
}

/**
 * d loss / d x of a fused call: dZ · kernelᵀ, [batch * steps, gates] -> [batch, steps, inputDim]
 * float32; {@link inputGradFast} where it runs, else {@link inputGradReference}.
 *
 * Kept apart from the backward passes because it is the one gradient a model often does not
 * need (an input that is data, such as one-hot words) and costs as much as the projection.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simpleRnnBackward, simpleRnnForward } from "./simple_rnn.ts";
 *
 * // one step, linear: h = 2 x0 + 3 x1, so d h / d x = [2, 3]
 * const args = { batch: 1, steps: 1, inputDim: 2, units: 1, x: [1, 1], kernel: [2, 3],
 *   recurrentKernel: [0], bias: null };
 * const grads = simpleRnnBackward(simpleRnnForward(args, "linear"), {
 *   dy: [1],
 *   returnSequences: false,
 * });
 * assert.deepEqual(Array.from(inputGrad(grads, args)), [2, 3]);
 * ```
 */
export function inputGrad(grads: RnnGrads, args: RnnForwardArgs): Float32Array {
  const gates = grads.dZ.length / (args.batch * args.steps);
  return fastKernels(gates, "d loss / d x") === null
    ? inputGradReference(grads, args)
    : inputGradFast(grads, args);
}

/**
 * Reference d loss / d table of a call whose x was given as table rows (`args.lookup`): dx
 * ({@link inputGradReference}) added up per id in float64, rows ascending; float32.
 * @returns [tableRows, inputDim] float32, zero in the rows no id names
 */
export function tableGradReference(grads: RnnGrads, args: RnnForwardArgs): Float32Array {
  const lookup = lookupOf(args, "tableGradReference");
  const { inputDim } = args;
  const dx = inputGradReference(grads, args);
  const sums = new Float64Array(lookup.table.length);
  lookup.ids.forEach((id, r) => {
    for (let d = 0; d < inputDim; d++) sums[id * inputDim + d] += dx[r * inputDim + d];
  });
  return Float32Array.from(sums);
}

function lookupOf(args: RnnForwardArgs, who: string): Lookup {
  if (args.lookup === undefined) throw new Error(`${who}: the call's x was not given as lookup`);
  lookupRows(args.lookup, args.inputDim); // checks the ids
  return args.lookup;
}

/**
 * d loss / d table of a call whose x was given as rows of a table (`args.lookup`, an
 * embedding's output): what {@link inputGrad}'s dx adds up to per id. The fast path sums dZ per
 * id first (float64, rounded to float32), then multiplies the few summed rows by kernelᵀ in one
 * gemmT: the distinct ids' rows instead of batch · steps; its backward passes have done that
 * already (`grads.dTable`, returned as it is). Else {@link tableGradReference}.
 * @returns [tableRows, inputDim] float32, zero in the rows no id names
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { simpleRnnBackward, simpleRnnForward } from "./simple_rnn.ts";
 *
 * // one step each of two sequences reading word 1 of a table of 2 rows: linear, h = 2 x0 + 3 x1
 * const table = Float32Array.from([0, 0, 1, 1]);
 * const ids = Int32Array.from([1, 1]);
 * const args = { batch: 2, steps: 1, inputDim: 2, units: 1, x: [1, 1, 1, 1], kernel: [2, 3],
 *   recurrentKernel: [0], bias: null, lookup: { table, ids } };
 * const grads = simpleRnnBackward(simpleRnnForward(args, "linear"), {
 *   dy: [1, 1],
 *   returnSequences: false,
 * });
 * assert.deepEqual(Array.from(tableGrad(grads, args)), [0, 0, 4, 6]); // word 1 read twice
 * ```
 */
export function tableGrad(grads: RnnGrads, args: RnnForwardArgs): Float32Array {
  const lookup = lookupOf(args, "tableGrad");
  if (grads.dTable !== undefined) return grads.dTable;
  const gates = grads.dZ.length / (args.batch * args.steps);
  const kernels = fastKernels(gates, "d loss / d table");
  return kernels === null
    ? tableGradReference(grads, args)
    : tableGradFast(kernels.products, grads.dZ, { ...args, lookup });
}
