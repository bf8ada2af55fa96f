/**
 * Whole-sequence forward and backward passes of SimpleRNN and LSTM on typed arrays: the
 * arithmetic behind the fused layers of `fused_rnn.ts`, as pure functions (no argument is
 * mutated; every result is a new array, the forward caches and dZ taken from a scratch pool the
 * caller gives them back to with {@link releaseScratch} once it is done with them).
 *
 * Layouts follow tfjs / Keras: inputs `x` [batch, steps, inputDim], `kernel` [inputDim, gates],
 * `recurrentKernel` [units, gates], `bias` [gates], where `gates` is `units` for SimpleRNN and
 * `4 * units` for LSTM with the gate blocks in the order i (input), f (forget), c (candidate),
 * o (output). The initial states are zeros. All arrays are row-major and flattened.
 *
 * Forward and backward sit side by side, micrograd style: each backward pass walks the steps in
 * reverse through the values its forward pass cached. Stored values are float32 like the tensors
 * of tfjs. The matrix products (input projection, recurrent products, weight and input
 * gradients) run in WebAssembly SIMD (`_wasm_f32.ts`, sums in float32 like tfjs's matMul) when
 * the gate count is a multiple of 4 (every LSTM; SimpleRNN(8), (32)), else in the TypeScript
 * loops here (sums in float64); {@link setWasmKernels} switches, the tests hold both paths to
 * 1e-6 of each other. Sparse inputs (one-hot words) are listed once per call
 * ({@link sparseRows}): the projection then costs one row of `kernel` per step, and the kernel
 * gradient one row of dZ, instead of matrix products. tanh is {@link fastTanh} (3e-7 relative).
 * @module
 */

import { wasmArena } from "./_wasm_f32.ts";

/**
 * Whether the matrix products run in WebAssembly SIMD (`_wasm_f32.ts`, sums in float32 like
 * tfjs's matMul) where the gate count allows it (a multiple of 4; always for LSTM), or in the
 * TypeScript loops below (sums in float64). On by default when WebAssembly SIMD is available.
 */
let useWasm = wasmArena !== null;

/**
 * Turns the WebAssembly products on or off (e.g. to compare both paths); returns the previous
 * setting. Has no effect without WebAssembly SIMD.
 */
export function setWasmKernels(enabled: boolean): boolean {
  const previous = useWasm;
  useWasm = enabled && wasmArena !== null;
  return previous;
}

/** Whether the products of a call with `gates` columns run in WebAssembly. */
function wasmFor(gates: number): boolean {
  return useWasm && gates % 4 === 0;
}

/**
 * The non-zero entries of x [rows, inputDim], row by row (compressed sparse rows): row r's are
 * `index[start[r] .. start[r + 1]]` (columns d) and `value[...]` (x[r, d]).
 */
export interface SparseRows {
  /** [rows + 1] */
  start: Int32Array;
  /** [nnz] */
  index: Int32Array;
  /** [nnz] */
  value: Float32Array;
}

/**
 * The non-zero entries of x [rows, inputDim] in one pass, or null when at least half of them are
 * not zero (dense data such as embeddings, which the matrix products handle better).
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

// ---------------------------------------------------------------------------------------------
// Scratch arrays
// ---------------------------------------------------------------------------------------------

/**
 * Released scratch arrays by length. A training batch needs ~1 MB of caches; a fresh typed array
 * of that size is zeroed memory the OS must map in, which on this VM costs milliseconds under
 * load, so caches come from here and go back once the backward pass is done with them.
 */
const scratch = new Map<number, Float32Array[]>();
const SCRATCH_PER_LENGTH = 8;

/** A Float32Array of n numbers with ARBITRARY contents: callers write every element first. */
function scratchArray(n: number): Float32Array {
  return scratch.get(n)?.pop() ?? new Float32Array(n);
}

/**
 * Gives arrays back for reuse by later calls. The caller must not touch them afterwards: only
 * caches and dZ arrays of these kernels, once nothing reads them, may be released.
 */
export function releaseScratch(...arrays: Float32Array[]): void {
  for (const a of arrays) {
    const list = scratch.get(a.length) ?? [];
    if (list.length < SCRATCH_PER_LENGTH && !list.includes(a)) list.push(a);
    scratch.set(a.length, list);
  }
}

