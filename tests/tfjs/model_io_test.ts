import assert from "node:assert/strict";
import { tf } from "../../src/tfjs/tf.ts";
import { ndarray } from "../../src/data/ndarray.ts";
import {
  buildModel,
  MAXLEN,
  MODEL_KINDS,
  MODEL_SPECS,
  type ModelKind,
} from "../../src/tfjs/models.ts";
import { loadModel, MODEL_JSON, saveModel, WEIGHTS_BIN } from "../../src/tfjs/model_io.ts";
import { fitModel } from "../../src/tfjs/training.ts";
import { FusedLSTM, FusedSimpleRNN } from "../../src/tfjs/fused_rnn.ts";

type Tensor = ReturnType<typeof tf.tensor>;

/** Random reviews for `kind`: one-hot float32 [n, 100, 100] or int32 ids [n, 100]. */
function reviews(kind: ModelKind, n: number): Tensor {
  const { numWords, oneHot } = MODEL_SPECS[kind];
  const ids = tf.randomUniform([n, MAXLEN], 0, numWords, "int32", 11);
  return oneHot ? tf.oneHot(ids, numWords).toFloat() : ids;
}

Deno.test("saveModel / loadModel", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "model_io_test_" });
  try {
    for (const fused of [true, false]) {
      for (const kind of MODEL_KINDS) {
        await t.step(`${kind} (fused: ${fused}): identical weights and predictions`, async () => {
          const model = buildModel(kind, { seed: 9, fused });
          const path = `${dir}/${kind}_${fused}`;
          const written = await saveModel(model, path);
          assert.deepEqual(written, {
            modelJson: `${path}/${MODEL_JSON}`,
            weightsBin: `${path}/${WEIGHTS_BIN}`,
          });
          // 4 bytes per float32 parameter, nothing else.
          assert.equal((await Deno.stat(written.weightsBin)).size, 4 * MODEL_SPECS[kind].params);
          const loaded = await loadModel(path);
          assert.deepEqual(
            loaded.layers.map((l) => l.getClassName()),
            model.layers.map((l) => l.getClassName()),
          );
          assert.deepEqual(
            loaded.getWeights().map((w) => w.dataSync()),
            model.getWeights().map((w) => w.dataSync()),
          );
          // Loaded here, SimpleRNN / LSTM are the fused layers, also when saved from stock ones
          const recurrent = loaded.layers[MODEL_SPECS[kind].oneHot ? 0 : 1];
          assert.ok(recurrent instanceof FusedSimpleRNN || recurrent instanceof FusedLSTM);
          const x = reviews(kind, 4);
          const expected = (model.predict(x) as Tensor).dataSync();
          const predicted = (loaded.predict(x) as Tensor).dataSync();
          if (fused) assert.deepEqual(predicted, expected);
          else predicted.forEach((p, i) => assert.ok(Math.abs(p - expected[i]) < 1e-6));
          tf.dispose(x);
        });
      }
    }

    await t.step("includeOptimizer: the loaded model resumes training exactly", async () => {
      const x = ndarray({
        shape: [64, 20],
        dtype: "int32",
        data: Int32Array.from({ length: 64 * 20 }, (_, i) => (i * 7919) % 1000),
      });
      const y = Int32Array.from({ length: 64 }, (_, i) => i % 2);
      const model = buildModel("embedding_lstm", { seed: 2 });
      await fitModel(model, x, y, { epochs: 1, batchSize: 16, seed: 1 });
      await saveModel(model, `${dir}/resume`, { includeOptimizer: true });
      const loaded = await loadModel(`${dir}/resume`);
      const options = { epochs: 1, batchSize: 16, seed: 2 };
      const continued = await fitModel(model, x, y, options);
      const resumed = await fitModel(loaded, x, y, options);
      assert.deepEqual(resumed.loss, continued.loss);
      assert.deepEqual(resumed.acc, continued.acc);
    });

    await t.step("a clear error for a directory without a model", async () => {
      await assert.rejects(loadModel(`${dir}/nothing`), /No saved model at .*nothing\/model\.json/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
