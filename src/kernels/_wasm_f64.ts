/**
 * The float64 WebAssembly SIMD kernels beneath `../scratch/np.ts` (two float64 lanes per
 * instruction), each bit-identical to its plain TypeScript twin:
 *
 *   multiply   S = A · W   A [rows, inner], W [inner, cols], S [rows, cols], row-major float64.
 *              Every S[r, c] is summed as `s = 0; for k: s += A[r, k] * W[k, c]` sums it
 *              (k ascending, a multiply then an add, no fused multiply-add), eight independent
 *              sums (2 rows × 8 columns) in flight. Needs `rows` even, `cols` a multiple of 8.
 *   tanh       in place, the same operations as {@linkcode tanh} below (the rational function
 *              for every value; the whole computation again for the few beyond ±0.625).
 *   addRows    z[g] = (z[g] + S[list[g]]) + b for rows g: the sum of a recurrent step.
 *
 * The module is assembled below from its instructions (no toolchain needed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WasmKernels } from "./_wasm_f64.ts";
 *
 * const kernels = WasmKernels.create();
 * assert.ok(kernels !== null); // Deno's V8 has WebAssembly SIMD
 * const { a, w, s } = kernels.reserve({ a: 2 * 3, w: 3 * 8, s: 2 * 8 });
 * a.set([1, 2, 3, 4, 5, 6]); // A [2, 3]
 * w.fill(1, 0, 3 * 8); // W [3, 8] of ones
 * kernels.multiply(2, 3, 8); // S = A · W
 * assert.deepEqual(Array.from(s.subarray(0, 16)), [...Array(8).fill(6), ...Array(8).fill(15)]);
 * ```
 * @module
 */

import {
  assemble,
  BR_IF,
  type Bytes,
  CALL,
  codeBuilder,
  END,
  F64_LOAD,
  F64X2_ABS,
  F64X2_ADD,
  F64X2_DIV,
  F64X2_GT,
  F64X2_MIN,
  F64X2_MUL,
  F64X2_NEAREST,
  F64X2_SPLAT,
  F64X2_SUB,
  f64x2Const,
  get,
  I32,
  I32_ADD,
  I32_AND,
  I32_CONST,
  I32_LOAD,
  I32_LT_U,
  I32_MUL,
  I32_SHL,
  I32_STORE,
  I32X4_TRUNC_SAT_F64X2_S_ZERO,
  I64X2_ADD,
  I64X2_EXTEND_LOW_I32X4_S,
  I64X2_SHL,
  IF,
  instantiate,
  layoutRegions,
  LOCAL_TEE,
  LOOP,
  set,
  sleb,
  uleb,
  V128,
  V128_AND,
  V128_ANY_TRUE,
  V128_BITSELECT,
  V128_CONST_ZERO,
  V128_LOAD,
  V128_OR,
  V128_STORE,
  v128Const,
  VOID,
  wasmModule,
} from "./_wasm_assembler.ts";

// ---- tanh: the constants shared by the TypeScript and the WebAssembly versions ----

/** Cephes' rational approximation of tanh on |x| <= 0.625: x + x·s·P(s)/Q(s), s = x². */
const P0 = -9.64399179425052238628e-1, P1 = -9.92877231001918586564e1;
const P2 = -1.61468768441708447952e3, Q0 = 1.12811678491632931402e2;
const Q1 = 2.23548839060100448583e3, Q2 = 4.84406305325125486048e3;
/** Taylor coefficients 1/j! of e^r, j = 0..13 (|r| <= ln 2 / 2: error below 1e-17). */
const EXP_TAYLOR = Array.from({ length: 14 }, (_, j) => {
  let f = 1;
  for (let i = 2; i <= j; i++) f *= i;
  return 1 / f;
});
const INV_LN2 = 1.44269504088896338700e+00;
/** ln 2 split in two so that k·LN2_HI is exact for the k used here (fdlibm's split). */
const LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
/** 2^k, k = 0..64. */
const POW2 = Float64Array.from({ length: 65 }, (_, k) => 2 ** k);
/** Where tanh switches from the rational function to 1 − 2/(e^{2|x|} + 1). */
const SWITCH = 0.625;

