/**
 * A tiny WebAssembly assembler: just enough of the binary format (LEB128 numbers, the type,
 * function, memory, export and code sections, the opcodes used by the kernels) to build the
 * SIMD kernels of `_wasm_products.ts` (matrix products, float32 or float64 lanes),
 * `_wasm_math.ts` (exp, tanh), `_wasm_f32.ts` and `_wasm_f64.ts` (the kernel sets of the fused
 * layers and of the hand-written RNN) from their instructions, with no toolchain. Also instantiation and the 16-byte aligned layout of
 * regions in a module's memory.
 *
 * Instructions are written as numbers and arrays of numbers (an opcode, its immediates);
 * {@linkcode assemble} flattens them into bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // add(a: i32, b: i32) -> i32
 * const bytes = wasmModule({
 *   functions: [{
 *     name: "add",
 *     params: [I32, I32],
 *     results: [I32],
 *     body: assemble(get(0), get(1), I32_ADD, END),
 *   }],
 * });
 * const add = instantiate(bytes)!.exports.add as (a: number, b: number) => number;
 * assert.equal(add(2, 3), 5);
 * ```
 * @module
 */

/** An instruction or part of one: a byte, or bytes. */
export type Bytes = number | number[];

/** Unsigned LEB128 of a non-negative 32-bit integer. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer (the immediate of `i32.const`). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** Instructions (numbers and arrays of numbers) flattened into one byte array. */
export function assemble(...parts: Bytes[]): number[] {
  const code: number[] = [];
  for (const p of parts) typeof p === "number" ? code.push(p) : code.push(...p);
  return code;
}

/**
 * A growing function body: `emit` appends instructions (as {@linkcode assemble} takes them) to
 * `code`.
 */
export function codeBuilder(): { code: number[]; emit: (...parts: Bytes[]) => void } {
  const code: number[] = [];
  return { code, emit: (...parts: Bytes[]) => code.push(...assemble(...parts)) };
}

// ---- value types ----
export const I32 = 0x7f, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b;
/** The empty block type (a block, loop or if leaving nothing on the stack). */
export const VOID = 0x40;

// ---- control and variables ----
export const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, ELSE = 0x05, END = 0x0b, BR = 0x0c;
export const BR_IF = 0x0d, RETURN = 0x0f;
export const CALL = 0x10;
export const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22;

// ---- scalar memory and arithmetic (memory immediates follow: alignment log2, offset) ----
export const I32_LOAD = 0x28, F32_LOAD = 0x2a, F64_LOAD = 0x2b;
export const F32_DEMOTE_F64 = 0xb6, F64_PROMOTE_F32 = 0xbb;
export const I32_STORE = 0x36, F32_STORE = 0x38;
export const I32_NE = 0x47, I32_GE_U = 0x4f;
export const I32_CONST = 0x41, F32_CONST = 0x43;
export const I32_EQZ = 0x45, I32_EQ = 0x46, I32_LT_U = 0x49, F32_EQ = 0x5b, F32_NE = 0x5c;
export const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_AND = 0x71, I32_SHL = 0x74;
export const I32_SHR_U = 0x76, F32_SQRT = 0x91, F32_ADD = 0x92, F32_MUL = 0x94, F32_DIV = 0x95;
export const F64_STORE = 0x39, F64_ADD = 0xa0;
export const I32_CTZ = 0x68, I32_POPCNT = 0x69, I32_OR = 0x72, SELECT = 0x1b;

