import assert from "node:assert/strict";
import { tf } from "../../src/tfjs/tf.ts";
import { RowBatches } from "../../src/tfjs/_train_step.ts";

/** The non-zero entries of x [rows, width] by plain loops (compressed sparse rows). */
function plainSparse(x: Float32Array, rows: number, width: number) {
  const start = [0], index: number[] = [], value: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let d = 0; d < width; d++) {
      if (x[r * width + d] !== 0) {
        index.push(d);
        value.push(x[r * width + d]);
      }
    }
    start.push(index.length);
  }
  return { start, index, value };
}

/** Float32 [n, steps, width] one-hot rows, some zero (one with −0), one sample not one-hot. */
function oneHotData(n: number, steps: number, width: number, seed: number): Float32Array {
  const x = new Float32Array(n * steps * width);
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let r = 0; r < n * steps; r++) {
    if (next() < 0.2) continue; // a zero row (padding)
    x[r * width + Math.floor(next() * width)] = 1;
  }
  x[3 * width + 1] = -0; // row 3: a zero row all the same (if it had no 1, else a 1 and a −0)
  x[(2 * steps + 1) * width + 2] = 0.5; // sample 2: a row with another value
  return x;
}

Deno.test("RowBatches.gather's sparse rows are sparseRows' of the gathered x, epoch after epoch", () => {
  const [n, steps, width] = [9, 5, 8];
  const data = oneHotData(n, steps, width, 7);
  const xs = tf.tensor3d(data, [n, steps, width]);
  const ys = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 2));
  const batches = new RowBatches(xs, ys);
  const orders = [[0, 1, 2, 3], [4, 5, 6, 7, 8], [8, 3, 0, 1], [2, 5, 5, 6], [7, 4, 1, 0]];
  for (let epoch = 0; epoch < 3; epoch++) {
    for (const order of orders) {
      const batch = batches.gather(order, 0, order.length);
      assert.ok(batch.sparse != null);
      const want = plainSparse(batch.x as Float32Array, order.length * steps, width);
      assert.deepEqual(Array.from(batch.sparse.start), want.start);
      assert.deepEqual(Array.from(batch.sparse.index), want.index);
      assert.deepEqual(Array.from(batch.sparse.value), want.value);
      assert.equal(batch.sparse.index.length, want.index.length);
      assert.equal(batch.sparse.value.length, want.value.length);
      for (let i = 0; i < order.length; i++) {
        // the data's rows, but a −0 may come back +0 (batches written from the cache)
        const row = data.slice(order[i] * steps * width, (order[i] + 1) * steps * width)
          .map((v) => v === 0 ? 0 : v);
        const got = batch.x.slice(i * steps * width, (i + 1) * steps * width).map((v) =>
          v === 0 ? 0 : v
        );
        assert.deepEqual(got, row);
      }
    }
  }
  tf.dispose([xs, ys]);
});

Deno.test("RowBatches.gather: dense rows give null, then leave the kernels to look", () => {
  const [n, steps, width] = [4, 3, 4];
  const xs = tf.tensor3d(Array.from({ length: n * steps * width }, (_, i) => i + 1), [
    n,
    steps,
    width,
  ]);
  const ys = tf.tensor1d([0, 1, 0, 1]);
  const batches = new RowBatches(xs, ys);
  assert.equal(batches.gather([0, 1], 0, 2).sparse, null);
  assert.equal(batches.gather([2, 3], 0, 2).sparse, undefined);
  tf.dispose([xs, ys]);
});

Deno.test("RowBatches.gather: word ids have no sparse rows", () => {
  const xs = tf.tensor2d([[1, 2], [3, 4]], [2, 2], "int32");
  const ys = tf.tensor1d([0, 1]);
  assert.equal(new RowBatches(xs, ys).gather([1, 0], 0, 2).sparse, undefined);
  tf.dispose([xs, ys]);
});

Deno.test("RowBatches.gather: one-hot batches written from the cache equal the copied rows", () => {
  // every sample one-hot or zero rows (cacheable): from the second epoch on, each batch is
  // written as zeros and 1s over the last one's, including a smaller batch after a larger one
  const [n, steps, width] = [10, 4, 6];
  const data = new Float32Array(n * steps * width);
  for (let r = 0; r < n * steps; r++) if (r % 5 !== 2) data[r * width + ((r * 7) % width)] = 1;
  const xs = tf.tensor3d(data, [n, steps, width]);
  const ys = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 2));
  const batches = new RowBatches(xs, ys);
  const orders = [[0, 1, 2, 3], [9, 8, 7, 6], [5, 4], [3, 3, 1, 0], [6]];
  for (let epoch = 0; epoch < 3; epoch++) {
    for (const order of orders) {
      const batch = batches.gather(order, 0, order.length);
      assert.equal(batch.x.length, order.length * steps * width);
      for (let i = 0; i < order.length; i++) {
        const row = data.subarray(order[i] * steps * width, (order[i] + 1) * steps * width);
        assert.deepEqual(batch.x.subarray(i * steps * width, (i + 1) * steps * width), row);
      }
      const want = plainSparse(batch.x as Float32Array, order.length * steps, width);
      assert.deepEqual(Array.from(batch.sparse!.index), want.index);
      assert.deepEqual(Array.from(batch.labels), order.map((i) => i % 2));
    }
  }
  tf.dispose([xs, ys]);
});
