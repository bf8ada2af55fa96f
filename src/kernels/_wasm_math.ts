/**
 * The kernels' one `exp` and one `tanh` (and the sigmoid made of that exp), with one set of
 * constants, each written twice: a TypeScript function, and WebAssembly SIMD instructions on two
 * float64 lanes that perform the same operations in the same order, so that the two give the
 * same bits (tested).
 *
 *   exp(x)      e^y for y = x clamped to [−104, 104]: y = k·ln 2 + r, k = y / ln 2 rounded half
 *               to even, r = (y − k·LN2_HI) − k·LN2_LO (fdlibm's split of ln 2); e^r by its
 *               Taylor polynomial to r^13 (Horner; |r| <= ln 2 / 2: error below 1e-17), times
 *               2^k. Beyond ±104, e^x is outside float32's range (1 / (1 + e^104) rounds to 0).
 *   tanh(x)     |x| <= 0.625: Cephes' rational function x + x·s·P(s)/Q(s), s = x²; otherwise
 *               1 − 2/(exp(2|x|) + 1); the sign of x copied onto the result. Within 2 ulp of
 *               `Math.tanh` in float64.
 *   sigmoid(z)  1 / (1 + exp(−z)).
 *
 * Who uses them: the hand-written network's float64 `np.tanh` (`_wasm_f64.ts` applies
 * {@linkcode tanhOf} to float64 arrays; `../scratch/np.ts` falls back to {@linkcode tanh}), and
 * the fused float32 layers (`activations.ts`: the plain references call {@linkcode tanh} and
 * {@linkcode sigmoid} and store float32; `_wasm_f32.ts` promotes float32 values to float64,
 * applies {@linkcode tanhOf} / {@linkcode sigmoidOf} and rounds to float32), so a fused layer's
 * activation is `Math.fround` of these functions on either path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.ok(Math.abs(tanh(0.5) - Math.tanh(0.5)) <= 2 * Number.EPSILON * Math.tanh(0.5));
 * assert.ok(Math.abs(exp(1) - Math.E) <= 2 * Number.EPSILON * Math.E);
 * assert.equal(sigmoid(0), 0.5);
 * assert.equal(Math.fround(sigmoid(-200)), 0); // e^200 clamped to e^104: still 0 in float32
 * ```
 * @module
 */

import {
  type Bytes,
  F64X2_ABS,
  F64X2_ADD,
  F64X2_DIV,
  F64X2_GT,
  F64X2_MAX,
  F64X2_MIN,
  F64X2_MUL,
  F64X2_NEAREST,
  F64X2_NEG,
  F64X2_SUB,
  f64x2Const,
  get,
  I32_CONST,
  I64X2_SHL,
  set,
  V128_AND,
  V128_BITSELECT,
  V128_OR,
} from "./_wasm_assembler.ts";

// ---- the constants ------------------------------------------------------------------------

/** Cephes' rational approximation of tanh on |x| <= 0.625: x + x·s·P(s)/Q(s), s = x². */
const P0 = -9.64399179425052238628e-1, P1 = -9.92877231001918586564e1;
const P2 = -1.61468768441708447952e3, Q0 = 1.12811678491632931402e2;
const Q1 = 2.23548839060100448583e3, Q2 = 4.84406305325125486048e3;
/** Where tanh switches from the rational function to 1 − 2/(e^{2|x|} + 1). */
export const TANH_SWITCH = 0.625;
/** Taylor coefficients 1/j! of e^r, j = 0..13. */
const EXP_TAYLOR = Array.from({ length: 14 }, (_, j) => {
  let f = 1;
  for (let i = 2; i <= j; i++) f *= i;
  return 1 / f;
});
const INV_LN2 = 1.44269504088896338700e+00;
/** ln 2 split in two so that k·LN2_HI is exact for the k used here (fdlibm's split). */
const LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
/** exp clamps its argument to [−EXP_LIMIT, EXP_LIMIT]. */
const EXP_LIMIT = 104;
/** 2^k at index k + 150, for |k| <= 150 (the k of |y| <= 104). */
const POW2 = Float64Array.from({ length: 301 }, (_, i) => 2 ** (i - 150));

