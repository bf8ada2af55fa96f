/**
 * Builders of the files the data readers take, byte by byte, for the tests of corrupt and hostile
 * files: a zip writer that says where each header is (so a test can break one field), `.npy`
 * files, numpy's object-array pickles of int lists (as Keras's imdb.npz holds them), and a
 * deflate stream that expands to gigabytes from a few megabytes.
 * @module
 */
import { constants, crc32, deflateRawSync } from "node:zlib";

/** Bytes of a string whose characters are bytes (`"\x80\x02"`), as Python's `b"..."`. */
export function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => {
    const code = c.charCodeAt(0);
    if (code > 255) throw new Error(`latin1: character ${code} is not a byte`);
    return code;
  });
}

/** The bytes of the parts, one after another. */
export function concat(...parts: (Uint8Array | string)[]): Uint8Array {
  const arrays = parts.map((p) => typeof p === "string" ? latin1(p) : p);
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) (out.set(a, at), at += a.length);
  return out;
}

/** Little-endian bytes of an unsigned integer of `width` bytes (up to 8). */
export function le(value: number | bigint, width: number): Uint8Array {
  const out = new Uint8Array(width);
  let v = BigInt(value);
  for (let i = 0; i < width; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** One file to put in a zip. */
export interface ZipPart {
  name: string;
  data: Uint8Array;
  /** 0 stored, 8 deflated (default). */
  method?: 0 | 8;
  /** The deflated bytes to store instead of deflating `data` (with `size`, `crc`). */
  packed?: Uint8Array;
  /** The uncompressed size the headers declare (default: `data.length`). */
  size?: number;
  /** The CRC-32 the headers declare (default: `data`'s). */
  crc?: number;
}

/** A zip and where its records are. */
export interface BuiltZip {
  bytes: Uint8Array;
  /** Offset of each part's local header. */
  local: number[];
  /** Offset of each part's central-directory entry. */
  central: number[];
  /** Offset of the central directory and of the end-of-central-directory record. */
  dirOffset: number;
  eocd: number;
}

/**
 * A zip of `parts` as zipfile or numpy's savez writes one (no data descriptors); with `zip64`,
 * as zipfile writes a large one: each directory entry's sizes and offset in a zip64 extra field
 * (the 32-bit fields 0xffffffff), and the directory's count, size and offset in a zip64 end
 * record found through its locator.
 */
export function buildZip(parts: ZipPart[], options: { zip64?: boolean } = {}): BuiltZip {
  const zip64 = options.zip64 ?? false;
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  const local: number[] = [];
  let offset = 0;
  for (const part of parts) {
    const method = part.method ?? 8;
    const packed = part.packed ?? (method === 8 ? deflateRawSync(part.data) : part.data);
    const size = part.size ?? part.data.length;
    const crc = part.crc ?? crc32(part.data);
    const name = new TextEncoder().encode(part.name);
    const common = (sizes: number, extra: number) =>
      concat(
        le(zip64 ? 45 : 20, 2), // version needed
        le(0, 2), // flags
        le(method, 2),
        le(0, 2), // time
        le(0x21, 2), // date
        le(crc, 4),
        le(sizes === 0 ? packed.length : sizes, 4),
        le(sizes === 0 ? size : sizes, 4),
        le(name.length, 2),
        le(extra, 2), // extra length
      );
    const header = concat(le(0x04034b50, 4), common(0, 0), name);
    local.push(offset);
    locals.push(header, packed);
    const extra = zip64
      ? concat(le(1, 2), le(24, 2), le(size, 8), le(packed.length, 8), le(offset, 8))
      : new Uint8Array(0);
    centrals.push(
      concat(
        le(0x02014b50, 4),
        le(zip64 ? 45 : 20, 2), // version made by
        common(zip64 ? 0xffffffff : 0, extra.length),
        le(0, 2), // comment length
        le(0, 2), // disk
        le(0, 2), // internal attributes
        le(0, 4), // external attributes
        le(zip64 ? 0xffffffff : offset, 4),
        name,
        extra,
      ),
    );
    offset += header.length + packed.length;
  }
  const dirOffset = offset;
  const central: number[] = [];
  for (const c of centrals) (central.push(offset), offset += c.length);
  const dirSize = offset - dirOffset;
  const n = parts.length;
  const records = zip64
    ? concat(
      le(0x06064b50, 4),
      le(44, 8), // the record's size after this field
      le(45, 2),
      le(45, 2),
      le(0, 4),
      le(0, 4),
      le(n, 8),
      le(n, 8),
      le(dirSize, 8),
      le(dirOffset, 8),
      le(0x07064b50, 4), // the locator: where the record above is
      le(0, 4),
      le(offset, 8),
      le(1, 4),
    )
    : new Uint8Array(0);
  const eocd = offset + records.length;
  const end = concat(
    le(0x06054b50, 4),
    le(0, 2),
    le(0, 2),
    le(zip64 ? 0xffff : n, 2),
    le(zip64 ? 0xffff : n, 2),
    le(zip64 ? 0xffffffff : dirSize, 4),
    le(zip64 ? 0xffffffff : dirOffset, 4),
    le(0, 2),
  );
  return { bytes: concat(...locals, ...centrals, records, end), local, central, dirOffset, eocd };
}

/** A `.npy` file, version 1.0: the magic, `header` padded as numpy pads it, then `body`. */
export function npyFile(header: string, body: Uint8Array | string = ""): Uint8Array {
  let h = header;
  while ((10 + h.length + 1) % 64 !== 0) h += " ";
  h += "\n";
  return concat("\x93NUMPY\x01\x00", le(h.length, 2), h, body);
}

/** The header numpy writes for a 1-d array of `n` items of `descr`. */
export function header1d(descr: string, n: number): string {
  return `{'descr': '${descr}', 'fortran_order': False, 'shape': (${n},), }`;
}

/** A BININT1/BININT2/BININT op pushing `v`. */
export function intOp(v: number): string {
  if (v >= 0 && v < 256) return "K" + String.fromCharCode(v);
  if (v >= 0 && v < 65536) return "M" + String.fromCharCode(v & 255, v >> 8);
  return "J" + String.fromCharCode(...le(v >>> 0, 4));
}

/** A list of ints as numpy's protocol-2 pickles write it: `]`, then `(ints e`, 1000 at a time. */
export function intListOps(list: readonly number[]): string {
  let ops = "]";
  for (let i = 0; i < list.length; i += 1000) {
    ops += "(" + list.slice(i, i + 1000).map(intOp).join("") + "e";
  }
  return ops;
}

/**
 * numpy's protocol-2 pickle of a 1-d object array of `n` items whose list of items is built by
 * `itemOps` (ops leaving one list on the stack): what `np.save` of Keras's era wrote.
 */
export function objectArrayPickle(n: number, itemOps: string): Uint8Array {
  return latin1(
    "\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87R" +
      `(K\x01${intOp(n)}\x85cnumpy\ndtype\nX\x02\x00\x00\x00O8\x89\x88\x87R` +
      "(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tb" +
      `\x89${itemOps}tb.`,
  );
}

/** The `.npy` of an object array of int lists, as in imdb.npz. */
export function reviewsNpy(lists: readonly (readonly number[])[]): Uint8Array {
  const items = "](" + lists.map(intListOps).join("") + "e";
  return npyFile(header1d("|O", lists.length), objectArrayPickle(lists.length, items));
}

/** The `.npy` of int64 labels. */
export function labelsNpy(labels: readonly number[]): Uint8Array {
  const body = new Uint8Array(new BigInt64Array(labels.map(BigInt)).buffer);
  return npyFile(header1d("<i8", labels.length), body);
}

/** An imdb.npz of these entries (default: two reviews and two labels per split). */
export function imdbNpz(entries: Partial<Record<string, Uint8Array>> = {}): Uint8Array {
  const reviews = reviewsNpy([[12, 4, 15], [8]]);
  const labels = labelsNpy([1, 0]);
  const all: Record<string, Uint8Array | undefined> = {
    "x_train.npy": reviews,
    "y_train.npy": labels,
    "x_test.npy": reviews,
    "y_test.npy": labels,
    ...entries,
  };
  return buildZip(
    Object.entries(all).filter(([, data]) => data !== undefined).map(([name, data]) => ({
      name,
      data: data!,
    })),
  ).bytes;
}

/**
 * A raw deflate stream of `mib` MiB of zero bytes, about 1 kB per MiB, made without writing the
 * zeros: one MiB of zeros deflated and flushed to a byte boundary, that block repeated, then an
 * empty final block. 3,840 MiB (3.75 GiB) take about 4 MB.
 */
export function zerosBomb(mib: number): Uint8Array {
  const block = deflateRawSync(new Uint8Array(2 ** 20), {
    level: 9,
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  const out = new Uint8Array(block.length * mib + 2);
  for (let i = 0; i < mib; i++) out.set(block, i * block.length);
  out.set([0x03, 0x00], block.length * mib); // final fixed-Huffman block, empty
  return out;
}
