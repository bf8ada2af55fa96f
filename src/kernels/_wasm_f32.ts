/**
 * The three matrix products of the fused RNN kernels (`rnn.ts`) in WebAssembly SIMD, four
 * float32 lanes per instruction, sums in float32 as the tfjs `cpu` backend's matMul sums:
 *
 *   gemmAdd   out[r, :] = pre[r, :] + a[r, :n] · w[n, cols]      the projection x · kernel + bias
 *                                                               and h_{t-1} · recurrentKernel
 *   gemmT     out[r, j] = sum over c of a[r, c] * w[j, c]        dZ · kernelᵀ, dz · recurrentKernelᵀ
 *   outerAdd  dst[i, :] += sum over r of a[r, i] * b[r, :]     xᵀ · dZ, hᵀ · dZ
 *
 * `cols` must be a multiple of 4 (the callers fall back to their TypeScript loops otherwise).
 * Each sum runs over its index in ascending order, one multiply then one add (no fused
 * multiply-add); within a row the four lanes are independent sums, except gemmT, which adds its
 * four lane sums as (l0 + l1) + (l2 + l3).
 *
 * The module is assembled below from its instructions (no toolchain needed). Operands live in one
 * {@link WasmArena}: callers copy inputs in, call, and copy results out (a few hundred kB per
 * batch, microseconds), so no view of the memory outlives a call.
 *
 * @example
 * ```ts
 * const arena = WasmArena.create();
 * if (arena) {
 *   const [a, w, zero, out] = arena.alloc([2 * 3, 3 * 4, 4, 2 * 4]);
 *   a.set([1, 2, 3, 4, 5, 6]);
 *   w.fill(1);
 *   zero.fill(0);
 *   arena.gemmAdd(out, zero, a, w, { rows: 2, n: 3, cols: 4 }, true); // rows [6 x4], [15 x4]
 * }
 * ```
 * @module
 */

import {
  BLOCK,
  BR_IF,
  codeBuilder,
  END,
  F32_ADD,
  F32_STORE,
  F32X4_ADD,
  F32X4_EXTRACT_LANE,
  F32X4_MUL,
  get,
  I32,
  I32_ADD,
  I32_CONST,
  I32_EQZ,
  I32_LT_U,
  I32_MUL,
  I32_SHL,
  I32_SHR_U,
  I32_SUB,
  instantiate,
  layoutRegions,
  LOCAL_TEE,
  LOOP,
  set,
  sleb,
  uleb,
  V128,
  V128_CONST_ZERO,
  V128_LOAD,
  V128_LOAD32_SPLAT,
  V128_STORE,
  VOID,
  type WasmFunction,
  wasmModule,
} from "./_wasm_assembler.ts";

/** i32 on the stack times 4 (bytes of a float32). */
const TIMES4 = [I32_CONST, 2, I32_SHL];
/** local[i] += constant */
const addConst = (i: number, c: number) => [...get(i), I32_CONST, ...sleb(c), I32_ADD, ...set(i)];
/** local[i] += local[j] */
const addLocal = (i: number, j: number) => [...get(i), ...get(j), I32_ADD, ...set(i)];
/** local[i] -= 1; loop again while it is not 0 (closes the loop) */
const countDown = (i: number) => [
  ...get(i),
  I32_CONST,
  1,
  I32_SUB,
  LOCAL_TEE,
  i,
  BR_IF,
  0,
  END,
];

/**
 * gemmAdd(out, pre, preStride, a, n, w, cols, rows): byte addresses; preStride in bytes (0 to
 * add the same row, e.g. a bias, to every output row); n >= 0, rows >= 1, cols a multiple of
 * 4 * blocks: `blocks` independent four-column sums in flight (one load of a[r, k] for all).
 */