// ---- the TypeScript functions -------------------------------------------------------------

/** e^x as described in the module documentation (x clamped to [−104, 104]). */
export function exp(x: number): number {
  const y = Math.min(Math.max(x, -EXP_LIMIT), EXP_LIMIT);
  const v = y * INV_LN2;
  let k = Math.round(v);
  if (k - v === 0.5 && k % 2 !== 0) k -= 1; // round half to even, as f64x2.nearest
  const r = (y - k * LN2_HI) - k * LN2_LO;
  let p = EXP_TAYLOR[13];
  for (let j = 12; j >= 0; j--) p = EXP_TAYLOR[j] + r * p;
  return p * POW2[k + 150];
}

/**
 * tanh within 2 ulp of `Math.tanh` (tested): |x| <= 0.625 Cephes' rational function, else
 * 1 − 2/(exp(2|x|) + 1), with x's sign.
 */
export function tanh(x: number): number {
  const a = Math.abs(x);
  const s = a * a;
  const small = a + a * s * ((P0 * s + P1) * s + P2) / (((s + Q0) * s + Q1) * s + Q2);
  const big = 1 - 2 / (exp(2 * a) + 1);
  const t = a > TANH_SWITCH ? big : small;
  return x < 0 || (x === 0 && 1 / x < 0) ? -t : t;
}

/** The logistic sigmoid 1 / (1 + exp(−z)). */
export function sigmoid(z: number): number {
  return 1 / (1 + exp(-z));
}

// ---- the same operations as WebAssembly instructions ---------------------------------------

/**
 * Where an emitter keeps value g's temporary k: a v128 local (each emitter below says how many
 * temporaries a value needs).
 */
export type Temp = (g: number, k: number) => number;

/** Temporaries per value of {@linkcode expOf}. */
export const EXP_TEMPS = 2;
/** Temporaries per value of {@linkcode tanhOf}. */
export const TANH_TEMPS = 6;
/** Temporaries per value of {@linkcode sigmoidOf}. */
export const SIGMOID_TEMPS = EXP_TEMPS;

/**
 * Instructions doing `step` for each value in turn, one step after another: independent chains
 * interleaved operation by operation, so that several are in flight.
 */
function each(xs: number[], code: number[], step: (x: number, g: number) => Bytes[]): void {
  xs.forEach((x, g) => {
    for (const part of step(x, g)) typeof part === "number" ? code.push(part) : code.push(...part);
  });
}

/**
 * How an emitter puts a constant on the stack, given its `v128.const` instruction: by default
 * that instruction itself, or the `local.get` of a local holding it ({@linkcode ConstantLocals}).
 * Either way the same value: the choice changes the speed, never a result.
 */
export type Constant = (v128Const: number[]) => number[];

/** The default {@linkcode Constant}: the `v128.const` instruction in place. */
const inPlace: Constant = (v128Const) => v128Const;

/**
 * v128 constants kept in locals, each set once at the start of a function. V8 builds a
 * `v128.const` anew at each use (several instructions: an immediate through a general register
 * into the vector register), which costs the float64 tanh and exp more than their arithmetic;
 * a local is one move or one load from the stack (f32_activate: 0.95 → 0.63 ms for SimpleRNN
 * (32)'s 102,400 values of a batch).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { f64x2Const } from "./_wasm_assembler.ts";
 *
 * const constants = new ConstantLocals(10, 4);
 * assert.deepEqual(constants.of(f64x2Const(1)), [0x20, 10]); // local.get 10
 * assert.deepEqual(constants.of(f64x2Const(2)), [0x20, 11]);
 * assert.deepEqual(constants.of(f64x2Const(1)), [0x20, 10]); // the same constant, the same local
 * assert.equal(constants.init().length, 2 * (18 + 2)); // v128.const, local.set for each
 * ```
 */
