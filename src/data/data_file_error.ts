/**
 * The one error the data readers throw for a file they cannot read: `imdb.npz` (its zip, its
 * `.npy` entries, their pickles) or `imdb_word_index.json`, whatever its bytes. It names the
 * file, the entry inside the archive (`x_train.npy`, ...) when the problem is in one, and what
 * was wrong; a failure of the platform underneath (the UTF-8 decoder, inflate, `JSON.parse`)
 * is kept as its `cause`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataFileError } from "./data_file_error.ts";
 * import { getWordIndex } from "./imdb.ts";
 *
 * const dataDir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dataDir}/imdb_word_index.json`, '{"the": 1, "movie": ');
 * await assert.rejects(getWordIndex({ dataDir }), (err) => {
 *   assert.ok(err instanceof DataFileError);
 *   assert.equal(err.file, `${dataDir}/imdb_word_index.json`);
 *   assert.equal(err.entry, null); // a JSON file has no entries; imdb.npz's errors name one
 *   assert.match(err.problem, /^not valid JSON/);
 *   assert.ok(err.cause instanceof SyntaxError); // JSON.parse's own error
 *   return true;
 * });
 * await Deno.remove(dataDir, { recursive: true });
 * ```
 * @module
 */

/** Where in a data file a reader is: the file, and the archive entry when inside one. */
export interface DataSource {
  /** The file's path or name, as the caller gave it. */
  readonly file: string;
  /** The entry of the archive (`x_train.npy`), or null (or absent) for the file as a whole. */
  readonly entry?: string | null;
}

/** A data file that cannot be read: which file, which entry, what was wrong. */
export class DataFileError extends Error {
  override readonly name = "DataFileError";
  /** The file's path or name. */
  readonly file: string;
  /** The entry of the archive the problem is in (`x_train.npy`), or null. */
  readonly entry: string | null;
  /** What was wrong, without the file and entry. */
  readonly problem: string;

  /**
   * @param source the file and, inside an archive, the entry.
   * @param problem what was wrong, e.g. `"pickle: truncated data (need 4 bytes at byte 9 of 12)"`.
   * @param options `cause`: the error underneath, kept as the standard `cause`.
   */
  constructor(source: DataSource, problem: string, options: { cause?: unknown } = {}) {
    const entry = source.entry ?? null;
    // An entry's name comes from the file: shown as it is when short and plain, else quoted.
    const shown = entry === null || /^[\x21-\x7e]{1,100}$/.test(entry) ? entry : quoted(entry);
    super(
      `${source.file}${shown === null ? "" : `, entry ${shown}`}: ${problem}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.file = source.file;
    this.entry = entry;
    this.problem = problem;
  }
}

/**
 * A string from a file as an error message shows it: JSON-quoted (so control characters and
 * quotes are visible) and cut to `max` characters, however long it is.
 */
export function quoted(text: string, max = 80): string {
  return text.length <= max
    ? JSON.stringify(text)
    : `${JSON.stringify(text.slice(0, max))}... (${text.length} characters)`;
}

/**
 * What a value parsed from a file is, for an error message, in constant time: a type name and,
 * for short scalars, the value. Never walks into arrays or objects, so a value nested 100,000
 * deep is described as safely as a number.
 */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  switch (typeof v) {
    case "string":
      return `the string ${quoted(v, 40)}`;
    case "number":
    case "boolean":
      return String(v);
    case "bigint":
      return v >= -(2n ** 64n) && v <= 2n ** 64n ? `${v}` : "an integer beyond 64 bits";
    case "undefined":
      return "nothing";
    default:
      return `an ${typeof v}`;
  }
}
