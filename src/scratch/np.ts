/**
 * The few numpy operations the book's `RecurrentNetwork` uses (`np.dot`, `.T`, `+`, `np.tanh`,
 * `np.sum`, `np.swapaxes`, ...), with numpy's names and float64 arithmetic, so that the class in
 * `./recurrent_network.ts` reads like the book's code. The speed lives here, and never changes a
 * result:
 *
 * - **Identical rows stored once.** A {@linkcode Matrix} [rows, cols] keeps its distinct rows in
 *   `data` and, in `index`, which stored row each of its rows is. Every operation computes each
 *   distinct row once: the hidden states of samples whose inputs so far are identical (the
 *   padding at the start of pre-padded reviews) are one row per step, not one per sample.
 * - **One-hot rows as gathers.** `dot(a, b)` copies row k of b for a row of a whose only
 *   non-zero value is a 1 in column k (and stores equal such rows, and zero rows, once); `xᵀ·b`
 *   adds b's row i to row k. What each row of an input is (one-hot, zero, other) is found once
 *   for all the steps `swapaxes` gives (sixteen values at a time in WebAssembly), not per product.
 * - **WebAssembly SIMD** (`../kernels/_wasm_f64.ts`: the kernels' float64 products and their one
 *   tanh) for the products of dense rows and for tanh, with the same operations in the same order
 *   as the plain loops (no fused multiply-add).
 * - **Chains computed together.** A product is computed by the operation that uses it: a
 *   recurrent step `tanh(add(x·W1x, h·W1h, b))` in one sequence of kernels, `δ·Wᵀ ⊙ (1 − h²)` in
 *   one loop after the product, a descent step `astype(w − lr·g, "float32")` in one loop.
 *   `addInPlace` skips the rows it knows are +0 (adding +0 changes nothing but a −0).
 *
 * Each product element is summed as `s = 0; for k ascending: s += a[i, k] * b[k, j]`, each
 * elementwise operation is one float64 operation per element, folded left to right. Zero terms
 * of a product may be skipped: for finite values they leave the sum's bits unchanged.
 *
 * Matrices are values: no operation writes into an existing matrix, so a result may share
 * storage with an operand or another result (its `data` may be a view into a larger buffer).
 * The one exception is {@linkcode addInPlace}, numpy's `+=` (the book's `w1h_grad += ...`),
 * which writes the sum into the matrix it is given, in storage of its own: every array and
 * matrix made from that matrix before keeps the values it had.
 * Vectors (1-D, `ArrayLike<number>`) broadcast along rows, as numpy's `(cols,)` arrays do;
 * vector-only operations return new standalone `Float64Array`s.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { add, dot, matrix, tanh, zeros } from "./np.ts";
 *
 * // three one-hot inputs [3, 3] (rows 0 and 2 alike), weights [3, 2], a zero state [3, 2]
 * const x = matrix([0, 1, 0, 0, 0, 1, 0, 1, 0], 3, 3);
 * const w1x = matrix([1, 2, 3, 4, 5, 6], 3, 2), w1h = matrix([1, 0, 0, 1], 2, 2);
 * const z = add(dot(x, w1x), dot(zeros(3, 2), w1h), [0.5, -0.5]); // X·W1x + H·W1h + b
 * assert.deepEqual(Array.from(z.toArray()), [3.5, 3.5, 5.5, 5.5, 3.5, 3.5]);
 * assert.equal(z.stored, 2); // rows 0 and 2 are one row, computed once
 * assert.ok(Math.abs(tanh(z).get(1, 0) - Math.tanh(5.5)) < 1e-15);
 * ```
 * @module
 */
import type { NDArray } from "../data/ndarray.ts";
import { F64Kernels, tanhScratch } from "../kernels/_wasm_f64.ts";
import type { GemmAddFn } from "../kernels/_wasm_products.ts";
import { tanh as tanhScalar } from "../kernels/_wasm_math.ts";

/** A 1-D array of numbers, broadcast along the rows of a matrix (numpy's shape `(cols,)`). */
export type Vector = ArrayLike<number>;
/** What the elementwise operations take: matrices, vectors and numbers. */
export type Operand = Matrix | Vector | number;

// ---- matrices computed when first used ----

/**
 * How a matrix made by dot or add is computed (see Matrix), from operands captured when it was
 * made (`capture`); `done` holds the result once computed.
 */
type Recipe =
  & (
    | { kind: "product"; a: Matrix; b: Matrix } // a · b, a's rows all dense (see productRows)
    | { kind: "sum"; x: Matrix; p: Matrix; v: Vector } // (x + p) + v, p a product
    | { kind: "square"; a: Matrix } // a · a
    | { kind: "rsub"; c: number; q: Matrix } // c − q, q a square
    | { kind: "scale"; c: number; a: Matrix } // c · a
    | { kind: "axpy"; w: Matrix; s: Matrix } // w − s, s a scale
  )
  & { done?: Matrix };

let makingLazy = false;
const NO_VALUES = new Float64Array(0), NO_INDEX = new Int32Array(0);
/** The recipe of a matrix not computed yet, else null (set in Matrix's static block). */
let recipeOf: (m: Matrix) => Recipe | null;
/** A matrix [rows, cols] computed from `recipe` when first used (set in Matrix's static block). */
let lazy: (rows: number, cols: number, recipe: Recipe) => Matrix;
/** A transposed view's rows, computed once (set in Matrix's static block). */
let flatOf: (m: Matrix) => Matrix;
/** m's values in storage of its own, to write into (set in Matrix's static block). */
let ownStorage: (m: Matrix) => Float64Array;
/** Another matrix object with m's values now (set in Matrix's static block). */
let capture: (m: Matrix) => Matrix;
/** The row kinds of the input whose rows m's data are, or null (set in Matrix's static block). */
let inputKindsOf: (m: Matrix) => InputKinds | null;
/** m, with the row kinds of the input whose rows its data are (set in Matrix's static block). */
let withInputKinds: (m: Matrix, kinds: InputKinds | null) => Matrix;
/** A stored row of m known to hold only +0, or −1 (set in Matrix's static block). */
let zeroRowOf: (m: Matrix) => number;
/** m, with stored row r known to hold only +0 (set in Matrix's static block). */
let withZeroRow: (m: Matrix, r: number) => Matrix;
/** Whether m's storage of its own holds no −0 (see addInPlace; set in Matrix's static block). */
let noNegativeZero: (m: Matrix) => boolean;

/**
 * A matrix [rows, cols] whose identical rows may be stored once: row i is row `index[i]` of
 * `data`. Treat it as a value: operations never write into one, except
 * {@linkcode addInPlace} (numpy's `+=`) into the matrix it is given, which leaves every array and
 * matrix obtained from that matrix before as it was. A matrix made by `dot` (of dense rows) or
 * by `add` of such a product is computed when it is first used, by the operation that uses it
 * (see {@linkcode tanh}) or when its `data` or `index` are first read.
 */
export class Matrix {
  /** Rows of the matrix. */
  readonly rows: number;
  /** Columns. */
  readonly cols: number;
  /**
   * Whether the matrix is the transpose of its stored rows (as numpy's `a.T` is a view of a):
   * then column j is stored row index[j], of `rows` values.
   */
  readonly transposed: boolean;
  #data: Float64Array | Float32Array | null = null;
  #index: Int32Array | null = null;
  #recipe: Recipe | null = null; // how a matrix made by dot or add is computed, until it is
  #flat: Matrix | null = null; // a transposed view's rows, once an operation needed them
  #written: Float64Array | null = null; // its storage of its own, once addInPlace wrote into it
  #read = false; // whether `data` or `index` were handed out since addInPlace last wrote
  #inputKinds: InputKinds | null = null; // a step of an input (swapaxes): its rows' kinds
  #zeroRow = -1; // a stored row known to hold only +0 (made so), or −1
  #noNegativeZero = false; // whether #written holds no −0 (checked when made, then kept)

