/**
 * Raw review text -> words -> ids, the way Keras's `imdb.npz` was made (Keras's
 * `text_to_word_sequence` defaults): lower-case, replace ``!"#$%&()*+,-./:;<=>?@[\]^_`{|}~``,
 * tab and newline by spaces, split on spaces, drop empty strings; map each word to its rank in
 * the word index, dropping words the index lacks. `encodeReview` then applies `load_data`'s
 * start char, offset and vocabulary cut, so a typed review becomes model input.
 *
 * The module imports nothing, so that it runs in a browser as it is (bundled with
 * `review_input.ts`, the review box of the reports); `imdb.ts` takes its reserved ids from here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeReview, tokenize } from "./tokenize.ts";
 *
 * assert.deepEqual(
 *   tokenize("This movie was GREAT!<br />Loved it."),
 *   ["this", "movie", "was", "great", "br", "loved", "it"],
 * );
 * const wordIndex = { a: 3, great: 84, movie: 17 }; // getWordIndex() has these ranks
 * // [start 1, rank + 3 ...], ids outside [skipTop, numWords) as 2: a (6) and the start id
 * assert.deepEqual(
 *   encodeReview("a great movie", wordIndex, { numWords: 1000, skipTop: 20 }),
 *   Int32Array.of(2, 2, 87, 20),
 * );
 * ```
 * @module
 */

/** Keras's reserved ids: 0 pads, 1 starts a review, 2 stands for a word left out. */
export const PAD_ID = 0;
export const START_ID = 1;
export const OOV_ID = 2;
/** Keras shifts word ranks by this much: rank 1 (`the`) is id 4. */
export const INDEX_FROM = 3;

/** A word -> rank dictionary (`the` = 1), as Keras's `get_word_index()`. */
export type WordIndex = Readonly<Record<string, number>>;

/** Characters Keras's `text_to_word_sequence` turns into spaces by default. */
export const KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';

const FILTER_SET = new Set(KERAS_FILTERS);

/**
 * Keras `text_to_word_sequence(text)`: the words of `text`, lower-cased, punctuation removed.
 *
 * @returns string[] of words, in order.
 */
export function tokenize(text: string): string[] {
  const lower = text.toLowerCase();
  let spaced = "";
  for (const ch of lower) spaced += FILTER_SET.has(ch) ? " " : ch;
  return spaced.split(" ").filter((w) => w !== "");
}

/**
 * The word ranks of `text` (`the` = 1), words missing from the index dropped: exactly the
 * sequences stored in `imdb.npz`.
 *
 * @returns Int32Array of ranks.
 */
export function textToSequence(text: string, wordIndex: WordIndex): Int32Array {
  const ranks: number[] = [];
  for (const word of tokenize(text)) {
    const rank = Object.hasOwn(wordIndex, word) ? wordIndex[word] : undefined;
    if (rank !== undefined) ranks.push(rank);
  }
  return Int32Array.from(ranks);
}

/** Options of {@link encodeReview}, as `loadImdb`'s. */
export interface EncodeReviewOptions {
  /** Ids `>= numWords` become `oovChar` (unset: no upper cut). */
  numWords?: number | null;
  /** Ids `< skipTop` become `oovChar` (default 0). */
  skipTop?: number;
  /** Id put first (default 1); `null`: none. */
  startChar?: number | null;
  /** Id of left-out words (default 2); `null`: drop them. */
  oovChar?: number | null;
  /** Added to every rank (default 3). */
  indexFrom?: number;
}

/**
 * A typed review as `loadImdb` would have given it: `[startChar, rank + indexFrom, ...]` with
 * ids outside `[skipTop, numWords)` replaced by `oovChar`.
 *
 * @returns Int32Array of ids, ready for `dropIds` and `padSequences`.
 * @throws Error when `numWords <= skipTop`.
 */
export function encodeReview(
  text: string,
  wordIndex: WordIndex,
  options: EncodeReviewOptions = {},
): Int32Array {
  const {
    numWords = null,
    skipTop = 0,
    startChar = START_ID,
    oovChar = OOV_ID,
    indexFrom = INDEX_FROM,
  } = options;
  if (numWords !== null && numWords <= skipTop) {
    throw new Error(`numWords (${numWords}) must be greater than skipTop (${skipTop})`);
  }
  const ids: number[] = startChar === null ? [] : [startChar];
  for (const rank of textToSequence(text, wordIndex)) ids.push(rank + indexFrom);
  const out: number[] = [];
  for (const w of ids) {
    const kept = w >= skipTop && (numWords === null || w < numWords);
    if (kept) out.push(w);
    else if (oovChar !== null) out.push(oovChar);
  }
  return Int32Array.from(out);
}
