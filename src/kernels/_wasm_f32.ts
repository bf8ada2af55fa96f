/**
 * The fused layers' float32 kernels in one WebAssembly module and its arena: the matrix products
 * of `_wasm_products.ts` on four float32 lanes ({@linkcode F32X4}), and the elementwise steps of
 * the SimpleRNN and LSTM passes of `simple_rnn.ts` and `lstm.ts`, on `rows` rows of values
 * (rows a stride apart: a time step of every sequence of a batch):
 *
 *   activate       values = act(values) in place
 *   slopeMul       dz = dh · act'(y), act' written in terms of the output y (`slope`)
 *   lstmCell       c = f·c_prev + i·g, actC = act(c), h = o·actC from the activated gates
 *   lstmCellBack   the LSTM step's dz and the carried dc from dh (see `lstm.ts`)
 *   sumRows64      dst += rows, float64 sums of float32 rows (the bias gradient)
 *
 * Each float32 value is promoted to float64, computed with the operations, in the order, of the
 * plain TypeScript of `activations.ts`, `simple_rnn.ts` and `lstm.ts`, and rounded back to
 * float32 where the TypeScript stores into a Float32Array; tanh and sigmoid are the shared
 * instructions of `_wasm_math.ts` in its float32 format, on float32 lanes (a pair is rounded to
 * float32, exactly: its values are float32 numbers). So each kernel gives the TypeScript's
 * numbers, bit for bit (tested). Values go two at a time (a float64 pair) and the last alone;
 * activate's tanh and sigmoid go sixteen at a time (four float32 vectors), then four, then one,
 * tanh taking the rational function alone for sixteen values all within ±0.625 (the same
 * operations, so the same result); its hardSigmoid and relu eight at a time in float64 pairs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { activate, activationCode } from "./activations.ts";
 *
 * if (f32Kernels) {
 *   const { values } = f32Kernels.arena.regions({ values: 3 });
 *   values.set([-2, 0.25, 3]);
 *   f32Kernels.activate(activationCode("tanh"), values);
 *   const tanh = (z: number) => Math.fround(activate(activationCode("tanh"), z));
 *   assert.deepEqual(Array.from(values), [tanh(-2), tanh(0.25), tanh(3)]);
 * }
 * ```
 * @module
 */

import { activationCode } from "./activations.ts";
import {
  assemble,
  BLOCK,
  BR,
  BR_IF,
  type Bytes,
  codeBuilder,
  ELSE,
  END,
  F32,
  F32_ADD,
  F32_DEMOTE_F64,
  F32_DIV,
  F32_LOAD,
  F32_MUL,
  F32_SQRT,
  F32_STORE,
  F32X4_ABS,
  F32X4_ADD,
  F32X4_DEMOTE_F64X2_ZERO,
  F32X4_DIV,
  F32X4_EXTRACT_LANE,
  F32X4_GT,
  F32X4_MUL,
  F32X4_SPLAT,
  F32X4_SQRT,
  F64_LOAD,
  F64_PROMOTE_F32,
  F64_STORE,
  F64X2_ADD,
  F64X2_EXTRACT_LANE,
  F64X2_GT,
  F64X2_LT,
  F64X2_MAX,
  F64X2_MIN,
  F64X2_MUL,
  F64X2_PROMOTE_LOW_F32X4,
  F64X2_SPLAT,
  F64X2_SUB,
  f64x2Const,
  get,
  I32,
  I32_ADD,
  I32_AND,
  I32_CONST,
  I32_EQ,
  I32_EQZ,
  I32_GE_U,
  I32_LOAD,
  I32_MUL,
  I32_SHL,
  I32_SUB,
  I32X4_ALL_TRUE,
  IF,
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
  V128_LOAD64_ZERO,
  V128_OR,
  V128_STORE,
  V128_STORE64_LANE,
  VOID,
  type WasmFunction,
} from "./_wasm_assembler.ts";
import { WasmArena } from "./_wasm_arena.ts";
import {
  type Constant,
  ConstantLocals,
  FLOAT32,
  SIGMOID_TEMPS,
  sigmoidOf,
  TANH_SWITCH,
  TANH_TEMPS,
  type TanhBranch,
  tanhOf,
  type Temp,
} from "./_wasm_math.ts";
import { F32X4, MatrixProducts, productFunctions } from "./_wasm_products.ts";

const TANH = activationCode("tanh"), SIGMOID = activationCode("sigmoid");
const HARD_SIGMOID = activationCode("hardSigmoid"), RELU = activationCode("relu");
const c = f64x2Const;

// ---- values as float64 pairs ---------------------------------------------------------------

/** The float32 value (or pair) at `addr` as a float64 pair (a single value twice). */
function loadF32(addr: Bytes[], pair: boolean): number[] {
  return pair
    ? assemble(...addr, V128_LOAD64_ZERO, 2, 0, F64X2_PROMOTE_LOW_F32X4)
    : assemble(...addr, F32_LOAD, 2, 0, F64_PROMOTE_F32, F64X2_SPLAT);
}

/** Stores `value` (a float64 pair) at `addr` rounded to float32: both lanes, or lane 0. */
function storeF32(addr: Bytes[], value: Bytes[], pair: boolean): number[] {
  return pair
    ? assemble(...addr, ...value, F32X4_DEMOTE_F64X2_ZERO, V128_STORE64_LANE, 2, 0, 0)
    : assemble(...addr, ...value, F64X2_EXTRACT_LANE, 0, F32_DEMOTE_F64, F32_STORE, 2, 0);
}

