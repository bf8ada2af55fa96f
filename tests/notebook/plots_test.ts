import assert from "node:assert/strict";
import {
  comparisonFigure,
  historyFigure,
  loadModelResults,
  saveModelResult,
} from "../../src/notebook/plots.ts";

Deno.test("historyFigure", async (t) => {
  const history = { loss: [0.69, 0.6, 0.55], val_loss: [0.68, 0.62, 0.6], acc: [0.5, 0.7, 0.75] };

  await t.step("loss and val_loss by epoch, axis titles and legend names", () => {
    const f = historyFigure(history, "loss");
    assert.deepEqual(f.data.map((d) => d.name), ["loss", "val_loss"]);
    assert.deepEqual(f.data[0].x, [1, 2, 3]);
    assert.deepEqual(f.data[1].y, [0.68, 0.62, 0.6]);
    const layout = f.layout as Record<string, { title: { text: string } }>;
    assert.equal(layout.xaxis.title.text, "epoch");
    assert.equal((f.layout.xaxis as { dtick: number }).dtick, 1);
    const long = historyFigure({ loss: Array.from({ length: 45 }, (_, i) => 1 / (i + 1)) }, "loss");
    assert.equal((long.layout.xaxis as { dtick: number }).dtick, 3);
    assert.equal(layout.yaxis.title.text, "binary cross-entropy");
    assert.equal(f.layout.title?.text, "Loss by epoch");
  });

  await t.step("accuracy with only the training curve", () => {
    const f = historyFigure(history, "acc", "One-hot SimpleRNN accuracy");
    assert.deepEqual(f.data.map((d) => d.name), ["acc"]);
    assert.equal(f.layout.title?.text, "One-hot SimpleRNN accuracy");
  });

  await t.step("does not share or mutate the caller's arrays", () => {
    const f = historyFigure(history, "loss");
    assert.notEqual(f.data[0].y, history.loss);
    (f.data[0].y as number[]).push(9);
    assert.deepEqual(history.loss, [0.69, 0.6, 0.55]);
  });

  await t.step("clear errors", () => {
    assert.throws(() => historyFigure({ loss: [1] }, "acc"), /history has neither acc nor val_acc/);
    assert.throws(() => historyFigure({ loss: [] }, "loss"), /loss is empty/);
  });
});

Deno.test("comparisonFigure", async (t) => {
  const results = [
    { name: "RecurrentNetwork", valAcc: 0.6572, trainSeconds: 40 },
    { name: "LSTM", valAcc: 0.8274, testAcc: 0.82, trainSeconds: 60 },
  ];
  await t.step("grouped accuracy bars plus a time line on a second axis", () => {
    const f = comparisonFigure(results);
    assert.deepEqual(f.data.map((d) => [d.type, d.name]), [
      ["bar", "validation accuracy"],
      ["bar", "test accuracy"],
      ["scatter", "training time (s)"],
    ]);
    assert.deepEqual(f.data[0].x, ["RecurrentNetwork", "LSTM"]);
    assert.deepEqual(f.data[1].y, [null, 0.82]);
    assert.equal(f.data[2].yaxis, "y2");
    assert.equal(f.layout.barmode, "group");
  });
  await t.step("no test bars when no model has a test accuracy", () => {
    assert.equal(comparisonFigure([results[0]]).data.length, 2);
  });
  await t.step("clear errors", () => {
    assert.throws(() => comparisonFigure([]), /at least one model result/);
    assert.throws(
      () => comparisonFigure([{ name: "m", valAcc: 65.7, trainSeconds: 1 }]),
      /m: valAcc must be in \[0, 1\], got 65.7/,
    );
  });
});

Deno.test("model results round-trip through JSON files", async () => {
  const dir = new URL(`file://${await Deno.makeTempDir({ prefix: "ch9-results-" })}/`);
  try {
    const lstm = { name: "LSTM", valAcc: 0.83, testAcc: 0.82, trainSeconds: 60, quick: false };
    await saveModelResult("embedding_lstm", lstm, dir);
    await saveModelResult("scratch_rnn", { ...lstm, name: "scratch", quick: true }, dir);
    const full = await loadModelResults(["scratch_rnn", "nothing", "embedding_lstm"], {
      quick: false,
      dir,
    });
    assert.deepEqual(full.results, [lstm]);
    assert.deepEqual(full.missing, ["scratch_rnn", "nothing"]);
    const quick = await loadModelResults(["scratch_rnn"], { quick: true, dir });
    assert.equal(quick.results[0].name, "scratch");
    await assert.rejects(() => saveModelResult("../x", lstm, dir), /Invalid result key/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
