/**
 * The one family of matrix products in WebAssembly SIMD, built by one builder for a lane type:
 * {@linkcode F32X4} (four float32 lanes: the fused RNN kernels, `_wasm_f32.ts`) or
 * {@linkcode F64X2} (two float64 lanes: the hand-written RNN's products, `_wasm_f64.ts`).
 * Row-major operands in the memory of a {@link WasmArena}:
 *
 *   gemmAdd   out[r, :] = pre[r, :] + a[r, :n] · w[n, cols]    x · kernel + bias,
 *                                                            h_{t-1} · recurrentKernel
 *   gemm      out[r, :] = a[r, :n] · w[n, cols]                the hand-written RNN's np.dot
 *   gemmT     out[r, j] = a[r, :cols] · w[j, :cols]            dZ · kernelᵀ, dz · recurrentKernelᵀ
 *   outerAdd  dst[i, :] += sum over r of a[r, i] * b[r, :]   xᵀ · dZ, hᵀ · dZ
 *
 * `cols` may be any positive number: the columns that fill whole vectors run in the lanes, the
 * rest (fewer than the lane count: e.g. 15 gate columns of GRU(5), 3 of SimpleRNN(3)) one at a
 * time in lane 0 with the same operations. Every sum runs over its index in ascending order in
 * the lanes' precision, one multiply then one add (no fused multiply-add): gemmAdd's out[r, c] is
 * `s = pre[r, c]; for k: s += a[r, k] * w[k, c]`, bit for bit, whichever part c falls in, and
 * gemm's `s = 0; for k: s += a[r, k] * w[k, c]` (numpy's float64 sums, which the hand-written
 * RNN needs); outerAdd adds the rows in order. gemmT sums each lane's columns
 * (c ≡ lane mod count, among the whole vectors) apart, adds the lane sums as
 * (l0 + l1) + (l2 + l3) for four lanes, l0 + l1 for two, then the remaining columns' products
 * one by one in ascending order.
 *
 * Each product comes in variants that keep several independent sums in flight (gemmAdd, gemm: 1,
 * 2 or 4 vectors of columns, of one or two rows; gemmT: 1 or 4 rows of w; outerAdd: 1 or 4 rows at a time); the variant
 * changes the speed, never a result.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const products = MatrixProducts.create(F32X4);
 * if (products) {
 *   const { a, w, bias, out } = products.arena.regions({ a: 2 * 3, w: 3 * 4, bias: 4, out: 2 * 4 });
 *   a.set([1, 2, 3, 4, 5, 6]); // [2, 3]
 *   w.fill(1); // [3, 4]
 *   bias.set([0, 0, 0, 0.5]);
 *   products.gemmAdd({ out, pre: bias, preIsRow: true, a, w, rows: 2, n: 3, cols: 4 });
 *   assert.deepEqual(Array.from(out), [6, 6, 6, 6.5, 15, 15, 15, 15.5]);
 * }
 * ```
 * @module
 */

import { WasmArena } from "./_wasm_arena.ts";
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
  F64_ADD,
  F64_STORE,
  F64X2_ADD,
  F64X2_EXTRACT_LANE,
  F64X2_MUL,
  get,
  I32,
  I32_ADD,
  I32_AND,
  I32_CONST,
  I32_EQZ,
  I32_GE_U,
  I32_LT_U,
  I32_MUL,
  I32_SHL,
  I32_SHR_U,
  I32_SUB,
  LOCAL_TEE,
  LOOP,
  set,
  shuffle32,
  sleb,
  uleb,
  V128,
  V128_CONST_ZERO,
  V128_LOAD,
  V128_LOAD32_SPLAT,
  V128_LOAD64_SPLAT,
  V128_STORE,
  VOID,
  type WasmFunction,
} from "./_wasm_assembler.ts";

/** A lane type: the numbers one v128 holds and the instructions on them. */
export interface Lanes {
  /** "f32x4" or "f64x2": the prefix of the products' export names. */
  readonly name: string;
  /** Numbers per v128. */
  readonly count: number;
  /** log2 of the bytes of one number (2 for float32, 3 for float64). */
  readonly log2Bytes: number;
  /** The typed array of one number's type. */
  readonly array: Float32ArrayConstructor | Float64ArrayConstructor;
  readonly splat: number[];
  readonly mul: number[];
  readonly add: number[];
  readonly extractLane: number[];
  readonly scalarAdd: number;
  readonly scalarStore: number;
}

/** Four float32 lanes. */
export const F32X4: Lanes = Object.freeze({
  name: "f32x4",
  count: 4,
  log2Bytes: 2,
  array: Float32Array,
  splat: V128_LOAD32_SPLAT,
  mul: F32X4_MUL,
  add: F32X4_ADD,
  extractLane: F32X4_EXTRACT_LANE,
  scalarAdd: F32_ADD,
  scalarStore: F32_STORE,
});

