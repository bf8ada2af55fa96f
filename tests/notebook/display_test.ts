import assert from "node:assert/strict";
import {
  $display,
  assertBetween,
  assertClose,
  assertEqual,
  assertShape,
  display,
  displayable,
  escapeHtml,
  figureBundle,
  formatDuration,
  inJupyter,
  modelSummaryText,
  numpyStr,
  PLOTLY_MIME,
  plotlyJs,
  plotlyScriptTag,
  print,
  progressFraction,
  progressLine,
  stripAnsi,
  tableBundle,
  TrainingProgress,
} from "../../src/notebook/display.ts";
import { historyFigure } from "../../src/notebook/plots.ts";
import { ndarray } from "../../src/data/ndarray.ts";
import { gunzipSync } from "fflate";

Deno.test("text helpers", async (t) => {
  await t.step("stripAnsi removes colour codes Deno's inspector adds", () => {
    const coloured = Deno.inspect({ a: 1, s: "x" }, { colors: true });
    assert.notEqual(coloured, Deno.inspect({ a: 1, s: "x" }));
    assert.equal(stripAnsi(coloured), Deno.inspect({ a: 1, s: "x" }));
  });
  await t.step("escapeHtml", () => {
    assert.equal(
      escapeHtml(`<a href="x">&'</a>`),
      "&#60;a href=&#34;x&#34;&#62;&#38;&#39;&#60;/a&#62;",
    );
  });
  await t.step("formatDuration", () => {
    assert.equal(formatDuration(3.25), "3.3s");
    assert.equal(formatDuration(65), "1m 05s");
    assert.equal(formatDuration(3725), "1h 02m");
    assert.equal(formatDuration(Number.NaN), "?");
  });
  await t.step("tableBundle aligns columns and escapes HTML", () => {
    const b = tableBundle(["model", "acc"], [["LSTM <8>", 0.8274], ["RNN", 0.7]]);
    assert.equal(
      b["text/plain"],
      "model     acc\n--------  ------\nLSTM <8>  0.8274\nRNN       0.7",
    );
    assert.match(b["text/html"] as string, /<td style="text-align:left">LSTM &#60;8&#62;<\/td>/);
    assert.match(b["text/html"] as string, /<td style="text-align:right">0.8274<\/td>/);
  });
});

Deno.test("display outside a kernel prints the text/plain part", async () => {
  assert.equal(inJupyter(), false);
  const lines: unknown[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    await display({ "text/plain": "hello", "text/html": "<b>hello</b>" });
    await display({ "text/plain": "update" }, { displayId: "x", update: true });
  } finally {
    console.log = log;
  }
  assert.deepEqual(lines, ["hello"]);
  lines.length = 0;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    await print("(25000,)", [1, 2], { a: "x" }, 17);
  } finally {
    console.log = log;
  }
  assert.deepEqual(lines, ['(25000,) [ 1, 2 ] { a: "x" } 17']);
  const d = displayable({ "text/plain": "p" });
  assert.deepEqual(d[$display](), { "text/plain": "p" });
  assert.equal($display, Symbol.for("Jupyter.display"));
});