/** The float64 value (or pair) at `addr`. */
function loadF64(addr: Bytes[], pair: boolean): number[] {
  return pair ? assemble(...addr, V128_LOAD, 3, 0) : assemble(...addr, F64_LOAD, 3, 0, F64X2_SPLAT);
}

/** Stores `value` (a float64 pair) at `addr`: both lanes, or lane 0. */
function storeF64(addr: Bytes[], value: Bytes[], pair: boolean): number[] {
  return pair
    ? assemble(...addr, ...value, V128_STORE, 3, 0)
    : assemble(...addr, ...value, F64X2_EXTRACT_LANE, 0, F64_STORE, 3, 0);
}

/** A float64 pair rounded to float32 and back (Math.fround of each lane). */
const ROUND = [F32X4_DEMOTE_F64X2_ZERO, F64X2_PROMOTE_LOW_F32X4];

/** local + U: a float32 value's address in a row (U its byte offset). */
const at32 = (local: number, u: number): Bytes[] => [get(local), get(u), I32_ADD];
/** local + 2U: the float64 value of the same place in a float64 row. */
const at64 = (local: number, u: number): Bytes[] => [get(local), get(u), get(u), I32_ADD, I32_ADD];
/** address + k · (local ub): the same place in block k of a row of blocks of ub bytes. */
const block = (address: Bytes[], k: number, ub: number): Bytes[] =>
  k === 0 ? address : [...address, get(ub), I32_CONST, k, I32_MUL, I32_ADD];

/**
 * A loop over `rows` rows (local ROWS, counted down) of `count` values (local COUNT): `body` for
 * each pair (U the byte offset of its first float32 value), then for the last value of an odd
 * count, then each pointer local advanced by its stride local. Uses locals U and PAIRS_END.
 */
function rowLoop(
  l: { rows: number; count: number; u: number; pairsEnd: number; pointers: [number, number][] },
  body: (pair: boolean) => Bytes[],
): number[] {
  const { code, emit } = codeBuilder();
  emit(BLOCK, VOID, get(l.rows), I32_EQZ, BR_IF, 0, LOOP, VOID); // rows
  emit(I32_CONST, 0, set(l.u));
  emit(get(l.count), I32_CONST, sleb(-2), I32_AND, I32_CONST, 2, I32_SHL, set(l.pairsEnd));
  emit(BLOCK, VOID, LOOP, VOID); // pairs
  emit(get(l.u), get(l.pairsEnd), I32_GE_U, BR_IF, 1);
  emit(...body(true));
  emit(get(l.u), I32_CONST, 8, I32_ADD, set(l.u), BR, 0, END, END);
  emit(get(l.count), I32_CONST, 1, I32_AND, IF, VOID, ...body(false), END); // the last one
  for (const [pointer, stride] of l.pointers) {
    emit(get(pointer), get(stride), I32_ADD, set(pointer));
  }
  emit(get(l.rows), I32_CONST, 1, I32_SUB, LOCAL_TEE, l.rows, BR_IF, 0, END, END);
  return code;
}

// ---- activations and their slopes, by code -------------------------------------------------

/**
 * Instructions replacing each v128 local in `xs` (two float64 lanes, each a float32 number) by
 * activation `code` of its lanes. tanh and sigmoid are float32 arithmetic (`_wasm_math.ts`,
 * `FLOAT32`): the pair is rounded to float32 lanes (exact), transformed there, and promoted
 * back. `constant`: where tanh's and sigmoid's constants come from (`Constant`).
 */
function activationOf(code: number, xs: number[], temp: Temp, constant?: Constant): number[] {
  const { code: out, emit } = codeBuilder();
  switch (code) {
    case TANH:
    case SIGMOID:
      for (const x of xs) emit(get(x), F32X4_DEMOTE_F64X2_ZERO, set(x));
      emit(
        code === TANH
          ? tanhOf(xs, temp, { constant, format: FLOAT32 })
          : sigmoidOf(xs, temp, { constant, format: FLOAT32 }),
      );
      for (const x of xs) emit(get(x), F64X2_PROMOTE_LOW_F32X4, set(x));
      return out;
    case HARD_SIGMOID: // y = 0.2 z + 0.5 clipped to [0, 1]
      for (const x of xs) {
        emit(
          c(0.2),
          get(x),
          F64X2_MUL,
          c(0.5),
          F64X2_ADD,
          c(0),
          F64X2_MAX,
          c(1),
          F64X2_MIN,
          set(x),
        );
      }
      return out;
    case RELU: // z > 0 ? z : 0 (NaN: 0)
      for (const x of xs) {
        emit(get(x), V128_CONST_ZERO, get(x), c(0), F64X2_GT, V128_BITSELECT, set(x));
      }
      return out;
    default: // linear
      return out;
  }
}

/** Instructions applying the activation whose code is in local `code` to v128 local x. */
function activationBy(code: number, x: number, temp: Temp, constant?: Constant): number[] {
  const { code: out, emit } = codeBuilder();
  const cases = [TANH, SIGMOID, HARD_SIGMOID, RELU];
  for (const act of cases) {
    emit(get(code), I32_CONST, act, I32_EQ, IF, VOID, activationOf(act, [x], temp, constant));
    emit(ELSE);
  }
  for (let i = 0; i < cases.length; i++) emit(END); // linear: nothing
  return out;
}

/**
 * Instructions leaving slope(code, y) (`activations.ts`) on the stack, for the code in local
 * `code` and the pair in local y: tanh 1 − y·y, sigmoid y·(1 − y), hardSigmoid 0.2 inside
 * (0, 1), relu 1 for y > 0, linear 1. `constant`: where the constants come from (`Constant`).
 */
