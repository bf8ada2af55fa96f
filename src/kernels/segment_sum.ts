/**
 * `UnsortedSegmentSum` as a scatter-add kernel for the tfjs `cpu` backend, registered on import.
 *
 * `tf.gather` (and so every `tf.layers.embedding`) takes its gradient through
 * `tf.unsortedSegmentSum(dy, ids, vocabularySize)`. The stock `cpu` kernel builds one mask
 * per segment (`equal`, `cast`, `mul`, `sum` for each of the 1,000 words of the vocabulary),
 * O(segments x ids x width): ~7 s per batch of 32 reviews of 100 words. A scatter-add walks the
 * ids once, O(ids x width): well under a millisecond for the same batch.
 *
 * Semantics (TensorFlow's `tf.math.unsorted_segment_sum`):
 * `out[s, ...] = sum of x[i..., ...] over every index i... with segmentIds[i...] === s`, for
 * `x` of shape `[...idsShape, ...inner]`, `segmentIds` int32 of shape `idsShape`, and `out` of
 * shape `[numSegments, ...inner]`. Ids outside `[0, numSegments)` are dropped (the stock kernel
 * drops them too). Sums accumulate in float64 and are stored in `x`'s dtype (int32 stays int32;
 * bool counts the `true`s into int32).
 *
 * `src/tfjs/tf.ts` imports this module after setting the backend, so every importer of `tf` gets it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf } from "../tfjs/tf.ts"; // registers the kernel
 *
 * const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]); // [3, 2]
 * const sums = tf.unsortedSegmentSum(x, tf.tensor1d([1, 0, 1], "int32"), 2);
 * assert.deepEqual(sums.arraySync(), [[3, 4], [6, 8]]); // row 0: x[1]; row 1: x[0] + x[2]
 * // The embedding gradient goes through it: d sum(gather(table, ids)) / d table counts the ids
 * const table = tf.zeros([3, 2]);
 * const grad = tf.grad((t) => tf.sum(tf.gather(t, tf.tensor1d([2, 0, 2], "int32"))))(table);
 * assert.deepEqual(grad.arraySync(), [[1, 1], [0, 0], [2, 2]]);
 * ```
 * @module
 */
import {
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  UnsortedSegmentSum,
} from "@tensorflow/tfjs-core";
// _internals.ts imports the cpu backend first: its stock kernels are registered before one is
// replaced here, whatever the import order.
import { cpuBackendOf, type NumericValues, replaceKernel } from "../tfjs/_internals.ts";

/** The backend the kernel is registered for. */
export const SEGMENT_SUM_BACKEND = "cpu";

/**
 * Scatter-add on typed arrays: the arithmetic of the kernel, pure (the arguments are not touched).
 *
 * @param x the values, flattened: `segmentIds.length` rows of `innerSize` numbers, row-major
 * @param segmentIds one id per row of `x`; ids outside `[0, numSegments)` are dropped
 * @param numSegments number of output rows
 * @param innerSize numbers per row (product of `x.shape` after the ids' dimensions)
 * @returns float64 sums, `numSegments * innerSize` numbers, row-major `[numSegments, innerSize]`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scatterAdd } from "./segment_sum.ts";
 *
 * const x = Float32Array.of(1, 2, 3, 4, 5, 6); // 3 rows of 2
 * assert.deepEqual(scatterAdd(x, Int32Array.of(1, 0, 1), 2, 2), Float64Array.of(3, 4, 6, 8));
 * ```
 */
export function scatterAdd(
  x: ArrayLike<number>,
  segmentIds: ArrayLike<number>,
  numSegments: number,
  innerSize: number,
): Float64Array {
  const sums = new Float64Array(numSegments * innerSize);
  const nIds = segmentIds.length;
  for (let i = 0; i < nIds; i++) {
    const id = segmentIds[i];
    if (id < 0 || id >= numSegments) continue;
    const from = i * innerSize;
    const to = id * innerSize;
    for (let k = 0; k < innerSize; k++) sums[to + k] += x[from + k];
  }
  return sums;
}

/** The `UnsortedSegmentSum` kernel function: checks its arguments, then {@link scatterAdd}. */
const unsortedSegmentSumScatterAdd: KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x as TensorInfo;
  const segmentIds = inputs.segmentIds as TensorInfo;
  const numSegments = Number((attrs as { numSegments: number }).numSegments);
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`UnsortedSegmentSum: numSegments must be an integer >= 0, got ${numSegments}`);
  }
  if (x.dtype === "complex64" || x.dtype === "string") {
    throw new Error(`UnsortedSegmentSum: x must be float32, int32 or bool, got ${x.dtype}`);
  }
  const idsRank = segmentIds.shape.length;
  const idsMatch = idsRank <= x.shape.length &&
    segmentIds.shape.every((n, axis) => n === x.shape[axis]);
  if (!idsMatch) {
    throw new Error(
      `UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must be a prefix of ` +
        `x shape [${x.shape}]`,
    );
  }
  const innerShape = x.shape.slice(idsRank);
  const innerSize = innerShape.reduce((a, b) => a * b, 1);
  const cpu = cpuBackendOf(backend);
  const xValues = cpu.readSync(x.dataId) as NumericValues;
  const ids = cpu.readSync(segmentIds.dataId) as NumericValues;
  const sums = scatterAdd(xValues, ids, numSegments, innerSize);
  const dtype = x.dtype === "float32" ? "float32" : "int32";
  const out = dtype === "float32" ? Float32Array.from(sums) : Int32Array.from(sums);
  return cpu.makeTensorInfo([numSegments, ...innerShape], dtype, out);
};

/** The kernel's registration record. */
export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: SEGMENT_SUM_BACKEND,
  kernelFunc: unsortedSegmentSumScatterAdd,
};

/** The stock `cpu` kernel this module replaced (kept so tests can compare against it). */
export const stockUnsortedSegmentSumConfig: KernelConfig | undefined = replaceKernel(
  unsortedSegmentSumConfig,
);
