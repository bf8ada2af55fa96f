/**
 * Reader for numpy's `.npz` files (what `np.savez` / `np.savez_compressed` write, and what
 * Keras's `imdb.npz` is): a zip of `.npy` files. The zip directory is read here (zip64
 * included); deflated entries are inflated and CRC-32s computed by zlib (`node:zlib`, native:
 * about 3x faster than fflate's pure-JS inflate on imdb.npz's 28 MB on our 2-core machine);
 * stored entries are taken as they are. Every entry's CRC-32 and size are checked, so a
 * truncated or corrupt file is a {@link DataFileError}, never silently wrong data.
 *
 * Whatever the bytes, the result is the entries or a `DataFileError` naming the file, the entry
 * and the problem, in time linear in the file and memory bounded by `maxBytes`: every size,
 * count and offset of the directory, the zip64 records and the local headers is checked against
 * the bytes that are there before it is used; entries whose data overlap (a "zip bomb" of many
 * entries pointing at one member) or that repeat a name are refused; the sizes the directory
 * declares must add up to at most `maxBytes` (default {@link DEFAULT_MAX_BYTES}, 1 GiB) and be
 * within deflate's largest ratio (1032:1) of the compressed size, and inflate is stopped at the
 * declared size, so an entry that expands beyond it is an error before it takes more memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { zipSync } from "fflate";
 * import { readNpz, unzip } from "./_npz.ts";
 *
 * // np.savez_compressed(f, y=np.array([1, 0, 1], dtype="<i4")): a zip holding y.npy
 * const header = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }".padEnd(117) + "\n";
 * const npy = Uint8Array.of(
 *   0x93, ...new TextEncoder().encode("NUMPY"), 1, 0, header.length, 0,
 *   ...new TextEncoder().encode(header),
 *   ...new Uint8Array(Int32Array.of(1, 0, 1).buffer),
 * );
 * const zip = zipSync({ "y.npy": npy }); // deflated, as savez_compressed writes it
 * assert.deepEqual(unzip(zip, "y.npz").get("y.npy"), npy);
 * const arrays = readNpz(zip, "y.npz");
 * assert.deepEqual([...arrays.keys()], ["y"]);
 * assert.deepEqual(arrays.get("y")!.data, Int32Array.of(1, 0, 1));
 *
 * // Over the limit: the directory's sizes are checked before anything is inflated
 * assert.throws(
 *   () => readNpz(zip, "y.npz", { maxBytes: 100 }),
 *   /^DataFileError: y\.npz, entry y\.npy: .* over the limit of 100 bytes \(maxBytes\)/,
 * );
 * ```
 * @module
 */
import { crc32, inflateRawSync } from "node:zlib";
import { DataFileError, quoted } from "./data_file_error.ts";
import { type NpyArray, parseNpy } from "./_npy.ts";

/** The default of `maxBytes`: 1 GiB of entries, uncompressed (the real imdb.npz's: 28.7 MB). */
export const DEFAULT_MAX_BYTES = 2 ** 30;

/** Deflate's largest expansion: 258 bytes from two 1-bit codes. */
const MAX_DEFLATE_RATIO = 1032;

/** Options of {@link unzip} and {@link readNpz}. */
export interface UnzipOptions {
  /** The most bytes the archive's entries may hold, uncompressed, in total (default
   * {@link DEFAULT_MAX_BYTES}). */
  maxBytes?: number;
}

/** One file inside a zip archive. */
interface ZipEntry {
  name: string;
  /** The name's bytes, compared with the local header's. */
  nameBytes: Uint8Array;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  /** Where its data start and end, once its local header is read. */
  start: number;
  end: number;
}

/** A size from the file as a message shows it. */
const bytesText = (n: number) => Number.isFinite(n) ? `${n}` : "over 2^53";

