import assert from "node:assert/strict";
import { DataFileError } from "../../src/data/data_file_error.ts";
import { readNpz, unzip } from "../../src/data/_npz.ts";
import { buildZip, concat, latin1, le, zerosBomb } from "./_files.ts";

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
      assert.throws(
        () => unzip(bytes.subarray(0, keep), "cut.npz"),
        /^DataFileError: cut\.npz(, entry \S+)?: .*truncated/,
      );
    }
  });

  await t.step("corrupt data is caught by inflate or CRC-32, never returned", async () => {
    const bytes = await read("deflated.npz");
    const dirStart = bytes.length - 22 - 6 * 100; // well before the directory
    for (const at of [60, 500, 2000, dirStart - 10]) {
      const bad = bytes.slice();
      bad[at] ^= 0x55;
      assert.throws(
        () => unzip(bad, "bad.npz"),
        /^DataFileError: bad\.npz(, entry \S+)?: .*(corrupt|truncated)/,
      );
    }
    const stored = (await read("stored.npz")).slice();
    stored[400] ^= 0x01; // inside the first stored entry's data
    assert.throws(() => unzip(stored, "s.npz"), /CRC-32 [0-9a-f]+ does not match/);
  });

  await t.step("an entry with a bad .npy header", async () => {
    const bytes = await read("bad_header.npz");
    assert.throws(
      () => readNpz(bytes, "bad_header.npz"),
      /^DataFileError: bad_header\.npz, entry a\.npy: malformed header/,
    );
  });

  await t.step("not a zip at all", () => {
    assert.throws(
      () => unzip(new TextEncoder().encode("hello, this is not a zip file at all"), "t.npz"),
      /no end-of-central-directory record/,
    );
  });
});

/** Asserts `unzip` of `zip` is refused with a DataFileError of "h.npz" matching `re`. */
function refused(zip: Uint8Array, re: RegExp, options: { maxBytes?: number; entry?: string } = {}) {
  assert.throws(() => unzip(zip, "h.npz", { maxBytes: options.maxBytes }), (err) => {
    assert.ok(err instanceof DataFileError, `not a DataFileError: ${err}`);
    assert.equal(err.file, "h.npz");
    if (options.entry !== undefined) assert.equal(err.entry, options.entry);
    assert.match(err.message, re);
    return true;
  });
}

/** `zip` with `bytes` written at `at`. */
function patched(zip: Uint8Array, at: number, bytes: Uint8Array): Uint8Array {
  const out = zip.slice();
  out.set(bytes, at);
  return out;
}

const y = new Uint8Array(100).fill(7);

