/**
 * A restricted unpickler for what numpy writes into `.npy` files of object arrays: pickle
 * protocols 2 to 5, the globals `numpy.core.multiarray._reconstruct` (or
 * `numpy._core.multiarray._reconstruct`), `numpy.ndarray`, `numpy.dtype`, and `_codecs.encode`
 * (protocol 2's way of writing `bytes` from Python 3, accepted only as `encode(str, "latin1")`),
 * with ints, floats, strings, bytes, lists and tuples. Any other global or opcode is refused with
 * a {@link DataFileError} naming it; nothing in a file is ever executed.
 *
 * Whatever the bytes, the result is a value or a `DataFileError` (invalid UTF-8, a truncated or
 * malformed pickle, a refused opcode or global), in time and memory linear in the pickle's length:
 * every length is checked against the bytes that are there before anything is read or allocated,
 * a memo index costs one entry whatever its value (2^32 - 2 too), big integers are converted in
 * linear time, a list appended to is copied once however often it is on the stack, and no value
 * is ever walked recursively (a list nested 100,000 deep is as safe as a flat one).
 *
 * Lists holding only int32 ints (numpy's object arrays of token lists) are read by a fast path
 * into Int32Arrays, each a view of its own range of one buffer per pickle; other lists come back
 * as arrays.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type PickledNdarray, unpickle } from "./_pickle.ts";
 *
 * const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
 * // pickle.dumps([5, 6, 7], protocol=2): PROTO 2, EMPTY_LIST, MARK, 3 x BININT1, APPENDS, STOP
 * assert.deepEqual(unpickle(latin1("\x80\x02](K\x05K\x06K\x07e.")), Int32Array.of(5, 6, 7));
 *
 * // pickle.dumps(np.array([[12, 4, 15], [8]], dtype=object), protocol=3), what np.save writes
 * // for an object array (memo opcodes removed): _reconstruct, the shape, the dtype, the lists
 * const pickle = "\x80\x03cnumpy._core.multiarray\n_reconstruct\ncnumpy\nndarray\n" +
 *   "K\x00\x85C\x01b\x87R(K\x01K\x02\x85cnumpy\ndtype\nX\x02\x00\x00\x00O8\x89\x88\x87R" +
 *   "(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tb" +
 *   "\x89](](K\x0cK\x04K\x0fe]K\x08aetb.";
 * const reviews = unpickle(latin1(pickle)) as PickledNdarray;
 * assert.deepEqual(reviews.shape, [2]);
 * assert.equal(reviews.dtype?.code, "O8");
 * assert.deepEqual(reviews.items, [Int32Array.of(12, 4, 15), Int32Array.of(8)]);
 *
 * // pickle.dumps(os.system) names a global outside the allow-list: refused, never looked up
 * assert.throws(
 *   () => unpickle(latin1("\x80\x02cposix\nsystem\nq\x00."), { file: "evil.npy" }),
 *   /^DataFileError: evil\.npy: pickle: GLOBAL "posix\.system" at byte 2 is not allowed/,
 * );
 * ```
 * @module
 */
import { DataFileError, type DataSource, describeValue, quoted } from "./data_file_error.ts";

/** A Python tuple (kept apart from lists so numpy's states can be told apart). */
export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

/** A numpy dtype rebuilt from its pickle: its type code and byte order. */
export interface PickledDtype {
  readonly kind: "dtype";
  /** numpy type code plus size, e.g. `"O8"`, `"i8"`, `"f4"`. */
  code: string;
  /** `"<"`, `">"` or `"|"` once the state is set. */
  byteorder: string;
}

/** A numpy array rebuilt from its pickle. */
export interface PickledNdarray {
  readonly kind: "ndarray";
  shape: number[];
  dtype: PickledDtype | null;
  fortranOrder: boolean;
  /** Object arrays: the Python objects, row-major. */
  items: PyValue[] | null;
  /** Other arrays: the raw element bytes. */
  raw: Uint8Array | null;
}

/** A global the unpickler is allowed to name. */
interface PyGlobal {
  readonly kind: "global";
  readonly name: "reconstruct" | "ndarray" | "dtype" | "codecs.encode";
  /** `module.name` as the pickle spells it, for error messages. */
  readonly qualname: string;
}

