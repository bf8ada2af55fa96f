/**
 * The hand-written network's float64 kernels (beneath `../scratch/np.ts`) in one WebAssembly
 * module and its arena, each bit-identical to its plain TypeScript twin:
 *
 *   products   the matrix products of `_wasm_products.ts` on two float64 lanes
 *              ({@linkcode F64X2}); np.dot's S = A · W is `products.gemm`, each S[r, c] summed
 *              as `s = 0; for k: s += A[r, k] * W[k, c]` (k ascending, a multiply then an add,
 *              no fused multiply-add), as numpy sums it.
 *   tanh       in place over float64 values: the kernels' one tanh (`_wasm_math.ts`), the
 *              rational function for every value, then 1 − 2/(e^{2|x|} + 1) for the few
 *              beyond ±0.625.
 *   addRows    out[g] = (x_g + s_g) + b for rows g, x_g and s_g rows anywhere in the arena: the
 *              sum of a recurrent step (X·W1x's row, Hp·W1h's row, b1).
 *   rowsT      out[r, j] = row_j[r]: rows anywhere in the arena written out as columns (xᵀ).
 *   rsubSquareTimes  out[g] = s_g ⊙ (c − h_g ⊙ h_g), s_g and h_g rows anywhere in the arena:
 *              the gradient through tanh, (δ·W) ⊙ (1 − h²).
 *   rowKinds   what each float32 row of an input is: the column of its only non-zero value when
 *              that value is 1 (a one-hot row), the row length for a zero row, −1 otherwise;
 *              {@linkcode rowKind} is its plain twin.
 *
 * The operands live in regions of {@linkcode F64Kernels.arena}, by name (`arena.regions`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { F64Kernels } from "./_wasm_f64.ts";
 *
 * const kernels = F64Kernels.create();
 * assert.ok(kernels !== null); // Deno's V8 has WebAssembly SIMD
 * const { a, w, s } = kernels.arena.regions({
 *   a: { float64: 2 * 3 },
 *   w: { float64: 3 * 8 },
 *   s: { float64: 2 * 8 },
 * });
 * a.set([1, 2, 3, 4, 5, 6]); // A [2, 3]
 * w.fill(1); // W [3, 8] of ones
 * kernels.products.gemm({ out: s, a, w, rows: 2, n: 3, cols: 8 }); // S = A · W
 * assert.deepEqual(Array.from(s), [...Array(8).fill(6), ...Array(8).fill(15)]);
 * ```
 * @module
 */

import {
  BLOCK,
  BR,
  BR_IF,
  codeBuilder,
  END,
  F64,
  F64_LOAD,
  F64_STORE,
  F64X2_ABS,
  F64X2_ADD,
  F64X2_GT,
  F64X2_MUL,
  F64X2_SPLAT,
  F64X2_SUB,
  f64x2Const,
  get,
  I32,
  I32_ADD,
  I32_AND,
  I32_CONST,
  I32_CTZ,
  I32_EQ,
  I32_GE_U,
  I32_LOAD,
  I32_LT_U,
  I32_OR,
  I32_POPCNT,
  I32_SHL,
  I32_SHR_U,
  I32_STORE,
  I32_SUB,
  I32X4_BITMASK,
  I32X4_EQ,
  I32X4_NE,
  I64X2_BITMASK,
  IF,
  LOCAL_TEE,
  LOOP,
  SELECT,
  set,
  sleb,
  uleb,
  V128,
  V128_AND,
  V128_ANY_TRUE,
  V128_CONST_ZERO,
  V128_LOAD,
  V128_OR,
  V128_STORE,
  v128Const,
  VOID,
  type WasmFunction,
} from "./_wasm_assembler.ts";
import { WasmArena } from "./_wasm_arena.ts";
import { TANH_SWITCH, TANH_TEMPS, tanhOf, type Temp } from "./_wasm_math.ts";
import { F64X2, MatrixProducts, productFunctions } from "./_wasm_products.ts";

const SWITCH = TANH_SWITCH;
const times8 = [I32_CONST, 3, I32_SHL];

