/**
 * The kernels' one `exp` and one `tanh` (and the sigmoid made of that exp), with one set of
 * constants, in two number formats: float64 (the hand-written network) and float32 (the fused
 * layers). Each is written twice: a TypeScript function, and WebAssembly SIMD instructions
 * (two float64 lanes, or four float32 lanes) performing the same operations in the same order,
 * so that the two give the same bits (tested). In float32 every operation is rounded to float32
 * (the TypeScript rounds each with `Math.fround`), as the float32 lanes do.
 *
 *   exp(x)      e^y for y = x clamped to the format's range ([−104, 104] in float64, where e^x
 *               is beyond float32's range anyway; [−87, 88] in float32, where 2^k stays a
 *               normal float32): y = k·ln 2 + r, k = y·log2(e) rounded half to even,
 *               r = (y − k·LN2_HI) − k·LN2_LO (the format's split of ln 2: fdlibm's in float64,
 *               Cephes' in float32, whose LN2_HI has 9 bits so k·LN2_HI is exact), e^r by its
 *               Taylor polynomial (Horner; |r| <= ln 2 / 2) to r^13 in float64 (error below
 *               1e-17) and to r^7 in float32 (below 6e-9, a twentieth of float32's ulp), times
 *               2^k.
 *   tanh(x)     |x| <= 0.625: Cephes' rational function x + x·s·P(s)/Q(s), s = x²; otherwise
 *               1 − 2/(exp(2|x|) + 1); the sign of x copied onto the result.
 *   sigmoid(z)  1 / (1 + exp(−z)).
 *
 * Accuracy (tested): in float64 exp within 2 ulp of `Math.exp`, tanh within 2 ulp of
 * `Math.tanh`, sigmoid within 4; in float32 exp and tanh within 2 float32 ulp, sigmoid within
 * 3.
 *
 * Who uses them: the hand-written network's float64 `np.tanh` (`_wasm_f64.ts` applies
 * {@linkcode tanhOf} to float64 arrays; `../scratch/np.ts` falls back to {@linkcode tanh}), and
 * the fused layers in float32 (`activations.ts`: the plain references call
 * `tanh(z, FLOAT32)` and `sigmoid(z, FLOAT32)`; `_wasm_f32.ts` applies {@linkcode tanhOf} /
 * {@linkcode sigmoidOf} with `format: FLOAT32` to four float32 lanes at a time), so a fused
 * layer's activation is the same float32 number on either path. The float32 format is what
 * makes the layers fast: four lanes instead of two and a polynomial of half the degree (a
 * batch of SimpleRNN(32)'s 102,400 tanh: 0.54 → 0.17 ms).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.ok(Math.abs(tanh(0.5) - Math.tanh(0.5)) <= 2 * Number.EPSILON * Math.tanh(0.5));
 * assert.ok(Math.abs(exp(1) - Math.E) <= 2 * Number.EPSILON * Math.E);
 * assert.equal(sigmoid(0), 0.5);
 * assert.equal(Math.fround(sigmoid(-200)), 0); // e^200 clamped to e^104: still 0 in float32
 * // float32: float32 numbers, within 2 float32 ulp (2^-25 at tanh(0.5) = 0.46) of the exact value
 * const t = tanh(0.5, FLOAT32);
 * assert.equal(Math.fround(t), t);
 * assert.ok(Math.abs(t - Math.tanh(0.5)) <= 2 * 2 ** -25);
 * ```
 * @module
 */