/**
 * tanh within 2 ulp (checked against Math.tanh in the tests), the same operations in the same
 * order as the WebAssembly version: |x| <= 0.625: Cephes' rational function; otherwise
 * 1 − 2/(e^{2|x|} + 1) with e^y = 2^k · e^r (k = y/ln 2 rounded half to even, e^r by its
 * Taylor series to r^13) and y capped at 44 (where tanh is 1 in float64); the sign of x
 * copied onto the result.
 */
export function tanh(x: number): number {
  const a = Math.abs(x);
  const s = a * a;
  const small = a + a * s * ((P0 * s + P1) * s + P2) / (((s + Q0) * s + Q1) * s + Q2);
  const y = Math.min(2 * a, 44);
  const v = y * INV_LN2;
  let k = Math.round(v);
  if (k - v === 0.5 && k % 2 !== 0) k -= 1; // round half to even, as f64x2.nearest
  const r = (y - k * LN2_HI) - k * LN2_LO;
  let p = EXP_TAYLOR[13];
  for (let j = 12; j >= 0; j--) p = EXP_TAYLOR[j] + r * p;
  const big = 1 - 2 / (p * POW2[k] + 1);
  const t = a > SWITCH ? big : small;
  return x < 0 || (x === 0 && 1 / x < 0) ? -t : t;
}

/** The index of tanh2 in the module (its place in `kernelsModule`'s list), for CALL. */
const FN_TANH2 = 2;

const times8 = [I32_CONST, 3, I32_SHL];

/**
 * Instructions replacing each v128 local in `xs` by {@linkcode tanh} of its two lanes,
 * branch-free, the values interleaved operation by operation (independent chains in flight).
 * Uses 7 v128 temporaries per value from local `temps` on. `smallOnly`: every lane is known to
 * have |x| <= 0.625 (or NaN), where tanh takes the rational function: only that is computed
 * (the same operations, so the same result).
 */
