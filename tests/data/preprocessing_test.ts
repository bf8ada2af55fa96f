import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ndarray } from "../../src/data/ndarray.ts";
import {
  dropIds,
  padSequences,
  prepareImdb,
  takeRows,
  toCategorical,
  trainValSplit,
} from "../../src/data/preprocessing.ts";
import { realData } from "../_real_data.ts";

/** Keras's algorithms run by numpy (scripts/fixtures/preprocessing.py). */
const fixture = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/preprocessing.json", import.meta.url)),
);
/** Keras load_data + the book's preparation run by numpy (scripts/fixtures/imdb_load_data.py). */
const imdbFixture = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/imdb_load_data.json", import.meta.url)),
);

const real = realData("prepareImdb tests on real data", ["imdb.npz"]);

const sha256 = (a: ArrayBufferView) =>
  createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex");

Deno.test("padSequences", async (t) => {
  await t.step("Keras docstring examples", () => {
    const seqs = [[1], [2, 3], [4, 5, 6]];
    assert.deepEqual(Array.from(padSequences(seqs).data), [0, 0, 1, 0, 2, 3, 4, 5, 6]);
    assert.deepEqual(Array.from(padSequences(seqs, { value: -1 }).data), [
      -1,
      -1,
      1,
      -1,
      2,
      3,
      4,
      5,
      6,
    ]);
    assert.deepEqual(Array.from(padSequences(seqs, { padding: "post" }).data), [
      1,
      0,
      0,
      2,
      3,
      0,
      4,
      5,
      6,
    ]);
    const cut = padSequences(seqs, { maxlen: 2 });
    assert.deepEqual(cut.shape, [3, 2]);
    assert.deepEqual(Array.from(cut.data), [0, 1, 2, 3, 5, 6]);
    assert.equal(cut.dtype, "int32");
  });

  await t.step("every option equals Keras's numpy algorithm", () => {
    for (const c of fixture.pad) {
      const out = padSequences(fixture.seqs, c.options);
      assert.deepEqual(out.shape, c.shape, JSON.stringify(c.options));
      assert.deepEqual(Array.from(out.data), c.data, JSON.stringify(c.options));
      assert.equal(out.dtype, c.options.dtype ?? "int32");
    }
  });

  await t.step("does not modify its input; rejects bad options", () => {
    const seqs = [Int32Array.from([1, 2, 3])];
    padSequences(seqs, { maxlen: 2 });
    assert.deepEqual(Array.from(seqs[0]), [1, 2, 3]);
    assert.throws(() => padSequences(seqs, { maxlen: -1 }), /maxlen .* got -1/);
    // @ts-expect-error: wrong padding on purpose
    assert.throws(() => padSequences(seqs, { padding: "mid" }), /Padding type "mid"/);
  });
});

Deno.test("toCategorical", async (t) => {
  await t.step("equals Keras's numpy algorithm, float32, shape [...x.shape, numClasses]", () => {
    for (const c of fixture.categorical) {
      const flat = (c.x as unknown[]).flat(3) as number[];
      const shape: number[] = [];
      for (let v: unknown = c.x; Array.isArray(v); v = v[0]) shape.push(v.length);
      const x = ndarray({ shape, dtype: "int32", data: Int32Array.from(flat) });
      const out = toCategorical(x, c.num_classes ?? undefined);
      assert.equal(out.dtype, "float32");
      assert.deepEqual(out.shape, c.shape);
      assert.deepEqual(Array.from(out.data), c.data);
    }
    assert.deepEqual(toCategorical([0, 2]).shape, [2, 3]);
  });

  await t.step("rejects ids outside [0, numClasses)", () => {
    assert.throws(() => toCategorical([0, 5], 3), /id 5 at index 1 is not an integer in \[0, 3\)/);
    assert.throws(() => toCategorical([-1]), /id -1/);
    assert.throws(() => toCategorical([1], 0), /numClasses .* got 0/);
  });
});