/** Two float64 lanes. */
export const F64X2: Lanes = Object.freeze({
  name: "f64x2",
  count: 2,
  log2Bytes: 3,
  array: Float64Array,
  splat: V128_LOAD64_SPLAT,
  mul: F64X2_MUL,
  add: F64X2_ADD,
  extractLane: F64X2_EXTRACT_LANE,
  scalarAdd: F64_ADD,
  scalarStore: F64_STORE,
});

// ---- the builder --------------------------------------------------------------------------

/** Instructions on i32 locals that the bodies share. */
function helpers(lanes: Lanes) {
  const bytes = 1 << lanes.log2Bytes;
  const align = lanes.log2Bytes; // the alignment hint of loads and stores
  return {
    bytes,
    align,
    /** i32 on the stack times the bytes of a number */
    toBytes: [I32_CONST, lanes.log2Bytes, I32_SHL],
    /** local[i] += constant */
    addConst: (i: number, c: number) => [...get(i), I32_CONST, ...sleb(c), I32_ADD, ...set(i)],
    /** local[i] += local[j] */
    addLocal: (i: number, j: number) => [...get(i), ...get(j), I32_ADD, ...set(i)],
    /** local[i] -= 1; loop again while it is not 0 (closes the loop) */
    countDown: (i: number) => [...get(i), I32_CONST, 1, I32_SUB, LOCAL_TEE, i, BR_IF, 0, END],
  };
}

/**
 * gemmAdd(out, outStride, pre, preStride, a, aStride, n, w, cols, count), byte addresses and
 * strides (the bytes from one row to the next: preStride 0 adds the same row, e.g. a bias, to
 * every output row); n >= 0, count >= 1 groups of `rows` rows, cols >= 1: the whole vectors of
 * columns `blocks` at a time (blocks dividing their number), `rows` × `blocks` independent
 * vectors of sums in flight (each load of w shared by the rows, each load of a[r, k] by the
 * blocks), then the remaining columns one at a time in lane 0. `fromZero`: the sums start from
 * +0 instead of pre (gemm; pre and preStride are not read). out may be pre (each row and block
 * is read before it is written).
 */
function gemmAddBody(lanes: Lanes, blocks: number, rows: number, fromZero = false): number[] {
  const { bytes, align, toBytes, addConst, addLocal, countDown } = helpers(lanes);
  const [OUT, OUT_STRIDE, PRE, PRE_STRIDE, A, A_STRIDE, N, W, COLS, COUNT] = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
  ];
  const [COL_BYTES, GB, AP, WP, K, VEC_BYTES] = [10, 11, 12, 13, 14, 15];
  const WV = 16, S = 17, ACC = S + rows; // v128: a vector of w, a[r, k] for each row, the sums
  const acc = (r: number, q: number) => ACC + r * blocks + q;
  const { code, emit } = codeBuilder();
  /** local + r · stride, on the stack */
  const rowOf = (local: number, stride: number, r: number) => {
    const code = [...get(local)];
    for (let i = 0; i < r; i++) code.push(...get(stride), I32_ADD);
    return code;
  };
  /** the sums of the columns at byte offset GB: `vectors` vectors, or one column in lane 0 */
  const sums = (vectors: number, tail: boolean) => {
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < vectors; q++) {
        if (fromZero) emit(V128_CONST_ZERO, set(acc(r, q)));
        else {
          emit(rowOf(PRE, PRE_STRIDE, r), get(GB), I32_ADD);
          emit(tail ? [...lanes.splat, align, 0] : [...V128_LOAD, align, ...uleb(16 * q)]);
          emit(set(acc(r, q)));
        }
      }
    }
    emit(get(A), set(AP), get(W), get(GB), I32_ADD, set(WP), get(N), set(K));
    emit(BLOCK, VOID, get(K), I32_EQZ, BR_IF, 0);
    emit(LOOP, VOID); // k = 0 .. n - 1
    for (let r = 0; r < rows; r++) emit(rowOf(AP, A_STRIDE, r), lanes.splat, align, 0, set(S + r));
    for (let q = 0; q < vectors; q++) {
      emit(get(WP), tail ? [...lanes.splat, align, 0] : [...V128_LOAD, align, ...uleb(16 * q)]);
      emit(set(WV));
      for (let r = 0; r < rows; r++) {
        emit(get(acc(r, q)), get(S + r), get(WV), lanes.mul, lanes.add, set(acc(r, q)));
      }
    }
    emit(addConst(AP, bytes), addLocal(WP, COL_BYTES), countDown(K));
    emit(END); // block
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < vectors; q++) {
        emit(rowOf(OUT, OUT_STRIDE, r), get(GB), I32_ADD);
        if (tail) emit(get(acc(r, q)), lanes.extractLane, 0, lanes.scalarStore, align, 0);
        else emit(get(acc(r, q)), V128_STORE, align, uleb(16 * q));
      }
    }
  };
  emit(get(COLS), toBytes, set(COL_BYTES));
  emit(get(COLS), I32_CONST, sleb(-lanes.count), I32_AND, toBytes, set(VEC_BYTES));
  emit(LOOP, VOID); // groups of rows
  emit(I32_CONST, 0, set(GB));
  emit(BLOCK, VOID, get(VEC_BYTES), I32_EQZ, BR_IF, 0);
  emit(LOOP, VOID); // blocks vectors of columns at a time
  sums(blocks, false);
  emit(get(GB), I32_CONST, sleb(16 * blocks), I32_ADD, LOCAL_TEE, GB, get(VEC_BYTES), I32_LT_U);
  emit(BR_IF, 0, END, END);
  emit(BLOCK, VOID, get(GB), get(COL_BYTES), I32_GE_U, BR_IF, 0);
  emit(LOOP, VOID); // the remaining columns, one at a time
  sums(1, true);
  emit(get(GB), I32_CONST, bytes, I32_ADD, LOCAL_TEE, GB, get(COL_BYTES), I32_LT_U);
  emit(BR_IF, 0, END, END);
  for (let r = 0; r < rows; r++) {
    emit(addLocal(OUT, OUT_STRIDE), addLocal(PRE, PRE_STRIDE), addLocal(A, A_STRIDE));
  }
  emit(countDown(COUNT));
  emit(END); // function
  return code;
}