/** Read and check the central directory of a zip archive and every entry's local header. */
function readDirectory(zip: Uint8Array, file: string, maxBytes: number): ZipEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  // 64-bit fields: beyond the safe integers, Infinity (which every check below refuses).
  const u64 = (o: number) => {
    const v = view.getBigUint64(o, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
  };
  const corrupt = (what: string): never => {
    throw new DataFileError(
      { file },
      `not a valid zip file (${what}); the file is truncated or corrupt`,
    );
  };
  const fail = (entry: string, problem: string): never => {
    throw new DataFileError({ file, entry }, problem);
  };

  // End of central directory: 22 bytes plus a comment of up to 65535 bytes, at the end.
  let eocd = -1;
  for (let i = zip.length - 22; i >= 0 && i >= zip.length - 22 - 0xffff; i--) {
    if (u32(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) corrupt("no end-of-central-directory record");
  let count = u16(eocd + 10);
  let dirSize = u32(eocd + 12);
  let dirOffset = u32(eocd + 16);
  let dirLimit = eocd; // the directory ends before the records that describe it
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || u32(locator) !== 0x07064b50) corrupt("missing zip64 locator");
    const z64 = u64(locator + 8);
    if (z64 > locator - 56 || u32(z64) !== 0x06064b50) corrupt("bad zip64 record");
    count = u64(z64 + 32);
    dirSize = u64(z64 + 40);
    dirOffset = u64(z64 + 48);
    dirLimit = z64;
  }
  if (dirSize > dirLimit - dirOffset) corrupt("central directory past its end record");
  const dirEnd = dirOffset + dirSize;
  if (count > dirSize / 46) corrupt(`${count} entries cannot fit a ${dirSize}-byte directory`);

  const entries: ZipEntry[] = [];
  let p = dirOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > dirEnd || u32(p) !== 0x02014b50) corrupt(`bad directory entry ${k}`);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (next > dirEnd) corrupt(`directory entry ${k} runs past the directory`);
    const nameBytes = zip.subarray(p + 46, p + 46 + nameLen);
    const entry: ZipEntry = {
      name: new TextDecoder().decode(nameBytes), // never throws: bad bytes become U+FFFD
      nameBytes,
      flags: u16(p + 8),
      method: u16(p + 10),
      crc32: u32(p + 16),
      compressedSize: u32(p + 20),
      size: u32(p + 24),
      localOffset: u32(p + 42),
      start: 0,
      end: 0,
    };
    // zip64 extra field: the 64-bit values of whichever fields are 0xffffffff, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = u16(e);
      const fieldEnd = e + 4 + u16(e + 2);
      if (fieldEnd > extraEnd) corrupt(`an extra field of entry ${k} runs past its end`);
      if (id === 0x0001) {
        let q = e + 4;
        const next64 = () => {
          if (q + 8 > fieldEnd) corrupt(`the zip64 field of entry ${k} is too short`);
          q += 8;
          return u64(q - 8);
        };
        if (entry.size === 0xffffffff) entry.size = next64();
        if (entry.compressedSize === 0xffffffff) entry.compressedSize = next64();
        if (entry.localOffset === 0xffffffff) entry.localOffset = next64();
      }
      e = fieldEnd;
    }
    entries.push(entry);
    p = next;
  }

  // Each entry: supported, its local header there and naming it, its data before the
  // directory, its declared size possible and within the limit, no name twice.
  const names = new Set<string>();
  let total = 0;
  let largest: ZipEntry | undefined;
  for (const entry of entries) {
    const { name } = entry;
    if (names.has(name)) fail(name, "the name appears twice in the directory");
    names.add(name);
    if (entry.flags & 1) fail(name, "encrypted entries are not supported");
    if (entry.method !== 0 && entry.method !== 8) {
      fail(name, `unsupported compression method ${entry.method}`);
    }
    const lh = entry.localOffset;
    if (lh > dirOffset - 30 || u32(lh) !== 0x04034b50) {
      fail(name, "bad local header; the file is truncated or corrupt");
    }
    const localName = zip.subarray(lh + 30, lh + 30 + u16(lh + 26));
    if (
      localName.length !== entry.nameBytes.length ||
      localName.some((b, i) => b !== entry.nameBytes[i])
    ) {
      fail(name, "the local header names another file; the file is corrupt");
    }
    entry.start = lh + 30 + u16(lh + 26) + u16(lh + 28);
    if (entry.compressedSize > dirOffset - entry.start) {
      fail(name, "data run past the end of the entries; the file is truncated or corrupt");
    }
    entry.end = entry.start + entry.compressedSize;
    if (entry.method === 0 && entry.size !== entry.compressedSize) {
      fail(
        name,
        `stored with ${bytesText(entry.compressedSize)} bytes but declares ${
          bytesText(entry.size)
        }`,
      );
    }
    if (entry.method === 8 && entry.size > MAX_DEFLATE_RATIO * entry.compressedSize + 1024) {
      fail(
        name,
        `declares ${
          bytesText(entry.size)
        } bytes from ${entry.compressedSize} compressed, more than ` +
          `deflate can produce; the file is corrupt`,
      );
    }
    if (entry.size > maxBytes) {
      fail(
        name,
        `declares ${
          bytesText(entry.size)
        } bytes uncompressed, over the limit of ${maxBytes} bytes (maxBytes)`,
      );
    }
    if (entry.size > (largest?.size ?? -1)) largest = entry;
    total += entry.size;
    if (total > maxBytes) {
      fail(
        name,
        `the entries up to this one declare ${total} bytes uncompressed, over the limit of ` +
          `${maxBytes} bytes (maxBytes); the largest is ${quoted(largest!.name)} ` +
          `(${largest!.size} bytes)`,
      );
    }
  }
  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < byOffset.length; i++) {
    if (byOffset[i].localOffset < byOffset[i - 1].end) {
      fail(
        byOffset[i].name,
        `its data overlap those of entry ${quoted(byOffset[i - 1].name)}; ` +
          `the file is corrupt or a zip bomb`,
      );
    }
  }
  return entries;
}

