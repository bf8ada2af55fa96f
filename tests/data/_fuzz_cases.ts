/**
 * The cases of the seeded fuzz test (`fuzz_test.ts` runs this file in a process of its own and
 * watches it): mutations of small valid files, each loaded by `loadImdb` or `getWordIndex` as a
 * user's file would be, each outcome checked to be the data or a clean `DataFileError`.
 *
 *   deno run -A tests/data/_fuzz_cases.ts [--seed 13] [--cases 3000] [--from 0]
 *
 * Prints one JSON line as each case starts (`{"start": i, "kind", "detail"}`) and one when it
 * ends (`{"case": i, "kind", "outcome": "data" | "error", "ms", "bad"?: why it is not clean}`),
 * then `{"done": n, "peakKiB"}`. The mutations come from numpy's RandomState(seed), so a case is
 * reproduced by its seed and index.
 *
 * The bases (tests/fixtures/): the tiny imdb.npz (Keras's layout, protocol-2 pickles), its word
 * index, and numpy's pickles of protocols 2 to 5 put in an imdb.npz as x_train. The kinds:
 * byte flips and truncations of the zip, of one entry (re-zipped, so that the zip is valid and
 * the `.npy` and pickle readers see the damage), size, length, count, offset and index fields set
 * to edge values, deep nesting, hostile opcodes and globals, splices, and bombs (lying sizes,
 * shared lists, repeated directory entries, memo indices near 2^32, megabyte integers, long
 * headers).
 * @module
 */
import { DataFileError } from "../../src/data/data_file_error.ts";
import { getWordIndex, loadImdb } from "../../src/data/imdb.ts";
import { unzip } from "../../src/data/_npz.ts";
import { RandomState } from "../../src/data/random_state.ts";
import { buildZip, concat, header1d, latin1, le, npyFile, zerosBomb } from "./_files.ts";

/** The limit every case loads under: 64 MiB (the tiny files need 25 kB). */
export const FUZZ_MAX_BYTES = 64 * 2 ** 20;

const fixtures = new URL("../fixtures/", import.meta.url);
const read = (path: string) => Deno.readFile(new URL(path, fixtures));

/** One mutated file to load. */
interface Case {
  kind: string;
  detail: string;
  /** "npz": loadImdb; "json": getWordIndex. */
  as: "npz" | "json";
  bytes: Uint8Array;
  /** The entry the damage is in, when only one is damaged: errors must name it. */
  entry?: string;
}

/** Pickle opcodes followed by fixed-size arguments, and those followed by a length. */
const FIXED: Record<number, number> = {
  0x4b: 1, // BININT1
  0x4d: 2, // BININT2
  0x4a: 4, // BININT
  0x47: 8, // BINFLOAT
  0x71: 1, // BINPUT
  0x72: 4, // LONG_BINPUT
  0x68: 1, // BINGET
  0x6a: 4, // LONG_BINGET
  0x80: 1, // PROTO
  0x95: 8, // FRAME
};
const SIZED: Record<number, number> = {
  0x8a: 1, // LONG1
  0x8b: 4, // LONG4
  0x58: 4, // BINUNICODE
  0x8c: 1, // SHORT_BINUNICODE
  0x8d: 8, // BINUNICODE8
  0x42: 4, // BINBYTES
  0x43: 1, // SHORT_BINBYTES
  0x8e: 8, // BINBYTES8
  0x96: 8, // BYTEARRAY8
};

/** Where each opcode of a (valid) pickle starts, and where its size or index field is. */
function pickleOps(p: Uint8Array): { starts: number[]; fields: [number, number][] } {
  const starts: number[] = [];
  const fields: [number, number][] = []; // [offset, width]
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  let q = 0;
  while (q < p.length) {
    starts.push(q);
    const op = p[q++];
    if (op === 0x2e) break; // STOP
    if (op in FIXED) {
      if (op !== 0x4b && op !== 0x4d && op !== 0x4a && op !== 0x47) fields.push([q, FIXED[op]]);
      q += FIXED[op];
    } else if (op in SIZED) {
      const w = SIZED[op];
      fields.push([q, w]);
      const n = w === 1
        ? p[q]
        : w === 4
        ? view.getUint32(q, true)
        : Number(view.getBigUint64(q, true));
      q += w + n;
    } else if (op === 0x63) {
      q = p.indexOf(0x0a, p.indexOf(0x0a, q) + 1) + 1; // GLOBAL: two lines
      if (q === 0) break;
    }
  }
  return { starts, fields };
}

