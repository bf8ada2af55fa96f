import assert from "node:assert/strict";
import { type PickledNdarray, unpickle } from "../../src/data/_pickle.ts";

const dir = new URL("../fixtures/npz/", import.meta.url);
const read = (name: string) => Deno.readFile(new URL(name, dir));
/** What numpy pickled (scripts/fixtures/npz.py). */
const expected = JSON.parse(await Deno.readTextFile(new URL("expected.json", dir)));

Deno.test("unpickle", async (t) => {
  for (const protocol of [2, 3, 4, 5]) {
    await t.step(`numpy object array of int lists, protocol ${protocol}`, async () => {
      const arr = unpickle(await read(`object_p${protocol}.pkl`)) as PickledNdarray;
      assert.equal(arr.kind, "ndarray");
      assert.deepEqual(arr.shape, [expected.x.length]);
      assert.equal(arr.dtype?.code, "O8");
      assert.deepEqual(arr.items?.map((l) => Array.from(l as ArrayLike<number>)), expected.x);
    });
  }

  await t.step("lists that are not all int32 keep every item", async () => {
    const arr = unpickle(await read("mixed_p2.pkl")) as PickledNdarray;
    const [a, b, c] = arr.items as unknown[][];
    assert.deepEqual(a, [1, 2, "three"]);
    assert.equal(b.length, 1002);
    assert.equal(b[1000], 1000);
    assert.equal(b[1001], null);
    assert.deepEqual(c, [2 ** 40, 5]);
  });

  await t.step("an object array of ints, and a numeric array's raw bytes", async () => {
    const ints = unpickle(await read("object_ints_p2.pkl")) as PickledNdarray;
    assert.deepEqual(ints.items, [1, 2, 300]);
    const floats = unpickle(await read("float64_p3.pkl")) as PickledNdarray;
    assert.deepEqual(floats.shape, [2]);
    assert.equal(floats.dtype?.code, "f8");
    assert.equal(floats.dtype?.byteorder, "<");
    assert.deepEqual(Array.from(new Float64Array(floats.raw!.slice().buffer)), [1.5, -2.0]);
  });

  await t.step("a pickle naming another global is refused, nothing runs", async () => {
    assert.throws(
      () => unpickle(new Uint8Array(0)),
      /expected protocol 2 to 5, got no PROTO opcode/,
    );
    const evil = await read("evil_global.pkl");
    assert.throws(() => unpickle(evil), /global "posix\.system" at byte 2 is not allowed/);
  });

  await t.step("opcodes outside the allowed set are refused by name", async () => {
    const dict = await read("dict_p2.pkl");
    assert.throws(() => unpickle(dict), /opcode EMPTY_DICT \(0x7d\)/);
    // protocol 0 text pickle of 1: "I1\n."
    assert.throws(
      () => unpickle(new TextEncoder().encode("I1\n.")),
      /expected protocol 2 to 5, got no PROTO/,
    );
  });

  await t.step("a truncated pickle is an error", async () => {
    const bytes = await read("object_p2.pkl");
    assert.throws(() => unpickle(bytes.subarray(0, 300)), /pickle: (truncated|stack underflow)/);
  });
});
