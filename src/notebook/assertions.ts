/**
 * Assertions for notebook cells: each checks a value the book prints and fails the cell (throws)
 * with a message naming the value, what was expected and what came out; on success each returns
 * the value as the book prints it, ready for `print`. `numpyStr` and `formatValue` write values
 * the way numpy prints them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertEqual, assertShape, numpyStr } from "./assertions.ts";
 *
 * assert.equal(assertShape("x_train_seq", [20000, 100], [20000, 100]), "(20000, 100)");
 * assert.equal(assertEqual("y_train[:3]", Int32Array.of(1, 0, 0), [1, 0, 0]), "[1, 0, 0]");
 * assert.throws(
 *   () => assertEqual('word_to_index["movie"]', 18, 17),
 *   { message: 'word_to_index["movie"]: expected 17, got 18' },
 * );
 * assert.equal(numpyStr([1, 0, 0, 1]), "[1 0 0 1]");
 * ```
 * @module
 */

import { shapeString } from "../data/ndarray.ts";

/** numpy-like text of a value: shapes as `(2, 3)`, arrays as `[1, 2, 3]`, numbers as is. */
export function formatValue(value: unknown): string {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return `[${Array.from(value as unknown as ArrayLike<number>).join(", ")}]`;
  }
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

/**
 * numpy's `str()` of a 1-D integer array, as `print(a)` shows it: elements right-aligned to a
 * common width, separated by spaces, wrapped at 75 characters with a one-space indent, e.g.
 * `[1 0 0 1 0 0 1 0 1 0]`.
 *
 * @throws Error when a value is not an integer.
 */
export function numpyStr(values: ArrayLike<number>): string {
  const words = Array.from(values, (v) => {
    if (!Number.isInteger(v)) throw new Error(`numpyStr: ${v} is not an integer`);
    return String(v);
  });
  const width = Math.max(0, ...words.map((w) => w.length));
  const lineWidth = 75 - 1; // numpy keeps room for the closing bracket
  const indent = " ";
  let text = "";
  let line = indent;
  words.forEach((w, i) => {
    const word = w.padStart(width);
    if (line.length + word.length > lineWidth && line.length > indent.length) {
      text += line.trimEnd() + "\n";
      line = indent;
    }
    line += word;
    if (i < words.length - 1) line += " ";
  });
  text += line;
  return `[${text.slice(indent.length)}]`;
}

function shapeOf(value: readonly number[] | { readonly shape: readonly number[] }): number[] {
  return Array.isArray(value) ? [...value] : [...(value as { shape: readonly number[] }).shape];
}

/**
 * Fails (throws, which fails the notebook cell) unless `actual` has shape `expected`.
 * `actual` is a shape or anything with a `shape` (NDArray, tf.Tensor).
 *
 * @returns the shape as numpy prints it, e.g. `"(20000, 100)"`.
 * @throws Error `"<name>: expected shape (20000, 100), got (20000, 99)"`.
 */
export function assertShape(
  name: string,
  actual: readonly number[] | { readonly shape: readonly number[] },
  expected: readonly number[],
): string {
  const got = shapeOf(actual);
  if (got.length !== expected.length || got.some((d, i) => d !== expected[i])) {
    throw new Error(`${name}: expected shape ${shapeString(expected)}, got ${shapeString(got)}`);
  }
  return shapeString(got);
}

/** Whether `v` is an array or a typed array (what deepEqual compares element by element). */
function isList(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (isList(a) && isList(b)) {
    const x = a as ArrayLike<unknown>, y = b as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  if (typeof a === "number" && typeof b === "number") return a === b;
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a), kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) =>
      deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
    );
  }
  return false;
}

function firstDifference(a: unknown, b: unknown): string {
  if (isList(a) && isList(b)) {
    const x = a as ArrayLike<unknown>, y = b as ArrayLike<unknown>;
    if (x.length !== y.length) return ` (length ${y.length}, expected ${x.length})`;
    for (let i = 0; i < x.length; i++) {
      if (!deepEqual(x[i], y[i])) {
        return ` (first difference at index ${i}: ${formatValue(y[i])}, expected ${
          formatValue(x[i])
        })`;
      }
    }
  }
  return "";
}

function clip(text: string, max = 400): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} chars)`;
}

/**
 * Fails unless `actual` deeply equals `expected` (numbers, strings, arrays, typed arrays and
 * plain objects; a typed array equals an array with the same elements).
 *
 * @returns `formatValue(actual)`.
 * @throws Error naming `name`, the expected and the actual value, and the first difference.
 */
export function assertEqual<T>(name: string, actual: T, expected: unknown): string {
  if (!deepEqual(expected, actual)) {
    throw new Error(
      `${name}: expected ${clip(formatValue(expected))}, got ${clip(formatValue(actual))}${
        firstDifference(expected, actual)
      }`,
    );
  }
  return formatValue(actual);
}

/**
 * Fails unless every element of `actual` is within `atol + rtol * |expected|` of `expected`.
 *
 * @returns the largest absolute difference.
 */
export function assertClose(
  name: string,
  actual: number | ArrayLike<number>,
  expected: number | ArrayLike<number>,
  options: { atol?: number; rtol?: number } = {},
): number {
  const { atol = 1e-8, rtol = 1e-5 } = options;
  const a = typeof actual === "number" ? [actual] : actual;
  const e = typeof expected === "number" ? [expected] : expected;
  if (a.length !== e.length) {
    throw new Error(`${name}: expected ${e.length} values, got ${a.length}`);
  }
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - e[i]);
    if (!(diff <= atol + rtol * Math.abs(e[i]))) {
      throw new Error(
        `${name}: at index ${i} expected ${e[i]} (atol ${atol}, rtol ${rtol}), got ${a[i]}`,
      );
    }
    worst = Math.max(worst, diff);
  }
  return worst;
}

/**
 * Fails unless `lo <= actual <= hi`.
 *
 * @returns `actual` with four decimals.
 */
export function assertBetween(name: string, actual: number, lo: number, hi: number): string {
  if (!(actual >= lo && actual <= hi)) {
    throw new Error(`${name}: expected a value in [${lo}, ${hi}], got ${actual}`);
  }
  return actual.toFixed(4);
}