/**
 * gemmT(out, outStride, a, aStride, cols, w, n, rows): out[r, j] = a[r, :] · w[j, :], byte
 * addresses and row strides of out and a; cols >= 1, n a positive multiple of `js`: `js` rows of
 * w (independent sums) at a time, sharing each load of a; the columns of whole vectors in the
 * lanes, whose sums are added, then the remaining columns' products added one by one (lane 0).
 */
function gemmTBody(lanes: Lanes, js: number): number[] {
  const { bytes, align, toBytes, addConst, addLocal, countDown } = helpers(lanes);
  const [OUT, OUT_STRIDE, A, A_STRIDE, COLS, W, N, ROWS] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [COL_BYTES, WP, J, GB, OP, WQ] = [8, 9, 10, 11, 12, 13]; // WQ .. WQ + js - 1: rows of w
  const VEC_BYTES = WQ + js, AV = VEC_BYTES + 1, ACC = AV + 1; // i32, then v128 locals
  const { code, emit } = codeBuilder();
  const lane = (q: number, i: number) => [...get(ACC + q), ...lanes.extractLane, i];
  /** the lane sums of ACC + q: (l0 + l1) + (l2 + l3), or l0 + l1 */
  const laneSum = (q: number) =>
    lanes.count === 4
      ? [
        ...lane(q, 0),
        ...lane(q, 1),
        lanes.scalarAdd,
        ...lane(q, 2),
        ...lane(q, 3),
        lanes.scalarAdd,
        lanes.scalarAdd,
      ]
      : [...lane(q, 0), ...lane(q, 1), lanes.scalarAdd];
  emit(get(COLS), toBytes, set(COL_BYTES));
  emit(get(COLS), I32_CONST, sleb(-lanes.count), I32_AND, toBytes, set(VEC_BYTES));
  emit(LOOP, VOID); // rows
  emit(get(OUT), set(OP));
  emit(get(W), set(WP), get(N), I32_CONST, Math.log2(js), I32_SHR_U, set(J));
  emit(LOOP, VOID); // js rows of w
  for (let q = 0; q < js; q++) {
    emit(V128_CONST_ZERO, set(ACC + q));
    emit(get(WP), I32_CONST, sleb(q), get(COL_BYTES), I32_MUL, I32_ADD, set(WQ + q));
  }
  emit(I32_CONST, 0, set(GB));
  emit(BLOCK, VOID, get(VEC_BYTES), I32_EQZ, BR_IF, 0);
  emit(LOOP, VOID); // one vector of columns at a time
  emit(get(A), get(GB), I32_ADD, V128_LOAD, align, 0, set(AV));
  for (let q = 0; q < js; q++) {
    emit(get(ACC + q), get(AV), get(WQ + q), get(GB), I32_ADD, V128_LOAD, align, 0);
    emit(lanes.mul, lanes.add, set(ACC + q));
  }
  emit(get(GB), I32_CONST, 16, I32_ADD, LOCAL_TEE, GB, get(VEC_BYTES), I32_LT_U, BR_IF, 0);
  emit(END, END);
  if (lanes.count === 4 && js % 4 === 0) {
    // four rows of w at once: their lane sums (l0 + l1) + (l2 + l3) side by side in one vector
    // (the same adds, in lanes), stored together
    const evens = shuffle32([0, 2, 4, 6]), odds = shuffle32([1, 3, 5, 7]);
    /** the lanes' pairs added: (x0 + x1, x2 + x3, y0 + y1, y2 + y3) */
    const pairs = (x: number, y: number) => [
      ...get(x),
      ...get(y),
      ...evens,
      ...get(x),
      ...get(y),
      ...odds,
      ...lanes.add,
    ];
    for (let q = 0; q < js; q += 4) {
      emit(pairs(ACC + q, ACC + q + 1), set(ACC + q));
      emit(pairs(ACC + q + 2, ACC + q + 3), set(ACC + q + 2));
      emit(get(OP), pairs(ACC + q, ACC + q + 2), V128_STORE, align, uleb(bytes * q));
    }
  } else {
    for (let q = 0; q < js; q++) {
      emit(get(OP), laneSum(q), lanes.scalarStore, align, uleb(bytes * q));
    }
  }
  // the remaining columns: s = the lane sums; s += a[c] * w[j, c], c ascending, in lane 0
  emit(BLOCK, VOID, get(GB), get(COL_BYTES), I32_GE_U, BR_IF, 0);
  for (let q = 0; q < js; q++) {
    emit(get(OP), lanes.splat, align, uleb(bytes * q), set(ACC + q));
  }
  emit(LOOP, VOID);
  emit(get(A), get(GB), I32_ADD, lanes.splat, align, 0, set(AV));
  for (let q = 0; q < js; q++) {
    emit(get(ACC + q), get(AV), get(WQ + q), get(GB), I32_ADD, lanes.splat, align, 0);
    emit(lanes.mul, lanes.add, set(ACC + q));
  }
  emit(get(GB), I32_CONST, bytes, I32_ADD, LOCAL_TEE, GB, get(COL_BYTES), I32_LT_U, BR_IF, 0);
  emit(END);
  for (let q = 0; q < js; q++) {
    emit(get(OP), get(ACC + q), lanes.extractLane, 0, lanes.scalarStore, align, uleb(bytes * q));
  }
  emit(END); // block
  emit(addConst(OP, bytes * js));
  emit(get(WP), get(COL_BYTES), I32_CONST, sleb(js), I32_MUL, I32_ADD, set(WP));
  emit(countDown(J));
  emit(addLocal(A, A_STRIDE), addLocal(OUT, OUT_STRIDE), countDown(ROWS));
  emit(END); // function
  return code;
}

