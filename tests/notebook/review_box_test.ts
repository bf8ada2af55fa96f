import assert from "node:assert/strict";
import {
  REVIEW_BOX_CLASS,
  reviewBoxBundle,
  type ReviewBoxData,
  reviewBoxScript,
  withTfjs,
} from "../../src/notebook/review_box.ts";
import { buildModel } from "../../src/tfjs/models.ts";
import { predictReview } from "../../src/tfjs/predict_review.ts";
import { loadModel, saveModel } from "../../src/tfjs/model_io.ts";
import { tf } from "../../src/tfjs/tf.ts";
import type { WordIndex } from "../../src/data/tokenize.ts";

/** Ranks as Keras's; "zebra" (id 5003) is beyond both models' vocabularies. */
const WORD_INDEX: WordIndex = { the: 1, movie: 17, great: 30, awful: 500, film: 90, zebra: 5000 };

function boxData(html: string): ReviewBoxData {
  const m = html.match(/<script type="application\/json" class="ch9-review-data">(.*?)<\/script>/s);
  assert.ok(m, "the box's data");
  return JSON.parse(m[1]);
}

Deno.test("the page script: src/data/review_input.ts bundled, nothing of Deno's", async () => {
  const js = await reviewBoxScript();
  assert.equal(await reviewBoxScript(), js, "built once");
  for (const module of ["tokenize.ts", "sequences.ts", "review_input.ts", "_review_box_page.ts"]) {
    assert.ok(js.includes(`// src/`) && js.includes(module), `${module} is in the bundle`);
  }
  assert.ok(js.includes("function reviewIds("), "the very function predictReview runs");
  assert.doesNotMatch(js, /\bDeno\.|\brequire\(|node:/);
  assert.doesNotMatch(js, /@tensorflow/, "TensorFlow.js comes from the page, not the bundle");
});

Deno.test("reviewBoxBundle: the contract, the models' weights, predictReview beside", async (t) => {
  const lstm = buildModel("embedding_lstm", { seed: 1 });
  const oneHot = buildModel("simple_rnn_onehot", { seed: 2 });
  const examples = ["A great movie!", "awful film </script><b>", "zebra"];
  const box = await reviewBoxBundle([{ name: "LSTM", model: lstm }, {
    name: "one-hot",
    model: oneHot,
  }], { wordIndex: WORD_INDEX, examples, id: "box-1", tfjsSrc: "_tfjs/tf-4.22.0.js.gz" });
  const html = String(box["text/html"]);
  await t.step("the elements tests and readers use", () => {
    assert.ok(html.startsWith(`<div id="box-1" class="${REVIEW_BOX_CLASS}">`));
    assert.match(html, /<textarea data-review-input rows="4" disabled>A great movie!<\/textarea>/);
    assert.match(html, /<select data-review-model disabled><option value="0">LSTM \(1,000 words\)/);
    assert.match(html, /<option value="1">one-hot \(100 words, one-hot\)<\/option>/);
    assert.match(html, /<span data-review-probability><\/span>/);
    assert.match(html, /<a class="ch9-tfjs-src" href="_tfjs\/tf-4\.22\.0\.js\.gz"><\/a>/);
    assert.ok(html.endsWith(`window.__ch9ReviewBox1.start("box-1");\n</script>`));
    // The example's "</script>" cannot end an element early: two scripts, two ends.
    assert.equal(html.match(/<\/script>/g)?.length, 2);
    assert.equal(html.match(/<script\b/g)?.length, 2);
  });
  const data = boxData(html);
  await t.step("the vocabulary the models read, and how each reads", () => {
    // Ids (rank + 3) below 1000: all but zebra.
    assert.deepEqual(data.vocabulary, { the: 1, movie: 17, great: 30, awful: 500, film: 90 });
    assert.deepEqual(data.models.map((m) => m.reading), [
      { numWords: 1000, maxlen: 100, skipTop: 20 },
      { numWords: 100, maxlen: 100, skipTop: 20, oneHot: 100 },
    ]);
  });
  await t.step("predictReview's probabilities, per example and model (null: no word read)", () => {
    assert.deepEqual(data.examples.map((e) => e.text), examples);
    for (const [i, e] of data.examples.entries()) {
      const expected = [lstm, oneHot].map((model) => {
        try {
          return predictReview(model, e.text, { wordIndex: WORD_INDEX });
        } catch {
          return null;
        }
      });
      assert.deepEqual(e.predictReview, expected, `example ${i}`);
    }
    assert.deepEqual(data.examples[2].predictReview, [null, null]);
    assert.equal(
      box["text/plain"],
      `review box: LSTM, one-hot\n` +
        data.examples.map((e) =>
          `${JSON.stringify(e.text)}: ${
            e.predictReview.map((p) => (p === null ? "-" : p.toFixed(6))).join(", ")
          }`
        ).join("\n"),
    );
  });
  await t.step("the weights are the model's: loaded back, the same predictions", async () => {
    const dir = await Deno.makeTempDir();
    try {
      const m = data.models[0];
      await Deno.writeTextFile(`${dir}/model.json`, JSON.stringify(m.modelJson));
      await Deno.writeFile(
        `${dir}/weights.bin`,
        Uint8Array.from(atob(m.weights), (c) => c.charCodeAt(0)),
      );
      const again = await loadModel(dir);
      const x = tf.tensor2d([[0, 0, 20, 33, 93]], [1, 5], "int32");
      const p = (model: typeof again) =>
        (model.predict(x) as ReturnType<typeof tf.tensor>).dataSync()[0];
      assert.equal(p(again), p(lstm));
      x.dispose();
      // As saveModel would have written it.
      await saveModel(lstm, `${dir}/saved`);
      assert.deepEqual(
        JSON.parse(await Deno.readTextFile(`${dir}/saved/model.json`)),
        m.modelJson,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
  await assert.rejects(
    () => reviewBoxBundle([], { wordIndex: WORD_INDEX }),
    /reviewBoxBundle needs at least one model/,
  );
});

Deno.test("withTfjs: one packed TensorFlow.js in the head of a page with a box, else nothing", async () => {
  const plain = "<html><head><title>x</title></head><body>no box</body></html>";
  assert.equal(await withTfjs(plain), plain);
  const page = `<html><head><title>x</title></head><body><div class="${REVIEW_BOX_CLASS}"></div>` +
    "</body></html>";
  const out = await withTfjs(page);
  assert.ok(out.startsWith("<html><head>\n<script"));
  assert.equal(out.match(/__ch9TfjsLoader1\.packed\("/g)?.length, 1);
  await assert.rejects(
    () => withTfjs(`<div class="${REVIEW_BOX_CLASS}"></div>`),
    /a review box but no <head>/,
  );
});