/** Values a restricted pickle can hold. */
export type PyValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | Int32Array
  | PyValue[]
  | PyTuple
  | PickledDtype
  | PickledNdarray
  | PyGlobal;

/** Allowed `module.name` globals and what each stands for. */
const ALLOWED_GLOBALS = new Map<string, PyGlobal["name"]>([
  ["numpy.core.multiarray._reconstruct", "reconstruct"],
  ["numpy._core.multiarray._reconstruct", "reconstruct"],
  ["numpy.ndarray", "ndarray"],
  ["numpy.dtype", "dtype"],
  ["_codecs.encode", "codecs.encode"],
]);

/** Pickle opcodes we accept (protocols 2-5 as numpy and Python lists use them). */
const OP = {
  PROTO: 0x80,
  FRAME: 0x95,
  STOP: 0x2e, // .
  MARK: 0x28, // (
  POP: 0x30, // 0
  POP_MARK: 0x31, // 1
  DUP: 0x32, // 2
  NONE: 0x4e, // N
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  BININT: 0x4a, // J
  BININT1: 0x4b, // K
  BININT2: 0x4d, // M
  LONG1: 0x8a,
  LONG4: 0x8b,
  BINFLOAT: 0x47, // G
  BINUNICODE: 0x58, // X
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES: 0x42, // B
  SHORT_BINBYTES: 0x43, // C
  BINBYTES8: 0x8e,
  BYTEARRAY8: 0x96,
  EMPTY_LIST: 0x5d, // ]
  APPEND: 0x61, // a
  APPENDS: 0x65, // e
  LIST: 0x6c, // l
  EMPTY_TUPLE: 0x29, // )
  TUPLE: 0x74, // t
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  BINPUT: 0x71, // q
  LONG_BINPUT: 0x72, // r
  MEMOIZE: 0x94,
  BINGET: 0x68, // h
  LONG_BINGET: 0x6a, // j
  GLOBAL: 0x63, // c
  STACK_GLOBAL: 0x93,
  REDUCE: 0x52, // R
  BUILD: 0x62, // b
} as const;

/** Names of opcodes we refuse, for the error message. */
const REFUSED_NAMES: Record<number, string> = {
  0x69: "INST",
  0x6f: "OBJ",
  0x81: "NEWOBJ",
  0x92: "NEWOBJ_EX",
  0x82: "EXT1",
  0x83: "EXT2",
  0x84: "EXT4",
  0x50: "PERSID",
  0x51: "BINPERSID",
  0x7d: "EMPTY_DICT",
  0x64: "DICT",
  0x73: "SETITEM",
  0x75: "SETITEMS",
  0x8f: "EMPTY_SET",
  0x90: "ADDITEMS",
  0x91: "FROZENSET",
  0x97: "NEXT_BUFFER",
  0x98: "READONLY_BUFFER",
  0x49: "INT",
  0x4c: "LONG",
  0x53: "STRING",
  0x54: "BINSTRING",
  0x55: "SHORT_BINSTRING",
  0x56: "UNICODE",
  0x46: "FLOAT",
  0x70: "PUT",
  0x67: "GET",
};

/** Marker object pushed by MARK. */
const MARK = Symbol("mark");
type StackItem = PyValue | typeof MARK;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** What a stack item is, for error messages: never walks into it. */
function describe(v: unknown): string {
  if (v === MARK) return "MARK";
  if (v instanceof PyTuple) return `a tuple of ${v.items.length}`;
  if (v instanceof Uint8Array) return `bytes of length ${v.length}`;
  if (v instanceof Int32Array) return `a list of ${v.length} ints`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === "object" && v !== null && "kind" in v) {
    const kind = (v as { kind: string }).kind;
    if (kind === "global") return `the global ${(v as PyGlobal).qualname}`;
    return `a numpy ${kind}`;
  }
  return describeValue(v);
}