/**
 * tanh(ptr, count, scratch): tanh of `count` (even) float64 values at byte address ptr, in
 * place. Most pre-activations of a recurrent layer have |x| <= 0.625, where tanh is the
 * rational function alone, so: (1) eight values at a time (four v128 interleaved, independent
 * chains), every value gets the rational function, and the few with |x| > 0.625 are copied
 * aside (with their places) into `scratch`; (2) those get tanh's computation for |x| > 0.625,
 * 1 − 2/(e^{2|x|} + 1) with x's sign, eight at a time; (3) they are copied back. Each value goes through exactly the operations of
 * `tanh` (`_wasm_math.ts`), so the results are its bits. The last pairs (count not a multiple of 8)
 * take the whole computation directly. `scratch` has room for {@linkcode tanhScratch}(count)
 * float64 values.
 */
function tanhBody(): number[] {
  const PTR = 0, COUNT = 1, SCRATCH = 2; // parameters
  const I = 3, N8 = 4, NB = 5, L = 6, ADDR = 7, BIG = 8, IDX = 9, P0 = 10, NB8 = 11, TMP = 12;
  const P1 = 13; // i32: a value's place
  const X = 14, M = 18, TEMPS = 22; // v128: the values, their |x| > 0.625 masks, temporaries
  const temp: Temp = (g, k) => TEMPS + g * TANH_TEMPS + k;
  const xs = [X, X + 1, X + 2, X + 3];
  const { code, emit } = codeBuilder();
  const times = (k: number) => [I32_CONST, k, I32_SHL]; // · 2^k
  emit(get(PTR), set(P0), I32_CONST, 0, set(NB));
  emit(get(SCRATCH), I32_CONST, sleb(64), I32_ADD, set(BIG)); // the values set aside
  emit(get(BIG), get(COUNT), I32_CONST, 16, I32_ADD, times(3), I32_ADD, set(IDX)); // their places
  emit(get(COUNT), I32_CONST, sleb(-8), I32_AND, set(N8)); // count rounded down to eights
  emit(get(N8), IF, VOID, LOOP, VOID);
  for (let j = 0; j < 4; j++) emit(get(PTR), V128_LOAD, 3, uleb(16 * j), set(X + j));
  for (let j = 0; j < 4; j++) emit(get(X + j), F64X2_ABS, f64x2Const(SWITCH), F64X2_GT, set(M + j));
  emit(get(M), get(M + 1), V128_OR, get(M + 2), V128_OR, get(M + 3), V128_OR, V128_ANY_TRUE);
  emit(IF, VOID); // values above 0.625 among the eight: set them aside, lowest first
  emit(get(M), I64X2_BITMASK); // L: their lanes' bits, value j at bit j
  for (let j = 1; j < 4; j++) emit(get(M + j), I64X2_BITMASK, I32_CONST, 2 * j, I32_SHL, I32_OR);
  emit(set(L), LOOP, VOID);
  emit(get(BIG), get(NB), times(3), I32_ADD, set(ADDR));
  emit(get(L), I32_CTZ, set(TMP), get(I), get(TMP), I32_ADD, set(P1)); // the value's place
  emit(get(PTR), get(TMP), times(3), I32_ADD, set(TMP)); // its address
  emit(get(ADDR), get(TMP), I32_LOAD, 2, 0, I32_STORE, 2, 0);
  emit(get(ADDR), get(TMP), I32_LOAD, 2, 4, I32_STORE, 2, 4);
  emit(get(IDX), get(NB), times(2), I32_ADD, get(P1), I32_STORE, 2, 0);
  emit(get(NB), I32_CONST, 1, I32_ADD, set(NB));
  emit(get(L), get(L), I32_CONST, 1, I32_SUB, I32_AND, LOCAL_TEE, L, BR_IF, 0, END); // next bit
  emit(END);
  emit(tanhOf(xs, temp, { branch: "small" })); // the rational function for all eight
  for (let j = 0; j < 4; j++) emit(get(PTR), get(X + j), V128_STORE, 3, uleb(16 * j));
  emit(get(PTR), I32_CONST, sleb(64), I32_ADD, set(PTR));
  emit(get(I), I32_CONST, 8, I32_ADD, LOCAL_TEE, I, get(N8), I32_LT_U, BR_IF, 0, END, END);
  emit(get(I), get(COUNT), I32_LT_U, IF, VOID, LOOP, VOID); // the last pairs: all of tanh
  emit(get(PTR), V128_LOAD, 3, 0, set(X), tanhOf([X], temp), get(PTR), get(X), V128_STORE, 3, 0);
  emit(get(PTR), I32_CONST, 16, I32_ADD, set(PTR));
  emit(get(I), I32_CONST, 2, I32_ADD, LOCAL_TEE, I, get(COUNT), I32_LT_U, BR_IF, 0, END, END);
  // (2) the values set aside, padded with zeros to eights (unused): tanh for |x| > 0.625
  emit(get(NB), IF, VOID);
  emit(get(NB), I32_CONST, 7, I32_ADD, I32_CONST, sleb(-8), I32_AND, set(NB8));
  emit(get(NB), set(L), get(L), get(NB8), I32_LT_U, IF, VOID, LOOP, VOID);
  emit(get(BIG), get(L), times(3), I32_ADD, V128_CONST_ZERO, V128_STORE, 3, 0); // 16 bytes: ok
  emit(get(L), I32_CONST, 1, I32_ADD, LOCAL_TEE, L, get(NB8), I32_LT_U, BR_IF, 0, END, END);
  emit(get(BIG), set(ADDR), I32_CONST, 0, set(L), LOOP, VOID);
  for (let j = 0; j < 4; j++) emit(get(ADDR), V128_LOAD, 3, uleb(16 * j), set(X + j));
  // every value set aside has |x| > 0.625 (the padding: unused)
  emit(tanhOf(xs, temp, { branch: "big" }));
  for (let j = 0; j < 4; j++) emit(get(ADDR), get(X + j), V128_STORE, 3, uleb(16 * j));
  emit(get(ADDR), I32_CONST, sleb(64), I32_ADD, set(ADDR));
  emit(get(L), I32_CONST, 8, I32_ADD, LOCAL_TEE, L, get(NB8), I32_LT_U, BR_IF, 0, END);
  // (3) back to their places
  emit(I32_CONST, 0, set(L), LOOP, VOID);
  emit(get(P0), get(IDX), get(L), times(2), I32_ADD, I32_LOAD, 2, 0, times(3), I32_ADD, set(ADDR));
  emit(get(BIG), get(L), times(3), I32_ADD, set(TMP));
  emit(get(ADDR), get(TMP), I32_LOAD, 2, 0, I32_STORE, 2, 0);
  emit(get(ADDR), get(TMP), I32_LOAD, 2, 4, I32_STORE, 2, 4);
  emit(get(L), I32_CONST, 1, I32_ADD, LOCAL_TEE, L, get(NB), I32_LT_U, BR_IF, 0, END);
  emit(END);
  emit(END);
  return code;
}

