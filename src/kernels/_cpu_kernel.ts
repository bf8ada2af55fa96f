/**
 * What the kernels that replace stock tfjs `cpu` kernels share (`gather.ts`,
 * `transpose.ts`, `segment_sum.ts`): the view of the cpu backend they read and write
 * tensors through, and the swap of the registered kernel.
 *
 * @example
 * ```ts
 * import { type KernelFunc, Transpose } from "@tensorflow/tfjs-core";
 * declare const transposeStrided: KernelFunc; // the new kernel function
 * const stock = replaceKernel({
 *   kernelName: Transpose,
 *   backendName: "cpu",
 *   kernelFunc: transposeStrided,
 * }); // the kernel registered before (a fallback for other dtypes), undefined if none
 * ```
 * @module
 */
// Imported for its side effect: the stock cpu kernels are registered before a module replaces
// one of them, whatever the import order. The kernel registry is global to the tfjs instance.
import "@tensorflow/tfjs-backend-cpu";
import {
  getKernel,
  type KernelConfig,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
} from "@tensorflow/tfjs-core";

/** The typed-array view a numeric cpu tensor's values are stored in (bool as Uint8Array). */
export type NumericValues = Float32Array | Int32Array | Uint8Array;

/** The part of the cpu backend the kernels talk to. */
export interface CpuBackendLike {
  readSync(dataId: unknown): unknown;
  makeTensorInfo(shape: number[], dtype: string, values: NumericValues): TensorInfo;
}

/**
 * Registers `config` in place of the kernel registered for its kernel name and backend.
 * @returns the kernel it replaced, undefined where none was registered
 */
export function replaceKernel(config: KernelConfig): KernelConfig | undefined {
  const stock = getKernel(config.kernelName, config.backendName);
  if (stock != null) unregisterKernel(config.kernelName, config.backendName);
  registerKernel(config);
  return stock;
}
