/**
 * Reader for numpy's `.npy` format (versions 1.0, 2.0, 3.0): the magic, the header dict
 * (`descr`, `fortran_order`, `shape`), then the elements, or, for object arrays (`|O`), a pickle
 * read by the restricted unpickler of `_pickle.ts`.
 *
 * Whatever the bytes, the result is an array or a {@link DataFileError}, in time linear in the
 * file: the header is read by a small parser of the Python literal numpy writes (one pass, no
 * regular expressions) and, as numpy does by default (`max_header_size`), refused beyond 10,000
 * bytes; the shape's element count is checked against the bytes that follow before anything is
 * allocated.
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
import { DataFileError, type DataSource, quoted } from "./data_file_error.ts";
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

/** numpy's default `max_header_size`: longer headers are refused (numpy refuses them too). */
export const MAX_HEADER_BYTES = 10_000;

/** Stands for a list in the header (numpy writes one as a structured dtype's descr). */
const LIST = Symbol("list");
/** A value of the header's Python literal: a string, a bool, a tuple of ints, or a list. */
type HeaderValue = string | boolean | number[] | typeof LIST;

/**
 * Parse the header dict numpy writes, e.g. `{'descr': '<i8', 'fortran_order': False,
 * 'shape': (3,), }`: a Python dict literal of string keys whose values are strings, `True` or
 * `False`, or tuples of integers (a list, which numpy writes for structured dtypes, is
 * recognised so it can be refused by name). One pass over the text.
 */