/** Opcodes that name or call something, what they would call, for the refusal's message. */
const CALLERS: Record<number, (stack: readonly StackItem[]) => StackItem | undefined> = {
  0x6f: (stack) => stack[0], // OBJ: MARK cls args... OBJ
  0x81: (stack) => stack[stack.length - 2], // NEWOBJ: cls args NEWOBJ
  0x92: (stack) => stack[stack.length - 3], // NEWOBJ_EX: cls args kwargs NEWOBJ_EX
};

/** Little-endian two's-complement bytes as hex digits, most significant first. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * A LONG1/LONG4 integer (little-endian two's complement) in time linear in its length: a
 * number when it is a safe integer, else a bigint.
 */
function littleInt(b: Uint8Array): number | bigint {
  const n = b.length;
  if (n === 0) return 0;
  if (n <= 6) {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i];
    return b[n - 1] & 0x80 ? v - 2 ** (8 * n) : v;
  }
  const digits = new Array<string>(n);
  for (let i = 0; i < n; i++) digits[i] = HEX[b[n - 1 - i]];
  let v = BigInt(`0x${digits.join("")}`);
  if (b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

/** numpy's byte orders, as a dtype's state holds them. */
const BYTE_ORDERS = new Set(["<", ">", "|", "="]);

/** Whether `bytes[q]` starts a BININT1/BININT2/BININT; its size, else 0. */
function intOpSize(bytes: Uint8Array, q: number): number {
  const c = bytes[q];
  const size = c === OP.BININT1 ? 2 : c === OP.BININT2 ? 3 : c === OP.BININT ? 5 : 0;
  return q + size <= bytes.length ? size : 0;
}

function readIntOp(bytes: Uint8Array, view: DataView, q: number): number {
  const c = bytes[q];
  if (c === OP.BININT1) return bytes[q + 1];
  if (c === OP.BININT2) return bytes[q + 1] | (bytes[q + 2] << 8);
  return view.getInt32(q + 1, true);
}

/**
 * Where the fast path puts int lists: one buffer for the whole pickle, each list a view of its
 * own range. Every int op takes at least 2 bytes, so `bytes.length / 2` slots always suffice;
 * pages never written are never touched, so the reservation costs nothing.
 */
interface Arena {
  buf: Int32Array;
  used: number;
}

/**
 * Scan the ops from `start` (just after an EMPTY_LIST and its memo op): groups of
 * `MARK int... APPENDS` or `int APPEND`, writing the ints into the arena from `arena.used` on
 * (without advancing it).
 *
 * @returns how many ints (0 when the list does not start that way) and where the groups end.
 */
function scanIntList(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  arena: Arena,
): { count: number; end: number } {
  const n = bytes.length;
  const buf = arena.buf;
  const base = arena.used;
  let q = start;
  let k = base;
  while (q < n) {
    if (bytes[q] === OP.MARK) {
      let r = q + 1;
      const groupStart = k;
      for (let size = intOpSize(bytes, r); size > 0; size = intOpSize(bytes, r)) {
        buf[k++] = readIntOp(bytes, view, r);
        r += size;
      }
      if (k === groupStart || r >= n || bytes[r] !== OP.APPENDS) {
        k = groupStart; // not a group of ints: leave it to the general path
        break;
      }
      q = r + 1;
    } else {
      const size = intOpSize(bytes, q);
      if (size === 0 || q + size >= n || bytes[q + size] !== OP.APPEND) break;
      buf[k++] = readIntOp(bytes, view, q);
      q += size + 1;
    }
  }
  return { count: k - base, end: q };
}

/**
 * The pickle's memo, index -> value. Picklers number their entries 0, 1, 2, ... as they go:
 * those are kept in a dense array. Any other index (a corrupt or hostile file's 4,294,967,294)
 * goes to a map, until the dense part reaches it, so that no index costs more than one entry
 * and no lookup scans.
 */
class Memo {
  readonly #dense: PyValue[] = [];
  readonly #sparse = new Map<number, PyValue>();

  /** How many indices are set (what MEMOIZE uses as its index, as Python's `len(memo)`). */
  get size(): number {
    return this.#dense.length + this.#sparse.size;
  }

  get(index: number): PyValue | undefined {
    return index < this.#dense.length ? this.#dense[index] : this.#sparse.get(index);
  }

  set(index: number, value: PyValue): void {
    const dense = this.#dense;
    if (index < dense.length) dense[index] = value;
    else if (index > dense.length) this.#sparse.set(index, value);
    else {
      dense.push(value);
      for (let next = this.#sparse.get(dense.length); next !== undefined;) {
        this.#sparse.delete(dense.length);
        dense.push(next);
        next = this.#sparse.get(dense.length);
      }
    }
  }
}

/** Throws the DataFileError of a problem (and the error underneath) in the pickle. */
type Fail = (problem: string, cause?: unknown) => never;

/** Apply an allowed callable to its argument tuple (REDUCE). */
function reduce(fn: StackItem, args: StackItem, at: number, fail: Fail): PyValue {
  if (typeof fn !== "object" || fn === null || !("kind" in fn) || fn.kind !== "global") {
    return fail(`REDUCE at byte ${at} calls ${describe(fn)}, not an allowed global`);
  }
  if (!(args instanceof PyTuple)) {
    return fail(`REDUCE at byte ${at} calls ${fn.qualname} with ${describe(args)}, not a tuple`);
  }
  const a = args.items;
  switch (fn.name) {
    case "reconstruct": {
      // _reconstruct(numpy.ndarray, (0,), b"b"): an empty array that BUILD fills in.
      const cls = a[0] as PyGlobal | undefined;
      if (a.length !== 3 || cls?.kind !== "global" || cls.name !== "ndarray") {
        return fail(
          `REDUCE at byte ${at}: ${fn.qualname} may only be called on numpy.ndarray, ` +
            `got ${describe(cls)}`,
        );
      }
      return {
        kind: "ndarray",
        shape: [],
        dtype: null,
        fortranOrder: false,
        items: null,
        raw: null,
      };
    }
    case "dtype": {
      // dtype("i8", False, True)
      if (typeof a[0] !== "string") {
        return fail(
          `REDUCE at byte ${at}: numpy.dtype needs a type string, got ${describe(a[0])}`,
        );
      }
      return { kind: "dtype", code: a[0], byteorder: "|" };
    }
    case "codecs.encode": {
      // _codecs.encode("text", "latin1") -> bytes: how protocol 2 writes bytes from Python 3.
      const [text, encoding] = a;
      if (
        a.length !== 2 || typeof text !== "string" ||
        (encoding !== "latin1" && encoding !== "latin-1")
      ) {
        return fail(
          `REDUCE at byte ${at}: _codecs.encode is only allowed as (str, "latin1"), got ` +
            `(${a.map(describe).join(", ")})`,
        );
      }
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c > 255) {
          return fail(`REDUCE at byte ${at}: _codecs.encode of a non-latin1 character`);
        }
        out[i] = c;
      }
      return out;
    }
    case "ndarray":
      return fail(`REDUCE at byte ${at}: calling numpy.ndarray directly is not allowed`);
  }
}