Deno.test("dropIds, takeRows, trainValSplit", () => {
  const seqs = [Int32Array.from([2, 2, 22, 1, 43, 0]), Int32Array.from([3])];
  assert.deepEqual(dropIds(seqs).map((s) => Array.from(s)), [[22, 43], [3]]);
  assert.deepEqual(Array.from(seqs[0]), [2, 2, 22, 1, 43, 0]);
  assert.deepEqual(takeRows(["a", "b", "c"], [2, 0]), ["c", "a"]);
  assert.throws(() => takeRows(["a"], [1]), /index 1 outside \[0, 1\)/);
  // np.random.seed(42); np.random.permutation(10) == [8 1 5 0 7 2 9 4 3 6]
  const x = Array.from({ length: 10 }, (_, i) => `s${i}`);
  const y = Int32Array.from({ length: 10 }, (_, i) => i);
  const split = trainValSplit(x, y, { nTrain: 7, seed: 42 });
  assert.deepEqual(split.xTrain, ["s8", "s1", "s5", "s0", "s7", "s2", "s9"]);
  assert.deepEqual(Array.from(split.yVal), [4, 3, 6]);
  assert.throws(() => trainValSplit(x, y, { nTrain: 11 }), /nTrain .* got 11/);
  assert.throws(() => trainValSplit(x, y.subarray(1), { nTrain: 1 }), /10 samples, y has 9/);
});

Deno.test({
  name: "prepareImdb: the book's 9-2 arrays (real data)",
  ignore: real.ignore,
  fn: async (t) => {
    const p = await prepareImdb({ numWords: 100 });
    const ref = imdbFixture.prepared;
    await t.step("shapes (20000, 100) and (5000, 100), test (25000, 100)", () => {
      assert.deepEqual(p.xTrain.shape, [20000, 100]);
      assert.deepEqual(p.xVal.shape, [5000, 100]);
      assert.deepEqual(p.xTest.shape, [25000, 100]);
      assert.equal(p.xTrain.dtype, "int32");
    });
    await t.step("x_train_seq[0] is the book's printed row", () => {
      const book = [
        ...new Array(62).fill(0),
        ...[35, 40, 27, 28, 40, 22, 83, 31, 85, 45, 24, 23, 31, 70, 31, 76, 30, 98, 32, 22],
        ...[28, 51, 75, 56, 30, 33, 97, 53, 38, 46, 53, 74, 31, 35, 23, 34, 22, 58],
      ];
      assert.deepEqual(Array.from(p.xTrain.data.subarray(0, 100)), book);
    });
    await t.step("every array equals numpy's", () => {
      assert.equal(sha256(p.xTrain.data), ref.x_train_seq_sha256);
      assert.equal(sha256(p.xVal.data), ref.x_val_seq_sha256);
      assert.equal(sha256(p.xTest.data), ref.x_test_seq_sha256);
      assert.equal(sha256(p.yTrain), ref.y_train_sha256);
      assert.equal(sha256(p.yVal), ref.y_val_sha256);
      assert.equal(sha256(p.yTest), ref.y_test_sha256);
      assert.deepEqual(Array.from(p.xVal.data.subarray(0, 100)), ref.x_val_seq_0);
    });
    await t.step(
      "one-hot: (5000, 100, 100) equals numpy's; (20000, 100, 100) is 800,000,000 bytes",
      () => {
        assert.equal(sha256(toCategorical(p.xVal).data), ref.x_val_onehot_sha256);
        const onehot = toCategorical(p.xTrain);
        assert.deepEqual(onehot.shape, [20000, 100, 100]);
        assert.equal(onehot.nbytes, 800_000_000);
        // x_train_seq[0][62] = 35: one-hot row [0, 62] has its 1 at 35
        assert.equal(onehot.data[62 * 100 + 35], 1);
        assert.equal(onehot.data[62 * 100 + 34], 0);
      },
    );
  },
});
