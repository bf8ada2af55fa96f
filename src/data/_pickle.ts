/**
 * A restricted unpickler for what numpy writes into `.npy` files of object arrays: pickle
 * protocols 2 to 5, the globals `numpy.core.multiarray._reconstruct` (or
 * `numpy._core.multiarray._reconstruct`), `numpy.ndarray`, `numpy.dtype`, and `_codecs.encode`
 * (protocol 2's way of writing `bytes` from Python 3, accepted only as `encode(str, "latin1")`),
 * with ints, floats, strings, bytes, lists and tuples. Any other global or opcode is refused with
 * an `Error`; nothing in a file is ever executed.
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
 * ```
 * @module
 */

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

function describe(v: unknown): string {
  if (v === null) return "None";
  if (v instanceof PyTuple) return "tuple";
  if (Array.isArray(v)) return "list";
  if (v instanceof Uint8Array) return "bytes";
  if (typeof v === "object" && v && "kind" in v) return String((v as { kind: string }).kind);
  return typeof v;
}

/** Apply an allowed callable to its argument tuple (REDUCE). */
function reduce(fn: StackItem, args: StackItem, at: number): PyValue {
  if (typeof fn !== "object" || fn === null || !("kind" in fn) || fn.kind !== "global") {
    throw new Error(`pickle: REDUCE at byte ${at} calls a ${describe(fn)}, not an allowed global`);
  }
  if (!(args instanceof PyTuple)) {
    throw new Error(`pickle: REDUCE at byte ${at} has ${describe(args)} arguments, not a tuple`);
  }
  const a = args.items;
  switch (fn.name) {
    case "reconstruct": {
      // _reconstruct(numpy.ndarray, (0,), b"b"): an empty array that BUILD fills in.
      const cls = a[0] as PyGlobal | undefined;
      if (a.length !== 3 || cls?.kind !== "global" || cls.name !== "ndarray") {
        throw new Error(`pickle: _reconstruct at byte ${at} must be called on numpy.ndarray`);
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
        throw new Error(`pickle: numpy.dtype at byte ${at} needs a type string`);
      }
      return { kind: "dtype", code: a[0], byteorder: "|" };
    }
    case "codecs.encode": {
      // _codecs.encode("text", "latin1") -> bytes: how protocol 2 writes bytes from Python 3.
      const [text, encoding] = a;
      if (typeof text !== "string" || (encoding !== "latin1" && encoding !== "latin-1")) {
        throw new Error(`pickle: _codecs.encode at byte ${at} is only allowed as (str, "latin1")`);
      }
      const out = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c > 255) throw new Error(`pickle: non-latin1 character in _codecs.encode at ${at}`);
        out[i] = c;
      }
      return out;
    }
    case "ndarray":
      throw new Error(`pickle: calling numpy.ndarray directly (byte ${at}) is not allowed`);
  }
}

/** Set an object's state (BUILD) for numpy dtypes and arrays. */
function build(obj: StackItem, state: StackItem, at: number): void {
  if (typeof obj === "object" && obj !== null && "kind" in obj) {
    if (obj.kind === "dtype" && state instanceof PyTuple) {
      // (version, byteorder, subarray, names, fields, elsize, alignment, flags)
      const [, byteorder, subarray, names] = state.items;
      if (subarray !== null || names !== null) {
        throw new Error(`pickle: structured or subarray dtypes (byte ${at}) are not supported`);
      }
      obj.byteorder = String(byteorder);
      return;
    }
    if (obj.kind === "ndarray" && state instanceof PyTuple) {
      // (version, shape, dtype, is_fortran, data)
      const [, shape, dtype, fortran, data] = state.items;
      if (!(shape instanceof PyTuple) || !shape.items.every((d) => typeof d === "number")) {
        throw new Error(`pickle: ndarray state at byte ${at} has no shape tuple`);
      }
      if (
        typeof dtype !== "object" || dtype === null || !("kind" in dtype) || dtype.kind !== "dtype"
      ) {
        throw new Error(`pickle: ndarray state at byte ${at} has no dtype`);
      }
      obj.shape = shape.items as number[];
      obj.dtype = dtype;
      obj.fortranOrder = fortran === true;
      if (Array.isArray(data)) obj.items = data;
      else if (data instanceof Int32Array) obj.items = Array.from(data); // an object array of ints
      else if (data instanceof Uint8Array) obj.raw = data;
      else throw new Error(`pickle: ndarray state at byte ${at} has ${describe(data)} data`);
      return;
    }
  }
  throw new Error(`pickle: BUILD at byte ${at} on a ${describe(obj)} is not allowed`);
}

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
 * The list on top of the stack, for APPEND/APPENDS. A list the fast path made an Int32Array
 * that now gets a non-int item becomes a plain array again (on the stack and in the memo).
 */
function growable(stack: StackItem[], memo: PyValue[], at: number): PyValue[] {
  const list = stack[stack.length - 1];
  if (Array.isArray(list)) return list;
  if (list instanceof Int32Array) {
    const plain: PyValue[] = Array.from(list);
    stack[stack.length - 1] = plain;
    for (let i = 0; i < memo.length; i++) if (memo[i] === list) memo[i] = plain;
    return plain;
  }
  throw new Error(`pickle: APPEND(S) at byte ${at} on a ${describe(list)}, not a list`);
}

