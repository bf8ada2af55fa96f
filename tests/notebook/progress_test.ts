import assert from "node:assert/strict";
import {
  formatBatchLine,
  formatDuration,
  formatEpochLine,
  progressFraction,
  progressHtml,
  progressItems,
  progressLine,
  terminalProgressBar,
  TrainingProgress,
} from "../../src/notebook/progress.ts";
import type { BatchLogs, EpochLogs } from "../../src/tfjs/training.ts";
import { stripAnsi } from "../../src/notebook/_text.ts";
import { tf } from "../../src/tfjs/tf.ts";
import { layers } from "../../src/tfjs/layers.ts";
import { setRandomSeed } from "../../src/tfjs/random_seed.ts";

Deno.test("formatDuration", () => {
  assert.equal(formatDuration(3.25), "3.3s");
  assert.equal(formatDuration(65), "1m 05s");
  assert.equal(formatDuration(3725), "1h 02m");
  assert.equal(formatDuration(Number.NaN), "?");
});

Deno.test("progress line", async (t) => {
  await t.step("fraction and remaining time", () => {
    const s = { epoch: 2, epochs: 4, batch: 50, batches: 100, elapsed: 30, loss: 0.5, acc: 0.75 };
    assert.equal(progressFraction(s), 0.375);
    assert.equal(
      progressLine("LSTM", s),
      "LSTM  epoch 2/4  batch 50/100  loss 0.5000  acc 0.7500  elapsed 30.0s  remaining 50.0s",
    );
    assert.equal(
      progressLine("x", { epoch: 1, epochs: 2, batch: 0, batches: 0, elapsed: 0 }),
      "x  epoch 1/2  elapsed 0.0s  remaining ?",
    );
  });

  await t.step("updates in place, rate-limited, every epoch end shown", async () => {
    let now = 0;
    const shown: [string, boolean][] = [];
    const p = new TrainingProgress({
      label: "rnn",
      epochs: 2,
      batches: 3,
      minIntervalMs: 100,
      now: () => now,
      sink: (line, final) => {
        shown.push([line, final]);
      },
    });
    const cb = p; // the logs-style callbacks the hand-written network feeds
    for (let e = 0; e < 2; e++) {
      for (let b = 0; b < 3; b++) {
        now += 40;
        await cb.onBatchEnd({ epoch: e, batch: b, loss: 1 / (e * 3 + b + 1), acc: 0.5 });
      }
      await cb.onEpochEnd({
        epoch: e,
        loss: 0.5 - e * 0.1,
        acc: 0.6,
        val_loss: 0.55,
        val_acc: 0.58,
      });
    }
    now = 1000;
    await p.finish();
    const last = p.line();
    // Batches at 40 (shown), 80, 120 (skipped: < 100 ms), epoch end (shown), 160 (shown: 120 since
    // the last batch shown)...
    assert.ok(shown.length < 2 * 3 + 3, `rate limited: ${shown.length} updates`);
    assert.equal(shown.filter(([, f]) => f).length, 3, "two epoch ends and the finish");
    assert.equal(
      last,
      "rnn  epoch 2/2  batch 3/3  loss 0.4000  acc 0.6000  val_loss 0.5500  val_acc 0.5800  " +
        "elapsed 1.0s  remaining 0.0s",
    );
    assert.equal(shown.at(-1)![0], last);
    assert.equal(p.state.valAcc, 0.58);
  });

  await t.step("outside Jupyter without a sink: one console line per epoch", async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => lines.push(a.join(" "));
    try {
      const p = new TrainingProgress({ label: "t", minIntervalMs: 0 });
      await p.onBatchEnd({ epoch: 0, batch: 0, epochs: 2, batches: 5, loss: 1 });
      await p.onEpochEnd({ epoch: 0, loss: 1 });
      await p.onEpochEnd({ epoch: 1, loss: 0.5 });
      await p.finish();
    } finally {
      console.log = log;
    }
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^t {2}epoch 1\/2 {2}batch 5\/5 {2}loss 1.0000/);
    assert.ok(lines.every((l) => !l.includes("\r") && stripAnsi(l) === l));
  });

  await t.step("bad epochs", () => {
    assert.throws(
      () => new TrainingProgress({ epochs: 1.5 }),
      /epochs must be a positive integer, got 1.5/,
    );
  });
});