function slopeBy(code: number, y: number, constant?: Constant): number[] {
  const { code: out, emit } = codeBuilder();
  const c = constant === undefined ? f64x2Const : (v: number) => constant(f64x2Const(v));
  const cases: [number, Bytes[]][] = [
    [TANH, [c(1), get(y), get(y), F64X2_MUL, F64X2_SUB]],
    [SIGMOID, [get(y), c(1), get(y), F64X2_SUB, F64X2_MUL]],
    [HARD_SIGMOID, [
      c(0.2),
      c(0),
      get(y),
      c(0),
      F64X2_GT,
      get(y),
      c(1),
      F64X2_LT,
      V128_AND,
      V128_BITSELECT,
    ]],
    [RELU, [c(1), c(0), get(y), c(0), F64X2_GT, V128_BITSELECT]],
  ];
  for (const [act, slope] of cases) {
    emit(get(code), I32_CONST, act, I32_EQ, IF, V128, ...slope, ELSE);
  }
  emit(c(1)); // linear
  for (let i = 0; i < cases.length; i++) emit(END);
  return out;
}

// ---- the kernels ---------------------------------------------------------------------------

/** v128 locals of f32_activate holding tanh's and sigmoid's constants (`ConstantLocals`). */
const ACTIVATE_CONSTANTS = 32;
/** v128 locals of f32_activate: four values, four masks, then the temporaries and constants. */
const ACTIVATE_V128 = 8 + 4 * Math.max(TANH_TEMPS, SIGMOID_TEMPS) + ACTIVATE_CONSTANTS;
/** v128 locals of f32_lstmCell holding tanh's and sigmoid's constants (`ConstantLocals`). */
const LSTM_CELL_CONSTANTS = 32;
/** v128 locals of f32_slopeMul holding the slopes' constants (`ConstantLocals`). */
const SLOPE_CONSTANTS = 3;

/**
 * activate(code, ptr, count, rows, stride): activation `code` of `count` float32 values at byte
 * address ptr, in place, for `rows` rows `stride` bytes apart. tanh and sigmoid sixteen at a
 * time (four float32 vectors, interleaved; tanh takes one of its two computations alone when
 * all sixteen need only that one), then four at a time (one vector), then one by one (a vector
 * of one value); hardSigmoid and
 * relu eight at a time (four pairs promoted to float64), then one by one. tanh's and sigmoid's
 * constants are set in locals once per call (`ConstantLocals`: the same numbers, faster than
 * `v128.const`).
 */
function activateBody(): number[] {
  const CODE = 0, PTR = 1, COUNT = 2, ROWS = 3, STRIDE = 4; // parameters
  // i32: the value, where the groups of sixteen (eight, four) end, where all end
  const P = 5, END16 = 6, END8 = 7, END4 = 8, END1 = 9;
  const X = 10, M = 14, TEMPS = 18; // v128: four vectors, their |x| > 0.625 masks; temporaries
  const temp: Temp = (g, k) => TEMPS + g * TANH_TEMPS + k;
  const xs = [X, X + 1, X + 2, X + 3];
  const constants = new ConstantLocals(
    TEMPS + 4 * Math.max(TANH_TEMPS, SIGMOID_TEMPS),
    ACTIVATE_CONSTANTS,
  );
  const k = constants.of;
  const options = { constant: k, format: FLOAT32 };
  const f32Of = (act: number, vs: number[], branch: TanhBranch = "both") =>
    act === TANH ? tanhOf(vs, temp, { ...options, branch }) : sigmoidOf(vs, temp, options);
  const { code, emit } = codeBuilder();
  emit(BLOCK, VOID, get(ROWS), I32_EQZ, BR_IF, 0, LOOP, VOID); // rows
  emit(get(PTR), set(P), get(P), get(COUNT), I32_CONST, 2, I32_SHL, I32_ADD, set(END1));
  for (const [end, group] of [[END16, 16], [END8, 8], [END4, 4]]) {
    emit(get(P), get(COUNT), I32_CONST, sleb(-group), I32_AND, I32_CONST, 2, I32_SHL, I32_ADD);
    emit(set(end));
  }
  for (const act of [TANH, SIGMOID]) { // float32 lanes
    emit(get(CODE), I32_CONST, act, I32_EQ, IF, VOID);
    emit(BLOCK, VOID, LOOP, VOID); // groups of sixteen
    emit(get(P), get(END16), I32_GE_U, BR_IF, 1);
    for (let j = 0; j < 4; j++) emit(get(P), V128_LOAD, 2, uleb(16 * j), set(xs[j]));
    if (act === TANH) { // one of tanh's computations when all sixteen need only that one
      for (let j = 0; j < 4; j++) {
        emit(get(xs[j]), F32X4_ABS, k(FLOAT32.splat(TANH_SWITCH)), F32X4_GT, set(M + j));
      }
      emit(get(M), get(M + 1), V128_OR, get(M + 2), V128_OR, get(M + 3), V128_OR, V128_ANY_TRUE);
      emit(IF, VOID); // some beyond ±0.625: all of them?
      emit(get(M), get(M + 1), V128_AND, get(M + 2), V128_AND, get(M + 3), V128_AND);
      emit(I32X4_ALL_TRUE, IF, VOID, f32Of(act, xs, "big"), ELSE, f32Of(act, xs), END);
      emit(ELSE, f32Of(act, xs, "small"), END);
    } else emit(f32Of(act, xs));
    for (let j = 0; j < 4; j++) emit(get(P), get(xs[j]), V128_STORE, 2, uleb(16 * j));
    emit(get(P), I32_CONST, sleb(64), I32_ADD, set(P), BR, 0, END, END);
    emit(BLOCK, VOID, LOOP, VOID); // then four at a time
    emit(get(P), get(END4), I32_GE_U, BR_IF, 1);
    emit(get(P), V128_LOAD, 2, 0, set(X), f32Of(act, [X]), get(P), get(X), V128_STORE, 2, 0);
    emit(get(P), I32_CONST, 16, I32_ADD, set(P), BR, 0, END, END);
    emit(BLOCK, VOID, LOOP, VOID); // the rest, one by one
    emit(get(P), get(END1), I32_GE_U, BR_IF, 1);
    emit(get(P), F32_LOAD, 2, 0, F32X4_SPLAT, set(X), f32Of(act, [X]));
    emit(get(P), get(X), F32X4_EXTRACT_LANE, 0, F32_STORE, 2, 0);
    emit(get(P), I32_CONST, 4, I32_ADD, set(P), BR, 0, END, END);
    emit(END); // if code
  }
  for (const act of [HARD_SIGMOID, RELU]) { // float64 pairs
    emit(get(CODE), I32_CONST, act, I32_EQ, IF, VOID);
    emit(BLOCK, VOID, LOOP, VOID); // groups of eight
    emit(get(P), get(END8), I32_GE_U, BR_IF, 1);
    for (let j = 0; j < 4; j++) {
      emit(get(P), V128_LOAD64_ZERO, 2, uleb(8 * j), F64X2_PROMOTE_LOW_F32X4, set(xs[j]));
    }
    emit(activationOf(act, xs, temp));
    for (let j = 0; j < 4; j++) {
      emit(get(P), get(xs[j]), F32X4_DEMOTE_F64X2_ZERO, V128_STORE64_LANE, 2, uleb(8 * j), 0);
    }
    emit(get(P), I32_CONST, 32, I32_ADD, set(P), BR, 0, END, END);
    emit(BLOCK, VOID, LOOP, VOID); // the rest, one by one
    emit(get(P), get(END1), I32_GE_U, BR_IF, 1);
    emit(loadF32([get(P)], false), set(X), activationOf(act, [X], temp));
    emit(storeF32([get(P)], [get(X)], false));
    emit(get(P), I32_CONST, 4, I32_ADD, set(P), BR, 0, END, END);
    emit(END); // if code
  }
  emit(get(PTR), get(STRIDE), I32_ADD, set(PTR));
  emit(get(ROWS), I32_CONST, 1, I32_SUB, LOCAL_TEE, ROWS, BR_IF, 0, END, END);
  emit(END); // function
  return [...constants.init(), ...code];
}

