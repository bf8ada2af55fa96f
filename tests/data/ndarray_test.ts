import assert from "node:assert/strict";
import { firstRows, ndarray, shapeString, size } from "../../src/data/ndarray.ts";

Deno.test("ndarray", async (t) => {
  await t.step("zero-filled with numpy's nbytes", () => {
    const a = ndarray({ shape: [2, 3, 4], dtype: "float32" });
    assert.deepEqual(a.shape, [2, 3, 4]);
    assert.equal(a.data.length, 24);
    assert.equal(a.nbytes, 96);
    assert.ok(a.data.every((v) => v === 0));
  });
  await t.step("wraps data without copying", () => {
    const data = new Int32Array([1, 2, 3, 4]);
    const a = ndarray({ shape: [2, 2], dtype: "int32", data });
    assert.equal(a.data, data);
  });
  await t.step("rejects data of the wrong length or type", () => {
    assert.throws(
      () => ndarray({ shape: [2, 2], dtype: "int32", data: new Int32Array(3) }),
      /3 elements, shape \[2, 2\] needs 4/,
    );
    assert.throws(
      // @ts-expect-error: wrong typed array on purpose
      () => ndarray({ shape: [2], dtype: "int32", data: new Float32Array(2) }),
      /Float32Array, expected Int32Array/,
    );
  });
  await t.step("size and shapeString", () => {
    assert.equal(size([]), 1);
    assert.equal(size([20000, 100, 100]), 200_000_000);
    assert.throws(() => size([2, -1]), /Invalid dimension -1/);
    assert.equal(shapeString([25000]), "(25000,)");
    assert.equal(shapeString([20000, 100, 100]), "(20000, 100, 100)");
  });
  await t.step("firstRows is a view of the leading rows", () => {
    const x = ndarray({
      shape: [3, 2, 2],
      dtype: "float32",
      data: Float32Array.from({ length: 12 }, (_, i) => i),
    });
    const head = firstRows(x, 2);
    assert.deepEqual(head.shape, [2, 2, 2]);
    assert.deepEqual([...head.data], [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(head.data.buffer, x.data.buffer);
    assert.deepEqual(firstRows(x, 0).shape, [0, 2, 2]);
    assert.throws(() => firstRows(x, 4), /n = 4 is not an integer in \[0, 3\]/);
    assert.throws(() => firstRows(x, 1.5), /n = 1.5/);
  });
});
