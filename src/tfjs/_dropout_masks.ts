/**
 * Dropout masks as tfjs 4.22 makes them, so that the fused layers and the fast training step
 * drop exactly what tfjs's own layers drop with the same seeds:
 *
 * - `Dropout` (tfjs-layers `layers/core.ts`): in training, `tf.dropout(x, rate, noiseShape,
 *   seed)`, i.e. x times floor(u + (1 - rate)) / (1 - rate) with u = `tf.randomUniform(shape,
 *   0, 1, "float32", seed)` over x's whole shape; `layers.dropout` draws one seed per training
 *   call (`random_seed.ts`'s dropout stream, {@link dropoutSeed}).
 * - the recurrent cells (`layers/recurrent.ts`): at the first step of a training call, one mask
 *   [batch, inputDim] for x_t (`dropout`) and one [batch, units] for h_{t-1}
 *   (`recurrentDropout`), each `dropoutFunc(ones, rate)`, fixed over the steps, only for a rate
 *   in (0, 1). tfjs's `LSTMCell` draws 4 masks of each kind and `GRUCell` 3 (Keras 2's
 *   implementation 1 has one per gate) but, running implementation 2, multiplies by the first
 *   only: one mask for every gate. {@link recurrentMasks} draws as many seeds and keeps the
 *   first mask, so the seeds that follow are the ones tfjs's layers would get.
 *
 * Masks are 0 or 1 / (1 - rate) (float32), about `rate` of them 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dropoutMask } from "./_dropout_masks.ts";
 *
 * const mask = dropoutMask([4, 100], 0.25, 7);
 * assert.ok(mask.every((m) => m === 0 || m === Math.fround(1 / 0.75)));
 * const dropped = mask.filter((m) => m === 0).length / mask.length;
 * assert.ok(dropped > 0.15 && dropped < 0.35);
 * assert.deepEqual(dropoutMask([4, 100], 0.25, 7), mask); // the same seed, the same mask
 * ```
 * @module
 */
import { dropoutSeed } from "./random_seed.ts";

/**
 * How many masks of each kind tfjs's cell draws per training call (it multiplies by the first):
 * `SimpleRNNCell` 1, `LSTMCell` 4, `GRUCell` 3, by the layer's class name.
 */
export const MASK_DRAWS: Readonly<Record<string, number>> = Object.freeze({
  SimpleRNN: 1,
  LSTM: 4,
  GRU: 3,
});

/** seedrandom's Mash (for Alea's seeding), as a function of its state `n`. */
function mash(n: number, data: string): [number, number] {
  for (let i = 0; i < data.length; i++) {
    n += data.charCodeAt(i);
    let h = 0.02519603282416938 * n;
    n = h >>> 0;
    h -= n;
    h *= n;
    n = h >>> 0;
    h -= n;
    n += h * 0x100000000; // 2^32
  }
  return [n, (n >>> 0) * 2.3283064365386963e-10]; // 2^-32
}

/**
 * Fills `out` with a mask of `out.length` numbers, {@link dropoutMask}'s, and returns it: for
 * a buffer the caller reuses (the fast step's scratch arrays). Its old contents are not read.
 *
 * The uniform numbers are those of `tf.randomUniform([out.length], 0, 1, "float32", seed)`:
 * seedrandom's Alea generator (the one tfjs-core's `UniformRandom` uses, MIT, by Johannes
 * Baagøe) seeded with the seed's decimal string, each number stored as float32, written out
 * here so that a mask costs one loop, not five tfjs ops.
 *
 * @param out float32 buffer, overwritten
 * @returns `out`
 */
export function fillDropoutMask(
  out: Float32Array,
  rate: number,
  seed: number | undefined,
): Float32Array {
  if (!(rate >= 0 && rate < 1)) {
    throw new Error(`dropoutMask: rate must be in [0, 1), got ${rate}`);
  }
  if (rate === 0) return out.fill(1); // tf.dropout returns x itself
  const keep = Math.fround(1 - rate); // tfjs's scalar
  const scale = Math.fround(1 / keep);
  // Alea's seeding (seedrandom's alea.js): three states from Mash of " " and of the seed
  const key = String(seed ?? Math.random()); // tfjs: a number seed becomes its string
  let n = 0xefc8249d;
  const states: number[] = [];
  for (let k = 0; k < 3; k++) {
    const [next, value] = mash(n, " ");
    n = next;
    states.push(value);
  }
  for (let k = 0; k < 3; k++) {
    const [next, value] = mash(n, key);
    n = next;
    states[k] -= value;
    if (states[k] < 0) states[k] += 1;
  }
  return aleaMask(out, states[0], states[1], states[2], keptFrom(keep), scale);
}