/**
 * slopeMul(code, dz, dzStride, dh, dhStride, y, yStride, count, rows): dz = dh · slope(code, y)
 * for `rows` rows of `count` values (SimpleRNN's dz_t = dh_t · act'(z_t)).
 */
function slopeMulBody(): number[] {
  const CODE = 0, DZ = 1, DZ_S = 2, DH = 3, DH_S = 4, Y = 5, Y_S = 6, COUNT = 7, ROWS = 8;
  const U = 9, PAIRS_END = 10, YV = 11; // i32 locals, then the v128 y
  const constants = new ConstantLocals(YV + 1, SLOPE_CONSTANTS); // 1, 0.2 and 0 set once
  const loop = {
    rows: ROWS,
    count: COUNT,
    u: U,
    pairsEnd: PAIRS_END,
    pointers: [[DZ, DZ_S], [DH, DH_S], [Y, Y_S]] as [number, number][],
  };
  const { code, emit } = codeBuilder();
  emit(
    rowLoop(loop, (pair) => [
      ...loadF32(at32(Y, U), pair),
      set(YV),
      ...storeF32(
        at32(DZ, U),
        [...loadF32(at32(DH, U), pair), slopeBy(CODE, YV, constants.of), F64X2_MUL],
        pair,
      ),
    ]),
    END,
  );
  return [...constants.init(), ...code];
}

/**
 * sumRows64(dst, src, count, rows, stride): dst[u] += src[r, u] for each of `rows` float32 rows
 * `stride` bytes apart (negative: rows backwards), float64 sums in dst [count].
 */
function sumRows64Body(): number[] {
  const DST = 0, SRC = 1, COUNT = 2, ROWS = 3, STRIDE = 4, U = 5, PAIRS_END = 6, ZERO = 7;
  const loop = {
    rows: ROWS,
    count: COUNT,
    u: U,
    pairsEnd: PAIRS_END,
    pointers: [[SRC, STRIDE], [DST, ZERO]] as [number, number][],
  };
  const { code, emit } = codeBuilder();
  emit(
    rowLoop(
      loop,
      (pair) =>
        storeF64(at64(DST, U), [
          ...loadF64(at64(DST, U), pair),
          ...loadF32(at32(SRC, U), pair),
          F64X2_ADD,
        ], pair),
    ),
    END,
  );
  return code;
}

/**
 * lstmCell(act, z, zStride, c, actC, h, stateStride, rows, units, first): for `rows` rows of the
 * activated gates z = [i f g o] (units each) and the state rows c, actC, h (c_prev the row
 * `units` values before c, zero when `first`): c = f·c_prev + i·g, actC = act(c), h = o·actC,
 * each rounded to float32 and read back as stored.
 */