Deno.test("figure bundles", async (t) => {
  const fig = historyFigure({ loss: [0.7, 0.6, 0.5], val_loss: [0.72, 0.66, 0.64] }, "loss");

  await t.step("one bundle: plotly JSON, offline HTML and a text summary", () => {
    const b = figureBundle(fig, { id: "fig-1" });
    assert.deepEqual(Object.keys(b).sort(), [PLOTLY_MIME, "text/html", "text/plain"].sort());
    const json = b[PLOTLY_MIME] as { data: unknown[]; layout: { height: number } };
    assert.deepEqual(json.data, fig.data);
    assert.equal(json.layout.height, 380);
    const html = b["text/html"] as string;
    assert.match(html, /<div id="fig-1" class="ch9-plotly" data-traces="2"/);
    assert.ok(html.includes("window.Plotly.newPlot"));
    assert.ok(!html.includes("plotly.js v"), "no library unless asked");
    assert.equal(b["text/plain"], "<plotly figure: Loss by epoch (loss, val_loss)>");
    // The figure JSON embedded in the script parses back to the same figure.
    const m = html.match(/var fig = (.*);\n/);
    assert.ok(m);
    assert.deepEqual(JSON.parse(m[1]), json);
  });

  await t.step("strings in the figure cannot close the script element", () => {
    const evil = historyFigure({ acc: [0.5] }, "acc", "</script><script>alert(1)</script>");
    const html = figureBundle(evil, { id: "e" })["text/html"] as string;
    assert.equal(html.match(/<\/script>/g)?.length, 1);
    assert.ok(html.includes("\\u003c/script>\\u003cscript>alert(1)"));
  });

  await t.step("fresh ids for each figure", () => {
    const a = figureBundle(fig)["text/html"] as string;
    const b = figureBundle(fig)["text/html"] as string;
    assert.notEqual(a.match(/id="([^"]+)"/)![1], b.match(/id="([^"]+)"/)![1]);
  });

  await t.step("the plotly.js bundle comes from the pinned npm package, packed", async () => {
    const js = await plotlyJs();
    assert.match(js.slice(0, 200), /plotly\.js v3\.7\.0/);
    assert.ok(js.length > 1_000_000);
    const tag = plotlyScriptTag(js);
    assert.ok(tag.length < 3_500_000, `packed size ${tag.length}`);
    assert.equal(tag.match(/<\/script/gi)?.length, 1, "only the closing tag");
    // The packed string unpacks to exactly the library.
    const packed = tag.match(/var packed = "([A-Za-z0-9+/=]+)";/)![1];
    const bytes = Uint8Array.from(atob(packed), (c) => c.charCodeAt(0));
    assert.equal(new TextDecoder().decode(gunzipSync(bytes)), js);
    const b = figureBundle(fig, { plotlyJs: js })["text/html"] as string;
    assert.ok(b.includes(packed));
  });
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
    const cb = p.callbacks();
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

Deno.test("assertions name expected and actual", async (t) => {
  await t.step("assertShape", () => {
    assert.equal(assertShape("x", [25000], [25000]), "(25000,)");
    const a = ndarray({ shape: [2, 3], dtype: "int32" });
    assert.equal(assertShape("a", a, [2, 3]), "(2, 3)");
    assert.throws(
      () => assertShape("x_train_seq", [20000, 99], [20000, 100]),
      { message: "x_train_seq: expected shape (20000, 100), got (20000, 99)" },
    );
    assert.throws(() => assertShape("b", [2], [2, 1]), /expected shape \(2, 1\), got \(2,\)/);
  });
  await t.step("assertEqual", () => {
    assert.equal(assertEqual("y", Int32Array.from([1, 0, 1]), [1, 0, 1]), "[1, 0, 1]");
    assert.equal(assertEqual("w", "movie", "movie"), '"movie"');
    assert.equal(assertEqual("o", { a: [1, 2] }, { a: [1, 2] }), "[object Object]");
    assert.throws(
      () => assertEqual("y_train[:4]", [1, 0, 0, 0], [1, 0, 0, 1]),
      {
        message:
          "y_train[:4]: expected [1, 0, 0, 1], got [1, 0, 0, 0] (first difference at index 3: 0, expected 1)",
      },
    );
    assert.throws(() => assertEqual("n", [1, 2], [1, 2, 3]), /\(length 2, expected 3\)/);
    assert.throws(() => assertEqual("movie", 18, 17), { message: "movie: expected 17, got 18" });
    assert.throws(() => assertEqual("o", { a: 1 }, { a: 2 }), /^Error: o: expected/);
  });
  await t.step("assertClose", () => {
    assert.equal(assertClose("g", [1, 2], [1, 2]), 0);
    assert.ok(assertClose("g", 1 + 1e-9, 1) < 1e-8);
    assert.throws(
      () => assertClose("grad", [1, 2.1], [1, 2], { rtol: 1e-3 }),
      /grad: at index 1 expected 2/,
    );
    assert.throws(() => assertClose("g", [1], [1, 2]), /expected 2 values, got 1/);
    assert.throws(() => assertClose("g", [Number.NaN], [1]), /got NaN/);
  });
  await t.step("assertBetween", () => {
    assert.equal(assertBetween("val acc", 0.6572, 0.63, 0.69), "0.6572");
    assert.throws(() => assertBetween("val acc", 0.5, 0.63, 0.69), {
      message: "val acc: expected a value in [0.63, 0.69], got 0.5",
    });
  });
});

Deno.test("numpyStr prints 1-D integer arrays as numpy does", () => {
  // Expected strings: scripts/fixtures/numpy_str.py (numpy 2.4 `str(np.array(...))`).
  assert.equal(numpyStr([1, 0, 0, 1, 0, 0, 1, 0, 1, 0]), "[1 0 0 1 0 0 1 0 1 0]");
  assert.equal(numpyStr([-3, 100, 7]), "[ -3 100   7]");
  assert.equal(numpyStr([]), "[]");
  const arange = Array.from({ length: 42 }, (_, i) => 5 + 3 * i);
  assert.equal(
    numpyStr(arange),
    "[  5   8  11  14  17  20  23  26  29  32  35  38  41  44  47  50  53  56\n" +
      "  59  62  65  68  71  74  77  80  83  86  89  92  95  98 101 104 107 110\n" +
      " 113 116 119 122 125 128]",
  );
  const row = [...new Array(62).fill(0), 35, 40, 27, 28, 40, 22, 83, 31, 85, 45, 24, 23, 31, 70];
  row.push(31, 76, 30, 98, 32, 22, 28, 51, 75, 56, 30, 33, 97, 53, 38, 46, 53, 74, 31, 35, 23);
  row.push(34, 22, 58);
  assert.equal(
    numpyStr(row),
    "[ 0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0\n" +
      "  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0  0\n" +
      "  0  0  0  0  0  0  0  0  0  0  0  0  0  0 35 40 27 28 40 22 83 31 85 45\n" +
      " 24 23 31 70 31 76 30 98 32 22 28 51 75 56 30 33 97 53 38 46 53 74 31 35\n" +
      " 23 34 22 58]",
  );
  assert.throws(() => numpyStr([0.5]), /numpyStr: 0.5 is not an integer/);
});

Deno.test("modelSummaryText captures a real tfjs model's summary", async () => {
  const { tf } = await import("../../src/tfjs/tf.ts");
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 3, inputShape: [4] }));
  model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
  const logged: unknown[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => logged.push(a);
  let text: string;
  try {
    text = modelSummaryText(model);
  } finally {
    console.log = log;
  }
  assert.deepEqual(logged, [], "nothing printed");
  assert.match(text, /Total params: 19\n/);
  assert.match(text, /Layer \(type\)/);
  model.dispose();
});
