/**
 * SimpleRNN over whole sequences, forward and backward:
 *
 *   z_t = x_t · kernel + bias + (h_{t-1} m) · recurrentKernel    (h_0 = 0)
 *   h_t = act(z_t)
 *
 * where m is the recurrent dropout mask of the sequence (`args.recurrentMask`, else 1).
 *
 * First the plain reference (forward, then its backward), then the fast path (WebAssembly SIMD
 * products, sparse one-hot rows), then {@link simpleRnnForward} / {@link simpleRnnBackward},
 * which run the fast path where it can run and the reference elsewhere (see `rnn.ts`). Pure
 * functions: no argument is mutated; the fast path's caches and dZ come from a scratch pool,
 * given back with `releaseScratch` once nothing reads them.
 * @module
 */

import { activate, activationCode, slope } from "./activations.ts";
import {
  kernelGradFast,
  kernelGradRegions,
  projectFast,
  projectionRegions,
} from "./_projection.ts";
import { scratchArray } from "./_scratch.ts";
import { type SparseRows, sparseRows } from "./_sparse_rows.ts";
import {
  addOutputGrad,
  addOutputGrads,
  checkArgs,
  checkBack,
  fastKernels,
  maskedStates,
  maskRowsInPlace,
  maskStep,
  requireFastKernels,
  type RnnBackwardArgs,
  type RnnForwardArgs,
  type RnnGrads,
} from "./rnn.ts";

/** What the SimpleRNN forward pass keeps for its backward pass. */
export interface SimpleRnnCache {
  args: RnnForwardArgs;
  /** the non-zero entries of x when the fast path found it sparse (one-hot), else null */
  sparse: SparseRows | null;
  /** the activation's code (`activationCode`) */
  activation: number;
  /** [batch, steps, units] float32 hidden states after the activation: the outputs */
  h: Float32Array;
}

// ---- reference ----------------------------------------------------------------------------

/**
 * Reference SimpleRNN forward pass, the equations in plain loops: each z_t[u] summed in float64
 * (bias, then x_t, then h_{t-1}), h_t stored in float32.
 * @param args x [batch, steps, inputDim], kernel [inputDim, units], recurrentKernel
 *   [units, units], bias [units] or null
 * @param activation one of `ACTIVATIONS` (tfjs names)
 * @returns the cache, whose `h` [batch, steps, units] float32 holds every step's output
 */
export function simpleRnnForwardReference(
  args: RnnForwardArgs,
  activation: string,
): SimpleRnnCache {
  checkArgs(args, args.units, "simpleRnnForwardReference");
  const { batch, steps, inputDim, units, x, kernel, recurrentKernel, bias } = args;
  const mask = args.recurrentMask ?? null;
  const act = activationCode(activation);
  const h = new Float32Array(batch * steps * units);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      const row = b * steps + t; // x_t and h_t of sequence b
      for (let u = 0; u < units; u++) {
        let z = bias === null ? 0 : bias[u];
        for (let d = 0; d < inputDim; d++) z += x[row * inputDim + d] * kernel[d * units + u];
        if (t > 0) {
          for (let j = 0; j < units; j++) {
            const hj = h[(row - 1) * units + j];
            const hm = mask === null ? hj : Math.fround(hj * mask[b * units + j]);
            z += hm * recurrentKernel[j * units + u];
          }
        }
        h[row * units + u] = activate(act, z);
      }
    }
  }
  return { args, sparse: null, activation: act, h };
}

/**
 * Reference SimpleRNN backward pass, each sequence's steps in reverse, sums in float64:
 *
 *   dh_t = dy_t + (dz_{t+1} · recurrentKernelᵀ) m  (dy_t only at the last step without
 *                                                   returnSequences; m the recurrent mask)
 *   dz_t = dh_t * act'(z_t)                         (act' from h_t = act(z_t))
 *   d bias += dz_t,  d kernel += x_tᵀ dz_t,  d recurrentKernel += (h_{t-1} m)ᵀ dz_t
 * @param cache of a forward pass (reference or fast)
 * @param back dy [batch, units] or [batch, steps, units] (returnSequences)
 * @returns the gradients, float32 (dZ [batch * steps, units])
 */
