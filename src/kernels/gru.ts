/**
 * GRU over whole sequences, forward and backward (Keras's gate blocks z, r, h), in Keras's two
 * forms. R = recurrentKernel [units, 3 units]: Rz its first `units` columns, Rr the next, Rh the
 * last; h_0 = 0; rec is "sigmoid" and act "tanh" in Keras.
 *
 * `resetAfter: false` (Keras's `reset_after=False`, the only form tfjs has): bias [3 units]
 *
 *   [xz xr xh] = x_t · kernel + bias
 *   z = rec(xz + h_{t-1} · Rz),   r = rec(xr + h_{t-1} · Rr)
 *   hh = act(xh + (r ⊙ h_{t-1}) · Rh)
 *   h_t = z ⊙ h_{t-1} + (1 − z) ⊙ hh
 *
 * `resetAfter: true` (Keras 2's default, PyTorch's GRU): bias [2, 3 units], the input bias then
 * the recurrent bias
 *
 *   [xz xr xh] = x_t · kernel + bias[0],   [iz ir ih] = h_{t-1} · R + bias[1]
 *   z = rec(xz + iz),   r = rec(xr + ir),   hh = act(xh + r ⊙ ih)
 *   h_t = z ⊙ h_{t-1} + (1 − z) ⊙ hh
 *
 * With recurrent dropout (`args.recurrentMask` m [batch, units]), every use of h_{t-1} in step t
 * reads h_{t-1} m (float32), as tfjs's `GRUCell` replaces h_{t-1} by it: the products, r ⊙ h_{t-1}
 * and the carry z ⊙ h_{t-1}; so d h_{t-1} is step t's gradient of h_{t-1} m, times m.
 *
 * Every value is a float32 number: the gates z, r, hh are activations of float32 numbers in
 * float32 arithmetic (`activations.ts`); r ⊙ h_{t-1} (resetAfter false) or ih (true) and h_t
 * are computed in float64 from float32 numbers and rounded once.
 *
 * First the plain reference (forward, then its backward), then the fast path (WebAssembly SIMD
 * products and activations, sparse one-hot rows, the gates' few elementwise products in
 * TypeScript loops over every sequence of a step at once), then {@link gruForward} /
 * {@link gruBackward}, which run the fast path where it can run (WebAssembly SIMD, any units)
 * and the reference elsewhere (see `rnn.ts`); the same arguments, cache and gradients as
 * `lstm.ts`'s. Pure functions: no argument is mutated; the fast path's caches and dZ come from
 * a scratch pool, given back with `releaseScratch` once nothing reads them.
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
  maskStep,
  requireFastKernels,
  type RnnBackwardArgs,
  type RnnForwardArgs,
  type RnnGrads,
  transposeInto,
} from "./rnn.ts";

const f32 = Math.fround;

/** The activations' names (tfjs's) and the form, defaults tfjs's GRU with Keras 2's sigmoid. */
export interface GruOptions {
  /** of the candidate hh; Keras: "tanh" */
  activation: string;
  /** of the z and r gates; Keras 2: "sigmoid" */
  recurrentActivation: string;
  /** r applied after the recurrent product (Keras 2's default, PyTorch's), else before (tfjs) */
  resetAfter: boolean;
}

/** What the GRU forward pass keeps for its backward pass (all float32). */
export interface GruCache {
  args: RnnForwardArgs;
  /** the non-zero entries of x when the fast path found it sparse (one-hot), else null */
  sparse: SparseRows | null;
  /** the codes (`activationCode`) of act (the candidate) and rec (the z, r gates) */
  activation: number;
  recurrentActivation: number;
  resetAfter: boolean;
  /** [batch, steps, 3 * units] the activated gates z, r, hh */
  gates: Float32Array;
  /**
   * [batch, steps, units] what r meets: r ⊙ h_{t-1}, the input of the h block's recurrent
   * product (resetAfter false), or ih = h_{t-1} · Rh + bias[1] of the h block (true)
   */
  reset: Float32Array;
  /** [batch, steps, units] hidden states h_t: the outputs */
  h: Float32Array;
}

/**
 * Checks a call's arrays, the bias [3 units] (resetAfter false) or [2, 3 units] (true).
 * @throws Error naming `who`, the array, its length and the expected one
 */