export class ConstantLocals {
  readonly #first: number;
  readonly #max: number;
  readonly #locals = new Map<string, { local: number; v128Const: number[] }>();

  /** Constants in the v128 locals first .. first + max − 1. */
  constructor(first: number, max: number) {
    this.#first = first;
    this.#max = max;
  }

  /** The {@linkcode Constant} of these locals: `local.get` of the one holding `v128Const`. */
  readonly of: Constant = (v128Const) => {
    const key = v128Const.join(",");
    let entry = this.#locals.get(key);
    if (entry === undefined) {
      if (this.#locals.size >= this.#max) {
        throw new Error(`ConstantLocals: more than ${this.#max} constants`);
      }
      entry = { local: this.#first + this.#locals.size, v128Const };
      this.#locals.set(key, entry);
    }
    return get(entry.local);
  };

  /** The instructions setting each local used so far to its constant (the function's start). */
  init(): number[] {
    return [...this.#locals.values()].flatMap((
      { local, v128Const },
    ) => [...v128Const, ...set(local)]);
  }
}

/**
 * Instructions replacing each v128 local in `xs` (two float64 lanes) by {@linkcode exp} of its
 * lanes. Uses {@linkcode EXP_TEMPS} temporaries per value; `constant`: where the constants come
 * from.
 */
export function expOf(xs: number[], temp: Temp, constant: Constant = inPlace): number[] {
  const code: number[] = [];
  const KF = 0, R = 1;
  const c = (v: number) => constant(f64x2Const(v));
  // y = min(max(x, −104), 104); k = nearest(y / ln 2); r = (y − k·LN2_HI) − k·LN2_LO
  each(xs, code, (x) => [get(x), c(-EXP_LIMIT), F64X2_MAX, c(EXP_LIMIT), F64X2_MIN, set(x)]);
  each(xs, code, (x, g) => [get(x), c(INV_LN2), F64X2_MUL, F64X2_NEAREST, set(temp(g, KF))]);
  each(xs, code, (x, g) => [
    get(x),
    get(temp(g, KF)),
    c(LN2_HI),
    F64X2_MUL,
    F64X2_SUB,
    get(temp(g, KF)),
    c(LN2_LO),
    F64X2_MUL,
    F64X2_SUB,
    set(temp(g, R)),
  ]);
  // p = Σ r^j / j!, Horner, into x
  each(xs, code, (x) => [c(EXP_TAYLOR[13]), set(x)]);
  for (let j = 12; j >= 0; j--) {
    each(
      xs,
      code,
      (x, g) => [c(EXP_TAYLOR[j]), get(temp(g, R)), get(x), F64X2_MUL, F64X2_ADD, set(x)],
    );
  }
  // 2^k from its bits, (k + 1023) << 52; then p·2^k. k + 1023 (0 < k + 1023 < 2^11) is an
  // integer in the low bits of the float64 2^52 + 1023 + k (exact: the float64s of [2^52, 2^53)
  // are the integers), whose exponent bits the shift by 52 drops
  each(xs, code, (x, g) => [
    get(x),
    get(temp(g, KF)),
    c(2 ** 52 + 1023),
    F64X2_ADD,
    I32_CONST,
    52,
    I64X2_SHL,
    F64X2_MUL,
    set(x),
  ]);
  return code;
}

/**
 * Which of tanh's two computations {@linkcode tanhOf} emits: "both" (and selects by |x| > 0.625,
 * branch-free), "small" (every lane is known to have |x| <= 0.625, or to be NaN: the rational
 * function alone) or "big" (every lane is known to have |x| > 0.625: 1 − 2/(e^{2|x|} + 1)
 * alone). Each gives {@linkcode tanh}'s result on the lanes it is meant for (the same
 * operations).
 */
export type TanhBranch = "both" | "small" | "big";

/**
 * Instructions replacing each v128 local in `xs` by {@linkcode tanh} of its two lanes. Uses
 * {@linkcode TANH_TEMPS} temporaries per value; `constant`: where the constants come from.
 */
