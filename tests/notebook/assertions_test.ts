import assert from "node:assert/strict";
import {
  assertBetween,
  assertClose,
  assertEqual,
  assertShape,
  formatValue,
  numpyStr,
} from "../../src/notebook/assertions.ts";
import { ndarray } from "../../src/data/ndarray.ts";

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

Deno.test("formatValue writes values as the assertions quote them", () => {
  assert.equal(formatValue(Float32Array.of(0.5, 2)), "[0.5, 2]");
  assert.equal(formatValue([[1, 2], [3]]), "[[1, 2], [3]]");
  assert.equal(formatValue("movie"), '"movie"');
  assert.equal(formatValue(17), "17");
});
