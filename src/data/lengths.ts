/**
 * How long the reviews are before `pad_sequences` makes them all `maxlen` long (9-2): each
 * review's length, how many `maxlen` cuts (their first words dropped: Keras's
 * `truncating="pre"`) and how many it fills with zeros, and a histogram of the lengths.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lengthHistogram, paddingSummary } from "./lengths.ts";
 *
 * const reviews = [[5, 6, 7], [8, 9], [5, 6, 7, 8, 9, 10]];
 * const s = paddingSummary(reviews, 3);
 * assert.deepEqual([s.truncated, s.padded, s.unchanged], [1, 1, 1]);
 * assert.deepEqual(Array.from(s.lengths), [3, 2, 6]);
 * const h = lengthHistogram(s.lengths, { binWidth: 2, max: 4 });
 * assert.deepEqual(h, { starts: [0, 2], counts: [0, 2], over: 1 }); // [0, 2), [2, 4), 4 and more
 * ```
 * @module
 */

/** What {@linkcode paddingSummary} returns. */
export interface PaddingSummary {
  /** [n] int32: each review's length (ids) before padding */
  lengths: Int32Array;
  /** reviews longer than maxlen: their first ids are cut off */
  truncated: number;
  /** reviews shorter than maxlen: zeros are put before them */
  padded: number;
  /** reviews exactly maxlen long */
  unchanged: number;
  maxlen: number;
}

/**
 * The lengths of `seqs` and what padding them to `maxlen` does to them.
 *
 * @param seqs ragged reviews (e.g. `dropIds(loadImdb(...).xTrain)` or a split of them)
 */
export function paddingSummary(seqs: readonly ArrayLike<number>[], maxlen: number): PaddingSummary {
  if (!Number.isInteger(maxlen) || maxlen < 1) {
    throw new Error(`maxlen must be a positive integer, got ${maxlen}`);
  }
  const lengths = Int32Array.from(seqs, (s) => s.length);
  let truncated = 0, padded = 0;
  for (const n of lengths) {
    if (n > maxlen) truncated++;
    else if (n < maxlen) padded++;
  }
  return { lengths, truncated, padded, unchanged: lengths.length - truncated - padded, maxlen };
}

/**
 * Counts of `values` in bins [k · binWidth, (k + 1) · binWidth) below `max`, and how many are
 * `max` or more (`over`). `max` must be a multiple of `binWidth`.
 */
export function lengthHistogram(
  values: ArrayLike<number>,
  options: { binWidth: number; max: number },
): { starts: number[]; counts: number[]; over: number } {
  const { binWidth, max } = options;
  const bins = max / binWidth;
  if (!(binWidth > 0) || !Number.isInteger(bins) || bins < 1) {
    throw new Error(`max (${max}) must be a positive multiple of binWidth (${binWidth})`);
  }
  const counts = new Array<number>(bins).fill(0);
  let over = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v >= max) over++;
    else if (v >= 0) counts[Math.floor(v / binWidth)]++;
    else throw new Error(`values[${i}] = ${v} is negative`);
  }
  return { starts: counts.map((_, k) => k * binWidth), counts, over };
}
