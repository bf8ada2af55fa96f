import assert from "node:assert/strict";
import { ndarray } from "../../src/data/ndarray.ts";
import { inputGradients } from "../../src/tfjs/input_gradients.ts";
import { embed, embeddingRnnWeights, runSteps } from "../../src/tfjs/word_by_word.ts";
import { buildModel } from "../../src/tfjs/models.ts";
import { smallModel } from "./_small_models.ts";

const IDS = [
  [0, 0, 5, 11, 3, 7, 7, 9],
  [4, 2, 8, 8, 1, 10, 6, 3],
  [0, 0, 0, 0, 0, 1, 2, 11],
];
const Y = [1, 0, 1];

/** One review's −log P(label) from the float64 step loop, on its input vectors xs [steps, dim]. */
function loss(w: ReturnType<typeof embeddingRnnWeights>, xs: Float64Array, y: number): number {
  const { z } = runSteps(w, xs);
  const zl = z[z.length - 1];
  return Math.max(zl, 0) + Math.log1p(Math.exp(-Math.abs(zl))) - y * zl;
}

Deno.test("inputGradients equals central finite differences of each review's loss", async (t) => {
  for (const kind of ["simpleRNN", "lstm", "gru", "gruResetAfter"] as const) {
    await t.step(kind, () => {
      const model = smallModel(kind, 3);
      const w = embeddingRnnWeights(model);
      const [n, steps] = [IDS.length, IDS[0].length];
      const ids = ndarray({ shape: [n, steps], dtype: "int32", data: Int32Array.from(IDS.flat()) });
      const { grads, normByStep } = inputGradients(model, ids, Y);
      assert.deepEqual(grads.shape, [n, steps, w.dim]);
      const eps = 1e-5;
      let worst = 0;
      const norms = new Float64Array(steps);
      for (let i = 0; i < n; i++) {
        const xs = embed(w, IDS[i]);
        for (let t = 0; t < steps; t++) {
          let sq = 0;
          for (let d = 0; d < w.dim; d++) {
            const k = t * w.dim + d;
            const up = Float64Array.from(xs), down = Float64Array.from(xs);
            up[k] += eps;
            down[k] -= eps;
            const numeric = (loss(w, up, Y[i]) - loss(w, down, Y[i])) / (2 * eps);
            const analytic = grads.data[(i * steps + t) * w.dim + d];
            worst = Math.max(worst, Math.abs(numeric - analytic) / Math.max(1, Math.abs(numeric)));
            sq += numeric ** 2;
          }
          norms[t] += Math.sqrt(sq) / n;
        }
      }
      assert.ok(worst < 2e-5, `largest relative difference ${worst}`); // float32 against float64
      normByStep.forEach((v, t) =>
        assert.ok(Math.abs(v - norms[t]) < 2e-5 * norms[t] + 1e-9, `step ${t}`)
      );
      assert.ok(normByStep[steps - 1] > 0 && normByStep[0] > 0);
    });
  }
});

Deno.test("inputGradients: the book's models, and argument checks", () => {
  const model = buildModel("embedding_simple_rnn", { seed: 42 });
  const ids = ndarray({ shape: [2, 100], dtype: "int32", data: new Int32Array(200).fill(25) });
  const { normByStep } = inputGradients(model, ids, [1, 0]);
  assert.equal(normByStep.length, 100);
  assert.ok(normByStep.every((v) => Number.isFinite(v) && v >= 0));
  assert.throws(() => inputGradients(model, ids, [1]), /y has 1 labels, ids has 2 reviews/);
  assert.throws(
    () => inputGradients(buildModel("simple_rnn_onehot", { seed: 1 }), ids, [1, 0]),
    /expected a model Embedding/,
  );
});
