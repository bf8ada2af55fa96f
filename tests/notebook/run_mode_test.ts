import assert from "node:assert/strict";
import { besideBook, runModeBundle } from "../../src/notebook/run_mode.ts";

Deno.test("run mode: a banner at the top, a note beside each value the book quotes", async (t) => {
  await t.step("quick, with what it trains on: says the numbers come from a small subset", () => {
    const b = runModeBundle(true, { subset: "the first 2,000 of the 20,000 reviews, 2 epochs" });
    assert.equal(
      b["text/plain"],
      "Quick run (CH9_QUICK=1): the first 2,000 of the 20,000 reviews, 2 epochs. The losses, " +
        "accuracies and curves below come from this small subset and differ from the values " +
        "the book quotes; the data steps are the book's in full. For the book's run, start " +
        "Jupyter without CH9_QUICK.",
    );
    assert.match(
      b["text/html"] as string,
      /^<div class="ch9-run-mode" [^>]*><b>Quick run \(CH9_QUICK=1\):<\/b> the first 2,000 /,
    );
  });
  await t.step("quick, changing nothing (9-1); full", () => {
    assert.match(String(runModeBundle(true)["text/plain"]), /changes nothing in this notebook/);
    assert.match(String(runModeBundle(false)["text/plain"]), /^Full run: the book's settings\./);
  });
  await t.step("HTML escaped", () => {
    assert.match(runModeBundle(true, { subset: "<b>" })["text/html"] as string, /&#60;b&#62;\./);
  });
  await t.step("beside a book value", () => {
    assert.equal(besideBook("0.6572", false), "(the book: 0.6572)");
    assert.match(besideBook(0.6998, true), /^\(quick run on a small subset: .*0\.6998\)$/);
  });
});