/**
 * addRows(out, xAt, sAt, count, n, b): for each of `count` rows g of n float64 values (n even),
 * out[g] = (x_g + s_g) + b, x_g and s_g the rows at byte addresses xAt[g] and sAt[g], b [n] at
 * byte address b, out's rows one after another: one float64 add, then another, per value (two
 * lanes at a time).
 */
function addRowsBody(): number[] {
  const OUT = 0, XAT = 1, SAT = 2, COUNT = 3, N = 4, B = 5; // parameters
  const G = 6, C = 7, XP = 8, SP = 9; // i32
  const { code, emit } = codeBuilder();
  emit(LOOP, VOID); // rows
  emit(get(XAT), get(G), I32_CONST, 2, I32_SHL, I32_ADD, I32_LOAD, 2, 0, set(XP));
  emit(get(SAT), get(G), I32_CONST, 2, I32_SHL, I32_ADD, I32_LOAD, 2, 0, set(SP));
  emit(I32_CONST, 0, set(C), LOOP, VOID); // values, two at a time
  emit(get(OUT), get(C), times8, I32_ADD);
  emit(get(XP), get(C), times8, I32_ADD, V128_LOAD, 3, 0);
  emit(get(SP), get(C), times8, I32_ADD, V128_LOAD, 3, 0, F64X2_ADD);
  emit(get(B), get(C), times8, I32_ADD, V128_LOAD, 3, 0, F64X2_ADD, V128_STORE, 3, 0);
  emit(get(C), I32_CONST, 2, I32_ADD, LOCAL_TEE, C, get(N), I32_LT_U, BR_IF, 0, END);
  emit(get(OUT), get(N), times8, I32_ADD, set(OUT));
  emit(get(G), I32_CONST, 1, I32_ADD, LOCAL_TEE, G, get(COUNT), I32_LT_U, BR_IF, 0, END);
  emit(END);
  return code;
}

