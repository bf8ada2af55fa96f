/**
 * A small numpy-like array: a flat typed array plus a shape, the way the book's numpy arrays
 * carry their shape. Only what the chapter needs; convert to tfjs tensors where tfjs needs them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ndarray, shapeString } from "./ndarray.ts";
 *
 * const a = ndarray({ shape: [2, 3], dtype: "int32" }); // zeros
 * a.data[1 * 3 + 2] = 7; // a[1, 2] = 7
 * assert.deepEqual(a.data, Int32Array.of(0, 0, 0, 0, 0, 7));
 * assert.equal(a.nbytes, 24);
 * assert.equal(shapeString(a.shape), "(2, 3)");
 * ```
 * @module
 */

/** The element types we use, named as numpy names them. */
export type DType = "int32" | "float32" | "float64" | "uint8";

/** The typed array that holds each dtype. */
export interface TypedArrayOf {
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
  uint8: Uint8Array;
}

/** A dense row-major array: `data[i0 * stride0 + i1 * stride1 + ...]`. */
export interface NDArray<D extends DType = DType> {
  /** Dimensions, outermost first, e.g. `[20000, 100, 100]`. */
  readonly shape: readonly number[];
  /** The elements in row-major (C) order; `data.length === size(shape)`. */
  readonly data: TypedArrayOf[D];
  /** The element type. */
  readonly dtype: D;
  /** Bytes held by `data`, as numpy's `nbytes`. */
  readonly nbytes: number;
}

const CONSTRUCTORS = {
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
  uint8: Uint8Array,
} as const;

/** Number of elements of an array of this shape (1 for `[]`). */
export function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`Invalid dimension ${d} in shape [${shape.join(", ")}]`);
    }
    n *= d;
  }
  return n;
}

/**
 * Make an array of `shape` and `dtype`: zero-filled, or wrapping `data` (not copied) when given.
 *
 * @throws Error when `data` has the wrong length or type for the shape and dtype.
 */
export function ndarray<D extends DType>(
  options: { shape: readonly number[]; dtype: D; data?: TypedArrayOf[D] },
): NDArray<D> {
  const { dtype } = options;
  const ctor = CONSTRUCTORS[dtype];
  if (!ctor) throw new Error(`Unknown dtype "${dtype}"`);
  const shape = Object.freeze([...options.shape]);
  const n = size(shape);
  const data = (options.data ?? new ctor(n)) as TypedArrayOf[D];
  if (!(data instanceof ctor)) {
    throw new Error(`data is a ${data.constructor.name}, expected ${ctor.name} for ${dtype}`);
  }
  if (data.length !== n) {
    throw new Error(`data has ${data.length} elements, shape [${shape.join(", ")}] needs ${n}`);
  }
  return Object.freeze({ shape, data, dtype, nbytes: data.byteLength });
}

/** numpy's repr of a shape: `(20000, 100, 100)`, `(25000,)`. */
export function shapeString(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/**
 * The first `n` rows of `x` (along its first axis) as a view: no copy, so writes to either show
 * in both. `x` [m, ...rest] → [n, ...rest], same dtype.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { firstRows, ndarray } from "./ndarray.ts";
 *
 * const x = ndarray({ shape: [3, 2], dtype: "int32", data: Int32Array.of(1, 2, 3, 4, 5, 6) });
 * const head = firstRows(x, 2);
 * assert.deepEqual(head.shape, [2, 2]);
 * assert.deepEqual(head.data, Int32Array.of(1, 2, 3, 4));
 * assert.equal(head.data.buffer, x.data.buffer); // a view: no copy
 * ```
 * @throws Error when `x` has no first axis or `n` is not an integer in [0, x.shape[0]].
 */
export function firstRows<D extends DType>(x: NDArray<D>, n: number): NDArray<D> {
  if (x.shape.length === 0) throw new Error("firstRows needs an array with at least one axis");
  if (!Number.isInteger(n) || n < 0 || n > x.shape[0]) {
    throw new Error(`firstRows: n = ${n} is not an integer in [0, ${x.shape[0]}]`);
  }
  const rowSize = size(x.shape.slice(1));
  return ndarray({
    shape: [n, ...x.shape.slice(1)],
    dtype: x.dtype,
    data: x.data.subarray(0, n * rowSize) as TypedArrayOf[D],
  });
}
