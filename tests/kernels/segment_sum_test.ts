import assert from "node:assert/strict";
import { tf } from "../../src/tfjs/tf.ts";
import type { Tensor, Tensor1D } from "@tensorflow/tfjs";
import { scatterAdd, stockUnsortedSegmentSumConfig } from "../../src/kernels/segment_sum.ts";

/** Deterministic pseudo-random numbers in [0, 1) (LCG), for test inputs. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** The definition, one element at a time: out[ids[i], k] += x[i, k]. */
function naiveSegmentSum(x: number[][], ids: number[], numSegments: number): number[][] {
  const out = Array.from({ length: numSegments }, () => new Array(x[0]?.length ?? 0).fill(0));
  ids.forEach((id, i) => {
    if (id < 0 || id >= numSegments) return;
    x[i].forEach((v, k) => out[id][k] += v);
  });
  return out;
}

/** Runs the replaced stock cpu kernel directly. */
function stockSegmentSum(x: Tensor, ids: Tensor, numSegments: number): number[] {
  assert.ok(stockUnsortedSegmentSumConfig, "the stock kernel was registered before ours");
  const backend = tf.backend();
  const info = stockUnsortedSegmentSumConfig.kernelFunc({
    inputs: { x, segmentIds: ids },
    backend,
    attrs: { numSegments },
  }) as { dataId: object };
  const values = Array.from(backend.readSync(info.dataId) as Float32Array);
  backend.disposeData(info.dataId);
  return values;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const ok = Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i]));
    assert.ok(ok, `element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

Deno.test("UnsortedSegmentSum scatter-add kernel", async (t) => {
  await t.step("is the registered cpu kernel", () => {
    const kernel = tf.getKernel("UnsortedSegmentSum", "cpu");
    assert.notEqual(kernel.kernelFunc, stockUnsortedSegmentSumConfig?.kernelFunc);
  });

  await t.step("equals the naive definition with repeated and out-of-range ids", () => {
    const rand = lcg(1);
    const ids = [3, 0, 3, 3, 7, 1, 0, -1, 9, 2]; // 3 repeated, 7 and 9 >= numSegments, -1 < 0
    const x = ids.map(() => [rand() - 0.5, rand() * 10, -rand()]);
    const got = tf.tidy(() =>
      tf.unsortedSegmentSum(tf.tensor2d(x), tf.tensor1d(ids, "int32"), 5).arraySync()
    );
    const want = naiveSegmentSum(x, ids, 5);
    assertClose(got.flat(), want.flat());
    assert.deepEqual(got[4], [0, 0, 0]); // a segment no id points to
  });

  await t.step("equals the stock kernel on float32, several ranks", () => {
    const rand = lcg(2);
    const cases: Array<{ xShape: number[]; idsShape: number[]; numSegments: number }> = [
      { xShape: [12], idsShape: [12], numSegments: 4 },
      { xShape: [20, 3], idsShape: [20], numSegments: 6 },
      { xShape: [4, 2, 3], idsShape: [4], numSegments: 7 },
      { xShape: [3, 2], idsShape: [3], numSegments: 1 },
    ];
    for (const { xShape, idsShape, numSegments } of cases) {
      tf.tidy(() => {
        const size = xShape.reduce((a, b) => a * b, 1);
        const nIds = idsShape.reduce((a, b) => a * b, 1);
        const x = tf.tensor(Array.from({ length: size }, () => rand() - 0.5), xShape);
        const ids = tf.tensor(
          Array.from({ length: nIds }, () => Math.floor(rand() * numSegments)),
          idsShape,
          "int32",
        );
        const got = tf.unsortedSegmentSum(x, ids as Tensor1D, numSegments); // ids of any rank
        assert.deepEqual(got.shape, [numSegments, ...xShape.slice(idsShape.length)]);
        assertClose(got.dataSync(), stockSegmentSum(x, ids, numSegments));
      });
    }
  });

  await t.step("takes ids of rank 2 (the stock kernel throws on them)", () => {
    const rand = lcg(4);
    const ids = Array.from({ length: 12 }, () => Math.floor(rand() * 5));
    const x = ids.map(() => [rand(), rand()]);
    const got = tf.tidy(() =>
      tf.unsortedSegmentSum(
        tf.tensor3d(x.flat(), [3, 4, 2]),
        tf.tensor2d(ids, [3, 4], "int32") as unknown as Tensor1D,
        5,
      ).arraySync()
    );
    assertClose(got.flat(2), naiveSegmentSum(x, ids, 5).flat());
  });

  await t.step("keeps int32 as int32 and sums exactly", () => {
    const got = tf.tidy(() => {
      const x = tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]], undefined, "int32");
      const s = tf.unsortedSegmentSum(x, tf.tensor1d([1, 1, 0, 1], "int32"), 3);
      assert.equal(s.dtype, "int32");
      return s.arraySync();
    });
    assert.deepEqual(got, [[5, 6], [11, 14], [0, 0]]);
  });

  await t.step("handles no ids and zero segments", () => {
    const empty = tf.tidy(() =>
      tf.unsortedSegmentSum(tf.zeros([0, 3]), tf.zeros([0], "int32"), 2).arraySync()
    );
    assert.deepEqual(empty, [[0, 0, 0], [0, 0, 0]]);
    assert.deepEqual(Array.from(scatterAdd([1, 2], [0, 0], 0, 1)), []);
  });

  await t.step("rejects segment ids whose shape is not a prefix of x's", () => {
    assert.throws(
      () => tf.unsortedSegmentSum(tf.zeros([4, 3]), tf.zeros([3], "int32"), 2),
      /segmentIds shape \[3\] must be a prefix of x shape \[4,3\]/,
    );
  });

  await t.step("gives the embedding gradient: oneHot(ids)ᵀ · dy", () => {
    const rand = lcg(3);
    const [vocabulary, width, batch, steps] = [50, 4, 3, 7];
    const ids = Array.from({ length: batch * steps }, () => Math.floor(rand() * 12)); // repeats
    const table = Array.from({ length: vocabulary * width }, () => rand() - 0.5);
    const weights = Array.from({ length: batch * steps * width }, () => rand() - 0.5);
    const [got, want] = tf.tidy(() => {
      const idsT = tf.tensor2d(ids, [batch, steps], "int32");
      const w = tf.tensor3d(weights, [batch, steps, width]);
      const loss = (e: Tensor) => tf.sum(tf.mul(tf.gather(e, idsT), w));
      const grad = tf.grad(loss)(tf.tensor2d(table, [vocabulary, width]));
      // d loss / d table = oneHot(ids)ᵀ [vocabulary, n] · w [n, width]
      const oneHot = tf.oneHot(tf.tensor1d(ids, "int32"), vocabulary).toFloat();
      const expected = tf.matMul(oneHot, w.reshape([batch * steps, width]), true, false);
      return [grad.dataSync(), expected.dataSync()];
    });
    assertClose(got, want);
  });
});