  static {
    recipeOf = (m) => m.#recipe;
    inputKindsOf = (m) => m.#inputKinds;
    withInputKinds = (m, kinds) => {
      m.#inputKinds = kinds;
      return m;
    };
    zeroRowOf = (m) => m.#zeroRow;
    withZeroRow = (m, r) => {
      m.#zeroRow = r;
      return m;
    };
    noNegativeZero = (m) => m.#noNegativeZero;
    capture = (m) => Matrix.#capture(m);
    flatOf = (m) => m.#flat ??= transposed(transpose(m));
    ownStorage = (m) => {
      // storage of its own: on the first write, and after its arrays were handed out (so that
      // whatever was made from them keeps its values)
      if (m.#written === null || m.#read) {
        const values = rowsInto(m, f64(m.rows * m.cols)), index = i32(m.rows);
        for (let i = 0; i < m.rows; i++) index[i] = i;
        [m.#data, m.#index, m.#written, m.#recipe] = [values, index, values, null];
        m.#zeroRow = -1;
        m.#noNegativeZero = true; // sums into values other than −0 are never −0: it stays so
        for (let i = 0; i < values.length; i++) {
          if (values[i] === 0 && 1 / values[i] < 0) m.#noNegativeZero = false;
        }
      }
      m.#read = false;
      return m.#written;
    };
    lazy = (rows, cols, recipe) => {
      makingLazy = true;
      try {
        const m = new Matrix(rows, cols, NO_VALUES, NO_INDEX);
        m.#recipe = recipe;
        return m;
      } finally {
        makingLazy = false;
      }
    };
  }

  /**
   * A matrix of rows `index` of `data` [stored, cols] (not copied), or its transpose. Neither
   * may change afterwards: a matrix is a value (the kernels' memory may still hold its rows).
   */
  constructor(
    rows: number,
    cols: number,
    data: Float64Array | Float32Array,
    index: Int32Array,
    transposed = false,
  ) {
    this.rows = rows;
    this.cols = cols;
    this.transposed = transposed;
    if (makingLazy) return; // computed from its recipe when first used
    const [width, count] = transposed ? [rows, cols] : [cols, rows];
    if (!(width >= 1) || data.length % width !== 0 || index.length !== count) {
      throw new Error(
        `np.ts Matrix: ${data.length} stored values and ${index.length} row indices do not make ` +
          `a matrix [${rows}, ${cols}]${transposed ? " (transposed)" : ""}`,
      );
    }
    this.#data = data;
    this.#index = index;
  }

  /**
   * The stored rows, row-major [stored, cols]: float64, or an input's float32 (see
   * {@linkcode swapaxes}).
   */
  get data(): Float64Array | Float32Array {
    if (this.#data === null) this.#compute();
    this.#read = true;
    return this.#data!;
  }

  /** [rows] int32: which stored row each row is, each in [0, stored) ([cols] when transposed). */
  get index(): Int32Array {
    if (this.#index === null) this.#compute();
    this.#read = true;
    return this.#index!;
  }

  /** Computes a matrix made by dot or add from its recipe (once: a value does not change). */
  #compute(): void {
    const recipe = this.#recipe!, done = recipe.done ??= compute(recipe);
    [this.#data, this.#index, this.#recipe] = [done.data, done.index, null];
  }

  /**
   * Another matrix object with m's values now: its arrays (which addInPlace never writes once
   * handed out), or its recipe (computed once for both).
   */
  static #capture(m: Matrix): Matrix {
    makingLazy = true; // (no checks: m's arrays are a matrix already)
    try {
      const alias = new Matrix(m.rows, m.cols, NO_VALUES, NO_INDEX, m.transposed);
      [alias.#data, alias.#index, alias.#recipe, m.#read] = [m.#data, m.#index, m.#recipe, true];
      [alias.#inputKinds, alias.#zeroRow] = [m.#inputKinds, m.#zeroRow];
      return alias;
    } finally {
      makingLazy = false;
    }
  }

  /** [rows, cols]. */
  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  /** Rows held in `data` (fewer than `rows` when rows are shared; columns when transposed). */
  get stored(): number {
    return this.data.length / (this.transposed ? this.rows : this.cols);
  }

  /** Element [i, j]. */
  get(i: number, j: number): number {
    if (this.transposed) return this.data[this.index[j] * this.rows + i];
    return this.data[this.index[i] * this.cols + j];
  }

  /** All elements, row-major [rows, cols] float64: a new array. */
  toArray(): Float64Array {
    return this.transposed
      ? flat(this).toArray()
      : rowsInto(this, new Float64Array(this.rows * this.cols));
  }
}

/** All elements of m (not transposed), row-major [rows, cols], written into out; out returned. */
function rowsInto(m: Matrix, out: Float64Array): Float64Array {
  const { rows, cols, data, index } = m;
  let i = 0;
  while (i < rows && index[i] === i) i++; // rows stored in order: one copy
  if (i > 0) out.set(data.subarray(0, i * cols));
  for (; i < rows; i++) {
    const from = index[i] * cols, to = i * cols;
    for (let c = 0; c < cols; c++) out[to + c] = data[from + c];
  }
  return out;
}

/** The matrix a recipe makes, computed now as the operations compute it. */
function compute(recipe: Recipe): Matrix {
  switch (recipe.kind) {
    case "product":
      return dotNow(flat(recipe.a), recipe.b);
    case "sum":
      return elementwise("add", Op.Add, [recipe.x, recipe.p, recipe.v]) as Matrix;
    case "square":
      return elementwise("square", Op.Square, [recipe.a]) as Matrix;
    case "rsub":
      return elementwise("subtract", Op.Subtract, [recipe.c, recipe.q]) as Matrix;
    case "scale":
      return elementwise("multiply", Op.Multiply, [recipe.c, recipe.a]) as Matrix;
    default:
      return elementwise("subtract", Op.Subtract, [recipe.w, recipe.s]) as Matrix;
  }
}

// ---- memory: fresh zero-filled float64 and int32 arrays, cut from larger blocks ----

/** Values per block; larger requests get arrays of their own. */
const BLOCK = 1 << 15;
let f64Block: Float64Array = new Float64Array(0), f64Used = 0;
let i32Block: Int32Array = new Int32Array(0), i32Used = 0;

/** n zero float64 values never handed out before (allocating typed arrays one by one is slow). */
function f64(n: number): Float64Array {
  if (n > BLOCK / 4) return new Float64Array(n);
  if (f64Used + n > f64Block.length) [f64Block, f64Used] = [new Float64Array(BLOCK), 0];
  return f64Block.subarray(f64Used, f64Used += n);
}

/** n zero int32 values never handed out before. */
function i32(n: number): Int32Array {
  if (n > BLOCK / 4) return new Int32Array(n);
  if (i32Used + n > i32Block.length) [i32Block, i32Used] = [new Int32Array(BLOCK), 0];
  return i32Block.subarray(i32Used, i32Used += n);
}

// ---- the WebAssembly kernels ----

let kernels: F64Kernels | null | undefined;
let simdEnabled = true;

/** The SIMD kernels, or null (plain loops): compiled on first use, a fallback announced once. */
function simd(): F64Kernels | null {
  if (!simdEnabled) return null;
  if (kernels === undefined) {
    kernels = F64Kernels.create();
    if (kernels === null) {
      console.warn(
        "np.ts: WebAssembly SIMD is not available here; dot and tanh run in plain loops " +
          "(the same results, slower). A current Deno, Node.js or browser has it.",
      );
    }
  }
  return kernels;
}

/** The lengths of the kernels' regions, in values of their types (see layOut), grown when needed. */
const capacity = {
  lhs: 0,
  w: 0,
  out: 0,
  sums: 0,
  bias: 0,
  rowAt: 0,
  xRows: 0,
  xAt: 0,
  scratch: 0,
  input: 0,
  kinds: 0,
  zeros: 0,
  aRows: 0,
};
type Region = keyof typeof capacity;
let regions: ReturnType<typeof layOut> | null = null;

/** The regions of `capacity` laid out in the kernels' memory. */
function layOut(kernels: F64Kernels) {
  const f64 = (region: Region) => ({ float64: capacity[region] });
  return kernels.arena.regions({
    lhs: f64("lhs"), // the left operand of a product, row by row
    w: f64("w"), // its right operand (see putW)
    out: f64("out"), // the product
    sums: f64("sums"), // addRows' rows, then their tanh
    bias: f64("bias"), // addRows' vector
    rowAt: { int32: capacity.rowAt }, // addRows' rows of `out`, as byte addresses
    xRows: f64("xRows"), // the stored rows of addRows' first operand (see putRows)
    xAt: { int32: capacity.xAt }, // addRows' rows of `xRows`, as byte addresses
    scratch: f64("scratch"), // tanh's
    input: { float32: capacity.input }, // rows of an input (see InputKinds)
    kinds: { int32: capacity.kinds }, // their kinds
    zeros: f64("zeros"), // a row of zeros (see gemm)
    aRows: f64("aRows"), // stored rows of an operand, read by address (rowsT, rsubSquareTimes)
  });
}

/**
 * The kernels' regions, with at least `need` values in each named one: the regions of the last
 * call (their contents kept) unless one must grow, when all are laid out anew (contents lost).
 */
function memory(kernels: F64Kernels, need: Partial<Record<Region, number>>) {
  let grow = regions === null;
  for (const key in need) {
    const region = key as Region;
    if (need[region]! > capacity[region]) [capacity[region], grow] = [need[region]!, true];
  }
  if (grow) {
    regions = layOut(kernels);
    regions.zeros.fill(0);
  }
  return regions!;
}

/** The kernels' gemmAdd for a number of columns, kept (making one builds a function). */
const gemmFns = new Map<number, GemmAddFn>();

/**
 * out [rows, cols] = a [rows, n] · w [n, cols], regions of the kernels (rows >= 1): the
 * products' gemm, each sum `s = 0; for k: s += a[r, k] · w[k, c]`, run as gemmAdd from a row of
 * zeros (the same sums, from +0): `zeros`, the region of that name, of at least cols values.
 */
function gemm(
  kernels: F64Kernels,
  p: {
    out: Float64Array;
    a: Float64Array;
    w: Float64Array;
    rows: number;
    n: number;
    cols: number;
    zeros: Float64Array;
  },
): void {
  const { out, a, w, rows, n, cols, zeros } = p;
  let fn = gemmFns.get(cols);
  if (fn === undefined) gemmFns.set(cols, fn = kernels.products.gemmAddFn(cols));
  fn(
    out.byteOffset,
    8 * cols,
    zeros.byteOffset,
    0,
    a.byteOffset,
    8 * n,
    n,
    w.byteOffset,
    cols,
    rows,
  );
}

/**
 * Use the WebAssembly SIMD kernels (true, the default) or the plain loops (false) from now on;
 * returns the previous setting. The results are the same; tests compare the two.
 */
export function useSimd(enabled: boolean): boolean {
  const previous = simdEnabled;
  simdEnabled = enabled;
  return previous;
}

// ---- grouping rows ----

// Scratch tables of groupRows (module-private, never read across calls): table[key] is valid
// when stamps[key] equals the current stamp, so they need no clearing between calls.
let stamps: Int32Array = new Int32Array(0), table: Int32Array = new Int32Array(0), stamp = 0;
let firsts: Int32Array = new Int32Array(0);

/** A fresh stamp for keys [0, size). */
function newStamp(size: number): void {
  if (stamps.length < size) {
    stamps = new Int32Array(Math.max(size, 2 * stamps.length));
    table = new Int32Array(stamps.length);
    stamp = 0;
  }
  if (++stamp === 0x7fffffff) {
    stamps.fill(0);
    stamp = 1;
  }
}

/**
 * Group the rows [0, rows) by the stored rows they have in every one of `matrices` (rows
 * equal in all are equal in any elementwise result). Returns each row's group [rows] (a fresh
 * array), the number of groups, and `firsts[g]`, the first row of group g (a scratch array,
 * valid until the next call).
 */
function groupRows(
  matrices: Matrix[],
  rows: number,
): { groups: Int32Array; count: number; firsts: Int32Array } {
  const groups = i32(rows);
  if (firsts.length < rows) firsts = new Int32Array(Math.max(rows, 2 * firsts.length));
  let count = 1; // before the first matrix: one group
  for (const { index, stored } of matrices) {
    const size = count * stored;
    const map = size <= 1 << 24 ? null : new Map<number, number>();
    if (map === null) newStamp(size);
    let next = 0;
    for (let i = 0; i < rows; i++) {
      const key = groups[i] * stored + index[i];
      let g: number;
      if (map !== null) {
        g = map.get(key) ?? -1;
        if (g < 0) map.set(key, g = next++);
      } else if (stamps[key] === stamp) {
        g = table[key];
      } else {
        stamps[key] = stamp;
        g = table[key] = next++;
      }
      groups[i] = g;
    }
    count = next;
  }
  // the first row of each group, in order
  firsts.fill(-1, 0, count);
  for (let i = rows - 1; i >= 0; i--) firsts[groups[i]] = i;
  return { groups, count, firsts };
}

/**
 * groupRows of two matrices a, b [rows, ..] in one pass: rows with the same stored row in a
 * and in b are one group (numbered as groupRows numbers them: in order of first appearance).
 */
function groupPairs(
  a: Matrix,
  b: Matrix,
  rows: number,
): { groups: Int32Array; count: number; firsts: Int32Array } {
  const ai = a.index, bi = b.index, bStored = b.stored, size = a.stored * bStored;
  if (size > 1 << 24) return groupRows([a, b], rows);
  const groups = i32(rows);
  if (firsts.length < rows) firsts = new Int32Array(Math.max(rows, 2 * firsts.length));
  newStamp(size);
  let count = 0;
  for (let i = 0; i < rows; i++) {
    const key = ai[i] * bStored + bi[i];
    if (stamps[key] === stamp) groups[i] = table[key];
    else {
      stamps[key] = stamp;
      firsts[count] = i;
      groups[i] = table[key] = count++;
    }
  }
  return { groups, count, firsts };
}

// ---- making matrices ----

/** A matrix [rows, cols] of `values` (row-major, copied to float64). */
export function matrix(values: ArrayLike<number>, rows: number, cols: number): Matrix {
  if (values.length !== rows * cols) {
    throw new Error(
      `np.matrix: ${values.length} values, a matrix [${rows}, ${cols}] needs ${rows * cols}`,
    );
  }
  const data = f64(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = values[i];
  const index = i32(rows);
  for (let i = 0; i < rows; i++) index[i] = i;
  return new Matrix(rows, cols, data, index);
}

/** np.zeros((rows, cols)): one stored zero row. */
export function zeros(rows: number, cols: number): Matrix {
  return withZeroRow(new Matrix(rows, cols, f64(cols), i32(rows)), 0);
}

/**
 * np.swapaxes(x, 0, 1) of x [m, steps, features] (float32 or float64), iterated: `steps`
 * matrices [m, features], step t holding x[:, t, :]. They are views of x.data (no copy).
 */
export function swapaxes(x: NDArray, axis1: 0, axis2: 1): Matrix[] {
  if (axis1 !== 0 || axis2 !== 1 || x.shape.length !== 3) {
    throw new Error(
      `np.swapaxes: only axes 0 and 1 of a 3-D array, got axes ${axis1}, ${axis2} of shape ` +
        `[${x.shape.join(", ")}]`,
    );
  }
  if (!(x.data instanceof Float32Array || x.data instanceof Float64Array)) {
    throw new Error(`np.swapaxes: x must be float32 or float64, got ${x.dtype}`);
  }
  const [m, steps, features] = x.shape;
  const rowOf = i32(steps * m); // step t, sample i: row i·steps + t of x as [m·steps, features]
  const kinds = new InputKinds(x.data, m, steps, features); // what its rows are, once found
  const seq: Matrix[] = [];
  for (let t = 0; t < steps; t++) {
    const index = rowOf.subarray(t * m, (t + 1) * m);
    for (let i = 0; i < m; i++) index[i] = i * steps + t;
    seq.push(withInputKinds(new Matrix(m, features, x.data, index), kinds));
  }
  return seq;
}

/**
 * All of `matrices` (each [rows, cols]) as one float64 array [matrices.length, rows, cols]
 * (np.stack), a new array.
 */
export function stack(matrices: Matrix[]): NDArray<"float64"> {
  if (matrices.length === 0) throw new Error("np.stack: no matrices");
  const [rows, cols] = matrices[0].shape;
  const data = new Float64Array(matrices.length * rows * cols);
  matrices.forEach((mat, t) => {
    if (mat.rows !== rows || mat.cols !== cols) {
      throw new Error(`np.stack: matrix ${t} is [${mat.shape}], matrix 0 is [${rows}, ${cols}]`);
    }
    data.set(mat.toArray(), t * rows * cols);
  });
  return { shape: [matrices.length, rows, cols], data, dtype: "float64", nbytes: data.byteLength };
}

/** Samples [start, end) of x [m, ...] (numpy's x[start:end]): a view of x.data. */
export function sliceRows(x: NDArray, start: number, end: number): NDArray {
  const row = x.data.length / x.shape[0];
  const data = x.data.subarray(start * row, end * row);
  return {
    shape: [end - start, ...x.shape.slice(1)],
    data,
    dtype: x.dtype,
    nbytes: data.byteLength,
  };
}

/**
 * Samples `indices` of x [m, ...] in that order (numpy's np.take(x, indices, axis=0)): a new
 * array [indices.length, ...] of x's dtype, or, with `out` (numpy's out=: an array of x's type
 * with room for them), written into out's first values and returned as a view of out.
 */
export function take(x: NDArray, indices: ArrayLike<number>, out?: NDArray["data"]): NDArray {
  const m = x.shape[0], row = x.data.length / m;
  const Data = x.data.constructor as new (n: number) => NDArray["data"];
  if (out !== undefined && (out.constructor !== Data || out.length < indices.length * row)) {
    throw new Error(
      `np.take: out must be a ${Data.name} of at least ${indices.length * row} values, got a ` +
        `${out.constructor.name} of ${out.length}`,
    );
  }
  const data = out?.subarray(0, indices.length * row) ?? new Data(indices.length * row);
  for (let i = 0; i < indices.length; i++) {
    const s = indices[i];
    if (!(Number.isInteger(s) && s >= 0 && s < m)) {
      throw new Error(`np.take: index ${s} is outside the ${m} samples`);
    }
    data.set(x.data.subarray(s * row, (s + 1) * row), i * row);
  }
  return {
    shape: [indices.length, ...x.shape.slice(1)],
    data,
    dtype: x.dtype,
    nbytes: data.byteLength,
  };
}

/**
 * a with numpy's a.astype(dtype) values: "float32" rounds every value to the nearest float32
 * (kept in float64 storage, which holds every float32 exactly: the operations stay on one
 * array type), "float64" leaves them.
 */
export function astype(a: Matrix, dtype: "float32" | "float64"): Matrix {
  const step = dtype === "float32" ? recipeOf(a) : null;
  if (step?.kind === "axpy") {
    // a gradient-descent step w − c·g, computed and rounded in one loop
    const { w, s } = step, { c, a: g } = recipeOf(s) as { c: number; a: Matrix };
    const wd = w.data, gd = g.data, stored = w.stored;
    if (
      wd instanceof Float64Array && gd instanceof Float64Array && stored <= w.rows &&
      g.stored === stored && sameRows(g, w)
    ) {
      const n = stored * w.cols, data = f64(n);
      for (let i = 0; i < n; i++) data[i] = Math.fround(wd[i] - c * gd[i]);
      return new Matrix(a.rows, a.cols, data, w.index);
    }
  }
  a = flat(a);
  if (dtype === "float64" && a.data instanceof Float64Array) return a;
  const data = f64(a.data.length);
  if (dtype === "float32") {
    for (let i = 0; i < data.length; i++) {
      data[i] = Math.fround(a.data[i]);
    }
  } else data.set(a.data);
  return new Matrix(a.rows, a.cols, data, a.index);
}

// ---- products ----

// Scratch arrays of dot and transpose (module-private, never read across calls).
let kinds: Int32Array = new Int32Array(64), slots: Int32Array = new Int32Array(64);
let denseRows: Int32Array = new Int32Array(64), gathers: Int32Array = new Int32Array(64);
let nonzeroRows: Int32Array = new Int32Array(64), nonzeroCols: Int32Array = new Int32Array(64);

/** `array` if it holds n values, else a new one of at least n (contents not kept). */
function grown(array: Int32Array, n: number): Int32Array {
  return array.length >= n ? array : new Int32Array(Math.max(n, 2 * array.length));
}

// The bits of the last float32 data scanned (a view of the same memory, so never stale).
let bitsOf: Float32Array | null = null, bitsView: Int32Array = new Int32Array(0);

/** The int32 bits of float32 data (a ±0 has bits 0 or 0x80000000); null for float64 data. */
function float32Bits(data: Float64Array | Float32Array): Int32Array | null {
  if (!(data instanceof Float32Array)) return null;
  if (bitsOf !== data) {
    bitsOf = data;
    bitsView = new Int32Array(data.buffer, data.byteOffset, data.length);
  }
  return bitsView;
}

const ONE_BITS = 0x3f800000; // 1 as float32
const ABS = 0x7fffffff; // all bits but the sign

/**
 * What row a[offset .. offset + n) is: the column of its only non-zero value when that value
 * is 1, n when all values are zero (±0), −1 otherwise. `bits`: float32Bits(data), to test eight
 * values at a time.
 */
function rowKind(
  data: Float64Array | Float32Array,
  bits: Int32Array | null,
  offset: number,
  n: number,
): number {
  return bits !== null ? rowKind32(bits, offset, n) : rowKind64(data as Float64Array, offset, n);
}

/** rowKind of float32 values, by their bits. */
function rowKind32(bits: Int32Array, offset: number, n: number): number {
  let key = n, k = 0;
  for (; k + 8 <= n; k += 8) {
    const o = offset + k;
    const any = bits[o] | bits[o + 1] | bits[o + 2] | bits[o + 3] | bits[o + 4] |
      bits[o + 5] | bits[o + 6] | bits[o + 7];
    if ((any & ABS) === 0) continue;
    for (let j = o; j < o + 8; j++) {
      if ((bits[j] & ABS) === 0) continue;
      if (bits[j] !== ONE_BITS || key !== n) return -1;
      key = j - offset;
    }
  }
  for (; k < n; k++) {
    const b = bits[offset + k];
    if ((b & ABS) === 0) continue;
    if (b !== ONE_BITS || key !== n) return -1;
    key = k;
  }
  return key;
}

/** rowKind of float64 values. */
function rowKind64(data: Float64Array, offset: number, n: number): number {
  let key = n;
  for (let k = 0; k < n; k++) {
    const v = data[offset + k];
    if (v === 0) continue;
    if (v !== 1 || key !== n) return -1;
    key = k;
  }
  return key;
}

/** rowKind of stored row r of a (not transposed), from the input's kinds when a is a step of one. */
function rowKindOf(a: Matrix, r: number, bits: Int32Array | null): number {
  const known = inputKindsOf(a);
  if (known !== null) return known.kindOf(r);
  return rowKind(a.data, bits, r * a.cols, a.cols);
}

/** Steps of an input whose row kinds one call of the kernel finds (see InputKinds). */
const KIND_STEPS = 10;
/** Bytes of an input copied at a time when all its kinds are found (see InputKinds). */
const KIND_BYTES = 1 << 16;
/** A kind not found yet. */
const UNKNOWN = -2;

/**
 * The kinds (see rowKind) of the rows of an input x [m, steps, features] (its data), what
 * `swapaxes` gives its steps: row i·steps + t is sample i's step t. Each is found when first
 * asked for, in WebAssembly (`rowKinds`) for float32 rows of a multiple of 4 values, with the
 * rows of every sample at other steps: all of them when the first asked for is at step 0 (a
 * forward pass), else the KIND_STEPS steps of a block (blocks end at the last step: a backward
 * pass through the book's 10 last steps finds one block). The input's values must not change
 * while its steps are in use (a matrix is a value). Finding kinds may lay out the kernels'
 * regions anew: it is never done while an operation holds them.
 */
class InputKinds {
  readonly #data: Float64Array | Float32Array;
  readonly #m: number;
  readonly #steps: number;
  readonly #features: number;
  readonly #kinds: Int32Array; // [m·steps], UNKNOWN until found
  #found = false; // whether any were found

  constructor(data: Float64Array | Float32Array, m: number, steps: number, features: number) {
    [this.#data, this.#m, this.#steps, this.#features] = [data, m, steps, features];
    this.#kinds = i32(m * steps).fill(UNKNOWN);
  }

  /** The kind of row r of x (r = i·steps + t). */
  kindOf(r: number): number {
    const kind = this.#kinds[r];
    if (kind !== UNKNOWN) return kind;
    const kernels = this.#features % 4 === 0 && this.#data instanceof Float32Array ? simd() : null;
    if (kernels === null) {
      const data = this.#data, f = this.#features;
      return this.#kinds[r] = rowKind(data, float32Bits(data), r * f, f);
    }
    this.#find(r % this.#steps, kernels);
    return this.#kinds[r];
  }

  /**
   * Finds the kinds of every row (at step 0, before any), or of the block of steps that holds
   * step t for every sample, in WebAssembly.
   */
  #find(t: number, kernels: F64Kernels): void {
    const m = this.#m, steps = this.#steps, f = this.#features, kinds = this.#kinds;
    const data = this.#data as Float32Array;
    if (t === 0 && !this.#found) {
      // all rows, in order, a chunk of about KIND_BYTES at a time (the copy still in cache)
      this.#found = true;
      const total = m * steps, chunk = Math.max(1, Math.floor(KIND_BYTES / (4 * f)));
      const room = memory(kernels, { input: Math.min(chunk, total) * f, kinds: total });
      for (let r = 0; r < total; r += chunk) {
        const rows = Math.min(chunk, total - r);
        room.input.set(data.subarray(r * f, (r + rows) * f));
        kernels.rowKinds({ x: room.input, rows, features: f, kinds: room.kinds.subarray(r) });
      }
      kinds.set(room.kinds.subarray(0, total));
      return;
    }
    this.#found = true;
    const last = steps - 1 - Math.floor((steps - 1 - t) / KIND_STEPS) * KIND_STEPS;
    const first = Math.max(0, last - KIND_STEPS + 1), span = last + 1 - first, rows = m * span;
    const room = memory(kernels, { input: rows * f, kinds: rows });
    for (let i = 0; i < m; i++) {
      const from = (i * steps + first) * f;
      room.input.set(data.subarray(from, from + span * f), i * span * f);
    }
    kernels.rowKinds({ x: room.input, rows, features: f, kinds: room.kinds });
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < span; j++) kinds[i * steps + first + j] = room.kinds[i * span + j];
    }
  }
}

/**
 * The rows of a [rows, cols] to compute: a's stored rows themselves when it has no more of
 * them than rows (the index is kept), else every row (a step of an input, whose rows are
 * distinct rows of the input). Returns the groups [rows], their number, and `source[g]`, the
 * stored row of a for group g (valid until the next call).
 */
function distinctRows(a: Matrix): { groups: Int32Array; count: number; source: Int32Array } {
  if (a.stored <= a.rows) {
    sources = grown(sources, a.stored);
    for (let g = 0; g < a.stored; g++) sources[g] = g;
    return { groups: a.index, count: a.stored, source: sources };
  }
  // more stored rows than rows (a step of an input): each row on its own
  const groups = i32(a.rows);
  for (let i = 0; i < a.rows; i++) groups[i] = i;
  return { groups, count: a.rows, source: a.index };
}
let sources: Int32Array = new Int32Array(64);

/**
 * np.dot(a, b): a [rows, inner] · b [inner, cols], [rows, cols]. A row of a that is one-hot
 * (its only non-zero is a 1 in column k) gives row k of b (when all rows are one-hot, the
 * result's stored rows are b's own: no copy); a zero row gives zeros; equal such rows, and
 * equal stored rows of a, give one stored row of the result. The other rows are summed in
 * float64 as `s = 0; s += a[i, k]·b[k, j]` for k ascending, in WebAssembly SIMD when cols is a
 * multiple of 8.
 */
export function dot(a: Matrix, b: Matrix): Matrix {
  if (b.rows !== a.cols) {
    throw new Error(`np.dot: shapes [${a.shape}] and [${b.shape}] do not align`);
  }
  b = flat(b);
  if (a.transposed && a.data instanceof Float32Array) return scatterDot(transpose(a), b);
  // dense rows for the WebAssembly product: computed when used (see add, multiply, tanh)
  if (b.cols % 8 === 0 && simd() !== null && productRows(a)) {
    return lazy(a.rows, b.cols, { kind: "product", a: capture(a), b: capture(b) });
  }
  return dotNow(flat(a), b);
}

/**
 * Whether a's rows, for a product, are its stored rows, all dense (a value other than 0 and 1
 * in each): or, for a transposed a of at least 4 rows and 2 columns, whether its stored rows
 * (its columns) are all dense. The product of such rows runs in WebAssembly, every term summed
 * (dot's plain loops skip zero terms: the same sums for finite values).
 */
function productRows(a: Matrix): boolean {
  if (!(a.data instanceof Float64Array)) return false;
  if (!a.transposed) return a.stored <= a.rows && dense(a);
  if (a.rows < 4 || a.cols < 2) return false;
  const d = a.data, n = a.rows, stored = d.length / n;
  for (let r = 0; r < stored; r++) if (rowKind64(d, r * n, n) >= 0) return false;
  return true;
}

/**
 * The product of a recipe computed in WebAssembly: its rows, a's rows in order (a's stored
 * rows, or a transposed a's columns), in the kernels' region s (a view valid until their next
 * use), and the result's index.
 */
function gemmOf(
  a: Matrix,
  b: Matrix,
  kernels: F64Kernels,
): { values: Float64Array; index: Int32Array } {
  const inner = a.cols, cols = b.cols, n = a.transposed ? a.rows : a.stored;
  const ad = a.data, ai = a.index;
  const room = memory(kernels, {
    lhs: n * inner,
    w: inner * cols,
    out: n * cols,
    zeros: cols,
    aRows: a.transposed ? ad.length : 0, // a's stored rows and their addresses, for rowsT
    rowAt: a.transposed ? inner : 0,
  });
  putW(room.w, b);
  if (!a.transposed) {
    room.lhs.set(ad.subarray(0, n * inner));
    gemm(kernels, {
      out: room.out,
      a: room.lhs,
      w: room.w,
      rows: n,
      n: inner,
      cols,
      zeros: room.zeros,
    });
    return { values: room.out, index: ai };
  }
  // a = sᵀ for rows s[k] (stored rows ai[k] of a): a's rows written out (rowsT), then the product
  const rowAt = room.rowAt;
  room.aRows.set(ad);
  const from = kernels.address(room.aRows, 0);
  for (let k = 0; k < inner; k++) rowAt[k] = from + ai[k] * 8 * n;
  const at = room.lhs; // [n, inner]: at[r, k] = s[k, r]
  kernels.rowsT({ out: at, rowAt, k: inner, n });
  gemm(kernels, { out: room.out, a: at, w: room.w, rows: n, n: inner, cols, zeros: room.zeros });
  const index = i32(n);
  for (let r = 0; r < n; r++) index[r] = r;
  return { values: room.out, index };
}

// The stored rows and index of the matrix that region w of the kernels holds, and the region.
let wData: Float64Array | null = null, wIndex: Int32Array | null = null;
let wRegion: Float64Array | null = null;

/**
 * b [inner, cols] (not transposed) into the kernels' region w, row-major; nothing to do when
 * the region holds its stored rows already (the arrays a matrix hands out never change, not
 * even under addInPlace, so equal arrays mean equal values).
 */
function putW(region: Float64Array, b: Matrix): void {
  const data = b.data, index = b.index;
  if (wData === data && wIndex === index && wRegion === region) return;
  copyRows(region, data, index, b.rows, b.cols);
  [wData, wIndex, wRegion] = data instanceof Float64Array
    ? [data, index, region]
    : [null, null, null];
}

/**
 * out[j, :] = row index[j] of data [.., cols] for j < rows, out's rows one after another: one
 * copy when the rows are stored in order, else value by value (cheaper than a copy per row).
 */
function copyRows(
  out: Float64Array,
  data: Float64Array | Float32Array,
  index: Int32Array,
  rows: number,
  cols: number,
): void {
  if (inOrder(index, rows)) {
    out.set(data.subarray(0, rows * cols));
    return;
  }
  for (let j = 0; j < rows; j++) {
    const from = index[j] * cols, to = j * cols;
    for (let c = 0; c < cols; c++) out[to + c] = data[from + c];
  }
}

/** Whether every stored row of a (a float64 matrix) has a value other than 0 and 1. */
function dense(a: Matrix): boolean {
  const data = a.data;
  if (!(data instanceof Float64Array)) return false;
  for (let r = 0, stored = a.stored; r < stored; r++) {
    if (rowKind64(data, r * a.cols, a.cols) >= 0) return false;
  }
  return true;
}

/** dot(a, b) computed now, for a with its rows stored and b flat. */
function dotNow(a: Matrix, b: Matrix): Matrix {
  const [rows, inner] = a.shape, cols = b.cols;
  // 1. What each distinct row of a is: a one-hot column, zero (inner) or dense (−1).
  const { groups, count, source } = distinctRows(a);
  kinds = grown(kinds, count);
  denseRows = grown(denseRows, count);
  const bits = float32Bits(a.data);
  let dense = 0, zero = false;
  for (let g = 0; g < count; g++) {
    const kind = kinds[g] = rowKindOf(a, source[g], bits);
    if (kind < 0) denseRows[dense++] = source[g];
    else if (kind === inner) zero = true;
  }
  // 2. All one-hot: the result is rows of b itself (no copy).
  if (dense === 0 && !zero) {
    const index = groups === a.index ? i32(rows) : groups;
    for (let i = 0; i < rows; i++) index[i] = b.index[kinds[groups[i]]];
    return new Matrix(rows, cols, b.data, index);
  }
  // 3. Rows of the result: the dense ones first (a's index kept when all are), then one per
  // distinct column or zero row.
  let index = groups, stored = dense;
  if (dense < count) {
    slots = grown(slots, count);
    gathers = grown(gathers, count);
    newStamp(inner + 1);
    let d = 0;
    for (let g = 0; g < count; g++) {
      const kind = kinds[g];
      if (kind < 0) slots[g] = d++;
      else if (stamps[kind] === stamp) slots[g] = table[kind];
      else {
        stamps[kind] = stamp;
        gathers[stored - dense] = kind;
        slots[g] = table[kind] = stored++;
      }
    }
    index = groups === a.index ? i32(rows) : groups;
    for (let i = 0; i < rows; i++) index[i] = slots[groups[i]];
  }
  const out = f64(stored * cols), bd = b.data, bi = b.index;
  // 4. Gathers (a zero row's stays zero).
  for (let j = dense; j < stored; j++) {
    const k = gathers[j - dense];
    if (k === inner) continue;
    const from = bi[k] * cols, to = j * cols;
    for (let c = 0; c < cols; c++) out[to + c] = bd[from + c];
  }
  // 5. Products of the dense rows.
  if (dense > 0) product(a, denseRows, dense, b, out);
  return new Matrix(rows, cols, out, index);
}

/**
 * xᵀ · b for x [m, f] with float32 rows (a step of an input) and b [m, cols]: [f, cols], row k
 * summed over the rows of x with a non-zero in column k, in order (`s = 0; s += x[i, k]·b[i, j]`
 * for i ascending, as dot sums). A one-hot row of x adds a row of b to one row of the result;
 * rows of the result that nothing adds to are one stored zero row.
 */
function scatterDot(x: Matrix, b: Matrix): Matrix {
  const [m, f] = x.shape, cols = b.cols, data = x.data, bits = float32Bits(data);
  kinds = grown(kinds, m);
  const slot = i32(f).fill(-1); // −1: nothing added to row k
  for (let i = 0; i < m; i++) {
    const o = x.index[i] * f, kind = kinds[i] = rowKindOf(x, x.index[i], bits);
    if (kind >= 0 && kind < f) slot[kind] = 0;
    else if (kind < 0) { for (let k = 0; k < f; k++) if (data[o + k] !== 0) slot[k] = 0; }
  }
  let count = 0;
  for (let k = 0; k < f; k++) if (slot[k] === 0) slot[k] = count++;
  let zeros = 0;
  for (let k = 0; k < f; k++) {
    if (slot[k] >= 0) continue;
    slot[k] = count;
    zeros = 1;
  }
  const out = f64((count + zeros) * cols), bd = b.data;
  for (let i = 0; i < m; i++) {
    const kind = kinds[i], bo = b.index[i] * cols;
    if (kind >= 0 && kind < f) {
      const to = slot[kind] * cols;
      for (let c = 0; c < cols; c++) out[to + c] += bd[bo + c]; // 1·b exactly
    } else if (kind < 0) {
      const o = x.index[i] * f;
      for (let k = 0; k < f; k++) {
        const v = data[o + k];
        if (v === 0) continue;
        const to = slot[k] * cols;
        for (let c = 0; c < cols; c++) out[to + c] += v * bd[bo + c];
      }
    }
  }
  return withZeroRow(new Matrix(f, cols, out, slot), zeros > 0 ? count : -1);
}

/** Whether the n stored rows listed are 0 .. n − 1 in order (rows null: b's index). */
function inOrder(list: Int32Array, n: number): boolean {
  for (let j = 0; j < n; j++) if (list[j] !== j) return false;
  return true;
}

/** out[j, :] = (stored row rows[j] of a) · b for j < n (out has room). */
function product(a: Matrix, rows: Int32Array, n: number, b: Matrix, out: Float64Array): void {
  const inner = a.cols, cols = b.cols;
  const kernels = cols % 8 === 0 ? simd() : null;
  if (kernels !== null) {
    const room = memory(kernels, { lhs: n * inner, w: inner * cols, out: n * cols, zeros: cols });
    copyRows(room.lhs, a.data, rows, n, inner);
    putW(room.w, b);
    gemm(kernels, {
      out: room.out,
      a: room.lhs,
      w: room.w,
      rows: n,
      n: inner,
      cols,
      zeros: room.zeros,
    });
    out.set(room.out.subarray(0, n * cols));
    return;
  }
  const ad = a.data, bd = b.data, bi = b.index;
  for (let j = 0; j < n; j++) {
    const ao = rows[j] * inner, o = j * cols;
    for (let k = 0; k < inner; k++) {
      const av = ad[ao + k];
      if (av === 0) continue;
      const bo = bi[k] * cols;
      for (let c = 0; c < cols; c++) out[o + c] += av * bd[bo + c];
    }
  }
}

/** a.T [cols, rows]: a view of a, as numpy's (the operations that need rows copy it, `flat`). */
export function transpose(a: Matrix): Matrix {
  return withInputKinds(
    new Matrix(a.cols, a.rows, a.data, a.index, !a.transposed),
    inputKindsOf(a),
  );
}

/**
 * a with its rows stored (a itself, or for a transposed view the transpose computed): float64
 * for a transpose, whose rows that are all zero (columns of the stored rows with no non-zero
 * value; a −0 there becomes 0) are stored once.
 */
function flat(a: Matrix): Matrix {
  return a.transposed ? flatOf(a) : a;
}

/** The transpose [cols, rows] of a (not transposed) with its rows stored; see `flat`. */
function transposed(a: Matrix): Matrix {
  const [rows, cols] = a.shape, data = a.data, index = a.index, bits = float32Bits(data);
  if (bits === null) return transposeDense(a);
  // the non-zero values: (row, column) pairs
  nonzeroRows = grown(nonzeroRows, rows * cols);
  nonzeroCols = grown(nonzeroCols, rows * cols);
  let nnz = 0;
  for (let i = 0; i < rows; i++) {
    const o = index[i] * cols;
    let c = 0;
    if (bits !== null) {
      for (; c + 4 <= cols; c += 4) {
        const p = o + c;
        if (((bits[p] | bits[p + 1] | bits[p + 2] | bits[p + 3]) & ABS) === 0) continue;
        for (let j = c; j < c + 4; j++) {
          if ((bits[o + j] & ABS) === 0) continue;
          nonzeroRows[nnz] = i;
          nonzeroCols[nnz++] = j;
        }
      }
    }
    for (; c < cols; c++) {
      if (data[o + c] === 0) continue;
      nonzeroRows[nnz] = i;
      nonzeroCols[nnz++] = c;
    }
  }
  // a stored row per column with a non-zero value, in order; one zero row for the others
  const slot = i32(cols);
  slot.fill(-1);
  for (let e = 0; e < nnz; e++) slot[nonzeroCols[e]] = 0;
  let count = 0;
  for (let c = 0; c < cols; c++) if (slot[c] === 0) slot[c] = count++;
  const zeroRow = count;
  let zeros = 0;
  for (let c = 0; c < cols; c++) {
    if (slot[c] >= 0) continue;
    slot[c] = zeroRow;
    zeros = 1;
  }
  const out = f64((count + zeros) * rows);
  for (let e = 0; e < nnz; e++) {
    const i = nonzeroRows[e], c = nonzeroCols[e];
    out[slot[c] * rows + i] = data[index[i] * cols + c];
  }
  return new Matrix(cols, rows, out, slot);
}

/** transpose for float64 data: columns are tested for a non-zero value, then copied. */
function transposeDense(a: Matrix): Matrix {
  const [rows, cols] = a.shape, data = a.data, index = a.index;
  const slot = i32(cols);
  slot.fill(-1);
  let marked = 0;
  for (let i = 0; i < rows && marked < cols; i++) {
    const o = index[i] * cols;
    for (let c = 0; c < cols; c++) {
      if (slot[c] >= 0 || data[o + c] === 0) continue;
      slot[c] = 0;
      marked++;
    }
  }
  let count = 0;
  for (let c = 0; c < cols; c++) if (slot[c] === 0) slot[c] = count++;
  const zeros = count < cols ? 1 : 0;
  for (let c = 0; c < cols; c++) if (slot[c] < 0) slot[c] = count;
  const out = f64((count + zeros) * rows);
  for (let i = 0; i < rows; i++) {
    const o = index[i] * cols;
    if (zeros === 0) { for (let c = 0; c < cols; c++) out[c * rows + i] = data[o + c]; }
    else for (let c = 0; c < cols; c++) if (slot[c] < count) out[slot[c] * rows + i] = data[o + c];
  }
  return new Matrix(cols, rows, out, slot);
}

/** np.sum(a, axis=0): the column sums [cols] of a [rows, cols], rows added in order. */
export function sum(a: Matrix, axis: 0): Float64Array {
  if (axis !== 0) throw new Error(`np.sum: only axis 0, got ${axis}`);
  const { rows, cols, data, index } = flat(a);
  const out = f64(cols);
  for (let i = 0; i < rows; i++) {
    const o = index[i] * cols;
    for (let c = 0; c < cols; c++) out[c] += data[o + c];
  }
  return out;
}

// ---- elementwise ----

/** The elementwise operations. */
const Op = {
  Add: 0,
  Subtract: 1,
  Multiply: 2,
  Divide: 3,
  Negative: 4,
  Square: 5,
  Exp: 6,
  Tanh: 7,
  Clip: 8,
} as const;
type Op = typeof Op[keyof typeof Op];

/**
 * out[o + c] = x op y for c < cols, x's values at xv[xo + c·xs] (xs 1, or 0 for a number: then
 * xv[xo]), y's likewise.
 */
function binary(
  op: Op,
  out: Float64Array,
  o: number,
  xv: ArrayLike<number>,
  xo: number,
  xs: number,
  yv: ArrayLike<number>,
  yo: number,
  ys: number,
  cols: number,
): void {
  if (xs === 1 && ys === 1) {
    switch (op) {
      case Op.Add:
        for (let c = 0; c < cols; c++) out[o + c] = xv[xo + c] + yv[yo + c];
        return;
      case Op.Subtract:
        for (let c = 0; c < cols; c++) out[o + c] = xv[xo + c] - yv[yo + c];
        return;
      case Op.Multiply:
        for (let c = 0; c < cols; c++) out[o + c] = xv[xo + c] * yv[yo + c];
        return;
      default:
        for (let c = 0; c < cols; c++) out[o + c] = xv[xo + c] / yv[yo + c];
        return;
    }
  }
  if (xs === 0 && ys === 1) {
    const x = xv[xo];
    switch (op) {
      case Op.Add:
        for (let c = 0; c < cols; c++) out[o + c] = x + yv[yo + c];
        return;
      case Op.Subtract:
        for (let c = 0; c < cols; c++) out[o + c] = x - yv[yo + c];
        return;
      case Op.Multiply:
        for (let c = 0; c < cols; c++) out[o + c] = x * yv[yo + c];
        return;
      default:
        for (let c = 0; c < cols; c++) out[o + c] = x / yv[yo + c];
        return;
    }
  }
  if (xs === 1 && ys === 0) {
    const y = yv[yo];
    switch (op) {
      case Op.Add:
        for (let c = 0; c < cols; c++) out[o + c] = xv[xo + c] + y;
        return;
      case Op.Subtract:
        for (let c = 0; c < cols; c++) out[o + c] = xv[xo + c] - y;
        return;
      case Op.Multiply:
        for (let c = 0; c < cols; c++) out[o + c] = xv[xo + c] * y;
        return;
      default:
        for (let c = 0; c < cols; c++) out[o + c] = xv[xo + c] / y;
        return;
    }
  }
  const v = op === Op.Add
    ? xv[xo] + yv[yo]
    : op === Op.Subtract
    ? xv[xo] - yv[yo]
    : op === Op.Multiply
    ? xv[xo] * yv[yo]
    : xv[xo] / yv[yo];
  out.fill(v, o, o + cols); // two numbers
}

/**
 * out = x op y for two operands read in pass g (of `passes` passes of `len` values, pass g
 * written at g·len) from offsets[g] and offsets[passes + g].
 */
function rowsBinary(
  op: Op,
  out: Float64Array,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  offsets: Int32Array,
  passes: number,
  len: number,
): void {
  for (let g = 0; g < passes; g++) {
    const o = g * len, xo = offsets[g], yo = offsets[passes + g];
    switch (op) {
      case Op.Add:
        for (let c = 0; c < len; c++) out[o + c] = x[xo + c] + y[yo + c];
        break;
      case Op.Subtract:
        for (let c = 0; c < len; c++) out[o + c] = x[xo + c] - y[yo + c];
        break;
      case Op.Multiply:
        for (let c = 0; c < len; c++) out[o + c] = x[xo + c] * y[yo + c];
        break;
      default:
        for (let c = 0; c < len; c++) out[o + c] = x[xo + c] / y[yo + c];
    }
  }
}

/**
 * out = (x + y) + z, the three operands' `values` read in pass g (of `passes` passes of `len`
 * values, pass g written at g·len) from offsets[k·passes + g].
 */
function add3(
  out: Float64Array,
  values: ArrayLike<number>[],
  offsets: Int32Array,
  passes: number,
  len: number,
): void {
  const [x, y, z] = values;
  for (let g = 0; g < passes; g++) {
    const o = g * len, xo = offsets[g], yo = offsets[passes + g], zo = offsets[2 * passes + g];
    for (let c = 0; c < len; c++) out[o + c] = x[xo + c] + y[yo + c] + z[zo + c];
  }
}

/** out[o + c] = op(x) for c < cols, x's values at xv[xo + c] (Clip with bounds lo, hi). */
function unary(
  op: Op,
  out: Float64Array,
  o: number,
  xv: ArrayLike<number>,
  xo: number,
  cols: number,
  lo: number,
  hi: number,
): void {
  switch (op) {
    case Op.Negative:
      for (let c = 0; c < cols; c++) out[o + c] = -xv[xo + c];
      return;
    case Op.Square:
      for (let c = 0; c < cols; c++) out[o + c] = xv[xo + c] * xv[xo + c];
      return;
    case Op.Exp:
      for (let c = 0; c < cols; c++) out[o + c] = Math.exp(xv[xo + c]);
      return;
    case Op.Tanh:
      for (let c = 0; c < cols; c++) out[o + c] = tanhScalar(xv[xo + c]);
      return;
    default: // np.clip: v below lo is lo, above hi is hi (NaN stays NaN)
      for (let c = 0; c < cols; c++) {
        const v = xv[xo + c];
        out[o + c] = v < lo ? lo : v > hi ? hi : v;
      }
  }
}

/** The shape [rows, cols] the operands broadcast to, and their matrices; throws naming `name`. */
function broadcast(name: string, operands: Operand[]) {
  const matrices: Matrix[] = [];
  let vector: Vector | null = null;
  for (const x of operands) {
    if (x instanceof Matrix) matrices.push(x);
    else if (typeof x !== "number") vector ??= x;
  }
  if (matrices.length === 0 && vector === null) {
    throw new Error(`np.${name}: needs a matrix or a vector, got only numbers`);
  }
  const rows = matrices.length > 0 ? matrices[0].rows : 1;
  const cols = matrices.length > 0 ? matrices[0].cols : vector!.length;
  for (const x of operands) {
    if (x instanceof Matrix) {
      if (x.rows !== rows || x.cols !== cols) {
        throw new Error(`np.${name}: shapes [${rows}, ${cols}] and [${x.shape}] differ`);
      }
    } else if (typeof x !== "number" && x.length !== cols) {
      throw new Error(`np.${name}: a vector of ${x.length} values against ${cols} columns`);
    }
  }
  return { matrices, rows, cols, vectors: operands.length - matrices.length - numbers(operands) };
}

/** How many of the operands are numbers. */
function numbers(operands: Operand[]): number {
  let count = 0;
  for (const x of operands) if (typeof x === "number") count++;
  return count;
}

/**
 * op over the operands (binary ones folded left to right); a Matrix or a Float64Array. Matrices
 * with one and the same index (and no more stored rows than rows) are computed on their stored
 * rows, keeping the index (in one pass when no vector is among the operands); otherwise the
 * rows are grouped by the stored rows they have in each.
 */
function elementwise(
  name: string,
  op: Op,
  operands: Operand[],
  lo = 0,
  hi = 0,
): Matrix | Float64Array {
  operands = operands.map((x) => x instanceof Matrix && x.transposed ? flat(x) : x);
  const { matrices, rows, cols, vectors } = broadcast(name, operands);
  const n = operands.length, m0 = matrices.length > 0 ? matrices[0] : null;
  // the result's rows: m0's stored rows (or a vector's one row), or groups of rows
  let index: Int32Array | null = null, count = 1, first: Int32Array | null = null;
  if (m0 !== null && m0.stored <= rows && matrices.every((m) => sameRows(m, m0))) {
    [index, count] = [m0.index, m0.stored];
  } else if (m0 !== null) {
    const grouped = groupRows(matrices, rows);
    [index, count, first] = [grouped.groups, grouped.count, grouped.firsts];
  }
  const out = f64(count * cols);
  // passes of `len` values: the rows one after another in one pass, or row by row
  const [passes, len] = first === null && vectors === 0 ? [1, count * cols] : [count, cols];
  // operand k's values, step (0: a number, repeated) and offset in pass g, offsets[k·passes + g]
  offsets = grown(offsets, n * passes);
  const values: ArrayLike<number>[] = [], steps: number[] = [];
  for (let k = 0; k < n; k++) {
    const x = operands[k];
    values.push(valuesOf(x, k));
    steps.push(typeof x === "number" ? 0 : 1);
    for (let g = 0; g < passes; g++) {
      offsets[k * passes + g] = !(x instanceof Matrix)
        ? 0
        : first !== null
        ? x.index[first[g]] * cols
        : g * len;
    }
  }
  if (op === Op.Tanh && index !== null) {
    const contiguous = first === null;
    if (tanhSimd(values[0], contiguous ? null : offsets, count, cols, out)) {
      return new Matrix(rows, cols, out, index);
    }
  }
  const add3Case = op === Op.Add && n === 3 && steps[0] + steps[1] + steps[2] === 3;
  for (let g = 0; g < passes; g++) {
    const o = g * len;
    if (n === 1) unary(op, out, o, values[0], offsets[g], len, lo, hi);
    else if (add3Case) {
      add3(out, values, offsets, passes, len);
      break;
    } else if (n === 2 && steps[0] + steps[1] === 2) {
      rowsBinary(op, out, values[0], values[1], offsets, passes, len);
      break;
    } else {
      const [x, y] = values;
      binary(op, out, o, x, offsets[g], steps[0], y, offsets[passes + g], steps[1], len);
      for (let k = 2; k < n; k++) {
        binary(op, out, o, out, o, 1, values[k], offsets[k * passes + g], steps[k], len);
      }
    }
  }
  return index !== null ? new Matrix(rows, cols, out, index) : out;
}

/**
 * Whether m's row i is its stored row i wherever m0's is (one index, or both the identity), so
 * that the two can be computed stored row by stored row.
 */
function sameRows(m: Matrix, m0: Matrix): boolean {
  if (m.index === m0.index) return true;
  if (m.stored !== m0.stored || m.stored !== m.rows) return false;
  const a = m.index, b = m0.index;
  for (let i = 0; i < a.length; i++) if (a[i] !== i || b[i] !== i) return false;
  return true;
}

/** One-element holders of number operands (operand k uses holder k). */
const holders = Array.from({ length: 8 }, () => new Float64Array(1));
let offsets: Int32Array = new Int32Array(64);

/** Operand k's values: a matrix's data, a vector, or a holder of a number. */
function valuesOf(x: Operand, k: number): ArrayLike<number> {
  if (x instanceof Matrix) return x.data;
  if (typeof x !== "number") return x;
  const holder = holders[k % holders.length];
  holder[0] = x;
  return holder;
}

/**
 * tanh in WebAssembly of `count` rows of `cols` values, row g at values[offsets[g]] (offsets
 * null: the rows one after another from 0), into out; false without the kernels.
 */
function tanhSimd(
  values: ArrayLike<number>,
  offsets: Int32Array | null,
  count: number,
  cols: number,
  out: Float64Array,
): boolean {
  const kernels = simd();
  const n = count * cols;
  if (kernels === null || n < 2 || !(values instanceof Float64Array)) return false;
  const padded = n + (n & 1);
  const { out: s, scratch } = memory(kernels, { out: padded, scratch: tanhScratch(padded) });
  if (offsets === null) s.set(values.subarray(0, n));
  else {
    for (let g = 0; g < count; g++) s.set(values.subarray(offsets[g], offsets[g] + cols), g * cols);
  }
  if (n & 1) s[n] = 0;
  kernels.tanh({ values: s, count: padded, scratch });
  out.set(s.subarray(0, n));
  return true;
}

/** a + b + ... (numpy's +, folded left to right; vectors broadcast along rows). */
export function add(a: Matrix, ...rest: Operand[]): Matrix;
export function add(a: Operand, b: Matrix, ...rest: Operand[]): Matrix;
export function add(a: Vector | number, ...rest: Array<Vector | number>): Float64Array;
export function add(...operands: Operand[]): Matrix | Float64Array {
  const [x, p, v] = operands;
  const product = p instanceof Matrix ? recipeOf(p) : null;
  if (
    operands.length === 3 && x instanceof Matrix && p instanceof Matrix && !x.transposed &&
    product?.kind === "product" && !product.a.transposed && typeof v === "object" &&
    !(v instanceof Matrix) && x.rows === p.rows && x.cols === p.cols && v.length === p.cols
  ) {
    return lazy(x.rows, x.cols, {
      kind: "sum",
      x: capture(x),
      p: capture(p),
      v: copy(v),
    }); // a recurrent step's sum: see tanh
  }
  if (operands.length === 2) return elementwise("add", Op.Add, withProducts(operands));
  return elementwise("add", Op.Add, operands);
}

/**
 * numpy's `a += b` (`np.add(a, b, out=a)`): b [rows, cols] added into a, one float64 add per
 * element (`a[i, j] + b[i, j]`), and a returned; for a vector a (a Float64Array, written in
 * place), the vector b. A matrix a is written in storage of its own (made on its first write,
 * and again after its `data` or `index` were handed out), so that nothing made from a before
 * changes: only a itself holds the sum.
 * @throws Error naming the shapes when they differ, or when a is a transposed view
 */
export function addInPlace(a: Matrix, b: Matrix): Matrix;
export function addInPlace(a: Float64Array, b: Vector): Float64Array;
export function addInPlace(a: Matrix | Float64Array, b: Matrix | Vector): Matrix | Float64Array {
  if (!(a instanceof Matrix)) {
    if (b instanceof Matrix || b.length !== a.length) {
      throw new Error(`np.addInPlace: a vector of ${a.length} values and ${describe(b)}`);
    }
    for (let i = 0; i < a.length; i++) a[i] += b[i];
    return a;
  }
  if (!(b instanceof Matrix) || b.rows !== a.rows || b.cols !== a.cols || a.transposed) {
    throw new Error(
      `np.addInPlace: a [${a.shape}]${a.transposed ? " (a transposed view)" : ""} and ` +
        describe(b),
    );
  }
  const out = ownStorage(a);
  const product = recipeOf(b), kernels = simd();
  if (product?.kind === "product" && kernels !== null) {
    const { values, index } = gemmOf(product.a, product.b, kernels); // in the kernels' memory
    addRowsInto(out, values, index, a.cols, -1);
  } else {
    const flatB = flat(b), { data, index } = flatB;
    // adding +0 leaves any value but −0 as it is (a NaN stays NaN): b's known zero row skipped
    const skip = noNegativeZero(a) ? zeroRowOf(flatB) : -1;
    const values = data instanceof Float64Array ? data : Float64Array.from(data);
    addRowsInto(out, values, index, a.cols, skip);
  }
  return a;
}

/**
 * out[i, :] += row index[i] of values, for the rows i of out [index.length, cols] whose stored
 * row is not `skip`.
 */
function addRowsInto(
  out: Float64Array,
  values: Float64Array,
  index: Int32Array,
  cols: number,
  skip: number,
) {
  for (let i = 0; i < index.length; i++) {
    if (index[i] === skip) continue;
    const from = index[i] * cols, to = i * cols;
    for (let c = 0; c < cols; c++) out[to + c] += values[from + c];
  }
}

/** How an operand is named in an error: `a matrix [2, 3]`, `a vector of 3 values`. */
function describe(x: Matrix | Vector): string {
  return x instanceof Matrix ? `a matrix [${x.shape}]` : `a vector of ${x.length} values`;
}

/**
 * The operands, a product among them replaced by its rows in the kernels' memory (read there
 * by the operation, which makes nothing that uses the kernels): one copy fewer.
 */
function withProducts(operands: Operand[]): Operand[] {
  const kernels = simd();
  const k = operands.findIndex((x) => x instanceof Matrix && recipeOf(x)?.kind === "product");
  if (kernels === null || k < 0) return operands;
  operands.forEach((x) => x instanceof Matrix && k !== operands.indexOf(x) && x.data); // computed first
  const p = operands[k] as Matrix, { a, b } = recipeOf(p) as { a: Matrix; b: Matrix };
  const { values, index } = gemmOf(a, b, kernels);
  const out = operands.slice(), stored = a.transposed ? a.rows : a.stored;
  out[k] = new Matrix(p.rows, p.cols, values.subarray(0, stored * p.cols), index);
  return out;
}

/** A copy of a vector, float64. */
function copy(v: Vector): Float64Array {
  const out = f64(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i];
  return out;
}

/** a − b. */
export function subtract(a: Matrix, b: Operand): Matrix;
export function subtract(a: Operand, b: Matrix): Matrix;
export function subtract(a: Vector | number, b: Vector | number): Float64Array;
export function subtract(a: Operand, b: Operand): Matrix | Float64Array {
  if (typeof a === "number" && b instanceof Matrix && recipeOf(b)?.kind === "square") {
    return lazy(b.rows, b.cols, { kind: "rsub", c: a, q: capture(b) }); // see multiply
  }
  if (
    a instanceof Matrix && b instanceof Matrix && recipeOf(b)?.kind === "scale" &&
    !a.transposed && a.rows === b.rows && a.cols === b.cols
  ) {
    return lazy(a.rows, a.cols, { kind: "axpy", w: capture(a), s: capture(b) }); // see astype
  }
  return elementwise("subtract", Op.Subtract, withProducts([a, b]));
}

/** a · b elementwise (numpy's *). */
export function multiply(a: Matrix, b: Operand): Matrix;
export function multiply(a: Operand, b: Matrix): Matrix;
export function multiply(a: Vector | number, b: Vector | number): Float64Array;
export function multiply(a: Operand, b: Operand): Matrix | Float64Array {
  const rsub = b instanceof Matrix ? recipeOf(b) : null;
  const square = rsub?.kind === "rsub" ? recipeOf(rsub.q) : null;
  const kernels = simd();
  if (
    a instanceof Matrix && recipeOf(a)?.kind === "product" && rsub?.kind === "rsub" &&
    square?.kind === "square" && kernels !== null && !square.a.transposed &&
    square.a.rows === a.rows && square.a.cols === a.cols
  ) {
    return productTimesRsubSquare(a, rsub.c, square.a, kernels);
  }
  if (typeof a === "number" && b instanceof Matrix && !b.transposed && recipeOf(b) === null) {
    return lazy(b.rows, b.cols, { kind: "scale", c: a, a: capture(b) }); // see astype
  }
  return elementwise("multiply", Op.Multiply, withProducts([a, b]));
}

/**
 * p · (c − h·h) for a product p (the gradient through tanh, (δ·w) ⊙ (1 − h²)): the product in
 * WebAssembly, then one loop, the same operations as multiply(p, subtract(c, square(h))).
 */
function productTimesRsubSquare(p: Matrix, c: number, h: Matrix, kernels: F64Kernels): Matrix {
  const hd = h.data, hi = h.index, { a, b } = recipeOf(p) as { a: Matrix; b: Matrix };
  const rows = p.rows, cols = p.cols;
  // the regions of the last kernel first: laying them out anew after the product would lose it
  memory(kernels, { aRows: hd.length, sums: rows * cols, rowAt: rows, xAt: rows });
  const { values: s, index } = gemmOf(a, b, kernels);
  const sm = new Matrix(
    rows,
    cols,
    s.subarray(0, (a.transposed ? a.rows : a.stored) * cols),
    index,
  );
  const { groups, count, firsts: first } = groupPairs(sm, h, rows);
  const out = f64(count * cols);
  if (cols % 2 === 0 && hd instanceof Float64Array) {
    // in WebAssembly: h's stored rows beside the product's, each group's two rows by address
    const room = memory(kernels, {}), sAt = room.rowAt, hAt = room.xAt, rowBytes = 8 * cols;
    room.aRows.set(hd);
    const sFrom = kernels.address(s, 0), hFrom = kernels.address(room.aRows, 0);
    for (let g = 0; g < count; g++) {
      sAt[g] = sFrom + index[first[g]] * rowBytes;
      hAt[g] = hFrom + hi[first[g]] * rowBytes;
    }
    kernels.rsubSquareTimes({ out: room.sums, sAt, hAt, count, n: cols, c });
    out.set(room.sums.subarray(0, count * cols));
    return new Matrix(rows, cols, out, groups);
  }
  for (let g = 0; g < count; g++) {
    const so = index[first[g]] * cols, ho = hi[first[g]] * cols, o = g * cols;
    for (let j = 0; j < cols; j++) {
      const hv = hd[ho + j];
      out[o + j] = s[so + j] * (c - hv * hv);
    }
  }
  return new Matrix(rows, cols, out, groups);
}

/** a / b. */
export function divide(a: Matrix, b: Operand): Matrix;
export function divide(a: Operand, b: Matrix): Matrix;
export function divide(a: Vector | number, b: Vector | number): Float64Array;
export function divide(a: Operand, b: Operand): Matrix | Float64Array {
  return elementwise("divide", Op.Divide, [a, b]);
}

/** −a. */
export function negative(a: Matrix): Matrix;
export function negative(a: Vector): Float64Array;
export function negative(a: Matrix | Vector): Matrix | Float64Array {
  return elementwise("negative", Op.Negative, [a]);
}

/** a ** 2, as numpy computes it: a · a. */
export function square(a: Matrix): Matrix;
export function square(a: Vector): Float64Array;
export function square(a: Matrix | Vector): Matrix | Float64Array {
  if (a instanceof Matrix && !a.transposed) {
    return lazy(a.rows, a.cols, { kind: "square", a: capture(a) }); // see multiply
  }
  return elementwise("square", Op.Square, [a]);
}

/** e^a (Math.exp). */
export function exp(a: Matrix): Matrix;
export function exp(a: Vector): Float64Array;
export function exp(a: Matrix | Vector): Matrix | Float64Array {
  return elementwise("exp", Op.Exp, [a]);
}

/** tanh(a), within 2 ulp of Math.tanh (`tanh` of `../kernels/_wasm_f64.ts`, also in SIMD). */
export function tanh(a: Matrix): Matrix;
export function tanh(a: Vector): Float64Array;
export function tanh(a: Matrix | Vector): Matrix | Float64Array {
  const sum = a instanceof Matrix ? recipeOf(a) : null;
  const product = sum?.kind === "sum" ? recipeOf(sum.p) : null;
  const kernels = simd();
  if (sum?.kind === "sum" && product?.kind === "product" && !product.a.transposed && kernels) {
    return tanhOfStep(sum.x, product.a, product.b, sum.v, kernels);
  }
  return elementwise("tanh", Op.Tanh, [a]);
}

/**
 * tanh((x + h·w) + b) in one sequence of WebAssembly kernels, what tanh(add(x, dot(h, w), b))
 * computes (the same operations): h·w for h's stored rows (gemm), then for each distinct pair
 * of rows of x and h, the sum (addRows, reading x's and h·w's rows where they are) and its
 * tanh. x [m, n], h [m, k] (stored rows dense, at most m), w [k, n] (n a multiple of 8), b [n].
 */
function tanhOfStep(x: Matrix, h: Matrix, w: Matrix, b: Vector, kernels: F64Kernels): Matrix {
  const rows = x.rows, n = w.cols, inner = w.rows, u = h.stored;
  const { groups, count, firsts: first } = groupPairs(x, h, rows);
  const values = count * n; // n even: no padding for tanh
  const xd = x.data, xi = x.index, xStored = xd.length / n;
  const whole = xStored <= 4 * rows; // x's stored rows all copied (and kept), or its rows used
  const room = memory(kernels, {
    lhs: u * inner,
    w: inner * n,
    out: u * n,
    sums: values,
    bias: n,
    rowAt: count,
    xRows: whole ? xStored * n : values,
    xAt: count,
    scratch: tanhScratch(values),
    zeros: n,
  });
  // h·w for h's stored rows
  room.lhs.set(h.data.subarray(0, u * inner));
  putW(room.w, w);
  gemm(kernels, {
    out: room.out,
    a: room.lhs,
    w: room.w,
    rows: u,
    n: inner,
    cols: n,
    zeros: room.zeros,
  });
  // each distinct row: (x's row + h·w's row) + b, then tanh
  if (whole) putRows(room.xRows, xd);
  else rowsData = null; // the region gets x's rows one by one
  const hi = h.index, sAt = room.rowAt, xAt = room.xAt, rowBytes = 8 * n;
  const sFrom = kernels.address(room.out, 0), xFrom = kernels.address(room.xRows, 0);
  for (let g = 0; g < count; g++) {
    const row = first[g];
    sAt[g] = sFrom + hi[row] * rowBytes;
    if (whole) xAt[g] = xFrom + xi[row] * rowBytes;
    else {
      const from = xi[row] * n, to = g * n;
      for (let c = 0; c < n; c++) room.xRows[to + c] = xd[from + c];
      xAt[g] = xFrom + g * rowBytes;
    }
  }
  for (let c = 0; c < n; c++) room.bias[c] = b[c];
  const z = room.sums;
  kernels.addRows({ out: z, xAt, sAt, bias: room.bias, count, n });
  kernels.tanh({ values: z, count: values, scratch: room.scratch });
  const out = f64(values);
  out.set(z.subarray(0, values));
  return new Matrix(rows, n, out, groups);
}

// The stored rows the kernels' region xRows holds, and the region.
let rowsData: Float64Array | Float32Array | null = null, rowsRegion: Float64Array | null = null;

/**
 * All of `data` (stored rows) into the kernels' region xRows, as float64; nothing to do when
 * the region holds them already (the arrays a matrix hands out never change).
 */
function putRows(region: Float64Array, data: Float64Array | Float32Array): void {
  if (rowsData === data && rowsRegion === region) return;
  region.set(data);
  [rowsData, rowsRegion] = [data, region];
}

/** np.clip(a, lo, hi): values below lo become lo, above hi become hi (`None` is ±Infinity). */
export function clip(a: Matrix, lo: number, hi: number): Matrix;
export function clip(a: Vector, lo: number, hi: number): Float64Array;
export function clip(a: Matrix | Vector, lo: number, hi: number): Matrix | Float64Array {
  return elementwise("clip", Op.Clip, [a], lo, hi);
}
