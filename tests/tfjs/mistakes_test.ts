import assert from "node:assert/strict";
import { tf } from "../../src/tfjs/tf.ts";
import { ndarray } from "../../src/data/ndarray.ts";
import { confidentMistakes, confusionMatrix, predictAll } from "../../src/tfjs/mistakes.ts";
import { smallModel } from "./_small_models.ts";

Deno.test("confusionMatrix counts each outcome; 0.5 itself is negative, as Keras's accuracy", () => {
  const p = [0.5, 0.51, 0.1, 0.99, 0.3, 0.8];
  const y = [1, 1, 0, 0, 1, 1];
  assert.deepEqual(confusionMatrix(p, y), { tn: 1, fp: 1, fn: 2, tp: 2 });
  assert.deepEqual(confusionMatrix(p, y, 0.2), { tn: 1, fp: 1, fn: 0, tp: 4 });
  assert.throws(() => confusionMatrix([0.1], [1, 0]), /p has 1 probabilities, y has 2 labels/);
});

Deno.test("confidentMistakes: most confident first, at most count of each", () => {
  const p = [0.97, 0.02, 0.6, 0.4, 0.99, 0.01, 0.7];
  const y = [0, 1, 0, 1, 0, 1, 1];
  assert.deepEqual(confidentMistakes(p, y), {
    falsePositives: [4, 0, 2],
    falseNegatives: [5, 1, 3],
  });
  assert.deepEqual(confidentMistakes(p, y, { count: 1 }), {
    falsePositives: [4],
    falseNegatives: [5],
  });
});

Deno.test("predictAll equals model.predict of the whole set, in any batch size", () => {
  const model = smallModel("lstm", 2);
  const data = Int32Array.from({ length: 7 * 5 }, (_, i) => (i * 7) % 12);
  const x = ndarray({ shape: [7, 5], dtype: "int32", data });
  const whole = (model.predict(tf.tensor2d(data, [7, 5], "int32")) as ReturnType<typeof tf.tensor>)
    .dataSync();
  for (const batchSize of [3, 7, 100]) {
    assert.deepEqual(predictAll(model, x, { batchSize }), whole);
  }
});
