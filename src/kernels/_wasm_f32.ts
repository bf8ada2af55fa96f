/**
 * The fused layers' float32 kernels in one WebAssembly module and its arena: the matrix products
 * of `_wasm_products.ts` on four float32 lanes ({@linkcode F32X4}), and the activations of
 * `activations.ts` applied in place to float32 values:
 *
 *   activate(code, values)   values[i] = act(values[i]): each float32 promoted to float64, the
 *                            shared `tanh` / `sigmoid` instructions of `_wasm_math.ts` (or relu,
 *                            hardSigmoid, linear), rounded back to float32; so every result is
 *                            `Math.fround(activate(code, value))` of `activations.ts`, bit for
 *                            bit (tested).
 *
 * tanh takes the rational function alone for a group of eight values all within ±0.625 (the
 * same operations, so the same result), the whole computation otherwise.
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
  BLOCK,
  BR,
  BR_IF,
  codeBuilder,
  ELSE,
  END,
  F32_DEMOTE_F64,
  F32_LOAD,
  F32_STORE,
  F32X4_DEMOTE_F64X2_ZERO,
  F64_PROMOTE_F32,
  F64X2_ABS,
  F64X2_ADD,
  F64X2_EXTRACT_LANE,
  F64X2_GT,
  F64X2_MAX,
  F64X2_MIN,
  F64X2_MUL,
  F64X2_PROMOTE_LOW_F32X4,
  F64X2_SPLAT,
  f64x2Const,
  get,
  I32,
  I32_ADD,
  I32_AND,
  I32_CONST,
  I32_EQ,
  I32_GE_U,
  I32_SHL,
  IF,
  LOOP,
  set,
  sleb,
  uleb,
  V128,
  V128_ANY_TRUE,
  V128_BITSELECT,
  V128_CONST_ZERO,
  V128_LOAD64_ZERO,
  V128_OR,
  V128_STORE64_LANE,
  VOID,
  type WasmFunction,
} from "./_wasm_assembler.ts";
import { WasmArena } from "./_wasm_arena.ts";
import {
  SIGMOID_TEMPS,
  sigmoidOf,
  TANH_SWITCH,
  TANH_TEMPS,
  tanhOf,
  type Temp,
} from "./_wasm_math.ts";
import { F32X4, MatrixProducts, productFunctions } from "./_wasm_products.ts";

/**
 * Instructions replacing each v128 local in `xs` (two float64 lanes) by activation `code` of its
 * lanes; `tanhSmall`, for tanh: only the rational function (every lane within ±0.625).
 */
function activationOf(code: number, xs: number[], temp: Temp, tanhSmall = false): number[] {
  const c = f64x2Const;
  const { code: out, emit } = codeBuilder();
  switch (code) {
    case activationCode("tanh"):
      return tanhOf(xs, temp, tanhSmall);
    case activationCode("sigmoid"):
      return sigmoidOf(xs, temp);
    case activationCode("hardSigmoid"): // y = 0.2 z + 0.5 clipped to [0, 1]
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
    case activationCode("relu"): // z > 0 ? z : 0 (NaN: 0)
      for (const x of xs) {
        emit(get(x), V128_CONST_ZERO, get(x), c(0), F64X2_GT, V128_BITSELECT, set(x));
      }
      return out;
    default: // linear
      return out;
  }
}

/**
 * activate(code, ptr, count): activation `code` of `count` float32 values at byte address ptr,
 * in place; eight at a time (four pairs promoted to float64, interleaved), then one by one.
 */
function activateBody(): number[] {
  const CODE = 0, PTR = 1, COUNT = 2; // parameters
  const END8 = 3, END1 = 4; // i32: where the groups of eight end, where all end
  const X = 5, TEMPS = 9; // v128: four pairs; temporaries
  const temp: Temp = (g, k) => TEMPS + g * TANH_TEMPS + k;
  const xs = [X, X + 1, X + 2, X + 3];
  const { code, emit } = codeBuilder();
  emit(get(PTR), get(COUNT), I32_CONST, 2, I32_SHL, I32_ADD, set(END1));
  emit(get(PTR), get(COUNT), I32_CONST, sleb(-8), I32_AND, I32_CONST, 2, I32_SHL);
  emit(I32_ADD, set(END8));
  for (const name of ["tanh", "sigmoid", "hardSigmoid", "relu"]) {
    const act = activationCode(name);
    emit(get(CODE), I32_CONST, act, I32_EQ, IF, VOID);
    // groups of eight
    emit(BLOCK, VOID, LOOP, VOID);
    emit(get(PTR), get(END8), I32_GE_U, BR_IF, 1);
    for (let j = 0; j < 4; j++) {
      emit(get(PTR), V128_LOAD64_ZERO, 2, uleb(8 * j), F64X2_PROMOTE_LOW_F32X4, set(xs[j]));
    }
    if (name === "tanh") { // the rational function alone when all eight are within ±0.625
      for (let j = 0; j < 4; j++) {
        emit(get(xs[j]), F64X2_ABS, f64x2Const(TANH_SWITCH), F64X2_GT);
        if (j > 0) emit(V128_OR);
      }
      emit(V128_ANY_TRUE, IF, VOID, activationOf(act, xs, temp), ELSE);
      emit(activationOf(act, xs, temp, true), END);
    } else emit(activationOf(act, xs, temp));
    for (let j = 0; j < 4; j++) {
      emit(get(PTR), get(xs[j]), F32X4_DEMOTE_F64X2_ZERO, V128_STORE64_LANE, 2, uleb(8 * j), 0);
    }
    emit(get(PTR), I32_CONST, 32, I32_ADD, set(PTR), BR, 0, END, END);
    // the rest, one by one
    emit(BLOCK, VOID, LOOP, VOID);
    emit(get(PTR), get(END1), I32_GE_U, BR_IF, 1);
    emit(get(PTR), F32_LOAD, 2, 0, F64_PROMOTE_F32, F64X2_SPLAT, set(X));
    emit(activationOf(act, [X], temp));
    emit(get(PTR), get(X), F64X2_EXTRACT_LANE, 0, F32_DEMOTE_F64, F32_STORE, 2, 0);
    emit(get(PTR), I32_CONST, 4, I32_ADD, set(PTR), BR, 0, END, END);
    emit(END); // if code
  }
  emit(END); // function
  return code;
}

/** The float32 kernels of the module besides the products. */
function f32Functions(): WasmFunction[] {
  return [{
    name: "f32_activate",
    params: [I32, I32, I32],
    locals: [[2, I32], [4 + 4 * Math.max(TANH_TEMPS, SIGMOID_TEMPS), V128]],
    body: activateBody(),
  }];
}

/** The unchecked activation on a byte address: `count` float32 values in place. */
export type ActivateFn = (code: number, at: number, count: number) => void;

/** The compiled float32 kernels with their arena; see the module documentation. */
export class F32Kernels {
  /** The products of {@linkcode F32X4} lanes, on {@linkcode F32Kernels.arena}. */
  readonly products: MatrixProducts;
  /** Where the operands go: `arena.regions({...})`. */
  readonly arena: WasmArena;
  /** The unchecked activation, for a loop calling it once per step. */
  readonly activateFn: ActivateFn;

  private constructor(arena: WasmArena) {
    this.arena = arena;
    this.products = new MatrixProducts(arena, F32X4);
    this.activateFn = arena.exports.f32_activate as ActivateFn;
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
    this.activateFn(code, values.byteOffset, values.length);
  }
}

/** The fused layers' float32 kernels (null without WebAssembly SIMD). */
export const f32Kernels: F32Kernels | null = F32Kernels.create();