/** Set an object's state (BUILD) for numpy dtypes and arrays. */
function build(obj: StackItem, state: StackItem, at: number, fail: Fail): void {
  if (typeof obj === "object" && obj !== null && "kind" in obj) {
    if (obj.kind === "dtype" && state instanceof PyTuple) {
      // (version, byteorder, subarray, names, fields, elsize, alignment, flags)
      const [, byteorder, subarray, names] = state.items;
      if (subarray !== null || names !== null) {
        fail(`BUILD at byte ${at}: structured or subarray dtypes are not supported`);
      }
      if (typeof byteorder !== "string" || !BYTE_ORDERS.has(byteorder)) {
        fail(`BUILD at byte ${at}: dtype byte order is ${describe(byteorder)}`);
      }
      obj.byteorder = byteorder as string;
      return;
    }
    if (obj.kind === "ndarray" && state instanceof PyTuple) {
      // (version, shape, dtype, is_fortran, data)
      const [, shape, dtype, fortran, data] = state.items;
      if (
        !(shape instanceof PyTuple) ||
        !shape.items.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)
      ) {
        fail(`BUILD at byte ${at}: ndarray state has no shape tuple of sizes`);
      }
      if (
        typeof dtype !== "object" || dtype === null || !("kind" in dtype) ||
        dtype.kind !== "dtype"
      ) {
        fail(`BUILD at byte ${at}: ndarray state has ${describe(dtype)}, not a dtype`);
      }
      obj.shape = (shape as PyTuple).items as number[];
      obj.dtype = dtype as PickledDtype;
      obj.fortranOrder = fortran === true;
      if (Array.isArray(data)) obj.items = data;
      else if (data instanceof Int32Array) obj.items = Array.from(data); // object array of ints
      else if (data instanceof Uint8Array) obj.raw = data;
      else fail(`BUILD at byte ${at}: ndarray state has ${describe(data)} as its data`);
      return;
    }
  }
  fail(`BUILD at byte ${at} on ${describe(obj)} with ${describe(state)} is not allowed`);
}

