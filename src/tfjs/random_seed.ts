/**
 * One seed for a reproducible run, as Keras's `keras.utils.set_random_seed(42)`:
 * {@link setRandomSeed} seeds, from then on,
 *
 * - the initialisers of the layers `layers.*` builds (`layers.ts`): each initialiser that draws
 *   random numbers gets the next seed of the counter `seed, seed + 1, ...`, in the order the
 *   layers are built (for the chapter's models: the embedding, the recurrent kernel, the
 *   recurrent kernel's orthogonal matrix, the dense kernel, the order `buildModel` uses);
 * - the shuffling of `model.fit` (tfjs shuffles its sample order every epoch with
 *   `tf.util.shuffle`, which then runs numpy's legacy `RandomState(seed).shuffle` on one stream:
 *   the first epoch's order is `np.random.RandomState(seed).permutation(n)`);
 * - the masks of `layers.dropout` and the `dropout` / `recurrentDropout` of the recurrent layers
 *   (one tfjs seed per mask, from their own stream).
 *
 * Before any call, and after `setRandomSeed(undefined)`, all of these are tfjs's own
 * (`Math.random`), as in Keras without a seed. Calling it again with the same seed starts every
 * stream again: the notebooks call it before building each model, so that a model's run does
 * not depend on what ran before it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "./tf.ts";
 * import { initializerSeed, setRandomSeed } from "./random_seed.ts";
 *
 * setRandomSeed(42);
 * assert.deepEqual([initializerSeed(), initializerSeed()], [42, 43]);
 * const order = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
 * tf.util.shuffle(order); // what model.fit does every epoch
 * assert.deepEqual(order, [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]); // np.random.RandomState(42).permutation(10)
 * setRandomSeed(undefined); // tfjs's Math.random again
 * assert.equal(initializerSeed(), undefined);
 * ```
 * @module
 */
import { RandomState } from "../data/random_state.ts";
import { replaceShuffle } from "./_internals.ts";

/** The streams of one seed. */
interface SeedState {
  seed: number;
  /** The next initialiser seed. */
  nextInitializer: number;
  /** `fit`'s shuffles. */
  shuffle: RandomState;
  /** One tfjs seed per dropout mask. */
  dropout: RandomState;
}

let state: SeedState | undefined;

/** Seeds of tfjs's random ops are below 2^31 (they become strings for its generator). */
const SEED_LIMIT = 2 ** 31 - 1;

/**
 * Seeds layer initialisers, `model.fit`'s shuffling and dropout masks from `seed` (see the
 * module documentation); `undefined` returns all of them to tfjs's `Math.random`.
 *
 * @throws Error when `seed` is not an integer in [0, 2^31 - 1).
 */
export function setRandomSeed(seed: number | undefined): void {
  if (seed === undefined) {
    state = undefined;
    replaceShuffle(undefined);
    return;
  }
  if (!Number.isInteger(seed) || seed < 0 || seed >= SEED_LIMIT) {
    throw new Error(`setRandomSeed: seed must be an integer in [0, ${SEED_LIMIT}), got ${seed}`);
  }
  state = {
    seed,
    nextInitializer: seed,
    shuffle: new RandomState(seed),
    // Its own stream: adding a dropout layer changes neither the weights nor the shuffles.
    dropout: new RandomState(seed + 1),
  };
  const shuffle = state.shuffle;
  replaceShuffle((array) => {
    const order = shuffle.shuffled(Array.from(array as ArrayLike<number>));
    for (let i = 0; i < order.length; i++) (array as number[])[i] = order[i];
  });
}

/** The seed set by {@link setRandomSeed}, or undefined. */
export function randomSeed(): number | undefined {
  return state?.seed;
}

/** The seed for the next initialiser that draws random numbers, or undefined when unseeded. */
export function initializerSeed(): number | undefined {
  if (state === undefined) return undefined;
  return state.nextInitializer++;
}

/** A seed for the next dropout mask, or undefined when unseeded (tfjs then uses Math.random). */
export function dropoutSeed(): number | undefined {
  if (state === undefined) return undefined;
  return state.dropout.randint(0, SEED_LIMIT) as number;
}
