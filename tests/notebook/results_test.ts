import assert from "node:assert/strict";
import {
  loadModelResults,
  loadTrainedModels,
  type ModelResult,
  saveModelResult,
} from "../../src/notebook/results.ts";
import { buildModel } from "../../src/tfjs/models.ts";
import { tf } from "../../src/tfjs/tf.ts";
import type { LayersModel } from "../../src/tfjs/training.ts";

async function tempDir(): Promise<URL> {
  return new URL(`file://${await Deno.makeTempDir({ prefix: "ch9-results-" })}/`);
}

const LSTM: ModelResult = {
  name: "LSTM",
  valAcc: 0.83,
  testAcc: 0.82,
  trainSeconds: 60,
  quick: false,
};

Deno.test("model results round-trip through JSON files", async () => {
  const dir = await tempDir();
  try {
    await saveModelResult("embedding_lstm", LSTM, { dir, run: null });
    await saveModelResult("scratch_rnn", { ...LSTM, name: "scratch", quick: true }, {
      dir,
      run: null,
    });
    const full = await loadModelResults(["scratch_rnn", "nothing", "embedding_lstm"], {
      quick: false,
      dir,
      run: null,
    });
    assert.deepEqual(full.results, [LSTM]);
    assert.deepEqual(full.missing, ["scratch_rnn", "nothing"]);
    const quick = await loadModelResults(["scratch_rnn"], { quick: true, dir, run: null });
    assert.equal(quick.results[0].name, "scratch");
    await assert.rejects(() => saveModelResult("../x", LSTM, { dir }), /Invalid result key/);
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      ["embedding_lstm.json", "scratch_rnn.quick.json"],
      "no temporary file left",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("in a report run, a pending result is waited for until this run saved it", async (t) => {
  const dir = await tempDir();
  const run = { id: "run-2", pending: ["scratch_rnn", "simple_rnn_onehot"] };
  try {
    // An earlier run's result is there: not this run's, so it is waited for.
    await saveModelResult("scratch_rnn", LSTM, { dir, run: { id: "run-1", pending: [] } });
    await saveModelResult("embedding_lstm", LSTM, { dir, run: null });
    await t.step("waits, then reads what this run saved", async () => {
      const started = Date.now();
      let settled = false;
      const loading = loadModelResults(["embedding_lstm", "scratch_rnn"], {
        quick: false,
        dir,
        run,
      }).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(settled, false, "still waiting for scratch_rnn");
      await saveModelResult("scratch_rnn", { ...LSTM, name: "now" }, { dir, run });
      const { results, missing } = await loading;
      assert.deepEqual(results.map((r) => [r.name, r.run]), [["LSTM", undefined], [
        "now",
        "run-2",
      ]]);
      assert.deepEqual(missing, []);
      assert.ok(Date.now() - started >= 500);
    });
    await t.step("a result that does not come: an error naming it, after the timeout", async () => {
      await assert.rejects(
        () =>
          loadModelResults(["simple_rnn_onehot"], { quick: false, dir, run, timeoutSeconds: 0.3 }),
        /^Error: simple_rnn_onehot: this report run \(run-2\) has not saved its result in 0\.3 s/,
      );
    });
    await t.step("keys the run does not save are read as they are", async () => {
      const r = await loadModelResults(["nothing"], { quick: false, dir, run });
      assert.deepEqual(r.missing, ["nothing"]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a trained model saved with its result loads back, the same predictions", async () => {
  const dir = await tempDir();
  try {
    const model = buildModel("embedding_simple_rnn", { seed: 7 });
    const result = { ...LSTM, name: "Embedding + SimpleRNN (9-3)", quick: true };
    await saveModelResult("embedding_simple_rnn", result, { dir, model, run: null });
    await saveModelResult("scratch_rnn", { ...result, name: "scratch" }, { dir, run: null });
    const { models, missing } = await loadTrainedModels(
      ["scratch_rnn", "embedding_simple_rnn", "simple_rnn_onehot"],
      { quick: true, dir, run: null },
    );
    assert.deepEqual(missing, ["scratch_rnn", "simple_rnn_onehot"]);
    assert.deepEqual(models.map((m) => [m.key, m.name]), [[
      "embedding_simple_rnn",
      "Embedding + SimpleRNN (9-3)",
    ]]);
    const x = tf.tensor2d([[0, 0, 5, 40, 999]], [1, 5], "int32");
    const p = (m: LayersModel) => (m.predict(x) as ReturnType<typeof tf.tensor>).dataSync()[0];
    assert.equal(p(models[0].model), p(model));
    // Saved again without a model: the old model goes, it never outlives its result.
    await saveModelResult("embedding_simple_rnn", result, { dir, run: null });
    const again = await loadTrainedModels(["embedding_simple_rnn"], {
      quick: true,
      dir,
      run: null,
    });
    assert.deepEqual(again.missing, ["embedding_simple_rnn"]);
    tf.dispose(x);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
