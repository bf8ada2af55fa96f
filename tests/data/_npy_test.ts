import assert from "node:assert/strict";
import { parseNpy } from "../../src/data/_npy.ts";

/** A .npy v1.0 file with `header` (padded as numpy pads) and `body`. */
function npy(header: string, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  let h = header;
  while ((10 + h.length + 1) % 64 !== 0) h += " ";
  h += "\n";
  const out = new Uint8Array(10 + h.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, h.length, true);
  out.set(new TextEncoder().encode(h), 10);
  out.set(body, 10 + h.length);
  return out;
}

Deno.test("parseNpy", async (t) => {
  await t.step("little-endian int64 and float32 2-d", () => {
    const y = parseNpy(
      npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(16).fill(0)),
    );
    assert.deepEqual(y.shape, [2]);
    assert.ok(y.data instanceof BigInt64Array);
    const body = new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer);
    const f = parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", body));
    assert.deepEqual(f.shape, [2, 3]);
    assert.deepEqual(Array.from(f.data as Float32Array), [1, 2, 3, 4, 5, 6]);
  });

  await t.step("a bad header is a clear error", () => {
    assert.throws(() => parseNpy(new Uint8Array([1, 2, 3]), "x.npy"), /"x.npy": not a \.npy file/);
    assert.throws(
      () => parseNpy(npy("{'desc': '<i8', 'fortran_order': False, 'shape': (2,), }")),
      /malformed header/,
    );
    assert.throws(
      () => parseNpy(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }")),
      /0 data bytes, shape needs 16/,
    );
    assert.throws(
      () => parseNpy(npy("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }")),
      /unsupported dtype "<c16"/,
    );
    const v9 = npy("{'descr': '<i8', 'fortran_order': False, 'shape': (0,), }");
    v9[6] = 9;
    assert.throws(() => parseNpy(v9), /unsupported format version 9\.0/);
    const long = npy("{'descr': '<i8', 'fortran_order': False, 'shape': (0,), }");
    new DataView(long.buffer).setUint16(8, 5000, true);
    assert.throws(() => parseNpy(long), /header length 5000 runs past the end/);
  });
});