/**
 * rowsT(out, rowAt, k, n): out[r, j] = row_j[r] for j < k, r < n, row_j the n float64 values at
 * byte address rowAt[j], out [n, k] row-major: the rows written out as columns, value by value
 * (their bits moved, not computed on).
 */
function rowsTBody(): number[] {
  const OUT = 0, ROW_AT = 1, K = 2, N = 3; // parameters
  const J = 4, R = 5, SRC = 6, DST = 7, STRIDE = 8; // i32
  const { code, emit } = codeBuilder();
  emit(get(K), times8, set(STRIDE));
  emit(LOOP, VOID); // rows j
  emit(get(ROW_AT), get(J), I32_CONST, 2, I32_SHL, I32_ADD, I32_LOAD, 2, 0, set(SRC));
  emit(get(OUT), get(J), times8, I32_ADD, set(DST), I32_CONST, 0, set(R));
  emit(LOOP, VOID); // values r
  emit(get(DST), get(SRC), F64_LOAD, 3, 0, F64_STORE, 3, 0);
  emit(get(SRC), I32_CONST, 8, I32_ADD, set(SRC), get(DST), get(STRIDE), I32_ADD, set(DST));
  emit(get(R), I32_CONST, 1, I32_ADD, LOCAL_TEE, R, get(N), I32_LT_U, BR_IF, 0, END);
  emit(get(J), I32_CONST, 1, I32_ADD, LOCAL_TEE, J, get(K), I32_LT_U, BR_IF, 0, END);
  emit(END);
  return code;
}

/**
 * rsubSquareTimes(out, sAt, hAt, count, n, c): out[g] = s_g · (c − h_g · h_g) for rows g <
 * count of n values (n even), s_g and h_g at byte addresses sAt[g] and hAt[g], out's rows one
 * after another: a multiply, a subtract, a multiply per value (two lanes at a time).
 */
function rsubSquareTimesBody(): number[] {
  const OUT = 0, S_AT = 1, H_AT = 2, COUNT = 3, N = 4, C = 5; // parameters (C: f64)
  const G = 6, J = 7, SP = 8, HP = 9; // i32
  const CV = 10, HV = 11; // v128
  const { code, emit } = codeBuilder();
  emit(get(C), F64X2_SPLAT, set(CV));
  emit(LOOP, VOID); // rows
  emit(get(S_AT), get(G), I32_CONST, 2, I32_SHL, I32_ADD, I32_LOAD, 2, 0, set(SP));
  emit(get(H_AT), get(G), I32_CONST, 2, I32_SHL, I32_ADD, I32_LOAD, 2, 0, set(HP));
  emit(I32_CONST, 0, set(J), LOOP, VOID); // values, two at a time
  emit(get(HP), get(J), times8, I32_ADD, V128_LOAD, 3, 0, set(HV));
  emit(get(OUT), get(J), times8, I32_ADD);
  emit(get(SP), get(J), times8, I32_ADD, V128_LOAD, 3, 0);
  emit(get(CV), get(HV), get(HV), F64X2_MUL, F64X2_SUB, F64X2_MUL, V128_STORE, 3, 0);
  emit(get(J), I32_CONST, 2, I32_ADD, LOCAL_TEE, J, get(N), I32_LT_U, BR_IF, 0, END);
  emit(get(OUT), get(N), times8, I32_ADD, set(OUT));
  emit(get(G), I32_CONST, 1, I32_ADD, LOCAL_TEE, G, get(COUNT), I32_LT_U, BR_IF, 0, END);
  emit(END);
  return code;
}

/** All bits of a float32 but its sign, in four lanes. */
const ABS_BITS = v128Const(new Int32Array(4).fill(0x7fffffff));
/** The bits of a float32 1, in four lanes. */
const ONE_BITS = v128Const(new Float32Array(4).fill(1));

