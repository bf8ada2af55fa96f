import assert from "node:assert/strict";
import * as asm from "../../src/kernels/_wasm_assembler.ts";

Deno.test("LEB128 encodings of known values", async (t) => {
  await t.step("unsigned (624485 and -123456 are the DWARF standard's examples)", () => {
    assert.deepEqual(asm.uleb(0), [0x00]);
    assert.deepEqual(asm.uleb(1), [0x01]);
    assert.deepEqual(asm.uleb(127), [0x7f]);
    assert.deepEqual(asm.uleb(128), [0x80, 0x01]);
    assert.deepEqual(asm.uleb(624485), [0xe5, 0x8e, 0x26]);
    assert.deepEqual(asm.uleb(2 ** 32 - 1), [0xff, 0xff, 0xff, 0xff, 0x0f]);
  });
  await t.step("signed", () => {
    assert.deepEqual(asm.sleb(0), [0x00]);
    assert.deepEqual(asm.sleb(2), [0x02]);
    assert.deepEqual(asm.sleb(63), [0x3f]);
    assert.deepEqual(asm.sleb(64), [0xc0, 0x00]);
    assert.deepEqual(asm.sleb(-1), [0x7f]);
    assert.deepEqual(asm.sleb(-64), [0x40]);
    assert.deepEqual(asm.sleb(-65), [0xbf, 0x7f]);
    assert.deepEqual(asm.sleb(-123456), [0xc0, 0xbb, 0x78]);
  });
});

Deno.test("instruction and constant encodings", () => {
  assert.deepEqual(
    asm.assemble(asm.get(1), asm.I32_CONST, asm.sleb(-1), [asm.I32_ADD], asm.set(2)),
    [0x20, 1, 0x41, 0x7f, 0x6a, 0x21, 2], // local.get 1, i32.const -1, i32.add, local.set 2
  );
  const { code, emit } = asm.codeBuilder();
  emit(asm.get(0), asm.END);
  emit(asm.END);
  assert.deepEqual(code, [0x20, 0, 0x0b, 0x0b]);
  assert.deepEqual(asm.f32Const(1), [0x43, 0x00, 0x00, 0x80, 0x3f]); // 1.0f = 0x3f800000
  const two = asm.f64x2Const(2); // 2.0 = 0x4000000000000000, twice
  assert.deepEqual(two.slice(0, 2), [0xfd, 0x0c]);
  assert.deepEqual(two.slice(2), [0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x40]);
});

Deno.test("a module with no functions is the smallest valid one with a memory", () => {
  const bytes = asm.wasmModule({ functions: [] });
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

Deno.test("tiny modules asm.instantiate and compute", async (t) => {
  await t.step(
    "mulAdd(a, b, c) = a * b + c, beside an unexported function of the same type",
    () => {
      const bytes = asm.wasmModule({
        functions: [
          {
            name: "mulAdd",
            params: [asm.I32, asm.I32, asm.I32],
            results: [asm.I32],
            body: asm.assemble(
              asm.get(0),
              asm.get(1),
              asm.I32_MUL,
              asm.get(2),
              asm.I32_ADD,
              asm.END,
            ),
          },
          // equal signatures share one type; no name: not exported
          {
            params: [asm.I32, asm.I32, asm.I32],
            results: [asm.I32],
            body: asm.assemble(asm.get(0), asm.END),
          },
        ],
      });
      const instance = asm.instantiate(bytes);
      assert.ok(instance !== null);
      const mulAdd = instance.exports.mulAdd as (a: number, b: number, c: number) => number;
      assert.equal(mulAdd(6, 7, -2), 40);
      assert.deepEqual(Object.keys(instance.exports).sort(), ["memory", "mulAdd"]);
    },
  );

  await t.step("sum(n) with a loop and a local: 0 + 1 + ... + (n - 1)", () => {
    const [N, I, S] = [0, 1, 2];
    const { code, emit } = asm.codeBuilder();
    emit(asm.LOOP, asm.VOID);
    emit(asm.get(S), asm.get(I), asm.I32_ADD, asm.set(S));
    emit(
      asm.get(I),
      asm.I32_CONST,
      1,
      asm.I32_ADD,
      asm.LOCAL_TEE,
      I,
      asm.get(N),
      asm.I32_LT_U,
      asm.BR_IF,
      0,
      asm.END,
    );
    emit(asm.get(S), asm.END);
    const bytes = asm.wasmModule({
      functions: [{
        name: "sum",
        params: [asm.I32],
        results: [asm.I32],
        locals: [[2, asm.I32]],
        body: code,
      }],
    });
    const sum = asm.instantiate(bytes)!.exports.sum as (n: number) => number;
    assert.equal(sum(1), 0);
    assert.equal(sum(100), 4950);
  });

  await t.step("SIMD add of float64 pairs in a grown memory", () => {
    // add2(dst, a, b): dst[0..1] = a[0..1] + b[0..1] (byte addresses)
    const body = asm.assemble(
      asm.get(0),
      asm.get(1),
      asm.V128_LOAD,
      3,
      0,
      asm.get(2),
      asm.V128_LOAD,
      3,
      0,
      asm.F64X2_ADD,
      asm.V128_STORE,
      3,
      0,
      asm.END,
    );
    const bytes = asm.wasmModule({
      functions: [{
        name: "add2",
        params: [asm.I32, asm.I32, asm.I32],
        locals: [[1, asm.V128]],
        body,
      }],
    });
    const instance = asm.instantiate(bytes);
    if (instance === null) {
      console.log("WebAssembly SIMD not available: SIMD step skipped");
      return;
    }
    const memory = instance.exports.memory as WebAssembly.Memory;
    assert.equal(memory.buffer.byteLength, 65536);
    // three regions of 8 + 16 + 70000 bytes: offsets 16-byte aligned, the memory grown to fit
    const { buffer, offsets } = asm.layoutRegions(memory, [8, 16, 70000]);
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
  const bytes = asm.wasmModule({
    functions: [{ name: "bad", params: [], results: [asm.I32], body: [asm.END] }], // returns nothing
  });
  assert.equal(asm.instantiate(bytes), null);
});
