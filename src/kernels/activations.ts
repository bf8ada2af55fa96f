/**
 * The activations of the fused RNN kernels, by their tfjs-layers names and codes, with their
 * slopes (the derivative written in terms of the activation's output, which the backward passes
 * have cached). tanh and sigmoid are the kernels' one `tanh` and one `exp` (`_wasm_math.ts`) in
 * float32 arithmetic (`FLOAT32`; the hand-written network uses them in float64): the plain
 * references call {@link activate} and store float32, the fast paths apply the same operations
 * in WebAssembly on four float32 lanes (`_wasm_f32.ts`), so a fused layer's activations are the
 * same float32 numbers on both paths.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const tanh = activationCode("tanh");
 * const y = activate(tanh, 0.5);
 * assert.equal(Math.fround(y), y); // a float32 number
 * assert.ok(Math.abs(y - Math.tanh(0.5)) <= 2 * 2 ** -25); // within 2 float32 ulp
 * assert.equal(slope(tanh, y), 1 - y * y); // d tanh(z) / dz = 1 - tanh(z)²
 * assert.throws(() => activationCode("elu"), /activation "elu" is not supported/);
 * ```
 * @module
 */

import { FLOAT32, sigmoid, tanh } from "./_wasm_math.ts";

/** Activations the kernels implement, by their tfjs-layers names (index = code). */
export const ACTIVATIONS = ["linear", "tanh", "sigmoid", "hardSigmoid", "relu"] as const;
/** One of {@link ACTIVATIONS}. */
export type ActivationName = typeof ACTIVATIONS[number];

// code 0 is linear
const TANH = 1;
const SIGMOID = 2;
const HARD_SIGMOID = 3;
const RELU = 4;

/**
 * The code of an activation for the inner loops: its index in {@link ACTIVATIONS}.
 * @throws Error naming the activation when the kernels do not implement it
 */
export function activationCode(name: string): number {
  const code = ACTIVATIONS.indexOf(name as ActivationName);
  if (code < 0) {
    throw new Error(
      `kernels/activations.ts: activation "${name}" is not supported (supported: ${
        ACTIVATIONS.join(", ")
      })`,
    );
  }
  return code;
}

/**
 * The activation `code` ({@link activationCode}) of the pre-activation `z`, as tfjs-layers
 * defines it: tanh and sigmoid 1 / (1 + e^-z) of float32 z in float32 arithmetic
 * (`_wasm_math.ts`), hardSigmoid clip(0.2 z + 0.5, 0, 1) and relu in float64, linear.
 */
export function activate(code: number, z: number): number {
  switch (code) {
    case TANH:
      return tanh(z, FLOAT32);
    case SIGMOID:
      return sigmoid(z, FLOAT32);
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

/**
 * d activation / d z written in terms of the activation's output `y` (what the forward pass
 * cached): tanh 1 - y², sigmoid y (1 - y), hardSigmoid 0.2 inside (0, 1), relu 1 for y > 0.
 */
export function slope(code: number, y: number): number {
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