/**
 * rowKinds(x, rows, features, out): out[r] = {@linkcode rowKind} of row r of float32 x
 * [rows, features] (features a multiple of 4), rows one after another. Sixteen values at a time
 * are tested for a non-zero bit besides the sign; a group that has one is looked at four values
 * at a time: its non-zero lanes must be one lane holding exactly the bits of 1, and the first
 * such in the row.
 */
function rowKindsBody(): number[] {
  const X = 0, ROWS = 1, F = 2, OUT = 3; // parameters
  const R = 4, P = 5, ROW = 6, END16 = 7, ROW_END = 8, KEY = 9, NZ = 10; // i32
  const V = 11; // v128
  const { code, emit } = codeBuilder();
  /** The four values at P + offset: KEY becomes their one-hot column, or −1 (see rowKind). */
  const look = (offset: number) => {
    emit(get(P), V128_LOAD, 2, uleb(offset), set(V));
    emit(get(V), ABS_BITS, V128_AND, V128_CONST_ZERO, I32X4_NE, I32X4_BITMASK, LOCAL_TEE, NZ);
    emit(IF, VOID);
    // the column of the first non-zero lane ...
    emit(get(P), I32_CONST, sleb(offset), I32_ADD, get(ROW), I32_SUB, I32_CONST, 2, I32_SHR_U);
    emit(get(NZ), I32_CTZ, I32_ADD);
    emit(I32_CONST, sleb(-1)); // ... or −1, unless the lanes equal to 1 are the non-zero ones,
    emit(get(V), ONE_BITS, I32X4_EQ, I32X4_BITMASK, get(NZ), I32_EQ);
    emit(get(NZ), I32_POPCNT, I32_CONST, 1, I32_EQ, I32_AND); // there is one of them
    emit(get(KEY), get(F), I32_EQ, I32_AND); // and the row had none before
    emit(SELECT, set(KEY));
    emit(END);
  };
  emit(get(X), set(P));
  emit(LOOP, VOID); // rows
  emit(get(P), set(ROW), get(F), set(KEY));
  emit(get(P), get(F), I32_CONST, 2, I32_SHL, I32_ADD, set(ROW_END));
  emit(get(P), get(F), I32_CONST, sleb(-16), I32_AND, I32_CONST, 2, I32_SHL, I32_ADD, set(END16));
  emit(BLOCK, VOID, LOOP, VOID); // sixteen values at a time
  emit(get(P), get(END16), I32_GE_U, BR_IF, 1);
  emit(get(P), V128_LOAD, 2, 0, get(P), V128_LOAD, 2, 16, V128_OR);
  emit(get(P), V128_LOAD, 2, 32, V128_OR, get(P), V128_LOAD, 2, 48, V128_OR);
  emit(ABS_BITS, V128_AND, V128_ANY_TRUE, IF, VOID);
  for (const offset of [0, 16, 32, 48]) look(offset);
  emit(END);
  emit(get(P), I32_CONST, sleb(64), I32_ADD, set(P), BR, 0, END, END);
  emit(BLOCK, VOID, LOOP, VOID); // the last values, four at a time
  emit(get(P), get(ROW_END), I32_GE_U, BR_IF, 1);
  look(0);
  emit(get(P), I32_CONST, 16, I32_ADD, set(P), BR, 0, END, END);
  emit(get(OUT), get(R), I32_CONST, 2, I32_SHL, I32_ADD, get(KEY), I32_STORE, 2, 0);
  emit(get(R), I32_CONST, 1, I32_ADD, LOCAL_TEE, R, get(ROWS), I32_LT_U, BR_IF, 0, END);
  emit(END);
  return code;
}

/**
 * What row values[offset .. offset + n) is: the column of its only non-zero value when that
 * value is 1 (a one-hot row), n when every value is zero (±0), −1 otherwise (a dense row: a
 * value other than 0 and 1, NaN included, or more than one non-zero value). The plain twin of
 * the `rowKinds` kernel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(rowKind([0, 0, 1, 0], 0, 4), 2); // one-hot
 * assert.equal(rowKind([0, -0, 0], 0, 3), 3); // zero
 * assert.equal(rowKind([0, 1, 1], 0, 3), -1); // dense
 * assert.equal(rowKind([9, 0.5, 0], 1, 2), -1); // dense: 0.5
 * ```
 */