Deno.test("unzip: corrupt and hostile archives are DataFileErrors, within maxBytes", async (t) => {
  await t.step("a directory entry's extra field past the end of the file", () => {
    const zip = buildZip([{ name: "y.npy", data: y }]);
    // extra length 0xffff: past the directory and the file (a RangeError from DataView once)
    refused(
      patched(zip.bytes, zip.central[0] + 30, le(0xffff, 2)),
      /entry 0 runs past the directory/,
    );
    // a name that long, and a comment
    refused(
      patched(zip.bytes, zip.central[0] + 28, le(0xffff, 2)),
      /entry 0 runs past the directory/,
    );
    refused(
      patched(zip.bytes, zip.central[0] + 32, le(0xffff, 2)),
      /entry 0 runs past the directory/,
    );
  });

  await t.step("an extra field's own length past the extra area", () => {
    // a directory entry with 8 bytes of extra field (a zip64 field claiming 0xfff0 bytes)
    const name = latin1("y.npy");
    const zip = buildZip([{ name: "y.npy", data: y, method: 0 }]);
    const entry = zip.bytes.slice(zip.central[0], zip.eocd);
    const extra = concat(le(0x0001, 2), le(0xfff0, 2), le(0, 4));
    const central = concat(entry.subarray(0, 30), le(extra.length, 2), entry.subarray(32), extra);
    const bytes = concat(
      zip.bytes.subarray(0, zip.central[0]),
      central,
      "PK\x05\x06\0\0\0\0\x01\0\x01\0",
      le(central.length, 4),
      le(zip.central[0], 4),
      "\0\0",
    );
    assert.equal(name.length, 5);
    refused(bytes, /an extra field of entry 0 runs past its end/);
  });

  await t.step("a zip64 archive (sizes and offsets in zip64 fields) reads as the plain one", () => {
    const parts = [{ name: "a.npy", data: y }, { name: "b.npy", data: y, method: 0 as const }];
    const zip64 = buildZip(parts, { zip64: true }).bytes;
    assert.deepEqual(unzip(zip64, "h.npz"), unzip(buildZip(parts).bytes, "h.npz"));
    // its directory's offset in the zip64 record moved past the end, or into the entries
    const record = zip64.length - 22 - 20 - 56;
    refused(patched(zip64, record + 48, le(2n ** 62n, 8)), /central directory past its end record/);
    refused(patched(zip64, record + 48, le(10, 8)), /bad directory entry 0/);
    refused(patched(zip64, record + 32, le(2n ** 40n, 8)), /1099511627776 entries cannot fit/);
  });

  await t.step("zip64 offsets and sizes past the end of the file", () => {
    const zip = buildZip([{ name: "y.npy", data: y, method: 0 }]);
    const entry = zip.bytes.slice(zip.central[0], zip.eocd);
    // the directory's zip64 entry: sizes and offset 0xffffffff, 64-bit values in the extra field
    const with64 = (values: bigint[], fieldLength = 8 * values.length) => {
      const extra = concat(le(0x0001, 2), le(fieldLength, 2), ...values.map((v) => le(v, 8)));
      const head = entry.slice(0, 46);
      head.set(le(0xffffffff, 4), 20);
      head.set(le(0xffffffff, 4), 24);
      head.set(le(0xffffffff, 4), 42);
      head.set(le(extra.length, 2), 30);
      const central = concat(head, "y.npy", extra);
      return concat(
        zip.bytes.subarray(0, zip.central[0]),
        central,
        "PK\x05\x06\0\0\0\0\x01\0\x01\0",
        le(central.length, 4),
        le(zip.central[0], 4),
        "\0\0",
      );
    };
    // well formed: the same entry, its values in 64 bits
    assert.deepEqual(unzip(with64([100n, 100n, 0n]), "h.npz").get("y.npy"), y);
    refused(with64([100n, 100n, 2n ** 62n]), /entry y\.npy: bad local header/);
    refused(with64([100n, 2n ** 63n, 0n]), /entry y\.npy: data run past the end/);
    refused(with64([2n ** 64n - 1n, 100n, 0n]), /stored with 100 bytes but declares over 2\^53/);
    refused(with64([100n, 100n, 0n], 32), /an extra field of entry 0 runs past its end/);
    refused(with64([100n, 100n], 16), /the zip64 field of entry 0 is too short/);
    // the end record's zip64 locator pointing far past the end
    const eocd64 = concat(
      zip.bytes.subarray(0, zip.eocd),
      "PK\x06\x07\0\0\0\0",
      le(2n ** 63n, 8),
      "\x01\0\0\0",
      zip.bytes.subarray(zip.eocd, zip.eocd + 16),
      le(0xffffffff, 4),
      "\0\0",
    );
    refused(eocd64, /bad zip64 record/);
  });

  await t.step("zip bomb: the declared size over maxBytes is refused before inflating", () => {
    // 3.75 GiB of zeros in 3.9 MB, its size declared honestly: refused at the directory
    const bomb = zerosBomb(3840);
    const zip = buildZip([{ name: "x.npy", data: y, packed: bomb, size: 3840 * 2 ** 20, crc: 0 }]);
    const start = performance.now();
    refused(
      zip.bytes,
      /entry x\.npy: declares 4026531840 bytes uncompressed, over the limit of 1073741824 bytes \(maxBytes\)/,
    );
    assert.ok(performance.now() - start < 200, "refused without inflating");
    // the same member declaring 1 MiB: inflate stops there
    const lying = buildZip([{ name: "x.npy", data: y, packed: bomb, size: 2 ** 20, crc: 0 }]);
    refused(lying.bytes, /entry x\.npy: inflates to more than the 1048576 bytes it declares/);
  });

  await t.step(
    "zip bomb: sizes over maxBytes in total, and beyond what deflate can produce",
    () => {
      const parts = ["a", "b", "c"].map((name) => ({ name, data: new Uint8Array(4000) }));
      refused(
        buildZip(parts).bytes,
        /entry c: the entries up to this one declare 12000 bytes uncompressed, over the limit of 10000 bytes \(maxBytes\); the largest is "a" \(4000 bytes\)/,
        {
          maxBytes: 10_000,
          entry: "c",
        },
      );
      assert.equal(unzip(buildZip(parts).bytes, "h.npz", { maxBytes: 12_000 }).size, 3);
      const small = buildZip([{ name: "a", data: y, size: 10_000_000 }]);
      refused(
        small.bytes,
        /entry a: declares 10000000 bytes from \d+ compressed, more than deflate/,
      );
    },
  );

  await t.step("zip bomb: 400 directory entries pointing at one member are refused", () => {
    const one = buildZip([{ name: "x000.npy", data: new Uint8Array(50_000) }]);
    const entry = one.bytes.subarray(one.central[0], one.eocd);
    const directory = (name: (i: number) => string) => {
      const dir = concat(
        ...Array.from({ length: 400 }, (_, i) => concat(entry.subarray(0, 46), name(i))),
      );
      return concat(
        one.bytes.subarray(0, one.central[0]),
        dir,
        "PK\x05\x06\0\0\0\0",
        le(400, 2),
        le(400, 2),
        le(dir.length, 4),
        le(one.central[0], 4),
        "\0\0",
      );
    };
    const start = performance.now();
    refused(directory(() => "x000.npy"), /entry x000\.npy: the name appears twice/);
    refused(
      directory((i) => `x${String(i).padStart(3, "0")}.npy`),
      /entry x001\.npy: the local header names another file/,
    );
    assert.ok(performance.now() - start < 200, "refused before inflating any");
  });

  await t.step("zip bomb: entries whose data overlap are refused", () => {
    // Entry "b" (local header and data) lies inside entry "a"'s stored data: each entry is valid
    // on its own, and every further such entry would reuse the same bytes once more.
    const data = new Uint8Array(1000).fill(1);
    const inner = buildZip([{ name: "b", data, method: 0 }]);
    const b = inner.bytes.subarray(0, inner.dirOffset); // b's local header and data
    const outer = buildZip([{ name: "a", data: b, method: 0 }]);
    const bAt = 30 + 1; // after a's local header and name
    const entryB = inner.bytes.slice(inner.central[0], inner.eocd);
    entryB.set(le(bAt, 4), 42);
    const dir = concat(outer.bytes.subarray(outer.dirOffset, outer.eocd), entryB);
    const bytes = concat(
      outer.bytes.subarray(0, outer.dirOffset),
      dir,
      "PK\x05\x06\0\0\0\0\x02\0\x02\0",
      le(dir.length, 4),
      le(outer.dirOffset, 4),
      "\0\0",
    );
    refused(bytes, /entry b: its data overlap those of entry "a"; .*zip bomb/);
  });

  await t.step("a name twice in the directory", () => {
    const zip = buildZip([{ name: "y.npy", data: y }, { name: "y.npy", data: y }]);
    refused(zip.bytes, /entry y\.npy: the name appears twice in the directory/);
  });

  await t.step("a directory that cannot hold its count of entries", () => {
    const zip = buildZip([{ name: "y.npy", data: y }]);
    refused(
      patched(zip.bytes, zip.eocd + 10, le(0xfffe, 2)),
      /65534 entries cannot fit a 51-byte directory/,
    );
    refused(
      patched(zip.bytes, zip.eocd + 16, le(0x7fffffff, 4)),
      /central directory past its end record/,
    );
  });

  await t.step("every platform failure is wrapped: inflate's error is the cause", () => {
    const zip = buildZip([{ name: "y.npy", data: y, packed: latin1("\xff\xff\xff") }]);
    assert.throws(() => unzip(zip.bytes, "h.npz"), (err) => {
      assert.ok(err instanceof DataFileError);
      assert.equal(err.entry, "y.npy");
      assert.match(err.problem, /^cannot inflate \(.*\); the file is corrupt$/);
      assert.ok(err.cause instanceof Error && "code" in err.cause, `cause: ${err.cause}`);
      return true;
    });
  });
});

