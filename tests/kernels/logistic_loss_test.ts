import assert from "node:assert/strict";
import {
  binaryAccuracy,
  BOOK_EPSILON,
  KERAS_EPSILON,
  logisticLoss,
  meanLogisticLoss,
  THRESHOLD,
} from "../../src/kernels/logistic_loss.ts";

Deno.test("logistic loss and Keras's constants", async (t) => {
  await t.step("the constants", () => {
    assert.equal(KERAS_EPSILON, 1e-7);
    assert.equal(BOOK_EPSILON, 1e-10);
    assert.equal(THRESHOLD, 0.5);
  });
  await t.step("the formula, clipped at epsilon", () => {
    assert.equal(logisticLoss(0.25, 1), -Math.log(0.25));
    assert.equal(logisticLoss(0.25, 0), -Math.log(0.75));
    assert.equal(logisticLoss(1, 0), -Math.log(1 - (1 - KERAS_EPSILON)));
    assert.equal(logisticLoss(0, 1, BOOK_EPSILON), -Math.log(BOOK_EPSILON));
  });
  await t.step("the mean, sequentially, with classes per target", () => {
    const p = [0.9, 0.2, 0.6];
    const y = [1, 0, 1];
    const expected = (logisticLoss(0.9, 1) + logisticLoss(0.2, 0) + logisticLoss(0.6, 1)) / 3;
    assert.equal(meanLogisticLoss(p, y), expected);
    // two predictions per target
    assert.equal(
      meanLogisticLoss([0.9, 0.8, 0.3, 0.1], [1, 0]),
      (logisticLoss(0.9, 1) + logisticLoss(0.8, 1) + logisticLoss(0.3, 0) + logisticLoss(0.1, 0)) /
        4,
    );
    assert.throws(() => meanLogisticLoss([0.5, 0.5, 0.5], [1, 0]), /3 predictions for 2 targets/);
    assert.throws(() => meanLogisticLoss([], []), /0 predictions/);
  });
  await t.step("binary accuracy: above the threshold is positive", () => {
    assert.equal(binaryAccuracy([0.51, 0.5, 0.49], [1, 0, 0]), 1);
    assert.equal(binaryAccuracy([0.9, 0.9], [0, 1]), 0.5);
    assert.throws(() => binaryAccuracy([0.5], [1, 0]), /1 predictions for 2 targets/);
  });
});