Deno.test("the notebook's display: a bar and a compact line that wraps between items", async (t) => {
  const s = { epoch: 2, epochs: 4, batch: 50, batches: 100, elapsed: 30, loss: 0.5, acc: 0.75 };

  await t.step("the items: what is known, and the time", () => {
    assert.deepEqual(progressItems(s), [
      "epoch 2/4",
      "batch 50/100",
      "loss 0.5000",
      "acc 0.7500",
      "30.0s, 50.0s left",
    ]);
    const done = { ...s, epoch: 4, batch: 100, valLoss: 0.4, valAcc: 0.8 };
    assert.deepEqual(progressItems(done).slice(-3), [
      "val_loss 0.4000",
      "val_acc 0.8000",
      "30.0s, done",
    ]);
    assert.deepEqual(progressItems({ epoch: 1, epochs: 2, batch: 0, batches: 0, elapsed: 0 }), [
      "epoch 1/2",
      "0.0s",
    ]);
  });

  await t.step("HTML: a <progress> bar, each item unbreakable, the label escaped", () => {
    const html = progressHtml("Embedding <8>", s);
    assert.match(html, /^<div class="ch9-progress" style="display:flex;flex-wrap:wrap;/);
    assert.match(html, /<progress value="0\.3750" max="1" [^>]*><\/progress> 37%/);
    const items = [
      ...html.matchAll(
        /<(b|span) class="ch9-progress-item" style="white-space:nowrap">(.*?)<\/\1>/g,
      ),
    ]
      .map((m) => m[2]);
    assert.equal(items.length, 2 + progressItems(s).length);
    assert.equal(items[0], "Embedding &#60;8&#62;");
    assert.deepEqual(items.slice(2), progressItems(s));
    assert.match(
      progressHtml("x", { ...s, epoch: 4, batch: 100 }),
      /value="1\.0000" [^>]*><\/progress> 100%/,
    );
  });
});

Deno.test("terminal progress bar", () => {
  const batch: BatchLogs = {
    epoch: 0,
    epochs: 10,
    batch: 312,
    batches: 625,
    loss: 0.69314,
    acc: 0.5012,
    seconds: 3.13,
  };
  assert.equal(
    formatBatchLine(batch),
    "313/625 [===============>..............] - ETA: 3s - loss: 0.6931 - acc: 0.5012",
  );
  const epoch: EpochLogs = {
    epoch: 0,
    epochs: 10,
    batches: 625,
    loss: 0.5312,
    acc: 0.7281,
    val_loss: 0.44094,
    val_acc: 0.8022,
    seconds: 8.75,
  };
  assert.equal(
    formatEpochLine(epoch),
    "625/625 [==============================] - 9s 14ms/step - loss: 0.5312 - acc: 0.7281" +
      " - val_loss: 0.4409 - val_acc: 0.8022",
  );
  let text = "";
  const bar = terminalProgressBar({ write: (s) => text += s, live: false });
  bar.onBatchEnd({ ...batch, batch: 0 });
  bar.onBatchEnd(batch);
  bar.onEpochEnd(epoch);
  assert.equal(text, `Epoch 1/10\n${formatEpochLine(epoch)}\n`);
});

Deno.test("TrainingProgress.callbacks(): the live line through tfjs's own callbacks", async () => {
  const x = tf.tensor2d(
    Int32Array.from({ length: 40 * 6 }, (_, i) => (i * 7) % 20),
    [40, 6],
    "int32",
  );
  const y = tf.tensor2d(Float32Array.from({ length: 40 }, (_, i) => i % 2), [40, 1]);
  setRandomSeed(1);
  const model = tf.sequential();
  model.add(layers.embedding({ inputDim: 20, outputDim: 4 }));
  model.add(layers.lstm({ units: 4 }));
  model.add(layers.dense({ units: 1, activation: "sigmoid" }));
  model.compile({ optimizer: "adam", loss: "binaryCrossentropy", metrics: ["accuracy"] });
  const lines: [string, boolean][] = [];
  const progress = new TrainingProgress({
    label: "LSTM",
    minIntervalMs: 0, // every batch shown: each update is checked
    sink: (line, epochEnd) => void lines.push([line, epochEnd]),
  });
  // the batch losses tfjs reports, next to the progress
  const batchLosses: number[][] = [[], []];
  const history = await model.fit(x, y, {
    epochs: 2,
    batchSize: 16, // 3 batches: 16, 16, 8
    validationData: [x, y],
    verbose: 0,
    callbacks: [
      progress.callbacks(),
      new tf.CustomCallback({
        onBatchEnd: (_batch, logs) =>
          void batchLosses[batchLosses[0].length < 3 ? 0 : 1].push(logs!.loss),
      }),
    ],
  });
  await progress.finish();
  // epochs and batches per epoch come from fit's own parameters
  assert.match(lines[0][0], /^LSTM {2}epoch 1\/2 {2}batch 1\/3 {2}loss \d\.\d{4}/);
  assert.equal(lines.filter(([, end]) => end).length, 3); // two epoch ends and the finish
  // during an epoch: the running mean of the batch losses, weighted by batch size
  const running = (16 * batchLosses[0][0] + 16 * batchLosses[0][1]) / 32;
  assert.match(lines[1][0], new RegExp(`batch 2/3 {2}loss ${running.toFixed(4)} `));
  // at an epoch's end: tfjs's own epoch logs
  const h = history.history as Record<string, number[]>;
  const last = progress.line();
  assert.match(last, /^LSTM {2}epoch 2\/2 {2}batch 3\/3 /);
  assert.ok(last.includes(`loss ${h.loss[1].toFixed(4)}`), last);
  assert.ok(last.includes(`val_acc ${h.val_acc[1].toFixed(4)}`), last);
  tf.dispose([x, y]);
  setRandomSeed(undefined);
});
