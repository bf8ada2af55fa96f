/**
 * The error a data set that cannot be used raises as a whole: ONE message naming every file that
 * is missing (each with every folder it was looked for in and why it was not downloaded) and every
 * file that is unreadable, then the three ways to fix it: download, the Keras cache, or a folder
 * of one's own given as `dataDir` (in the notebooks, `config.dataDir`).
 *
 * `checkImdbFiles` (imdb.ts) raises it for the files a notebook needs, before any of them is
 * used, and `loadImdb` / `getWordIndex` for their one file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataSetError } from "./data_set_error.ts";
 *
 * const folders = [
 *   { dir: "/home/me/.keras/datasets", source: "Keras cache" as const },
 *   { dir: "/repo/data", source: "download folder" as const },
 * ];
 * const err = new DataSetError({
 *   dataSet: "the IMDB data set",
 *   missing: [
 *     { fileName: "imdb.npz", url: "https://example.org/imdb.npz", folders, notDownloaded: "offline" },
 *   ],
 *   downloadDir: "/repo/data",
 *   kerasCache: "/home/me/.keras/datasets",
 * });
 * assert.equal(err.files.join(), "imdb.npz");
 * assert.match(err.message, /^The IMDB data set cannot be used: imdb\.npz is missing\.\n/);
 * assert.match(err.message, /\n {2}\/home\/me\/\.keras\/datasets {2}\(the Keras cache\)\n/);
 * assert.match(err.message, /\n1\. Download: .*\n2\. The Keras cache: .*\n3\. Your own folder: /);
 * ```
 * @module
 */

import type { DataFileError } from "./data_file_error.ts";

/** A folder a data file is looked for in, and why it is looked at. */
export interface DataFolder {
  /** The folder's path. */
  readonly dir: string;
  /** Where it comes from: the `dataDir` option, `$IMDB_DATA_DIR`, the Keras cache (`~/.keras/
   * datasets` or `$KERAS_HOME/datasets`), or the folder downloads land in (the project's `data/`). */
  readonly source: "dataDir" | "IMDB_DATA_DIR" | "Keras cache" | "download folder";
}

/** A file found in none of the folders and not downloaded. */
export interface MissingDataFile {
  /** e.g. `"imdb.npz"`. */
  readonly fileName: string;
  /** Where it is downloaded from. */
  readonly url: string;
  /** Its size as people say it, e.g. `"17 MB"` (optional). */
  readonly size?: string;
  /** The folders it was looked for in, in order. */
  readonly folders: readonly DataFolder[];
  /** Why it was not downloaded, with its URL: downloads are off, or the download's error. */
  readonly notDownloaded: string;
}

/** Options of the {@link DataSetError} constructor. */
export interface DataSetErrorOptions {
  /** The data set, e.g. `"the IMDB data set"`. */
  dataSet: string;
  /** The files found nowhere. */
  missing?: readonly MissingDataFile[];
  /** The files found but unreadable (each error names its file and problem). */
  unreadable?: readonly DataFileError[];
  /** Where downloads land (fix 1). */
  downloadDir: string;
  /** The Keras cache folder (fix 2); undefined when there is no home folder. */
  kerasCache?: string;
  /** Whether `$IMDB_DATA_DIR` is set (fix 3 says when it is read). */
  envDirSet?: boolean;
}

const LABELS: Record<DataFolder["source"], string> = {
  dataDir: "dataDir: config.dataDir in the notebooks",
  IMDB_DATA_DIR: "$IMDB_DATA_DIR",
  "Keras cache": "the Keras cache",
  "download folder": "where downloads land",
};

/** `a`, `a and b`, `a, b and c`. */
function list(items: readonly string[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function withSlash(dir: string): string {
  return dir.endsWith("/") ? dir : `${dir}/`;
}

/** A data set that cannot be used: which files are missing or unreadable, and what to do. */
export class DataSetError extends Error {
  override readonly name = "DataSetError";
  /** The files found nowhere. */
  readonly missing: readonly MissingDataFile[];
  /** The files found but unreadable. */
  readonly unreadable: readonly DataFileError[];

  constructor(options: DataSetErrorOptions) {
    const { missing = [], unreadable = [] } = options;
    super(message(options, missing, unreadable));
    this.missing = missing;
    this.unreadable = unreadable;
  }

  /** Every file named by the error: the missing ones, then the unreadable ones. */
  get files(): string[] {
    return [...this.missing.map((m) => m.fileName), ...this.unreadable.map((u) => u.file)];
  }
}

function message(
  options: DataSetErrorOptions,
  missing: readonly MissingDataFile[],
  unreadable: readonly DataFileError[],
): string {
  const problems: string[] = [];
  if (missing.length > 0) {
    const names = list(missing.map((m) => m.fileName));
    problems.push(`${names} ${missing.length === 1 ? "is" : "are"} missing`);
  }
  if (unreadable.length > 0) {
    const names = list(unreadable.map((u) => u.file.split("/").pop()!));
    problems.push(`${names} ${unreadable.length === 1 ? "is" : "are"} unreadable`);
  }
  const dataSet = options.dataSet[0].toUpperCase() + options.dataSet.slice(1);
  const lines = [`${dataSet} cannot be used: ${list(problems)}.`, ""];
  for (const m of missing) {
    const width = Math.max(...m.folders.map((f) => f.dir.length));
    lines.push(`${m.fileName}${m.size ? ` (${m.size})` : ""} is in none of these folders:`);
    for (const f of m.folders) lines.push(`  ${f.dir.padEnd(width)}  (${LABELS[f.source]})`);
    lines.push(`Not downloaded: ${m.notDownloaded}`);
  }
  for (const u of unreadable) {
    lines.push(`${u.message}`);
    lines.push(
      "  (a damaged or partial copy: delete it and get a good one in one of the ways below)",
    );
  }
  const one = missing.length + unreadable.length === 1;
  const files = one ? "the file" : "the files";
  const urls = missing.length === 1 ? "the URL above" : "the URLs above";
  const download = withSlash(options.downloadDir);
  const cache = options.kerasCache === undefined
    ? "~/.keras/datasets/"
    : withSlash(options.kerasCache);
  lines.push(
    "",
    "Fix it in one of three ways, then run again:",
    `1. Download: with an internet connection, running again downloads ${files} into ${download}` +
      ` (or download ${missing.length > 0 ? urls : files} yourself into that folder).`,
    `2. The Keras cache: copy ${files} into ${cache}, where Keras's imdb.load_data() keeps ` +
      `${one ? "it" : "them"} (a machine that ran the book in Python has ${one ? "it" : "them"}` +
      " there).",
    `3. Your own folder: put ${files} in a folder and pass it as the dataDir option; in the` +
      ' notebooks, write dataDir: "/path/to/folder" in the config cell, run it, then this cell.' +
      (options.envDirSet
        ? ""
        : " ($IMDB_DATA_DIR works too, but only if it is set before Jupyter starts.)"),
  );
  return lines.join("\n");
}
