/**
 * Where a trained model is wrong (9-4): its probabilities for a whole set, the confusion matrix
 * at the threshold 0.5 (as `accuracy` counts), and the reviews it gets wrong most confidently.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confidentMistakes, confusionMatrix } from "./mistakes.ts";
 *
 * const p = [0.9, 0.2, 0.7, 0.05, 0.6];
 * const y = [1, 1, 0, 0, 0];
 * assert.deepEqual(confusionMatrix(p, y), { tn: 1, fp: 2, fn: 1, tp: 1 });
 * // wrong: 1 (label 1, p 0.2), 2 (label 0, p 0.7), 4 (label 0, p 0.6); most confident first
 * assert.deepEqual(confidentMistakes(p, y), { falsePositives: [2, 4], falseNegatives: [1] });
 * ```
 * @module
 */
import { tf } from "./tf.ts";
import type { NDArray } from "../data/ndarray.ts";
import type { LayersModel } from "./training.ts";

/** Counts of a binary classifier's outcomes (positive = label 1). */
export interface ConfusionCounts {
  /** label 0, predicted 0 */
  tn: number;
  /** label 0, predicted 1 */
  fp: number;
  /** label 1, predicted 0 */
  fn: number;
  /** label 1, predicted 1 */
  tp: number;
}

/**
 * `model.predict` of every row of `x`, `batchSize` rows at a time: P(positive) [n] float32.
 *
 * @param x [n, steps] int32 ids (or [n, steps, features] float32 one-hot)
 */
export function predictAll(
  model: LayersModel,
  x: NDArray<"int32"> | NDArray<"float32">,
  options: { batchSize?: number } = {},
): Float32Array {
  const { batchSize = 2000 } = options;
  const [n] = x.shape;
  const rowSize = x.data.length / Math.max(n, 1);
  const out = new Float32Array(n);
  for (let from = 0; from < n; from += batchSize) {
    const rows = Math.min(batchSize, n - from);
    const part = x.data.subarray(from * rowSize, (from + rows) * rowSize);
    const p = tf.tidy(() => {
      const xs = tf.tensor(part, [rows, ...x.shape.slice(1)], x.dtype);
      return model.predict(xs) as ReturnType<typeof tf.tensor>; // [rows, 1]
    });
    out.set(p.dataSync(), from);
    p.dispose();
  }
  return out;
}

function checkLabels(p: ArrayLike<number>, y: ArrayLike<number>): void {
  if (p.length !== y.length) {
    throw new Error(`p has ${p.length} probabilities, y has ${y.length} labels`);
  }
}

/**
 * The confusion matrix: a review is predicted positive when p > `threshold` (0.5, Keras's
 * `binary_accuracy`).
 *
 * @param p [n] P(positive)
 * @param y [n] labels 0/1
 */
export function confusionMatrix(
  p: ArrayLike<number>,
  y: ArrayLike<number>,
  threshold = 0.5,
): ConfusionCounts {
  checkLabels(p, y);
  const counts = { tn: 0, fp: 0, fn: 0, tp: 0 };
  for (let i = 0; i < p.length; i++) {
    const predicted = p[i] > threshold;
    if (y[i] === 1) predicted ? counts.tp++ : counts.fn++;
    else predicted ? counts.fp++ : counts.tn++;
  }
  return counts;
}

/**
 * The indices of the wrong predictions, most confident first: false positives (label 0) by
 * p descending, false negatives (label 1) by p ascending; at most `count` of each.
 */
export function confidentMistakes(
  p: ArrayLike<number>,
  y: ArrayLike<number>,
  options: { count?: number; threshold?: number } = {},
): { falsePositives: number[]; falseNegatives: number[] } {
  const { count = Infinity, threshold = 0.5 } = options;
  checkLabels(p, y);
  const fp: number[] = [];
  const fn: number[] = [];
  for (let i = 0; i < p.length; i++) {
    if (y[i] !== 1 && p[i] > threshold) fp.push(i);
    if (y[i] === 1 && !(p[i] > threshold)) fn.push(i);
  }
  fp.sort((a, b) => p[b] - p[a] || a - b);
  fn.sort((a, b) => p[a] - p[b] || a - b);
  return { falsePositives: fp.slice(0, count), falseNegatives: fn.slice(0, count) };
}