function parseHeader(
  header: string,
  fail: (problem: string) => never,
): { descr: string; fortranOrder: boolean; shape: number[] } {
  let i = 0;
  const n = header.length;
  const malformed = (what: string): never =>
    fail(`malformed header (${what} at character ${i}): ${quoted(header, 120)}`);
  const space = () => {
    while (i < n && (header[i] === " " || header[i] === "\t" || header[i] === "\n")) i++;
  };
  const expect = (c: string) => {
    space();
    if (header[i] !== c) malformed(`expected "${c}"`);
    i++;
  };
  const string = (): string => {
    const q = header[i];
    const end = header.indexOf(q, i + 1);
    if (end < 0) malformed("unterminated string");
    const s = header.slice(i + 1, end);
    if (s.includes("\\")) malformed("escapes in a string");
    i = end + 1;
    return s;
  };
  const integer = (): number => {
    const start = i;
    while (i < n && header[i] >= "0" && header[i] <= "9") i++;
    if (i === start) malformed("expected a dimension");
    const digits = header.slice(start, i);
    if (header[i] === "L") i++; // Python 2's longs
    const d = Number(digits);
    if (!Number.isSafeInteger(d)) fail(`shape dimension ${quoted(digits, 30)} is too large`);
    return d;
  };
  const valueAt = (): HeaderValue => {
    space();
    const c = header[i];
    if (c === "'" || c === '"') return string();
    for (const [word, v] of [["True", true], ["False", false]] as const) {
      if (header.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    if (c === "[") return LIST;
    if (c !== "(") return malformed("expected a value");
    i++;
    const dims: number[] = [];
    for (space(); header[i] !== ")"; space()) {
      dims.push(integer());
      space();
      if (header[i] === ",") i++;
      else if (header[i] !== ")") malformed('expected "," or ")" in the shape');
    }
    i++;
    return dims;
  };

  const fields = new Map<string, HeaderValue>();
  expect("{");
  for (space(); header[i] !== "}"; space()) {
    if (header[i] !== "'" && header[i] !== '"') malformed("expected a key");
    const key = string();
    expect(":");
    const v = valueAt();
    if (fields.has(key)) fail(`header repeats the key ${quoted(key)}`);
    fields.set(key, v);
    if (v === LIST) break; // a structured dtype: refused below, by name
    space();
    if (header[i] === ",") i++;
    else if (header[i] !== "}") malformed('expected "," or "}"');
  }
  if (fields.get("descr") !== LIST) {
    i++;
    space(); // numpy pads the dict with spaces and a newline; anything else is not its header
    if (i < n) malformed("text after the dict");
  }
  const descr = fields.get("descr");
  const fortran = fields.get("fortran_order");
  const shape = fields.get("shape");
  if (descr === LIST) fail("structured dtypes are not supported");
  if (typeof descr !== "string" || typeof fortran !== "boolean" || !Array.isArray(shape)) {
    return malformed("needs 'descr' (a string), 'fortran_order' (a bool), 'shape' (a tuple)");
  }
  if (fields.size !== 3) fail(`header has keys other than descr, fortran_order, shape`);
  return { descr, fortranOrder: fortran, shape };
}

/**
 * Convert `raw` element bytes of `descr` into a little-endian typed array of `count` elements
 * (null: more than the safe integers).
 */
function typedFromBytes(
  raw: Uint8Array,
  descr: string,
  count: number | null,
  fail: (problem: string) => never,
) {
  const order = descr[0];
  const code = descr.slice(1);
  const ctor = Object.hasOwn(TYPED, code) ? TYPED[code] : undefined;
  if (!ctor || !"<>|=".includes(order)) fail(`unsupported dtype ${quoted(descr, 30)}`);
  const width = ctor!.BYTES_PER_ELEMENT;
  if (count === null || raw.length !== count * width) {
    fail(
      `${raw.length} data bytes, shape needs ` +
        (count === null ? "more" : `${count * width} (${count} x ${descr})`),
    );
  }
  const copy = raw.slice(); // aligned, and never aliasing the file
  if (order === ">" && width > 1) {
    for (let i = 0; i < copy.length; i += width) copy.subarray(i, i + width).reverse();
  }
  return new ctor!(copy.buffer);
}

/**
 * Parse one `.npy` file.
 *
 * @param bytes the file's bytes.
 * @param source the file's name (a `.npy` file of its own), or the archive and entry it is in.
 * @throws DataFileError for a bad magic, version or header, a header over
 *   {@link MAX_HEADER_BYTES}, a size mismatch, Fortran-ordered arrays of more than one
 *   dimension, an unsupported dtype, or a pickle the restricted unpickler refuses.
 */
export function parseNpy(bytes: Uint8Array, source: string | DataSource = "array.npy"): NpyArray {
  const where: DataSource = typeof source === "string" ? { file: source } : source;
  const fail = (problem: string, cause?: unknown): never => {
    throw new DataFileError(where, problem, { cause });
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail("not a .npy file (bad magic)");
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen = 0, start = 0;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail("truncated header");
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    fail(`unsupported format version ${major}.${bytes[7]}`);
  }
  if (headerLen > MAX_HEADER_BYTES) {
    fail(`header of ${headerLen} bytes is over numpy's limit of ${MAX_HEADER_BYTES}`);
  }
  if (headerLen > bytes.length - start) {
    fail(`header length ${headerLen} runs past the end of the file`);
  }
  let header = "";
  try {
    header = new TextDecoder(major === 3 ? "utf-8" : "latin1", { fatal: true })
      .decode(bytes.subarray(start, start + headerLen));
  } catch (err) {
    fail("header is not valid UTF-8", err);
  }
  const { descr, fortranOrder, shape } = parseHeader(header, fail);
  if (fortranOrder && shape.length > 1) fail("Fortran-ordered arrays are not supported");
  const body = bytes.subarray(start + headerLen);
  // Every element takes at least one byte, as data or as pickle: a count beyond the bytes there
  // is refused before anything is allocated.
  let count: number | null = 1; // null: beyond the safe integers
  for (const d of shape) {
    count = count !== null && count * d <= Number.MAX_SAFE_INTEGER ? count * d : null;
  }
  const shapeText = `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
  if (descr === "|O" || descr === "O") {
    if (count === null || count > body.length) {
      fail(`shape ${shapeText} needs more items than a ${body.length}-byte pickle holds`);
    }
    const arr = unpickle(body, where) as PickledNdarray;
    if (typeof arr !== "object" || arr === null || !("kind" in arr) || arr.kind !== "ndarray") {
      fail("object array pickle does not hold a numpy array");
    }
    if (arr.items === null || arr.items.length !== count) {
      fail(`pickled object array has ${arr.items?.length ?? 0} items, shape needs ${count}`);
    }
    if (arr.shape.length !== shape.length || arr.shape.some((d, i) => d !== shape[i])) {
      fail(`pickled shape (${arr.shape.join(", ")}) differs from the header's ${shapeText}`);
    }
    return { descr, shape, data: arr.items! };
  }
  return { descr, shape, data: typedFromBytes(body, descr, count, fail) };
}