export function simpleRnnBackwardReference(cache: SimpleRnnCache, back: RnnBackwardArgs): RnnGrads {
  checkBack(back, cache.args, "simpleRnnBackwardReference");
  const { args, activation: act, h } = cache;
  const { batch, steps, inputDim, units, x, recurrentKernel } = args;
  const mask = args.recurrentMask ?? null;
  const hm = maskedStates(h, args); // h_{t-1} as the product read it
  const dZ = new Float32Array(batch * steps * units);
  const dKernel = new Float64Array(inputDim * units);
  const dRec = new Float64Array(units * units);
  const dBias = new Float64Array(units);
  const dh = new Float64Array(units);
  const dz = new Float64Array(units);
  for (let b = 0; b < batch; b++) {
    dh.fill(0);
    for (let t = steps - 1; t >= 0; t--) {
      const row = b * steps + t;
      addOutputGrad(dh, back, b, t, steps, units);
      for (let u = 0; u < units; u++) {
        dz[u] = dh[u] * slope(act, h[row * units + u]);
        dZ[row * units + u] = dz[u];
        dBias[u] += dz[u];
        for (let d = 0; d < inputDim; d++) dKernel[d * units + u] += x[row * inputDim + d] * dz[u];
        if (t > 0) {
          for (let j = 0; j < units; j++) dRec[j * units + u] += hm[(row - 1) * units + j] * dz[u];
        }
      }
      for (let j = 0; j < units; j++) { // dh_{t-1} = (dz_t · recurrentKernelᵀ) m
        let s = 0;
        for (let u = 0; u < units; u++) s += dz[u] * recurrentKernel[j * units + u];
        dh[j] = mask === null ? s : s * mask[b * units + j];
      }
    }
  }
  return {
    dZ,
    dKernel: Float32Array.from(dKernel),
    dRecurrentKernel: Float32Array.from(dRec),
    dBias: Float32Array.from(dBias),
  };
}

// ---- fast path ----------------------------------------------------------------------------

/**
 * Fast {@link simpleRnnForwardReference}: the projection of every step at once (sparse rows or
 * one gemmAdd), then per step, for every sequence at once, one gemmAdd z_t += h_{t-1} ·
 * recurrentKernel (float32 sums in the arena) and the activation in place in WebAssembly (the
 * reference's float32 numbers for the same z). Any units (the products' remainder columns);
 * needs WebAssembly SIMD.
 * @returns the cache; `h` [batch, steps, units] from the scratch pool
 */
export function simpleRnnForwardFast(args: RnnForwardArgs, activation: string): SimpleRnnCache {
  checkArgs(args, args.units, "simpleRnnForwardFast");
  const { batch, steps, inputDim, units } = args;
  const f32 = requireFastKernels(units, units, "simpleRnnForwardFast");
  const wasm = f32.products;
  const act = activationCode(activation);
  const rows = batch * steps;
  const sparse = args.sparse !== undefined ? args.sparse : args.lookup !== undefined
    ? null // rows of a table: dense
    : sparseRows(args.x, rows, inputDim);
  const mask = args.recurrentMask ?? null;
  const r = wasm.arena.regions({
    h: rows * units,
    hm: mask === null ? 0 : rows * units, // h_t m, what the next step's product reads
    recurrentKernel: units * units,
    ...projectionRegions(sparse, args, units),
  });
  projectFast(wasm, { out: r.h, regions: r, sparse, args, gates: units });
  r.recurrentKernel.set(args.recurrentKernel);
  const gemmAdd = wasm.gemmAddFn(units);
  const { activate } = f32.fns;
  // h [batch, steps, units]: step t of every sequence is `batch` rows `seq` bytes apart
  const row = 4 * units, seq = steps * row;
  const [h0, rk] = [r.h.byteOffset, r.recurrentKernel.byteOffset];
  const read0 = mask === null ? h0 : r.hm.byteOffset; // where h_{t-1} is read from
  for (let t = 0; t < steps; t++) {
    const ht = h0 + t * row; // h_t, holding z_t's projection
    if (t > 0) gemmAdd(ht, seq, ht, seq, read0 + (t - 1) * row, seq, units, rk, units, batch);
    activate(act, ht, units, batch, seq); // h_t = act(z_t)
    if (mask !== null && t < steps - 1) maskStep(r.hm, r.h, mask, t, args);
  }
  const h = scratchArray(rows * units);
  h.set(r.h);
  return { args, sparse, activation: act, h };
}

/**
 * Fast {@link simpleRnnBackwardReference}, per step for every sequence at once: dh in float32;
 * dz_t = dh_t · act'(h_t) and dh_{t-1} = dz_t · recurrentKernelᵀ (one gemmT) in WebAssembly
 * (LSTM and GRU take a gemm on the kernel's transpose, a third faster; here that other order of
 * float32 sums moved the one-hot model's seed-42 run, whose last epochs swing ±0.02 under SGD,
 * from validation 0.7034 to 0.6728, out of the book's range, so SimpleRNN keeps gemmT);
 * per sequence d recurrentKernel += h_{t-1}ᵀ · dz_t in one outerAdd and d bias summed in
 * float64, steps in reverse; d kernel from every step at once (`_projection.ts`).
 * @returns the gradients; dZ from the scratch pool
 */
