/**
 * The IMDB movie-review data set exactly as `keras.datasets.imdb` gives it: `loadImdb` is
 * Keras's `load_data` (same shuffle, start char, index offset, `maxlen` filter and
 * out-of-vocabulary rule, quirks included), `getWordIndex` is `get_word_index`, and
 * `decodeReview` turns ids back into the words the book prints.
 *
 * Whatever the bytes of the files, the result is the data or a {@link DataFileError} naming the
 * file, the entry (`x_train.npy`, ...) and the problem, in time linear in the file and memory
 * bounded by `maxBytes`; nothing in a file is executed (see `_npz.ts`, `_npy.ts`, `_pickle.ts`).
 *
 * The 9-2 notebook reads the real files: `loadImdb({ skipTop: 20, numWords: 100 })` gives 25,000
 * training reviews whose first starts `[2, 2, 22, 2, 43]`, as the book prints, and
 * `(await getWordIndex()).movie` is 17. The example below writes a word index of three words.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeReview, getWordIndex } from "./imdb.ts";
 *
 * const dataDir = await Deno.makeTempDir();
 * await Deno.writeTextFile(
 *   `${dataDir}/imdb_word_index.json`,
 *   JSON.stringify({ the: 1, movie: 17, great: 84 }),
 * );
 * const wordIndex = await getWordIndex({ dataDir });
 * assert.equal(wordIndex.movie, 17);
 * // ids are ranks + 3; 1 starts a review, 2 stands for a word left out
 * assert.equal(decodeReview([1, 4, 87, 2, 20], wordIndex), "[START] the great [OOV] movie");
 * await Deno.remove(dataDir, { recursive: true });
 * ```
 * @module
 */
import { DataFileError, describeValue, quoted } from "./data_file_error.ts";
import { DataSetError, type MissingDataFile } from "./data_set_error.ts";
import {
  dataSetFixes,
  type DownloadOptions,
  locateDataFile,
  resolveDataFile,
} from "./_download.ts";
import { DEFAULT_MAX_BYTES, readNpz } from "./_npz.ts";
import type { NpyArray } from "./_npy.ts";
import type { PyValue } from "./_pickle.ts";
import { RandomState } from "./random_state.ts";
import { INDEX_FROM, OOV_ID, START_ID, type WordIndex } from "./tokenize.ts";

/** Where Keras downloads the data from. */
export const IMDB_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz";
/** Keras's sha256 of `imdb.npz` (checked on download). */
export const IMDB_SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f";
/** Where Keras downloads the word index from. */
export const WORD_INDEX_URL =
  "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb_word_index.json";
/** Keras's md5 of `imdb_word_index.json` (checked on download). */
export const WORD_INDEX_MD5 = "bfafd718b763782e994055a2d397834f";

/** The two files of the IMDB data set: where each comes from, and its size for messages. */
const IMDB_FILES = {
  "imdb.npz": {
    url: IMDB_URL,
    hash: { algorithm: "sha256", hex: IMDB_SHA256 },
    size: "17 MB",
  },
  "imdb_word_index.json": {
    url: WORD_INDEX_URL,
    hash: { algorithm: "md5", hex: WORD_INDEX_MD5 },
    size: "1.6 MB",
  },
} as const;

/** The name of the data set in error messages. */
const DATA_SET = "the IMDB data set";

// Keras's reserved ids (0 pads, 1 starts a review, 2 stands for a word left out) and the shift of
// word ranks, defined with the tokenizer that applies them to typed text.
export { INDEX_FROM, OOV_ID, PAD_ID, START_ID, type WordIndex } from "./tokenize.ts";

/** Where the data files come from. */
export interface ImdbSourceOptions {
  /** A path to the file itself (`imdb.npz` or `imdb_word_index.json`). */
  path?: string;
  /** A directory holding the file, looked at before `$IMDB_DATA_DIR`. */
  dataDir?: string;
  /** Download behaviour when the file is nowhere (URL override, `fetch`, offline). */
  download?: DownloadOptions;
  /** Where downloads land (default: the project's `data/`). */
  downloadDir?: string;
}