export function rowKind(values: ArrayLike<number>, offset: number, n: number): number {
  let key = n;
  for (let k = 0; k < n; k++) {
    const v = values[offset + k];
    if (v === 0) continue;
    if (v !== 1 || key !== n) return -1;
    key = k;
  }
  return key;
}

/** The float64 kernels of the module besides the products. */
function f64Functions(): WasmFunction[] {
  return [
    {
      name: "f64_tanh",
      params: [I32, I32, I32],
      locals: [[11, I32], [8 + 4 * TANH_TEMPS, V128]],
      body: tanhBody(),
    },
    {
      name: "f64_addRows",
      params: [I32, I32, I32, I32, I32, I32],
      locals: [[4, I32]],
      body: addRowsBody(),
    },
    {
      name: "f64_rowsT",
      params: [I32, I32, I32, I32],
      locals: [[5, I32]],
      body: rowsTBody(),
    },
    {
      name: "f64_rsubSquareTimes",
      params: [I32, I32, I32, I32, I32, F64],
      locals: [[4, I32], [2, V128]],
      body: rsubSquareTimesBody(),
    },
    {
      name: "f32_rowKinds",
      params: [I32, I32, I32, I32],
      locals: [[7, I32], [1, V128]],
      body: rowKindsBody(),
    },
  ];
}

type TanhFunction = (ptr: number, count: number, scratch: number) => void;
type AddRowsFunction = (
  out: number,
  xAt: number,
  sAt: number,
  count: number,
  n: number,
  b: number,
) => void;
type RowKindsFunction = (x: number, rows: number, features: number, out: number) => void;
type RowsTFunction = (out: number, rowAt: number, k: number, n: number) => void;
type RsubSquareTimesFunction = (
  out: number,
  sAt: number,
  hAt: number,
  count: number,
  n: number,
  c: number,
) => void;

/** The float64 values of scratch memory that `tanh` of `count` values needs. */
export function tanhScratch(count: number): number {
  return 8 + (count + 16) + Math.ceil(count / 2);
}

/** The compiled kernels with their arena; see the module documentation. */
export class F64Kernels {
  /** The products of {@linkcode F64X2} lanes, on {@linkcode F64Kernels.arena}. */
  readonly products: MatrixProducts;
  /** Where the operands go: `arena.regions({...})`. */
  readonly arena: WasmArena;
  readonly #tanh: TanhFunction;
  readonly #addRows: AddRowsFunction;
  readonly #rowKinds: RowKindsFunction;
  readonly #rowsT: RowsTFunction;
  readonly #rsubSquareTimes: RsubSquareTimesFunction;

  private constructor(arena: WasmArena) {
    this.arena = arena;
    this.products = new MatrixProducts(arena, F64X2);
    this.#tanh = arena.exports.f64_tanh as TanhFunction;
    this.#addRows = arena.exports.f64_addRows as AddRowsFunction;
    this.#rowKinds = arena.exports.f32_rowKinds as RowKindsFunction;
    this.#rowsT = arena.exports.f64_rowsT as RowsTFunction;
    this.#rsubSquareTimes = arena.exports.f64_rsubSquareTimes as RsubSquareTimesFunction;
  }

  /** Compiles the kernels; null where WebAssembly SIMD is not available. */
  static create(): F64Kernels | null {
    const arena = WasmArena.create([...productFunctions(F64X2), ...f64Functions()]);
    return arena && new F64Kernels(arena);
  }

  /**
   * values[:count] = tanh(values[:count]) in place, as `tanh` of `_wasm_math.ts` computes it
   * (count even), with `scratch` of at least {@linkcode tanhScratch}(count) values: float64
   * regions of the arena.
   */
  tanh(p: { values: Float64Array; count: number; scratch: Float64Array }): void {
    const { values, count, scratch } = p;
    if (count % 2 !== 0 || count < 2 || count > values.length) {
      throw new Error(
        `F64Kernels.tanh: count must be even, at least 2 and within values (${values.length}), got ${count}`,
      );
    }
    if (scratch.length < tanhScratch(count)) {
      throw new Error(
        `F64Kernels.tanh: scratch has ${scratch.length} values, tanhScratch(${count}) is ${
          tanhScratch(count)
        }`,
      );
    }
    this.#tanh(values.byteOffset, count, scratch.byteOffset);
  }

