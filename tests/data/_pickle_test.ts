import assert from "node:assert/strict";
import { DataFileError } from "../../src/data/data_file_error.ts";
import { type PickledNdarray, PyTuple, unpickle } from "../../src/data/_pickle.ts";
import { concat, intListOps, le } from "./_files.ts";

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
    assert.throws(() => unpickle(evil), /GLOBAL "posix\.system" at byte 2 is not allowed/);
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

/** `unpickle` of `ops` after a protocol-2 PROTO, as a file named "t.npy", entry "x.npy". */
const source = { file: "t.npz", entry: "x.npy" };
const run = (ops: string | Uint8Array) => unpickle(concat("\x80\x02", ops), source);

/** Asserts `ops` is refused with a DataFileError of `source` whose message matches `re`. */
function refused(ops: string | Uint8Array, re: RegExp, cause?: new (...a: never[]) => Error) {
  assert.throws(() => run(ops), (err) => {
    assert.ok(err instanceof DataFileError, `not a DataFileError: ${err}`);
    assert.equal(err.file, "t.npz");
    assert.equal(err.entry, "x.npy");
    assert.match(err.message, /^t\.npz, entry x\.npy: pickle: /);
    assert.match(err.message, re);
    if (cause) assert.ok(err.cause instanceof cause, `cause ${err.cause}`);
    return true;
  });
}

/** Runs `fn`, asserting it takes under `ms` milliseconds; returns its result. */
function within<T>(ms: number, what: string, fn: () => T): T {
  const start = performance.now();
  const result = fn();
  const took = performance.now() - start;
  assert.ok(took < ms, `${what} took ${took.toFixed(0)} ms (limit ${ms} ms)`);
  return result;
}

/** SHORT_BINUNICODE of an ASCII string. */
const str = (s: string) => "\x8c" + String.fromCharCode(s.length) + s;

