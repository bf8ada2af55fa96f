/**
 * The data of chapter 9-2: Keras's IMDB movie reviews read without Python (`imdb.npz`,
 * `imdb_word_index.json`), numpy's seeded generator, Keras's preprocessing (`pad_sequences`,
 * `to_categorical`), the book's split, and the tokenizer that turns a typed review into ids
 * (`review_input.ts`: a review word by word and as model input; the reports' review box runs it
 * in the browser).
 *
 * A file that cannot be read, whatever its bytes, is a `DataFileError` naming the file, the
 * entry and the problem; a data set with files missing or unreadable is a `DataSetError` naming
 * every such file, where each was looked for, and the three ways to fix it (`checkImdbFiles`
 * raises it for the files a notebook needs before any is used).
 *
 * Private files: `_npz.ts` (zip), `_npy.ts` (`.npy` arrays), `_pickle.ts` (numpy's object
 * arrays, a restricted unpickler), `_download.ts` (where the files are found, or fetched).
 * @module
 */
export {
  type DType,
  firstRows,
  type NDArray,
  ndarray,
  shapeString,
  type TypedArrayOf,
} from "./ndarray.ts";
export { RandomState } from "./random_state.ts";
export { DataFileError } from "./data_file_error.ts";
export { type DataFolder, DataSetError, type MissingDataFile } from "./data_set_error.ts";
export {
  checkImdbFiles,
  type CheckImdbFilesOptions,
  decodeReview,
  getWordIndex,
  type GetWordIndexOptions,
  type ImdbData,
  type ImdbFileName,
  type ImdbSourceOptions,
  loadImdb,
  type LoadImdbOptions,
  type WordIndex,
} from "./imdb.ts";
export type { DownloadOptions } from "./_download.ts";
export {
  dropIds,
  padSequences,
  type PadSequencesOptions,
  type PreparedImdb,
  prepareImdb,
  type PrepareImdbOptions,
  toCategorical,
  type TrainValSets,
  trainValSplit,
} from "./preprocessing.ts";
export { encodeReview, type EncodeReviewOptions, tokenize } from "./tokenize.ts";
export {
  modelInput,
  modelVocabulary,
  prefixIds,
  reviewIds,
  type ReviewInputOptions,
  type ReviewWord,
  reviewWords,
  type WordFate,
} from "./review_input.ts";
export { lengthHistogram, type PaddingSummary, paddingSummary } from "./lengths.ts";