function lstmCellBody(): number[] {
  const ACT = 0, Z = 1, Z_S = 2, C = 3, AC = 4, H = 5, S_S = 6, ROWS = 7, UNITS = 8, FIRST = 9;
  const U = 10, PAIRS_END = 11, UB = 12; // i32: the offset, the pairs' end, units' bytes
  const I = 13, F = 14, G = 15, O = 16, CP = 17, X = 18, TEMPS = 19; // v128
  const temp: Temp = (_, k) => TEMPS + k;
  const constants = new ConstantLocals(TEMPS + TANH_TEMPS, LSTM_CELL_CONSTANTS);
  const gateAt = (k: number) => block(at32(Z, U), k, UB);
  const loop = {
    rows: ROWS,
    count: UNITS,
    u: U,
    pairsEnd: PAIRS_END,
    pointers: [[Z, Z_S], [C, S_S], [AC, S_S], [H, S_S]] as [number, number][],
  };
  const body = (pair: boolean): Bytes[] => [
    ...loadF32(gateAt(0), pair),
    set(I),
    ...loadF32(gateAt(1), pair),
    set(F),
    ...loadF32(gateAt(2), pair),
    set(G),
    ...loadF32(gateAt(3), pair),
    set(O),
    // c_prev: the row before (zero at the first step)
    get(FIRST),
    IF,
    V128,
    c(0),
    ELSE,
    ...loadF32([...at32(C, U), get(UB), I32_SUB], pair),
    END,
    set(CP),
    // c = f·c_prev + i·g, stored and read back
    get(F),
    get(CP),
    F64X2_MUL,
    get(I),
    get(G),
    F64X2_MUL,
    F64X2_ADD,
    ...ROUND,
    set(X),
    ...storeF32(at32(C, U), [get(X)], pair),
    // actC = act(c), stored and read back; h = o·actC
    ...activationBy(ACT, X, temp, constants.of),
    get(X),
    ...ROUND,
    set(X),
    ...storeF32(at32(AC, U), [get(X)], pair),
    ...storeF32(at32(H, U), [get(O), get(X), F64X2_MUL], pair),
  ];
  const { code, emit } = codeBuilder();
  emit(get(UNITS), I32_CONST, 2, I32_SHL, set(UB), rowLoop(loop, body), END);
  return [...constants.init(), ...code];
}

/**
 * lstmCellBack(act, rec, g, gStride, c, actC, sStride, dz, dzStride, dh, dhStride, dy, dyStride,
 * dc, rows, units, first): one step of the LSTM backward pass (`lstm.ts`) for `rows` rows, in
 * float64 from the float32 gates g = [i f g o], c (c_prev the row `units` values before, zero
 * when `first`), actC, and dh_t = dh (+ dy when dy is not 0): with dc (float64 [rows, units],
 * the carried d loss / d c, updated in place)
 *
 *   dcu = dc + dh·o·act'(actC);  dz = [dcu·g·rec'(i), dcu·c_prev·rec'(f), dcu·i·act'(g),
 *   dh·actC·rec'(o)] (float32);  dc = dcu·f
 */
function lstmCellBackBody(): number[] {
  const [ACT, REC, GT, G_S, C, AC, S_S, DZ, DZ_S, DH, DH_S, DY, DY_S, DC, ROWS, UNITS, FIRST] = [
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
    10,
    11,
    12,
    13,
    14,
    15,
    16,
  ];
  const U = 17, PAIRS_END = 18, UB = 19, DC_S = 20, HAS_DY = 21; // i32
  const I = 22, F = 23, G = 24, O = 25, A = 26, CP = 27, DHV = 28, DCU = 29; // v128
  const plus = (k: number, base: Bytes[]) => block(base, k, UB);
  const loop = {
    rows: ROWS,
    count: UNITS,
    u: U,
    pairsEnd: PAIRS_END,
    pointers: [[GT, G_S], [C, S_S], [AC, S_S], [DZ, DZ_S], [DH, DH_S], [DY, DY_S], [DC, DC_S]] as [
      number,
      number,
    ][],
  };
  const slope = slopeBy;
  const body = (pair: boolean): Bytes[] => [
    ...loadF32(plus(0, at32(GT, U)), pair),
    set(I),
    ...loadF32(plus(1, at32(GT, U)), pair),
    set(F),
    ...loadF32(plus(2, at32(GT, U)), pair),
    set(G),
    ...loadF32(plus(3, at32(GT, U)), pair),
    set(O),
    ...loadF32(at32(AC, U), pair),
    set(A),
    get(FIRST),
    IF,
    V128,
    c(0),
    ELSE,
    ...loadF32([...at32(C, U), get(UB), I32_SUB], pair),
    END,
    set(CP),
    // dh = dh (+ dy)
    ...loadF32(at32(DH, U), pair),
    set(DHV),
    get(HAS_DY),
    IF,
    VOID,
    get(DHV),
    ...loadF32(at32(DY, U), pair),
    F64X2_ADD,
    set(DHV),
    END,
    // dcu = dc + dh·o·act'(actC)
    ...loadF64(at64(DC, U), pair),
    get(DHV),
    get(O),
    F64X2_MUL,
    ...slope(ACT, A),
    F64X2_MUL,
    F64X2_ADD,
    set(DCU),
    ...storeF32(
      plus(0, at32(DZ, U)),
      [get(DCU), get(G), F64X2_MUL, ...slope(REC, I), F64X2_MUL],
      pair,
    ),
    ...storeF32(
      plus(1, at32(DZ, U)),
      [get(DCU), get(CP), F64X2_MUL, ...slope(REC, F), F64X2_MUL],
      pair,
    ),
    ...storeF32(
      plus(2, at32(DZ, U)),
      [get(DCU), get(I), F64X2_MUL, ...slope(ACT, G), F64X2_MUL],
      pair,
    ),
    ...storeF32(
      plus(3, at32(DZ, U)),
      [get(DHV), get(A), F64X2_MUL, ...slope(REC, O), F64X2_MUL],
      pair,
    ),
    ...storeF64(at64(DC, U), [get(DCU), get(F), F64X2_MUL], pair),
  ];
  const { code, emit } = codeBuilder();
  emit(get(UNITS), I32_CONST, 2, I32_SHL, set(UB), get(UB), get(UB), I32_ADD, set(DC_S));
  emit(get(DY), I32_EQZ, I32_EQZ, set(HAS_DY));
  emit(rowLoop(loop, body), END);
  return code;
}

