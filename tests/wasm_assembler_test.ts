import assert from "node:assert/strict";
import {
  assemble,
  BR_IF,
  codeBuilder,
  END,
  f32Const,
  F64X2_ADD,
  f64x2Const,
  get,
  I32,
  I32_ADD,
  I32_CONST,
  I32_LT_U,
  I32_MUL,
  instantiate,
  layoutRegions,
  LOCAL_TEE,
  LOOP,
  set,
  sleb,
  uleb,
  V128,
  V128_LOAD,
  V128_STORE,
  VOID,
  wasmModule,
} from "../src/wasm_assembler.ts";

Deno.test("LEB128 encodings of known values", async (t) => {
  await t.step("unsigned (624485 and -123456 are the DWARF standard's examples)", () => {
    assert.deepEqual(uleb(0), [0x00]);
    assert.deepEqual(uleb(1), [0x01]);
    assert.deepEqual(uleb(127), [0x7f]);
    assert.deepEqual(uleb(128), [0x80, 0x01]);
    assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
    assert.deepEqual(uleb(2 ** 32 - 1), [0xff, 0xff, 0xff, 0xff, 0x0f]);
  });
  await t.step("signed", () => {
    assert.deepEqual(sleb(0), [0x00]);
    assert.deepEqual(sleb(2), [0x02]);
    assert.deepEqual(sleb(63), [0x3f]);
    assert.deepEqual(sleb(64), [0xc0, 0x00]);
    assert.deepEqual(sleb(-1), [0x7f]);
    assert.deepEqual(sleb(-64), [0x40]);
    assert.deepEqual(sleb(-65), [0xbf, 0x7f]);
    assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
  });
});

Deno.test("instruction and constant encodings", () => {
  assert.deepEqual(assemble(get(1), I32_CONST, sleb(-1), [I32_ADD], set(2)), [
    0x20,
    1,
    0x41,
    0x7f,
    0x6a,
    0x21,
    2,
  ]);
  const { code, emit } = codeBuilder();
  emit(get(0), END);
  emit(END);
  assert.deepEqual(code, [0x20, 0, 0x0b, 0x0b]);
  assert.deepEqual(f32Const(1), [0x43, 0x00, 0x00, 0x80, 0x3f]); // 1.0f = 0x3f800000
  const two = f64x2Const(2); // 2.0 = 0x4000000000000000, twice
  assert.deepEqual(two.slice(0, 2), [0xfd, 0x0c]);
  assert.deepEqual(two.slice(2), [0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x40]);
});

Deno.test("a module with no functions is the smallest valid one with a memory", () => {
  const bytes = wasmModule({ functions: [] });
  assert.deepEqual(
    Array.from(bytes),
    [
      ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
      ...[1, 1, 0], // types: none
      ...[3, 1, 0], // functions: none
      ...[5, 3, 1, 0, 1], // one memory, one page, no maximum
      ...[7, 10, 1, 6, ..."memory".split("").map((c) => c.charCodeAt(0)), 2, 0],
      ...[10, 1, 0], // code: none
    ],
  );
  assert.ok(WebAssembly.validate(bytes));
});

Deno.test("tiny modules instantiate and compute", async (t) => {
  await t.step(
    "mulAdd(a, b, c) = a * b + c, beside an unexported function of the same type",
    () => {
      const bytes = wasmModule({
        functions: [
          {
            name: "mulAdd",
            params: [I32, I32, I32],
            results: [I32],
            body: assemble(get(0), get(1), I32_MUL, get(2), I32_ADD, END),
          },
          // equal signatures share one type; no name: not exported
          {
            params: [I32, I32, I32],
            results: [I32],
            body: assemble(get(0), END),
          },
        ],
      });
      const instance = instantiate(bytes);
      assert.ok(instance !== null);
      const mulAdd = instance.exports.mulAdd as (a: number, b: number, c: number) => number;
      assert.equal(mulAdd(6, 7, -2), 40);
      assert.deepEqual(Object.keys(instance.exports).sort(), ["memory", "mulAdd"]);
    },
  );

  await t.step("sum(n) with a loop and a local: 0 + 1 + ... + (n - 1)", () => {
    const [N, I, S] = [0, 1, 2];
    const { code, emit } = codeBuilder();
    emit(LOOP, VOID);
    emit(get(S), get(I), I32_ADD, set(S));
    emit(get(I), I32_CONST, 1, I32_ADD, LOCAL_TEE, I, get(N), I32_LT_U, BR_IF, 0, END);
    emit(get(S), END);
    const bytes = wasmModule({
      functions: [{ name: "sum", params: [I32], results: [I32], locals: [[2, I32]], body: code }],
    });
    const sum = instantiate(bytes)!.exports.sum as (n: number) => number;
    assert.equal(sum(1), 0);
    assert.equal(sum(100), 4950);
  });

  await t.step("SIMD add of float64 pairs in a grown memory", () => {
    // add2(dst, a, b): dst[0..1] = a[0..1] + b[0..1] (byte addresses)
    const body = assemble(
      get(0),
      get(1),
      V128_LOAD,
      3,
      0,
      get(2),
      V128_LOAD,
      3,
      0,
      F64X2_ADD,
      V128_STORE,
      3,
      0,
      END,
    );
    const bytes = wasmModule({
      functions: [{ name: "add2", params: [I32, I32, I32], locals: [[1, V128]], body }],
    });
    const instance = instantiate(bytes);
    if (instance === null) {
      console.log("WebAssembly SIMD not available: SIMD step skipped");
      return;
    }
    const memory = instance.exports.memory as WebAssembly.Memory;
    assert.equal(memory.buffer.byteLength, 65536);
    // three regions of 8 + 16 + 70000 bytes: offsets 16-byte aligned, the memory grown to fit
    const { buffer, offsets } = layoutRegions(memory, [8, 16, 70000]);
    assert.deepEqual(offsets, [0, 16, 32]);
    assert.equal(buffer, memory.buffer);
    assert.equal(buffer.byteLength, 2 * 65536);
    const a = new Float64Array(buffer, offsets[1], 2);
    const b = new Float64Array(buffer, offsets[2], 2);
    a.set([1.5, -2]);
    b.set([0.25, 8]);
    const add2 = instance.exports.add2 as (dst: number, a: number, b: number) => void;
    add2(offsets[2] + 16, a.byteOffset, b.byteOffset);
    assert.deepEqual(Array.from(new Float64Array(buffer, offsets[2] + 16, 2)), [1.75, 6]);
  });
});

Deno.test("instantiate returns null for bytes that are not a valid module", () => {
  const bytes = wasmModule({
    functions: [{ name: "bad", params: [], results: [I32], body: [END] }], // returns nothing
  });
  assert.equal(instantiate(bytes), null);
});