function gemmAddBody(blocks: number): number[] {
  const [OUT, PRE, PRE_STRIDE, A, N, W, COLS, ROWS] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [COL_BYTES, GB, AP, WP, K, S, ACC] = [8, 9, 10, 11, 12, 13, 14];
  const { code, emit } = codeBuilder();
  emit(get(COLS), TIMES4, set(COL_BYTES));
  emit(LOOP, VOID); // rows
  emit(I32_CONST, 0, set(GB));
  emit(LOOP, VOID); // 4 * blocks columns at a time
  for (let q = 0; q < blocks; q++) {
    emit(get(PRE), get(GB), I32_ADD, V128_LOAD, 2, uleb(16 * q), set(ACC + q));
  }
  emit(get(A), set(AP), get(W), get(GB), I32_ADD, set(WP), get(N), set(K));
  emit(BLOCK, VOID, get(K), I32_EQZ, BR_IF, 0);
  emit(LOOP, VOID); // k = 0 .. n - 1
  emit(get(AP), V128_LOAD32_SPLAT, 2, 0, set(S));
  for (let q = 0; q < blocks; q++) {
    emit(get(ACC + q), get(S), get(WP), V128_LOAD, 2, uleb(16 * q), F32X4_MUL, F32X4_ADD);
    emit(set(ACC + q));
  }
  emit(addConst(AP, 4), addLocal(WP, COL_BYTES), countDown(K));
  emit(END); // block
  for (let q = 0; q < blocks; q++) {
    emit(get(OUT), get(GB), I32_ADD, get(ACC + q), V128_STORE, 2, uleb(16 * q));
  }
  emit(get(GB), I32_CONST, sleb(16 * blocks), I32_ADD, LOCAL_TEE, GB, get(COL_BYTES), I32_LT_U);
  emit(BR_IF, 0, END);
  emit(addLocal(OUT, COL_BYTES), addLocal(PRE, PRE_STRIDE));
  emit(get(A), get(N), TIMES4, I32_ADD, set(A));
  emit(countDown(ROWS));
  emit(END); // function
  return code;
}

/**
 * gemmT(out, a, cols, w, n, rows): out[r, j] = a[r, :] · w[j, :]; cols % 4 = 0, n a positive
 * multiple of `js`: `js` rows of w (independent sums) at a time, sharing each load of a.
 */
function gemmTBody(js: number): number[] {
  const [OUT, A, COLS, W, N, ROWS] = [0, 1, 2, 3, 4, 5];
  const [COL_BYTES, WP, J, GB, WQ] = [6, 7, 8, 9, 10]; // WQ .. WQ + js - 1: rows of w
  const AV = WQ + js, ACC = AV + 1; // v128 locals
  const { code, emit } = codeBuilder();
  const lane = (q: number, i: number) => [...get(ACC + q), ...F32X4_EXTRACT_LANE, i];
  emit(get(COLS), TIMES4, set(COL_BYTES));
  emit(LOOP, VOID); // rows
  emit(get(W), set(WP), get(N), I32_CONST, js === 1 ? 0 : js === 2 ? 1 : 2, I32_SHR_U, set(J));
  emit(LOOP, VOID); // js rows of w
  for (let q = 0; q < js; q++) {
    emit(V128_CONST_ZERO, set(ACC + q));
    emit(get(WP), I32_CONST, sleb(q), get(COL_BYTES), I32_MUL, I32_ADD, set(WQ + q));
  }
  emit(I32_CONST, 0, set(GB));
  emit(LOOP, VOID); // four columns at a time
  emit(get(A), get(GB), I32_ADD, V128_LOAD, 2, 0, set(AV));
  for (let q = 0; q < js; q++) {
    emit(get(ACC + q), get(AV), get(WQ + q), get(GB), I32_ADD, V128_LOAD, 2, 0);
    emit(F32X4_MUL, F32X4_ADD, set(ACC + q));
  }
  emit(get(GB), I32_CONST, 16, I32_ADD, LOCAL_TEE, GB, get(COL_BYTES), I32_LT_U, BR_IF, 0, END);
  for (let q = 0; q < js; q++) {
    emit(get(OUT), lane(q, 0), lane(q, 1), F32_ADD, lane(q, 2), lane(q, 3), F32_ADD, F32_ADD);
    emit(F32_STORE, 2, uleb(4 * q));
  }
  emit(addConst(OUT, 4 * js));
  emit(get(WP), get(COL_BYTES), I32_CONST, sleb(js), I32_MUL, I32_ADD, set(WP));
  emit(countDown(J));
  emit(addLocal(A, COL_BYTES), countDown(ROWS));
  emit(END); // function
  return code;
}

/** outerAdd(dst, a, m, b, cols, rows): dst[i, :] += a[r, i] * b[r, :]; m >= 1, cols % 4 = 0. */
function outerAddBody(): number[] {
  const [DST, A, M, B, COLS, ROWS] = [0, 1, 2, 3, 4, 5];
  const [COL_BYTES, DP, I, GB, S, P] = [6, 7, 8, 9, 10, 11];
  const { code, emit } = codeBuilder();
  emit(get(COLS), TIMES4, set(COL_BYTES));
  emit(LOOP, VOID); // rows
  emit(get(DST), set(DP), get(M), set(I));
  emit(LOOP, VOID); // i
  emit(get(A), V128_LOAD32_SPLAT, 2, 0, set(S), I32_CONST, 0, set(GB));
  emit(LOOP, VOID); // four columns at a time: dst[i, c..c+3] += a[r, i] * b[r, c..c+3]
  emit(get(DP), get(GB), I32_ADD, LOCAL_TEE, P, get(P), V128_LOAD, 2, 0);
  emit(get(S), get(B), get(GB), I32_ADD, V128_LOAD, 2, 0, F32X4_MUL, F32X4_ADD);
  emit(V128_STORE, 2, 0);
  emit(get(GB), I32_CONST, 16, I32_ADD, LOCAL_TEE, GB, get(COL_BYTES), I32_LT_U, BR_IF, 0, END);
  emit(addLocal(DP, COL_BYTES), addConst(A, 4), countDown(I));
  emit(addLocal(B, COL_BYTES), countDown(ROWS));
  emit(END); // function
  return code;
}