/**
 * outerAdd(dst, a, m, b, cols, rows): dst[i, :] += a[r, i] * b[r, :], r ascending; m >= 1,
 * cols >= 1 (whole vectors in the lanes, the remaining columns one at a time in lane 0).
 */
function outerAddBody(lanes: Lanes): number[] {
  const { bytes, align, toBytes, addConst, addLocal, countDown } = helpers(lanes);
  const [DST, A, M, B, COLS, ROWS] = [0, 1, 2, 3, 4, 5];
  const [COL_BYTES, DP, I, GB, S, P, VEC_BYTES] = [6, 7, 8, 9, 10, 11, 12];
  const { code, emit } = codeBuilder();
  emit(get(COLS), toBytes, set(COL_BYTES));
  emit(get(COLS), I32_CONST, sleb(-lanes.count), I32_AND, toBytes, set(VEC_BYTES));
  emit(LOOP, VOID); // rows
  emit(get(DST), set(DP), get(M), set(I));
  emit(LOOP, VOID); // i
  emit(get(A), lanes.splat, align, 0, set(S), I32_CONST, 0, set(GB));
  emit(BLOCK, VOID, get(VEC_BYTES), I32_EQZ, BR_IF, 0);
  emit(LOOP, VOID); // one vector of columns at a time: dst[i, c..] += a[r, i] * b[r, c..]
  emit(get(DP), get(GB), I32_ADD, LOCAL_TEE, P, get(P), V128_LOAD, align, 0);
  emit(get(S), get(B), get(GB), I32_ADD, V128_LOAD, align, 0, lanes.mul, lanes.add);
  emit(V128_STORE, align, 0);
  emit(get(GB), I32_CONST, 16, I32_ADD, LOCAL_TEE, GB, get(VEC_BYTES), I32_LT_U, BR_IF, 0);
  emit(END, END);
  emit(BLOCK, VOID, get(GB), get(COL_BYTES), I32_GE_U, BR_IF, 0);
  emit(LOOP, VOID); // the remaining columns, one at a time
  emit(get(DP), get(GB), I32_ADD, LOCAL_TEE, P, get(P), lanes.splat, align, 0);
  emit(get(S), get(B), get(GB), I32_ADD, lanes.splat, align, 0, lanes.mul, lanes.add);
  emit(lanes.extractLane, 0, lanes.scalarStore, align, 0);
  emit(get(GB), I32_CONST, bytes, I32_ADD, LOCAL_TEE, GB, get(COL_BYTES), I32_LT_U, BR_IF, 0);
  emit(END, END);
  emit(addLocal(DP, COL_BYTES), addConst(A, bytes), countDown(I));
  emit(addLocal(B, COL_BYTES), countDown(ROWS));
  emit(END); // function
  return code;
}

