/**
 * LSTM over whole sequences, forward and backward (Keras's gate order i, f, c, o):
 *
 *   [zi zf zc zo] = x_t · kernel + bias + (h_{t-1} m) · recurrentKernel     (h_0 = c_0 = 0)
 *   i = rec(zi), f = rec(zf), g = act(zc), o = rec(zo)     (rec: "sigmoid", act: "tanh" in Keras)
 *   c_t = f c_{t-1} + i g
 *   h_t = o act(c_t)
 *
 * where m is the recurrent dropout mask of the sequence (`args.recurrentMask`, else 1: tfjs's
 * LSTMCell applies one mask to h_{t-1} for all four gates).
 *
 * Every value is a float32 number: the gates i, f, g, o and act(c_t) are the activations of
 * float32 numbers in float32 arithmetic (`activations.ts`); c_t from the gates and c_{t-1}, and
 * h_t from o and act(c_t), are computed in float64 from float32 numbers and rounded once.
 *
 * First the plain reference (forward, then its backward), then the fast path (WebAssembly SIMD
 * products, sparse one-hot rows), then {@link lstmForward} / {@link lstmBackward}, which run the
 * fast path where it can run (always with WebAssembly SIMD: 4 * units gates) and the reference
 * elsewhere (see `rnn.ts`). Pure functions: no argument is mutated; the fast path's caches and
 * dZ come from a scratch pool, given back with `releaseScratch` once nothing reads them.
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
  transposeInto,
} from "./rnn.ts";

const f32 = Math.fround;

/** What the LSTM forward pass keeps for its backward pass (all float32). */
export interface LstmCache {
  args: RnnForwardArgs;
  /** the non-zero entries of x when the fast path found it sparse (one-hot), else null */
  sparse: SparseRows | null;
  /** the codes (`activationCode`) of act (candidate and cell) and rec (the i, f, o gates) */
  activation: number;
  recurrentActivation: number;
  /** [batch, steps, 4 * units] the activated gates i, f, g, o */
  gates: Float32Array;
  /** [batch, steps, units] cell states c_t */
  c: Float32Array;
  /** [batch, steps, units] act(c_t) */
  actC: Float32Array;
  /** [batch, steps, units] hidden states h_t: the outputs */
  h: Float32Array;
}

/** The activations' names (tfjs's), defaults Keras's. */
export interface LstmActivations {
  /** of the candidate and the cell state; Keras: "tanh" */
  activation: string;
  /** of the i, f, o gates; Keras: "sigmoid" */
  recurrentActivation: string;
}

// ---- reference ----------------------------------------------------------------------------

/**
 * Reference LSTM forward pass, the equations in plain loops: each pre-activation summed in
 * float64 (bias, then x_t, then h_{t-1}); the gates, c_t, act(c_t), h_t float32 numbers (the
 * activations in float32 arithmetic, c_t and h_t computed in float64 and rounded once).
 * @param args x [batch, steps, inputDim], kernel [inputDim, 4 * units], recurrentKernel
 *   [units, 4 * units], bias [4 * units] or null
 * @returns the cache, whose `h` [batch, steps, units] float32 holds every step's output
 */
export function lstmForwardReference(
  args: RnnForwardArgs,
  activations: LstmActivations,
): LstmCache {
  checkArgs(args, 4 * args.units, "lstmForwardReference");
  const { batch, steps, inputDim, units, x, kernel, recurrentKernel, bias } = args;
  const mask = args.recurrentMask ?? null;
  const act = activationCode(activations.activation);
  const rec = activationCode(activations.recurrentActivation);
  const n = 4 * units;
  const rows = batch * steps;
  const gates = new Float32Array(rows * n);
  const c = new Float32Array(rows * units);
  const actC = new Float32Array(rows * units);
  const h = new Float32Array(rows * units);
  const z = new Float64Array(n);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      const row = b * steps + t;
      for (let g = 0; g < n; g++) {
        let s = bias === null ? 0 : bias[g];
        for (let d = 0; d < inputDim; d++) s += x[row * inputDim + d] * kernel[d * n + g];
        if (t > 0) {
          for (let j = 0; j < units; j++) {
            const hj = h[(row - 1) * units + j];
            const hm = mask === null ? hj : f32(hj * mask[b * units + j]);
            s += hm * recurrentKernel[j * n + g];
          }
        }
        z[g] = s;
      }
      for (let u = 0; u < units; u++) {
        const i = f32(activate(rec, z[u]));
        const f = f32(activate(rec, z[units + u]));
        const g = f32(activate(act, z[2 * units + u]));
        const o = f32(activate(rec, z[3 * units + u]));
        const cPrev = t > 0 ? c[(row - 1) * units + u] : 0;
        c[row * units + u] = f * cPrev + i * g;
        actC[row * units + u] = activate(act, c[row * units + u]);
        h[row * units + u] = o * actC[row * units + u];
        gates[row * n + u] = i;
        gates[row * n + units + u] = f;
        gates[row * n + 2 * units + u] = g;
        gates[row * n + 3 * units + u] = o;
      }
    }
  }
  return { args, sparse: null, activation: act, recurrentActivation: rec, gates, c, actC, h };
}