/**
 * outerAdd4(dst, a, m, b, cols, groups): outerAdd over 4 * groups rows, four rows at a time (one
 * load and store of dst per four multiply-adds; the adds in row order, as outerAdd's).
 */
function outerAdd4Body(): number[] {
  const [DST, A, M, B, COLS, GROUPS] = [0, 1, 2, 3, 4, 5];
  const [COL_BYTES, M_BYTES, DP, I, GB, AP, B1, B2, B3, P] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
  const S = 16, V = 20; // v128: S .. S + 3 the four a[r, i], V the dst block
  const { code, emit } = codeBuilder();
  const rowOf = [B, B1, B2, B3];
  emit(get(COLS), TIMES4, set(COL_BYTES), get(M), TIMES4, set(M_BYTES));
  emit(LOOP, VOID); // groups of four rows
  emit(get(B), get(COL_BYTES), I32_ADD, LOCAL_TEE, B1, get(COL_BYTES), I32_ADD, LOCAL_TEE, B2);
  emit(get(COL_BYTES), I32_ADD, set(B3));
  emit(get(DST), set(DP), get(M), set(I), get(A), set(AP));
  emit(LOOP, VOID); // i
  for (let q = 0; q < 4; q++) {
    emit(get(AP));
    for (let k = 0; k < q; k++) emit(get(M_BYTES), I32_ADD);
    emit(V128_LOAD32_SPLAT, 2, 0, set(S + q));
  }
  emit(I32_CONST, 0, set(GB));
  emit(LOOP, VOID); // four columns at a time
  emit(get(DP), get(GB), I32_ADD, LOCAL_TEE, P, V128_LOAD, 2, 0, set(V));
  for (let q = 0; q < 4; q++) {
    emit(get(V), get(S + q), get(rowOf[q]), get(GB), I32_ADD, V128_LOAD, 2, 0, F32X4_MUL);
    emit(F32X4_ADD, set(V));
  }
  emit(get(P), get(V), V128_STORE, 2, 0);
  emit(get(GB), I32_CONST, 16, I32_ADD, LOCAL_TEE, GB, get(COL_BYTES), I32_LT_U, BR_IF, 0, END);
  emit(addLocal(DP, COL_BYTES), addConst(AP, 4), countDown(I));
  emit(get(A), get(M_BYTES), TIMES4, I32_ADD, set(A));
  emit(get(B), get(COL_BYTES), TIMES4, I32_ADD, set(B));
  emit(countDown(GROUPS));
  emit(END); // function
  return code;
}

/** Variants: gemmAdd with 1, 2, 4 column blocks; gemmT with 1, 4 rows of w at a time. */
const GEMM_ADD_BLOCKS = [1, 2, 4];
const GEMM_T_ROWS = [1, 4];

/** The module: gemmAdd1/2/4, gemmT1/4, outerAdd, outerAdd4 and the memory, exported. */
function module(): Uint8Array<ArrayBuffer> {
  const i32s = (n: number) => new Array(n).fill(I32);
  const functions: WasmFunction[] = [
    ...GEMM_ADD_BLOCKS.map((blocks): WasmFunction => ({
      name: `gemmAdd${blocks}`,
      params: i32s(8),
      locals: [[5, I32], [1 + blocks, V128]],
      body: gemmAddBody(blocks),
    })),
    ...GEMM_T_ROWS.map((js): WasmFunction => ({
      name: `gemmT${js}`,
      params: i32s(6),
      locals: [[4 + js, I32], [1 + js, V128]],
      body: gemmTBody(js),
    })),
    {
      name: "outerAdd",
      params: i32s(6),
      locals: [[4, I32], [1, V128], [1, I32]],
      body: outerAddBody(),
    },
    { name: "outerAdd4", params: i32s(6), locals: [[10, I32], [5, V128]], body: outerAdd4Body() },
  ];
  return wasmModule({ functions });
}

type Fn8 = (
  a: number,
  b: number,
  c: number,
  d: number,
  e: number,
  f: number,
  g: number,
  h: number,
) => void;
type Fn6 = (a: number, b: number, c: number, d: number, e: number, f: number) => void;

