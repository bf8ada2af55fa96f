/**
 * `Reverse` as a block-copy kernel for the tfjs `cpu` backend, registered on import.
 *
 * The stock `cpu` kernel converts every element's flat index to coordinates and back through a
 * `TensorBuffer`: ~60-100 ms for the [32, 100, 32] embeddings of a batch. A recurrent layer with
 * `goBackwards` reverses its input's steps with `tf.reverse`, and `Bidirectional` reverses its
 * backward layer's outputs, so every `predict` of such a model (and every training step off the
 * fast road) paid that. This kernel copies the contiguous block after the last reversed axis
 * with one `TypedArray.set`, walking the axes before it with an allocation-free odometer.
 * String and complex tensors go to the stock kernel.
 *
 * `src/tfjs/tf.ts` imports this module after setting the backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getKernel } from "@tensorflow/tfjs-core";
 * import { tf } from "../tfjs/tf.ts"; // registers the kernel
 * import { reverseConfig } from "./reverse.ts";
 *
 * assert.equal(getKernel("Reverse", "cpu")?.kernelFunc, reverseConfig.kernelFunc);
 * const x = tf.tensor3d([[[1, 2], [3, 4], [5, 6]]]); // [1 sequence, 3 steps, 2 features]
 * assert.deepEqual(tf.reverse(x, 1).arraySync(), [[[5, 6], [3, 4], [1, 2]]]);
 * ```
 * @module
 */
import {
  type KernelConfig,
  type KernelFunc,
  Reverse,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
// _internals.ts imports the cpu backend first: its stock kernels are registered before one is
// replaced here, whatever the import order.
import { cpuBackendOf, type NumericValues, replaceKernel } from "../tfjs/_internals.ts";

/**
 * Reverses the order along some axes of a row-major array (pure: the arguments are not
 * touched).
 *
 * @param x the values, row-major with shape `shape`
 * @param shape the shape of `x`
 * @param axes the axes to reverse (any order; repeats and negative axes as tfjs takes them)
 * @returns a new array of `x`'s type and shape
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reverseAxes } from "./reverse.ts";
 *
 * // [[1, 2, 3], [4, 5, 6]]: rows reversed, then columns, then both
 * const x = Float32Array.of(1, 2, 3, 4, 5, 6);
 * assert.deepEqual(reverseAxes(x, [2, 3], [0]), Float32Array.of(4, 5, 6, 1, 2, 3));
 * assert.deepEqual(reverseAxes(x, [2, 3], [1]), Float32Array.of(3, 2, 1, 6, 5, 4));
 * assert.deepEqual(reverseAxes(x, [2, 3], [0, -1]), Float32Array.of(6, 5, 4, 3, 2, 1));
 * ```
 */
export function reverseAxes<T extends NumericValues>(x: T, shape: number[], axes: number[]): T {
  const rank = shape.length;
  const reversed = new Array<boolean>(rank).fill(false);
  for (const axis of axes) {
    const a = axis < 0 ? axis + rank : axis;
    if (!(Number.isInteger(a) && a >= 0 && a < rank)) {
      throw new Error(`Reverse: axis ${axis} is not an axis of shape [${shape}]`);
    }
    reversed[a] = true;
  }
  const last = reversed.lastIndexOf(true);
  if (last < 0) return x.slice() as T;
  // a block: the axes after the last reversed one, contiguous in both arrays
  let block = 1;
  for (let a = last + 1; a < rank; a++) block *= shape[a];
  const strides = new Array<number>(last + 1);
  for (let a = last, stride = block; a >= 0; a--) {
    strides[a] = stride;
    stride *= shape[a];
  }
  const out = new (x.constructor as { new (n: number): T })(x.length);
  if (x.length === 0) return out;
  // The source of output block (i_0 .. i_last): axis a at shape[a] - 1 - i_a where reversed.
  const counter = new Array<number>(last + 1).fill(0);
  let from = 0;
  for (let a = 0; a <= last; a++) if (reversed[a]) from += (shape[a] - 1) * strides[a];
  const step = strides.map((s, a) => reversed[a] ? -s : s);
  for (let to = 0; to < out.length; to += block) {
    if (block === 1) out[to] = x[from];
    else out.set(x.subarray(from, from + block), to);
    for (let a = last; a >= 0; a--) {
      counter[a]++;
      from += step[a];
      if (counter[a] < shape[a]) break;
      from -= step[a] * shape[a];
      counter[a] = 0;
    }
  }
  return out;
}

/** The `Reverse` kernel function: {@link reverseAxes} on the tensor's values. */
const reverseBlocks: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  if (x.dtype === "string" || x.dtype === "complex64") {
    if (stockReverseConfig == null) throw new Error(`Reverse: no kernel for ${x.dtype}`);
    return stockReverseConfig.kernelFunc(args);
  }
  const dims = (attrs as { dims: number | number[] }).dims;
  const axes = typeof dims === "number" ? [dims] : Array.from(dims);
  const cpu = cpuBackendOf(backend);
  const values = reverseAxes(cpu.readSync(x.dataId) as NumericValues, x.shape, axes);
  return cpu.makeTensorInfo(x.shape, x.dtype, values);
};

/** The kernel's registration record. */
export const reverseConfig: KernelConfig = {
  kernelName: Reverse,
  backendName: "cpu",
  kernelFunc: reverseBlocks,
};

/** The stock `cpu` kernel this module replaced (string and complex tensors still go to it). */
export const stockReverseConfig: KernelConfig | undefined = replaceKernel(reverseConfig);
