/**
 * Finding and downloading data files the way Keras's `get_file` does: a file given by path, else
 * one in `$IMDB_DATA_DIR`, else in the Keras cache (`~/.keras/datasets`), else in the project's
 * `data/` directory, else a download into `data/`, checked against a known hash. A download is
 * written to a temporary file beside the target and renamed only when it is whole and its hash
 * matches, so a failed, partial or mismatched download leaves nothing behind.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveDataFile } from "./_download.ts";
 *
 * const dataDir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dataDir}/imdb_word_index.json`, '{"the": 1}');
 * const path = await resolveDataFile({
 *   fileName: "imdb_word_index.json",
 *   url: "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb_word_index.json",
 *   hash: { algorithm: "md5", hex: "bfafd718b763782e994055a2d397834f" },
 *   dataDir, // looked at first: the file is there, so nothing is downloaded
 * });
 * assert.equal(path, `${dataDir}/imdb_word_index.json`);
 * await Deno.remove(dataDir, { recursive: true });
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import { type DataFolder, DataSetError, type MissingDataFile } from "./data_set_error.ts";

/** A file's expected digest. */
export interface FileHash {
  algorithm: "sha256" | "md5";
  /** Lower-case hex digest. */
  hex: string;
}

/** How to download, for tests and for machines without the default network. */
export interface DownloadOptions {
  /** The `fetch` to use (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** Override the file's URL, e.g. a mirror or a `http://127.0.0.1:port/...` test server. */
  url?: string;
  /** Never touch the network: a missing file is an `Error` right away (default: true when
   * the environment variable `IMDB_OFFLINE` is `1`). */
  offline?: boolean;
  /** Progress callback; default: a progress line on stderr. `total` is 0 when unknown. */
  onProgress?: (received: number, total: number) => void;
}

/** Where the project's own download directory is: `data/` beside `src/` (or in the working
 * directory when this module was not loaded from a file). */
export const DEFAULT_DOWNLOAD_DIR = (() => {
  const url = new URL("../../data/", import.meta.url);
  return url.protocol === "file:" ? decodeURIComponent(url.pathname) : "data/";
})();