/** Options of {@link loadImdb}, named and defaulted as Keras's `load_data`. */
export interface LoadImdbOptions extends ImdbSourceOptions {
  /** Keep ids below this; others become `oovChar`. Unset: the largest id in the data (which
   * itself then becomes `oovChar`, as in Keras). */
  numWords?: number | null;
  /** Ids below this become `oovChar` (default 0). */
  skipTop?: number;
  /** Drop reviews of `maxlen` ids or more (start char included); unset or 0: keep all. */
  maxlen?: number | null;
  /** Seed of the RandomState that shuffles train, then test (default 113). */
  seed?: number;
  /** Id put before each review (default 1); `null`: none. */
  startChar?: number | null;
  /** Id for words outside `[skipTop, numWords)` (default 2); `null`: drop them. */
  oovChar?: number | null;
  /** Added to every word rank (default 3). */
  indexFrom?: number;
  /** Reuse the parsed file across calls in this process (default true). */
  cache?: boolean;
  /** The most bytes `imdb.npz` may hold, as a file and with its entries inflated, in total
   * (default 1 GiB; the real file is 17.5 MB, 28.7 MB inflated). A file beyond it is a
   * {@link DataFileError}, raised before the entries are inflated. */
  maxBytes?: number;
}

/** The four arrays of `load_data`. */
export interface ImdbData {
  /** [25000] reviews, each an Int32Array of ids (ragged). */
  xTrain: Int32Array[];
  /** [25000] labels, 1 = positive, 0 = negative. */
  yTrain: Int32Array;
  /** [25000] reviews. */
  xTest: Int32Array[];
  /** [25000] labels. */
  yTest: Int32Array;
}

/** The raw arrays of `imdb.npz`: word ranks (the = 1), unshuffled. */
type RawImdb = ImdbData;

const rawCache = new Map<string, RawImdb>();

/** A cache key for the file at `path` that changes when the file does (size, mtime). */
async function fileVersionKey(path: string): Promise<string> {
  const stat = await Deno.stat(path);
  return `${path}\0${stat.size}\0${stat.mtime?.getTime()}`;
}