/** Activations the kernels implement, by their tfjs-layers names. */
export const ACTIVATIONS = ["linear", "tanh", "sigmoid", "hardSigmoid", "relu"] as const;
/** One of {@link ACTIVATIONS}. */
export type ActivationName = typeof ACTIVATIONS[number];

// code 0 is linear
const TANH = 1;
const SIGMOID = 2;
const HARD_SIGMOID = 3;
const RELU = 4;

/**
 * The code of an activation for the inner loops.
 * @throws Error naming the activation when the kernels do not implement it
 */
export function activationCode(name: string): number {
  const code = ACTIVATIONS.indexOf(name as ActivationName);
  if (code < 0) {
    throw new Error(
      `fused RNN kernels: activation "${name}" is not supported (supported: ${
        ACTIVATIONS.join(", ")
      })`,
    );
  }
  return code;
}

const LOG2E = 1.4426950408889634;
const LN2_HI = 0.6931471803691238; // ln 2 split in two so k * LN2_HI is exact for |k| < 2^20
const LN2_LO = 1.9082149292705877e-10;
/** 2^k at index k + 1100, for the k that exp's range reduction produces. */
const POW2 = new Float64Array(2201).map((_, i) => Math.pow(2, i - 1100));

/**
 * e^x within 1e-11 relative (float32 needs 6e-8), about 3x faster than V8's `Math.exp`, which is
 * a call the loops cannot inline: x = k ln 2 + r with |r| <= ln(2)/2, e^r by its Taylor
 * polynomial of degree 9 (evaluated in Estrin's scheme), 2^k from a table. Clamped to
 * [-700, 700], far outside float32's range.
 */
export function exp(x: number): number {
  if (x > 700) x = 700;
  else if (x < -700) x = -700;
  const k = Math.floor(x * LOG2E + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  const r2 = r * r;
  const r4 = r2 * r2;
  const p = (1 + r) + r2 * (1 / 2 + r * (1 / 6)) +
    r4 * ((1 / 24 + r * (1 / 120)) + r2 * (1 / 720 + r * (1 / 5040)) +
        r4 * (1 / 40320 + r * (1 / 362880)));
  return p * POW2[k + 1100];
}

/** Beyond this |z|, {@link fastTanh} is ±1 in float32. */
const TANH_CLAMP = 7.90531110763549805;

/**
 * tanh as a rational function (Eigen's float32 `generic_fast_tanh_float` coefficients, evaluated
 * in float64): within 3e-7 relative of `Math.tanh` (two to three float32 ulps), and inlined by
 * the loops where `Math.tanh` is a call. The kernels use it: a float32 result is what they store,
 * and the one-hot SimpleRNN evaluates 100,000 per batch.
 */
export function fastTanh(z: number): number {
  if (z >= 9) return 1; // 1 - tanh(9) < 2^-25: 1 in float32
  if (z <= -9) return -1;
  if (z > TANH_CLAMP) z = TANH_CLAMP;
  else if (z < -TANH_CLAMP) z = -TANH_CLAMP;
  const z2 = z * z;
  const p = z * (4.89352455891786e-03 +
    z2 * (6.37261928875436e-04 +
        z2 * (1.48572235717979e-05 +
            z2 * (5.12229709037114e-08 +
                z2 *
                  (-8.60467152213735e-11 +
                    z2 * (2.00018790482477e-13 + z2 * -2.76076847742355e-16))))));
  const q = 4.89352518554385e-03 +
    z2 * (2.26843463243900e-03 + z2 * (1.18534705686654e-04 + z2 * 1.19825839466702e-06));
  return p / q;
}

/** The activation `code` of pre-activation `z`, as tfjs-layers computes it. */
function activate(code: number, z: number): number {
  switch (code) {
    case TANH:
      return fastTanh(z);
    case SIGMOID:
      return 1 / (1 + exp(-z));
    case HARD_SIGMOID: {
      const y = 0.2 * z + 0.5;
      return y < 0 ? 0 : y > 1 ? 1 : y;
    }
    case RELU:
      return z > 0 ? z : 0;
    default:
      return z;
  }
}

/** d activation / d z, written in terms of the activation's output `y`. */
function slope(code: number, y: number): number {
  switch (code) {
    case TANH:
      return 1 - y * y;
    case SIGMOID:
      return y * (1 - y);
    case HARD_SIGMOID:
      return y > 0 && y < 1 ? 0.2 : 0;
    case RELU:
      return y > 0 ? 1 : 0;
    default:
      return 1;
  }
}

/** Sizes of one fused call. */
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
}