function checkGruArgs(args: RnnForwardArgs, resetAfter: boolean, who: string): void {
  checkArgs({ ...args, bias: null }, 3 * args.units, who);
  const n = (resetAfter ? 6 : 3) * args.units;
  if (args.bias !== null && args.bias.length !== n) {
    throw new Error(
      `${who}: bias has ${args.bias.length} numbers, expected ${n} for units ${args.units} ` +
        (resetAfter ? "(resetAfter: [2, 3 units], the input and the recurrent bias)" : ""),
    );
  }
}

// ---- reference ----------------------------------------------------------------------------

/**
 * Reference GRU forward pass, the equations in plain loops: each pre-activation summed in
 * float64 (bias, then x_t, then the recurrent product); the gates, r ⊙ h_{t-1} or ih, and h_t
 * float32 numbers (the activations in float32 arithmetic, the products computed in float64 and
 * rounded once).
 * @param args x [batch, steps, inputDim], kernel [inputDim, 3 * units], recurrentKernel
 *   [units, 3 * units], bias [3 * units] ([2, 3 * units] with resetAfter) or null
 * @returns the cache, whose `h` [batch, steps, units] float32 holds every step's output
 */
export function gruForwardReference(args: RnnForwardArgs, options: GruOptions): GruCache {
  const { resetAfter } = options;
  checkGruArgs(args, resetAfter, "gruForwardReference");
  const { batch, steps, inputDim, units, x, kernel, recurrentKernel, bias } = args;
  const mask = args.recurrentMask ?? null;
  const act = activationCode(options.activation);
  const rec = activationCode(options.recurrentActivation);
  const n = 3 * units;
  const rows = batch * steps;
  const gates = new Float32Array(rows * n);
  const reset = new Float32Array(rows * units);
  const h = new Float32Array(rows * units);
  const hm = mask === null ? h : new Float32Array(rows * units); // h_t m: what step t + 1 reads
  const zx = new Float64Array(n); // x_t · kernel + bias (+ h_{t-1} · Rz, Rr: resetAfter false)
  const zh = new Float64Array(n); // h_{t-1} · R + bias[1] (resetAfter true)
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      const row = b * steps + t, prev = (row - 1) * units;
      for (let g = 0; g < n; g++) {
        let s = bias === null ? 0 : bias[g];
        for (let d = 0; d < inputDim; d++) s += x[row * inputDim + d] * kernel[d * n + g];
        zx[g] = s;
      }
      if (!resetAfter) {
        for (let g = 0; g < 2 * units && t > 0; g++) { // z, r: + h_{t-1} · [Rz Rr]
          for (let j = 0; j < units; j++) zx[g] += hm[prev + j] * recurrentKernel[j * n + g];
        }
        for (let u = 0; u < units; u++) {
          gates[row * n + u] = activate(rec, zx[u]);
          gates[row * n + units + u] = activate(rec, zx[units + u]);
          reset[row * units + u] = t > 0 ? gates[row * n + units + u] * hm[prev + u] : 0;
        }
        for (let u = 0; u < units; u++) {
          let s = zx[2 * units + u];
          for (let j = 0; j < units; j++) {
            s += reset[row * units + j] * recurrentKernel[j * n + 2 * units + u];
          }
          gates[row * n + 2 * units + u] = activate(act, s);
        }
      } else {
        for (let g = 0; g < n; g++) {
          let s = bias === null ? 0 : bias[n + g];
          if (t > 0) {
            for (let j = 0; j < units; j++) s += hm[prev + j] * recurrentKernel[j * n + g];
          }
          zh[g] = s;
        }
        for (let u = 0; u < units; u++) {
          gates[row * n + u] = activate(rec, zx[u] + zh[u]);
          const r = gates[row * n + units + u] = activate(rec, zx[units + u] + zh[units + u]);
          reset[row * units + u] = zh[2 * units + u];
          gates[row * n + 2 * units + u] = activate(
            act,
            zx[2 * units + u] + f32(r) * reset[row * units + u],
          );
        }
      }
      for (let u = 0; u < units; u++) {
        const z = gates[row * n + u], hh = gates[row * n + 2 * units + u];
        const hp = t > 0 ? hm[prev + u] : 0;
        h[row * units + u] = z * hp + (1 - z) * hh;
        if (mask !== null) hm[row * units + u] = h[row * units + u] * mask[b * units + u];
      }
    }
  }
  return {
    args,
    sparse: null,
    activation: act,
    recurrentActivation: rec,
    resetAfter,
    gates,
    reset,
    h,
  };
}

