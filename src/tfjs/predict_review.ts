/**
 * Use a trained model on a review someone types: the text goes through exactly the preprocessing
 * the training data had (9-2): Keras tokenisation and word ranks, `load_data`'s id shift and
 * out-of-vocabulary cut (`num_words`, `skip_top=20`), the book's `w > 2` filter, pre-padding
 * to 100 steps, and for the one-hot model one-hot encoding; all of it in
 * `src/data/review_input.ts`, which the review box of the reports runs in the browser too.
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
import type { WordIndex } from "../data/tokenize.ts";
import { modelInput, reviewIds, type ReviewInputOptions } from "../data/review_input.ts";
import type { LayersModel } from "./training.ts";

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

/** How `model` reads a review: the options of `src/data/review_input.ts`, and its one-hot width. */
export interface ModelReading extends Required<ReviewInputOptions> {
  /** The one-hot width when the model's input is [batch, steps, features]. */
  oneHot?: number;
}

/**
 * The settings {@linkcode predictReview} reads a review with for `model`: `numWords` from the
 * options, else the one-hot width or the Embedding's `inputDim`, else 1000; `maxlen` 100 and
 * `skipTop` 20 unless given. The review box of the reports gets the same settings.
 */
export function modelReading(
  model: LayersModel,
  options: Omit<PredictReviewOptions, "wordIndex"> = {},
): ModelReading {
  const { maxlen = 100, skipTop = 20 } = options;
  const oneHot = oneHotWidthOf(model);
  const numWords = options.numWords ?? oneHot ?? embeddingRowsOf(model) ?? 1000;
  return { numWords, maxlen, skipTop, ...(oneHot === undefined ? {} : { oneHot }) };
}

/**
 * The model input for one typed review: int32 ids [1, maxlen], or for a model whose input is
 * [steps, features], float32 one-hot [1, maxlen, features] (`src/data/review_input.ts`).
 *
 * @throws Error when no word of the text is in the model's vocabulary (nothing left to read).
 */
export function reviewToInput(
  model: LayersModel,
  text: string,
  options: PredictReviewOptions,
): NDArray<"int32"> | NDArray<"float32"> {
  const reading = modelReading(model, options);
  return modelInput(reviewIds(text, options.wordIndex, reading), reading);
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