/**
 * `x · kernel + bias` for every step: [rows, inputDim] x [inputDim, gates] -> [rows, gates]; for
 * sparse x (one-hot words) only the rows of `kernel` its non-zero entries pick.
 */
function projectInputs(
  x: ArrayLike<number>,
  sparse: SparseRows | null,
  kernel: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  rows: number,
  inputDim: number,
  gates: number,
): Float32Array {
  const out = scratchArray(rows * gates);
  if (sparse !== null) {
    const { start, index, value } = sparse;
    const row = new Float64Array(gates);
    for (let r = 0; r < rows; r++) {
      if (bias === null) row.fill(0);
      else for (let g = 0; g < gates; g++) row[g] = bias[g];
      for (let n = start[r]; n < start[r + 1]; n++) {
        const xv = value[n];
        const k = index[n] * gates;
        for (let g = 0; g < gates; g++) row[g] += xv * kernel[k + g];
      }
      const oRow = r * gates;
      for (let g = 0; g < gates; g++) out[oRow + g] = row[g];
    }
    return out;
  }
  if (wasmFor(gates)) {
    const [o, xs, k, b] = wasmArena!.alloc([
      rows * gates,
      rows * inputDim,
      inputDim * gates,
      gates,
    ]);
    xs.set(x);
    k.set(kernel);
    if (bias === null) b.fill(0);
    else b.set(bias);
    wasmArena!.gemmAdd(o, b, xs, k, { rows, n: inputDim, cols: gates }, true);
    out.set(o);
    return out;
  }
  for (let r = 0; r < rows; r++) {
    const xRow = r * inputDim;
    const oRow = r * gates;
    // four gates at a time in locals: one load of x per four multiply-adds, no stores
    let g = 0;
    for (; g + 4 <= gates; g += 4) {
      let s0 = bias === null ? 0 : bias[g];
      let s1 = bias === null ? 0 : bias[g + 1];
      let s2 = bias === null ? 0 : bias[g + 2];
      let s3 = bias === null ? 0 : bias[g + 3];
      for (let d = 0; d < inputDim; d++) {
        const xv = x[xRow + d];
        const k = d * gates + g;
        s0 += xv * kernel[k];
        s1 += xv * kernel[k + 1];
        s2 += xv * kernel[k + 2];
        s3 += xv * kernel[k + 3];
      }
      out[oRow + g] = s0;
      out[oRow + g + 1] = s1;
      out[oRow + g + 2] = s2;
      out[oRow + g + 3] = s3;
    }
    for (; g < gates; g++) {
      let s = bias === null ? 0 : bias[g];
      for (let d = 0; d < inputDim; d++) s += x[xRow + d] * kernel[d * gates + g];
      out[oRow + g] = s;
    }
  }
  return out;
}

/**
 * dst[i, g] += sum over r < nRows of a[aRow + r, i] * b[bRow + r, g], four rows at a time (one
 * load and store of dst per four multiply-adds): the weight gradients xᵀ · dZ and hᵀ · dZ.
 */
function accumulateOuter(
  dst: Float64Array,
  a: ArrayLike<number>,
  aRow: number,
  aCols: number,
  b: ArrayLike<number>,
  bRow: number,
  bCols: number,
  nRows: number,
): void {
  let r = 0;
  for (; r + 4 <= nRows; r += 4) {
    const a0 = (aRow + r) * aCols;
    const b0 = (bRow + r) * bCols;
    for (let i = 0; i < aCols; i++) {
      const v0 = a[a0 + i];
      const v1 = a[a0 + aCols + i];
      const v2 = a[a0 + 2 * aCols + i];
      const v3 = a[a0 + 3 * aCols + i];
      const dRow = i * bCols;
      for (let g = 0; g < bCols; g++) {
        const z = b0 + g;
        dst[dRow + g] += v0 * b[z] + v1 * b[z + bCols] + v2 * b[z + 2 * bCols] +
          v3 * b[z + 3 * bCols];
      }
    }
  }
  for (; r < nRows; r++) {
    const a0 = (aRow + r) * aCols;
    const b0 = (bRow + r) * bCols;
    for (let i = 0; i < aCols; i++) {
      const v = a[a0 + i];
      const dRow = i * bCols;
      for (let g = 0; g < bCols; g++) dst[dRow + g] += v * b[b0 + g];
    }
  }
}

