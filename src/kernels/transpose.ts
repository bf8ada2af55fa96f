/**
 * `Transpose` as a strided-copy kernel for the tfjs `cpu` backend, registered on import.
 *
 * The stock `cpu` kernel converts every element's flat index to coordinates and back, allocating
 * two arrays per element: ~4 ms for a [3200, 32] tensor, even for the identity permutation that
 * the embedding gradient (`tf.gather`'s gradient) applies twice per batch. This kernel copies the
 * identity permutation with one `TypedArray.slice` and walks other permutations with an
 * allocation-free odometer. String and complex tensors go to the stock kernel.
 *
 * `src/tfjs/tf.ts` imports this module after setting the backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getKernel } from "@tensorflow/tfjs-core";
 * import { tf } from "../tfjs/tf.ts"; // registers the kernel
 * import { transposeConfig } from "./transpose.ts";
 *
 * assert.equal(getKernel("Transpose", "cpu")?.kernelFunc, transposeConfig.kernelFunc);
 * const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
 * assert.deepEqual(tf.transpose(x).arraySync(), [[1, 4], [2, 5], [3, 6]]);
 * ```
 * @module
 */
import {
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  Transpose,
} from "@tensorflow/tfjs-core";
// _internals.ts imports the cpu backend first: its stock kernels are registered before one is
// replaced here, whatever the import order.
import { cpuBackendOf, type NumericValues, replaceKernel } from "../tfjs/_internals.ts";

/**
 * Permutes the axes of a row-major array (pure: the arguments are not touched).
 *
 * @param x the values, row-major with shape `shape`
 * @param shape the shape of `x`
 * @param perm output axis `k` is input axis `perm[k]`
 * @returns a new array of `x`'s type, row-major with shape `perm.map((a) => shape[a])`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { permuteAxes } from "./transpose.ts";
 *
 * // [[1, 2, 3], [4, 5, 6]] transposed: [[1, 4], [2, 5], [3, 6]]
 * const x = Float32Array.of(1, 2, 3, 4, 5, 6);
 * assert.deepEqual(permuteAxes(x, [2, 3], [1, 0]), Float32Array.of(1, 4, 2, 5, 3, 6));
 * ```
 */
export function permuteAxes<T extends NumericValues>(x: T, shape: number[], perm: number[]): T {
  const rank = shape.length;
  if (perm.every((axis, k) => axis === k)) return x.slice() as T;
  const outShape = perm.map((axis) => shape[axis]);
  const inStrides = new Array<number>(rank);
  for (let axis = rank - 1, stride = 1; axis >= 0; axis--) {
    inStrides[axis] = stride;
    stride *= shape[axis];
  }
  // Walking the output in row-major order, output axis k advances the input by stepOf[k].
  const stepOf = perm.map((axis) => inStrides[axis]);
  const out = new (x.constructor as { new (n: number): T })(x.length);
  const counter = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const lastSize = outShape[last];
  const lastStep = stepOf[last];
  let from = 0;
  for (let to = 0; to < out.length;) {
    // The innermost output axis in one tight loop, then carry into the outer axes.
    for (let j = 0, f = from; j < lastSize; j++, f += lastStep) out[to++] = x[f];
    for (let k = last - 1; k >= 0; k--) {
      counter[k]++;
      from += stepOf[k];
      if (counter[k] < outShape[k]) break;
      from -= stepOf[k] * outShape[k];
      counter[k] = 0;
    }
  }
  return out;
}

/** The `Transpose` kernel function: {@link permuteAxes} on the tensor's values. */
const transposeStrided: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  if (x.dtype === "string" || x.dtype === "complex64") {
    if (stockTransposeConfig == null) throw new Error(`Transpose: no kernel for ${x.dtype}`);
    return stockTransposeConfig.kernelFunc(args);
  }
  const perm = Array.from((attrs as { perm: number[] }).perm);
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== x.shape.length || sorted.some((axis, k) => axis !== k)) {
    throw new Error(`Transpose: perm [${perm}] is not a permutation of the axes of [${x.shape}]`);
  }
  const cpu = cpuBackendOf(backend);
  const values = permuteAxes(cpu.readSync(x.dataId) as NumericValues, x.shape, perm);
  return cpu.makeTensorInfo(perm.map((axis) => x.shape[axis]), x.dtype, values);
};

/** The kernel's registration record. */
export const transposeConfig: KernelConfig = {
  kernelName: Transpose,
  backendName: "cpu",
  kernelFunc: transposeStrided,
};

/** The stock `cpu` kernel this module replaced (string and complex tensors still go to it). */
export const stockTransposeConfig: KernelConfig | undefined = replaceKernel(transposeConfig);