  /**
   * out[g] = (x_g + s_g) + bias for rows g < count of n values (n even), x_g and s_g the n
   * float64 values at byte addresses xAt[g] and sAt[g] (see {@linkcode F64Kernels.address}), out
   * [count, n]; out, bias float64 and xAt, sAt int32 regions of the arena.
   */
  addRows(
    p: {
      out: Float64Array;
      xAt: Int32Array;
      sAt: Int32Array;
      bias: Float64Array;
      count: number;
      n: number;
    },
  ): void {
    const { out, xAt, sAt, bias, count, n } = p;
    if (
      n % 2 !== 0 || n < 2 || count < 1 || count * n > out.length || count > xAt.length ||
      count > sAt.length || n > bias.length
    ) {
      throw new Error(
        `F64Kernels.addRows: n must be even and the rows within out, xAt, sAt, bias: count ${count}, n ${n}`,
      );
    }
    this.#addRows(out.byteOffset, xAt.byteOffset, sAt.byteOffset, count, n, bias.byteOffset);
  }

  /**
   * out[r, j] = row_j[r] for j < k, r < n (out [n, k], float64), row_j the n float64 values at
   * byte address rowAt[j] (see {@linkcode F64Kernels.address}); out float64 and rowAt int32
   * regions of the arena.
   */
  rowsT(p: { out: Float64Array; rowAt: Int32Array; k: number; n: number }): void {
    const { out, rowAt, k, n } = p;
    if (!(k >= 1) || !(n >= 1) || k * n > out.length || k > rowAt.length) {
      throw new Error(
        `F64Kernels.rowsT: k ${k} rows of n ${n} values must fit out (${out.length}) and rowAt (${rowAt.length})`,
      );
    }
    this.#rowsT(out.byteOffset, rowAt.byteOffset, k, n);
  }

  /**
   * out[g] = s_g · (c − h_g · h_g) for rows g < count of n values (n even), s_g and h_g the n
   * float64 values at byte addresses sAt[g] and hAt[g], out [count, n]; out float64 and sAt, hAt
   * int32 regions of the arena.
   */
  rsubSquareTimes(
    p: {
      out: Float64Array;
      sAt: Int32Array;
      hAt: Int32Array;
      count: number;
      n: number;
      c: number;
    },
  ): void {
    const { out, sAt, hAt, count, n, c } = p;
    if (
      n % 2 !== 0 || n < 2 || count < 1 || count * n > out.length || count > sAt.length ||
      count > hAt.length
    ) {
      throw new Error(
        `F64Kernels.rsubSquareTimes: n must be even and the rows within out, sAt, hAt: count ${count}, n ${n}`,
      );
    }
    this.#rsubSquareTimes(out.byteOffset, sAt.byteOffset, hAt.byteOffset, count, n, c);
  }

  /**
   * kinds[r] = {@linkcode rowKind} of row r of x [rows, features] (float32, features a positive
   * multiple of 4) for r < rows; x a float32 and kinds an int32 region of the arena.
   */
  rowKinds(p: { x: Float32Array; rows: number; features: number; kinds: Int32Array }): void {
    const { x, rows, features, kinds } = p;
    if (
      !(features >= 4) || features % 4 !== 0 || !(rows >= 1) || rows * features > x.length ||
      rows > kinds.length
    ) {
      throw new Error(
        `F64Kernels.rowKinds: features must be a positive multiple of 4 and the rows within x ` +
          `(${x.length} values) and kinds (${kinds.length}): rows ${rows}, features ${features}`,
      );
    }
    this.#rowKinds(x.byteOffset, rows, features, kinds.byteOffset);
  }

  /** The byte address of element i of a float64 region of the arena. */
  address(region: Float64Array, i: number): number {
    return region.byteOffset + 8 * i;
  }
}
