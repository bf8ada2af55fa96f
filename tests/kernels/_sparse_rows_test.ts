import assert from "node:assert/strict";
import { sparseRows } from "../../src/kernels/_sparse_rows.ts";

/** The non-zero entries listed by a plain loop, or null where sparseRows calls x dense. */
function plain(x: ArrayLike<number>, rows: number, inputDim: number) {
  const start = [0], index: number[] = [], value: number[] = [];
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let inRow = 0;
    for (let d = 0; d < inputDim; d++) {
      const v = x[r * inputDim + d];
      if (v === 0) continue;
      index.push(d);
      value.push(Math.fround(v));
      inRow++;
    }
    total += inRow;
    if (inRow > Math.ceil(0.5 * inputDim)) return null;
    start.push(index.length);
  }
  if (total > Math.ceil(0.5 * rows * inputDim)) return null;
  return { start, index, value };
}

Deno.test("sparseRows: float32 bits and plain values list the same entries", () => {
  let s = 3;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (const [rows, inputDim, density] of [[5, 7, 0.2], [40, 100, 0.01], [3, 17, 0.3], [4, 9, 0]]) {
    const x = Float32Array.from(
      { length: rows * inputDim },
      () => rand() < density ? rand() - 0.5 : 0,
    );
    x[1] = -0; // a zero
    if (rows * inputDim > 20) x[20] = NaN; // not a zero
    const expected = plain(x, rows, inputDim)!;
    for (const input of [x, Array.from(x)]) {
      const got = sparseRows(input, rows, inputDim)!;
      assert.deepEqual(Array.from(got.start), expected.start);
      assert.deepEqual(Array.from(got.index), expected.index);
      assert.deepEqual(Array.from(got.value), expected.value);
    }
  }
});

Deno.test("sparseRows: dense when a row is more than half non-zero, or all of x is", () => {
  // [3, 4]: row 0 has 3 of 4 non-zero (more than ⌈4 / 2⌉), x 5 of 12 (not more than 6)
  assert.equal(sparseRows(Float32Array.from([1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0]), 3, 4), null);
  assert.notEqual(sparseRows(Float32Array.from([1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0]), 3, 4), null);
  // [4, 4]: 2 per row (not more than 2), 8 of 16 (not more than 8); a ninth is more
  const half = [1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1, 1];
  assert.notEqual(sparseRows(Float32Array.from(half), 4, 4), null);
  assert.equal(sparseRows(Float32Array.from(half.map((v, i) => i === 2 ? 1 : v)), 4, 4), null);
  const embeddings = Float32Array.from({ length: 32 * 100 * 32 }, (_, i) => Math.sin(i) + 2);
  assert.equal(sparseRows(embeddings, 3200, 32), null);
});

Deno.test("sparseRows: one-hot and zero rows found in WebAssembly list the entries of the plain loop", () => {
  let s = 5;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  // rows of a multiple of 4 values (the WebAssembly path): one-hot, zero, a single value other
  // than 1, two values, a −0 beside a 1; more rows than one chunk of the kernels' memory
  for (const [rows, inputDim] of [[3200, 100], [7, 4], [700, 12]]) {
    const x = new Float32Array(rows * inputDim);
    for (let r = 0; r < rows; r++) {
      const o = r * inputDim, at = () => o + Math.floor(rand() * inputDim), kind = rand();
      if (kind < 0.6) x[at()] = 1;
      else if (kind < 0.7) x[at()] = 0.5;
      else if (kind < 0.8) [x[at()], x[at()]] = [1, -2];
      else if (kind < 0.9) [x[at()], x[at()]] = [1, -0];
    }
    const expected = plain(x, rows, inputDim)!;
    const got = sparseRows(x, rows, inputDim)!;
    assert.deepEqual(Array.from(got.start), expected.start);
    assert.deepEqual(Array.from(got.index), expected.index);
    assert.deepEqual(Array.from(got.value), expected.value);
    assert.ok(expected.index.length > rows / 2, "mostly one-hot rows");
  }
  // beside a one-hot row, a row with more than half of its 4 values non-zero: dense
  assert.equal(sparseRows(Float32Array.of(1, 0, 0, 0, 1, 0.5, 1, 0), 2, 4), null);
  assert.notEqual(sparseRows(Float32Array.of(1, 0, 0, 0, 1, 0, 1, 0), 2, 4), null);
});