/** Options of {@link resolveDataFile}. */
export interface ResolveDataFileOptions {
  /** The file's name, e.g. `"imdb.npz"`. */
  fileName: string;
  /** The URL Keras downloads it from. */
  url: string;
  /** The digest Keras checks downloads against. */
  hash: FileHash;
  /** A path to the file itself: used as is, never downloaded. */
  path?: string;
  /** A directory to look in before `$IMDB_DATA_DIR` and the Keras cache. */
  dataDir?: string;
  /** Where downloads land (default: the project's `data/`). */
  downloadDir?: string;
  /** Download behaviour. */
  download?: DownloadOptions;
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined; // no --allow-env: behave as if unset
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

function join(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/** The Keras cache: `$KERAS_HOME/datasets`, else `~/.keras/datasets` (undefined without a home). */
export function kerasCacheDir(): string | undefined {
  const kerasHome = env("KERAS_HOME") ?? (env("HOME") ? join(env("HOME")!, ".keras") : undefined);
  return kerasHome === undefined ? undefined : join(kerasHome, "datasets");
}

/** The folders a data file is looked for in, in order, before downloading. */
export function dataFolders(dataDir?: string, downloadDir?: string): DataFolder[] {
  const folders: DataFolder[] = [];
  if (dataDir) folders.push({ dir: dataDir, source: "dataDir" });
  const envDir = env("IMDB_DATA_DIR");
  if (envDir) folders.push({ dir: envDir, source: "IMDB_DATA_DIR" });
  const cache = kerasCacheDir();
  if (cache) folders.push({ dir: cache, source: "Keras cache" });
  folders.push({ dir: downloadDir ?? DEFAULT_DOWNLOAD_DIR, source: "download folder" });
  return folders;
}

/** The places a data file is looked for, in order, before downloading. */
export function candidatePaths(fileName: string, dataDir?: string, downloadDir?: string): string[] {
  return dataFolders(dataDir, downloadDir).map((f) => join(f.dir, fileName));
}

/** How to supply a file by hand, for error messages. */
function byHand(fileName: string, url: string, dest: string): string {
  return `Download ${url} yourself and put it at ${dest}, or set IMDB_DATA_DIR to a directory ` +
    `holding ${fileName}, or pass its path.`;
}

function defaultProgress(fileName: string): (received: number, total: number) => void {
  let lastShown = -1;
  const tty = Deno.stderr.isTerminal();
  const enc = new TextEncoder();
  return (received, total) => {
    const mb = (n: number) => (n / 1e6).toFixed(1);
    const pct = total > 0 ? Math.floor((100 * received) / total) : -1;
    const step = tty ? 1 : 25;
    const bucket = pct >= 0 ? Math.floor(pct / step) : Math.floor(received / 5e6);
    if (bucket === lastShown && received !== total) return;
    lastShown = bucket;
    const text = total > 0
      ? `Downloading ${fileName}: ${pct}% (${mb(received)} / ${mb(total)} MB)`
      : `Downloading ${fileName}: ${mb(received)} MB`;
    Deno.stderr.writeSync(
      enc.encode(tty ? `\r${text}${received === total ? "\n" : ""}` : `${text}\n`),
    );
  };
}

/**
 * Download `url` to `dest`, verifying `hash`. The bytes go to a temporary file in `dest`'s
 * directory, renamed to `dest` only when complete and verified.
 *
 * @returns `dest`.
 * @throws Error (and leaves no file) when the request fails, the body is cut short, or the
 *   digest does not match; the message says how to supply the file by hand.
 */
export async function downloadFile(
  url: string,
  dest: string,
  hash: FileHash,
  options: DownloadOptions = {},
): Promise<string> {
  const fileName = dest.split("/").pop()!;
  if (options.offline) {
    throw new Error(
      `${fileName} not found and downloads are off (offline). ${byHand(fileName, url, dest)}`,
    );
  }
  const cut = dest.lastIndexOf("/");
  const dir = cut > 0 ? dest.slice(0, cut) : cut === 0 ? "/" : ".";
  await Deno.mkdir(dir, { recursive: true });
  const temp = await Deno.makeTempFile({ dir, prefix: `.${fileName}.`, suffix: ".part" });
  try {
    const fetchFn = options.fetch ?? fetch;
    let response: Response;
    try {
      response = await fetchFn(url);
    } catch (err) {
      throw new Error(`cannot download ${url}: ${(err as Error).message}`);
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new Error(`cannot download ${url}: HTTP ${response.status} ${response.statusText}`);
    }
    const total = Number(response.headers.get("content-length") ?? 0);
    const progress = options.onProgress ?? defaultProgress(fileName);
    const digest = createHash(hash.algorithm);
    const file = await Deno.open(temp, { write: true, truncate: true });
    let received = 0;
    try {
      for await (const chunk of response.body) {
        digest.update(chunk);
        let written = 0;
        while (written < chunk.length) written += await file.write(chunk.subarray(written));
        received += chunk.length;
        progress(received, total);
      }
    } catch (err) {
      throw new Error(
        `download of ${url} broke off after ${received} bytes: ${(err as Error).message}`,
      );
    } finally {
      file.close();
    }
    if (total > 0 && received !== total) {
      throw new Error(`download of ${url} is incomplete: ${received} of ${total} bytes`);
    }
    const got = digest.digest("hex");
    if (got !== hash.hex.toLowerCase()) {
      throw new Error(
        `checksum mismatch for ${url}: ${hash.algorithm} ${got}, expected ${hash.hex}`,
      );
    }
    await Deno.rename(temp, dest);
    return dest;
  } catch (err) {
    await Deno.remove(temp).catch(() => {});
    throw new Error(`${(err as Error).message}. ${byHand(fileName, url, dest)}`, { cause: err });
  }
}

/** What {@link locateDataFile} found: the file's path, or why there is none. */
export type LocatedDataFile =
  | { readonly path: string; readonly missing?: undefined }
  | { readonly path?: undefined; readonly missing: MissingDataFile };

/**
 * Finds a data file (see the module doc for the order), downloading it when it is nowhere; when
 * that fails too, says where it was looked for and why it was not downloaded, without throwing,
 * so that a caller can name every missing file of a data set at once.
 *
 * @throws Error when `path` is given but missing.
 */
export async function locateDataFile(
  options: ResolveDataFileOptions & { size?: string },
): Promise<LocatedDataFile> {
  const { fileName, path, dataDir, downloadDir, hash, download = {} } = options;
  if (path !== undefined) {
    if (!(await isFile(path))) throw new Error(`${fileName}: no file at path "${path}"`);
    return { path };
  }
  const folders = dataFolders(dataDir, downloadDir);
  for (const folder of folders) {
    const candidate = join(folder.dir, fileName);
    if (await isFile(candidate)) return { path: candidate };
  }
  const url = download.url ?? options.url;
  const dest = join(folders[folders.length - 1].dir, fileName);
  const offline = download.offline ?? env("IMDB_OFFLINE") === "1";
  const missing = { fileName, url, size: options.size, folders };
  if (offline) {
    const why = download.offline ? "offline" : "IMDB_OFFLINE=1";
    return {
      missing: { ...missing, notDownloaded: `downloads are off (${why}); its URL is ${url}` },
    };
  }
  try {
    return { path: await downloadFile(url, dest, hash, { ...download, offline }) };
  } catch (err) {
    const cause = (err as Error).cause as Error | undefined;
    return { missing: { ...missing, notDownloaded: (cause ?? err as Error).message } };
  }
}

/** The arguments of {@link DataSetError} that say where files go, from the environment. */
export function dataSetFixes(downloadDir?: string): {
  downloadDir: string;
  kerasCache?: string;
  envDirSet: boolean;
} {
  return {
    downloadDir: downloadDir ?? DEFAULT_DOWNLOAD_DIR,
    kerasCache: kerasCacheDir(),
    envDirSet: env("IMDB_DATA_DIR") !== undefined,
  };
}

/**
 * Find a data file (see the module doc for the order), downloading it when it is nowhere.
 *
 * @returns the file's path.
 * @throws Error when `path` is given but missing; {@link DataSetError} naming the file, every
 *   folder looked in, why it was not downloaded, and the ways to supply it, when it is nowhere.
 */
export async function resolveDataFile(
  options: ResolveDataFileOptions & { dataSet?: string; size?: string },
): Promise<string> {
  const found = await locateDataFile(options);
  if (found.path !== undefined) return found.path;
  throw new DataSetError({
    dataSet: options.dataSet ?? `the data set of ${options.fileName}`,
    missing: [found.missing],
    ...dataSetFixes(options.downloadDir),
  });
}