function checkInt(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

/**
 * The reviews of `imdb.npz`'s `key` entry: [n] Int32Arrays of ranks. A pickle can refer to one
 * list from every review for a few bytes each, so the ids are counted per review against
 * `budget.ids` (what `maxBytes` allows as int32s, shared by both splits) before any is copied,
 * and a list shared by several reviews is converted once.
 */
function sequencesOf(
  arr: NpyArray | undefined,
  key: string,
  file: string,
  budget: { ids: number; maxBytes: number },
): Int32Array[] {
  const entry = `${key}.npy`;
  const fail = (problem: string): never => {
    throw new DataFileError({ file, entry }, problem);
  };
  if (!arr) return fail("missing from the archive");
  const data = arr.data;
  if (arr.shape.length !== 1 || !Array.isArray(data)) {
    return fail(
      `not a 1-d object array of lists (dtype ${quoted(arr.descr, 20)}, ${arr.shape.length}-d)`,
    );
  }
  for (let i = 0; i < data.length; i++) {
    const item = data[i];
    if (!(item instanceof Int32Array) && !Array.isArray(item)) {
      fail(`review ${i} is ${describeValue(item)}, not a list`);
    }
    budget.ids -= (item as ArrayLike<unknown>).length;
    if (budget.ids < 0) {
      fail(
        `the reviews up to ${i} hold more ids than ${budget.maxBytes} bytes (maxBytes) can; ` +
          `a list shared by several reviews counts for each`,
      );
    }
  }
  const converted = new Map<PyValue[], Int32Array>();
  return data.map((item, i) => {
    if (item instanceof Int32Array) return item;
    const list = item as PyValue[];
    let ints = converted.get(list);
    if (!ints) {
      for (let j = 0; j < list.length; j++) {
        const w = list[j];
        if (typeof w !== "number" || !Number.isInteger(w) || w < -(2 ** 31) || w >= 2 ** 31) {
          fail(`review ${i}, item ${j} is ${describeValue(w)}, not an int32 word rank`);
        }
      }
      ints = Int32Array.from(list as number[]);
      converted.set(list, ints);
    }
    return ints;
  });
}

/** The labels of `imdb.npz`'s `key` entry: [n] 0/1 as Int32Array. */
function labelsOf(arr: NpyArray | undefined, key: string, file: string): Int32Array {
  const entry = `${key}.npy`;
  if (!arr) throw new DataFileError({ file, entry }, "missing from the archive");
  if (arr.shape.length !== 1 || Array.isArray(arr.data)) {
    throw new DataFileError(
      { file, entry },
      `not a 1-d numeric array (dtype ${quoted(arr.descr, 20)}, ${arr.shape.length}-d)`,
    );
  }
  const out = new Int32Array(arr.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(arr.data[i]);
  return out;
}

/** Checks that a split has as many labels as reviews. */
function sameLength(x: Int32Array[], y: Int32Array, split: string, file: string): void {
  if (x.length !== y.length) {
    throw new DataFileError(
      { file },
      `x_${split}.npy has ${x.length} reviews but y_${split}.npy ${y.length} labels`,
    );
  }
}

/** Options of {@link readImdbNpz}. */
export interface ReadImdbNpzOptions {
  /** As {@link LoadImdbOptions.maxBytes} (default 1 GiB). */
  maxBytes?: number;
}

/**
 * Read `imdb.npz` (raw ranks, unshuffled).
 *
 * @throws DataFileError when the file cannot be read, is larger than `maxBytes`, or is not a
 *   valid npz holding `x_train`, `y_train`, `x_test`, `y_test` of matching lengths.
 */
export async function readImdbNpz(
  path: string,
  options: ReadImdbNpzOptions = {},
): Promise<RawImdb> {
  const { maxBytes = DEFAULT_MAX_BYTES } = options;
  checkInt("maxBytes", maxBytes, 0);
  const bytes = await readBounded(path, maxBytes);
  try {
    const npz = readNpz(bytes, path, { maxBytes });
    // Both splits' ids as int32, and loadImdb's copy of them, within maxBytes.
    const budget = { ids: Math.floor(maxBytes / 8), maxBytes };
    const raw: RawImdb = {
      xTrain: sequencesOf(npz.get("x_train"), "x_train", path, budget),
      yTrain: labelsOf(npz.get("y_train"), "y_train", path),
      xTest: sequencesOf(npz.get("x_test"), "x_test", path, budget),
      yTest: labelsOf(npz.get("y_test"), "y_test", path),
    };
    sameLength(raw.xTrain, raw.yTrain, "train", path);
    sameLength(raw.xTest, raw.yTest, "test", path);
    // The arrays are copies: the file's 17.5 MB are released now, before loadImdb's next
    // allocations, rather than at a later collection.
    (bytes.buffer as ArrayBuffer).transfer(0);
    return raw;
  } catch (err) {
    throw asDataFileError(err, path);
  }
}

/**
 * The bytes of the file at `path`, refused beyond `maxBytes` before they are read.
 * @throws DataFileError when the file cannot be read or is too large.
 */
async function readBounded(path: string, maxBytes: number): Promise<Uint8Array> {
  let size: number;
  try {
    size = (await Deno.stat(path)).size;
  } catch (err) {
    throw new DataFileError({ file: path }, `cannot read the file (${(err as Error).message})`, {
      cause: err,
    });
  }
  if (size > maxBytes) {
    throw new DataFileError(
      { file: path },
      `${size} bytes, over the limit of ${maxBytes} bytes (maxBytes)`,
    );
  }
  try {
    return await Deno.readFile(path);
  } catch (err) {
    throw new DataFileError({ file: path }, `cannot read the file (${(err as Error).message})`, {
      cause: err,
    });
  }
}

/** {@link readImdbNpz}, through the per-process cache when `cache` (a changed file is re-read). */
async function readRawImdb(path: string, maxBytes: number, cache: boolean): Promise<RawImdb> {
  const cacheKey = `${await fileVersionKey(path)}\0${maxBytes}`;
  let raw = cache ? rawCache.get(cacheKey) : undefined;
  if (!raw) {
    raw = await readImdbNpz(path, { maxBytes });
    if (cache) rawCache.set(cacheKey, raw);
  }
  return raw;
}

/**
 * `err` as a {@link DataFileError} of `file`: itself when it is one, else wrapped. An error of
 * another type here is a bug in a reader (each check raises a DataFileError of its own), so its
 * message says "unexpected"; the fuzz test fails on any.
 */
function asDataFileError(err: unknown, file: string): DataFileError {
  if (err instanceof DataFileError) return err;
  const e = err as Error;
  return new DataFileError(
    { file },
    `unexpected ${e?.name ?? "error"} while reading (${e?.message ?? String(err)})`,
    { cause: err },
  );
}

/**
 * Keras `load_data`: the IMDB reviews as ids, shuffled, offset, filtered by `maxlen` and with
 * rare or too-common words replaced by the out-of-vocabulary id.
 *
 * The algorithm, as Keras's: a `RandomState(seed)` shuffles the train indices, then the test
 * indices from the same stream; every review gets `startChar` in front and `indexFrom` added to
 * its ranks; with `maxlen`, reviews of `maxlen` ids or more are dropped; ids outside
 * `[skipTop, numWords)` become `oovChar` (the start char too, when `skipTop > startChar`, which is
 * why the book's first review begins with 2); with `numWords` unset, Keras uses the largest id of
 * train and test, exclusive, so the largest id itself also becomes `oovChar`.
 *
 * The file comes from `path`, else `dataDir`, `$IMDB_DATA_DIR`, the Keras cache
 * (`~/.keras/datasets`), the project's `data/`, else a download (sha256-checked).
 *
 * @returns `xTrain`, `xTest`: Int32Array[] (ragged), `yTrain`, `yTest`: Int32Array of 0/1.
 * @throws Error for `numWords <= skipTop`, a negative `maxlen` or a `maxlen` that keeps nothing;
 *   {@link DataSetError} for a missing file, naming every folder looked in and the ways to
 *   supply it; {@link DataFileError} for a file that cannot be read (corrupt, hostile, or over
 *   `maxBytes`), naming the file, the entry and the problem.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { zipSync } from "fflate";
 * import { loadImdb } from "./imdb.ts";
 *
 * // A two-review imdb.npz, laid out as Keras's: a zip of .npy files, the reviews a numpy object
 * // array of lists of word ranks (a pickle; see _pickle.ts), the labels int64.
 * const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
 * const npy = (descr: string, body: string) =>
 *   latin1(
 *     "\x93NUMPY\x01\x00\x76\x00" +
 *       `{'descr': '${descr}', 'fortran_order': False, 'shape': (2,), }`.padEnd(117) + "\n" + body,
 *   );
 * // np.array([[12, 4, 15], [8]], dtype=object), pickled
 * const reviews = npy(
 *   "|O",
 *   "\x80\x03cnumpy._core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87R" +
 *     "(K\x01K\x02\x85cnumpy\ndtype\nX\x02\x00\x00\x00O8\x89\x88\x87R" +
 *     "(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tb" +
 *     "\x89](](K\x0cK\x04K\x0fe]K\x08aetb.",
 * );
 * const labels = npy("<i8", "\x01\0\0\0\0\0\0\0" + "\0\0\0\0\0\0\0\0"); // [1, 0]
 * const dataDir = await Deno.makeTempDir();
 * const files = { "x_train.npy": reviews, "y_train.npy": labels };
 * await Deno.writeFile(
 *   `${dataDir}/imdb.npz`,
 *   zipSync({ ...files, "x_test.npy": reviews, "y_test.npy": labels }),
 * );
 *
 * const { xTrain, yTrain } = await loadImdb({ dataDir, skipTop: 5, numWords: 16 });
 * // Shuffled by RandomState(113); each review is [start 1, rank + 3, ...], and ids outside
 * // [skipTop, numWords) become 2: the start id too, as in Keras.
 * assert.deepEqual(xTrain, [Int32Array.of(2, 15, 7, 2), Int32Array.of(2, 11)]);
 * assert.deepEqual(yTrain, Int32Array.of(1, 0));
 * await Deno.remove(dataDir, { recursive: true });
 * ```
 */
export async function loadImdb(options: LoadImdbOptions = {}): Promise<ImdbData> {
  const {
    numWords = null,
    skipTop = 0,
    maxlen = null,
    seed = 113,
    startChar = START_ID,
    oovChar = OOV_ID,
    indexFrom = INDEX_FROM,
    cache = true,
    maxBytes = DEFAULT_MAX_BYTES,
  } = options;
  checkInt("maxBytes", maxBytes, 0);
  checkInt("skipTop", skipTop, 0);
  checkInt("indexFrom", indexFrom, 0);
  if (numWords !== null) {
    checkInt("numWords", numWords, 0);
    if (numWords <= skipTop) {
      throw new Error(
        `numWords (${numWords}) must be greater than skipTop (${skipTop}): no word would be kept`,
      );
    }
  }
  if (maxlen !== null) checkInt("maxlen", maxlen, 0);
  if (startChar !== null) checkInt("startChar", startChar, 0);
  if (oovChar !== null) checkInt("oovChar", oovChar, 0);

  const path = await resolveDataFile({
    fileName: "imdb.npz",
    ...IMDB_FILES["imdb.npz"],
    dataSet: DATA_SET,
    path: options.path,
    dataDir: options.dataDir,
    downloadDir: options.downloadDir,
    download: options.download,
  });
  const raw = await readRawImdb(path, maxBytes, cache);

  // Shuffle train, then test, from one stream (Keras shuffles index arrays the same way).
  const rng = new RandomState(seed);
  const trainOrder = rng.permutation(raw.xTrain.length);
  const testOrder = rng.permutation(raw.xTest.length);

  // Keras keeps reviews strictly shorter than maxlen, start char included (`if maxlen:`, so 0
  // keeps all). Decided from the raw lengths, before any copying.
  const head = startChar === null ? 0 : 1;
  const keep = (order: Int32Array, xs: Int32Array[]) =>
    maxlen ? order.filter((k) => xs[k].length + head < maxlen) : order;
  const trainKept = keep(trainOrder, raw.xTrain);
  const testKept = keep(testOrder, raw.xTest);
  if (maxlen && (trainKept.length === 0 || testKept.length === 0)) {
    throw new Error(
      `After filtering for sequences shorter than maxlen=${maxlen}, no sequence was kept. ` +
        `Increase maxlen.`,
    );
  }

  // numWords unset: the largest id of the kept train and test reviews, exclusive, as Keras.
  let limit = numWords;
  if (limit === null) {
    limit = head ? startChar! : 0;
    for (const [kept, xs] of [[trainKept, raw.xTrain], [testKept, raw.xTest]] as const) {
      for (const k of kept) {
        const seq = xs[k];
        for (let j = 0; j < seq.length; j++) {
          if (seq[j] + indexFrom > limit) limit = seq[j] + indexFrom;
        }
      }
    }
  }
  const encoding = { head, startChar, indexFrom, skipTop, limit, oovChar };
  return {
    xTrain: encodeAll(raw.xTrain, trainKept, encoding),
    yTrain: Int32Array.from(trainKept, (k) => raw.yTrain[k]),
    xTest: encodeAll(raw.xTest, testKept, encoding),
    yTest: Int32Array.from(testKept, (k) => raw.yTest[k]),
  };
}

/**
 * `[startChar] + [w + indexFrom for w in x]`, then ids outside `[skipTop, limit)` -> `oovChar`
 * (or dropped when it is null), for the reviews `xs[order[i]]`, in one pass. The results are
 * views into one new buffer (one allocation instead of 25,000).
 */
function encodeAll(
  xs: Int32Array[],
  order: Int32Array,
  o: {
    head: number;
    startChar: number | null;
    indexFrom: number;
    skipTop: number;
    limit: number;
    oovChar: number | null;
  },
): Int32Array[] {
  const { head, indexFrom, skipTop, limit, oovChar } = o;
  const keeps = (w: number) => w >= skipTop && w < limit;
  const startOut = head ? (keeps(o.startChar!) ? o.startChar! : oovChar) : null;
  const lengths = new Int32Array(order.length);
  let total = 0;
  for (let i = 0; i < order.length; i++) {
    const seq = xs[order[i]];
    let n = seq.length;
    if (oovChar === null) {
      n = 0;
      for (let j = 0; j < seq.length; j++) if (keeps(seq[j] + indexFrom)) n++;
    }
    lengths[i] = n + (startOut === null ? 0 : 1);
    total += lengths[i];
  }
  const buffer = new Int32Array(total);
  const out = new Array<Int32Array>(order.length);
  let at = 0;
  for (let i = 0; i < order.length; i++) {
    const seq = xs[order[i]];
    const begin = at;
    if (startOut !== null) buffer[at++] = startOut;
    if (oovChar !== null) {
      for (let j = 0; j < seq.length; j++) {
        const w = seq[j] + indexFrom;
        buffer[at++] = w >= skipTop && w < limit ? w : oovChar;
      }
    } else {
      for (let j = 0; j < seq.length; j++) {
        const w = seq[j] + indexFrom;
        if (w >= skipTop && w < limit) buffer[at++] = w;
      }
    }
    out[i] = buffer.subarray(begin, at);
  }
  return out;
}

/** The default of {@link GetWordIndexOptions.maxBytes}: 64 MiB (the real file: 1.6 MB). */
export const WORD_INDEX_MAX_BYTES = 64 * 2 ** 20;

/** Options of {@link getWordIndex}. */
export interface GetWordIndexOptions extends ImdbSourceOptions {
  /** The most bytes `imdb_word_index.json` may hold (default 64 MiB; the real file is 1.6 MB).
   * A larger file is a {@link DataFileError}, raised before it is read. */
  maxBytes?: number;
  /** Reuse the parsed file across calls in this process (default true). */
  cache?: boolean;
}

const wordIndexCache = new Map<string, WordIndex>();

/**
 * Keras `get_word_index`: the word -> rank dictionary of `imdb_word_index.json` (88,584 words,
 * `movie` = 17). Found like `imdb.npz` (md5-checked on download); read once per process. The
 * object is frozen and has no prototype, so any word, even `constructor`, is looked up safely.
 *
 * @throws DataFileError when the file cannot be read, is over `maxBytes`, is not UTF-8 JSON of
 *   an object, or has a rank that is not an integer.
 */
export async function getWordIndex(options: GetWordIndexOptions = {}): Promise<WordIndex> {
  const { maxBytes = WORD_INDEX_MAX_BYTES, cache = true, ...source } = options;
  checkInt("maxBytes", maxBytes, 0);
  const path = await resolveDataFile({
    fileName: "imdb_word_index.json",
    ...IMDB_FILES["imdb_word_index.json"],
    dataSet: DATA_SET,
    ...source,
  });
  const cacheKey = `${await fileVersionKey(path)}\0${maxBytes}`;
  const cached = cache ? wordIndexCache.get(cacheKey) : undefined;
  if (cached) return cached; // frozen: safe to share
  const bytes = await readBounded(path, maxBytes);
  const fail = (problem: string, cause?: unknown): never => {
    throw new DataFileError({ file: path }, problem, { cause });
  };
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes); // JSON is UTF-8
  } catch (err) {
    fail(`not valid UTF-8 (${(err as Error).message})`, err);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    fail(`not valid JSON (${(err as Error).message})`, err);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    fail(`not a JSON object of word -> index but ${describeValue(parsed)}`);
  }
  const index: Record<string, number> = Object.create(null);
  for (const [word, rank] of Object.entries(parsed as object)) {
    if (!Number.isSafeInteger(rank)) {
      fail(`the rank of the word ${quoted(word)} is ${describeValue(rank)}, not an integer`);
    }
    index[word] = rank as number;
  }
  const frozen = Object.freeze(index);
  if (cache) wordIndexCache.set(cacheKey, frozen);
  return frozen;
}

