import assert from "node:assert/strict";
import { getWordIndex } from "../../src/data/imdb.ts";
import type { WordIndex } from "../../src/data/tokenize.ts";
import {
  modelInput,
  modelVocabulary,
  prefixIds,
  reviewIds,
  reviewWords,
} from "../../src/data/review_input.ts";
import { realData } from "../_real_data.ts";

/** Ranks as Keras's (`the` = 1); ids are rank + 3. */
const WORD_INDEX: WordIndex = { the: 1, a: 3, movie: 17, great: 30, awful: 500, zebra: 5000 };

const real = realData("review_input tests on real data", [
  "imdb_word_index.json",
  "reviews_sample.jsonl",
]);

Deno.test("reviewWords: each word's fate and id, by hand", () => {
  const words = reviewWords("The movie, a GREAT... awful zebra! Wasn't it?", WORD_INDEX, {
    numWords: 1000,
  });
  assert.deepEqual(words, [
    { word: "the", id: null, fate: "skipped" }, // id 4 < skip_top 20
    { word: "movie", id: 20, fate: "read" },
    { word: "a", id: null, fate: "skipped" },
    { word: "great", id: 33, fate: "read" },
    { word: "awful", id: 503, fate: "read" },
    { word: "zebra", id: null, fate: "unknown" }, // id 5003 >= num_words 1000
    { word: "wasn't", id: null, fate: "unknown" }, // not in the index
    { word: "it", id: null, fate: "unknown" },
  ]);
  const few = reviewWords("movie awful", WORD_INDEX, { numWords: 100 });
  assert.deepEqual(few.map((w) => w.fate), ["read", "unknown"]); // 503 >= 100
  const none = reviewWords("the movie", WORD_INDEX, { numWords: 100, skipTop: 0 });
  assert.deepEqual(none.map((w) => w.id), [4, 20]); // without skip_top, "the" is read
});

Deno.test("reviewIds: padded in front, the last maxlen ids kept; an error without words", () => {
  const ids = reviewIds("the movie great awful", WORD_INDEX, { numWords: 1000, maxlen: 4 });
  assert.deepEqual(ids.shape, [1, 4]);
  assert.deepEqual(ids.data, Int32Array.of(0, 20, 33, 503));
  const cut = reviewIds("movie great awful", WORD_INDEX, { numWords: 1000, maxlen: 2 });
  assert.deepEqual(cut.data, Int32Array.of(33, 503));
  assert.throws(
    () => reviewIds("the zebra", WORD_INDEX, { numWords: 1000 }),
    /^Error: No word of the review is in the model's vocabulary \(ids 20\.\.999\): "the zebra"$/,
  );
});

Deno.test("prefixIds: one row per word read, the last one reviewIds", () => {
  const options = { numWords: 1000, maxlen: 3 };
  const text = "movie the great zebra awful movie";
  const rows = prefixIds(reviewWords(text, WORD_INDEX, options), options);
  assert.deepEqual(rows.shape, [4, 3]);
  assert.deepEqual(Array.from(rows.data), [0, 0, 20, 0, 20, 33, 20, 33, 503, 33, 503, 20]);
  assert.deepEqual(rows.data.slice(-3), reviewIds(text, WORD_INDEX, options).data);
  assert.deepEqual(prefixIds([], options).shape, [0, 3]);
});

Deno.test("modelInput: ids as they are, or one-hot float32", () => {
  const ids = reviewIds("movie great", WORD_INDEX, { numWords: 100, maxlen: 3 });
  assert.equal(modelInput(ids), ids);
  const x = modelInput(ids, { oneHot: 100 });
  assert.deepEqual(x.shape, [1, 3, 100]);
  assert.equal(x.dtype, "float32");
  assert.deepEqual([0, 1, 2].map((s) => x.data.indexOf(1, s * 100) - s * 100), [0, 20, 33]);
});

Deno.test("modelVocabulary: the words a model can read", () => {
  assert.deepEqual(modelVocabulary(WORD_INDEX, { numWords: 100 }), {
    the: 1,
    a: 3,
    movie: 17,
    great: 30,
  });
  const odd = modelVocabulary(JSON.parse('{"__proto__": 5, "x": 9000}'), { numWords: 100 });
  assert.ok(Object.hasOwn(odd, "__proto__"));
  assert.deepEqual(reviewWords("__proto__ x", odd, { numWords: 100 }).map((w) => w.id), [
    null,
    null,
  ]); // id 8 < skip_top 20; x is unknown
});

Deno.test({
  name: "real reviews: the small vocabulary reads them as the whole index, word by word",
  ignore: real.ignore,
  fn: async () => {
    const wordIndex = await getWordIndex({ path: real.paths["imdb_word_index.json"] });
    const texts = (await Deno.readTextFile(real.paths["reviews_sample.jsonl"]))
      .trim().split("\n").map((line) => JSON.parse(line).text as string);
    assert.equal(texts.length, 200);
    for (const numWords of [100, 1000]) {
      const small = modelVocabulary(wordIndex, { numWords });
      assert.equal(Object.keys(small).length, numWords - 4); // ranks 1 .. numWords - 4
      for (const [i, text] of texts.entries()) {
        const options = { numWords };
        const words = reviewWords(text, wordIndex, options);
        assert.deepEqual(reviewWords(text, small, options), words, `review ${i}`);
        const ids = reviewIds(text, wordIndex, options);
        assert.deepEqual(reviewIds(text, small, options), ids, `review ${i}`);
        // The words read, in order, are the ids the whole review pads (the last maxlen of them).
        const rows = prefixIds(words, options);
        assert.deepEqual(rows.data.slice(-100), ids.data, `review ${i}`);
      }
    }
  },
});
