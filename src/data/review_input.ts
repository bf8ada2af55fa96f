/**
 * A review someone types, as the chapter's models read it: 9-2's preprocessing of the training
 * data (Keras's tokenizer and word ranks, `load_data`'s id shift and vocabulary cut, the book's
 * `w > 2` filter, `pad_sequences(maxlen=100)`, `to_categorical` for a one-hot model), plus what
 * became of each word, for showing a review word by word.
 *
 * ONE implementation for both places a review is read: `predictReview` (`src/tfjs/`) runs it in
 * Deno, and the review box of the HTML reports runs this very module in the browser, bundled by
 * `deno bundle` (`src/notebook/review_box.ts`). It therefore imports only modules without I/O
 * (`tokenize.ts`, `sequences.ts`, `ndarray.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelInput, reviewIds, reviewWords } from "./review_input.ts";
 *
 * const wordIndex = { the: 1, movie: 17, great: 84, awful: 2000 }; // ranks, as getWordIndex()
 * const options = { numWords: 1000, maxlen: 5 }; // skipTop 20, as the book
 * const words = reviewWords("The movie was great!", wordIndex, options);
 * assert.deepEqual(words.map((w) => [w.word, w.fate, w.id]), [
 *   ["the", "skipped", null], // id 4: among the 20 most frequent, left out (skip_top)
 *   ["movie", "read", 20],
 *   ["was", "unknown", null], // not among the model's 1,000 words
 *   ["great", "read", 87],
 * ]);
 * const ids = reviewIds("The movie was great!", wordIndex, options); // int32 [1, 5]
 * assert.deepEqual(ids.data, Int32Array.of(0, 0, 0, 20, 87));
 * assert.deepEqual(modelInput(ids, { oneHot: 100 }).shape, [1, 5, 100]); // a one-hot model's
 * ```
 * @module
 */
import { encodeReview, INDEX_FROM, tokenize, type WordIndex } from "./tokenize.ts";
import { dropIds, padSequences, toCategorical } from "./sequences.ts";
import type { NDArray } from "./ndarray.ts";

/** How a model was trained to read reviews (the book's 9-2 settings by default). */
export interface ReviewInputOptions {
  /** `num_words` the model was trained with: 100 (one-hot models) or 1000 (embeddings). */
  numWords: number;
  /** `skip_top`: the most frequent words left out (default 20, the book's). */
  skipTop?: number;
  /** Time steps after padding (default 100, the book's `maxlen`). */
  maxlen?: number;
}

/**
 * What became of a word: `"read"` by the model (its id is in `[skipTop, numWords)`),
 * `"skipped"` (one of the `skipTop` most frequent words, which the book leaves out), or
 * `"unknown"` (not among the model's `numWords` words, or not in the vocabulary at all).
 */
export type WordFate = "read" | "skipped" | "unknown";

/** One word of a review and what became of it. */
export interface ReviewWord {
  /** The word as the tokenizer gives it (lower case, punctuation removed). */
  word: string;
  /** Its id in the model's input (rank + 3), or `null` when the model does not read it. */
  id: number | null;
  fate: WordFate;
}

/** The ids the book drops before padding: padding 0, start 1, out-of-vocabulary 2. */
const DROPPED_IDS_AT_MOST = 2;

/**
 * The words of `text` in order, each with its fate and id: tokenized and encoded one word at a
 * time by the same `tokenize` and `encodeReview` as the whole review, so that the ids of the
 * words read are, in order, the ids {@link reviewIds} pads.
 */
export function reviewWords(
  text: string,
  wordIndex: WordIndex,
  options: ReviewInputOptions,
): ReviewWord[] {
  const { numWords, skipTop = 20 } = options;
  return tokenize(text).map((word) => {
    const [kept] = dropIds(
      [encodeReview(word, wordIndex, { numWords, skipTop, startChar: null })],
      {
        atMost: DROPPED_IDS_AT_MOST,
      },
    );
    if (kept.length === 1) return { word, id: kept[0], fate: "read" };
    const [id] = encodeReview(word, wordIndex, { startChar: null, oovChar: null }); // no cut
    const fate = id !== undefined && id < skipTop ? "skipped" : "unknown";
    return { word, id: null, fate };
  });
}

/**
 * The model's input ids for one review, exactly as the training data were made:
 * `encodeReview` (start char, rank + 3, ids outside `[skipTop, numWords)` as 2), `dropIds`
 * (`w > 2`), `padSequences` (zeros in front, the last `maxlen` ids kept).
 *
 * @returns NDArray<"int32"> [1, maxlen].
 * @throws Error when no word of the text is in the model's vocabulary (nothing left to read).
 */
export function reviewIds(
  text: string,
  wordIndex: WordIndex,
  options: ReviewInputOptions,
): NDArray<"int32"> {
  const { numWords, skipTop = 20, maxlen = 100 } = options;
  const ids = encodeReview(text, wordIndex, { numWords, skipTop });
  const [kept] = dropIds([ids], { atMost: DROPPED_IDS_AT_MOST });
  if (kept.length === 0) {
    throw new Error(
      `No word of the review is in the model's vocabulary (ids ${skipTop}..${numWords - 1}): ` +
        JSON.stringify(text.slice(0, 60)),
    );
  }
  return padSequences([kept], { maxlen });
}

/**
 * The input after each word the model reads, for the word-by-word probability: row `r` holds
 * the first `r + 1` words read, padded as {@link reviewIds} pads (its last row is
 * `reviewIds` of the whole text).
 *
 * @param words from {@link reviewWords}.
 * @returns NDArray<"int32"> [number of words read, maxlen].
 */
export function prefixIds(
  words: readonly ReviewWord[],
  options: Partial<ReviewInputOptions> = {},
): NDArray<"int32"> {
  const { maxlen = 100 } = options;
  const read = words.flatMap((w) => (w.id === null ? [] : [w.id]));
  return padSequences(read.map((_, r) => read.slice(0, r + 1)), { maxlen });
}

/**
 * Ids as a model takes them: as they are for a model that starts with an Embedding, one-hot
 * (`to_categorical`) for a model whose input is `[steps, oneHot]` vectors.
 *
 * @param ids NDArray<"int32"> [n, maxlen].
 * @returns the same ids, or NDArray<"float32"> [n, maxlen, oneHot].
 */
export function modelInput(
  ids: NDArray<"int32">,
  options: { oneHot?: number } = {},
): NDArray<"int32"> | NDArray<"float32"> {
  return options.oneHot === undefined ? ids : toCategorical(ids, options.oneHot);
}

/**
 * The part of the word index a model can read: the words whose id (rank + 3) is below
 * `numWords`. Every other word would become the out-of-vocabulary id 2 and be dropped, so
 * {@link reviewWords} and {@link reviewIds} give the same ids and fates with this small index as
 * with the whole one (996 words for `numWords` 1000, against 88,584): what a page carries.
 */
export function modelVocabulary(wordIndex: WordIndex, options: { numWords: number }): WordIndex {
  // fromEntries defines each word as an own property, "__proto__" included.
  return Object.fromEntries(
    Object.entries(wordIndex).filter(([, rank]) => rank + INDEX_FROM < options.numWords),
  );
}
