/**
 * `GatherV2` (`tf.gather`, the forward pass of every `tf.layers.embedding`) as a slice-copy
 * kernel for the tfjs `cpu` backend, registered on import.
 *
 * The stock `cpu` kernel converts every output element's flat index to coordinates and back
 * through `TensorBuffer` (allocating arrays per element): ~10 ms to look up a batch of 32 x 100
 * ids in a [1000, 32] table. This kernel copies whole contiguous slices with `TypedArray.set`:
 * well under a millisecond. Same semantics as the stock kernel (any `axis`, `batchDims`;
 * an id outside `[0, x.shape[axis])` throws); string and complex tensors go to the stock kernel.
 *
 * `src/tfjs/tf.ts` imports this module after setting the backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getKernel } from "@tensorflow/tfjs-core";
 * import { tf } from "../tfjs/tf.ts"; // registers the kernel
 * import { gatherV2Config } from "./gather.ts";
 *
 * assert.equal(getKernel("GatherV2", "cpu")?.kernelFunc, gatherV2Config.kernelFunc);
 * const table = tf.tensor2d([[0, 0], [1, 1], [2, 2]]); // [3, 2]: an embedding of 3 words
 * assert.deepEqual(tf.gather(table, tf.tensor1d([2, 0], "int32")).arraySync(), [[2, 2], [0, 0]]);
 * ```
 * @module
 */
import {
  GatherV2,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
// _internals.ts imports the cpu backend first: its stock kernels are registered before one is
// replaced here, whatever the import order.
import {
  cpuBackendOf,
  gatherShapeInfo,
  type NumericValues,
  replaceKernel,
} from "../tfjs/_internals.ts";

/**
 * Gathers slices along one axis, on typed arrays (pure: the arguments are not touched).
 *
 * `x` is viewed as `[batchSize, outerSize, dimSize, sliceSize]` and `indices` as
 * `[batchSize, nIndices]`; the result is `[batchSize, outerSize, nIndices, sliceSize]` with
 * `out[b, o, i, :] = x[b, o, indices[b, i], :]`.
 *
 * @param x the values, flattened row-major
 * @param indices the ids, flattened row-major, each in `[0, dimSize)`
 * @param shape the four sizes above (`nIndices` is `indices.length / batchSize`)
 * @returns a new array of `x`'s type holding the gathered values, flattened row-major
 * @throws Error naming the first id outside `[0, dimSize)`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gatherSlices } from "./gather.ts";
 *
 * const shape = { batchSize: 1, outerSize: 1, dimSize: 3, sliceSize: 2 };
 * const rows = gatherSlices(Float32Array.of(0, 0, 1, 1, 2, 2), Int32Array.of(2, 0), shape);
 * assert.deepEqual(rows, Float32Array.of(2, 2, 0, 0));
 * assert.throws(() => gatherSlices(Float32Array.of(0, 0), Int32Array.of(3), shape), /value 3/);
 * ```
 */
export function gatherSlices<T extends NumericValues>(
  x: T,
  indices: ArrayLike<number>,
  shape: { batchSize: number; outerSize: number; dimSize: number; sliceSize: number },
): T {
  const { batchSize, outerSize, dimSize, sliceSize } = shape;
  const nIndices = batchSize === 0 ? 0 : indices.length / batchSize;
  for (let i = 0; i < indices.length; i++) {
    const id = indices[i];
    if (!(id >= 0 && id < dimSize)) {
      throw new Error(`GatherV2: the index value ${id} is not in [0, ${dimSize - 1}]`);
    }
  }
  const out = new (x.constructor as { new (n: number): T })(
    batchSize * outerSize * nIndices * sliceSize,
  );
  let to = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let o = 0; o < outerSize; o++) {
      const rowBase = (b * outerSize + o) * dimSize;
      for (let i = 0; i < nIndices; i++) {
        const from = (rowBase + indices[b * nIndices + i]) * sliceSize;
        if (sliceSize > 64) out.set(x.subarray(from, from + sliceSize), to);
        else for (let k = 0; k < sliceSize; k++) out[to + k] = x[from + k]; // no view to allocate
        to += sliceSize;
      }
    }
  }
  return out;
}

/** The `GatherV2` kernel function: checks its arguments, then {@link gatherSlices}. */
const gatherV2SliceCopy: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const indices = inputs.indices as TensorInfo;
  if (x.dtype === "string" || x.dtype === "complex64" || indices.dtype === "complex64") {
    if (stockGatherV2Config == null) throw new Error(`GatherV2: no kernel for dtype ${x.dtype}`);
    return stockGatherV2Config.kernelFunc(args);
  }
  const { axis, batchDims } = attrs as { axis: number; batchDims?: number };
  const rank = x.shape.length;
  const parsedAxis = axis < 0 ? axis + rank : axis;
  if (!(Number.isInteger(parsedAxis) && parsedAxis >= 0 && parsedAxis < rank)) {
    throw new Error(`GatherV2: axis ${axis} is out of range for x of rank ${rank}`);
  }
  const info = gatherShapeInfo(x, indices, parsedAxis, batchDims ?? 0);
  const cpu = cpuBackendOf(backend);
  const values = gatherSlices(
    cpu.readSync(x.dataId) as NumericValues,
    cpu.readSync(indices.dataId) as NumericValues,
    info,
  );
  return cpu.makeTensorInfo(info.outputShape, x.dtype, values);
};

/** The kernel's registration record. */
export const gatherV2Config: KernelConfig = {
  kernelName: GatherV2,
  backendName: "cpu",
  kernelFunc: gatherV2SliceCopy,
};

/** The stock `cpu` kernel this module replaced (string and complex tensors still go to it). */
export const stockGatherV2Config: KernelConfig | undefined = replaceKernel(gatherV2Config);
