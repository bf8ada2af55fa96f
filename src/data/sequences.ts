/**
 * Keras's operations on sequences of word ids, pure functions of typed arrays with no I/O:
 * `pad_sequences`, `to_categorical`, and the book's `[w for w in x if w > 2]` (`dropIds`). 9-2's
 * preparation (`preprocessing.ts`) runs them on the data set, and a review someone types goes
 * through the same functions (`review_input.ts`), in Deno and, bundled, in the browser.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dropIds, padSequences, toCategorical } from "./sequences.ts";
 *
 * const [kept] = dropIds([[1, 2, 14, 22]]); // start 1 and out-of-vocabulary 2 dropped
 * assert.deepEqual(kept, Int32Array.of(14, 22));
 * const x = padSequences([kept], { maxlen: 3 }); // int32 [1, 3], padded in front
 * assert.deepEqual(x.data, Int32Array.of(0, 14, 22));
 * assert.deepEqual(toCategorical(x, 30).shape, [1, 3, 30]); // float32 one-hot
 * ```
 * @module
 */
import { type NDArray, ndarray, type TypedArrayOf } from "./ndarray.ts";

/** Options of {@link padSequences}, Keras's `pad_sequences` defaults. */
export interface PadSequencesOptions<D extends "int32" | "float32" | "float64"> {
  /** Length of every row (default: the longest sequence). */
  maxlen?: number;
  /** `"pre"` (default): pad on the left; `"post"`: on the right. */
  padding?: "pre" | "post";
  /** `"pre"` (default): cut the start of longer sequences; `"post"`: the end. */
  truncating?: "pre" | "post";
  /** Fill value (default 0). */
  value?: number;
  /** Element type (default `"int32"`). */
  dtype?: D;
}

/**
 * Keras `pad_sequences`: ragged sequences -> one `[n, maxlen]` matrix, shorter ones padded with
 * `value`, longer ones truncated.
 *
 * @param seqs n sequences of ids (not modified).
 * @returns NDArray<dtype> [n, maxlen].
 * @throws Error for a negative or non-integer `maxlen` or an unknown `padding`/`truncating`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { padSequences } from "./preprocessing.ts";
 *
 * const x = padSequences([[1], [2, 3], [4, 5, 6]], { maxlen: 2 }); // int32 [3, 2]
 * assert.deepEqual(x.data, Int32Array.of(0, 1, 2, 3, 5, 6)); // padded and cut at the front
 * ```
 */
export function padSequences<D extends "int32" | "float32" | "float64" = "int32">(
  seqs: readonly ArrayLike<number>[],
  options: PadSequencesOptions<D> = {},
): NDArray<D> {
  const { padding = "pre", truncating = "pre", value = 0 } = options;
  const dtype = (options.dtype ?? "int32") as D;
  if (padding !== "pre" && padding !== "post") {
    throw new Error(`Padding type "${padding}" not understood (use "pre" or "post")`);
  }
  if (truncating !== "pre" && truncating !== "post") {
    throw new Error(`Truncating type "${truncating}" not understood (use "pre" or "post")`);
  }
  let maxlen = options.maxlen;
  if (maxlen === undefined) {
    maxlen = 0;
    for (const s of seqs) if (s.length > maxlen) maxlen = s.length;
  } else if (!Number.isInteger(maxlen) || maxlen < 0) {
    throw new Error(`maxlen must be a non-negative integer, got ${maxlen}`);
  }
  const out = ndarray({ shape: [seqs.length, maxlen], dtype });
  const data = out.data as TypedArrayOf[D];
  if (value !== 0) data.fill(value);
  for (let i = 0; i < seqs.length; i++) {
    const s = seqs[i];
    const len = Math.min(s.length, maxlen);
    const from = truncating === "pre" ? s.length - len : 0; // first element kept
    const to = i * maxlen + (padding === "pre" ? maxlen - len : 0); // where it goes
    for (let j = 0; j < len; j++) data[to + j] = s[from + j];
  }
  return out;
}

/**
 * Keras `to_categorical`: integer classes -> float32 one-hot vectors.
 *
 * @param x NDArray of class ids, any shape (or a flat list). As in Keras, a last axis of size 1
 *   is dropped first: `[n, 1]` gives `[n, numClasses]`.
 * @param numClasses default: the largest id + 1.
 * @returns NDArray<"float32"> [...x.shape, numClasses], e.g. [20000, 100] -> [20000, 100, 100]
 *   (800,000,000 bytes).
 * @throws Error for an id that is negative, not an integer, or `>= numClasses`.
 */
export function toCategorical(
  x: NDArray | ArrayLike<number>,
  numClasses?: number,
): NDArray<"float32"> {
  const isNDArray = "shape" in x && "data" in x;
  const ids: ArrayLike<number> = isNDArray ? (x as NDArray).data : x;
  let shape = isNDArray ? [...(x as NDArray).shape] : [ids.length];
  if (shape.length > 1 && shape[shape.length - 1] === 1) shape = shape.slice(0, -1);
  let nc = numClasses;
  if (nc === undefined) {
    nc = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i] + 1 > nc) nc = ids[i] + 1;
  } else if (!Number.isInteger(nc) || nc < 1) {
    throw new Error(`numClasses must be a positive integer, got ${nc}`);
  }
  const out = ndarray({ shape: [...shape, nc], dtype: "float32" });
  const data = out.data;
  for (let i = 0, offset = 0; i < ids.length; i++, offset += nc) {
    const id = ids[i];
    if (!(id >= 0 && id < nc && id === Math.floor(id))) {
      throw new Error(`toCategorical: id ${id} at index ${i} is not an integer in [0, ${nc})`);
    }
    data[offset + id] = 1;
  }
  return out;
}

/**
 * The book's `[w for w in x if w > 2]` for every review: drop padding (0), start (1) and
 * out-of-vocabulary (2) ids, or all ids `<= atMost`.
 *
 * @param seqs reviews of ids (not modified).
 * @returns new Int32Array[] with only ids `> atMost`.
 */
export function dropIds(
  seqs: readonly ArrayLike<number>[],
  options: { atMost?: number } = {},
): Int32Array[] {
  const { atMost = 2 } = options;
  return seqs.map((s) => {
    let k = 0;
    for (let j = 0; j < s.length; j++) if (s[j] > atMost) k++;
    const out = new Int32Array(k);
    k = 0;
    for (let j = 0; j < s.length; j++) if (s[j] > atMost) out[k++] = s[j];
    return out;
  });
}
