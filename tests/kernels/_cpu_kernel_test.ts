import assert from "node:assert/strict";
import { getKernel, type KernelConfig, unregisterKernel } from "@tensorflow/tfjs-core";
import { replaceKernel } from "../../src/kernels/_cpu_kernel.ts";

Deno.test("replaceKernel swaps the registered kernel and returns the one it replaced", () => {
  const kernelName = "CpuKernelTestOnly";
  const first: KernelConfig = { kernelName, backendName: "cpu", kernelFunc: () => [] };
  const second: KernelConfig = { kernelName, backendName: "cpu", kernelFunc: () => [] };
  try {
    assert.equal(replaceKernel(first), undefined, "nothing was registered under the name");
    assert.equal(getKernel(kernelName, "cpu")?.kernelFunc, first.kernelFunc);
    assert.equal(replaceKernel(second)?.kernelFunc, first.kernelFunc);
    assert.equal(getKernel(kernelName, "cpu")?.kernelFunc, second.kernelFunc);
  } finally {
    unregisterKernel(kernelName, "cpu");
  }
  assert.equal(getKernel(kernelName, "cpu"), undefined);
});