import {
  type Bytes,
  F32X4_ABS,
  F32X4_ADD,
  F32X4_DIV,
  F32X4_GT,
  F32X4_MUL,
  F32X4_NEAREST,
  F32X4_NEG,
  F32X4_PMAX,
  F32X4_PMIN,
  F32X4_SUB,
  f32x4Const,
  F64X2_ABS,
  F64X2_ADD,
  F64X2_DIV,
  F64X2_GT,
  F64X2_MUL,
  F64X2_NEAREST,
  F64X2_NEG,
  F64X2_PMAX,
  F64X2_PMIN,
  F64X2_SUB,
  f64x2Const,
  get,
  I32_CONST,
  I32X4_SHL,
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
/** 2^k at index k + 150, for |k| <= 150 (the k of |y| <= 104). */
const POW2 = Float64Array.from({ length: 301 }, (_, i) => 2 ** (i - 150));

/**
 * What a number format changes in the functions: its rounding, its range and split of ln 2,
 * the degree of exp's polynomial, and its lanes' instructions.
 */
export interface Format {
  readonly name: "float64" | "float32";
  /** each operation's result in the format: the identity, or `Math.fround` */
  readonly round: (x: number) => number;
  /** exp's clamp of its argument */
  readonly expRange: readonly [number, number];
  /** ln 2 = LN2_HI + LN2_LO, k·LN2_HI exact for the k of the range */
  readonly ln2: readonly [number, number];
  /** the degree of exp's Taylor polynomial */
  readonly degree: number;
  /** 2^k's bits are (k + bias) << shift: the float k + bias holds k + bias in its low bits */
  readonly exponent: { readonly bias: number; readonly shift: number };
  /** the lanes' `v128.const` of a number, and their instructions */
  readonly splat: (v: number) => number[];
  readonly op: {
    readonly abs: Bytes;
    readonly add: Bytes;
    readonly sub: Bytes;
    readonly mul: Bytes;
    readonly div: Bytes;
    /** pmin(a, b) = b < a ? b : a, pmax(a, b) = a < b ? b : a (one instruction each) */
    readonly pmin: Bytes;
    readonly pmax: Bytes;
    readonly neg: Bytes;
    readonly gt: Bytes;
    readonly nearest: Bytes;
    readonly shl: Bytes;
  };
}

/** float64: two lanes, no rounding beyond float64's own. */
export const FLOAT64: Format = Object.freeze({
  name: "float64",
  round: (x: number) => x,
  expRange: [-104, 104] as const,
  /** fdlibm's split of ln 2 */
  ln2: [6.93147180369123816490e-01, 1.90821492927058770002e-10] as const,
  degree: 13,
  exponent: { bias: 2 ** 52 + 1023, shift: 52 },
  splat: f64x2Const,
  op: {
    abs: F64X2_ABS,
    add: F64X2_ADD,
    sub: F64X2_SUB,
    mul: F64X2_MUL,
    div: F64X2_DIV,
    pmin: F64X2_PMIN,
    pmax: F64X2_PMAX,
    neg: F64X2_NEG,
    gt: F64X2_GT,
    nearest: F64X2_NEAREST,
    shl: I64X2_SHL,
  },
});

/** float32: four lanes, every operation rounded to float32. */
export const FLOAT32: Format = Object.freeze({
  name: "float32",
  round: Math.fround,
  expRange: [-87, 88] as const,
  /** Cephes' split of ln 2 (expf) */
  ln2: [0.693359375, -2.12194440e-4] as const,
  degree: 7,
  exponent: { bias: 2 ** 23 + 127, shift: 23 },
  splat: f32x4Const,
  op: {
    abs: F32X4_ABS,
    add: F32X4_ADD,
    sub: F32X4_SUB,
    mul: F32X4_MUL,
    div: F32X4_DIV,
    pmin: F32X4_PMIN,
    pmax: F32X4_PMAX,
    neg: F32X4_NEG,
    gt: F32X4_GT,
    nearest: F32X4_NEAREST,
    shl: I32X4_SHL,
  },
});

// ---- the TypeScript functions -------------------------------------------------------------

/** The lanes' pmax(a, b) (f64x2.pmax, f32x4.pmax): a < b ? b : a. */
const pmax = (a: number, b: number) => a < b ? b : a;
/** The lanes' pmin(a, b): b < a ? b : a. */
const pmin = (a: number, b: number) => b < a ? b : a;

/** v rounded to the nearest integer, half to even (as f64x2.nearest and f32x4.nearest). */
function nearest(v: number): number {
  const k = Math.round(v);
  return k - v === 0.5 && k % 2 !== 0 ? k - 1 : k;
}

/** e^x as described in the module documentation, in `format` (default float64). */
export function exp(x: number, format: Format = FLOAT64): number {
  const r_ = format.round;
  const [lo, hi] = format.expRange;
  const y = pmin(pmax(r_(x), lo), hi);
  const k = nearest(r_(y * r_(INV_LN2)));
  const [ln2Hi, ln2Lo] = format.ln2.map(r_);
  const r = r_(r_(y - r_(k * ln2Hi)) - r_(k * ln2Lo));
  let p = r_(EXP_TAYLOR[format.degree]);
  for (let j = format.degree - 1; j >= 0; j--) p = r_(r_(EXP_TAYLOR[j]) + r_(r * p));
  return r_(p * POW2[k + 150]);
}

/**
 * tanh in `format` (default float64): |x| <= 0.625 Cephes' rational function, else
 * 1 − 2/(exp(2|x|) + 1), with x's sign.
 */
export function tanh(x: number, format: Format = FLOAT64): number {
  const r_ = format.round;
  const a = Math.abs(r_(x));
  const s = r_(a * a);
  const num = r_(r_(r_(r_(r_(P0) * s) + r_(P1)) * s) + r_(P2));
  const den = r_(r_(r_(r_(r_(s + r_(Q0)) * s) + r_(Q1)) * s) + r_(Q2));
  const small = r_(a + r_(r_(r_(a * s) * num) / den));
  const big = r_(1 - r_(2 / r_(exp(r_(2 * a), format) + 1)));
  const t = a > TANH_SWITCH ? big : small;
  return x < 0 || (x === 0 && 1 / x < 0) ? -t : t;
}

/** The logistic sigmoid 1 / (1 + exp(−z)) in `format` (default float64). */
export function sigmoid(z: number, format: Format = FLOAT64): number {
  const r_ = format.round;
  return r_(1 / r_(1 + exp(-r_(z), format)));
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

/** Where an emitter's constants come from, and in which format it computes. */
export interface EmitOptions {
  /** default: the `v128.const` in place ({@linkcode Constant}) */
  constant?: Constant;
  /** default {@linkcode FLOAT64} (two lanes); {@linkcode FLOAT32}: four float32 lanes */
  format?: Format;
}

/**
 * Instructions replacing each v128 local in `xs` by {@linkcode exp} of its lanes in the format
 * (`options.format`, default float64). Uses {@linkcode EXP_TEMPS} temporaries per value.
 */
export function expOf(xs: number[], temp: Temp, options: EmitOptions = {}): number[] {
  const { constant = inPlace, format = FLOAT64 } = options;
  const { op } = format;
  const code: number[] = [];
  const KF = 0, R = 1;
  const c = (v: number) => constant(format.splat(v));
  const [lo, hi] = format.expRange;
  const [ln2Hi, ln2Lo] = format.ln2;
  // y = pmin(pmax(x, lo), hi) (NaN stays NaN); k = nearest(y / ln 2);
  // r = (y − k·LN2_HI) − k·LN2_LO
  each(xs, code, (x) => [get(x), c(lo), op.pmax, c(hi), op.pmin, set(x)]);
  each(xs, code, (x, g) => [get(x), c(INV_LN2), op.mul, op.nearest, set(temp(g, KF))]);
  each(xs, code, (x, g) => [
    get(x),
    get(temp(g, KF)),
    c(ln2Hi),
    op.mul,
    op.sub,
    get(temp(g, KF)),
    c(ln2Lo),
    op.mul,
    op.sub,
    set(temp(g, R)),
  ]);
  // p = Σ r^j / j!, Horner, into x
  each(xs, code, (x) => [c(EXP_TAYLOR[format.degree]), set(x)]);
  for (let j = format.degree - 1; j >= 0; j--) {
    each(xs, code, (x, g) => [c(EXP_TAYLOR[j]), get(temp(g, R)), get(x), op.mul, op.add, set(x)]);
  }
  // 2^k from its bits, (k + bias) << shift; then p·2^k. In float64 k + 1023 (0 < k + 1023 <
  // 2^11) is an integer in the low bits of the float64 2^52 + 1023 + k (exact: the float64s of
  // [2^52, 2^53) are the integers), whose exponent bits the shift by 52 drops; in float32 the
  // same with 2^23 + 127 + k and 23.
  const { bias, shift } = format.exponent;
  each(xs, code, (x, g) => [
    get(x),
    get(temp(g, KF)),
    c(bias),
    op.add,
    I32_CONST,
    shift,
    op.shl,
    op.mul,
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
 * Instructions replacing each v128 local in `xs` by {@linkcode tanh} of its lanes in the format
 * (`options.format`, default float64). Uses {@linkcode TANH_TEMPS} temporaries per value.
 */
export function tanhOf(
  xs: number[],
  temp: Temp,
  options: EmitOptions & { branch?: TanhBranch } = {},
): number[] {
  const { branch = "both", constant = inPlace, format = FLOAT64 } = options;
  const { op } = format;
  const code: number[] = [];
  const c = (v: number) => constant(format.splat(v));
  const A = 0, S2 = 1, SMALL = 2, Y = 3; // Y: the denominator, then 2|x| and its exp
  const t = (g: number, k: number) => temp(g, k);
  const expTemp: Temp = (g, k) => temp(g, 4 + k);
  each(xs, code, (x, g) => [get(x), op.abs, set(t(g, A))]); // a = |x|
  if (branch !== "big") {
    each(xs, code, (_, g) => [get(t(g, A)), get(t(g, A)), op.mul, set(t(g, S2))]); // s = a·a
    // small = a + a·s·N/D, N = (P0·s + P1)·s + P2, D = ((s + Q0)·s + Q1)·s + Q2
    each(xs, code, (_, g) => [c(P0), get(t(g, S2)), op.mul, c(P1), op.add, set(t(g, SMALL))]);
    each(xs, code, (_, g) => [
      get(t(g, SMALL)),
      get(t(g, S2)),
      op.mul,
      c(P2),
      op.add,
      set(t(g, SMALL)),
    ]);
    each(xs, code, (_, g) => [get(t(g, S2)), c(Q0), op.add, get(t(g, S2)), op.mul, set(t(g, Y))]);
    each(xs, code, (_, g) => [get(t(g, Y)), c(Q1), op.add, get(t(g, S2)), op.mul, set(t(g, Y))]);
    each(xs, code, (_, g) => [get(t(g, Y)), c(Q2), op.add, set(t(g, Y))]);
    each(xs, code, (_, g) => [
      get(t(g, A)),
      get(t(g, A)),
      get(t(g, S2)),
      op.mul,
      get(t(g, SMALL)),
      op.mul,
      get(t(g, Y)),
      op.div,
      op.add,
      set(t(g, SMALL)),
    ]);
  }
  if (branch === "small") {
    each(xs, code, (x, g) => [get(t(g, SMALL)), get(x), c(-0), V128_AND, V128_OR, set(x)]); // x's sign
    return code;
  }
  // big = 1 − 2/(exp(2a) + 1)
  each(xs, code, (_, g) => [c(2), get(t(g, A)), op.mul, set(t(g, Y))]);
  code.push(...expOf(xs.map((_, g) => t(g, Y)), expTemp, { constant, format }));
  each(
    xs,
    code,
    (_, g) => [c(1), c(2), get(t(g, Y)), c(1), op.add, op.div, op.sub, set(t(g, Y))],
  );
  // t = a > 0.625 ? big : small; the sign bit of x onto t
  const select = (g: number): Bytes[] =>
    branch === "big"
      ? [get(t(g, Y))]
      : [get(t(g, Y)), get(t(g, SMALL)), get(t(g, A)), c(TANH_SWITCH), op.gt, V128_BITSELECT];
  each(xs, code, (x, g) => [...select(g), get(x), c(-0), V128_AND, V128_OR, set(x)]);
  return code;
}

/**
 * Instructions replacing each v128 local in `xs` by {@linkcode sigmoid} of its lanes in the
 * format (`options.format`, default float64). Uses {@linkcode SIGMOID_TEMPS} temporaries per
 * value.
 */
export function sigmoidOf(xs: number[], temp: Temp, options: EmitOptions = {}): number[] {
  const { constant = inPlace, format = FLOAT64 } = options;
  const { op } = format;
  const code: number[] = [];
  const c = (v: number) => constant(format.splat(v));
  each(xs, code, (x) => [get(x), op.neg, set(x)]);
  code.push(...expOf(xs, temp, { constant, format }));
  each(xs, code, (x) => [c(1), c(1), get(x), op.add, op.div, set(x)]);
  return code;
}
