import assert from "node:assert/strict";
import { tf } from "../../src/tfjs/tf.ts";
import { readImdbNpz, type WordIndex } from "../../src/data/imdb.ts";
import { buildModel } from "../../src/tfjs/models.ts";
import { predictReview, reviewToInput } from "../../src/tfjs/predict_review.ts";
import { realData } from "../_real_data.ts";

/** A tiny word index (ranks as Keras', `the` = 1): ids are rank + 3. */
const WORD_INDEX: WordIndex = { the: 1, movie: 17, great: 30, awful: 500, zebra: 5000 };
/** "was" is not in the index; "The" is too common (id 4 < skipTop 20); "zebra" too rare. */
const TEXT = "The movie was GREAT... awful! zebra";

/** [0, ..., 0, ...ids] of length 100: the book's pre-padding. */
function prePadded(ids: number[], maxlen = 100): number[] {
  return [...Array(maxlen - ids.length).fill(0), ...ids];
}

Deno.test("reviewToInput: the training preprocessing, by hand", async (t) => {
  await t.step("embedding model: ids [1, 100], rare and common words dropped", () => {
    const model = buildModel("embedding_lstm", { seed: 1 });
    const x = reviewToInput(model, TEXT, { wordIndex: WORD_INDEX });
    assert.deepEqual(x.shape, [1, 100]);
    assert.equal(x.dtype, "int32");
    // movie 17+3, great 30+3, awful 500+3; the (4 < 20) and zebra (5003 >= 1000) were OOV.
    assert.deepEqual(Array.from(x.data), prePadded([20, 33, 503]));
  });

  await t.step("one-hot model: numWords 100 from the model, one-hot [1, 100, 100]", () => {
    const model = buildModel("simple_rnn_onehot", { seed: 1 });
    const x = reviewToInput(model, TEXT, { wordIndex: WORD_INDEX });
    assert.deepEqual(x.shape, [1, 100, 100]);
    assert.equal(x.dtype, "float32");
    const hot = Array.from(
      { length: 100 },
      (_, step) => x.data.indexOf(1, step * 100) - step * 100,
    );
    assert.deepEqual(hot, prePadded([20, 33])); // awful (503) is beyond num_words=100
  });

  await t.step("maxlen keeps the last words, as pad_sequences' truncating='pre'", () => {
    const model = buildModel("embedding_lstm", { seed: 1 });
    const x = reviewToInput(model, "movie great awful", { wordIndex: WORD_INDEX, maxlen: 2 });
    assert.deepEqual(Array.from(x.data), [33, 503]);
  });

  await t.step("a clear error when no word is in the vocabulary", () => {
    const model = buildModel("embedding_lstm", { seed: 1 });
    assert.throws(
      () => reviewToInput(model, "the zebra", { wordIndex: WORD_INDEX }),
      /No word of the review is in the model's vocabulary \(ids 20\.\.999\)/,
    );
  });
});

Deno.test("predictReview = model.predict on the prepared ids", () => {
  for (const kind of ["embedding_simple_rnn", "simple_rnn_onehot"] as const) {
    const model = buildModel(kind, { seed: 3 });
    const p = predictReview(model, TEXT, { wordIndex: WORD_INDEX });
    const ids = tf.tensor2d(
      [prePadded(kind === "simple_rnn_onehot" ? [20, 33] : [20, 33, 503])],
      [1, 100],
      "int32",
    );
    const x = kind === "simple_rnn_onehot" ? tf.oneHot(ids, 100).toFloat() : ids;
    const expected = (model.predict(x) as ReturnType<typeof tf.tensor>).dataSync()[0];
    assert.equal(p, expected);
    assert.ok(p > 0 && p < 1);
    tf.dispose([ids, x]);
  }
});

const real = realData("predict_review_test on real data", [
  "imdb.npz",
  "imdb_word_index.json",
  "reviews_sample.jsonl",
]);

Deno.test({
  name: "reviewToInput of real review texts = their rows of imdb.npz, prepared as in 9-2",
  ignore: real.ignore,
  fn: async () => {
    const raw = await readImdbNpz(real.paths["imdb.npz"]);
    const wordIndex: WordIndex = JSON.parse(
      await Deno.readTextFile(real.paths["imdb_word_index.json"]),
    );
    const samples = (await Deno.readTextFile(real.paths["reviews_sample.jsonl"]))
      .trim().split("\n").map((line) => JSON.parse(line)).slice(0, 40);
    const models = {
      100: buildModel("simple_rnn_onehot", { seed: 1 }),
      1000: buildModel("embedding_lstm", { seed: 1 }),
    };
    for (const sample of samples) {
      const ranks = (sample.split === "train" ? raw.xTrain : raw.xTest)[sample.position];
      for (const numWords of [100, 1000] as const) {
        // load_data(num_words, skip_top=20): start 1, rank + 3, out of range -> 2; then w > 2.
        const ids = [1, ...Array.from(ranks, (r) => r + 3)]
          .map((w) => (w >= 20 && w < numWords ? w : 2))
          .filter((w) => w > 2)
          .slice(-100);
        const x = reviewToInput(models[numWords], sample.text, { wordIndex });
        const got = numWords === 1000
          ? Array.from(x.data)
          : Array.from({ length: 100 }, (_, s) => x.data.indexOf(1, s * 100) - s * 100);
        assert.deepEqual(got, prePadded(ids), `${sample.file} num_words=${numWords}`);
      }
    }
  },
});