export function tanhOf(
  xs: number[],
  temp: Temp,
  branch: TanhBranch = "both",
  constant: Constant = inPlace,
): number[] {
  const code: number[] = [];
  const c = (v: number) => constant(f64x2Const(v));
  const A = 0, S2 = 1, SMALL = 2, Y = 3; // Y: the denominator, then 2|x| and its exp
  const t = (g: number, k: number) => temp(g, k);
  const expTemp: Temp = (g, k) => temp(g, 4 + k);
  each(xs, code, (x, g) => [get(x), F64X2_ABS, set(t(g, A))]); // a = |x|
  if (branch !== "big") {
    each(xs, code, (_, g) => [get(t(g, A)), get(t(g, A)), F64X2_MUL, set(t(g, S2))]); // s = a·a
    // small = a + a·s·N/D, N = (P0·s + P1)·s + P2, D = ((s + Q0)·s + Q1)·s + Q2
    each(xs, code, (_, g) => [c(P0), get(t(g, S2)), F64X2_MUL, c(P1), F64X2_ADD, set(t(g, SMALL))]);
    each(xs, code, (_, g) => [
      get(t(g, SMALL)),
      get(t(g, S2)),
      F64X2_MUL,
      c(P2),
      F64X2_ADD,
      set(t(g, SMALL)),
    ]);
    each(
      xs,
      code,
      (_, g) => [get(t(g, S2)), c(Q0), F64X2_ADD, get(t(g, S2)), F64X2_MUL, set(t(g, Y))],
    );
    each(
      xs,
      code,
      (_, g) => [get(t(g, Y)), c(Q1), F64X2_ADD, get(t(g, S2)), F64X2_MUL, set(t(g, Y))],
    );
    each(xs, code, (_, g) => [get(t(g, Y)), c(Q2), F64X2_ADD, set(t(g, Y))]);
    each(xs, code, (_, g) => [
      get(t(g, A)),
      get(t(g, A)),
      get(t(g, S2)),
      F64X2_MUL,
      get(t(g, SMALL)),
      F64X2_MUL,
      get(t(g, Y)),
      F64X2_DIV,
      F64X2_ADD,
      set(t(g, SMALL)),
    ]);
  }
  if (branch === "small") {
    each(xs, code, (x, g) => [get(t(g, SMALL)), get(x), c(-0), V128_AND, V128_OR, set(x)]); // x's sign
    return code;
  }
  // big = 1 − 2/(exp(2a) + 1)
  each(xs, code, (_, g) => [c(2), get(t(g, A)), F64X2_MUL, set(t(g, Y))]);
  code.push(...expOf(xs.map((_, g) => t(g, Y)), expTemp, constant));
  each(
    xs,
    code,
    (_, g) => [c(1), c(2), get(t(g, Y)), c(1), F64X2_ADD, F64X2_DIV, F64X2_SUB, set(t(g, Y))],
  );
  // t = a > 0.625 ? big : small; the sign bit of x onto t
  const select = (g: number): Bytes[] =>
    branch === "big"
      ? [get(t(g, Y))]
      : [get(t(g, Y)), get(t(g, SMALL)), get(t(g, A)), c(TANH_SWITCH), F64X2_GT, V128_BITSELECT];
  each(xs, code, (x, g) => [...select(g), get(x), c(-0), V128_AND, V128_OR, set(x)]);
  return code;
}

/**
 * Instructions replacing each v128 local in `xs` by {@linkcode sigmoid} of its two lanes. Uses
 * {@linkcode SIGMOID_TEMPS} temporaries per value; `constant`: where the constants come from.
 */
export function sigmoidOf(xs: number[], temp: Temp, constant: Constant = inPlace): number[] {
  const code: number[] = [];
  const c = (v: number) => constant(f64x2Const(v));
  each(xs, code, (x) => [get(x), F64X2_NEG, set(x)]);
  code.push(...expOf(xs, temp, constant));
  each(xs, code, (x) => [c(1), c(1), get(x), F64X2_ADD, F64X2_DIV, set(x)]);
  return code;
}