/** Offsets and widths of a zip's size, count and offset fields (as buildZip and zipfile write). */
function zipFields(zip: Uint8Array): [number, number, string][] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = zip.length - 22;
  const out: [number, number, string][] = [
    [eocd + 8, 2, "EOCD entries on disk"],
    [eocd + 10, 2, "EOCD entries"],
    [eocd + 12, 4, "EOCD directory size"],
    [eocd + 16, 4, "EOCD directory offset"],
    [eocd + 20, 2, "EOCD comment length"],
  ];
  let p = view.getUint32(eocd + 16, true);
  for (let k = 0; k < view.getUint16(eocd + 10, true); k++) {
    const lh = view.getUint32(p + 42, true);
    out.push(
      [p + 8, 2, `entry ${k} flags`],
      [p + 10, 2, `entry ${k} method`],
      [p + 16, 4, `entry ${k} CRC`],
      [p + 20, 4, `entry ${k} compressed size`],
      [p + 24, 4, `entry ${k} size`],
      [p + 28, 2, `entry ${k} name length`],
      [p + 30, 2, `entry ${k} extra length`],
      [p + 32, 2, `entry ${k} comment length`],
      [p + 42, 4, `entry ${k} local header offset`],
      [lh + 18, 4, `entry ${k} local compressed size`],
      [lh + 26, 2, `entry ${k} local name length`],
      [lh + 28, 2, `entry ${k} local extra length`],
    );
    p += 46 + view.getUint16(p + 28, true) + view.getUint16(p + 30, true) +
      view.getUint16(p + 32, true);
  }
  return out;
}

/** The tiny imdb.npz written as zip64, and its 64-bit fields: [offset, width, what]. */
function zip64Base(
  entries: Map<string, Uint8Array>,
): { bytes: Uint8Array; fields: [number, number, string][] } {
  const zip = buildZip([...entries].map(([name, data]) => ({ name, data })), { zip64: true });
  const fields: [number, number, string][] = [];
  [...entries.keys()].forEach((name, k) => {
    const extra = zip.central[k] + 46 + name.length;
    fields.push(
      [extra + 2, 2, `entry ${k} zip64 field length`],
      [extra + 4, 8, `entry ${k} zip64 size`],
      [extra + 12, 8, `entry ${k} zip64 compressed size`],
      [extra + 20, 8, `entry ${k} zip64 local header offset`],
    );
  });
  const record = zip.eocd - 20 - 56;
  fields.push(
    [record + 32, 8, "zip64 record entries"],
    [record + 40, 8, "zip64 record directory size"],
    [record + 48, 8, "zip64 record directory offset"],
    [zip.eocd - 20 + 8, 8, "zip64 locator record offset"],
  );
  return { bytes: zip.bytes, fields };
}

/** Hostile pickle fragments: each names or calls something, or is out of place. */
const HOSTILE = [
  "cposix\nsystem\n",
  "cbuiltins\neval\n",
  "cnumpy\nload\n",
  "\x8c\x08builtins\x8c\x04exec\x93",
  "\x8c\x05numpy\x8c\x09frombuffer\x93",
  "(ios\nsystem\n",
  "(cnumpy\nndarray\no",
  "cnumpy\nndarray\n)\x81",
  "cnumpy\nndarray\n))\x92",
  "cnumpy\nndarray\nK\x01\x85R",
  "c_codecs\nencode\n\x8c\x01x\x8c\x05rot13\x86R",
  "N)R",
  "N)b",
  "}",
  "\x82\x01",
  "K\x01Q",
  "r\xff\xff\xff\xff",
  "j\xfe\xff\xff\xff",
  "\x94".repeat(1000),
];