function tanhOf(xs: number[], temps: number, smallOnly = false): number[] {
  const code: number[] = [];
  const f64x2 = f64x2Const;
  const each = (step: (x: number, t: (k: number) => number) => Bytes[]) => {
    xs.forEach((x, g) => code.push(...assemble(...step(x, (k) => temps + 7 * g + k))));
  };
  const A = 0, S2 = 1, SMALL = 2, Y = 3, KF = 4, R = 5, P = 6;
  each((x, t) => [get(x), F64X2_ABS, set(t(A))]); // a = |x|
  each((_, t) => [get(t(A)), get(t(A)), F64X2_MUL, set(t(S2))]); // s = a·a
  // small = a + a·s·N/D, N = (P0·s + P1)·s + P2, D = ((s + Q0)·s + Q1)·s + Q2
  each((_, t) => [f64x2(P0), get(t(S2)), F64X2_MUL, f64x2(P1), F64X2_ADD, set(t(SMALL))]);
  each((_, t) => [get(t(SMALL)), get(t(S2)), F64X2_MUL, f64x2(P2), F64X2_ADD, set(t(SMALL))]);
  each((_, t) => [get(t(S2)), f64x2(Q0), F64X2_ADD, get(t(S2)), F64X2_MUL, set(t(Y))]);
  each((_, t) => [get(t(Y)), f64x2(Q1), F64X2_ADD, get(t(S2)), F64X2_MUL, set(t(Y))]);
  each((_, t) => [get(t(Y)), f64x2(Q2), F64X2_ADD, set(t(Y))]);
  each((_, t) => [
    get(t(A)),
    get(t(A)),
    get(t(S2)),
    F64X2_MUL,
    get(t(SMALL)),
    F64X2_MUL,
    get(t(Y)),
    F64X2_DIV,
    F64X2_ADD,
    set(t(SMALL)),
  ]);
  if (smallOnly) {
    each((x, t) => [get(t(SMALL)), get(x), f64x2(-0), V128_AND, V128_OR, set(x)]); // x's sign
    return code;
  }
  each((_, t) => [f64x2(2), get(t(A)), F64X2_MUL, f64x2(44), F64X2_MIN, set(t(Y))]); // y
  each((_, t) => [get(t(Y)), f64x2(INV_LN2), F64X2_MUL, F64X2_NEAREST, set(t(KF))]); // k
  // r = (y − k·LN2_HI) − k·LN2_LO
  each((_, t) => [get(t(Y)), get(t(KF)), f64x2(LN2_HI), F64X2_MUL, F64X2_SUB, set(t(R))]);
  each((_, t) => [get(t(R)), get(t(KF)), f64x2(LN2_LO), F64X2_MUL, F64X2_SUB, set(t(R))]);
  each((_, t) => [f64x2(EXP_TAYLOR[13]), set(t(P))]); // p = Σ r^j / j!, Horner
  for (let j = 12; j >= 0; j--) {
    each((_, t) => [f64x2(EXP_TAYLOR[j]), get(t(R)), get(t(P)), F64X2_MUL, F64X2_ADD, set(t(P))]);
  }
  // 2^k from its bits, (k + 1023) << 52, into KF; then p·2^k into P
  const bias1023 = I64X2_1023;
  each((_, t) => [
    get(t(KF)),
    I32X4_TRUNC_SAT_F64X2_S_ZERO,
    I64X2_EXTEND_LOW_I32X4_S,
    bias1023,
    I64X2_ADD,
    I32_CONST,
    52,
    I64X2_SHL,
    set(t(KF)),
  ]);
  each((_, t) => [get(t(P)), get(t(KF)), F64X2_MUL, set(t(P))]);
  // big = 1 − 2/(p·2^k + 1); t = a > 0.625 ? big : small; the sign bit of x onto t
  each((x, t) => [
    f64x2(1),
    f64x2(2),
    get(t(P)),
    f64x2(1),
    F64X2_ADD,
    F64X2_DIV,
    F64X2_SUB,
    get(t(SMALL)),
    get(t(A)),
    f64x2(SWITCH),
    F64X2_GT,
    V128_BITSELECT,
    get(x),
    f64x2(-0),
    V128_AND,
    V128_OR,
    set(x),
  ]);
  return code;
}

const I64X2_1023 = v128Const(new BigInt64Array([1023n, 1023n]));

/** tanh2(x: v128) -> v128: {@linkcode tanh} of both lanes. */
function tanh2Body(): number[] {
  return assemble(tanhOf([0], 1), get(0), END);
}

/**
 * tanh(ptr, count, scratch): tanh of `count` (even) float64 values at byte address ptr, in
 * place. Most pre-activations of a recurrent layer have |x| <= 0.625, where tanh is the
 * rational function alone, so: (1) eight values at a time (four v128 interleaved, independent
 * chains), every value gets the rational function, and the few with |x| > 0.625 are copied
 * aside (with their places) into `scratch`; (2) those get the whole computation, eight at a
 * time; (3) they are copied back. Each value goes through exactly the operations of
 * {@linkcode tanh}, so the results are its bits. The last pairs (count not a multiple of 8)
 * take the whole computation directly. `scratch` has room for {@linkcode tanhScratch}(count)
 * float64 values.
 */