// ---- SIMD (the 0xfd prefix, then the opcode as unsigned LEB128) ----
export const SIMD = 0xfd;
export const V128_LOAD = [SIMD, 0x00], V128_LOAD32_SPLAT = [SIMD, 0x09];
export const V128_LOAD64_SPLAT = [SIMD, 0x0a], F64X2_EXTRACT_LANE = [SIMD, 0x21];
/** v128.load64_zero: two float32 (8 bytes) into the low half, zeros above. */
export const V128_LOAD64_ZERO = [SIMD, 0x5d];
/** v128.store64_lane (memory immediates, then the lane: 0 stores the low 8 bytes). */
export const V128_STORE64_LANE = [SIMD, 0x5b];
export const F32X4_DEMOTE_F64X2_ZERO = [SIMD, 0x5e], F64X2_PROMOTE_LOW_F32X4 = [SIMD, 0x5f];
export const V128_STORE = [SIMD, 0x0b], V128_CONST = [SIMD, 0x0c];
export const F64X2_SPLAT = [SIMD, 0x14], F32X4_EXTRACT_LANE = [SIMD, 0x1f];
export const F32X4_NE = [SIMD, 0x42], F64X2_LT = [SIMD, 0x49], F64X2_GT = [SIMD, 0x4a];
export const V128_AND = [SIMD, 0x4e], V128_OR = [SIMD, 0x50], V128_BITSELECT = [SIMD, 0x52];
export const V128_ANY_TRUE = [SIMD, 0x53], I32X4_ALL_TRUE = [SIMD, 0xa3, 0x01];
export const F64X2_NEAREST = [SIMD, 0x94, 0x01], I64X2_EXTEND_LOW_I32X4_S = [SIMD, 0xc7, 0x01];
export const I64X2_SHL = [SIMD, 0xcb, 0x01], I64X2_ADD = [SIMD, 0xce, 0x01];
export const F32X4_SQRT = [SIMD, 0xe3, 0x01], F32X4_ADD = [SIMD, 0xe4, 0x01];
export const F32X4_MUL = [SIMD, 0xe6, 0x01], F32X4_DIV = [SIMD, 0xe7, 0x01];
export const F32X4_SPLAT = [SIMD, 0x13];
export const F32X4_ABS = [SIMD, 0xe0, 0x01], F32X4_NEG = [SIMD, 0xe1, 0x01];
export const F32X4_SUB = [SIMD, 0xe5, 0x01], F32X4_PMIN = [SIMD, 0xea, 0x01];
export const F32X4_PMAX = [SIMD, 0xeb, 0x01], F32X4_NEAREST = [SIMD, 0x6a];
export const F64X2_PMIN = [SIMD, 0xf6, 0x01], F64X2_PMAX = [SIMD, 0xf7, 0x01];
export const F32X4_GT = [SIMD, 0x44], I32X4_SHL = [SIMD, 0xab, 0x01];
export const F64X2_ABS = [SIMD, 0xec, 0x01], F64X2_ADD = [SIMD, 0xf0, 0x01];
export const F64X2_NEG = [SIMD, 0xed, 0x01];
export const F64X2_SUB = [SIMD, 0xf1, 0x01], F64X2_MUL = [SIMD, 0xf2, 0x01];
export const F64X2_DIV = [SIMD, 0xf3, 0x01], F64X2_MIN = [SIMD, 0xf4, 0x01];
export const F64X2_MAX = [SIMD, 0xf5, 0x01];
export const I32X4_TRUNC_SAT_F64X2_S_ZERO = [SIMD, 0xfc, 0x01];
export const I32X4_EQ = [SIMD, 0x37], I32X4_NE = [SIMD, 0x38], I32X4_BITMASK = [SIMD, 0xa4, 0x01];
export const I64X2_BITMASK = [SIMD, 0xc4, 0x01];
/** i8x16.shuffle: then 16 lane indices into the bytes of the two operands (0-15, 16-31). */
export const I8X16_SHUFFLE = [SIMD, 0x0d];

/** i8x16.shuffle taking four 32-bit lanes of the two operands (0-3 the first, 4-7 the second). */
export function shuffle32(lanes: [number, number, number, number]): number[] {
  return [...I8X16_SHUFFLE, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];
}

// ---- constants and locals ----

/** `local.get i` */
export const get = (i: number): number[] => [LOCAL_GET, i];
/** `local.set i` */
export const set = (i: number): number[] => [LOCAL_SET, i];