/**
 * outerAdd4(dst, a, m, b, cols, groups): outerAdd over 4 * groups rows, four rows at a time (one
 * load and store of dst per four multiply-adds; the adds in row order, as outerAdd's).
 */
function outerAdd4Body(lanes: Lanes): number[] {
  const { bytes, align, toBytes, addConst, addLocal, countDown } = helpers(lanes);
  const [DST, A, M, B, COLS, GROUPS] = [0, 1, 2, 3, 4, 5];
  const [COL_BYTES, M_BYTES, DP, I, GB, AP, B1, B2, B3, P] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
  const VEC_BYTES = 16, S = 17, V = 21; // i32; v128: S .. S + 3 the four a[r, i], V the dst
  const { code, emit } = codeBuilder();
  const rowOf = [B, B1, B2, B3];
  /** dst (a vector, or lane 0 for `tail`) at DP + GB += the four rows' products */
  const update = (tail: boolean) => {
    const load = tail ? [...lanes.splat, align, 0] : [...V128_LOAD, align, 0];
    emit(get(DP), get(GB), I32_ADD, LOCAL_TEE, P, load, set(V));
    for (let q = 0; q < 4; q++) {
      emit(get(V), get(S + q), get(rowOf[q]), get(GB), I32_ADD, load, lanes.mul);
      emit(lanes.add, set(V));
    }
    if (tail) emit(get(P), get(V), lanes.extractLane, 0, lanes.scalarStore, align, 0);
    else emit(get(P), get(V), V128_STORE, align, 0);
  };
  emit(get(COLS), toBytes, set(COL_BYTES), get(M), toBytes, set(M_BYTES));
  emit(get(COLS), I32_CONST, sleb(-lanes.count), I32_AND, toBytes, set(VEC_BYTES));
  emit(LOOP, VOID); // groups of four rows
  emit(get(B), get(COL_BYTES), I32_ADD, LOCAL_TEE, B1, get(COL_BYTES), I32_ADD, LOCAL_TEE, B2);
  emit(get(COL_BYTES), I32_ADD, set(B3));
  emit(get(DST), set(DP), get(M), set(I), get(A), set(AP));
  emit(LOOP, VOID); // i
  for (let q = 0; q < 4; q++) {
    emit(get(AP));
    for (let k = 0; k < q; k++) emit(get(M_BYTES), I32_ADD);
    emit(lanes.splat, align, 0, set(S + q));
  }
  emit(I32_CONST, 0, set(GB));
  emit(BLOCK, VOID, get(VEC_BYTES), I32_EQZ, BR_IF, 0);
  emit(LOOP, VOID); // one vector of columns at a time
  update(false);
  emit(get(GB), I32_CONST, 16, I32_ADD, LOCAL_TEE, GB, get(VEC_BYTES), I32_LT_U, BR_IF, 0);
  emit(END, END);
  emit(BLOCK, VOID, get(GB), get(COL_BYTES), I32_GE_U, BR_IF, 0);
  emit(LOOP, VOID); // the remaining columns, one at a time
  update(true);
  emit(get(GB), I32_CONST, bytes, I32_ADD, LOCAL_TEE, GB, get(COL_BYTES), I32_LT_U, BR_IF, 0);
  emit(END, END);
  emit(addLocal(DP, COL_BYTES), addConst(AP, bytes), countDown(I));
  emit(get(A), get(M_BYTES), I32_CONST, 2, I32_SHL, I32_ADD, set(A));
  emit(get(B), get(COL_BYTES), I32_CONST, 2, I32_SHL, I32_ADD, set(B));
  emit(countDown(GROUPS));
  emit(END); // function
  return code;
}

/**
 * outerAddCols(dst, a, m, b, cols, rows): outerAdd for cols a multiple of `blocks` whole vectors:
 * `blocks` vectors of one row i of dst held in locals while every row r adds a[r, i] * b[r, :]
 * in turn (r ascending, as outerAdd's), then stored: one load and store of dst per row i and
 * block instead of per row r, each splat of a[r, i] shared by the blocks.
 */