Deno.test("loadImdb: a 3.75 GiB zip bomb is refused with a clear error, the process under 200 MB", async () => {
  // In a process of its own, so that its peak resident memory (Linux's VmHWM) is the bomb's.
  const files = new URL("./_files.ts", import.meta.url).href;
  const imdb = new URL("../../src/data/imdb.ts", import.meta.url).href;
  const code = `
    import { buildZip, imdbNpz, zerosBomb } from "${files}";
    import { loadImdb } from "${imdb}";
    const dir = await Deno.makeTempDir();
    const bomb = zerosBomb(3840);
    const messages = [];
    for (const size of [3840 * 2 ** 20, 2 ** 20]) {
      const path = dir + "/imdb.npz";
      await Deno.writeFile(path, buildZip([{ name: "x_train.npy", data: new Uint8Array(0), packed: bomb, size, crc: 0 }]).bytes);
      await loadImdb({ path, cache: false }).catch((err) => messages.push(err.name + ": " + err.problem));
    }
    await Deno.remove(dir, { recursive: true });
    const status = await Deno.readTextFile("/proc/self/status").catch(() => "");
    console.log(JSON.stringify({ messages, peakKiB: Number(/VmHWM:\\s*(\\d+)/.exec(status)?.[1] ?? -1) }));
  `;
  const out = await new Deno.Command(Deno.execPath(), { args: ["eval", code], stderr: "inherit" })
    .output();
  assert.ok(out.success, "the child process failed");
  const { messages, peakKiB } = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.deepEqual(messages, [
    "DataFileError: declares 4026531840 bytes uncompressed, over the limit of 1073741824 bytes (maxBytes)",
    "DataFileError: inflates to more than the 1048576 bytes it declares; corrupt file",
  ]);
  if (Deno.build.os === "linux") {
    assert.ok(peakKiB > 0 && peakKiB < 200 * 1024, `peak resident memory ${peakKiB} KiB`);
  }
  console.log(
    `peak resident memory of the process refusing the bomb: ${(peakKiB / 1024).toFixed(0)} MiB`,
  );
});