export function simpleRnnBackwardFast(cache: SimpleRnnCache, back: RnnBackwardArgs): RnnGrads {
  checkBack(back, cache.args, "simpleRnnBackwardFast");
  const { args, activation: act, sparse } = cache;
  const { batch, steps, units } = args;
  const f32 = requireFastKernels(units, units, "simpleRnnBackwardFast");
  const wasm = f32.products;
  const rows = batch * steps;
  const mask = args.recurrentMask ?? null;
  const r = wasm.arena.regions({
    h: rows * units,
    dZ: rows * units,
    recurrentKernel: units * units,
    dh: batch * units,
    hm: mask === null ? 0 : rows * units, // h_{t-1} m, as the forward product read it
    dRecurrentKernel: units * units,
    dBias: { float64: units },
    ...kernelGradRegions(sparse, args, units),
  });
  const { dZ: zw, dh } = r;
  r.h.set(cache.h);
  if (mask !== null) r.hm.set(maskedStates(cache.h, args));
  r.recurrentKernel.set(args.recurrentKernel);
  r.dRecurrentKernel.fill(0);
  r.dBias.fill(0);
  const gemmT = wasm.gemmTFn(units);
  const { slopeMul, sumRows64 } = f32.fns;
  const row = 4 * units, seq = steps * row;
  const [dhAt, z0, h0, rk] = [
    dh.byteOffset,
    zw.byteOffset,
    r.h.byteOffset,
    r.recurrentKernel.byteOffset,
  ];
  for (let t = steps - 1; t >= 0; t--) {
    addOutputGrads(dh, back, t, args);
    slopeMul(act, z0 + t * row, seq, dhAt, row, h0 + t * row, seq, units, batch); // dz_t
    if (t > 0) gemmT(dhAt, row, z0 + t * row, seq, units, rk, units, batch); // dz_t · rkᵀ
    if (t > 0 && mask !== null) maskRowsInPlace(dh, mask, batch, units, units); // (...) m
  }
  const read0 = mask === null ? h0 : r.hm.byteOffset; // h_{t-1} (m) for d recurrentKernel
  for (let b = 0; b < batch; b++) { // d bias and d recurrentKernel, sequence by sequence
    const last = (b * steps + steps - 1) * row;
    sumRows64(r.dBias.byteOffset, z0 + last, units, steps, -row);
    if (steps > 1) { // over the steps t >= 1 of sequence b
      wasm.outerAddFn(
        r.dRecurrentKernel.byteOffset,
        read0 + b * seq,
        units,
        z0 + b * seq + row,
        units,
        steps - 1,
      );
    }
  }
  const dZ = scratchArray(rows * units);
  dZ.set(zw);
  return {
    dZ,
    ...kernelGradFast(wasm, { dZ: zw, regions: r, sparse, args, gates: units }), // dKernel (dTable)
    dRecurrentKernel: r.dRecurrentKernel.slice(),
    dBias: Float32Array.from(r.dBias),
  };
}

// ---- the kernels the layers call ----------------------------------------------------------

/**
 * SimpleRNN over whole sequences: {@link simpleRnnForwardFast} where it runs, else
 * {@link simpleRnnForwardReference}.
 * @param args x [batch, steps, inputDim], kernel [inputDim, units], recurrentKernel
 *   [units, units], bias [units] or null
 * @param activation one of `ACTIVATIONS` (tfjs names)
 * @returns the cache, whose `h` [batch, steps, units] float32 holds every step's output
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const { h } = simpleRnnForward({ batch: 1, steps: 2, inputDim: 1, units: 1,
 *   x: [1, 1], kernel: [0.5], recurrentKernel: [1], bias: [0] }, "tanh");
 * const h1 = Math.tanh(0.5);
 * const h2 = Math.tanh(0.5 + h1);
 * assert.ok(Math.abs(h[0] - h1) < 1e-6 && Math.abs(h[1] - h2) < 1e-6);
 * ```
 */
export function simpleRnnForward(args: RnnForwardArgs, activation: string): SimpleRnnCache {
  return fastKernels(args.units, `SimpleRNN(${args.units})`) === null
    ? simpleRnnForwardReference(args, activation)
    : simpleRnnForwardFast(args, activation);
}

/**
 * Backward pass of {@link simpleRnnForward}: the weights' gradients and dZ (for `inputGrad`).
 * @param back dy [batch, units] or [batch, steps, units] (returnSequences)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // one step, linear, no bias: h = 3 x, so d h / d kernel = x = 2 and d h / d bias = 1
 * const cache = simpleRnnForward({ batch: 1, steps: 1, inputDim: 1, units: 1,
 *   x: [2], kernel: [3], recurrentKernel: [0], bias: [0] }, "linear");
 * const grads = simpleRnnBackward(cache, { dy: [1], returnSequences: false });
 * assert.deepEqual(Array.from(grads.dKernel), [2]);
 * assert.deepEqual(Array.from(grads.dBias), [1]);
 * ```
 */
export function simpleRnnBackward(cache: SimpleRnnCache, back: RnnBackwardArgs): RnnGrads {
  return fastKernels(cache.args.units, `SimpleRNN(${cache.args.units})`) === null
    ? simpleRnnBackwardReference(cache, back)
    : simpleRnnBackwardFast(cache, back);
}
