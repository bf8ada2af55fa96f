/**
 * Reader for numpy's `.npy` format (versions 1.0, 2.0, 3.0): the magic, the header dict
 * (`descr`, `fortran_order`, `shape`), then the elements, or, for object arrays (`|O`), a pickle
 * read by the restricted unpickler of `_pickle.ts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNpy } from "./_npy.ts";
 *
 * // np.save of np.array([1, 0, 1], dtype="<i4"): magic, version 1.0, the header's length, the
 * // header (padded with spaces so that the data start at byte 128), then the elements
 * const header = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }".padEnd(117) + "\n";
 * const bytes = Uint8Array.of(
 *   0x93, ...new TextEncoder().encode("NUMPY"), 1, 0, header.length, 0,
 *   ...new TextEncoder().encode(header),
 *   ...new Uint8Array(Int32Array.of(1, 0, 1).buffer), // little-endian, as "<" says
 * );
 * const y = parseNpy(bytes, "y.npy");
 * assert.equal(y.descr, "<i4");
 * assert.deepEqual(y.shape, [3]);
 * assert.deepEqual(y.data, Int32Array.of(1, 0, 1));
 * ```
 * @module
 */
import { type PickledNdarray, type PyValue, unpickle } from "./_pickle.ts";

/** Element storage by numpy type code: numeric arrays as typed arrays, object arrays as values. */
export type NpyData =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array
  | PyValue[];

/** A parsed `.npy` array. */
export interface NpyArray {
  /** numpy's dtype string, e.g. `"<i8"`, `"|O"`. */
  readonly descr: string;
  /** Dimensions, e.g. `[25000]`. */
  readonly shape: number[];
  /** Elements in C order (little-endian typed arrays), or the Python objects for `|O`. */
  readonly data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type Ctor = {
  new (buffer: ArrayBuffer): Exclude<NpyData, PyValue[]>;
  BYTES_PER_ELEMENT: number;
};
const TYPED: Record<string, Ctor> = {
  i1: Int8Array,
  u1: Uint8Array,
  b1: Uint8Array,
  i2: Int16Array,
  u2: Uint16Array,
  i4: Int32Array,
  u4: Uint32Array,
  i8: BigInt64Array,
  u8: BigUint64Array,
  f4: Float32Array,
  f8: Float64Array,
};

/** Parse the header dict numpy writes, e.g. `{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }`. */
function parseHeader(
  header: string,
  where: string,
): { descr: string; fortranOrder: boolean; shape: number[] } {
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (
    descr === undefined || fortran === undefined || shapeText === undefined ||
    !header.trim().startsWith("{")
  ) {
    throw new Error(`${where}: malformed header ${JSON.stringify(header.slice(0, 120))}`);
  }
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => {
    if (!/^\d+L?$/.test(s)) throw new Error(`${where}: bad dimension "${s}" in header shape`);
    return parseInt(s, 10);
  });
  return { descr, fortranOrder: fortran === "True", shape };
}

/** Convert `raw` element bytes of `descr` into a little-endian typed array. */
function typedFromBytes(raw: Uint8Array, descr: string, count: number, where: string) {
  const order = descr[0];
  const code = descr.slice(1);
  const ctor = TYPED[code];
  if (!ctor || !"<>|=".includes(order)) throw new Error(`${where}: unsupported dtype "${descr}"`);
  const width = ctor.BYTES_PER_ELEMENT;
  if (raw.length !== count * width) {
    throw new Error(
      `${where}: ${raw.length} data bytes, shape needs ${count * width} (${count} x ${descr})`,
    );
  }
  const copy = raw.slice(); // aligned, and never aliasing the file
  if (order === ">" && width > 1) {
    for (let i = 0; i < copy.length; i += width) copy.subarray(i, i + width).reverse();
  }
  return new ctor(copy.buffer);
}

/**
 * Parse one `.npy` file.
 *
 * @param bytes the file's bytes.
 * @param name file name for error messages.
 * @throws Error for a bad magic, version or header, a size mismatch, Fortran-ordered arrays of
 *   more than one dimension, or a pickle the restricted unpickler refuses.
 */
export function parseNpy(bytes: Uint8Array, name = "array.npy"): NpyArray {
  const where = `.npy "${name}"`;
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error(`${where}: not a .npy file (bad magic)`);
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number, start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new Error(`${where}: truncated header`);
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw new Error(`${where}: unsupported format version ${major}.${bytes[7]}`);
  }
  if (start + headerLen > bytes.length) {
    throw new Error(`${where}: header length ${headerLen} runs past the end of the file`);
  }
  const decoder = new TextDecoder(major === 3 ? "utf-8" : "latin1");
  const { descr, fortranOrder, shape } = parseHeader(
    decoder.decode(bytes.subarray(start, start + headerLen)),
    where,
  );
  if (fortranOrder && shape.length > 1) {
    throw new Error(`${where}: Fortran-ordered arrays are not supported`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const body = bytes.subarray(start + headerLen);
  if (descr === "|O" || descr === "O") {
    const pickled = unpickle(body);
    const arr = pickled as PickledNdarray;
    if (typeof arr !== "object" || arr === null || !("kind" in arr) || arr.kind !== "ndarray") {
      throw new Error(`${where}: object array pickle does not hold a numpy array`);
    }
    if (arr.items === null || arr.items.length !== count) {
      throw new Error(
        `${where}: pickled object array has ${arr.items?.length ?? 0} items, shape needs ${count}`,
      );
    }
    return { descr, shape, data: arr.items };
  }
  return { descr, shape, data: typedFromBytes(body, descr, count, where) };
}