/**
 * Reference GRU backward pass, each sequence's steps in reverse, sums in float64. With dh_t the
 * gradient of h_t (dy_t, plus what step t + 1 passes back):
 *
 *   dz = dh_t (h_{t-1} − hh) rec'(z),   dhh = dh_t (1 − z) act'(hh)
 *   resetAfter false:  d(r ⊙ h_{t-1}) = dhh · Rhᵀ,   dr = d(r ⊙ h_{t-1}) h_{t-1} rec'(r)
 *     dh_{t-1} = dh_t z + d(r ⊙ h_{t-1}) r + [dz dr] · [Rz Rr]ᵀ
 *     d R[:, z r] += h_{t-1}ᵀ [dz dr],   d Rh += (r ⊙ h_{t-1})ᵀ dhh
 *   resetAfter true:  dr = dhh ih rec'(r),   the recurrent side's gradient di = [dz dr dhh r]
 *     dh_{t-1} = dh_t z + di · Rᵀ,   d R += h_{t-1}ᵀ di,   d bias[1] += di
 *   dZ = [dz dr dhh],  d bias(0) += dZ,  d kernel += x_tᵀ dZ
 * @param cache of a forward pass (reference or fast)
 * @param back dy [batch, units] or [batch, steps, units] (returnSequences)
 * @returns the gradients, float32 (dZ [batch * steps, 3 * units]; dBias [3 units], or
 *   [2, 3 units] with resetAfter)
 */