/**
 * adam(value, gradient, m, v, out, n, b1, c1, b2, c2, bias1, bias2, epsilon, minusLr): Adam's
 * update of n float32 weights, each operation a float32 one (as `adamReference` of `adam.ts`
 * rounds each), four at a time, then one by one; m and v in place, the new weights into out
 * (which may be value). The hyperparameters are float32 numbers: c1 = 1 − b1, c2 = 1 − b2,
 * bias1 = 1 − b1^t, bias2 = 1 − b2^t, minusLr = −learningRate.
 */
function adamBody(): number[] {
  const [VALUE, GRAD, M, V, OUT, N] = [0, 1, 2, 3, 4, 5]; // i32 parameters
  const [B1, C1, B2, C2, BIAS1, BIAS2, EPS, LR] = [6, 7, 8, 9, 10, 11, 12, 13]; // f32 parameters
  const END4 = 14, END1 = 15, G = 16, MK = 17, VK = 18; // i32 locals, v128 locals
  const { code, emit } = codeBuilder();
  /** one update: of a v128 of four (vector) or of one float32 (scalar), at the pointers */
  const update = (vector: boolean) => {
    const [load, store, mul, add, div, sqrt] = vector
      ? [[...V128_LOAD, 2, 0], [...V128_STORE, 2, 0], F32X4_MUL, F32X4_ADD, F32X4_DIV, F32X4_SQRT]
      : [[F32_LOAD, 2, 0], [F32_STORE, 2, 0], [F32_MUL], [F32_ADD], [F32_DIV], [F32_SQRT]];
    const h = (k: number) => vector ? assemble(get(k), F32X4_SPLAT) : get(k);
    const [g, mk, vk] = vector ? [G, MK, VK] : [G + 3, MK + 3, VK + 3]; // (f32 locals for scalars)
    emit(get(GRAD), load, set(g));
    // m = m·b1 + g·c1;  v = v·b2 + (g·g)·c2
    emit(get(M), load, h(B1), mul, get(g), h(C1), mul, add, set(mk), get(M), get(mk), store);
    emit(get(V), load, h(B2), mul, get(g), get(g), mul, h(C2), mul, add, set(vk));
    emit(get(V), get(vk), store);
    // out = ((m / bias1) / (sqrt(v / bias2) + epsilon))·minusLr + value
    emit(get(OUT), get(mk), h(BIAS1), div, get(vk), h(BIAS2), div, sqrt, h(EPS), add, div);
    emit(h(LR), mul, get(VALUE), load, add, store);
  };
  const advance = (bytes: number) => {
    for (const p of [VALUE, GRAD, M, V, OUT]) emit(get(p), I32_CONST, bytes, I32_ADD, set(p));
  };
  emit(get(VALUE), get(N), I32_CONST, 2, I32_SHL, I32_ADD, set(END1));
  emit(get(VALUE), get(N), I32_CONST, sleb(-4), I32_AND, I32_CONST, 2, I32_SHL, I32_ADD, set(END4));
  emit(BLOCK, VOID, LOOP, VOID, get(VALUE), get(END4), I32_GE_U, BR_IF, 1);
  update(true);
  advance(16);
  emit(BR, 0, END, END);
  emit(BLOCK, VOID, LOOP, VOID, get(VALUE), get(END1), I32_GE_U, BR_IF, 1);
  update(false);
  advance(4);
  emit(BR, 0, END, END, END);
  return code;
}

/**
 * sparseOuterAdd64(dst, dz, gates, start, index, value, rows): for each row r < rows of dz
 * [rows, gates] float32 and each of its sparse entries n (`start[r] .. start[r + 1]` of int32
 * start, `index` and float32 `value`: `_sparse_rows.ts`), dst[index[n], :] += value[n] · dz[r, :]
 * in float64 (dst [·, gates] float64): the sparse kernel gradient of `_projection.ts`, the same
 * float64 operations as its TypeScript, rows and entries in order; pairs of gates, then the last.
 */