function outerAddColsBody(lanes: Lanes, blocks: number): number[] {
  const { bytes, align, toBytes, addConst, addLocal, countDown } = helpers(lanes);
  const [DST, A, M, B, COLS, ROWS] = [0, 1, 2, 3, 4, 5];
  const [COL_BYTES, M_BYTES, I, GB, AP, BP, R] = [6, 7, 8, 9, 10, 11, 12];
  const S = 13, ACC = 14; // v128: a[r, i] in every lane; the blocks' sums
  const { code, emit } = codeBuilder();
  emit(get(COLS), toBytes, set(COL_BYTES), get(M), toBytes, set(M_BYTES), get(M), set(I));
  emit(LOOP, VOID); // rows i of dst
  emit(I32_CONST, 0, set(GB));
  emit(LOOP, VOID); // blocks vectors of columns at a time
  for (let q = 0; q < blocks; q++) {
    emit(get(DST), get(GB), I32_ADD, V128_LOAD, align, uleb(16 * q), set(ACC + q));
  }
  emit(get(A), set(AP), get(B), get(GB), I32_ADD, set(BP), get(ROWS), set(R));
  emit(LOOP, VOID); // rows r of a and b
  emit(get(AP), lanes.splat, align, 0, set(S));
  for (let q = 0; q < blocks; q++) {
    emit(get(ACC + q), get(S), get(BP), V128_LOAD, align, uleb(16 * q), lanes.mul, lanes.add);
    emit(set(ACC + q));
  }
  emit(addLocal(AP, M_BYTES), addLocal(BP, COL_BYTES), countDown(R));
  for (let q = 0; q < blocks; q++) {
    emit(get(DST), get(GB), I32_ADD, get(ACC + q), V128_STORE, align, uleb(16 * q));
  }
  emit(get(GB), I32_CONST, sleb(16 * blocks), I32_ADD, LOCAL_TEE, GB, get(COL_BYTES), I32_LT_U);
  emit(BR_IF, 0, END);
  emit(addLocal(DST, COL_BYTES), addConst(A, bytes), countDown(I));
  emit(END); // function
  return code;
}

/** outerAddCols variants: vectors of columns held in locals. */
const OUTER_ADD_COLS_BLOCKS = [4, 8];

/** gemmAdd variants: vectors of columns in flight. */
const GEMM_ADD_BLOCKS = [1, 2, 4];
/** gemmAdd variants: rows in flight. */
const GEMM_ADD_ROWS = [1, 2];
/** gemmT variants: rows of w at a time. */
const GEMM_T_ROWS = [1, 4, 8];

/**
 * The products for one lane type, as functions of a module: `<lanes>_gemmAdd<blocks>x<rows>` and
 * `<lanes>_gemm<blocks>x<rows>` (blocks 1, 2, 4; rows 1, 2), `<lanes>_gemmT1/4`,
 * `<lanes>_outerAdd`, `<lanes>_outerAdd4` (e.g. `f32x4_gemmAdd4x2`). A module may hold the
 * products of both lane types beside other kernels.
 */
export function productFunctions(lanes: Lanes): WasmFunction[] {
  const i32s = (n: number) => new Array(n).fill(I32);
  return [
    ...[false, true].flatMap((fromZero) =>
      GEMM_ADD_BLOCKS.flatMap((blocks) =>
        GEMM_ADD_ROWS.map((rows): WasmFunction => ({
          name: `${lanes.name}_${fromZero ? "gemm" : "gemmAdd"}${blocks}x${rows}`,
          params: i32s(10),
          locals: [[6, I32], [1 + rows + rows * blocks, V128]],
          body: gemmAddBody(lanes, blocks, rows, fromZero),
        }))
      )
    ),
    ...GEMM_T_ROWS.map((js): WasmFunction => ({
      name: `${lanes.name}_gemmT${js}`,
      params: i32s(8),
      locals: [[6 + js, I32], [1 + js, V128]],
      body: gemmTBody(lanes, js),
    })),
    {
      name: `${lanes.name}_outerAdd`,
      params: i32s(6),
      locals: [[4, I32], [1, V128], [2, I32]],
      body: outerAddBody(lanes),
    },
    {
      name: `${lanes.name}_outerAdd4`,
      params: i32s(6),
      locals: [[11, I32], [5, V128]],
      body: outerAdd4Body(lanes),
    },
    ...OUTER_ADD_COLS_BLOCKS.map((blocks): WasmFunction => ({
      name: `${lanes.name}_outerAddCols${blocks}`,
      params: i32s(6),
      locals: [[7, I32], [1 + blocks, V128]],
      body: outerAddColsBody(lanes, blocks),
    })),
  ];
}

