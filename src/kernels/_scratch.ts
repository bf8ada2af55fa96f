/**
 * A pool of released Float32Arrays by length, for the forward caches and dZ of the RNN kernels.
 * A training batch needs ~1 MB of caches; a fresh typed array of that size is zeroed memory the
 * OS must map in, which on this VM costs milliseconds under load, so caches come from here and
 * go back once the backward pass is done with them.
 * @module
 */

const scratch = new Map<number, Float32Array[]>();
const SCRATCH_PER_LENGTH = 8;

/** A Float32Array of n numbers with ARBITRARY contents: callers write every element first. */
export function scratchArray(n: number): Float32Array {
  return scratch.get(n)?.pop() ?? new Float32Array(n);
}

/**
 * Gives arrays back for reuse by later calls of the kernels. The caller must not touch them
 * afterwards: only caches and dZ arrays of the kernels, once nothing reads them, may be released.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const cache = scratchArray(3); // e.g. a forward pass's hidden states
 * cache.set([1, 2, 3]);
 * releaseScratch(cache); // done with it
 * assert.equal(scratchArray(3), cache); // the same array: its contents are arbitrary now
 * ```
 */
export function releaseScratch(...arrays: Float32Array[]): void {
  for (const a of arrays) {
    const list = scratch.get(a.length) ?? [];
    if (list.length < SCRATCH_PER_LENGTH && !list.includes(a)) list.push(a);
    scratch.set(a.length, list);
  }
}
