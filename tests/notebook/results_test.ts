import assert from "node:assert/strict";
import { loadModelResults, saveModelResult } from "../../src/notebook/results.ts";

Deno.test("model results round-trip through JSON files", async () => {
  const dir = new URL(`file://${await Deno.makeTempDir({ prefix: "ch9-results-" })}/`);
  try {
    const lstm = { name: "LSTM", valAcc: 0.83, testAcc: 0.82, trainSeconds: 60, quick: false };
    await saveModelResult("embedding_lstm", lstm, { dir });
    await saveModelResult("scratch_rnn", { ...lstm, name: "scratch", quick: true }, { dir });
    const full = await loadModelResults(["scratch_rnn", "nothing", "embedding_lstm"], {
      quick: false,
      dir,
    });
    assert.deepEqual(full.results, [lstm]);
    assert.deepEqual(full.missing, ["scratch_rnn", "nothing"]);
    const quick = await loadModelResults(["scratch_rnn"], { quick: true, dir });
    assert.equal(quick.results[0].name, "scratch");
    await assert.rejects(() => saveModelResult("../x", lstm, { dir }), /Invalid result key/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