Deno.test("unpickle: every way a pickle names or calls something is refused by name", async (t) => {
  // Globals outside the allow-list: near misses of the allowed ones, numpy's and builtins' own
  // callables (an allow-list widened to numpy.* or builtins.* would let these through).
  const globals = [
    "posix.system",
    "os.system",
    "subprocess.Popen",
    "builtins.eval",
    "builtins.exec",
    "builtins.getattr",
    "builtins.__import__",
    "__builtin__.eval",
    "builtins.list",
    "numpy.load",
    "numpy.frombuffer",
    "numpy.fromfile",
    "numpy.core.multiarray.scalar",
    "numpy.core.multiarray._reconstructx",
    "numpy.testing._private.utils.runstring",
    "numpy.ndarray.tofile",
    "numpy.dtype.newbyteorder",
    "numpy.core.multiarray._reconstruct ",
    "Numpy.ndarray",
    "_codecs.decode",
    "codecs.encode",
  ];
  for (const qualname of globals) {
    const cut = qualname.lastIndexOf(".");
    const [module, name] = [qualname.slice(0, cut), qualname.slice(cut + 1)];
    const shown = JSON.stringify(qualname).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    await t.step(`GLOBAL ${qualname}`, () => {
      // named, then called on (): refused at the name, before any call
      refused(`c${module}\n${name}\n)R.`, new RegExp(`GLOBAL ${shown} at byte 2 is not allowed`));
    });
    await t.step(`STACK_GLOBAL ${qualname}`, () => {
      refused(
        `${str(module)}${str(name)}\x93)R.`,
        new RegExp(`STACK_GLOBAL ${shown} at byte \\d+ is not allowed`),
      );
      // protocol 4's way: memoized strings fetched back
      refused(
        `${str(module)}\x94${str(name)}\x940h\x00h\x01\x93.`,
        new RegExp(`STACK_GLOBAL ${shown} at byte \\d+ is not allowed`),
      );
    });
  }
  await t.step("STACK_GLOBAL of things that are not two strings", () => {
    refused(
      `K\x01${str("ndarray")}\x93.`,
      /STACK_GLOBAL at byte 13 needs two strings, got 1 and the string "ndarray"/,
    );
  });
  await t.step("INST names its class and calls it", () => {
    refused("(X\x04\x00\x00\x00echoios\nsystem\n.", /opcode INST \(0x69\) .*calling "os\.system"/);
    refused("(inumpy\nndarray\n.", /opcode INST \(0x69\) at byte 3, calling "numpy\.ndarray"/);
  });
  await t.step("OBJ, NEWOBJ, NEWOBJ_EX call a class from the stack", () => {
    refused(
      "(cnumpy\nndarray\no.",
      /opcode OBJ \(0x6f\) at byte \d+, calling the global numpy\.ndarray,/,
    );
    refused(
      "cnumpy\nndarray\n)\x81.",
      /opcode NEWOBJ \(0x81\) .*calling the global numpy\.ndarray,/,
    );
    refused(
      "cnumpy\nndarray\n))\x92.",
      /opcode NEWOBJ_EX \(0x92\) .*calling the global numpy\.ndarray,/,
    );
  });
  await t.step("EXT1/2/4 (the copyreg registry) and persistent ids", () => {
    refused("\x82\x01.", /opcode EXT1 \(0x82\)/);
    refused("\x83\x01\x00.", /opcode EXT2 \(0x83\)/);
    refused("\x84\x01\x00\x00\x00.", /opcode EXT4 \(0x84\)/);
    refused("K\x01Q.", /opcode BINPERSID \(0x51\)/);
    refused("P1\n.", /opcode PERSID \(0x50\)/);
  });
  await t.step("REDUCE on something that is not an allowed global", () => {
    refused(
      `${str("os.system")})R.`,
      /REDUCE at byte \d+ calls the string "os\.system", not an allowed global/,
    );
    refused("]K\x01\x85R.", /REDUCE at byte \d+ calls a list of 0, not an allowed global/);
    refused(
      "cnumpy\ndtype\nX\x02\x00\x00\x00O8\x85R)R.",
      /REDUCE at byte \d+ calls a numpy dtype, not an allowed global/,
    );
    refused("cnumpy\ndtype\nK\x01R.", /REDUCE at byte \d+ calls numpy\.dtype with 1, not a tuple/);
  });
  await t.step("numpy.ndarray called directly, _reconstruct on another class", () => {
    refused("cnumpy\nndarray\nK\x01\x85R.", /REDUCE at byte \d+: calling numpy\.ndarray directly/);
    refused(
      "cnumpy.core.multiarray\n_reconstruct\ncnumpy\ndtype\nK\x00\x85C\x01b\x87R.",
      /_reconstruct may only be called on numpy\.ndarray, got the global numpy\.dtype/,
    );
  });
  await t.step('_codecs.encode other than (str, "latin1")', () => {
    for (
      const args of [
        `${str("x")}${str("rot13")}\x86`,
        `${str("x")}${str("utf-8")}\x86`,
        `C\x01x${str("latin1")}\x86`,
        `${str("x")}${str("latin1")}${str("strict")}\x87`,
        `${str("x")}\x85`,
      ]
    ) {
      refused(
        `c_codecs\nencode\n${args}R.`,
        /REDUCE at byte \d+: _codecs\.encode is only allowed as \(str, "latin1"\)/,
      );
    }
    refused(
      `c_codecs\nencode\nX\x02\x00\x00\x00\xc4\x80${str("latin1")}\x86R.`,
      /_codecs\.encode of a non-latin1 character/,
    );
  });
  await t.step("BUILD on anything but a numpy dtype or array", () => {
    refused(
      "cnumpy\nndarray\n)b.",
      /BUILD at byte \d+ on the global numpy\.ndarray with a tuple of 0/,
    );
    refused("](K\x01K\x02tb.", /BUILD at byte \d+ on a list of 0 with a tuple of 2/);
    refused(
      "cnumpy\ndtype\nX\x02\x00\x00\x00O8\x85R]b.",
      /BUILD at byte \d+ on a numpy dtype with a list of 0/,
    );
  });
  await t.step("opcodes of other protocols and types are refused by name", () => {
    refused("}.", /opcode EMPTY_DICT \(0x7d\)/);
    refused("I1\n.", /opcode INT \(0x49\)/);
    refused("S'x'\n.", /opcode STRING \(0x53\)/);
    refused("\xff.", /opcode unknown \(0xff\)/);
  });
});