/**
 * dh[j] = sum over g of recurrentKernel[j, g] * dz[g] for every j: the gradient flowing to the
 * previous state, four j at a time (one load of dz per four multiply-adds, four sums in flight).
 */
function recurrentGrad(
  dh: Float64Array,
  recurrentKernel: ArrayLike<number>,
  dZ: Float32Array,
  zRow: number,
  units: number,
  gates: number,
): void {
  let j = 0;
  for (; j + 4 <= units; j += 4) {
    const k0 = j * gates;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let g = 0; g < gates; g++) {
      const z = dZ[zRow + g];
      s0 += recurrentKernel[k0 + g] * z;
      s1 += recurrentKernel[k0 + gates + g] * z;
      s2 += recurrentKernel[k0 + 2 * gates + g] * z;
      s3 += recurrentKernel[k0 + 3 * gates + g] * z;
    }
    dh[j] = s0;
    dh[j + 1] = s1;
    dh[j + 2] = s2;
    dh[j + 3] = s3;
  }
  for (; j < units; j++) {
    const k = j * gates;
    let s = 0;
    for (let g = 0; g < gates; g++) s += recurrentKernel[k + g] * dZ[zRow + g];
    dh[j] = s;
  }
}

/**
 * d loss / d kernel of the input projection, given dZ [rows, gates]: xᵀ · dZ (for sparse x, one
 * row of dZ per non-zero entry).
 */
function kernelGrad(
  x: ArrayLike<number>,
  sparse: SparseRows | null,
  dZ: Float32Array,
  rows: number,
  inputDim: number,
  gates: number,
): Float32Array {
  const dKernel = new Float64Array(inputDim * gates);
  if (sparse !== null) {
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
  if (wasmFor(gates)) {
    const [xs, z, dk] = wasmArena!.alloc([rows * inputDim, rows * gates, inputDim * gates]);
    xs.set(x);
    z.set(dZ.subarray(0, rows * gates));
    dk.fill(0);
    wasmArena!.outerAdd(dk, xs, z, { rows, n: inputDim, cols: gates });
    return dk.slice();
  }
  accumulateOuter(dKernel, x, 0, inputDim, dZ, 0, gates, rows);
  return Float32Array.from(dKernel);
}

/**
 * d loss / d x of a fused call: dZ · kernelᵀ, [batch * steps, gates] -> [batch, steps, inputDim].
 *
 * Kept apart from the backward passes because it is the one gradient a model often does not
 * need (an input that is data, such as one-hot words) and costs as much as the projection.
 */
export function inputGrad(grads: RnnGrads, args: RnnForwardArgs): Float32Array {
  const { batch, steps, inputDim, kernel } = args;
  const { dZ } = grads;
  const rows = batch * steps;
  const gates = dZ.length / rows;
  if (wasmFor(gates)) {
    const [z, k, out] = wasmArena!.alloc([rows * gates, inputDim * gates, rows * inputDim]);
    z.set(dZ);
    k.set(kernel);
    wasmArena!.gemmT(out, z, k, { rows, n: inputDim, cols: gates });
    return out.slice();
  }
  const dx = new Float32Array(rows * inputDim);
  for (let r = 0; r < rows; r++) {
    const zRow = r * gates;
    const xRow = r * inputDim;
    // four inputs at a time in locals: one load of dZ per four multiply-adds
    let d = 0;
    for (; d + 4 <= inputDim; d += 4) {
      const k0 = d * gates;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let g = 0; g < gates; g++) {
        const z = dZ[zRow + g];
        s0 += z * kernel[k0 + g];
        s1 += z * kernel[k0 + gates + g];
        s2 += z * kernel[k0 + 2 * gates + g];
        s3 += z * kernel[k0 + 3 * gates + g];
      }
      dx[xRow + d] = s0;
      dx[xRow + d + 1] = s1;
      dx[xRow + d + 2] = s2;
      dx[xRow + d + 3] = s3;
    }
    for (; d < inputDim; d++) {
      const kRow = d * gates;
      let s = 0;
      for (let g = 0; g < gates; g++) s += dZ[zRow + g] * kernel[kRow + g];
      dx[xRow + d] = s;
    }
  }
  return dx;
}

