/**
 * The IMDB movie-review data set exactly as `keras.datasets.imdb` gives it: `loadImdb` is
 * Keras's `load_data` (same shuffle, start char, index offset, `maxlen` filter and
 * out-of-vocabulary rule, quirks included), `getWordIndex` is `get_word_index`, and
 * `decodeReview` turns ids back into the words the book prints.
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
import { type DownloadOptions, resolveDataFile } from "./_download.ts";
import { readNpz } from "./_npz.ts";
import type { NpyArray } from "./_npy.ts";
import { RandomState } from "./random_state.ts";

/** Where Keras downloads the data from. */
export const IMDB_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz";
/** Keras's sha256 of `imdb.npz` (checked on download). */
export const IMDB_SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f";
/** Where Keras downloads the word index from. */
export const WORD_INDEX_URL =
  "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb_word_index.json";
/** Keras's md5 of `imdb_word_index.json` (checked on download). */
export const WORD_INDEX_MD5 = "bfafd718b763782e994055a2d397834f";

/** Keras's reserved ids: 0 pads, 1 starts a review, 2 stands for a word left out. */
export const PAD_ID = 0;
export const START_ID = 1;
export const OOV_ID = 2;
/** Keras shifts word ranks by this much: rank 1 (`the`) is id 4. */
export const INDEX_FROM = 3;

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

function sequencesOf(arr: NpyArray | undefined, key: string, where: string): Int32Array[] {
  if (!arr) throw new Error(`${where}: no array "${key}"`);
  if (arr.shape.length !== 1 || !Array.isArray(arr.data)) {
    throw new Error(`${where}: "${key}" is not a 1-d object array of lists (${arr.descr})`);
  }
  return arr.data.map((item, i) => {
    if (item instanceof Int32Array) return item;
    if (Array.isArray(item) && item.every((w) => Number.isInteger(w))) {
      return Int32Array.from(item as number[]);
    }
    throw new Error(`${where}: "${key}"[${i}] is not a list of ints`);
  });
}

function labelsOf(arr: NpyArray | undefined, key: string, where: string): Int32Array {
  if (!arr) throw new Error(`${where}: no array "${key}"`);
  if (arr.shape.length !== 1 || Array.isArray(arr.data)) {
    throw new Error(`${where}: "${key}" is not a 1-d numeric array (${arr.descr})`);
  }
  const out = new Int32Array(arr.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(arr.data[i]);
  return out;
}

/**
 * Read `imdb.npz` (raw ranks, unshuffled).
 *
 * @throws Error when the file is not a valid npz holding `x_train`, `y_train`, `x_test`,
 *   `y_test` of matching lengths.
 */
export async function readImdbNpz(path: string): Promise<RawImdb> {
  const bytes = await Deno.readFile(path);
  const npz = readNpz(bytes, path);
  const raw: RawImdb = {
    xTrain: sequencesOf(npz.get("x_train"), "x_train", path),
    yTrain: labelsOf(npz.get("y_train"), "y_train", path),
    xTest: sequencesOf(npz.get("x_test"), "x_test", path),
    yTest: labelsOf(npz.get("y_test"), "y_test", path),
  };
  if (raw.xTrain.length !== raw.yTrain.length || raw.xTest.length !== raw.yTest.length) {
    throw new Error(`${path}: x and y arrays differ in length`);
  }
  return raw;
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
 * @throws Error for `numWords <= skipTop`, a negative `maxlen`, a `maxlen` that keeps nothing,
 *   or a missing or invalid file.
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
  } = options;
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
    url: IMDB_URL,
    hash: { algorithm: "sha256", hex: IMDB_SHA256 },
    path: options.path,
    dataDir: options.dataDir,
    downloadDir: options.downloadDir,
    download: options.download,
  });
  const cacheKey = await fileVersionKey(path); // a changed file is re-read
  let raw = cache ? rawCache.get(cacheKey) : undefined;
  if (!raw) {
    raw = await readImdbNpz(path);
    if (cache) rawCache.set(cacheKey, raw);
  }

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

/** A word -> rank dictionary (`the` = 1), as Keras's `get_word_index()`. */
export type WordIndex = Readonly<Record<string, number>>;

const wordIndexCache = new Map<string, WordIndex>();

/**
 * Keras `get_word_index`: the word -> rank dictionary of `imdb_word_index.json` (88,584 words,
 * `movie` = 17). Found like `imdb.npz` (md5-checked on download); read once per process. The
 * object is frozen and has no prototype, so any word, even `constructor`, is looked up safely.
 */
export async function getWordIndex(options: ImdbSourceOptions = {}): Promise<WordIndex> {
  const path = await resolveDataFile({
    fileName: "imdb_word_index.json",
    url: WORD_INDEX_URL,
    hash: { algorithm: "md5", hex: WORD_INDEX_MD5 },
    ...options,
  });
  const cacheKey = await fileVersionKey(path);
  const cached = wordIndexCache.get(cacheKey);
  if (cached) return cached; // frozen: safe to share
  let parsed: unknown;
  try {
    parsed = JSON.parse(await Deno.readTextFile(path));
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${path}: not a JSON object of word -> index`);
  }
  const index: Record<string, number> = Object.create(null);
  for (const [word, rank] of Object.entries(parsed)) {
    if (!Number.isInteger(rank)) throw new Error(`${path}: rank of "${word}" is ${rank}`);
    index[word] = rank as number;
  }
  const frozen = Object.freeze(index);
  wordIndexCache.set(cacheKey, frozen);
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
