import assert from "node:assert/strict";
import { WasmArena } from "../../src/kernels/_wasm_arena.ts";

Deno.test("WasmArena.regions: named, typed, aligned, disjoint views; grows the memory", () => {
  const arena = WasmArena.create([])!;
  const small = arena.regions({ x: 3, y: { float64: 5 }, ids: { int32: 1 }, z: { float32: 2 } });
  assert.deepEqual(Object.keys(small), ["x", "y", "ids", "z"]);
  assert.ok(small.x instanceof Float32Array && small.x.length === 3);
  assert.ok(small.y instanceof Float64Array && small.y.length === 5);
  assert.ok(small.ids instanceof Int32Array && small.ids.length === 1);
  assert.ok(small.z instanceof Float32Array && small.z.length === 2);
  // 16-byte aligned, in order, not overlapping: [0, 12) [16, 56) [64, 68) [80, 88)
  assert.deepEqual(
    [small.x, small.y, small.ids, small.z].map((v) => v.byteOffset),
    [0, 16, 64, 80],
  );
  const big = arena.regions({ a: 100_000, b: 1 }); // 400 kB: more than the first page
  assert.equal(big.a.length, 100_000);
  assert.equal(big.b.byteOffset, 400_000);
  big.b[0] = 7;
  assert.equal(big.b[0], 7);
  assert.equal(small.x.length, 0, "growing detached the earlier views");
  const none = arena.regions({ empty: 0, after: 4 });
  assert.equal(none.after.byteOffset, 0);
});

Deno.test("WasmArena.regions names the region whose length is wrong", () => {
  const arena = WasmArena.create([])!;
  assert.throws(() => arena.regions({ good: 1, bad: -1 }), /region "bad" .* got -1/);
  assert.throws(() => arena.regions({ half: { float64: 1.5 } }), /region "half" .* got 1.5/);
});