/** Gradients of the weights of a fused call (shapes as the weights). */
export interface RnnGrads {
  /** [batch * steps, gates] d loss / d pre-activations, for {@link inputGrad} */
  dZ: Float32Array;
  /** [inputDim, gates] */
  dKernel: Float32Array;
  /** [units, gates] */
  dRecurrentKernel: Float32Array;
  /** [gates] */
  dBias: Float32Array;
}

/** Arguments of the backward passes besides the forward's cache. */
export interface RnnBackwardArgs {
  /** d loss / d output: [batch, units] (last step) or [batch, steps, units] (every step) */
  dy: ArrayLike<number>;
  /** whether `dy` covers every step */
  returnSequences: boolean;
}

/**
 * Adds the output's gradient at step t of sequence b to dh [units]: dy[b, t, :] at every step
 * with `returnSequences`, else dh = dy[b, :] at the last step only.
 */
function addOutputGrad(
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
 * dRecurrentKernel [units, gates] += h_{t-1}ᵀ · dz_t summed over the steps t >= 1 of sequence
 * b, in WebAssembly: all three are regions of the arena, h [batch * steps, units] and
 * dz [batch * steps, gates].
 */
function wasmOuterOfSequence(
  dRecurrentKernel: Float32Array,
  h: Float32Array,
  dz: Float32Array,
  b: number,
  sizes: { steps: number; units: number; gates: number },
): void {
  const { steps, units, gates } = sizes;
  if (steps < 2) return;
  const first = b * steps;
  wasmArena!.outerAddFn(
    dRecurrentKernel.byteOffset,
    h.byteOffset + 4 * first * units,
    units,
    dz.byteOffset + 4 * (first + 1) * gates,
    gates,
    steps - 1,
  );
}

/**
 * acc[g] = pre[preRow + g] + sum over j of h[prev + j] * recurrentKernel[j, g] (the sum only when
 * hasPrev): a step's pre-activations, four gates at a time in locals (one load of h per four
 * multiply-adds, no stores in the inner loop).
 */
function addRecurrent(
  acc: Float64Array,
  pre: Float32Array,
  preRow: number,
  h: Float32Array,
  prev: number,
  hasPrev: boolean,
  recurrentKernel: ArrayLike<number>,
  units: number,
  gates: number,
): void {
  const n = hasPrev ? units : 0;
  let g = 0;
  for (; g + 4 <= gates; g += 4) {
    let s0 = pre[preRow + g];
    let s1 = pre[preRow + g + 1];
    let s2 = pre[preRow + g + 2];
    let s3 = pre[preRow + g + 3];
    for (let j = 0; j < n; j++) {
      const hj = h[prev + j];
      const k = j * gates + g;
      s0 += hj * recurrentKernel[k];
      s1 += hj * recurrentKernel[k + 1];
      s2 += hj * recurrentKernel[k + 2];
      s3 += hj * recurrentKernel[k + 3];
    }
    acc[g] = s0;
    acc[g + 1] = s1;
    acc[g + 2] = s2;
    acc[g + 3] = s3;
  }
  for (; g < gates; g++) {
    let s = pre[preRow + g];
    for (let j = 0; j < n; j++) s += h[prev + j] * recurrentKernel[j * gates + g];
    acc[g] = s;
  }
}

// ---------------------------------------------------------------------------------------------
// SimpleRNN: h_t = act(x_t · kernel + bias + h_{t-1} · recurrentKernel)
// ---------------------------------------------------------------------------------------------

/** What the SimpleRNN forward pass keeps for its backward pass. */
export interface SimpleRnnCache {
  args: RnnForwardArgs;
  /** the non-zero entries of x when it is sparse (one-hot), else null */
  sparse: SparseRows | null;
  activation: number;
  /** [batch, steps, units] hidden states after the activation */
  h: Float32Array;
}

/**
 * SimpleRNN over whole sequences.
 * @returns the cache, whose `h` [batch, steps, units] holds the output of every step
 * @example
 * ```ts
 * const cache = simpleRnnForward({ batch: 1, steps: 2, inputDim: 1, units: 1,
 *   x: [1, 1], kernel: [0.5], recurrentKernel: [1], bias: [0] }, "tanh");
 * cache.h; // Float32Array [tanh(0.5), tanh(0.5 + tanh(0.5))]
 * ```
 */
export function simpleRnnForward(args: RnnForwardArgs, activation: string): SimpleRnnCache {
  const { batch, steps, inputDim, units, recurrentKernel } = args;
  const act = activationCode(activation);
  const rows = batch * steps;
  const sparse = sparseRows(args.x, rows, inputDim);
  const h = projectInputs(args.x, sparse, args.kernel, args.bias, rows, inputDim, units);
  if (wasmFor(units)) {
    // h_t = act(pre_t + h_{t-1} · recurrentKernel), in place in the arena's copy of h
    const [hw, rk] = wasmArena!.alloc([rows * units, units * units]);
    hw.set(h);
    rk.set(recurrentKernel);
    const gemmAdd = wasmArena!.gemmAddFn(units);
    const base = hw.byteOffset;
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < steps; t++) {
        const row = (b * steps + t) * units;
        if (t > 0) {
          const at = base + 4 * row;
          gemmAdd(at, at, 0, at - 4 * units, units, rk.byteOffset, units, 1);
        }
        for (let u = 0; u < units; u++) hw[row + u] = activate(act, hw[row + u]);
      }
    }
    h.set(hw);
    return { args, sparse, activation: act, h };
  }
  const acc = new Float64Array(units);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      const row = (b * steps + t) * units;
      addRecurrent(acc, h, row, h, row - units, t > 0, recurrentKernel, units, units);
      for (let u = 0; u < units; u++) h[row + u] = activate(act, acc[u]);
    }
  }
  return { args, sparse, activation: act, h };
}