/** Checks a `maxBytes` option. */
function maxBytesOption(options: UnzipOptions): number {
  const { maxBytes = DEFAULT_MAX_BYTES } = options;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new Error(`maxBytes must be a whole number of bytes >= 0, got ${maxBytes}`);
  }
  return maxBytes;
}

/**
 * The files of a zip archive, each checked against its CRC-32 and size.
 *
 * @param zip the archive's bytes.
 * @param name the archive's name or path, for error messages.
 * @param options `maxBytes`: the most bytes the entries may hold uncompressed, in total.
 * @returns file name -> uncompressed bytes.
 * @throws DataFileError for a truncated or corrupt archive, an encrypted entry, an unsupported
 *   compression method, overlapping or repeated entries, sizes over `maxBytes`, or a CRC or
 *   size mismatch.
 */
export function unzip(
  zip: Uint8Array,
  name = "archive.zip",
  options: UnzipOptions = {},
): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const entry of readDirectory(zip, name, maxBytesOption(options))) {
    const fail = (problem: string, cause?: unknown): never => {
      throw new DataFileError({ file: name, entry: entry.name }, problem, { cause });
    };
    const packed = zip.subarray(entry.start, entry.end);
    let data = packed;
    if (entry.method === 8) {
      try {
        // One output chunk of the declared size: zlib writes straight into it, no
        // concatenation, and stops (with an error) rather than write past it.
        const size = Math.max(entry.size, 64);
        const out = inflateRawSync(packed, { chunkSize: size, maxOutputLength: size });
        data = new Uint8Array(out.buffer, out.byteOffset, out.byteLength); // a view, no copy
      } catch (err) {
        if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
          fail(`inflates to more than the ${entry.size} bytes it declares; corrupt file`, err);
        }
        fail(`cannot inflate (${(err as Error).message}); the file is corrupt`, err);
      }
    }
    if (data.length !== entry.size) {
      fail(`${data.length} bytes, directory says ${entry.size}; corrupt file`);
    }
    const crc = crc32(data);
    if (crc !== entry.crc32) {
      fail(
        `CRC-32 ${crc.toString(16)} does not match ${entry.crc32.toString(16)}; corrupt file`,
      );
    }
    files.set(entry.name, data);
  }
  return files;
}

/**
 * Read an `.npz` archive: each `<key>.npy` entry parsed, keyed as numpy keys it (`"x_train"`).
 *
 * @param zip the archive's bytes.
 * @param name the archive's name or path, for error messages.
 * @param options `maxBytes`: the most bytes the entries may hold uncompressed, in total.
 * @throws DataFileError as {@link unzip} and {@link parseNpy} do.
 */
export function readNpz(
  zip: Uint8Array,
  name = "archive.npz",
  options: UnzipOptions = {},
): Map<string, NpyArray> {
  const out = new Map<string, NpyArray>();
  const files = unzip(zip, name, options);
  for (const [file, bytes] of files) {
    const key = file.endsWith(".npy") ? file.slice(0, -4) : file;
    out.set(key, parseNpy(bytes, { file: name, entry: file }));
  }
  // parseNpy copies what it keeps: the inflated bytes (28 MB for imdb.npz) are released now
  // rather than at a later collection, which keeps the next allocations' peak lower. Only
  // buffers inflate made for one entry alone: not views of `zip`, nor a small output's shared
  // pool.
  for (const bytes of files.values()) {
    const alone = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length;
    if (alone && bytes.buffer !== zip.buffer) (bytes.buffer as ArrayBuffer).transfer(0);
  }
  return out;
}