/**
 * Unpickle `bytes` under the restrictions above.
 *
 * @param bytes a pickle (protocol 2 to 5).
 * @returns the unpickled value; numpy arrays come back as {@link PickledNdarray}.
 * @throws Error naming the opcode or global when the pickle holds anything not allowed, or
 *   when it is truncated.
 */
export function unpickle(bytes: Uint8Array): PyValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  let pos = 0;
  let stack: StackItem[] = [];
  const metastack: StackItem[][] = [];
  const memo: PyValue[] = [];
  const arena: Arena = { buf: new Int32Array((n >> 1) + 1), used: 0 };

  const need = (k: number) => {
    if (pos + k > n) {
      throw new Error(`pickle: truncated data (need ${k} bytes at byte ${pos} of ${n})`);
    }
  };
  const pop = (): StackItem => {
    if (stack.length === 0) throw new Error(`pickle: stack underflow at byte ${pos}`);
    return stack.pop()!;
  };
  const top = (): StackItem => {
    if (stack.length === 0) throw new Error(`pickle: stack underflow at byte ${pos}`);
    return stack[stack.length - 1];
  };
  const popMark = (): StackItem[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) throw new Error(`pickle: no MARK before byte ${pos}`);
    stack = prev;
    return items;
  };
  const value = (v: StackItem): PyValue => {
    if (v === MARK) throw new Error(`pickle: MARK used as a value at byte ${pos}`);
    return v;
  };
  const text = (k: number): string => {
    need(k);
    const s = utf8.decode(bytes.subarray(pos, pos + k));
    pos += k;
    return s;
  };
  const raw = (k: number): Uint8Array => {
    need(k);
    const b = bytes.slice(pos, pos + k);
    pos += k;
    return b;
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new Error(`pickle: truncated GLOBAL at byte ${pos}`);
    const s = utf8.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const global = (module: string, name: string, at: number): PyGlobal => {
    const allowed = ALLOWED_GLOBALS.get(`${module}.${name}`);
    if (!allowed) {
      throw new Error(
        `pickle: global "${module}.${name}" at byte ${at} is not allowed ` +
          `(only numpy's array reconstruction is; nothing in the file is executed)`,
      );
    }
    return { kind: "global", name: allowed };
  };
  const littleInt = (b: Uint8Array): number | bigint => {
    // Two's-complement little-endian integer (LONG1/LONG4).
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v;
  };

  if (n < 2 || bytes[0] !== OP.PROTO || bytes[1] < 2 || bytes[1] > 5) {
    throw new Error(
      `pickle: expected protocol 2 to 5, got ${
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
        const list = growable(stack, memo, at);
        for (const item of items) list.push(value(item));
        break;
      }
      case OP.APPEND: {
        const item = value(pop());
        growable(stack, memo, at).push(item);
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
        if (memoOp === OP.BINPUT) memo[bytes[pos + 1]] = ints;
        else if (memoOp === OP.LONG_BINPUT) memo[view.getUint32(pos + 1, true)] = ints;
        else if (memoOp === OP.MEMOIZE) memo.push(ints);
        pos = end;
        break;
      }
      case OP.BINPUT:
        need(1);
        memo[bytes[pos++]] = value(top());
        break;
      case OP.LONG_BINPUT:
        need(4);
        memo[view.getUint32(pos, true)] = value(top());
        pos += 4;
        break;
      case OP.MEMOIZE:
        memo.push(value(top()));
        break;
      case OP.BINGET:
      case OP.LONG_BINGET: {
        const k = op === OP.BINGET ? 1 : 4;
        need(k);
        const idx = k === 1 ? bytes[pos] : view.getUint32(pos, true);
        pos += k;
        if (!(idx in memo)) throw new Error(`pickle: memo ${idx} unset at byte ${at}`);
        stack.push(memo[idx]);
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
      case OP.STOP: {
        const result = value(pop());
        return result;
      }
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
        if (k < 0) throw new Error(`pickle: negative LONG4 size at byte ${at}`);
        stack.push(littleInt(raw(k)));
        break;
      }
      case OP.BINFLOAT:
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case OP.SHORT_BINUNICODE:
      case OP.SHORT_BINBYTES:
        need(1);
        stack.push(op === OP.SHORT_BINUNICODE ? text(bytes[pos++]) : raw(bytes[pos++]));
        break;
      case OP.BINUNICODE:
      case OP.BINBYTES: {
        need(4);
        const k = view.getUint32(pos, true);
        pos += 4;
        stack.push(op === OP.BINUNICODE ? text(k) : raw(k));
        break;
      }
      case OP.BINUNICODE8:
      case OP.BINBYTES8:
      case OP.BYTEARRAY8: {
        need(8);
        const k = Number(view.getBigUint64(pos, true));
        pos += 8;
        stack.push(op === OP.BINUNICODE8 ? text(k) : raw(k));
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
        const module = line();
        stack.push(global(module, line(), at));
        break;
      }
      case OP.STACK_GLOBAL: {
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") {
          throw new Error(`pickle: STACK_GLOBAL at byte ${at} needs two strings`);
        }
        stack.push(global(module, name, at));
        break;
      }
      case OP.REDUCE: {
        const args = pop();
        stack.push(reduce(pop(), args, at));
        break;
      }
      case OP.BUILD: {
        const state = pop();
        build(top(), state, at);
        break;
      }
      default: {
        const shown = REFUSED_NAMES[op] ?? "unknown";
        throw new Error(
          `pickle: opcode ${shown} (0x${op.toString(16).padStart(2, "0")}) at byte ${at} ` +
            `is not allowed`,
        );
      }
    }
  }
}