/** Backward pass of {@link simpleRnnForward}: gradients of the weights (see {@link inputGrad}). */
export function simpleRnnBackward(cache: SimpleRnnCache, back: RnnBackwardArgs): RnnGrads {
  const { args, activation: act, h } = cache;
  const { batch, steps, inputDim, units, recurrentKernel } = args;
  const dZ = scratchArray(batch * steps * units);
  const dBias = new Float64Array(units);
  if (wasmFor(units)) {
    const rows = batch * steps;
    const [hw, zw, rk, dhw, dRecW] = wasmArena!.alloc([
      rows * units,
      rows * units,
      units * units,
      units,
      units * units,
    ]);
    hw.set(h);
    rk.set(recurrentKernel);
    dRecW.fill(0);
    const gemmT = wasmArena!.gemmTFn(units);
    for (let b = 0; b < batch; b++) {
      dhw.fill(0);
      for (let t = steps - 1; t >= 0; t--) {
        const row = (b * steps + t) * units;
        addOutputGrad(dhw, back, b, t, steps, units);
        for (let u = 0; u < units; u++) {
          const dz = dhw[u] * slope(act, hw[row + u]);
          zw[row + u] = dz;
          dBias[u] += zw[row + u];
        }
        // dh_{t-1} = dz_t · recurrentKernelᵀ
        if (t > 0) gemmT(dhw.byteOffset, zw.byteOffset + 4 * row, units, rk.byteOffset, units, 1);
      }
      // d recurrentKernel += h_{t-1}ᵀ · dz_t over the steps t >= 1 of this sequence
      wasmOuterOfSequence(dRecW, hw, zw, b, { steps, units, gates: units });
    }
    dZ.set(zw);
    const dRecurrentKernel = dRecW.slice();
    return {
      dZ,
      dKernel: kernelGrad(args.x, cache.sparse, dZ, rows, inputDim, units),
      dRecurrentKernel,
      dBias: Float32Array.from(dBias),
    };
  }
  const dRec = new Float64Array(units * units);
  const dh = new Float64Array(units);
  for (let b = 0; b < batch; b++) {
    dh.fill(0);
    for (let t = steps - 1; t >= 0; t--) {
      const row = (b * steps + t) * units;
      addOutputGrad(dh, back, b, t, steps, units);
      for (let u = 0; u < units; u++) {
        const dz = dh[u] * slope(act, h[row + u]);
        dZ[row + u] = dz;
        dBias[u] += dz;
      }
      if (t > 0) recurrentGrad(dh, recurrentKernel, dZ, row, units, units);
    }
    // d recurrentKernel: h_{t-1}ᵀ · dz_t summed over the steps t >= 1 of this sequence
    accumulateOuter(dRec, h, b * steps, units, dZ, b * steps + 1, units, steps - 1);
  }
  return {
    dZ,
    dKernel: kernelGrad(args.x, cache.sparse, dZ, batch * steps, inputDim, units),
    dRecurrentKernel: Float32Array.from(dRec),
    dBias: Float32Array.from(dBias),
  };
}