function sparseOuterAdd64Body(): number[] {
  const DST = 0, DZ = 1, GATES = 2, START = 3, INDEX = 4, VALUE = 5, ROWS = 6; // parameters
  const N = 7, E = 8, K = 9, U = 10, PAIRS_END = 11, XV = 12; // i32 locals, then the v128 value
  const { code, emit } = codeBuilder();
  /** dst[k, u] (+ the next) += xv · dz[r, u] (and the next): a pair, or lane 0 */
  const update = (pair: boolean) =>
    storeF64(
      at64(K, U),
      [...loadF64(at64(K, U), pair), get(XV), ...loadF32(at32(DZ, U), pair), F64X2_MUL, F64X2_ADD],
      pair,
    );
  emit(get(GATES), I32_CONST, sleb(-2), I32_AND, I32_CONST, 2, I32_SHL, set(PAIRS_END));
  emit(BLOCK, VOID, get(ROWS), I32_EQZ, BR_IF, 0, LOOP, VOID); // rows
  emit(get(START), I32_LOAD, 2, 0, set(N), get(START), I32_LOAD, 2, 4, set(E));
  emit(BLOCK, VOID, LOOP, VOID); // the row's entries
  emit(get(N), get(E), I32_GE_U, BR_IF, 1);
  emit(get(VALUE), get(N), I32_CONST, 2, I32_SHL, I32_ADD, F32_LOAD, 2, 0, F64_PROMOTE_F32);
  emit(F64X2_SPLAT, set(XV));
  emit(get(DST), get(INDEX), get(N), I32_CONST, 2, I32_SHL, I32_ADD, I32_LOAD, 2, 0);
  emit(get(GATES), I32_MUL, I32_CONST, 3, I32_SHL, I32_ADD, set(K)); // dst row index[n]
  emit(I32_CONST, 0, set(U));
  emit(BLOCK, VOID, LOOP, VOID); // pairs
  emit(get(U), get(PAIRS_END), I32_GE_U, BR_IF, 1, update(true));
  emit(get(U), I32_CONST, 8, I32_ADD, set(U), BR, 0, END, END);
  emit(get(GATES), I32_CONST, 1, I32_AND, IF, VOID, update(false), END); // the last one
  emit(get(N), I32_CONST, 1, I32_ADD, set(N), BR, 0, END, END);
  emit(get(START), I32_CONST, 4, I32_ADD, set(START));
  emit(get(DZ), get(GATES), I32_CONST, 2, I32_SHL, I32_ADD, set(DZ));
  emit(get(ROWS), I32_CONST, 1, I32_SUB, LOCAL_TEE, ROWS, BR_IF, 0, END, END);
  emit(END); // function
  return code;
}

/**
 * sparseProject64(out, kernel, gates, start, index, value, bias, rows): for each row r < rows,
 * out[r, :] = float32 of (bias + the sum over its sparse entries n of value[n] · kernel[index[n],
 * :]) in float64 (bias [gates] float32, entries in order as in `sparseOuterAdd64`; out [rows,
 * gates], kernel [·, gates] float32): the sparse projection of `_projection.ts`, the same float64
 * operations as its TypeScript; pairs of gates, then the last. A row of one entry (a one-hot
 * word) takes its value and kernel row once for all its gates: bias + value · kernel[index, u].
 */
function sparseProject64Body(): number[] {
  const OUT = 0, KERNEL = 1, GATES = 2, START = 3, INDEX = 4, VALUE = 5, BIAS = 6, ROWS = 7;
  const N = 8, E = 9, U = 10, PAIRS_END = 11, K = 12, ACC = 13; // i32 locals, then v128
  const { code, emit } = codeBuilder();
  /** out[r, u] (and the next) = bias + xv · kernel[k, u] for the row's one entry (ACC: xv) */
  const one = (pair: boolean) =>
    emit(storeF32(
      at32(OUT, U),
      [
        ...loadF32(at32(BIAS, U), pair),
        get(ACC),
        ...loadF32(at32(K, U), pair),
        F64X2_MUL,
        F64X2_ADD,
      ],
      pair,
    ));
  /** `body` for each pair of gates (U their byte offset), then for the last of an odd count */
  const overGates = (body: (pair: boolean) => void) => {
    emit(BLOCK, VOID, LOOP, VOID); // pairs
    emit(get(U), get(PAIRS_END), I32_GE_U, BR_IF, 1);
    body(true);
    emit(get(U), I32_CONST, 8, I32_ADD, set(U), BR, 0, END, END);
    emit(get(GATES), I32_CONST, 1, I32_AND, IF, VOID);
    body(false);
    emit(END); // the last one
  };
  /** out[r, u] (and the next) = bias + Σ value[n] · kernel[index[n], u]: a pair, or lane 0 */
  const row = (pair: boolean) => {
    emit(loadF32(at32(BIAS, U), pair), set(ACC), get(START), I32_LOAD, 2, 0, set(N));
    emit(BLOCK, VOID, LOOP, VOID); // the row's entries
    emit(get(N), get(E), I32_GE_U, BR_IF, 1);
    emit(get(KERNEL), get(INDEX), get(N), I32_CONST, 2, I32_SHL, I32_ADD, I32_LOAD, 2, 0);
    emit(get(GATES), I32_MUL, I32_CONST, 2, I32_SHL, I32_ADD, set(K)); // kernel row index[n]
    emit(get(ACC), loadF32([get(VALUE), get(N), I32_CONST, 2, I32_SHL, I32_ADD], false));
    emit(loadF32(at32(K, U), pair), F64X2_MUL, F64X2_ADD, set(ACC));
    emit(get(N), I32_CONST, 1, I32_ADD, set(N), BR, 0, END, END);
    emit(storeF32(at32(OUT, U), [get(ACC)], pair));
  };
  emit(get(GATES), I32_CONST, sleb(-2), I32_AND, I32_CONST, 2, I32_SHL, set(PAIRS_END));
  emit(BLOCK, VOID, get(ROWS), I32_EQZ, BR_IF, 0, LOOP, VOID); // rows
  emit(get(START), I32_LOAD, 2, 4, set(E), I32_CONST, 0, set(U));
  emit(get(E), get(START), I32_LOAD, 2, 0, LOCAL_TEE, N, I32_SUB, I32_CONST, 1, I32_EQ);
  emit(IF, VOID); // one entry
  emit(loadF32([get(VALUE), get(N), I32_CONST, 2, I32_SHL, I32_ADD], false), set(ACC));
  emit(get(KERNEL), get(INDEX), get(N), I32_CONST, 2, I32_SHL, I32_ADD, I32_LOAD, 2, 0);
  emit(get(GATES), I32_MUL, I32_CONST, 2, I32_SHL, I32_ADD, set(K)); // kernel row index[n]
  overGates(one);
  emit(ELSE); // any number of entries
  overGates(row);
  emit(END); // if one entry
  emit(get(START), I32_CONST, 4, I32_ADD, set(START));
  emit(get(OUT), get(GATES), I32_CONST, 2, I32_SHL, I32_ADD, set(OUT));
  emit(get(ROWS), I32_CONST, 1, I32_SUB, LOCAL_TEE, ROWS, BR_IF, 0, END, END);
  emit(END); // function
  return code;
}

