/**
 * One WebAssembly instance and its memory, handed out as NAMED regions: the operands of the
 * kernels live there while a kernel runs. Callers copy inputs into the regions, call, and copy
 * the results out (a few hundred kB per batch, microseconds); no view outlives the next call of
 * {@linkcode WasmArena.regions}, which may grow (and so detach) the memory.
 *
 * A region is given by its length in numbers: a plain number is float32, `{ float64: n }` and
 * `{ int32: n }` the other element types a kernel may need; each starts 16-byte aligned (one
 * v128) and its contents are arbitrary until written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { I32, I32_ADD, get, END, assemble } from "./_wasm_assembler.ts";
 *
 * const arena = WasmArena.create([
 *   { name: "add", params: [I32, I32], results: [I32], body: assemble(get(0), get(1), I32_ADD, END) },
 * ]);
 * if (arena) {
 *   const { x, ids } = arena.regions({ x: 3, ids: { int32: 2 } }); // Float32Array [3], Int32Array [2]
 *   x.set([1, 2, 3]);
 *   assert.equal(x.byteOffset % 16, 0);
 *   assert.equal(ids.byteOffset % 16, 0);
 *   assert.ok(ids instanceof Int32Array && ids.length === 2);
 *   assert.equal((arena.exports.add as (a: number, b: number) => number)(2, 3), 5);
 * }
 * ```
 * @module
 */

import { instantiate, layoutRegions, type WasmFunction, wasmModule } from "./_wasm_assembler.ts";

/** The length of one region: float32 numbers, or numbers of another element type. */
export type RegionLength = number | { float32: number } | { float64: number } | { int32: number };

/** The view a region of that length is handed out as. */
export type RegionView<R extends RegionLength> = R extends { float64: number } ? Float64Array
  : R extends { int32: number } ? Int32Array
  : Float32Array;

/** Views of the regions, under the names they were asked by. */
export type Regions<S extends Record<string, RegionLength>> = { [K in keyof S]: RegionView<S[K]> };

/** The element type and count of a region. */
function elements(
  name: string,
  length: RegionLength,
): { type: Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor; n: number } {
  const [type, n] = typeof length === "number"
    ? [Float32Array, length]
    : "float64" in length
    ? [Float64Array, length.float64]
    : "int32" in length
    ? [Int32Array, length.int32]
    : [Float32Array, length.float32];
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(
      `WasmArena.regions: region "${name}" needs a whole number of elements >= 0, got ${n}`,
    );
  }
  return { type, n };
}

/** A compiled module of kernels with the memory its regions are laid out in. */
export class WasmArena {
  /** The module's exported functions (and its memory), by name. */
  readonly exports: Record<string, unknown>;
  readonly #memory: WebAssembly.Memory;

  private constructor(instance: WebAssembly.Instance) {
    this.exports = instance.exports as Record<string, unknown>;
    this.#memory = instance.exports.memory as WebAssembly.Memory;
  }

  /**
   * Assembles and instantiates a module of these functions with one memory; null where
   * WebAssembly (or a feature the functions use, such as SIMD) is not available.
   */
  static create(functions: WasmFunction[]): WasmArena | null {
    const instance = instantiate(wasmModule({ functions }));
    return instance && new WasmArena(instance);
  }

  /**
   * Lays out regions of these lengths one after another from the start of the memory (growing it
   * when needed) and returns their views by name. Every region of an earlier call is given up:
   * its views may alias the new ones, or be detached.
   * @throws Error naming the region when a length is not a whole number >= 0
   */
  regions<S extends Record<string, RegionLength>>(lengths: S): Regions<S> {
    const names = Object.keys(lengths);
    const specs = names.map((name) => elements(name, lengths[name]));
    const { buffer, offsets } = layoutRegions(
      this.#memory,
      specs.map(({ type, n }) => n * type.BYTES_PER_ELEMENT),
    );
    const views: Record<string, Float32Array | Float64Array | Int32Array> = {};
    names.forEach((name, i) => {
      const { type, n } = specs[i];
      views[name] = type === Float64Array
        ? new Float64Array(buffer, offsets[i], n)
        : type === Int32Array
        ? new Int32Array(buffer, offsets[i], n)
        : new Float32Array(buffer, offsets[i], n);
    });
    return views as Regions<S>;
  }
}