// ---------------------------------------------------------------------------------------------
// LSTM: [i f c o] = x_t · kernel + bias + h_{t-1} · recurrentKernel  (4 blocks of units)
//   i, f, o = recAct(.), g = act(c block); c_t = f c_{t-1} + i g; h_t = o act(c_t)
// ---------------------------------------------------------------------------------------------

/** What the LSTM forward pass keeps for its backward pass. */
export interface LstmCache {
  args: RnnForwardArgs;
  /** the non-zero entries of x when it is sparse (one-hot), else null */
  sparse: SparseRows | null;
  activation: number;
  recurrentActivation: number;
  /** [batch, steps, 4 * units] activated gates i, f, g, o */
  gates: Float32Array;
  /** [batch, steps, units] cell states */
  c: Float32Array;
  /** [batch, steps, units] act(c) */
  actC: Float32Array;
  /** [batch, steps, units] hidden states (the outputs) */
  h: Float32Array;
}

/**
 * LSTM over whole sequences.
 * @param activation of the candidate and the cell state (Keras default "tanh")
 * @param recurrentActivation of the i, f, o gates (Keras default "sigmoid")
 * @returns the cache, whose `h` [batch, steps, units] holds the output of every step
 * @example
 * ```ts
 * const cache = lstmForward({ batch: 1, steps: 1, inputDim: 1, units: 1,
 *   x: [1], kernel: [1, 1, 1, 1], recurrentKernel: [0, 0, 0, 0], bias: [0, 0, 0, 0] },
 *   "tanh", "sigmoid");
 * cache.h; // Float32Array [sigmoid(1) * tanh(sigmoid(1) * tanh(1))]
 * ```
 */
export function lstmForward(
  args: RnnForwardArgs,
  activation: string,
  recurrentActivation: string,
): LstmCache {
  const { batch, steps, inputDim, units, recurrentKernel } = args;
  const act = activationCode(activation);
  const rec = activationCode(recurrentActivation);
  const nGates = 4 * units;
  const rows = batch * steps;
  const sparse = sparseRows(args.x, rows, inputDim);
  const gates = projectInputs(args.x, sparse, args.kernel, args.bias, rows, inputDim, nGates);
  const c = scratchArray(rows * units);
  const actC = scratchArray(rows * units);
  const h = scratchArray(rows * units);
  const wasm = wasmFor(nGates);
  // WebAssembly: the arena holds recurrentKernel, h (the products' operand) and the step's sums
  const [rk, hw, accW] = wasm
    ? wasmArena!.alloc([units * nGates, rows * units, nGates])
    : [null, null, null];
  if (rk !== null) rk.set(recurrentKernel);
  const gemmAdd = wasm ? wasmArena!.gemmAddFn(nGates) : null;
  const acc: Float64Array | Float32Array = accW ?? new Float64Array(nGates);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      const gRow = (b * steps + t) * nGates;
      const row = (b * steps + t) * units;
      const prev = row - units;
      if (accW === null) {
        addRecurrent(
          acc as Float64Array,
          gates,
          gRow,
          h,
          prev,
          t > 0,
          recurrentKernel,
          units,
          nGates,
        );
      } else {
        accW.set(gates.subarray(gRow, gRow + nGates));
        if (t > 0) {
          const at = accW.byteOffset;
          gemmAdd!(
            at,
            at,
            0,
            hw!.byteOffset + 4 * prev,
            units,
            rk!.byteOffset,
            nGates,
            1,
          );
        }
      }
      for (let u = 0; u < units; u++) {
        const i = activate(rec, acc[u]);
        const f = activate(rec, acc[units + u]);
        const g = activate(act, acc[2 * units + u]);
        const o = activate(rec, acc[3 * units + u]);
        gates[gRow + u] = i;
        gates[gRow + units + u] = f;
        gates[gRow + 2 * units + u] = g;
        gates[gRow + 3 * units + u] = o;
        const cPrev = t > 0 ? c[prev + u] : 0;
        c[row + u] = f * cPrev + i * g;
        const a = activate(act, c[row + u]);
        actC[row + u] = a;
        h[row + u] = o * a;
        if (hw !== null) hw[row + u] = h[row + u];
      }
    }
  }
  return { args, sparse, activation: act, recurrentActivation: rec, gates, c, actC, h };
}