/**
 * Reference LSTM backward pass, each sequence's steps in reverse, sums in float64:
 *
 *   dh_t = dy_t + (dz_{t+1} · recurrentKernelᵀ) m  (dy_t only at the last step without
 *                                                  returnSequences; m the recurrent mask)
 *   dc_t = dc (from step t+1: dc_{t+1} f_{t+1}) + dh_t o act'(c_t)
 *   dz_i = dc_t g rec'(i),  dz_f = dc_t c_{t-1} rec'(f),  dz_c = dc_t i act'(g),
 *   dz_o = dh_t act(c_t) rec'(o)
 *   d bias += dz_t,  d kernel += x_tᵀ dz_t,  d recurrentKernel += (h_{t-1} m)ᵀ dz_t
 * @param cache of a forward pass (reference or fast)
 * @param back dy [batch, units] or [batch, steps, units] (returnSequences)
 * @returns the gradients, float32 (dZ [batch * steps, 4 * units])
 */
export function lstmBackwardReference(cache: LstmCache, back: RnnBackwardArgs): RnnGrads {
  checkBack(back, cache.args, "lstmBackwardReference");
  const { args, activation: act, recurrentActivation: rec, gates, c, actC, h } = cache;
  const { batch, steps, inputDim, units, x, recurrentKernel } = args;
  const mask = args.recurrentMask ?? null;
  const hm = maskedStates(h, args); // h_{t-1} as the product read it
  const n = 4 * units;
  const dZ = new Float32Array(batch * steps * n);
  const dKernel = new Float64Array(inputDim * n);
  const dRec = new Float64Array(units * n);
  const dBias = new Float64Array(n);
  const dh = new Float64Array(units);
  const dc = new Float64Array(units);
  const dz = new Float64Array(n);
  for (let b = 0; b < batch; b++) {
    dh.fill(0);
    dc.fill(0);
    for (let t = steps - 1; t >= 0; t--) {
      const row = b * steps + t;
      addOutputGrad(dh, back, b, t, steps, units);
      for (let u = 0; u < units; u++) {
        const i = gates[row * n + u];
        const f = gates[row * n + units + u];
        const g = gates[row * n + 2 * units + u];
        const o = gates[row * n + 3 * units + u];
        const a = actC[row * units + u];
        const cPrev = t > 0 ? c[(row - 1) * units + u] : 0;
        const dcu = dc[u] + dh[u] * o * slope(act, a);
        dz[u] = dcu * g * slope(rec, i);
        dz[units + u] = dcu * cPrev * slope(rec, f);
        dz[2 * units + u] = dcu * i * slope(act, g);
        dz[3 * units + u] = dh[u] * a * slope(rec, o);
        dc[u] = dcu * f; // d loss / d c_{t-1}
      }
      for (let k = 0; k < n; k++) {
        dZ[row * n + k] = dz[k];
        dBias[k] += dz[k];
        for (let d = 0; d < inputDim; d++) dKernel[d * n + k] += x[row * inputDim + d] * dz[k];
        if (t > 0) {
          for (let j = 0; j < units; j++) dRec[j * n + k] += hm[(row - 1) * units + j] * dz[k];
        }
      }
      for (let j = 0; j < units; j++) { // dh_{t-1} = (dz_t · recurrentKernelᵀ) m
        let s = 0;
        for (let k = 0; k < n; k++) s += dz[k] * recurrentKernel[j * n + k];
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
 * Fast {@link lstmForwardReference}: the projection of every step at once (sparse rows or one
 * gemmAdd) into the gates' region, then per step, for every sequence at once, one gemmAdd z_t +=
 * h_{t-1} · recurrentKernel (float32 sums in the arena), the gates in place and c_t, act(c_t),
 * h_t as the reference computes them, in WebAssembly.
 * @returns the cache; its arrays from the scratch pool
 */
export function lstmForwardFast(args: RnnForwardArgs, activations: LstmActivations): LstmCache {
  checkArgs(args, 4 * args.units, "lstmForwardFast");
  const { batch, steps, inputDim, units } = args;
  const f32 = requireFastKernels(4 * units, units, "lstmForwardFast");
  const wasm = f32.products;
  const act = activationCode(activations.activation);
  const rec = activationCode(activations.recurrentActivation);
  const n = 4 * units;
  const rows = batch * steps;
  const sparse = args.sparse !== undefined ? args.sparse : args.lookup !== undefined
    ? null // rows of a table: dense
    : sparseRows(args.x, rows, inputDim);
  const mask = args.recurrentMask ?? null;
  const r = wasm.arena.regions({
    gates: rows * n,
    c: rows * units,
    actC: rows * units,
    h: rows * units,
    hm: mask === null ? 0 : rows * units, // h_t m, what the next step's product reads
    recurrentKernel: units * n,
    ...projectionRegions(sparse, args, n),
  });
  projectFast(wasm, { out: r.gates, regions: r, sparse, args, gates: n });
  r.recurrentKernel.set(args.recurrentKernel);
  const gemmAdd = wasm.gemmAddFn(n);
  const { activate, lstmCell } = f32.fns;
  // gates [batch, steps, n], states [batch, steps, units]: step t of every sequence is `batch`
  // rows gateSeq (seq) bytes apart
  const gateRow = 4 * n, gateSeq = steps * gateRow, row = 4 * units, seq = steps * row;
  const [z0, c0, a0, h0] = [r.gates, r.c, r.actC, r.h].map((v) => v.byteOffset);
  const rk = r.recurrentKernel.byteOffset;
  const read0 = mask === null ? h0 : r.hm.byteOffset; // where h_{t-1} (m) is read from
  for (let t = 0; t < steps; t++) {
    const zt = z0 + t * gateRow, ht = h0 + t * row; // z_t holds its projection
    if (t > 0) gemmAdd(zt, gateSeq, zt, gateSeq, read0 + (t - 1) * row, seq, units, rk, n, batch);
    activate(rec, zt, 2 * units, batch, gateSeq); // i, f
    activate(act, zt + 2 * row, units, batch, gateSeq); // g
    activate(rec, zt + 3 * row, units, batch, gateSeq); // o
    lstmCell(act, zt, gateSeq, c0 + t * row, a0 + t * row, ht, seq, batch, units, t === 0 ? 1 : 0);
    if (mask !== null && t < steps - 1) maskStep(r.hm, r.h, mask, t, args);
  }
  const [gates, c, actC, h] = [r.gates, r.c, r.actC, r.h].map((v) => {
    const copy = scratchArray(v.length);
    copy.set(v);
    return copy;
  });
  return { args, sparse, activation: act, recurrentActivation: rec, gates, c, actC, h };
}

/**
 * Fast {@link lstmBackwardReference}, per step for every sequence at once: the step's dz and the
 * carried dc from float64 dh in WebAssembly, then dh_{t-1} = dz_t · recurrentKernelᵀ in one gemm on
 * recurrentKernelᵀ (transposed once); per sequence d recurrentKernel += h_{t-1}ᵀ · dz_t in one
 * outerAdd and d bias summed in float64, steps in reverse; d kernel from every step at once
 * (`_projection.ts`).
 * @returns the gradients; dZ from the scratch pool
 */
export function lstmBackwardFast(cache: LstmCache, back: RnnBackwardArgs): RnnGrads {
  checkBack(back, cache.args, "lstmBackwardFast");
  const { args, activation: act, recurrentActivation: rec, sparse } = cache;
  const { batch, steps, units } = args;
  const f32 = requireFastKernels(4 * units, units, "lstmBackwardFast");
  const wasm = f32.products;
  const n = 4 * units;
  const rows = batch * steps;
  const mask = args.recurrentMask ?? null;
  const r = wasm.arena.regions({
    dZ: rows * n,
    gates: rows * n,
    c: rows * units,
    actC: rows * units,
    h: rows * units, // h_{t-1} (times the recurrent mask), for d recurrentKernel
    dy: back.dy.length,
    zeros: batch * units,
    recurrentKernelT: n * units,
    dhPrev: batch * units,
    dc: { float64: batch * units },
    dRecurrentKernel: units * n,
    dBias: { float64: n },
    ...kernelGradRegions(sparse, args, n),
  });
  for (const key of ["gates", "c", "actC"] as const) r[key].set(cache[key]);
  r.h.set(maskedStates(cache.h, args));
  r.dy.set(back.dy);
  r.zeros.fill(0);
  transposeInto(r.recurrentKernelT, args.recurrentKernel, units, n);
  r.dc.fill(0);
  r.dRecurrentKernel.fill(0);
  r.dBias.fill(0);
  const gemm = wasm.gemmFn(units);
  const { lstmCellBack, sumRows64 } = f32.fns;
  const gateRow = 4 * n, gateSeq = steps * gateRow, row = 4 * units, seq = steps * row;
  const [z0, g0, c0, a0, h0, dy0] = [r.dZ, r.gates, r.c, r.actC, r.h, r.dy].map((v) =>
    v.byteOffset
  );
  const [dhPrev, rkT] = [r.dhPrev.byteOffset, r.recurrentKernelT.byteOffset];
  for (let t = steps - 1; t >= 0; t--) {
    // dh_t = dh_{t-1} from step t + 1 (dy, or zeros, at the last) + dy_t with returnSequences
    const [dh, dhStride] = t < steps - 1
      ? [dhPrev, row]
      : back.returnSequences
      ? [r.zeros.byteOffset, row]
      : [dy0, row];
    const dyt = back.returnSequences ? dy0 + t * row : 0;
    lstmCellBack(
      act,
      rec,
      g0 + t * gateRow,
      gateSeq,
      c0 + t * row,
      a0 + t * row,
      seq,
      z0 + t * gateRow,
      gateSeq,
      dh,
      dhStride,
      dyt,
      seq,
      r.dc.byteOffset,
      batch,
      units,
      t === 0 ? 1 : 0,
    );
    if (t > 0) gemm(dhPrev, row, 0, 0, z0 + t * gateRow, gateSeq, n, rkT, units, batch); // dz_t · rkᵀ
    if (t > 0 && mask !== null) maskRowsInPlace(r.dhPrev, mask, batch, units, units); // (...) m
  }
  for (let b = 0; b < batch; b++) { // d bias and d recurrentKernel, sequence by sequence
    const last = (b * steps + steps - 1) * gateRow;
    sumRows64(r.dBias.byteOffset, z0 + last, n, steps, -gateRow);
    if (steps > 1) { // over the steps t >= 1 of sequence b
      wasm.outerAddFn(
        r.dRecurrentKernel.byteOffset,
        h0 + b * seq,
        units,
        z0 + b * gateSeq + gateRow,
        n,
        steps - 1,
      );
    }
  }
  const dZ = scratchArray(rows * n);
  dZ.set(r.dZ);
  return {
    dZ,
    ...kernelGradFast(wasm, { dZ: r.dZ, regions: r, sparse, args, gates: n }), // dKernel (dTable)
    dRecurrentKernel: r.dRecurrentKernel.slice(),
    dBias: Float32Array.from(r.dBias),
  };
}

// ---- the kernels the layers call ----------------------------------------------------------

/**
 * LSTM over whole sequences: {@link lstmForwardFast} where it runs, else
 * {@link lstmForwardReference}.
 * @param args x [batch, steps, inputDim], kernel [inputDim, 4 * units], recurrentKernel
 *   [units, 4 * units], bias [4 * units] or null
 * @param activation of the candidate and the cell state (Keras default "tanh")
 * @param recurrentActivation of the i, f, o gates (Keras default "sigmoid")
 * @returns the cache, whose `h` [batch, steps, units] float32 holds every step's output
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const { h } = lstmForward({ batch: 1, steps: 1, inputDim: 1, units: 1,
 *   x: [1], kernel: [1, 1, 1, 1], recurrentKernel: [0, 0, 0, 0], bias: [0, 0, 0, 0] },
 *   "tanh", "sigmoid");
 * const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
 * const c = sigmoid(1) * Math.tanh(1); // f c_0 + i g with c_0 = 0
 * assert.ok(Math.abs(h[0] - sigmoid(1) * Math.tanh(c)) < 1e-6);
 * ```
 */
export function lstmForward(
  args: RnnForwardArgs,
  activation: string,
  recurrentActivation: string,
): LstmCache {
  const activations = { activation, recurrentActivation };
  return fastKernels(4 * args.units, `LSTM(${args.units})`) === null
    ? lstmForwardReference(args, activations)
    : lstmForwardFast(args, activations);
}

/**
 * Backward pass of {@link lstmForward}: the weights' gradients and dZ (for `inputGrad`).
 * @param back dy [batch, units] or [batch, steps, units] (returnSequences)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // one step from zeros: c = i g, h = o act(c); with the o gate linear and the others
 * // constant, d h / d bias_o = act(c)
 * const cache = lstmForward({ batch: 1, steps: 1, inputDim: 1, units: 1,
 *   x: [0], kernel: [0, 0, 0, 0], recurrentKernel: [0, 0, 0, 0], bias: [1, 0, 1, 2] },
 *   "linear", "linear");
 * const grads = lstmBackward(cache, { dy: [1], returnSequences: false });
 * assert.equal(grads.dBias[3], cache.actC[0]); // act(c) = c = 1 * 1
 * assert.equal(grads.dBias[3], 1);
 * ```
 */
export function lstmBackward(cache: LstmCache, back: RnnBackwardArgs): RnnGrads {
  return fastKernels(4 * cache.args.units, `LSTM(${cache.args.units})`) === null
    ? lstmBackwardReference(cache, back)
    : lstmBackwardFast(cache, back);
}
