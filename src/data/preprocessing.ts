/**
 * What the book does to the IMDB reviews before training (9-2), with Keras's semantics:
 * dropping the reserved ids, the seed-42 train/validation split, `pad_sequences` and
 * `to_categorical` (the sequence operations live in `sequences.ts`, which a typed review goes
 * through too; they are re-exported here); and `prepareImdb`, the whole pipeline in one call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dropIds, padSequences, toCategorical, trainValSplit } from "./preprocessing.ts";
 *
 * const reviews = [[1, 2, 14, 22], [1, 25, 2, 2, 30, 31], [1, 40]]; // as loadImdb gives them
 * const kept = dropIds(reviews); // the book's [w for w in x if w > 2]
 * assert.deepEqual(kept, [Int32Array.of(14, 22), Int32Array.of(25, 30, 31), Int32Array.of(40)]);
 * const split = trainValSplit(kept, [1, 0, 1], { nTrain: 2, seed: 42 });
 * assert.deepEqual(split.xVal, [Int32Array.of(40)]); // np.random.permutation(3) puts row 2 last
 * const x = padSequences(split.xTrain, { maxlen: 3 }); // int32 [2, 3], padded in front
 * assert.deepEqual(x.shape, [2, 3]);
 * const onehot = toCategorical(x, 50); // float32 [2, 3, 50]
 * assert.deepEqual(onehot.shape, [2, 3, 50]);
 * assert.equal(onehot.nbytes, 2 * 3 * 50 * 4);
 * ```
 * @module
 */
import { type DownloadOptions } from "./_download.ts";
import { loadImdb } from "./imdb.ts";
import type { NDArray } from "./ndarray.ts";
import { RandomState } from "./random_state.ts";
import { dropIds, padSequences } from "./sequences.ts";

export { dropIds, padSequences, type PadSequencesOptions, toCategorical } from "./sequences.ts";

/** The rows of `xs` at `indices`, in that order (numpy's `x[indices]`). */
export function takeRows<T>(xs: ArrayLike<T>, indices: ArrayLike<number>): T[] {
  return Array.from({ length: indices.length }, (_, i) => {
    const k = indices[i];
    if (!(k >= 0 && k < xs.length)) {
      throw new Error(`takeRows: index ${k} outside [0, ${xs.length})`);
    }
    return xs[k];
  });
}

/** The training and validation sets {@link trainValSplit} returns. */
export interface TrainValSets<T> {
  xTrain: T[];
  yTrain: Int32Array;
  xVal: T[];
  yVal: Int32Array;
  /** The permutation used: first `nTrain` -> train, rest -> validation. */
  index: Int32Array;
}

/**
 * The book's split: `np.random.seed(seed); random_index = np.random.permutation(n)`, the first
 * `nTrain` of those rows for training, the rest for validation.
 *
 * @param x n samples; `y` n labels.
 * @throws Error when `x` and `y` differ in length or `nTrain` is outside `[0, n]`.
 */
export function trainValSplit<T>(
  x: ArrayLike<T>,
  y: ArrayLike<number>,
  options: { nTrain: number; seed?: number },
): TrainValSets<T> {
  const { nTrain, seed = 42 } = options;
  if (x.length !== y.length) throw new Error(`x has ${x.length} samples, y has ${y.length}`);
  if (!Number.isInteger(nTrain) || nTrain < 0 || nTrain > x.length) {
    throw new Error(`nTrain must be an integer in [0, ${x.length}], got ${nTrain}`);
  }
  const index = new RandomState(seed).permutation(x.length);
  const trainIdx = index.subarray(0, nTrain);
  const valIdx = index.subarray(nTrain);
  return {
    xTrain: takeRows(x, trainIdx),
    yTrain: Int32Array.from(takeRows(y, trainIdx)),
    xVal: takeRows(x, valIdx),
    yVal: Int32Array.from(takeRows(y, valIdx)),
    index,
  };
}

/** Options of {@link prepareImdb}. */
export interface PrepareImdbOptions {
  /** Vocabulary size passed to `loadImdb` (the book: 100 for one-hot, 1000 for embeddings). */
  numWords: number;
  /** Most common words left out (default 20, as the book). */
  skipTop?: number;
  /** Time steps per review after padding (default 100). */
  maxlen?: number;
  /** Seed of the validation split permutation (default 42, as the book). */
  valSeed?: number;
  /** Training samples; the rest of the 25,000 validate (default 20000). */
  nTrain?: number;
  /** Directory holding `imdb.npz` (default: `$IMDB_DATA_DIR`, the Keras cache, `data/`). */
  dataDir?: string;
  /** A path to `imdb.npz` itself. */
  path?: string;
  /** Download behaviour when the file is nowhere. */
  download?: DownloadOptions;
}

/** The book's prepared IMDB arrays. */
export interface PreparedImdb {
  /** [nTrain, maxlen] int32 ids, pre-padded with 0. */
  xTrain: NDArray<"int32">;
  /** [nTrain] 0/1 labels. */
  yTrain: Int32Array;
  /** [25000 - nTrain, maxlen] int32. */
  xVal: NDArray<"int32">;
  /** [25000 - nTrain]. */
  yVal: Int32Array;
  /** [25000, maxlen] int32: the test set treated the same way. */
  xTest: NDArray<"int32">;
  /** [25000]. */
  yTest: Int32Array;
}

/**
 * The book's whole 9-2 preparation: `imdb.load_data(skip_top=20, num_words=numWords)`
 * ({@link loadImdb}), drop ids `<= 2` ({@link dropIds}), the seed-42 permutation split
 * 20000/5000 ({@link trainValSplit}), `pad_sequences(maxlen=100)` ({@link padSequences}); the
 * test set gets the same dropping and padding. With the real data and the defaults,
 * `prepareImdb({ numWords: 100 })` gives `xTrain` [20000, 100], `xVal` [5000, 100] and `xTest`
 * [25000, 100] (the module's example runs the same steps on three reviews).
 */
export async function prepareImdb(options: PrepareImdbOptions): Promise<PreparedImdb> {
  const { numWords, skipTop = 20, maxlen = 100, valSeed = 42, nTrain = 20000 } = options;
  const data = await loadImdb({
    numWords,
    skipTop,
    dataDir: options.dataDir,
    path: options.path,
    download: options.download,
  });
  const split = trainValSplit(dropIds(data.xTrain), data.yTrain, { nTrain, seed: valSeed });
  return {
    xTrain: padSequences(split.xTrain, { maxlen }),
    yTrain: split.yTrain,
    xVal: padSequences(split.xVal, { maxlen }),
    yVal: split.yVal,
    xTest: padSequences(dropIds(data.xTest), { maxlen }),
    yTest: data.yTest,
  };
}