/**
 * One LSTM step backward, for sequence row `row` = b * steps + t: from dh and dc (d loss / d h_t
 * and d loss / d c_t, [units] float64) the d pre-activations of the gates i, f, g, o into
 * dz[row, :] (dz [batch * steps, 4 * units]), and dc = d loss / d c_{t-1}.
 */
function lstmStepGrads(
  cache: LstmCache,
  dh: Float64Array,
  dc: Float64Array,
  dz: Float32Array,
  row: number,
  hasPrev: boolean,
): void {
  const { activation: act, recurrentActivation: rec, gates, c, actC } = cache;
  const units = cache.args.units;
  const gRow = row * 4 * units;
  const hRow = row * units;
  const prev = hRow - units;
  for (let u = 0; u < units; u++) {
    const i = gates[gRow + u];
    const f = gates[gRow + units + u];
    const g = gates[gRow + 2 * units + u];
    const o = gates[gRow + 3 * units + u];
    const a = actC[hRow + u];
    const cPrev = hasPrev ? c[prev + u] : 0;
    const dcu = dc[u] + dh[u] * o * slope(act, a);
    dz[gRow + u] = dcu * g * slope(rec, i);
    dz[gRow + units + u] = dcu * cPrev * slope(rec, f);
    dz[gRow + 2 * units + u] = dcu * i * slope(act, g);
    dz[gRow + 3 * units + u] = dh[u] * a * slope(rec, o);
    dc[u] = dcu * f;
  }
}

/** Backward pass of {@link lstmForward}: gradients of the weights (see {@link inputGrad}). */
export function lstmBackward(cache: LstmCache, back: RnnBackwardArgs): RnnGrads {
  const { args, h } = cache;
  const { batch, steps, inputDim, units, recurrentKernel } = args;
  const nGates = 4 * units;
  const rows = batch * steps;
  const dZ = scratchArray(rows * nGates);
  const dBias = new Float64Array(nGates);
  const dh = new Float64Array(units);
  const dc = new Float64Array(units);
  // WebAssembly: the arena holds dZ, recurrentKernel, the products' dh, h and dRecurrentKernel
  const [zw, rk, dhw, hw, dRecW] = wasmFor(nGates)
    ? wasmArena!.alloc([rows * nGates, units * nGates, units, rows * units, units * nGates])
    : [null, null, null, null, null];
  if (dRecW !== null) {
    rk!.set(recurrentKernel);
    hw!.set(h);
    dRecW.fill(0);
  }
  const dz = zw ?? dZ; // [rows, nGates]: where the steps' d pre-activations go
  const dRec = dRecW === null ? new Float64Array(units * nGates) : null;
  const gemmT = dRecW === null ? null : wasmArena!.gemmTFn(units);
  for (let b = 0; b < batch; b++) {
    dh.fill(0);
    dc.fill(0);
    for (let t = steps - 1; t >= 0; t--) {
      const gRow = (b * steps + t) * nGates;
      addOutputGrad(dh, back, b, t, steps, units);
      lstmStepGrads(cache, dh, dc, dz, b * steps + t, t > 0);
      for (let g = 0; g < nGates; g++) dBias[g] += dz[gRow + g];
      if (t === 0) break;
      // dh_{t-1} = dz_t · recurrentKernelᵀ
      if (gemmT === null) recurrentGrad(dh, recurrentKernel, dZ, gRow, units, nGates);
      else {
        gemmT(dhw!.byteOffset, zw!.byteOffset + 4 * gRow, nGates, rk!.byteOffset, units, 1);
        for (let u = 0; u < units; u++) dh[u] = dhw![u];
      }
    }
    // d recurrentKernel += h_{t-1}ᵀ · dz_t over the steps t >= 1 of this sequence
    if (dRec !== null) {
      accumulateOuter(dRec, h, b * steps, units, dZ, b * steps + 1, nGates, steps - 1);
    } else wasmOuterOfSequence(dRecW!, hw!, zw!, b, { steps, units, gates: nGates });
  }
  if (zw !== null) dZ.set(zw);
  // copied out of the arena before kernelGrad reuses it
  const dRecurrentKernel = dRec === null ? dRecW!.slice() : Float32Array.from(dRec);
  return {
    dZ,
    dKernel: kernelGrad(args.x, cache.sparse, dZ, rows, inputDim, nGates),
    dRecurrentKernel,
    dBias: Float32Array.from(dBias),
  };
}

/**
 * The last step of every sequence: [batch, steps, units] -> [batch, units].
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
