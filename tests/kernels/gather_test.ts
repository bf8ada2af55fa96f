import assert from "node:assert/strict";
import { tf } from "../../src/tfjs/tf.ts";
import type { Tensor } from "@tensorflow/tfjs";
import { gatherSlices, stockGatherV2Config } from "../../src/kernels/gather.ts";

/** Runs the replaced stock cpu kernel directly. */
function stockGather(x: Tensor, indices: Tensor, axis: number, batchDims: number) {
  assert.ok(stockGatherV2Config, "the stock kernel was registered before ours");
  const backend = tf.backend();
  const info = stockGatherV2Config.kernelFunc({
    inputs: { x, indices },
    backend,
    attrs: { axis, batchDims },
  }) as { dataId: object; shape: number[] };
  const values = Array.from(backend.readSync(info.dataId) as Float32Array);
  backend.disposeData(info.dataId);
  return { values, shape: info.shape };
}

Deno.test("GatherV2 slice-copy kernel", async (t) => {
  await t.step("is the registered cpu kernel", () => {
    assert.notEqual(tf.getKernel("GatherV2", "cpu").kernelFunc, stockGatherV2Config?.kernelFunc);
  });

  await t.step("equals the stock kernel over axes, batchDims, dtypes and id ranks", () => {
    const cases = [
      { xShape: [10, 4], idsShape: [3, 5], axis: 0, batchDims: 0, dtype: "float32" },
      { xShape: [10], idsShape: [7], axis: 0, batchDims: 0, dtype: "int32" },
      { xShape: [3, 6, 2], idsShape: [4], axis: 1, batchDims: 0, dtype: "float32" },
      { xShape: [3, 6, 2], idsShape: [2, 2], axis: -1, batchDims: 0, dtype: "float32" },
      { xShape: [2, 5, 3], idsShape: [2, 4], axis: 1, batchDims: 1, dtype: "float32" },
      { xShape: [4, 3], idsShape: [0], axis: 0, batchDims: 0, dtype: "float32" },
      { xShape: [5, 70], idsShape: [3], axis: 0, batchDims: 0, dtype: "float32" }, // long slices
    ] as const;
    for (const { xShape, idsShape, axis, batchDims, dtype } of cases) {
      tf.tidy(() => {
        const size = xShape.reduce((a: number, b: number) => a * b, 1);
        const x = tf.tensor(
          Array.from({ length: size }, (_, i) => i * 1.5 - 7),
          [...xShape],
          dtype,
        );
        const dim = xShape[axis < 0 ? axis + xShape.length : axis];
        const nIds = idsShape.reduce((a: number, b: number) => a * b, 1);
        const ids = tf.tensor(
          Array.from({ length: nIds }, (_, i) => (i * 7 + 3) % dim),
          [...idsShape],
          "int32",
        );
        const got = tf.gather(x, ids, axis, batchDims);
        const want = stockGather(x, ids, axis, batchDims);
        assert.deepEqual(got.shape, want.shape);
        assert.equal(got.dtype, dtype);
        assert.deepEqual(Array.from(got.dataSync()), want.values);
      });
    }
  });

  await t.step("throws for an id outside the table, naming it", () => {
    assert.throws(
      () => tf.gather(tf.zeros([5, 2]), tf.tensor1d([1, 5], "int32")),
      /index value 5 is not in \[0, 4\]/,
    );
    assert.throws(
      () =>
        gatherSlices(new Float32Array(4), [-1], {
          batchSize: 1,
          outerSize: 1,
          dimSize: 4,
          sliceSize: 1,
        }),
      /index value -1/,
    );
  });
});