/**
 * The least number s in [0, 1) that tf.dropout keeps: floor(u + keep) = 1 in float32 with u =
 * s as float32, i.e. fround(fround(s) + keep) >= 1. That is monotone in s, so a value is kept
 * exactly when s >= this threshold (found by bisection on the doubles), one comparison a value.
 */
function keptFrom(keep: number): number {
  const kept = (s: number) => Math.fround(Math.fround(s) + keep) >= 1;
  let lo = 0, hi = 1; // kept(hi) holds (fround(1) + keep >= 1); find the least such double
  if (kept(lo)) return 0;
  for (;;) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) return hi;
    if (kept(mid)) hi = mid;
    else lo = mid;
  }
}

/**
 * Alea's numbers from the states s0, s1, s2 (and carry 1) into `out` as tf.dropout's
 * multiplier: `scale` where the number is at least `keptFrom` ({@link keptFrom}), else 0.
 */
function aleaMask(
  out: Float32Array,
  s0: number,
  s1: number,
  s2: number,
  keptFrom: number,
  scale: number,
): Float32Array {
  let c = 1;
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const t = 2091639 * s0 + c * 2.3283064365386963e-10; // 2^-32
    s0 = s1;
    s1 = s2;
    c = Math.floor(t); // t | 0: t is in [0, 2^31)
    s2 = t - c;
    out[i] = scale * +(s2 >= keptFrom); // no branch: a random one mispredicts
  }
  return out;
}

/**
 * `tf.dropout(ones(shape), rate, undefined, seed)`'s values, computed as tfjs computes them in
 * float32: floor(u + (1 - rate)) / (1 - rate) with u from `tf.randomUniform(shape, 0, 1,
 * "float32", seed)`: 0 or 1 / (1 - rate).
 *
 * @param shape the mask's shape (e.g. [batch, steps, width] for a Dropout layer's input)
 * @param rate in [0, 1): the probability of a 0
 * @param seed tfjs's seed for `tf.randomUniform` (undefined: tfjs's own Math.random seed)
 * @returns Float32Array of shape's size, row-major
 */
export function dropoutMask(
  shape: readonly number[],
  rate: number,
  seed: number | undefined,
): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return fillDropoutMask(new Float32Array(n), rate, seed);
}

/** The dropout rates of a recurrent cell (tfjs's fields, clipped to [0, 1] by tfjs). */
export interface CellDropout {
  dropout?: number;
  recurrentDropout?: number;
}

/** The masks of one training call of a recurrent layer. */
export interface RecurrentMasks {
  /** [batch, inputDim] multiplied into every x_t, or null */
  input: Float32Array | null;
  /** [batch, units] multiplied into every h_{t-1}, or null */
  recurrent: Float32Array | null;
}

/** Whether tfjs applies a dropout of this rate (it does only for 0 < rate < 1). */
export function applies(rate: number | undefined): rate is number {
  return rate !== undefined && rate > 0 && rate < 1;
}

/**
 * The masks of a training call of a recurrent layer of class `className`, drawn as tfjs's cell
 * draws them: the input masks first ({@link MASK_DRAWS} seeds), then the recurrent ones; none
 * for a rate outside (0, 1). Call it only in training (tfjs draws nothing otherwise).
 *
 * @param dims batch, inputDim (x_t's width), units
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recurrentMasks } from "./_dropout_masks.ts";
 * import { setRandomSeed } from "./random_seed.ts";
 *
 * setRandomSeed(1);
 * const masks = recurrentMasks("LSTM", { dropout: 0.5 }, { batch: 2, inputDim: 3, units: 4 });
 * assert.equal(masks.input!.length, 6); // [batch, inputDim]
 * assert.equal(masks.recurrent, null); // no recurrentDropout
 * setRandomSeed(undefined);
 * ```
 */
export function recurrentMasks(
  className: string,
  cell: CellDropout,
  dims: { batch: number; inputDim: number; units: number },
): RecurrentMasks {
  const draws = MASK_DRAWS[className];
  if (draws === undefined) {
    throw new Error(`recurrentMasks: no mask count for layer class ${JSON.stringify(className)}`);
  }
  const masks = (rate: number | undefined, width: number): Float32Array | null => {
    if (!applies(rate)) return null;
    const seeds = Array.from({ length: draws }, () => dropoutSeed());
    return dropoutMask([dims.batch, width], rate, seeds[0]);
  };
  const input = masks(cell.dropout, dims.inputDim);
  const recurrent = masks(cell.recurrentDropout, dims.units);
  return { input, recurrent };
}