const inverseCache = new WeakMap<WordIndex, Map<number, string>>();

/** rank -> word for a word index (cached per index object). */
export function invertWordIndex(wordIndex: WordIndex): Map<number, string> {
  let inverse = inverseCache.get(wordIndex);
  if (!inverse) {
    inverse = new Map(Object.entries(wordIndex).map(([w, i]) => [i, w]));
    inverseCache.set(wordIndex, inverse);
  }
  return inverse;
}

/**
 * The words of a review of ids, as the book prints them (`index_to_word[w - 3]`), joined by
 * spaces. Ids below `indexFrom` show as `[PAD]` (0), `[START]` (1), `[OOV]` (2); ids with no word
 * as `[?]`.
 *
 * @param seq ids as `loadImdb` gives them.
 * @param wordIndex from {@link getWordIndex}.
 */
export function decodeReview(
  seq: ArrayLike<number>,
  wordIndex: WordIndex,
  options: { indexFrom?: number } = {},
): string {
  const { indexFrom = INDEX_FROM } = options;
  const inverse = invertWordIndex(wordIndex);
  const reserved = ["[PAD]", "[START]", "[OOV]"];
  const words: string[] = [];
  for (let i = 0; i < seq.length; i++) {
    const id = seq[i];
    if (id < indexFrom) words.push(reserved[id] ?? "[?]");
    else words.push(inverse.get(id - indexFrom) ?? "[?]");
  }
  return words.join(" ");
}