/** Sizes of a product: rows of the output, inner length n, columns (a multiple of 4). */
export interface ProductSizes {
  rows: number;
  n: number;
  cols: number;
}

/**
 * The compiled kernels and their memory. `alloc` hands out float32 views of the memory; they
 * stay valid until the next `alloc` (which may grow, and so detach, the memory).
 */
export class WasmArena {
  readonly #exports: Record<string, unknown>;
  readonly #memory: WebAssembly.Memory;

  private constructor(instance: WebAssembly.Instance) {
    this.#exports = instance.exports as Record<string, unknown>;
    this.#memory = instance.exports.memory as WebAssembly.Memory;
  }

  /** Compiles the kernels; null where WebAssembly SIMD is not available. */
  static create(): WasmArena | null {
    const instance = instantiate(module());
    return instance && new WasmArena(instance);
  }

  /**
   * The unchecked gemmAdd for `cols` columns (the widest variant that divides them), on BYTE
   * addresses of the memory (`region.byteOffset + 4 * i`), for loops that call it once per
   * time step: (out, pre, preStrideBytes, a, n, w, cols, rows); rows >= 1, cols % 4 = 0.
   */
  gemmAddFn(cols: number): Fn8 {
    checkCols(cols);
    const blocks = cols % 16 === 0 ? 4 : cols % 8 === 0 ? 2 : 1;
    return this.#exports[`gemmAdd${blocks}`] as Fn8;
  }

  /**
   * The unchecked gemmT for `n` rows of w, on byte addresses: (out, a, cols, w, n, rows);
   * rows, n >= 1, cols % 4 = 0.
   */
  gemmTFn(n: number): Fn6 {
    return this.#exports[`gemmT${n % 4 === 0 ? 4 : 1}`] as Fn6;
  }

  /**
   * The unchecked outerAdd on byte addresses: (dst, a, m, b, cols, rows); rows, m >= 1: four
   * rows at a time, then the rest one by one.
   */
  readonly outerAddFn: Fn6 = (dst, a, m, b, cols, rows) => {
    const groups = rows >> 2;
    if (groups > 0) (this.#exports.outerAdd4 as Fn6)(dst, a, m, b, cols, groups);
    const rest = rows & 3;
    if (rest > 0) {
      const done = 4 * groups;
      (this.#exports.outerAdd as Fn6)(dst, a + 4 * m * done, m, b + 4 * cols * done, cols, rest);
    }
  };

  /**
   * Float32 regions of the given lengths (16-byte aligned, contents arbitrary), replacing every
   * region of the previous call.
   */
  alloc(lengths: number[]): Float32Array[] {
    const { buffer, offsets } = layoutRegions(this.#memory, lengths.map((n) => n * 4));
    return lengths.map((n, i) => new Float32Array(buffer, offsets[i], n));
  }

  /**
   * out[r, :] = pre[r, :] + a[r, :n] · w[n, cols] for r < rows; with `preIsRow`, pre[0, :] is
   * added to every row (a bias).
   */
  gemmAdd(
    out: Float32Array,
    pre: Float32Array,
    a: Float32Array,
    w: Float32Array,
    sizes: ProductSizes,
    preIsRow = false,
  ): void {
    const { rows, n, cols } = sizes;
    if (rows < 1) return;
    this.gemmAddFn(cols)(
      out.byteOffset,
      pre.byteOffset,
      preIsRow ? 0 : cols * 4,
      a.byteOffset,
      n,
      w.byteOffset,
      cols,
      rows,
    );
  }

  /** out[r, j] = a[r, :cols] · w[j, :cols] for j < n. */
  gemmT(out: Float32Array, a: Float32Array, w: Float32Array, sizes: ProductSizes): void {
    const { rows, n, cols } = sizes;
    checkCols(cols);
    if (rows < 1 || n < 1) return;
    this.gemmTFn(n)(out.byteOffset, a.byteOffset, cols, w.byteOffset, n, rows);
  }

  /** dst[i, :cols] += sum over r < rows of a[r, i] * b[r, :cols], i < n. */
  outerAdd(dst: Float32Array, a: Float32Array, b: Float32Array, sizes: ProductSizes): void {
    const { rows, n, cols } = sizes;
    checkCols(cols);
    if (rows < 1 || n < 1) return;
    this.outerAddFn(dst.byteOffset, a.byteOffset, n, b.byteOffset, cols, rows);
  }
}

function checkCols(cols: number): void {
  if (cols < 4 || cols % 4 !== 0) {
    throw new Error(`WasmArena: cols must be a positive multiple of 4, got ${cols}`);
  }
}

/** The one arena of the process (null without WebAssembly SIMD). */
export const wasmArena: WasmArena | null = WasmArena.create();