// ---- calling them -------------------------------------------------------------------------

/**
 * The unchecked gemmAdd on BYTE addresses (`region.byteOffset + bytes * i`) and strides (bytes
 * from one row to the next), for a loop that calls it once per time step: out[r, :] =
 * pre[r, :] + a[r, :n] · w[n, cols] for r < rows (preStride 0: the same pre row for all; out
 * may be pre). rows >= 1, n >= 0.
 */
export type GemmAddFn = (
  out: number,
  outStride: number,
  pre: number,
  preStride: number,
  a: number,
  aStride: number,
  n: number,
  w: number,
  cols: number,
  rows: number,
) => void;

/**
 * The unchecked gemmT on byte addresses and row strides: out[r, j] = a[r, :cols] · w[j, :cols]
 * for j < n, r < rows; rows, n >= 1.
 */
export type GemmTFn = (
  out: number,
  outStride: number,
  a: number,
  aStride: number,
  cols: number,
  w: number,
  n: number,
  rows: number,
) => void;

/**
 * The unchecked outerAdd on byte addresses: dst[i, :cols] += sum over r < rows of
 * a[r, i] * b[r, :cols], i < m; rows, m >= 1.
 */
export type OuterAddFn = (
  dst: number,
  a: number,
  m: number,
  b: number,
  cols: number,
  rows: number,
) => void;

/** A view of the arena's memory in the lanes' number type. */
type LaneArray = Float32Array | Float64Array;

/** The products of one lane type, compiled, with the arena their operands live in. */
export class MatrixProducts {
  /** Where the operands go: `arena.regions({...})`. */
  readonly arena: WasmArena;
  /** The lane type. */
  readonly lanes: Lanes;
  readonly #exports: Record<string, unknown>;

  /**
   * The products of `lanes` in `arena`, whose module holds {@linkcode productFunctions}(lanes)
   * (beside other kernels, e.g. the activations of `_wasm_f32.ts`).
   */
  constructor(arena: WasmArena, lanes: Lanes) {
    this.arena = arena;
    this.lanes = lanes;
    this.#exports = arena.exports;
    if (typeof this.#exports[`${lanes.name}_gemmAdd1x1`] !== "function") {
      throw new Error(`MatrixProducts: the arena's module has no ${lanes.name} products`);
    }
  }

  /** Compiles the products of `lanes` in an arena of their own; null without WebAssembly SIMD. */
  static create(lanes: Lanes): MatrixProducts | null {
    const arena = WasmArena.create(productFunctions(lanes));
    return arena && new MatrixProducts(arena, lanes);
  }

  /**
   * Whether the products can take `cols` columns: any positive integer (the whole vectors in the
   * lanes, the rest one at a time).
   */
  handles(cols: number): boolean {
    return Number.isInteger(cols) && cols >= 1;
  }