/**
 * Unpickle `bytes` under the restrictions above.
 *
 * @param bytes a pickle (protocol 2 to 5).
 * @param source the file (and archive entry) the pickle is in, for error messages.
 * @returns the unpickled value; numpy arrays come back as {@link PickledNdarray}.
 * @throws DataFileError naming the opcode or global when the pickle holds anything not allowed,
 *   and for truncated, malformed or non-UTF-8 data; the message starts `pickle:`.
 */
export function unpickle(bytes: Uint8Array, source: DataSource = { file: "<pickle>" }): PyValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  let pos = 0;
  let stack: StackItem[] = [];
  const metastack: StackItem[][] = [];
  const memo = new Memo();
  // Fast-path int lists that were appended to since, and the plain lists that replaced them.
  const grown = new Map<Int32Array, PyValue[]>();
  const arena: Arena = { buf: new Int32Array((n >> 1) + 1), used: 0 };

  const fail: Fail = (problem, cause) => {
    throw new DataFileError(source, `pickle: ${problem}`, { cause });
  };
  const need = (k: number) => {
    if (k > n - pos) fail(`truncated data (need ${k} bytes at byte ${pos} of ${n})`);
  };
  const pop = (): StackItem => {
    if (stack.length === 0) fail(`stack underflow at byte ${pos}`);
    return stack.pop()!;
  };
  const top = (): StackItem => {
    if (stack.length === 0) fail(`stack underflow at byte ${pos}`);
    return stack[stack.length - 1];
  };
  const popMark = (): StackItem[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) fail(`no MARK before byte ${pos}`);
    stack = prev!;
    return items;
  };
  /** A stack item as a value: never MARK; an int list that has grown since, as it is now. */
  const value = (v: StackItem): PyValue => {
    if (v === MARK) fail(`MARK used as a value at byte ${pos}`);
    return v instanceof Int32Array ? grown.get(v) ?? v : v as PyValue;
  };
  const text = (k: number, opName: string, at: number): string => {
    need(k);
    let s = "";
    try {
      s = utf8.decode(bytes.subarray(pos, pos + k));
    } catch (err) {
      fail(`invalid UTF-8 in the ${opName} string at byte ${at}`, err);
    }
    pos += k;
    return s;
  };
  const raw = (k: number): Uint8Array => {
    need(k);
    const b = bytes.slice(pos, pos + k);
    pos += k;
    return b;
  };
  /** One newline-terminated UTF-8 line (GLOBAL's and INST's module and name). */
  const line = (opName: string, at: number): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail(`truncated ${opName} at byte ${at} (no newline)`);
    let s = "";
    try {
      s = utf8.decode(bytes.subarray(pos, end));
    } catch (err) {
      fail(`invalid UTF-8 in the ${opName} name at byte ${at}`, err);
    }
    pos = end + 1;
    return s;
  };
  const global = (module: string, name: string, opName: string, at: number): PyGlobal => {
    const qualname = `${module}.${name}`;
    const allowed = ALLOWED_GLOBALS.get(qualname);
    if (!allowed) {
      fail(
        `${opName} ${quoted(qualname)} at byte ${at} is not allowed ` +
          `(only numpy's array reconstruction is; nothing in the file is executed)`,
      );
    }
    return { kind: "global", name: allowed!, qualname };
  };
  /** The list on top of the stack, for APPEND/APPENDS (a fast-path int list becomes plain). */
  const growable = (at: number): PyValue[] => {
    const list = stack[stack.length - 1];
    if (Array.isArray(list)) return list;
    if (list instanceof Int32Array) {
      // The same list (one object in Python) may sit in the memo and elsewhere on the stack:
      // every copy of it becomes the one plain list, looked up through `grown`.
      let plain = grown.get(list);
      if (!plain) {
        plain = Array.from(list);
        grown.set(list, plain);
      }
      stack[stack.length - 1] = plain;
      return plain;
    }
    return fail(`APPEND(S) at byte ${at} on ${describe(list)}, not a list`);
  };
  const memoIndex = (k: 1 | 4): number => {
    need(k);
    const idx = k === 1 ? bytes[pos] : view.getUint32(pos, true);
    pos += k;
    return idx;
  };

  if (n < 2 || bytes[0] !== OP.PROTO || bytes[1] < 2 || bytes[1] > 5) {
    fail(
      `expected protocol 2 to 5, got ${
        n >= 2 && bytes[0] === OP.PROTO ? `protocol ${bytes[1]}` : "no PROTO opcode"
      }`,
    );
  }

  while (true) {
    need(1);
    const at = pos;
    const op = bytes[pos++];
    switch (op) {
      case OP.BININT1:
        need(1);
        stack.push(bytes[pos++]);
        break;
      case OP.BININT2:
        need(2);
        stack.push(bytes[pos] | (bytes[pos + 1] << 8));
        pos += 2;
        break;
      case OP.BININT:
        need(4);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      case OP.APPENDS: {
        const items = popMark();
        if (stack.length === 0) fail(`APPENDS at byte ${at} has no list below its MARK`);
        const list = growable(at);
        for (const item of items) list.push(value(item));
        break;
      }
      case OP.APPEND: {
        const item = value(pop());
        if (stack.length === 0) fail(`APPEND at byte ${at} has no list`);
        growable(at).push(item);
        break;
      }
      case OP.MARK:
        metastack.push(stack);
        stack = [];
        break;
      case OP.EMPTY_LIST: {
        // Fast path for numpy's object arrays of int lists: read a list built only of
        // (MARK int... APPENDS) groups or (int APPEND) straight into an Int32Array view.
        const memoOp = pos < n ? bytes[pos] : -1;
        const memoSize = memoOp === OP.BINPUT
          ? 2
          : memoOp === OP.LONG_BINPUT
          ? 5
          : memoOp === OP.MEMOIZE
          ? 1
          : 0;
        const groups = pos + memoSize;
        const { count, end } = groups <= n
          ? scanIntList(bytes, view, groups, arena)
          : { count: 0, end: pos };
        if (count === 0) {
          stack.push([]);
          break;
        }
        const ints = arena.buf.subarray(arena.used, arena.used + count);
        arena.used += count;
        stack.push(ints);
        if (memoOp === OP.BINPUT) memo.set(bytes[pos + 1], ints);
        else if (memoOp === OP.LONG_BINPUT) memo.set(view.getUint32(pos + 1, true), ints);
        else if (memoOp === OP.MEMOIZE) memo.set(memo.size, ints);
        pos = end;
        break;
      }
      case OP.BINPUT:
      case OP.LONG_BINPUT: {
        const idx = memoIndex(op === OP.BINPUT ? 1 : 4);
        memo.set(idx, value(top()));
        break;
      }
      case OP.MEMOIZE:
        memo.set(memo.size, value(top()));
        break;
      case OP.BINGET:
      case OP.LONG_BINGET: {
        const idx = memoIndex(op === OP.BINGET ? 1 : 4);
        const v = memo.get(idx);
        if (v === undefined) fail(`memo ${idx} unset at byte ${at}`);
        stack.push(value(v!));
        break;
      }
      case OP.PROTO:
        need(1);
        pos++;
        break;
      case OP.FRAME:
        need(8);
        pos += 8;
        break;
      case OP.STOP:
        return value(pop());
      case OP.POP:
        pop();
        break;
      case OP.POP_MARK:
        popMark();
        break;
      case OP.DUP:
        stack.push(top());
        break;
      case OP.NONE:
        stack.push(null);
        break;
      case OP.NEWTRUE:
        stack.push(true);
        break;
      case OP.NEWFALSE:
        stack.push(false);
        break;
      case OP.LONG1: {
        need(1);
        const k = bytes[pos++];
        stack.push(littleInt(raw(k)));
        break;
      }
      case OP.LONG4: {
        need(4);
        const k = view.getInt32(pos, true);
        pos += 4;
        if (k < 0) fail(`negative LONG4 size at byte ${at}`);
        need(k);
        try {
          stack.push(littleInt(bytes.subarray(pos, pos + k)));
        } catch (err) {
          fail(`LONG4 integer of ${k} bytes at byte ${at} is too large to read`, err);
        }
        pos += k;
        break;
      }
      case OP.BINFLOAT:
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case OP.SHORT_BINUNICODE:
        need(1);
        stack.push(text(bytes[pos++], "SHORT_BINUNICODE", at));
        break;
      case OP.SHORT_BINBYTES:
        need(1);
        stack.push(raw(bytes[pos++]));
        break;
      case OP.BINUNICODE:
      case OP.BINBYTES: {
        need(4);
        const k = view.getUint32(pos, true);
        pos += 4;
        stack.push(op === OP.BINUNICODE ? text(k, "BINUNICODE", at) : raw(k));
        break;
      }
      case OP.BINUNICODE8:
      case OP.BINBYTES8:
      case OP.BYTEARRAY8: {
        need(8);
        const k = view.getBigUint64(pos, true);
        pos += 8;
        if (k > BigInt(n - pos)) fail(`truncated data (need ${k} bytes at byte ${pos} of ${n})`);
        const size = Number(k);
        stack.push(op === OP.BINUNICODE8 ? text(size, "BINUNICODE8", at) : raw(size));
        break;
      }
      case OP.LIST: {
        const items = popMark().map(value); // pops the mark first: `stack` changes
        stack.push(items);
        break;
      }
      case OP.EMPTY_TUPLE:
        stack.push(new PyTuple([]));
        break;
      case OP.TUPLE: {
        const items = popMark().map(value); // pops the mark first: `stack` changes
        stack.push(new PyTuple(items));
        break;
      }
      case OP.TUPLE1:
        stack.push(new PyTuple([value(pop())]));
        break;
      case OP.TUPLE2: {
        const b = value(pop());
        stack.push(new PyTuple([value(pop()), b]));
        break;
      }
      case OP.TUPLE3: {
        const c = value(pop());
        const b = value(pop());
        stack.push(new PyTuple([value(pop()), b, c]));
        break;
      }
      case OP.GLOBAL: {
        const module = line("GLOBAL", at);
        stack.push(global(module, line("GLOBAL", at), "GLOBAL", at));
        break;
      }
      case OP.STACK_GLOBAL: {
        const name = value(pop());
        const module = value(pop());
        if (typeof module !== "string" || typeof name !== "string") {
          fail(
            `STACK_GLOBAL at byte ${at} needs two strings, got ${describe(module)} and ` +
              describe(name),
          );
        }
        stack.push(global(module as string, name as string, "STACK_GLOBAL", at));
        break;
      }
      case OP.REDUCE: {
        const args = value(pop());
        stack.push(reduce(value(pop()), args, at, fail));
        break;
      }
      case OP.BUILD: {
        const state = value(pop());
        build(top(), state, at, fail);
        break;
      }
      case 0x69: {
        // INST names its class on two lines, as GLOBAL does, then calls it: say what it names.
        const module = line("INST", at);
        const name = line("INST", at);
        fail(
          `opcode INST (0x69) at byte ${at}, calling ${
            quoted(`${module}.${name}`)
          }, is not allowed`,
        );
        break;
      }
      default: {
        const shown = REFUSED_NAMES[op] ?? "unknown";
        const callee = CALLERS[op]?.(stack);
        fail(
          `opcode ${shown} (0x${op.toString(16).padStart(2, "0")}) at byte ${at}` +
            (callee === undefined ? "" : `, calling ${describe(callee)},`) + " is not allowed",
        );
      }
    }
  }
}
