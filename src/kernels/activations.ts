/**
 * The activations of the fused RNN kernels, by their tfjs-layers names, with their slopes (the
 * derivative written in terms of the activation's output, which the backward passes have cached),
 * and the `tanh` and `exp` they evaluate: {@link fastTanh} (a rational function, 3e-7 relative)
 * and {@link exp} (a Taylor series, 1e-11 relative). Both the plain references and the fast
 * paths of `simple_rnn.ts` and `lstm.ts` call these, so the two paths differ only in their sums.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const tanh = activationCode("tanh");
 * const y = activate(tanh, 0.5);
 * assert.ok(Math.abs(y - Math.tanh(0.5)) < 3e-7 * Math.tanh(0.5));
 * assert.equal(slope(tanh, y), 1 - y * y); // d tanh(z) / dz = 1 - tanh(z)²
 * assert.throws(() => activationCode("elu"), /activation "elu" is not supported/);
 * ```
 * @module
 */

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
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(exp(1) / Math.E - 1) < 1e-11);
 * assert.equal(exp(0), 1);
 * ```
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
 * the loops where `Math.tanh` is a call. The kernels store float32 results, and the one-hot
 * SimpleRNN evaluates 100,000 per batch.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(fastTanh(0.5) / Math.tanh(0.5) - 1) < 3e-7);
 * assert.equal(fastTanh(20), 1);
 * assert.equal(fastTanh(-0.5), -fastTanh(0.5));
 * ```
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

/**
 * The activation `code` ({@link activationCode}) of the pre-activation `z`, as tfjs-layers
 * computes it: tanh, sigmoid 1 / (1 + e^-z), hardSigmoid clip(0.2 z + 0.5, 0, 1), relu, linear.
 */
export function activate(code: number, z: number): number {
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