  #checkCols(cols: number, what: string): void {
    if (!this.handles(cols)) {
      throw new Error(
        `MatrixProducts(${this.lanes.name}).${what}: cols must be a positive integer, got ${cols}`,
      );
    }
  }

  #fn<F>(name: string): F {
    return this.#exports[`${this.lanes.name}_${name}`] as F;
  }

  /**
   * The {@link GemmAddFn} for `cols` columns: the widest variant that divides their whole
   * vectors, two rows at a time, then the last row of an odd count.
   */
  gemmAddFn(cols: number): GemmAddFn {
    this.#checkCols(cols, "gemmAddFn");
    return this.#rowPairs(`gemmAdd${this.#blocks(cols)}`);
  }

  /**
   * The {@link GemmAddFn} of gemm (from zero: `pre` and its stride are not read) for `cols`
   * columns: the widest variant that divides their whole vectors, two rows at a time.
   */
  gemmFn(cols: number): GemmAddFn {
    this.#checkCols(cols, "gemmFn");
    return this.#rowPairs(`gemm${this.#blocks(cols)}`);
  }

  /** The variants `<name>x2` for pairs of rows and `<name>x1` for the last, as one function. */
  #rowPairs(name: string): GemmAddFn {
    const pairs = this.#fn<GemmAddFn>(`${name}x2`), one = this.#fn<GemmAddFn>(`${name}x1`);
    return (out, outStride, pre, preStride, a, aStride, n, w, cols, rows) => {
      if (rows >= 2) pairs(out, outStride, pre, preStride, a, aStride, n, w, cols, rows >> 1);
      if ((rows & 1) === 0) return;
      const last = rows - 1;
      one(
        out + last * outStride,
        outStride,
        pre + last * preStride,
        preStride,
        a + last * aStride,
        aStride,
        n,
        w,
        cols,
        1,
      );
    };
  }

  /**
   * Vectors of columns in flight for `cols` columns: 4, 2 or 1, whichever divides the number of
   * whole vectors.
   */
  #blocks(cols: number): number {
    const vectors = Math.floor(cols / this.lanes.count);
    return vectors % 4 === 0 ? 4 : vectors % 2 === 0 ? 2 : 1;
  }

  /** The {@link GemmTFn} for `n` rows of w. */
  gemmTFn(n: number): GemmTFn {
    return this.#fn(`gemmT${n % 8 === 0 ? 8 : n % 4 === 0 ? 4 : 1}`);
  }

  /**
   * The {@link OuterAddFn}: for cols a multiple of 4 or 8 whole vectors (e.g. SimpleRNN(32)'s
   * 32 float32 columns), outerAddCols, a row of dst at a time held in locals; otherwise four rows
   * of a and b at a time, then the rest one by one. The same sums in the same order either way.
   */
  readonly outerAddFn: OuterAddFn = (dst, a, m, b, cols, rows) => {
    const count = this.lanes.count;
    for (const blocks of [8, 4]) {
      if (cols % (count * blocks) === 0) {
        this.#fn<OuterAddFn>(`outerAddCols${blocks}`)(dst, a, m, b, cols, rows);
        return;
      }
    }
    const bytes = 1 << this.lanes.log2Bytes;
    const groups = rows >> 2;
    if (groups > 0) this.#fn<OuterAddFn>("outerAdd4")(dst, a, m, b, cols, groups);
    const rest = rows & 3;
    if (rest > 0) {
      const done = 4 * groups;
      this.#fn<OuterAddFn>("outerAdd")(
        dst,
        a + bytes * m * done,
        m,
        b + bytes * cols * done,
        cols,
        rest,
      );
    }
  };

  /**
   * out [rows, cols] = pre + a [rows, n] · w [n, cols]: pre [rows, cols], or pre [cols] added to
   * every row with `preIsRow` (a bias). Regions of the arena in the lanes' type.
   */
  gemmAdd(
    p: {
      out: LaneArray;
      pre: LaneArray;
      preIsRow?: boolean;
      a: LaneArray;
      w: LaneArray;
      rows: number;
      n: number;
      cols: number;
    },
  ): void {
    const { rows, n, cols } = p;
    this.#checkCols(cols, "gemmAdd");
    if (rows < 1) return;
    const log2 = this.lanes.log2Bytes, rowBytes = cols << log2;
    this.gemmAddFn(cols)(
      p.out.byteOffset,
      rowBytes,
      p.pre.byteOffset,
      p.preIsRow ? 0 : rowBytes,
      p.a.byteOffset,
      n << log2,
      n,
      p.w.byteOffset,
      cols,
      rows,
    );
  }

  /**
   * out [rows, cols] = a [rows, n] · w [n, cols], each sum `s = 0; for k: s += a[r, k] * w[k, c]`
   * (numpy's, in the lanes' precision). Regions of the arena in the lanes' type.
   */
  gemm(
    p: { out: LaneArray; a: LaneArray; w: LaneArray; rows: number; n: number; cols: number },
  ): void {
    const { rows, n, cols } = p;
    this.#checkCols(cols, "gemm");
    if (rows < 1) return;
    const log2 = this.lanes.log2Bytes;
    this.#rowPairs(`gemm${this.#blocks(cols)}`)(
      p.out.byteOffset,
      cols << log2,
      0,
      0,
      p.a.byteOffset,
      n << log2,
      n,
      p.w.byteOffset,
      cols,
      rows,
    );
  }

  /** out [rows, n] = a [rows, cols] · w [n, cols]ᵀ. */
  gemmT(
    p: { out: LaneArray; a: LaneArray; w: LaneArray; rows: number; n: number; cols: number },
  ): void {
    const { rows, n, cols } = p;
    this.#checkCols(cols, "gemmT");
    if (rows < 1 || n < 1) return;
    const log2 = this.lanes.log2Bytes;
    this.gemmTFn(n)(
      p.out.byteOffset,
      n << log2,
      p.a.byteOffset,
      cols << log2,
      cols,
      p.w.byteOffset,
      n,
      rows,
    );
  }

  /** dst [n, cols] += a [rows, n]ᵀ · b [rows, cols], rows ascending. */
  outerAdd(
    p: { dst: LaneArray; a: LaneArray; b: LaneArray; rows: number; n: number; cols: number },
  ): void {
    const { rows, n, cols } = p;
    this.#checkCols(cols, "outerAdd");
    if (rows < 1 || n < 1) return;
    this.outerAddFn(p.dst.byteOffset, p.a.byteOffset, n, p.b.byteOffset, cols, rows);
  }
}
