import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { decodeReview, getWordIndex, loadImdb, type LoadImdbOptions } from "../../src/data/imdb.ts";
import { dropIds } from "../../src/data/preprocessing.ts";

/** Keras load_data run by numpy on the same file (scripts/fixtures/imdb_load_data.py). */
const fixture = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/imdb_load_data.json", import.meta.url)),
);

const dataDir = Deno.env.get("IMDB_DATA_DIR");
const haveData = dataDir !== undefined && (() => {
  try {
    return Deno.statSync(`${dataDir}/imdb.npz`).isFile &&
      Deno.statSync(`${dataDir}/imdb_word_index.json`).isFile;
  } catch {
    return false;
  }
})();
if (!haveData) {
  console.log("%cSKIPPING imdb tests on real data: set IMDB_DATA_DIR", "color: yellow");
}

/** sha256 over (int32 length, int32 ids...) of every sequence, as the fixture script hashes. */
function digestSeqs(seqs: Int32Array[]): string {
  const h = createHash("sha256");
  for (const s of seqs) {
    h.update(new Uint8Array(Int32Array.of(s.length).buffer));
    h.update(new Uint8Array(s.buffer, s.byteOffset, s.byteLength));
  }
  return h.digest("hex");
}
const digest = (a: Int32Array) =>
  createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex");

/** Keras's snake_case options -> ours. */
function options(py: Record<string, number | null>): LoadImdbOptions {
  const names: Record<string, keyof LoadImdbOptions> = {
    num_words: "numWords",
    skip_top: "skipTop",
    maxlen: "maxlen",
    seed: "seed",
    start_char: "startChar",
    oov_char: "oovChar",
    index_from: "indexFrom",
  };
  return Object.fromEntries(Object.entries(py).map(([k, v]) => [names[k], v]));
}

Deno.test("loadImdb: bad options are clear errors", async () => {
  await assert.rejects(
    loadImdb({ numWords: 20, skipTop: 20 }),
    /numWords \(20\) must be greater than skipTop \(20\)/,
  );
  await assert.rejects(loadImdb({ numWords: 5, skipTop: 10 }), /numWords \(5\)/);
  await assert.rejects(loadImdb({ maxlen: -1 }), /maxlen must be an integer >= 0, got -1/);
  await assert.rejects(loadImdb({ skipTop: 1.5 }), /skipTop .* got 1.5/);
  await assert.rejects(
    loadImdb({ path: "/nonexistent/imdb.npz" }),
    /imdb\.npz: no file at path "\/nonexistent\/imdb\.npz"/,
  );
});

Deno.test("loadImdb: no file while offline is an error saying how to supply it", async () => {
  const empty = await Deno.makeTempDir();
  const saved = { data: Deno.env.get("IMDB_DATA_DIR"), keras: Deno.env.get("KERAS_HOME") };
  try {
    Deno.env.delete("IMDB_DATA_DIR");
    Deno.env.set("KERAS_HOME", empty);
    await assert.rejects(
      loadImdb({ downloadDir: empty, download: { offline: true } }),
      /imdb\.npz not found and downloads are off \(offline\).*storage\.googleapis\.com.*IMDB_DATA_DIR/,
    );
    await assert.rejects(
      getWordIndex({ downloadDir: empty, download: { offline: true } }),
      /imdb_word_index\.json not found/,
    );
    assert.deepEqual([...Deno.readDirSync(empty)], []);
  } finally {
    if (saved.data !== undefined) Deno.env.set("IMDB_DATA_DIR", saved.data);
    if (saved.keras !== undefined) Deno.env.set("KERAS_HOME", saved.keras);
    else Deno.env.delete("KERAS_HOME");
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test({
  name: "loadImdb: the book's printed outputs (real data)",
  ignore: !haveData,
  fn: async (t) => {
    const { xTrain, yTrain, xTest, yTest } = await loadImdb({ skipTop: 20, numWords: 100 });
    await t.step("(25000,) (25000,)", () => {
      assert.equal(xTrain.length, 25000);
      assert.equal(yTrain.length, 25000);
      assert.equal(xTest.length, 25000);
      assert.equal(yTest.length, 25000);
    });
    await t.step("x_train_all[0] is the book's list", () => {
      assert.deepEqual(Array.from(xTrain[0]), fixture.cases[0].x_train_head[0]);
      assert.deepEqual(Array.from(xTrain[0].subarray(0, 10)), [2, 2, 22, 2, 43, 2, 2, 2, 2, 65]);
      assert.equal(xTrain[0].length, 218);
    });
    const dropped = dropIds(xTrain);
    await t.step("without ids <= 2: the book's 59 ids; 59 and 32 long", () => {
      assert.deepEqual(Array.from(dropped[0]), [
        ...[22, 43, 65, 66, 36, 25, 43, 50, 35, 39, 38, 50, 22, 22, 71, 87, 43, 38, 76, 22, 62],
        ...[66, 33, 38, 25, 51, 36, 48, 25, 33, 22, 28, 77, 52, 82, 36, 71, 43, 26, 46, 88, 98],
        ...[32, 56, 26, 22, 21, 26, 30, 51, 36, 28, 92, 25, 65, 38, 88, 32, 32],
      ]);
      assert.equal(dropped[0].length, 59);
      assert.equal(dropped[1].length, 32);
    });
    await t.step("y_train_all[:10] = [1 0 0 1 0 0 1 0 1 0]", () => {
      assert.deepEqual(Array.from(yTrain.subarray(0, 10)), [1, 0, 0, 1, 0, 0, 1, 0, 1, 0]);
    });
    await t.step("word_to_index['movie'] = 17, and the book's decoded words", async () => {
      const wordIndex = await getWordIndex();
      assert.equal(wordIndex.movie, 17);
      assert.equal(Object.keys(wordIndex).length, 88584);
      assert.equal(wordIndex.constructor, 74661); // a real word: a dictionary, not an Object
      assert.equal(
        decodeReview(dropped[0], wordIndex),
        "film just story really they you just there an from so there film film were great just " +
          "so much film would really at so you what they if you at film have been good also " +
          "they were just are out because them all up are film but are be what they have " +
          "don't you story so because all all",
      );
      assert.equal(decodeReview([0, 1, 2, 20], wordIndex), "[PAD] [START] [OOV] movie");
    });
  },
});

Deno.test({
  name: "loadImdb: equals Keras's load_data for other options (real data)",
  ignore: !haveData,
  fn: async (t) => {
    for (const c of fixture.cases) {
      await t.step(JSON.stringify(c.options), async () => {
        const d = await loadImdb(options(c.options));
        assert.equal(d.xTrain.length, c.n_train);
        assert.equal(d.xTest.length, c.n_test);
        assert.deepEqual(d.xTrain.slice(0, 2).map((s) => Array.from(s)), c.x_train_head);
        assert.deepEqual(d.xTest.slice(0, 2).map((s) => Array.from(s)), c.x_test_head);
        assert.equal(digestSeqs(d.xTrain), c.x_train_sha256);
        assert.equal(digestSeqs(d.xTest), c.x_test_sha256);
        assert.equal(digest(d.yTrain), c.y_train_sha256);
        assert.equal(digest(d.yTest), c.y_test_sha256);
      });
    }
    await t.step("a maxlen that keeps nothing is Keras's error", async () => {
      await assert.rejects(loadImdb({ maxlen: 1 }), /no sequence was kept\. Increase maxlen/);
    });
  },
});
