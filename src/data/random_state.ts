/**
 * numpy's legacy `np.random.RandomState`: the MT19937 generator with numpy's seeding and its
 * legacy `shuffle`, `permutation`, `random_sample`, `randint`, `uniform` and `normal`, equal to
 * numpy bit for bit. The book's `np.random.seed(42); np.random.permutation(25000)` and Keras's
 * `imdb.load_data` shuffle (seed 113) both come from this generator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RandomState } from "./random_state.ts";
 *
 * // np.random.RandomState(42).permutation(10) prints [8 1 5 0 7 2 9 4 3 6]
 * const permutation = new RandomState(42).permutation(10);
 * assert.deepEqual(permutation, Int32Array.of(8, 1, 5, 0, 7, 2, 9, 4, 3, 6));
 * ```
 * @module
 */

/** Words of MT19937 state. */
const N = 624;
/** MT19937 twist offset. */
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** Smallest all-ones bit mask `>= max` (numpy's `gen_mask`), for `max < 2**32`. */
function maskFor(max: number): number {
  let mask = max;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  return mask >>> 0;
}

/**
 * A seeded Mersenne Twister with numpy's legacy `RandomState` algorithms.
 *
 * Seeding an integer runs MT19937 `init_genrand(seed)`, as numpy's legacy seeding does for an
 * integer seed (checked against `RandomState(seed).get_state()`).
 */
export class RandomState {
  /** MT19937 state words. */
  readonly #key = new Uint32Array(N);
  #pos = N;
  /** numpy's cached second normal deviate of the polar method. */
  #gauss: number | null = null;

  /**
   * @param seed integer in `[0, 2**32 - 1]`, as numpy requires.
   * @throws Error when `seed` is not such an integer.
   */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new Error(`RandomState seed must be an integer in [0, 2**32 - 1], got ${seed}`);
    }
    const key = this.#key;
    let s = seed >>> 0;
    for (let i = 0; i < N; i++) {
      key[i] = s;
      // (1812433253 * (s ^ (s >> 30)) + i + 1) mod 2**32
      s = (Math.imul(1812433253, (s ^ (s >>> 30)) >>> 0) + i + 1) >>> 0;
    }
    this.#pos = N;
  }

  /** Regenerate the 624 state words (the MT19937 "twist"). */
  #twist(): void {
    const key = this.#key;
    let i = 0;
    let y: number;
    for (; i < N - M; i++) {
      y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + M] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; i < N - 1; i++) {
      y = (key[i] & UPPER_MASK) | (key[i + 1] & LOWER_MASK);
      key[i] = key[i + (M - N)] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    y = (key[N - 1] & UPPER_MASK) | (key[0] & LOWER_MASK);
    key[N - 1] = key[M - 1] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    this.#pos = 0;
  }

  /** The next raw 32-bit output, an integer in `[0, 2**32)` (numpy's `next_uint32`). */
  nextUint32(): number {
    if (this.#pos >= N) this.#twist();
    let y = this.#key[this.#pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in `[0, 1)` with 53 random bits: numpy's `random_sample()` / `rand()`. */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

  /**
   * A uniform integer in `[0, max]` by masked rejection sampling: numpy's `random_interval`,
   * which legacy `shuffle` uses.
   */
  randomInterval(max: number): number {
    if (max === 0) return 0;
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) {
      throw new Error(`randomInterval: max must be an integer in [0, 2**32 - 1], got ${max}`);
    }
    const mask = maskFor(max);
    let value: number;
    do {
      value = (this.nextUint32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  /**
   * numpy's legacy `randint(low, high)`: an integer in `[low, high)` (masked rejection, as the
   * legacy int64 path does for ranges below 2**32). With `size`, an Int32Array of that many draws.
   *
   * @throws Error when `high <= low` or the range does not fit 32 bits.
   */
  randint(low: number, high: number): number;
  randint(low: number, high: number, size: number): Int32Array;
  randint(low: number, high: number, size?: number): number | Int32Array {
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
      throw new Error(`randint: need integers low < high, got low=${low}, high=${high}`);
    }
    const range = high - low - 1;
    if (range > 0xffffffff) throw new Error(`randint: range ${range + 1} exceeds 2**32`);
    const draw = () => {
      if (range === 0) return low;
      if (range === 0xffffffff) return low + this.nextUint32();
      return low + this.randomInterval(range);
    };
    if (size === undefined) return draw();
    const out = new Int32Array(size);
    for (let i = 0; i < size; i++) out[i] = draw();
    return out;
  }

  /** numpy's `uniform(low, high)`: `low + (high - low) * random_sample()`. */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.randomSample();
  }

  /**
   * numpy's legacy `normal(loc, scale)` / `standard_normal()` (Marsaglia polar method, second
   * deviate cached). Equal to numpy up to `Math.log`'s last-bit rounding.
   */
  normal(loc = 0, scale = 1): number {
    if (this.#gauss !== null) {
      const g = this.#gauss;
      this.#gauss = null;
      return loc + scale * g;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2.0 * this.randomSample() - 1.0;
      x2 = 2.0 * this.randomSample() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 === 0.0);
    const f = Math.sqrt(-2.0 * Math.log(r2) / r2);
    this.#gauss = f * x1;
    return loc + scale * (f * x2);
  }

  /**
   * A copy of `xs` in the order numpy's legacy in-place `shuffle(xs)` leaves it: Fisher-Yates
   * from the end, `j = random_interval(i)` for `i = n-1 .. 1`. `xs` is not modified.
   */
  shuffled<T>(xs: ArrayLike<T>): T[] {
    return this.#shuffleInPlace(Array.from(xs));
  }

  /**
   * numpy's `permutation(n)`: `arange(n)` shuffled.
   *
   * @returns Int32Array [n], a permutation of `0 .. n-1`.
   */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
      throw new Error(`permutation: n must be a non-negative int32, got ${n}`);
    }
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.#shuffleInPlace(out);
  }

  /** numpy's legacy in-place shuffle of `out` (a fresh array, never an argument); returns it. */
  #shuffleInPlace<A extends { [i: number]: unknown; length: number }>(out: A): A {
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.randomInterval(i);
      const t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }
}