/** Interesting values for a field of `width` bytes. */
function edgeValues(width: number, near: number): bigint[] {
  const max = (1n << BigInt(8 * width)) - 1n;
  return [
    0n,
    1n,
    2n,
    max,
    max - 1n,
    max >> 1n,
    (max >> 1n) + 1n,
    BigInt(near),
    BigInt(near) + 1n,
    BigInt(Math.max(near - 1, 0)),
    0xffn,
    0x100n,
    0xffffn,
    0x10000n,
  ]
    .map((v) => v & max);
}

/** The cases' generator over the base files. */
class Mutator {
  readonly zip64: { bytes: Uint8Array; fields: [number, number, string][] };

  constructor(
    readonly rng: RandomState,
    readonly npz: Uint8Array,
    readonly entries: Map<string, Uint8Array>,
    readonly pickles: Uint8Array[],
    readonly wordIndex: Uint8Array,
  ) {
    this.zip64 = zip64Base(entries);
  }

  int(n: number): number {
    return this.rng.randint(0, n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  /** A zip of `entries`, all stored or all deflated, with their true sizes and CRCs. */
  zipOf(entries: Map<string, Uint8Array>): Uint8Array {
    const method = this.int(2) === 0 ? 0 : 8;
    return buildZip([...entries].map(([name, data]) => ({ name, data, method }))).bytes;
  }

  /** `entries` (default: the tiny imdb.npz's) with `name` replaced by `bytes`, zipped. */
  rezip(name: string, bytes: Uint8Array, entries = this.entries): Uint8Array {
    return this.zipOf(new Map([...entries].map(([n, data]) => [n, n === name ? bytes : data])));
  }

  flip(bytes: Uint8Array, from = 0): [Uint8Array, string] {
    const out = bytes.slice();
    const k = 1 + this.int(8);
    const at: number[] = [];
    for (let i = 0; i < k; i++) {
      const p = from + this.int(out.length - from);
      out[p] ^= 1 + this.int(255);
      at.push(p);
    }
    return [out, `bytes ${at.join(",")}`];
  }

  /** An entry of the tiny file (or a numpy pickle of another protocol as x_train). */
  entryBase(): { name: string; bytes: Uint8Array; entries: Map<string, Uint8Array> } {
    if (this.int(4) === 0) {
      // a pickle of protocol 2-5 of 5 ragged lists as x_train, y_train of 5 labels
      const pickle = this.pick(this.pickles);
      const entries = new Map(this.entries);
      const x = npyFile(header1d("|O", 5), pickle);
      entries.set("x_train.npy", x);
      const labels = new Uint8Array(new BigInt64Array([1n, 0n, 1n, 1n, 0n]).buffer);
      entries.set("y_train.npy", npyFile(header1d("<i8", 5), labels));
      return { name: "x_train.npy", bytes: x, entries };
    }
    const name = this.pick([...this.entries.keys()]);
    return { name, bytes: this.entries.get(name)!, entries: this.entries };
  }

  next(): Case {
    const kind = this.pick([
      "zip-flip",
      "zip-truncate",
      "zip-field",
      "zip64-field",
      "entry-flip",
      "entry-truncate",
      "entry-field",
      "entry-splice",
      "pickle-field",
      "pickle-nesting",
      "pickle-hostile",
      "pickle-long",
      "npy-header",
      "bomb",
      "json",
      "json",
    ]);
    return this.make(kind);
  }

  make(kind: string): Case {
    switch (kind) {
      case "zip-flip": {
        const [bytes, where] = this.flip(this.npz);
        return { kind, detail: `flip ${where}`, as: "npz", bytes };
      }
      case "zip-truncate": {
        const keep = this.int(this.npz.length);
        return { kind, detail: `keep ${keep}`, as: "npz", bytes: this.npz.subarray(0, keep) };
      }
      case "zip-field": {
        const [at, width, what] = this.pick(zipFields(this.npz));
        const v = this.pick(edgeValues(width, this.npz.length));
        const bytes = this.npz.slice();
        bytes.set(le(v, width), at);
        return { kind, detail: `${what} = ${v}`, as: "npz", bytes };
      }
      case "zip64-field": {
        const { bytes: base, fields } = this.zip64;
        const [at, width, what] = this.pick(fields);
        const v = this.pick(edgeValues(width, base.length));
        const bytes = base.slice();
        bytes.set(le(v, width), at);
        return { kind, detail: `${what} = ${v}`, as: "npz", bytes };
      }
      case "entry-flip": {
        const { name, bytes, entries } = this.entryBase();
        const [flipped, where] = this.flip(bytes);
        return {
          kind,
          detail: `${name} flip ${where}`,
          as: "npz",
          bytes: this.rezip(name, flipped, entries),
          entry: name,
        };
      }
      case "entry-truncate": {
        const { name, bytes, entries } = this.entryBase();
        const keep = this.int(bytes.length);
        return {
          kind,
          detail: `${name} keep ${keep}`,
          as: "npz",
          bytes: this.rezip(name, bytes.subarray(0, keep), entries),
          entry: name,
        };
      }
      case "entry-field": {
        // the .npy's header length, or a dimension of its shape
        const { name, bytes, entries } = this.entryBase();
        const out = bytes.slice();
        let detail: string;
        if (this.int(2) === 0) {
          const v = this.pick(edgeValues(2, out.length));
          out.set(le(v, 2), 8);
          detail = `header length ${v}`;
        } else {
          const text = new TextDecoder("latin1").decode(out.subarray(10, 128));
          const dim = this.pick([
            "0",
            "1",
            "2",
            "65535",
            "2147483647",
            "4294967296",
            "99999999999999999999",
            "1, 1",
            "-1",
            "",
          ]);
          const shaped = text.replace(/'shape': \([^)]*\)/, `'shape': (${dim},)`);
          detail = `shape (${dim},)`;
          return {
            kind,
            detail: `${name} ${detail}`,
            as: "npz",
            bytes: this.rezip(name, npyFile(shaped.trim(), out.subarray(128)), entries),
            entry: name,
          };
        }
        return {
          kind,
          detail: `${name} ${detail}`,
          as: "npz",
          bytes: this.rezip(name, out, entries),
          entry: name,
        };
      }
      case "entry-splice": {
        // a chunk of the entry copied over, inserted into, or cut out of another place
        const { name, bytes, entries } = this.entryBase();
        const a = this.int(bytes.length), len = this.int(Math.min(200, bytes.length - a) + 1);
        const b = this.int(bytes.length);
        const chunk = bytes.subarray(a, a + len);
        const how = this.pick(["insert", "overwrite", "cut"]);
        const out = how === "insert"
          ? concat(bytes.subarray(0, b), chunk, bytes.subarray(b))
          : how === "cut"
          ? concat(bytes.subarray(0, a), bytes.subarray(a + len))
          : (() => {
            const o = bytes.slice();
            o.set(chunk.subarray(0, o.length - b), b);
            return o;
          })();
        return {
          kind,
          detail: `${name} ${how} ${a}+${len} at ${b}`,
          as: "npz",
          bytes: this.rezip(name, out, entries),
          entry: name,
        };
      }
      case "pickle-field":
      case "pickle-nesting":
      case "pickle-hostile":
      case "pickle-long": {
        const { name, bytes, entries } = this.entryBase();
        if (!name.startsWith("x_")) return this.make(kind); // the labels hold no pickle
        const header = bytes.subarray(0, 128);
        const pickle = bytes.subarray(128);
        const { starts, fields } = pickleOps(pickle);
        let out: Uint8Array;
        let detail: string;
        if (kind === "pickle-field") {
          const [at, width] = this.pick(fields);
          const v = this.pick(edgeValues(width, pickle.length));
          out = pickle.slice();
          out.set(le(v, width), at);
          detail = `field at ${at} (${width} bytes) = ${v}`;
        } else {
          const at = this.pick(starts);
          let insert: Uint8Array;
          if (kind === "pickle-nesting") {
            const depth = this.pick([100, 1000, 10_000, 100_000]);
            const shape = this.pick(["lists", "tuples", "marks", "appended"]);
            insert = latin1(
              shape === "lists"
                ? "]".repeat(depth)
                : shape === "tuples"
                ? "(".repeat(depth) + "t".repeat(depth)
                : shape === "marks"
                ? "(".repeat(depth)
                : "]".repeat(depth) + "a".repeat(depth - 1),
            );
            detail = `${depth} deep ${shape} at ${at}`;
          } else if (kind === "pickle-hostile") {
            const h = this.pick(HOSTILE);
            insert = latin1(h);
            detail = `${JSON.stringify(h.slice(0, 30))} at ${at}`;
          } else {
            // a megabyte integer, a long string or bytes, a memo index near 2^32
            const size = this.pick([256, 65536, 1 << 20]);
            const which = this.pick(["LONG4", "BINUNICODE", "BINBYTES", "LONG_BINPUT"]);
            const index = which === "LONG_BINPUT" ? 2 ** 32 - 1 - this.int(3) : 0;
            insert = which === "LONG4"
              ? concat("\x8b", le(size, 4), new Uint8Array(size).fill(0x8f))
              : which === "BINUNICODE"
              ? concat("X", le(size, 4), new Uint8Array(size).fill(0x61))
              : which === "BINBYTES"
              ? concat("B", le(size, 4), new Uint8Array(size))
              : concat("r", le(index, 4));
            detail = `${which} ${
              which === "LONG_BINPUT" ? `index ${index}` : `of ${size}`
            } at ${at}`;
          }
          out = concat(pickle.subarray(0, at), insert, pickle.subarray(at));
        }
        return {
          kind,
          detail: `${name} ${detail}`,
          as: "npz",
          bytes: this.rezip(name, concat(header, out), entries),
          entry: name,
        };
      }
      case "npy-header": {
        // version-2 headers: long, nested, repeated keys
        const { name, bytes, entries } = this.entryBase();
        const body = bytes.subarray(128);
        const text = this.pick([
          "{'descr': '<i8', " + "'shape': (".repeat(1 + this.int(2000)),
          "{'descr': '|O', 'fortran_order': False, 'shape': " + "(".repeat(1 + this.int(3000)),
          "{" + "'descr': '<i8', ".repeat(1 + this.int(600)),
          "{'descr':" + " ".repeat(this.int(12_000)) +
          "'|O', 'fortran_order': False, 'shape': (300,)}",
          new TextDecoder("latin1").decode(bytes.subarray(10, 128)).trim() + "\xff",
        ]);
        const npy = concat(
          this.int(2) === 0 ? "\x93NUMPY\x02\x00" : "\x93NUMPY\x03\x00",
          le(text.length, 4),
          text,
          body,
        );
        return {
          kind,
          detail: `${name} header of ${text.length}`,
          as: "npz",
          bytes: this.rezip(name, npy, entries),
          entry: name,
        };
      }
      case "bomb":
        return this.bomb();
      case "json":
        return this.json();
    }
    throw new Error(`no kind ${kind}`);
  }

  bomb(): Case {
    const how = this.pick([
      "lying-size",
      "honest-size",
      "shared-list",
      "repeated-entries",
      "ratio",
    ]);
    const kind = "bomb";
    if (how === "lying-size" || how === "honest-size") {
      const mib = this.pick([2, 64, 256, 3840]);
      const name = this.pick([...this.entries.keys()]);
      const size = how === "honest-size"
        ? mib * 2 ** 20
        : this.pick([0, 1000, 2 ** 20, 8 * 2 ** 20]);
      const parts = [...this.entries].map(([n, data]) =>
        n === name ? { name: n, data, packed: zerosBomb(mib), size, crc: 0 } : { name: n, data }
      );
      return {
        kind,
        detail: `${how}: ${name} ${mib} MiB declared ${size}`,
        as: "npz",
        bytes: buildZip(parts).bytes,
        entry: name,
      };
    }
    if (how === "shared-list") {
      // one list of n ids fetched back for every review
      const n = this.pick([1000, 100_000]), reviews = this.pick([300, 25_000]);
      const ids = "(" + "K\x05".repeat(Math.min(n, 1000)) + "e";
      const items = "](]q\x01" + ids.repeat(Math.ceil(n / 1000)) + "h\x01".repeat(reviews - 1) +
        "e";
      const pickle =
        "\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87R" +
        `(K\x01${
          "M" + String.fromCharCode(reviews & 255, reviews >> 8)
        }\x85cnumpy\ndtype\nX\x02\x00\x00\x00O8\x89\x88\x87R` +
        "(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tb" + `\x89${items}tb.`;
      const entries = new Map(this.entries);
      entries.set("x_train.npy", npyFile(header1d("|O", reviews), pickle));
      const labels = new Uint8Array(new BigInt64Array(reviews).buffer);
      entries.set("y_train.npy", npyFile(header1d("<i8", reviews), labels));
      return {
        kind,
        detail: `${how}: ${n} ids x ${reviews}`,
        as: "npz",
        bytes: this.zipOf(entries),
      };
    }
    if (how === "repeated-entries") {
      // the directory's first entry repeated k times (same name, or renamed, same offset)
      const zip = this.npz;
      const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
      const eocd = zip.length - 22;
      const dir = view.getUint32(eocd + 16, true);
      const len = 46 + view.getUint16(dir + 28, true);
      const k = this.pick([2, 400, 4000]);
      const rename = this.int(2) === 1;
      const entries = Array.from({ length: k }, (_, i) => {
        const e = zip.slice(dir, dir + len);
        if (rename) e[46] = 0x41 + (i % 26);
        return e;
      });
      const central = concat(...entries);
      const bytes = concat(
        zip.subarray(0, dir),
        central,
        "PK\x05\x06\0\0\0\0",
        le(k, 2),
        le(k, 2),
        le(central.length, 4),
        le(dir, 4),
        "\0\0",
      );
      return {
        kind,
        detail: `${how}: ${k} x entry 0${rename ? " renamed" : ""}`,
        as: "npz",
        bytes,
      };
    }
    // sizes a deflate stream cannot reach
    const name = this.pick([...this.entries.keys()]);
    const parts = [...this.entries].map(([n, data]) =>
      n === name ? { name: n, data, size: 2 ** 31 + this.int(2 ** 20) } : { name: n, data }
    );
    return {
      kind,
      detail: `${how}: ${name}`,
      as: "npz",
      bytes: buildZip(parts).bytes,
      entry: name,
    };
  }

  json(): Case {
    const kind = "json";
    const base = this.wordIndex;
    const how = this.pick(["flip", "truncate", "nesting", "utf8", "values", "long-key"]);
    if (how === "flip") {
      const [bytes, where] = this.flip(base);
      return { kind, detail: `flip ${where}`, as: "json", bytes };
    }
    if (how === "truncate") {
      const keep = this.int(base.length);
      return { kind, detail: `keep ${keep}`, as: "json", bytes: base.subarray(0, keep) };
    }
    if (how === "nesting") {
      const depth = this.pick([1000, 100_000]);
      const open = this.pick(["[", '{"a":']);
      const close = open === "[" ? "]" : "}";
      const deep = open.repeat(depth) + "1" + close.repeat(depth);
      const text = this.int(2) === 0 ? `{"the": ${deep}}` : deep;
      return {
        kind,
        detail: `${depth} deep ${open}`,
        as: "json",
        bytes: new TextEncoder().encode(text),
      };
    }
    if (how === "utf8") {
      const bytes = base.slice();
      bytes[this.int(bytes.length)] = this.pick([0x80, 0xc3, 0xff, 0xed]);
      return { kind, detail: "invalid UTF-8", as: "json", bytes };
    }
    if (how === "values") {
      const v = this.pick([
        "1.5",
        "-1",
        "1e400",
        '"17"',
        "null",
        "true",
        "[]",
        "{}",
        "9007199254740993",
      ]);
      const text = new TextDecoder().decode(base).replace('"movie": 17', `"movie": ${v}`);
      return { kind, detail: `movie = ${v}`, as: "json", bytes: new TextEncoder().encode(text) };
    }
    const key = "\u00e9".repeat(this.pick([1000, 1_000_000]));
    return {
      kind,
      detail: `a key of ${key.length}`,
      as: "json",
      bytes: new TextEncoder().encode(`{"${key}": "x"}`),
    };
  }
}

/** Why an outcome is not clean, or null when it is the data or a clean DataFileError. */
function verdict(c: Case, path: string, result: unknown, err: unknown): string | null {
  if (err === undefined) {
    if (c.as === "json") {
      return typeof result === "object" && result !== null && Object.isFrozen(result)
        ? null
        : "getWordIndex returned no word index";
    }
    const d = result as {
      xTrain: Int32Array[];
      yTrain: Int32Array;
      xTest: Int32Array[];
      yTest: Int32Array;
    };
    const ok = d.xTrain.length === d.yTrain.length && d.xTest.length === d.yTest.length &&
      [...d.xTrain, ...d.xTest].every((x) => x instanceof Int32Array);
    return ok ? null : "loadImdb returned malformed data";
  }
  if (!(err instanceof DataFileError)) {
    return `not a DataFileError: ${String(err).slice(0, 300)}`;
  }
  if (err.file !== path) return `names file ${err.file}, not ${path}`;
  if (/^unexpected/.test(err.problem)) return `an unexpected error: ${err.message.slice(0, 300)}`;
  if (!err.message.startsWith(path)) return `message does not start with the file: ${err.message}`;
  if (err.message.length > 2000) return `a message of ${err.message.length} characters`;
  if (c.entry !== undefined && err.entry !== c.entry && !err.problem.includes(c.entry)) {
    // damage in one entry: the error names it (as its entry, or in its problem)
    if (!(err.entry === null && /not a valid zip|past its end record/.test(err.problem))) {
      return `damage in ${c.entry}, error names ${err.entry}: ${err.message.slice(0, 300)}`;
    }
  }
  return null;
}

/** Runs cases `from` to `from + count - 1` of `seed`, printing a line as each starts and ends. */
export async function runCases(seed: number, count: number, from = 0): Promise<void> {
  const npz = await read("imdb_tiny/imdb.npz");
  const pickles = await Promise.all([2, 3, 4, 5].map((p) => read(`npz/object_p${p}.pkl`)));
  const mutator = new Mutator(
    new RandomState(seed),
    npz,
    unzip(npz, "imdb.npz"),
    pickles,
    await read("imdb_tiny/imdb_word_index.json"),
  );
  const dir = await Deno.makeTempDir({ prefix: "ch9-fuzz-" });
  const out = (line: unknown) => console.log(JSON.stringify(line));
  try {
    for (let i = 0; i < from + count; i++) {
      const c = mutator.next(); // every case is generated, so case i is the same however run
      if (i < from) continue;
      out({ start: i, kind: c.kind, detail: c.detail });
      const path = `${dir}/${i}.${c.as === "npz" ? "npz" : "json"}`;
      await Deno.writeFile(path, c.bytes);
      const t0 = performance.now();
      let result: unknown, err: unknown;
      try {
        result = c.as === "npz"
          ? await loadImdb({ path, cache: false, maxBytes: FUZZ_MAX_BYTES })
          : await getWordIndex({ path, cache: false });
      } catch (e) {
        err = e;
      }
      const ms = performance.now() - t0;
      await Deno.remove(path);
      const bad = verdict(c, path, result, err);
      out({
        case: i,
        kind: c.kind,
        outcome: err === undefined ? "data" : "error",
        ms: Math.round(ms),
        ...(bad ? { bad, detail: c.detail } : {}),
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const status = await Deno.readTextFile("/proc/self/status").catch(() => "");
  out({ done: count, peakKiB: Number(/VmHWM:\s*(\d+)/.exec(status)?.[1] ?? -1) });
}

if (import.meta.main) {
  const arg = (name: string, fallback: number) => {
    const i = Deno.args.indexOf(`--${name}`);
    return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
  };
  await runCases(arg("seed", 13), arg("cases", 3000), arg("from", 0));
}