/** The float32 kernels of the module besides the products. */
export function f32Functions(): WasmFunction[] {
  const i32s = (n: number) => new Array(n).fill(I32);
  return [
    {
      name: "f32_activate",
      params: i32s(5),
      locals: [[5, I32], [ACTIVATE_V128, V128]],
      body: activateBody(),
    },
    {
      name: "f32_slopeMul",
      params: i32s(9),
      locals: [[2, I32], [1 + SLOPE_CONSTANTS, V128]],
      body: slopeMulBody(),
    },
    { name: "f32_sumRows64", params: i32s(5), locals: [[3, I32]], body: sumRows64Body() },
    {
      name: "f32_sparseProject64",
      params: i32s(8),
      locals: [[5, I32], [1, V128]],
      body: sparseProject64Body(),
    },
    {
      name: "f32_sparseOuterAdd64",
      params: i32s(7),
      locals: [[5, I32], [1, V128]],
      body: sparseOuterAdd64Body(),
    },
    {
      name: "f32_lstmCell",
      params: i32s(10),
      locals: [[3, I32], [6 + TANH_TEMPS + LSTM_CELL_CONSTANTS, V128]],
      body: lstmCellBody(),
    },
    {
      name: "f32_adam",
      params: [...i32s(6), ...new Array(8).fill(F32)],
      locals: [[2, I32], [3, V128], [3, F32]],
      body: adamBody(),
    },
    {
      name: "f32_lstmCellBack",
      params: i32s(17),
      locals: [[5, I32], [8, V128]],
      body: lstmCellBackBody(),
    },
  ];
}

// ---- calling them --------------------------------------------------------------------------

/**
 * The unchecked kernels on byte addresses and strides (bytes from one row to the next), for
 * loops that call them once per time step; see the module documentation.
 */
export interface F32Fns {
  activate(code: number, at: number, count: number, rows: number, stride: number): void;
  slopeMul(
    code: number,
    dz: number,
    dzStride: number,
    dh: number,
    dhStride: number,
    y: number,
    yStride: number,
    count: number,
    rows: number,
  ): void;
  sumRows64(dst: number, src: number, count: number, rows: number, stride: number): void;
  sparseProject64(
    out: number,
    kernel: number,
    gates: number,
    start: number,
    index: number,
    value: number,
    bias: number,
    rows: number,
  ): void;
  sparseOuterAdd64(
    dst: number,
    dz: number,
    gates: number,
    start: number,
    index: number,
    value: number,
    rows: number,
  ): void;
  adam(
    value: number,
    gradient: number,
    m: number,
    v: number,
    out: number,
    n: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    bias1: number,
    bias2: number,
    epsilon: number,
    minusLr: number,
  ): void;
  lstmCell(
    act: number,
    z: number,
    zStride: number,
    c: number,
    actC: number,
    h: number,
    stateStride: number,
    rows: number,
    units: number,
    first: number,
  ): void;
  lstmCellBack(
    act: number,
    rec: number,
    gates: number,
    gatesStride: number,
    c: number,
    actC: number,
    stateStride: number,
    dz: number,
    dzStride: number,
    dh: number,
    dhStride: number,
    dy: number,
    dyStride: number,
    dc: number,
    rows: number,
    units: number,
    first: number,
  ): void;
}

/** The compiled float32 kernels with their arena; see the module documentation. */
export class F32Kernels {
  /** The products of {@linkcode F32X4} lanes, on {@linkcode F32Kernels.arena}. */
  readonly products: MatrixProducts;
  /** Where the operands go: `arena.regions({...})`. */
  readonly arena: WasmArena;
  /** The unchecked elementwise kernels. */
  readonly fns: F32Fns;

  private constructor(arena: WasmArena) {
    this.arena = arena;
    this.products = new MatrixProducts(arena, F32X4);
    const e = arena.exports;
    this.fns = {
      activate: e.f32_activate as F32Fns["activate"],
      slopeMul: e.f32_slopeMul as F32Fns["slopeMul"],
      sumRows64: e.f32_sumRows64 as F32Fns["sumRows64"],
      sparseOuterAdd64: e.f32_sparseOuterAdd64 as F32Fns["sparseOuterAdd64"],
      sparseProject64: e.f32_sparseProject64 as F32Fns["sparseProject64"],
      adam: e.f32_adam as F32Fns["adam"],
      lstmCell: e.f32_lstmCell as F32Fns["lstmCell"],
      lstmCellBack: e.f32_lstmCellBack as F32Fns["lstmCellBack"],
    };
  }

  /** Compiles the kernels; null where WebAssembly SIMD is not available. */
  static create(): F32Kernels | null {
    const arena = WasmArena.create([...productFunctions(F32X4), ...f32Functions()]);
    return arena && new F32Kernels(arena);
  }

  /** values = act(values) in place (a float32 region of the arena), `code` of `activationCode`. */
  activate(code: number, values: Float32Array): void {
    if (!Number.isInteger(code) || code < 0 || code > 4) {
      throw new Error(`F32Kernels.activate: no activation of code ${code}`);
    }
    this.fns.activate(code, values.byteOffset, values.length, 1, 0);
  }
}

/** The fused layers' float32 kernels (null without WebAssembly SIMD). */
export const f32Kernels: F32Kernels | null = F32Kernels.create();
