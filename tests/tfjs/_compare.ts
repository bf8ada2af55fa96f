/**
 * What the tfjs tests compare with: the largest difference of two arrays, two tensors close
 * elementwise, and a run with tfjs's warnings (the stock road's notice) kept quiet.
 * @module
 */
import assert from "node:assert/strict";
import type { Tensor } from "@tensorflow/tfjs";

/** max |a[i] − b[i]| of two arrays of the same length (0 for empty ones). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** |actual - expected| <= tol * max(1, |expected|) elementwise, and the same shapes. */
export function assertClose(actual: Tensor, expected: Tensor, what: string, tol = 1e-5): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual.dataSync();
  const e = expected.dataSync();
  for (let i = 0; i < a.length; i++) {
    const ok = Math.abs(a[i] - e[i]) <= tol * Math.max(1, Math.abs(e[i]));
    assert.ok(ok, `${what}[${i}]: ${a[i]} vs ${e[i]}`);
  }
}

/** `run` with console.warn silenced (tfjs's own road announces itself). */
export async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return await run();
  } finally {
    console.warn = warn;
  }
}
