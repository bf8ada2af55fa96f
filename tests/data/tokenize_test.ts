import assert from "node:assert/strict";
import { getWordIndex, readImdbNpz } from "../../src/data/imdb.ts";
import { encodeReview, textToSequence, tokenize } from "../../src/data/tokenize.ts";
import { realData } from "../_real_data.ts";

const real = realData("tokenize tests on real data", [
  "imdb.npz",
  "imdb_word_index.json",
  "reviews_sample.jsonl",
]);

Deno.test("tokenize: Keras text_to_word_sequence rules", () => {
  assert.deepEqual(tokenize("This movie was GREAT!<br /><br />Loved it."), [
    "this",
    "movie",
    "was",
    "great",
    "br",
    "br",
    "loved",
    "it",
  ]);
  assert.deepEqual(tokenize("don't\tstop\nnow--ok?"), ["don't", "stop", "now", "ok"]);
  assert.deepEqual(tokenize("  "), []);
});

Deno.test("encodeReview: load_data's start char, offset and vocabulary cut", () => {
  const wordIndex = Object.freeze({ the: 1, a: 3, movie: 17, great: 84, zyzzyva: 5000 });
  assert.deepEqual(Array.from(encodeReview("The great movie", wordIndex)), [1, 4, 87, 20]);
  assert.deepEqual(
    Array.from(encodeReview("The great movie, zyzzyva! unknownword", wordIndex, {
      numWords: 100,
      skipTop: 20,
    })),
    [2, 2, 87, 20, 2],
  );
  assert.deepEqual(
    Array.from(
      encodeReview("the great movie", wordIndex, { numWords: 100, skipTop: 20, oovChar: null }),
    ),
    [87, 20],
  );
  assert.throws(
    () => encodeReview("x", wordIndex, { numWords: 20, skipTop: 20 }),
    /numWords \(20\)/,
  );
});

Deno.test({
  name: "tokenize: the 200 reviews of reviews_sample.jsonl give exactly their imdb.npz sequences",
  ignore: real.ignore,
  fn: async () => {
    const raw = await readImdbNpz(real.paths["imdb.npz"]);
    const wordIndex = await getWordIndex({ path: real.paths["imdb_word_index.json"] });
    const lines = (await Deno.readTextFile(real.paths["reviews_sample.jsonl"])).trim().split("\n");
    assert.equal(lines.length, 200);
    for (const line of lines) {
      const review = JSON.parse(line);
      const stored = review.split === "train" ? raw.xTrain : raw.xTest;
      const labels = review.split === "train" ? raw.yTrain : raw.yTest;
      assert.deepEqual(
        Array.from(textToSequence(review.text, wordIndex)),
        Array.from(stored[review.position]),
        `${review.file}`,
      );
      assert.equal(labels[review.position], review.label);
    }
  },
});