Deno.test("unpickle: corrupt and hostile pickles are DataFileErrors in bounded time", async (t) => {
  await t.step("invalid UTF-8 in pickle strings (the decoder's TypeError is the cause)", () => {
    refused(
      "\x8c\x02\xff\xfe.",
      /invalid UTF-8 in the SHORT_BINUNICODE string at byte 2/,
      TypeError,
    );
    refused(
      "X\x01\x00\x00\x00\xc3.",
      /invalid UTF-8 in the BINUNICODE string at byte 2/,
      TypeError,
    );
    refused(
      "\x8d\x01\x00\x00\x00\x00\x00\x00\x00\x80.",
      /invalid UTF-8 in the BINUNICODE8 string at byte 2/,
      TypeError,
    );
    refused("cnum\xffpy\nndarray\n.", /invalid UTF-8 in the GLOBAL name at byte 2/, TypeError);
    refused("inum\xffpy\nndarray\n.", /invalid UTF-8 in the INST name at byte 2/, TypeError);
  });

  await t.step("lengths beyond the data: BINUNICODE, BINBYTES8, LONG4", () => {
    refused("X\xff\xff\xff\xff.", /truncated data \(need 4294967295 bytes at byte 7 of 8\)/);
    refused("\x8e" + "\xff".repeat(8) + ".", /truncated data \(need 18446744073709551615 bytes/);
    refused("\x96" + "\x00".repeat(7) + "\x80.", /truncated data \(need 9223372036854775808 bytes/);
    refused("\x8b\xff\xff\xff\x7f.", /truncated data \(need 2147483647 bytes/);
    refused("\x8b\xff\xff\xff\xff.", /negative LONG4 size at byte 2/);
  });

  await t.step("LONG_BINPUT with an index near 2^32, then MEMOIZE: one memo entry each", () => {
    // PUT at 2^32 - 2, then MEMOIZE (index: the entries so far; once an invalid array length)
    const memoized = within(
      500,
      "MEMOIZE after a PUT near 2^32",
      () => run("K\x07r\xfe\xff\xff\xff\x94j\xfe\xff\xff\xffh\x01\x87."),
    ) as PyTuple;
    assert.deepEqual(memoized.items, [7, 7, 7]);
    refused("K\x01r\xfe\xff\xff\xffj\xfd\xff\xff\xff.", /memo 4294967293 unset at byte 9/);
  });

  await t.step("LONG_BINPUT with an index near 2^32, then APPEND: no scan of the memo", () => {
    // a fast-path int list put at 2^32 - 3, then appended to (once a scan of 4e9 memo slots)
    const list = within(
      500,
      "APPEND to a list memoized near 2^32",
      () => run("]r\xfd\xff\xff\xffK\x01aNa0j\xfd\xff\xff\xff."),
    );
    assert.deepEqual(list, [1, null]);
  });

  await t.step("an int list appended to again and again is copied once (linear time)", () => {
    // one 100,000-int fast-path list, then 20,000 x (DUP, NONE, APPEND, POP): each APPEND to the
    // same list; copying it each time would be 2e9 element copies
    const ints = Array.from({ length: 100_000 }, (_, i) => i % 200);
    const ops = intListOps(ints) + "2Na0".repeat(20_000) + ".";
    const list = within(1000, "20,000 appends", () => run(ops)) as unknown[];
    assert.equal(list.length, 100_000 + 20_000);
    assert.equal(list[99_999], 99_999 % 200);
    assert.equal(list[100_000], null);
  });

  await t.step("LONG4 integers of megabytes are read in linear time", () => {
    // 256 kB first: read byte by byte into a growing BigInt (quadratic) it takes about 25 s
    for (const size of [1 << 18, 1 << 20, 8 << 20]) {
      const bytes = new Uint8Array(size);
      bytes[size - 1] = 0x01;
      const v = within(
        2000,
        `a ${size}-byte LONG4`,
        () => run(concat("\x8b", le(size, 4), bytes, ".")),
      ) as bigint;
      assert.equal(v, 1n << BigInt(8 * (size - 1)));
    }
    assert.equal(run("\x8b\x02\x00\x00\x00\x00\x80."), -32768);
    assert.equal(run("\x8a\x09" + "\xff".repeat(8) + "\x7f."), 2n ** 71n - 1n);
    assert.equal(run("\x8a\x08" + "\x00".repeat(7) + "\x80."), -(2n ** 63n));
  });

  await t.step("100,000-deep nesting: parsed, described and refused without recursion", () => {
    const depth = 100_000;
    const deepList = "]".repeat(depth) + "a".repeat(depth - 1);
    // as a dtype's byte order: once formatted into the message by String(), overflowing the stack
    refused(
      `cnumpy\ndtype\n${str("O8")}\x85R(K\x03${deepList}NNNK\x00K\x00K\x00tb.`,
      /BUILD at byte \d+: dtype byte order is a list of 1/,
    );
    // called, built, appended to, and as the whole result
    refused(`${deepList})R.`, /REDUCE at byte \d+ calls a list of 1, not an allowed global/);
    refused(`${deepList}K\x01\x85b.`, /BUILD at byte \d+ on a list of 1 with a tuple of 1/);
    const deepTuple = "(".repeat(depth) + "t".repeat(depth);
    refused(`${deepTuple}K\x01a.`, /APPEND\(S\) at byte \d+ on a tuple of 1, not a list/);
    let v = run(deepList + ".") as unknown[];
    let levels = 1;
    while (v.length === 1) (v = v[0] as unknown[], levels++);
    assert.equal(levels, depth);
  });

  await t.step("a truncated pickle, cut anywhere, is a DataFileError", async () => {
    const bytes = await read("object_p4.pkl");
    for (let keep = 0; keep < bytes.length; keep += 7) {
      assert.throws(() => unpickle(bytes.subarray(0, keep), source), DataFileError);
    }
  });
});