export function gruBackwardReference(cache: GruCache, back: RnnBackwardArgs): RnnGrads {
  checkBack(back, cache.args, "gruBackwardReference");
  const { args, activation: act, recurrentActivation: rec, resetAfter, gates, reset } = cache;
  const { batch, steps, inputDim, units, x, recurrentKernel } = args;
  const mask = args.recurrentMask ?? null;
  const h = maskedStates(cache.h, args); // h_{t-1} m, as step t read it
  const n = 3 * units;
  const dZ = new Float32Array(batch * steps * n);
  const dKernel = new Float64Array(inputDim * n);
  const dRec = new Float64Array(units * n);
  const dBias = new Float64Array(resetAfter ? 2 * n : n);
  const dh = new Float64Array(units);
  const dz = new Float64Array(n); // the input side: dZ
  const di = new Float64Array(n); // the recurrent side (resetAfter true)
  const dReset = new Float64Array(units); // d (r ⊙ h_{t-1}) (resetAfter false)
  for (let b = 0; b < batch; b++) {
    dh.fill(0);
    for (let t = steps - 1; t >= 0; t--) {
      const row = b * steps + t, prev = (row - 1) * units;
      addOutputGrad(dh, back, b, t, steps, units);
      const hpOf = (u: number) => t > 0 ? h[prev + u] : 0;
      for (let u = 0; u < units; u++) {
        const z = gates[row * n + u], hh = gates[row * n + 2 * units + u];
        dz[u] = dh[u] * (hpOf(u) - hh) * slope(rec, z);
        dz[2 * units + u] = dh[u] * (1 - z) * slope(act, hh);
      }
      if (!resetAfter) {
        for (let j = 0; j < units; j++) {
          let s = 0;
          for (let k = 0; k < units; k++) {
            s += dz[2 * units + k] * recurrentKernel[j * n + 2 * units + k];
          }
          dReset[j] = s;
        }
        for (let u = 0; u < units; u++) {
          const r = gates[row * n + units + u];
          dz[units + u] = dReset[u] * hpOf(u) * slope(rec, r);
        }
      } else {
        for (let u = 0; u < units; u++) {
          const r = gates[row * n + units + u];
          dz[units + u] = dz[2 * units + u] * reset[row * units + u] * slope(rec, r);
          di[u] = dz[u];
          di[units + u] = dz[units + u];
          di[2 * units + u] = dz[2 * units + u] * r;
        }
      }
      for (let k = 0; k < n; k++) {
        dZ[row * n + k] = dz[k];
        dBias[k] += dz[k];
        if (resetAfter) dBias[n + k] += di[k];
        for (let d = 0; d < inputDim; d++) dKernel[d * n + k] += x[row * inputDim + d] * dz[k];
        if (t === 0) continue;
        for (let j = 0; j < units; j++) {
          const input = !resetAfter && k >= 2 * units ? reset[row * units + j] : h[prev + j];
          dRec[j * n + k] += input * (resetAfter ? di[k] : dz[k]);
        }
      }
      for (let j = 0; j < units; j++) { // dh_{t-1}
        const z = gates[row * n + j], r = gates[row * n + units + j];
        let s = dh[j] * z;
        if (resetAfter) {
          for (let k = 0; k < n; k++) s += di[k] * recurrentKernel[j * n + k];
        } else {
          s += dReset[j] * r;
          for (let k = 0; k < 2 * units; k++) s += dz[k] * recurrentKernel[j * n + k];
        }
        dh[j] = mask === null ? s : s * mask[b * units + j]; // through h_{t-1} m
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

/** The input bias [3 units] of `args` (the first row of a resetAfter bias). */
function inputBiasArgs(args: RnnForwardArgs, resetAfter: boolean): RnnForwardArgs {
  const { bias } = args;
  if (!resetAfter || bias === null) return args;
  return { ...args, bias: Float32Array.from({ length: 3 * args.units }, (_, g) => bias[g]) };
}

/** The arena's views a fast pass's per-step loops read and write. */
interface StepViews {
  batch: number;
  steps: number;
  units: number;
  /** [batch, steps, 3 units] the gates: pre-activations, then activated (forward) */
  G: Float32Array;
  /** [batch, steps, 3 units] resetAfter: h_{t-1} · R + bias[1] (forward); di (backward) */
  I: Float32Array;
  /** [batch, steps, units] r ⊙ h_{t-1}, or ih */
  RS: Float32Array;
  /** [batch, steps, units] h */
  H: Float32Array;
  /** [batch, steps, units] h_t as step t + 1 reads it: h, or h m with recurrent dropout */
  HP: Float32Array;
}

/** The backward pass's views besides the forward's. */
interface BackViews extends StepViews {
  /** [batch, steps, 3 units] dZ */
  DZ: Float32Array;
  /** [batch, units] d(r ⊙ h_{t-1}) of the step */
  DR: Float32Array;
  /** [batch, units] a product's part of d h_{t-1} */
  DHP: Float32Array;
  /** [batch, units] float64: d loss / d h_t, then d loss / d h_{t-1} */
  dh: Float64Array;
  act: number;
  rec: number;
  resetAfter: boolean;
}

// The elementwise part of a step, for every sequence at once: small functions called once a
// step (so that V8 optimises them within the first batch), each the reference's arithmetic.

/** RS_t = r_t ⊙ h_{t-1} (zero at t = 0). */
function resetProduct(v: StepViews, t: number): void {
  const { batch, steps, units, G, RS, HP } = v;
  const n = 3 * units;
  for (let b = 0; b < batch; b++) {
    const gate = (b * steps + t) * n + units, s = (b * steps + t) * units;
    for (let u = 0; u < units; u++) RS[s + u] = t > 0 ? G[gate + u] * HP[s - units + u] : 0;
  }
}

/** resetAfter: z and r's pre-activations += the recurrent side's. */
function recurrentSide(v: StepViews, t: number): void {
  const { batch, steps, units, G, I } = v;
  const n = 3 * units;
  for (let b = 0; b < batch; b++) {
    const gate = (b * steps + t) * n;
    for (let k = 0; k < 2 * units; k++) G[gate + k] += I[gate + k];
  }
}

/** resetAfter: RS_t = ih, and hh's pre-activation xh + r ⊙ ih. */
function resetAfterCandidate(v: StepViews, t: number): void {
  const { batch, steps, units, G, I, RS } = v;
  const n = 3 * units;
  for (let b = 0; b < batch; b++) {
    const gate = (b * steps + t) * n, s = (b * steps + t) * units;
    for (let u = 0; u < units; u++) {
      const ih = RS[s + u] = I[gate + 2 * units + u];
      G[gate + 2 * units + u] += G[gate + units + u] * ih;
    }
  }
}

/** h_t = z ⊙ h_{t-1} + (1 − z) ⊙ hh. */
function nextState(v: StepViews, t: number): void {
  const { batch, steps, units, G, H, HP } = v;
  const n = 3 * units;
  for (let b = 0; b < batch; b++) {
    const gate = (b * steps + t) * n, s = (b * steps + t) * units;
    for (let u = 0; u < units; u++) {
      const z = G[gate + u], hp = t > 0 ? HP[s - units + u] : 0;
      H[s + u] = z * hp + (1 - z) * G[gate + 2 * units + u];
    }
  }
}

/** dh_t += dy_t (every step with returnSequences, else dy at the last step). */
function addOutputGradRows(v: BackViews, back: RnnBackwardArgs, t: number): void {
  const { batch, steps, units, dh } = v;
  const { dy, returnSequences } = back;
  if (!returnSequences) {
    if (t === steps - 1) { for (let i = 0; i < batch * units; i++) dh[i] = dy[i]; }
    return;
  }
  for (let b = 0; b < batch; b++) {
    const s = (b * steps + t) * units;
    for (let u = 0; u < units; u++) dh[b * units + u] += dy[s + u];
  }
}

/** dz, dhh into dZ (resetAfter: dr too, and di); then dh = dh_t ⊙ z, h_{t-1}'s first part. */
function gateGrads(v: BackViews, t: number): void {
  const { batch, steps, units, G, I, RS, H, DZ, dh, act, rec, resetAfter } = v;
  const n = 3 * units;
  for (let b = 0; b < batch; b++) {
    const gate = (b * steps + t) * n, s = (b * steps + t) * units;
    for (let u = 0; u < units; u++) {
      const d = dh[b * units + u], z = G[gate + u], hh = G[gate + 2 * units + u];
      const hp = t > 0 ? H[s - units + u] : 0;
      const dz = DZ[gate + u] = d * (hp - hh) * slope(rec, z);
      const dhh = DZ[gate + 2 * units + u] = d * (1 - z) * slope(act, hh);
      dh[b * units + u] = d * z;
      if (resetAfter) {
        const r = G[gate + units + u];
        const dr = DZ[gate + units + u] = dhh * RS[s + u] * slope(rec, r);
        I[gate + u] = dz;
        I[gate + units + u] = dr;
        I[gate + 2 * units + u] = dhh * r;
      }
    }
  }
}

/** resetAfter false: dr = d(r ⊙ h_{t-1}) ⊙ h_{t-1} rec'(r) into dZ; dh += d(r ⊙ h_{t-1}) ⊙ r. */
function resetGrads(v: BackViews, t: number): void {
  const { batch, steps, units, G, H, DZ, DR, dh, rec } = v;
  const n = 3 * units;
  for (let b = 0; b < batch; b++) {
    const gate = (b * steps + t) * n, s = (b * steps + t) * units;
    for (let u = 0; u < units; u++) {
      if (t === 0) {
        DZ[gate + units + u] = 0;
        continue;
      }
      const r = G[gate + units + u], dReset = DR[b * units + u];
      DZ[gate + units + u] = dReset * H[s - units + u] * slope(rec, r);
      dh[b * units + u] += dReset * r;
    }
  }
}

/** dh += the product's part of d h_{t-1}. */
function addCarried(v: BackViews): void {
  const { dh, DHP } = v;
  for (let i = 0; i < dh.length; i++) dh[i] += DHP[i];
}

/**
 * Fast {@link gruForwardReference}: the projection of every step at once (sparse rows or one
 * gemmAdd) into the gates' region, then per step, for every sequence at once: the recurrent
 * products (gemmAdd: z, r += h_{t-1} · [Rz Rr], then hh += (r ⊙ h_{t-1}) · Rh; or, resetAfter,
 * i = bias[1] + h_{t-1} · R), the activations in WebAssembly, r ⊙ h_{t-1} (or xh + r ⊙ ih) and
 * h_t in small TypeScript functions over the step's rows.
 * @returns the cache; its arrays from the scratch pool
 */
export function gruForwardFast(args: RnnForwardArgs, options: GruOptions): GruCache {
  const { resetAfter } = options;
  checkGruArgs(args, resetAfter, "gruForwardFast");
  const { batch, steps, inputDim, units } = args;
  const f32k = requireFastKernels(3 * units, units, "gruForwardFast");
  const wasm = f32k.products;
  const act = activationCode(options.activation);
  const rec = activationCode(options.recurrentActivation);
  const n = 3 * units;
  const rows = batch * steps;
  const sparse = args.sparse !== undefined ? args.sparse : args.lookup !== undefined
    ? null // rows of a table: dense
    : sparseRows(args.x, rows, inputDim);
  const inputArgs = inputBiasArgs(args, resetAfter);
  const mask = args.recurrentMask ?? null;
  const r = wasm.arena.regions({
    gates: rows * n,
    inner: resetAfter ? rows * n : 0,
    reset: rows * units,
    h: rows * units,
    hm: mask === null ? 0 : rows * units, // h_t m, what step t + 1 reads
    recurrentKernel: resetAfter ? units * n : 0,
    rkZR: resetAfter ? 0 : units * 2 * units,
    rkH: resetAfter ? 0 : units * units,
    recurrentBias: resetAfter ? n : 0,
    ...projectionRegions(sparse, args, n),
  });
  projectFast(wasm, { out: r.gates, regions: r, sparse, args: inputArgs, gates: n });
  const rk = args.recurrentKernel;
  if (resetAfter) {
    r.recurrentKernel.set(rk);
    if (args.bias === null) r.recurrentBias.fill(0);
    else for (let g = 0; g < n; g++) r.recurrentBias[g] = args.bias[n + g];
  } else {
    for (let j = 0; j < units; j++) { // R split by columns: [Rz Rr] and Rh
      for (let k = 0; k < 2 * units; k++) r.rkZR[j * 2 * units + k] = rk[j * n + k];
      for (let k = 0; k < units; k++) r.rkH[j * units + k] = rk[j * n + 2 * units + k];
    }
  }
  const { activate } = f32k.fns;
  const G = r.gates, I = r.inner, RS = r.reset, H = r.h;
  const HP = mask === null ? H : r.hm;
  const v: StepViews = { batch, steps, units, G, I, RS, H, HP };
  // gates [batch, steps, n], states [batch, steps, units]: step t of every sequence is `batch`
  // rows gateSeq (seq) bytes apart
  const gateRow = 4 * n, gateSeq = steps * gateRow, row = 4 * units, seq = steps * row;
  const [g0, i0, r0, h0, p0] = [G, I, RS, H, HP].map((view) => view.byteOffset);
  const gemmZR = resetAfter ? null : wasm.gemmAddFn(2 * units);
  const gemmH = resetAfter ? null : wasm.gemmAddFn(units);
  const gemmI = resetAfter ? wasm.gemmAddFn(n) : null;
  for (let t = 0; t < steps; t++) {
    // h_{t-1} (m) at hp, the previous row of HP
    const zt = g0 + t * gateRow, hp = p0 + (t - 1) * row, hz = zt + 8 * units;
    if (!resetAfter) {
      if (t > 0) { // z, r += h_{t-1} · [Rz Rr]
        gemmZR!(
          zt,
          gateSeq,
          zt,
          gateSeq,
          hp,
          seq,
          units,
          r.rkZR.byteOffset,
          2 * units,
          batch,
        );
      }
      activate(rec, zt, 2 * units, batch, gateSeq);
      resetProduct(v, t); // r ⊙ h_{t-1}
      if (t > 0) { // hh += (r ⊙ h_{t-1}) · Rh
        gemmH!(hz, gateSeq, hz, gateSeq, r0 + t * row, seq, units, r.rkH.byteOffset, units, batch);
      }
    } else {
      const it = i0 + t * gateRow; // i = bias[1] + h_{t-1} · R
      const from = t > 0 ? hp : h0; // no rows of h at t = 0 (n = 0: the bias alone)
      const rk = r.recurrentKernel.byteOffset;
      gemmI!(
        it,
        gateSeq,
        r.recurrentBias.byteOffset,
        0,
        from,
        seq,
        t > 0 ? units : 0,
        rk,
        n,
        batch,
      );
      recurrentSide(v, t); // z, r pre-activations: x side + recurrent side
      activate(rec, zt, 2 * units, batch, gateSeq);
      resetAfterCandidate(v, t); // xh + r ⊙ ih
    }
    activate(act, hz, units, batch, gateSeq); // hh
    nextState(v, t); // h_t = z ⊙ h_{t-1} + (1 − z) ⊙ hh
    if (mask !== null) maskStep(r.hm, H, mask, t, args); // h_t m
  }
  const [gates, reset, h] = [G, RS, H].map((v) => {
    const copy = scratchArray(v.length);
    copy.set(v);
    return copy;
  });
  return { args, sparse, activation: act, recurrentActivation: rec, resetAfter, gates, reset, h };
}

/**
 * Fast {@link gruBackwardReference}, per step for every sequence at once: the gates' gradients
 * in TypeScript loops (dh carried in float64), the products with Rᵀ in gemms on R transposed
 * once (d(r ⊙ h_{t-1}) = dhh · Rhᵀ and [dz dr] · [Rz Rr]ᵀ; or di · Rᵀ); per sequence
 * d recurrentKernel in outerAdds and the bias sums in float64, steps in reverse; d kernel from
 * every step at once (`_projection.ts`).
 * @returns the gradients; dZ from the scratch pool
 */
export function gruBackwardFast(cache: GruCache, back: RnnBackwardArgs): RnnGrads {
  checkBack(back, cache.args, "gruBackwardFast");
  const { args, activation: act, recurrentActivation: rec, resetAfter, sparse } = cache;
  const { batch, steps, units } = args;
  const f32k = requireFastKernels(3 * units, units, "gruBackwardFast");
  const wasm = f32k.products;
  const n = 3 * units;
  const rows = batch * steps;
  const r = wasm.arena.regions({
    dZ: rows * n,
    dI: resetAfter ? rows * n : 0,
    gates: rows * n,
    reset: rows * units,
    h: rows * units,
    recurrentKernelT: resetAfter ? n * units : 0, // Rᵀ
    rkZRT: resetAfter ? 0 : 2 * units * units, // [Rz Rr]ᵀ
    rkHT: resetAfter ? 0 : units * units, // Rhᵀ
    dReset: batch * units,
    dhPrev: batch * units,
    dRecurrentKernel: units * n,
    dRkH: resetAfter ? 0 : units * n,
    dBias: { float64: resetAfter ? 2 * n : n },
    ...kernelGradRegions(sparse, args, n),
  });
  for (const key of ["gates", "reset"] as const) r[key].set(cache[key]);
  r.h.set(maskedStates(cache.h, args)); // h_{t-1} (m), as step t read it
  const mask = args.recurrentMask ?? null;
  const rk = args.recurrentKernel;
  if (resetAfter) transposeInto(r.recurrentKernelT, rk, units, n);
  else {
    transposeInto(r.rkZRT, rk, units, n, 0, 2 * units);
    transposeInto(r.rkHT, rk, units, n, 2 * units, units);
  }
  r.dRecurrentKernel.fill(0);
  r.dRkH.fill(0);
  r.dBias.fill(0);
  const gemm = wasm.gemmFn(units);
  const { sumRows64 } = f32k.fns;
  const DZ = r.dZ, DI = r.dI, DR = r.dReset, DHP = r.dhPrev;
  const v: BackViews = {
    batch,
    steps,
    units,
    G: r.gates,
    I: DI,
    RS: r.reset,
    H: r.h,
    HP: r.h,
    DZ,
    DR,
    DHP,
    dh: new Float64Array(batch * units), // d loss / d h_t, then h_{t-1}'s from step t
    act,
    rec,
    resetAfter,
  };
  const gateRow = 4 * n, gateSeq = steps * gateRow, row = 4 * units, seq = steps * row;
  const [z0, i0, h0, r0] = [DZ, DI, r.h, r.reset].map((view) => view.byteOffset);
  for (let t = steps - 1; t >= 0; t--) {
    addOutputGradRows(v, back, t); // dh_t += dy_t
    gateGrads(v, t); // dz, dhh (and with resetAfter dr, di); dh_{t-1} = dh_t ⊙ z
    const zt = z0 + t * gateRow;
    if (!resetAfter) {
      if (t > 0) { // d(r ⊙ h_{t-1}) = dhh · Rhᵀ
        gemm(
          DR.byteOffset,
          row,
          0,
          0,
          zt + 8 * units,
          gateSeq,
          units,
          r.rkHT.byteOffset,
          units,
          batch,
        );
      }
      resetGrads(v, t); // dr, and dh_{t-1} += d(r ⊙ h_{t-1}) ⊙ r
      if (t > 0) { // dh_{t-1} += [dz dr] · [Rz Rr]ᵀ
        gemm(DHP.byteOffset, row, 0, 0, zt, gateSeq, 2 * units, r.rkZRT.byteOffset, units, batch);
        addCarried(v);
      }
    } else if (t > 0) { // dh_{t-1} += di · Rᵀ
      const rkT = r.recurrentKernelT.byteOffset;
      gemm(DHP.byteOffset, row, 0, 0, i0 + t * gateRow, gateSeq, n, rkT, units, batch);
      addCarried(v);
    }
    if (t > 0 && mask !== null) { // d loss / d (h_{t-1} m) times m
      for (let i = 0; i < batch * units; i++) v.dh[i] *= mask[i];
    }
  }
  for (let b = 0; b < batch; b++) { // the biases and d recurrentKernel, sequence by sequence
    const last = (b * steps + steps - 1) * gateRow;
    sumRows64(r.dBias.byteOffset, z0 + last, n, steps, -gateRow);
    if (resetAfter) sumRows64(r.dBias.byteOffset + 8 * n, i0 + last, n, steps, -gateRow);
    if (steps === 1) continue;
    // over the steps t >= 1 of sequence b: h_{t-1}ᵀ · (dZ or di); (r ⊙ h_{t-1})ᵀ · dZ
    const from = (b * gateSeq) + gateRow;
    wasm.outerAddFn(
      r.dRecurrentKernel.byteOffset,
      h0 + b * seq,
      units,
      (resetAfter ? i0 : z0) + from,
      n,
      steps - 1,
    );
    if (!resetAfter) {
      wasm.outerAddFn(r.dRkH.byteOffset, r0 + b * seq + row, units, z0 + from, n, steps - 1);
    }
  }
  const dRecurrentKernel = r.dRecurrentKernel.slice();
  if (!resetAfter) { // Rh's columns from (r ⊙ h_{t-1})ᵀ · dZ
    for (let j = 0; j < units; j++) {
      for (let k = 2 * units; k < n; k++) dRecurrentKernel[j * n + k] = r.dRkH[j * n + k];
    }
  }
  const dZ = scratchArray(rows * n);
  dZ.set(DZ);
  return {
    dZ,
    ...kernelGradFast(wasm, { dZ: DZ, regions: r, sparse, args, gates: n }), // dKernel (dTable)
    dRecurrentKernel,
    dBias: Float32Array.from(r.dBias),
  };
}

// ---- the kernels the layers call ----------------------------------------------------------

/**
 * GRU over whole sequences: {@link gruForwardFast} where it runs, else
 * {@link gruForwardReference}.
 * @param args x [batch, steps, inputDim], kernel [inputDim, 3 * units], recurrentKernel
 *   [units, 3 * units], bias [3 * units] ([2, 3 * units] with resetAfter: input, recurrent) or
 *   null; gate blocks z, r, h
 * @param activation of the candidate (Keras default "tanh")
 * @param recurrentActivation of the z and r gates (Keras 2 default "sigmoid")
 * @param resetAfter r after the recurrent product (Keras 2's default) or before (tfjs's GRU)
 * @returns the cache, whose `h` [batch, steps, units] float32 holds every step's output
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // one step from h_0 = 0: z = sigmoid(1), hh = tanh(3), h = (1 - z) hh
 * const { h } = gruForward({ batch: 1, steps: 1, inputDim: 1, units: 1,
 *   x: [1], kernel: [1, 2, 3], recurrentKernel: [0, 0, 0], bias: [0, 0, 0] },
 *   "tanh", "sigmoid");
 * const z = 1 / (1 + Math.exp(-1));
 * assert.ok(Math.abs(h[0] - (1 - z) * Math.tanh(3)) < 1e-6);
 * ```
 */
export function gruForward(
  args: RnnForwardArgs,
  activation: string,
  recurrentActivation: string,
  resetAfter = false,
): GruCache {
  const options = { activation, recurrentActivation, resetAfter };
  return fastKernels(3 * args.units, `GRU(${args.units})`) === null
    ? gruForwardReference(args, options)
    : gruForwardFast(args, options);
}

/**
 * Backward pass of {@link gruForward}: the weights' gradients and dZ (for `inputGrad`).
 * @param back dy [batch, units] or [batch, steps, units] (returnSequences)
 * @returns dKernel [inputDim, 3 units], dRecurrentKernel [units, 3 units], dBias [3 units]
 *   ([2, 3 units] with resetAfter), dZ [batch * steps, 3 units], float32
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // one step from zeros with linear activations: h = (1 - z) hh, z = bias_z, hh = bias_h,
 * // so d h / d bias_h = 1 - z
 * const cache = gruForward({ batch: 1, steps: 1, inputDim: 1, units: 1,
 *   x: [0], kernel: [0, 0, 0], recurrentKernel: [0, 0, 0], bias: [0.25, 0, 2] },
 *   "linear", "linear");
 * const grads = gruBackward(cache, { dy: [1], returnSequences: false });
 * assert.equal(cache.h[0], 0.75 * 2);
 * assert.equal(grads.dBias[2], 0.75);
 * assert.equal(grads.dBias[0], -2); // d h / d z = h_0 - hh
 * ```
 */
export function gruBackward(cache: GruCache, back: RnnBackwardArgs): RnnGrads {
  return fastKernels(3 * cache.args.units, `GRU(${cache.args.units})`) === null
    ? gruBackwardReference(cache, back)
    : gruBackwardFast(cache, back);
}
