/**
 * The one logistic (binary cross-entropy) loss of the project and Keras's constants around it,
 * shared by the hand-written network (`../scratch/`) and the TensorFlow.js training
 * (`../tfjs/`):
 *
 *   loss(p, y) = −(y · log p + (1 − y) · log(1 − p)),   p clipped to [ε, 1 − ε]
 *
 * with ε = {@linkcode KERAS_EPSILON} (Keras's `epsilon()`, what `binary_crossentropy` clips to)
 * or {@linkcode BOOK_EPSILON} (the book's `np.clip(a, 1e-10, 1-1e-10)` in `RecurrentNetwork`).
 * A prediction is positive when p > {@linkcode THRESHOLD} (Keras's `binary_accuracy`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { binaryAccuracy, logisticLoss, meanLogisticLoss } from "./logistic_loss.ts";
 *
 * assert.equal(logisticLoss(0.5, 1), Math.LN2);
 * assert.equal(logisticLoss(0, 1), -Math.log(1e-7)); // clipped, not Infinity
 * const mean = meanLogisticLoss([0.9, 0.2], [1, 0]);
 * assert.ok(Math.abs(mean + (Math.log(0.9) + Math.log(0.8)) / 2) < 1e-15);
 * assert.equal(binaryAccuracy([0.9, 0.5, 0.1], [1, 1, 0]), 2 / 3); // 0.5 is not above 0.5
 * ```
 * @module
 */

/** Keras's `epsilon()`: `binary_crossentropy` clips probabilities to [1e-7, 1 − 1e-7]. */
export const KERAS_EPSILON = 1e-7;
/** The book's clip in `RecurrentNetwork.fit` and `update_val_loss`: [1e-10, 1 − 1e-10]. */
export const BOOK_EPSILON = 1e-10;
/** Keras's `binary_accuracy` threshold: a probability above it predicts 1. */
export const THRESHOLD = 0.5;

/**
 * −(y log p + (1 − y) log(1 − p)) with p clipped to [epsilon, 1 − epsilon], in float64.
 *
 * @param p predicted probability of the positive class.
 * @param y target, 0 or 1 (any number: the formula is applied as written).
 * @param epsilon the clip (default {@linkcode KERAS_EPSILON}).
 */
export function logisticLoss(p: number, y: number, epsilon: number = KERAS_EPSILON): number {
  const pc = Math.min(Math.max(p, epsilon), 1 - epsilon);
  return -(y * Math.log(pc) + (1 - y) * Math.log(1 - pc));
}

/**
 * The mean of {@linkcode logisticLoss} over predictions p [n · classes] and targets y [n] (the
 * targets of row i apply to its `classes` = p.length / n predictions), summed in index order.
 *
 * @throws Error when p is empty or its length is not a multiple of y's.
 */
export function meanLogisticLoss(
  p: ArrayLike<number>,
  y: ArrayLike<number>,
  options: { epsilon?: number } = {},
): number {
  const { epsilon = KERAS_EPSILON } = options;
  if (p.length === 0 || y.length === 0 || p.length % y.length !== 0) {
    throw new Error(`meanLogisticLoss: ${p.length} predictions for ${y.length} targets`);
  }
  const classes = p.length / y.length;
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += logisticLoss(p[i], y[Math.floor(i / classes)], epsilon);
  return sum / p.length;
}

/**
 * Keras's `binary_accuracy`: the fraction of predictions p [n] with (p > threshold) equal to
 * the target y [n] (0 or 1).
 *
 * @throws Error when the lengths differ or are 0.
 */
export function binaryAccuracy(
  p: ArrayLike<number>,
  y: ArrayLike<number>,
  threshold: number = THRESHOLD,
): number {
  if (p.length !== y.length || p.length === 0) {
    throw new Error(`binaryAccuracy: ${p.length} predictions for ${y.length} targets`);
  }
  let correct = 0;
  for (let i = 0; i < p.length; i++) if ((p[i] > threshold ? 1 : 0) === y[i]) correct++;
  return correct / p.length;
}
