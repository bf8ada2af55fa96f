import assert from "node:assert/strict";
import { tf } from "../../src/tfjs/tf.ts";
import type { Tensor } from "@tensorflow/tfjs";
import { permuteAxes, stockTransposeConfig } from "../../src/kernels/transpose.ts";

/** Runs the replaced stock cpu kernel directly. */
function stockTranspose(x: Tensor, perm: number[]): number[] {
  assert.ok(stockTransposeConfig, "the stock kernel was registered before ours");
  const backend = tf.backend();
  const info = stockTransposeConfig.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as {
    dataId: object;
  };
  const values = Array.from(backend.readSync(info.dataId) as Float32Array);
  backend.disposeData(info.dataId);
  return values;
}

/** Every permutation of [0, n). */
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)])
  );
}

Deno.test("Transpose strided kernel", async (t) => {
  await t.step("equals the stock kernel for every permutation up to rank 4", () => {
    for (const shape of [[5], [3, 4], [2, 3, 4], [2, 1, 3, 5]]) {
      for (const perm of permutations(shape.length)) {
        tf.tidy(() => {
          const size = shape.reduce((a, b) => a * b, 1);
          const x = tf.tensor(Array.from({ length: size }, (_, i) => i), shape, "int32");
          const got = tf.transpose(x, perm);
          assert.deepEqual(got.shape, perm.map((a) => shape[a]));
          assert.equal(got.dtype, "int32");
          assert.deepEqual(Array.from(got.dataSync()), stockTranspose(x, perm), `${shape} ${perm}`);
        });
      }
    }
  });

  await t.step("copies (never aliases) for the identity permutation", () => {
    const x = new Float32Array([1, 2, 3, 4]);
    const y = permuteAxes(x, [2, 2], [0, 1]);
    assert.notEqual(y, x);
    assert.deepEqual(Array.from(y), [1, 2, 3, 4]);
  });

  await t.step("rejects a perm that is not a permutation", () => {
    assert.throws(() => tf.transpose(tf.zeros([2, 3]), [0, 0]), /not a permutation/);
  });
});
