import assert from "node:assert/strict";
import { DataFileError } from "../../src/data/data_file_error.ts";
import { parseNpy } from "../../src/data/_npy.ts";
import { concat, header1d, le, npyFile, objectArrayPickle } from "./_files.ts";

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
    assert.throws(
      () => parseNpy(new Uint8Array([1, 2, 3]), "x.npy"),
      /^DataFileError: x\.npy: not a \.npy file/,
    );
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

/** Asserts `parseNpy` of `bytes` is refused with a DataFileError of "h.npy" matching `re`. */
function refused(bytes: Uint8Array, re: RegExp) {
  assert.throws(() => parseNpy(bytes, { file: "h.npz", entry: "h.npy" }), (err) => {
    assert.ok(err instanceof DataFileError, `not a DataFileError: ${err}`);
    assert.equal(err.entry, "h.npy");
    assert.match(err.message, /^h\.npz, entry h\.npy: /);
    assert.match(err.message, re);
    return true;
  });
}

/** A version-2.0 .npy of this header text (no padding) and body. */
function npyV2(header: string, body = ""): Uint8Array {
  return concat("\x93NUMPY\x02\x00", le(header.length, 4), header, body);
}

Deno.test("parseNpy: corrupt and hostile headers are DataFileErrors in linear time", async (t) => {
  await t.step(
    "a long version-2 header: refused over numpy's 10,000 bytes, parsed in one pass",
    () => {
      // "'shape': (" a hundred thousand times once made the header regex backtrack quadratically
      const long = "{'descr': '<i8', " + "'shape': (".repeat(30_000);
      let start = performance.now();
      refused(npyV2(long), /header of 300017 bytes is over numpy's limit of 10000/);
      // under the limit, the same text: one pass, an error at the first bad character
      const under = "{'descr': '<i8', " + "'shape': (".repeat(998);
      refused(npyV2(under), /malformed header \(expected a dimension at character 27\)/);
      const spaces = "{'descr':" + " ".repeat(9_000);
      refused(npyV2(spaces), /malformed header \(expected a value at character 9009\)/);
      assert.ok(performance.now() - start < 200, `${performance.now() - start} ms`);
      start = performance.now();
    },
  );

  await t.step("huge shapes are refused before anything is allocated", () => {
    const h = (shape: string, descr = "<i8") =>
      npyFile(
        `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`,
        "\0".repeat(16),
      );
    refused(h("(99999999999999999999,)"), /shape dimension "99999999999999999999" is too large/);
    refused(h("(4294967296, 4294967296)"), /16 data bytes, shape needs more/);
    refused(h("(1000000000,)"), /16 data bytes, shape needs 8000000000 \(1000000000 x <i8\)/);
    refused(
      h("(1000000000,)", "|O"),
      /shape \(1000000000,\) needs more items than a 16-byte pickle holds/,
    );
    refused(h("(2, -1)"), /expected a dimension/);
  });

  await t.step("headers numpy would not write are refused by what is wrong", () => {
    const h = (header: string) => npyFile(header, "\0".repeat(8));
    refused(
      h("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }"),
      /structured dtypes are not supported/,
    );
    refused(
      h("{'descr': '<constructor', 'fortran_order': False, 'shape': (1,), }"),
      /unsupported dtype "<constructor"/,
    );
    refused(
      h("{'descr': '<i8', 'descr': '<i8', 'fortran_order': False, 'shape': (1,), }"),
      /repeats the key "descr"/,
    );
    refused(
      h("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), 'x': 1}"),
      /expected a value/,
    );
    refused(
      h("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), 'x': 'y'}"),
      /keys other than/,
    );
    refused(h("{'descr': '<i8', 'fortran_order': 0, 'shape': (1,), }"), /expected a value/);
    refused(
      h("{'descr': '<i\\x38', 'fortran_order': False, 'shape': (1,), }"),
      /escapes in a string/,
    );
    refused(h("{'descr': '<i8, 'fortran_order': False, 'shape': (1,), }"), /malformed header/);
  });

  await t.step("text after the header's dict", () => {
    refused(
      npyFile("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }\xff", "\0".repeat(8)),
      /malformed header \(text after the dict at character 57\)/,
    );
  });

  await t.step("a version-3 header that is not UTF-8 (the decoder's error is the cause)", () => {
    const header = "{'descr': '<i8', 'fortran_order': False, 'shape': (0,), }\xff";
    const bytes = concat("\x93NUMPY\x03\x00", le(header.length, 4), header);
    assert.throws(() => parseNpy(bytes, "h.npy"), (err) => {
      assert.ok(err instanceof DataFileError);
      assert.equal(err.problem, "header is not valid UTF-8");
      assert.ok(err.cause instanceof TypeError);
      return true;
    });
  });

  await t.step("an object array whose pickle disagrees with the header", () => {
    const pickle = objectArrayPickle(2, "](]]e");
    refused(npyFile(header1d("|O", 3), pickle), /pickled object array has 2 items, shape needs 3/);
    const body = npyFile("{'descr': '|O', 'fortran_order': False, 'shape': (1, 2), }", pickle);
    refused(body, /pickled shape \(2\) differs from the header's \(1, 2\)/);
    refused(
      npyFile(header1d("|O", 1), "\x80\x02K\x01."),
      /object array pickle does not hold a numpy array/,
    );
  });
});
