/**
 * Use a trained model on a review someone types: the text goes through exactly the preprocessing
 * the training data had (9-2): Keras tokenisation and word ranks, `load_data`'s id shift and
 * out-of-vocabulary cut (`num_words`, `skip_top=20`), the book's `w > 2` filter, pre-padding
 * to 100 steps, and for the one-hot model one-hot encoding.
 *
 * The 9-4 notebook asks its trained LSTM about typed reviews, with the real word index; the
 * example below uses an untrained model and three words of that index.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildModel } from "./models.ts";
 * import { predictReview, reviewToInput } from "./predict_review.ts";
 *
 * const model = buildModel("embedding_lstm", { seed: 42 });
 * const wordIndex = { a: 3, great: 84, movie: 17 }; // ranks, as getWordIndex() gives them
 * const input = reviewToInput(model, "A great movie!", { wordIndex }); // int32 [1, 100]
 * // ids rank + 3; "a" (6) is below skip_top 20 and dropped with the start id, then padding
 * assert.deepEqual(input.shape, [1, 100]);
 * assert.deepEqual(input.data.slice(-3), Int32Array.of(0, 87, 20));
 * const p = predictReview(model, "A great movie!", { wordIndex }); // P(positive)
 * assert.ok(p > 0 && p < 1);
 * ```
 * @module
 */
import { tf } from "./tf.ts";
import type { NDArray } from "../data/ndarray.ts";
import type { WordIndex } from "../data/imdb.ts";
import { encodeReview } from "../data/tokenize.ts";
import { dropIds, padSequences, toCategorical } from "../data/preprocessing.ts";
import type { LayersModel } from "./training.ts";

/** Ids the book drops before padding: padding 0, start 1, out-of-vocabulary 2. */
const DROPPED_IDS_AT_MOST = 2;

/** Options of {@linkcode predictReview} and {@linkcode reviewToInput}. */
export interface PredictReviewOptions {
  /** Word → rank (`the` = 1), as `getWordIndex()` returns. */
  wordIndex: WordIndex;
  /**
   * `num_words` the model was trained with. Default: the model's own vocabulary (the
   * Embedding's `inputDim`, or the one-hot width), else 1000.
   */
  numWords?: number;
  /** Time steps (default 100, the book's `maxlen`). */
  maxlen?: number;
  /** `skip_top` the model was trained with (default 20, the book's). */
  skipTop?: number;
}

/**
 * The model input for one typed review: int32 ids [1, maxlen], or for a model whose input is
 * [steps, features], float32 one-hot [1, maxlen, features].
 *
 * @throws Error when no word of the text is in the model's vocabulary (nothing left to read).
 */
export function reviewToInput(
  model: LayersModel,
  text: string,
  options: PredictReviewOptions,
): NDArray<"int32"> | NDArray<"float32"> {
  const { wordIndex, maxlen = 100, skipTop = 20 } = options;
  const oneHotWidth = oneHotWidthOf(model);
  const numWords = options.numWords ?? oneHotWidth ?? embeddingRowsOf(model) ?? 1000;
  const ids = encodeReview(text, wordIndex, { numWords, skipTop });
  const [kept] = dropIds([ids], { atMost: DROPPED_IDS_AT_MOST });
  if (kept.length === 0) {
    throw new Error(
      `No word of the review is in the model's vocabulary (ids ${skipTop}..${numWords - 1}): ` +
        JSON.stringify(text.slice(0, 60)),
    );
  }
  const padded = padSequences([kept], { maxlen }); // [1, maxlen]
  return oneHotWidth === undefined ? padded : toCategorical(padded, oneHotWidth);
}

/**
 * Probability that a typed review is positive, according to `model` (trained as in the book).
 *
 * @param model one of the chapter's models (e.g. `buildModel` + `fitModel`, or `loadModel`).
 * @param text the review, any English text.
 * @returns a number in (0, 1).
 */
export function predictReview(
  model: LayersModel,
  text: string,
  options: PredictReviewOptions,
): number {
  const input = reviewToInput(model, text, options);
  return tf.tidy(() => {
    const x = tf.tensor(input.data, [...input.shape], input.dtype);
    return (model.predict(x) as ReturnType<typeof tf.tensor>).dataSync()[0];
  });
}

/** The one-hot width when the model's input is [batch, steps, features]. */
function oneHotWidthOf(model: LayersModel): number | undefined {
  const shape = model.inputs[0].shape;
  return shape.length === 3 ? shape[2] ?? undefined : undefined;
}

/** The Embedding's `inputDim` when the model starts with one. */
function embeddingRowsOf(model: LayersModel): number | undefined {
  const first = model.layers[0];
  if (first.getClassName() !== "Embedding") return undefined;
  return first.getConfig().inputDim as number;
}
