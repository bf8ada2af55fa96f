import assert from "node:assert/strict";
import { readNpz, unzip } from "../../src/data/_npz.ts";

const dir = new URL("../fixtures/npz/", import.meta.url);
const read = (name: string) => Deno.readFile(new URL(name, dir));
/** What numpy saved (scripts/fixtures/npz.py). */
const expected = JSON.parse(await Deno.readTextFile(new URL("expected.json", dir)));

Deno.test("readNpz", async (t) => {
  for (const name of ["stored.npz", "deflated.npz"]) {
    await t.step(`${name}: every array equals numpy's`, async () => {
      const npz = readNpz(await read(name), name);
      assert.deepEqual([...npz.keys()].sort(), ["be_i4", "f4", "f8", "u1", "x", "y_i8"]);
      const x = npz.get("x")!;
      assert.equal(x.descr, "|O");
      assert.deepEqual((x.data as Int32Array[]).map((l) => Array.from(l)), expected.x);
      assert.deepEqual(Array.from(npz.get("y_i8")!.data as BigInt64Array, Number), expected.y_i8);
      assert.deepEqual(npz.get("f4")!.shape, [2, 3]);
      assert.deepEqual(Array.from(npz.get("f4")!.data as Float32Array), expected.f4);
      assert.deepEqual(Array.from(npz.get("f8")!.data as Float64Array), expected.f8);
      assert.deepEqual(Array.from(npz.get("u1")!.data as Uint8Array), expected.u1);
      assert.deepEqual(Array.from(npz.get("be_i4")!.data as Int32Array), expected.be_i4);
    });
  }

  await t.step("a truncated zip is a clear error", async () => {
    const bytes = await read("deflated.npz");
    for (const keep of [0, 100, bytes.length - 30, bytes.length - 1]) {
      assert.throws(() => unzip(bytes.subarray(0, keep), "cut.npz"), /zip "cut\.npz".*truncated/);
    }
  });

  await t.step("corrupt data is caught by inflate or CRC-32, never returned", async () => {
    const bytes = await read("deflated.npz");
    const dirStart = bytes.length - 22 - 6 * 100; // well before the directory
    for (const at of [60, 500, 2000, dirStart - 10]) {
      const bad = bytes.slice();
      bad[at] ^= 0x55;
      assert.throws(() => unzip(bad, "bad.npz"), /zip "bad\.npz".*(corrupt|truncated)/);
    }
    const stored = (await read("stored.npz")).slice();
    stored[400] ^= 0x01; // inside the first stored entry's data
    assert.throws(() => unzip(stored, "s.npz"), /CRC-32 [0-9a-f]+ does not match/);
  });

  await t.step("an entry with a bad .npy header", async () => {
    const bytes = await read("bad_header.npz");
    assert.throws(
      () => readNpz(bytes, "bad_header.npz"),
      /"bad_header\.npz\/a\.npy": malformed header/,
    );
  });

  await t.step("not a zip at all", () => {
    assert.throws(
      () => unzip(new TextEncoder().encode("hello, this is not a zip file at all"), "t.npz"),
      /no end-of-central-directory record/,
    );
  });
});
