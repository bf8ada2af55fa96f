/**
 * Where the tests find the real IMDB files: where `loadImdb` and `getWordIndex` find them
 * (`$IMDB_DATA_DIR`, the Keras cache `~/.keras/datasets/`, the project's `data/`; the same
 * `candidatePaths` of `src/data/_download.ts`), so a reader whose report run downloaded the files
 * gets the real-data tests without setting a variable.
 *
 * When a file is missing the tests that need it are skipped with a message saying where it was
 * looked for; with `CH9_REQUIRE_DATA=1` (CI sets it) a missing file is a failing test instead.
 * @module
 */
import { candidatePaths } from "../src/data/_download.ts";

/** The real files a test file needs: whether to skip its tests, and where each file is. */
export interface RealData {
  /** True when a file is missing: the tests that need the files are to be skipped. */
  readonly ignore: boolean;
  /** The path of each file found, by file name. */
  readonly paths: Readonly<Record<string, string>>;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Finds `fileNames` where the data readers would. When one is missing, prints that `what` is
 * skipped and why, or, with `CH9_REQUIRE_DATA=1`, registers a test that fails saying so.
 *
 * @param what the tests that need the files, for the message (`"imdb tests on real data"`).
 * @param fileNames e.g. `["imdb.npz", "imdb_word_index.json"]`.
 */
export function realData(what: string, fileNames: readonly string[]): RealData {
  const paths: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of fileNames) {
    const path = candidatePaths(name).find(isFile);
    if (path === undefined) missing.push(name);
    else paths[name] = path;
  }
  if (missing.length === 0) return { ignore: false, paths };
  const dirs = candidatePaths("").join(", ");
  const message = `${missing.join(", ")} not found in ${dirs}: put the files in one of these ` +
    `folders or set IMDB_DATA_DIR to a folder holding them (deno task report downloads ` +
    `imdb.npz and imdb_word_index.json into data/)`;
  if (Deno.env.get("CH9_REQUIRE_DATA") === "1") {
    Deno.test(`${what}: the real data are required (CH9_REQUIRE_DATA=1)`, () => {
      throw new Error(message);
    });
  } else {
    console.log(`SKIPPING ${what}: ${message}`);
  }
  return { ignore: true, paths };
}