/** A file of the IMDB data set. */
export type ImdbFileName = keyof typeof IMDB_FILES;

/** Options of {@link checkImdbFiles}. */
export interface CheckImdbFilesOptions extends Omit<ImdbSourceOptions, "path"> {
  /** The files to check (default: both). 9-3 needs only `imdb.npz`. */
  files?: readonly ImdbFileName[];
}

/**
 * Makes sure the IMDB files a notebook needs are there and readable, before anything uses them:
 * each is found (or downloaded) as {@link loadImdb} and {@link getWordIndex} find it, then read
 * (into their per-process caches, so the calls that follow do not read it again).
 *
 * @returns the path of each file.
 * @throws DataSetError naming EVERY file that is missing (with every folder looked in and why it
 *   was not downloaded) or unreadable, and the three ways to fix it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkImdbFiles } from "./imdb.ts";
 * import { DataSetError } from "./data_set_error.ts";
 *
 * const dataDir = await Deno.makeTempDir(); // looked in first: a cut-short word index
 * await Deno.writeTextFile(`${dataDir}/imdb_word_index.json`, '{"the": 1, "movie": ');
 * await assert.rejects(checkImdbFiles({ dataDir, files: ["imdb_word_index.json"] }), (err) => {
 *   assert.ok(err instanceof DataSetError);
 *   assert.deepEqual(err.files, [`${dataDir}/imdb_word_index.json`]);
 *   assert.match(err.message, /^The IMDB data set cannot be used: imdb_word_index\.json is unreadable/);
 *   assert.match(err.message, /\n1\. Download: .*\n2\. The Keras cache: .*\n3\. Your own folder: /);
 *   return true;
 * });
 * await Deno.remove(dataDir, { recursive: true });
 * ```
 */
export async function checkImdbFiles(
  options: CheckImdbFilesOptions = {},
): Promise<Partial<Record<ImdbFileName, string>>> {
  const { files = ["imdb.npz", "imdb_word_index.json"], ...source } = options;
  const paths: Partial<Record<ImdbFileName, string>> = {};
  const missing: MissingDataFile[] = [];
  const unreadable: DataFileError[] = [];
  for (const fileName of files) {
    const found = await locateDataFile({ fileName, ...IMDB_FILES[fileName], ...source });
    if (found.missing) {
      missing.push(found.missing);
      continue;
    }
    try {
      if (fileName === "imdb.npz") await readRawImdb(found.path, DEFAULT_MAX_BYTES, true);
      else await getWordIndex({ path: found.path });
      paths[fileName] = found.path;
    } catch (err) {
      if (!(err instanceof DataFileError)) throw err;
      unreadable.push(err);
    }
  }
  if (missing.length + unreadable.length > 0) {
    throw new DataSetError({
      dataSet: DATA_SET,
      missing,
      unreadable,
      ...dataSetFixes(options.downloadDir),
    });
  }
  return paths;
}
