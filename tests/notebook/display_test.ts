import assert from "node:assert/strict";
import {
  $display,
  asDisplayable,
  display,
  inJupyter,
  modelSummaryText,
  print,
  tableBundle,
} from "../../src/notebook/display.ts";

Deno.test("tableBundle aligns columns and escapes HTML", () => {
  const b = tableBundle(["model", "acc"], [["LSTM <8>", 0.8274], ["RNN", 0.7]]);
  assert.equal(
    b["text/plain"],
    "model     acc\n--------  ------\nLSTM <8>  0.8274\nRNN       0.7",
  );
  assert.match(b["text/html"] as string, /<td style="text-align:left">LSTM &#60;8&#62;<\/td>/);
  assert.match(b["text/html"] as string, /<td style="text-align:right">0.8274<\/td>/);
  // Headers aligned as their columns: text left, numbers right.
  assert.match(
    b["text/html"] as string,
    /<thead><tr><th style="text-align:left">model<\/th><th style="text-align:right">acc<\/th>/,
  );
  const mixed = tableBundle(["a", "b"], [[1, "x"], [2, 3]])["text/html"] as string;
  assert.match(mixed, /<th style="text-align:right">a<\/th><th style="text-align:left">b<\/th>/);
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
  const d = asDisplayable({ "text/plain": "p" });
  assert.deepEqual(d[$display](), { "text/plain": "p" });
  assert.equal($display, Symbol.for("Jupyter.display"));
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
