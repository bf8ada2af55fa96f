/**
 * One Adam step for one variable's float32 weights, rounded as tfjs's float32 ops round each
 * operation (`tf.train.adam` on the `cpu` backend):
 *
 *   m = m·b1 + g·(1 − b1);  v = v·b2 + g²·(1 − b2)
 *   value = (m / (1 − b1^t)) / (sqrt(v / (1 − b2^t)) + ε) · (−learningRate) + value
 *
 * The plain reference {@link adamReference} rounds each operation with `Math.fround`; the fast
 * path {@link adamFast} does the same float32 operations four at a time in WebAssembly
 * (`_wasm_f32.ts`): float32 multiplications, additions, divisions and square roots are correctly
 * rounded both ways, so the two give the same numbers (tested). {@link adam} runs the fast path
 * where it can.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const hyper = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, learningRate: 0.1,
 *   oneMinusAccBeta1: Math.fround(1 - 0.9), oneMinusAccBeta2: Math.fround(1 - 0.999) };
 * const state = { value: Float32Array.of(1, -2), gradient: Float32Array.of(0.5, -0.25),
 *   m: new Float32Array(2), v: new Float32Array(2) };
 * const next = adam(state, hyper);
 * // the first step moves each weight by about the learning rate, against its gradient
 * assert.ok(Math.abs(next.value[0] - 0.9) < 1e-6 && Math.abs(next.value[1] - -1.9) < 1e-6);
 * assert.deepEqual(next, adamReference(state, hyper));
 * ```
 * @module
 */

import { f32Kernels } from "./_wasm_f32.ts";

const f32 = Math.fround;

/** A variable's weights, gradient and moments: [n] each. */
export interface AdamState {
  value: ArrayLike<number>;
  gradient: ArrayLike<number>;
  /** the first moment */
  m: ArrayLike<number>;
  /** the second moment */
  v: ArrayLike<number>;
}

/** Adam's hyperparameters, and 1 − beta1^t, 1 − beta2^t (float32) of the step's t. */
export interface AdamHyper {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
}

/** The results of a step: new weights and moments, float32 [n] each. */
export interface AdamResult {
  value: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

/** The float32 constants of a step. */
function constants(hyper: AdamHyper) {
  return {
    b1: f32(hyper.beta1),
    b2: f32(hyper.beta2),
    c1: f32(1 - hyper.beta1),
    c2: f32(1 - hyper.beta2),
    eps: f32(hyper.epsilon),
    minusLr: f32(-hyper.learningRate),
    bias1: f32(hyper.oneMinusAccBeta1),
    bias2: f32(hyper.oneMinusAccBeta2),
  };
}

/** The arrays results go to: `out`'s, or new ones. */
function outputs(n: number, out?: AdamResult): AdamResult {
  return out ?? { value: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n) };
}

/**
 * Reference Adam step, each operation rounded to float32.
 * @param state not modified, unless `out` names its arrays: `out.m` may be `state.m`, `out.v`
 *   `state.v` (each element is read before it is written)
 * @param out where to write the results (default: new arrays)
 * @returns value, m, v: the arrays of `out`
 */
export function adamReference(state: AdamState, hyper: AdamHyper, out?: AdamResult): AdamResult {
  const { value, gradient, m, v } = state;
  const n = value.length;
  const { b1, b2, c1, c2, eps, minusLr, bias1, bias2 } = constants(hyper);
  const result = outputs(n, out);
  for (let k = 0; k < n; k++) {
    const g = gradient[k];
    const mk = f32(f32(m[k] * b1) + f32(g * c1));
    const vk = f32(f32(v[k] * b2) + f32(f32(g * g) * c2));
    result.m[k] = mk;
    result.v[k] = vk;
    const mHat = f32(mk / bias1);
    const vHat = f32(vk / bias2);
    const stepSize = f32(f32(mHat / f32(f32(Math.sqrt(vHat)) + eps)) * minusLr);
    result.value[k] = stepSize + value[k];
  }
  return result;
}

/**
 * Fast {@link adamReference}: the arrays copied into the arena, one WebAssembly pass, the
 * results copied out. Needs WebAssembly SIMD and float32 arrays.
 */
export function adamFast(state: AdamState, hyper: AdamHyper, out?: AdamResult): AdamResult {
  const kernels = f32Kernels;
  if (kernels === null) throw new Error("adamFast: needs WebAssembly SIMD");
  const n = state.value.length;
  for (const key of ["value", "gradient", "m", "v"] as const) {
    if (state[key].length !== n) {
      throw new Error(`adamFast: ${key} has ${state[key].length} numbers, value ${n}`);
    }
  }
  const r = kernels.arena.regions({ value: n, gradient: n, m: n, v: n });
  r.value.set(state.value);
  r.gradient.set(state.gradient);
  r.m.set(state.m);
  r.v.set(state.v);
  const { b1, b2, c1, c2, eps, minusLr, bias1, bias2 } = constants(hyper);
  const [value, gradient, m, v] = [r.value, r.gradient, r.m, r.v].map((a) => a.byteOffset);
  kernels.fns.adam(value, gradient, m, v, value, n, b1, c1, b2, c2, bias1, bias2, eps, minusLr);
  const result = outputs(n, out);
  result.value.set(r.value);
  result.m.set(r.m);
  result.v.set(r.v);
  return result;
}

/**
 * One Adam step: {@link adamFast} where WebAssembly SIMD runs and the arrays are float32, else
 * {@link adamReference} (the same numbers).
 */
export function adam(state: AdamState, hyper: AdamHyper, out?: AdamResult): AdamResult {
  const float32 = [state.value, state.gradient, state.m, state.v].every((a) =>
    a instanceof Float32Array
  );
  return f32Kernels !== null && float32
    ? adamFast(state, hyper, out)
    : adamReference(state, hyper, out);
}