/** `v128.const` of the 16 bytes of `lanes` (a typed array of 16 bytes). */
export function v128Const(lanes: ArrayBufferView): number[] {
  if (lanes.byteLength !== 16) {
    throw new Error(`v128Const: 16 bytes needed, got ${lanes.byteLength}`);
  }
  return [...V128_CONST, ...new Uint8Array(lanes.buffer, lanes.byteOffset, 16)];
}

/** `v128.const` of zeros. */
export const V128_CONST_ZERO: number[] = [...V128_CONST, ...new Array(16).fill(0)];

/** `v128.const` of two equal float64 lanes. */
export function f64x2Const(v: number): number[] {
  return v128Const(new Float64Array([v, v]));
}

/** `v128.const` of four equal float32 lanes (v rounded to float32). */
export function f32x4Const(v: number): number[] {
  return v128Const(new Float32Array([v, v, v, v]));
}

/** `f32.const v` */
export function f32Const(v: number): number[] {
  return [F32_CONST, ...new Uint8Array(new Float32Array([v]).buffer)];
}

// ---- modules ----

/** One function of a module. */
export interface WasmFunction {
  /** The export name; unexported (only called from the module) without one. */
  name?: string;
  /** Parameter types (locals 0 .. params.length - 1). */
  params: number[];
  /** Result types. */
  results?: number[];
  /** Further locals as [count, type] runs, numbered after the parameters in this order. */
  locals?: Array<[number, number]>;
  /** The instructions, ending with END. */
  body: number[];
}

/** A section: its id, its byte length, its contents. */
function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A vector: its length, then its items. */
function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** A name: its UTF-8 byte length, then its bytes. */
function name(s: string): number[] {
  const utf8 = new TextEncoder().encode(s);
  return [...uleb(utf8.length), ...utf8];
}

/**
 * The bytes of a module of these functions (function i has index i, for CALL) and one memory of
 * `memoryPages` 64 KiB pages to start with (no maximum), exported as "memory" after the named
 * functions. Equal signatures share one type, in order of first use.
 */
export function wasmModule(
  options: { functions: WasmFunction[]; memoryPages?: number },
): Uint8Array<ArrayBuffer> {
  const { functions, memoryPages = 1 } = options;
  const types: number[][] = [];
  const typeIndices = functions.map(({ params, results = [] }) => {
    const type = [0x60, ...vector(params.map((p) => [p])), ...vector(results.map((r) => [r]))];
    const key = type.join();
    const found = types.findIndex((t) => t.join() === key);
    if (found >= 0) return [found];
    types.push(type);
    return [types.length - 1];
  });
  const exports = functions.flatMap((f, i) =>
    f.name === undefined ? [] : [[...name(f.name), 0, ...uleb(i)]]
  );
  exports.push([...name("memory"), 2, 0]);
  const bodies = functions.map(({ locals = [], body }) => {
    const whole = [...vector(locals.map(([n, type]) => [...uleb(n), type])), ...body];
    return [...uleb(whole.length), ...whole];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, vector(types)),
    ...section(3, vector(typeIndices)),
    ...section(5, vector([[0, ...uleb(memoryPages)]])),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}

/** An instance of the module, or null where WebAssembly (or a feature it uses, e.g. SIMD) is not available. */
export function instantiate(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Instance | null {
  if (typeof WebAssembly !== "object" || !WebAssembly.validate(bytes)) return null;
  return new WebAssembly.Instance(new WebAssembly.Module(bytes));
}

/**
 * Lays out regions of these byte lengths one after another in `memory`, each starting 16-byte
 * aligned, growing the memory when they do not fit. Returns the byte offsets and the memory's
 * buffer after growing (growing detaches every earlier view of the memory).
 */
export function layoutRegions(
  memory: WebAssembly.Memory,
  byteLengths: number[],
): { buffer: WebAssembly.Memory["buffer"]; offsets: number[] } {
  const offsets: number[] = [];
  let bytes = 0;
  for (const n of byteLengths) {
    offsets.push(bytes);
    bytes += Math.ceil(n / 16) * 16;
  }
  const pages = Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536;
  if (pages > 0) memory.grow(pages);
  return { buffer: memory.buffer, offsets };
}