function tanhBody(): number[] {
  const PTR = 0, COUNT = 1, SCRATCH = 2; // parameters
  const I = 3, N8 = 4, NB = 5, L = 6, ADDR = 7, BIG = 8, IDX = 9, P0 = 10, NB8 = 11, TMP = 12;
  const X = 13, M = 17, TEMPS = 21; // v128: the values, their |x| > 0.625 masks, 28 temporaries
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
  emit(IF, VOID); // values above 0.625 among the eight: set them aside
  for (let j = 0; j < 4; j++) emit(get(SCRATCH), get(M + j), V128_STORE, 3, uleb(16 * j));
  emit(I32_CONST, 0, set(L), LOOP, VOID);
  emit(get(SCRATCH), get(L), times(3), I32_ADD, I32_LOAD, 2, 0, IF, VOID); // lane L's mask
  emit(get(BIG), get(NB), times(3), I32_ADD, set(ADDR));
  emit(get(PTR), get(L), times(3), I32_ADD, set(TMP)); // the value's address
  emit(get(ADDR), get(TMP), I32_LOAD, 2, 0, I32_STORE, 2, 0);
  emit(get(ADDR), get(TMP), I32_LOAD, 2, 4, I32_STORE, 2, 4);
  emit(get(IDX), get(NB), times(2), I32_ADD, get(I), get(L), I32_ADD, I32_STORE, 2, 0);
  emit(get(NB), I32_CONST, 1, I32_ADD, set(NB), END);
  emit(get(L), I32_CONST, 1, I32_ADD, LOCAL_TEE, L, I32_CONST, 8, I32_LT_U, BR_IF, 0, END);
  emit(END);
  emit(tanhOf([X, X + 1, X + 2, X + 3], TEMPS, true)); // the rational function for all eight
  for (let j = 0; j < 4; j++) emit(get(PTR), get(X + j), V128_STORE, 3, uleb(16 * j));
  emit(get(PTR), I32_CONST, sleb(64), I32_ADD, set(PTR));
  emit(get(I), I32_CONST, 8, I32_ADD, LOCAL_TEE, I, get(N8), I32_LT_U, BR_IF, 0, END, END);
  emit(get(I), get(COUNT), I32_LT_U, IF, VOID, LOOP, VOID); // the last pairs: all of tanh
  emit(get(PTR), get(PTR), V128_LOAD, 3, 0, CALL, FN_TANH2, V128_STORE, 3, 0);
  emit(get(PTR), I32_CONST, 16, I32_ADD, set(PTR));
  emit(get(I), I32_CONST, 2, I32_ADD, LOCAL_TEE, I, get(COUNT), I32_LT_U, BR_IF, 0, END, END);
  // (2) the values set aside, padded with zeros to eights: all of tanh
  emit(get(NB), IF, VOID);
  emit(get(NB), I32_CONST, 7, I32_ADD, I32_CONST, sleb(-8), I32_AND, set(NB8));
  emit(get(NB), set(L), get(L), get(NB8), I32_LT_U, IF, VOID, LOOP, VOID);
  emit(get(BIG), get(L), times(3), I32_ADD, V128_CONST_ZERO, V128_STORE, 3, 0); // 16 bytes: ok
  emit(get(L), I32_CONST, 1, I32_ADD, LOCAL_TEE, L, get(NB8), I32_LT_U, BR_IF, 0, END, END);
  emit(get(BIG), set(ADDR), I32_CONST, 0, set(L), LOOP, VOID);
  for (let j = 0; j < 4; j++) emit(get(ADDR), V128_LOAD, 3, uleb(16 * j), set(X + j));
  emit(tanhOf([X, X + 1, X + 2, X + 3], TEMPS));
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

/** gemm(a, w, s, rows, inner, cols): S = A · W; see the module documentation. */
function gemmBody(): number[] {
  // Locals: the parameters (byte addresses and sizes), then the loop state, then the sums.
  const A = 0, W = 1, S = 2, ROWS = 3, INNER = 4, COLS = 5;
  const R = 6, C = 7, K = 8, WK = 9, A0 = 10, A1 = 11, SROW = 12;
  const ACC = 13; // 8 v128 sums: 13..20 (row r: 13..16, row r + 1: 17..20)
  const AV0 = 21, AV1 = 22, WV = 23;
  const { code, emit } = codeBuilder();
  emit(LOOP, VOID); // rows, two at a time
  // A0 = a + r * inner * 8; A1 = A0 + inner * 8
  emit(get(A), get(R), get(INNER), I32_MUL, times8, I32_ADD, set(A0));
  emit(get(A0), get(INNER), times8, I32_ADD, set(A1));
  emit(I32_CONST, 0, set(C));
  emit(LOOP, VOID); // columns, eight at a time
  for (let j = 0; j < 8; j++) emit(V128_CONST_ZERO, set(ACC + j));
  emit(get(W), get(C), times8, I32_ADD, set(WK)); // WK = &W[0, c]
  emit(I32_CONST, 0, set(K));
  emit(LOOP, VOID); // k = 0 .. inner − 1
  emit(get(A0), get(K), times8, I32_ADD, F64_LOAD, 3, 0, F64X2_SPLAT, set(AV0));
  emit(get(A1), get(K), times8, I32_ADD, F64_LOAD, 3, 0, F64X2_SPLAT, set(AV1));
  for (let j = 0; j < 4; j++) {
    emit(get(WK), V128_LOAD, 3, uleb(16 * j), set(WV)); // W[k, c + 2j .. c + 2j + 1]
    emit(get(ACC + j), get(AV0), get(WV), F64X2_MUL, F64X2_ADD, set(ACC + j));
    emit(get(ACC + 4 + j), get(AV1), get(WV), F64X2_MUL, F64X2_ADD, set(ACC + 4 + j));
  }
  emit(get(WK), get(COLS), times8, I32_ADD, set(WK)); // next row of W
  emit(get(K), I32_CONST, 1, I32_ADD, LOCAL_TEE, K, get(INNER), I32_LT_U, BR_IF, 0, END);
  // SROW = &S[r, c]; store the row-r sums, then the row-(r + 1) sums one row further.
  emit(get(S), get(R), get(COLS), I32_MUL, get(C), I32_ADD, times8, I32_ADD, set(SROW));
  for (let j = 0; j < 4; j++) emit(get(SROW), get(ACC + j), V128_STORE, 3, uleb(16 * j));
  emit(get(SROW), get(COLS), times8, I32_ADD, set(SROW));
  for (let j = 0; j < 4; j++) emit(get(SROW), get(ACC + 4 + j), V128_STORE, 3, uleb(16 * j));
  emit(get(C), I32_CONST, 8, I32_ADD, LOCAL_TEE, C, get(COLS), I32_LT_U, BR_IF, 0, END);
  emit(get(R), I32_CONST, 2, I32_ADD, LOCAL_TEE, R, get(ROWS), I32_LT_U, BR_IF, 0, END);
  emit(END);
  return code;
}

/**
 * addRows(z, list, count, n, b): for each of `count` rows of n float64 values at z (n even),
 * z[g] = (z[g] + s_g) + b, s_g the row at byte address list[g] and b [n] at byte address b:
 * one float64 add, then another, per value (two lanes at a time).
 */
function addRowsBody(): number[] {
  const Z = 0, LIST = 1, COUNT = 2, N = 3, B = 4; // parameters
  const G = 5, C = 6, ZP = 7, SP = 8; // i32
  const { code, emit } = codeBuilder();
  emit(get(Z), set(ZP));
  emit(LOOP, VOID); // rows
  emit(get(LIST), get(G), I32_CONST, 2, I32_SHL, I32_ADD, I32_LOAD, 2, 0, set(SP));
  emit(I32_CONST, 0, set(C), LOOP, VOID); // values, two at a time
  emit(get(ZP), get(C), times8, I32_ADD);
  emit(get(ZP), get(C), times8, I32_ADD, V128_LOAD, 3, 0);
  emit(get(SP), get(C), times8, I32_ADD, V128_LOAD, 3, 0, F64X2_ADD);
  emit(get(B), get(C), times8, I32_ADD, V128_LOAD, 3, 0, F64X2_ADD, V128_STORE, 3, 0);
  emit(get(C), I32_CONST, 2, I32_ADD, LOCAL_TEE, C, get(N), I32_LT_U, BR_IF, 0, END);
  emit(get(ZP), get(N), times8, I32_ADD, set(ZP));
  emit(get(G), I32_CONST, 1, I32_ADD, LOCAL_TEE, G, get(COUNT), I32_LT_U, BR_IF, 0, END);
  emit(END);
  return code;
}

/** The whole module: gemm, tanh, addRows (exported), tanh2 (internal), and the memory. */
function kernelsModule(): Uint8Array<ArrayBuffer> {
  // gemm, tanh, tanh2 (FN_TANH2), addRows: function i has index i
  return wasmModule({
    functions: [
      {
        name: "gemm",
        params: [I32, I32, I32, I32, I32, I32],
        locals: [[7, I32], [11, V128]],
        body: gemmBody(),
      },
      {
        name: "tanh",
        params: [I32, I32, I32],
        locals: [[10, I32], [8 + 28, V128]],
        body: tanhBody(),
      },
      { params: [V128], results: [V128], locals: [[7, V128]], body: tanh2Body() },
      {
        name: "addRows",
        params: [I32, I32, I32, I32, I32],
        locals: [[4, I32]],
        body: addRowsBody(),
      },
    ],
  });
}

/** Sizes of the regions of the kernels' memory, in elements. */
export interface KernelSizes {
  /** gemm's A; tanh's scratch (float64). */
  a?: number;
  /** gemm's W (float64). */
  w?: number;
  /** gemm's S, tanh's values (float64). */
  s?: number;
  /** addRows' rows z, and tanh's values (float64). */
  z?: number;
  /** addRows' b (float64). */
  bias?: number;
  /** addRows' row addresses (int32). */
  list?: number;
}

/** Views of the regions of the kernels' memory (valid until a `reserve` that grows them). */
export interface KernelBuffers {
  /** A [rows, inner] of gemm; tanh's scratch. */
  a: Float64Array;
  /** W [inner, cols] of gemm. */
  w: Float64Array;
  /** S [rows, cols] of gemm; tanh's values. */
  s: Float64Array;
  /** addRows' rows, then tanh's values. */
  z: Float64Array;
  /** addRows' b. */
  bias: Float64Array;
  /** addRows' row addresses. */
  list: Int32Array;
}

const REGIONS = ["a", "w", "s", "z", "bias", "list"] as const;
/** Bytes per element of each region. */
const ELEMENT_BYTES = { a: 8, w: 8, s: 8, z: 8, bias: 8, list: 4 };

type GemmFunction = (
  a: number,
  w: number,
  s: number,
  rows: number,
  inner: number,
  cols: number,
) => void;
type TanhFunction = (ptr: number, count: number, scratch: number) => void;
type AddRowsFunction = (z: number, list: number, count: number, n: number, b: number) => void;

/** The float64 values of scratch memory (region a) that `tanh` of `count` values needs. */
export function tanhScratch(count: number): number {
  return 8 + (count + 16) + Math.ceil(count / 2);
}

/** The compiled kernels with their memory; see the module documentation. */
export class WasmKernels {
  readonly #gemm: GemmFunction;
  readonly #tanh: TanhFunction;
  readonly #addRows: AddRowsFunction;
  readonly #memory: WebAssembly.Memory;
  #buffers: KernelBuffers = {
    a: new Float64Array(0),
    w: new Float64Array(0),
    s: new Float64Array(0),
    z: new Float64Array(0),
    bias: new Float64Array(0),
    list: new Int32Array(0),
  };

  private constructor(instance: WebAssembly.Instance) {
    this.#gemm = instance.exports.gemm as GemmFunction;
    this.#tanh = instance.exports.tanh as TanhFunction;
    this.#addRows = instance.exports.addRows as AddRowsFunction;
    this.#memory = instance.exports.memory as WebAssembly.Memory;
  }

  /** Compile the kernels; null where WebAssembly SIMD is not available. */
  static create(): WasmKernels | null {
    const instance = instantiate(kernelsModule());
    return instance && new WasmKernels(instance);
  }

  /**
   * Make room for regions of at least these many elements; returns the views. When a region has
   * to grow, every region is laid out anew and its contents are lost.
   */
  reserve(sizes: KernelSizes): KernelBuffers {
    const current = this.#buffers;
    let fits = true;
    for (const r of REGIONS) if ((sizes[r] ?? 0) > current[r].length) fits = false;
    if (fits) return current;
    const lengths = REGIONS.map((r) => Math.max(sizes[r] ?? 0, current[r].length));
    const { buffer, offsets } = layoutRegions(
      this.#memory,
      REGIONS.map((r, i) => lengths[i] * ELEMENT_BYTES[r]),
    );
    const f64 = (i: number) => new Float64Array(buffer, offsets[i], lengths[i]);
    this.#buffers = {
      a: f64(0),
      w: f64(1),
      s: f64(2),
      z: f64(3),
      bias: f64(4),
      list: new Int32Array(buffer, offsets[5], lengths[5]),
    };
    return this.#buffers;
  }

  /** s[:rows, :cols] = a[:rows, :inner] · w[:inner, :cols] (rows even, cols a multiple of 8). */
  multiply(rows: number, inner: number, cols: number): void {
    const { a, w, s } = this.#buffers;
    if (rows % 2 !== 0 || cols % 8 !== 0 || inner < 1 || rows < 2) {
      throw new Error(
        `gemm needs even rows, cols a multiple of 8, inner >= 1: ${rows}, ${inner}, ${cols}`,
      );
    }
    if (rows * inner > a.length || inner * cols > w.length || rows * cols > s.length) {
      throw new Error(
        `gemm operands [${rows}, ${inner}]·[${inner}, ${cols}] exceed the reserved memory`,
      );
    }
    this.#gemm(a.byteOffset, w.byteOffset, s.byteOffset, rows, inner, cols);
  }

  /**
   * values[:count] = tanh(values[:count]) in place for region s or z (default s), as
   * {@linkcode tanh} computes it (count even), using region a as scratch: reserve
   * `a: tanhScratch(count)` with them.
   */
  tanh(count: number, region: "s" | "z" = "s"): void {
    const values = this.#buffers[region], { a } = this.#buffers;
    if (
      count % 2 !== 0 || count < 2 || count > values.length || tanhScratch(count) > a.length
    ) {
      throw new Error(
        `tanh needs an even count of at least 2 within the reserved memory (${region}, and a ` +
          `for tanhScratch(count)): ${count}`,
      );
    }
    this.#tanh(values.byteOffset, count, a.byteOffset);
  }

  /**
   * z[g] = (z[g] + s_g) + bias for g < count, rows of n values (n even), s_g the row at
   * byte address list[g] (see `address`).
   */
  addRows(count: number, n: number): void {
    const { z, list, bias } = this.#buffers;
    if (
      n % 2 !== 0 || n < 2 || count < 1 || count * n > z.length || count > list.length ||
      n > bias.length
    ) {
      throw new Error(`addRows needs n even, within the reserved memory: ${count}, ${n}`);
    }
    this.#addRows(z.byteOffset, list.byteOffset, count, n, bias.byteOffset);
  }

  /** The byte address of element i of a float64 region. */
  address(region: "a" | "w" | "s" | "z", i: number): number {
    return this.#buffers[region].byteOffset + 8 * i;
  }
}
