/**
 * The results each notebook saves for the comparison at the end of 9-4: one JSON file per model
 * in the git-ignored `data/results/`, kept apart for quick runs (`CH9_QUICK=1`) and full ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModelResults, saveModelResult } from "./results.ts";
 *
 * const dir = new URL(`file://${await Deno.makeTempDir()}/`);
 * const lstm = { name: "Embedding + LSTM (9-4)", valAcc: 0.83, trainSeconds: 60, quick: true };
 * await saveModelResult("embedding_lstm", lstm, { dir });
 * const { results, missing } = await loadModelResults(["scratch_rnn", "embedding_lstm"], {
 *   quick: true,
 *   dir,
 * });
 * assert.deepEqual(results, [lstm]);
 * assert.deepEqual(missing, ["scratch_rnn"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @module
 */

/** One model's results for the closing comparison. */
export interface ModelResult {
  /** e.g. `"RecurrentNetwork (scratch)"`. */
  name: string;
  /** Validation accuracy in [0, 1]. */
  valAcc: number;
  /** Test accuracy in [0, 1] (may be absent, e.g. not measured). */
  testAcc?: number;
  /** Wall-clock training time in seconds. */
  trainSeconds: number;
  /** Epochs trained. */
  epochs?: number;
  /** Whether it came from a quick run (`CH9_QUICK=1`: subset, few epochs). */
  quick?: boolean;
}

/** Where notebooks leave their results for the closing comparison (git-ignored `data/`). */
export const RESULTS_DIR: URL = new URL("../../data/results/", import.meta.url);

/** `<key>.json`, or `<key>.quick.json` for a quick run's result. */
function resultFile(key: string, quick: boolean): string {
  return quick ? `${key}.quick.json` : `${key}.json`;
}

/** Options of {@link saveModelResult}. */
export interface SaveModelResultOptions {
  /** The directory (default {@link RESULTS_DIR}). */
  dir?: URL;
}

/**
 * Saves one model's result as `<dir>/<key>.json` (`<key>.quick.json` when `result.quick`), for
 * the comparison at the end of 9-4.
 *
 * @param key file name, e.g. `"embedding_lstm"` (letters, digits, `_` and `-`).
 * @throws Error when `key` holds other characters.
 */
export async function saveModelResult(
  key: string,
  result: ModelResult,
  options: SaveModelResultOptions = {},
): Promise<void> {
  const { dir = RESULTS_DIR } = options;
  if (!/^[A-Za-z0-9_-]+$/.test(key)) {
    throw new Error(`Invalid result key "${key}": use letters, digits, "_" and "-"`);
  }
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    new URL(resultFile(key, result.quick ?? false), dir),
    JSON.stringify(result, null, 2) + "\n",
  );
}

/** Options of {@link loadModelResults}. */
export interface LoadModelResultsOptions {
  /** Read the results of quick runs (`CH9_QUICK=1`), or of full ones. */
  quick: boolean;
  /** The directory (default {@link RESULTS_DIR}). */
  dir?: URL;
}

/**
 * Reads the results saved under `keys` by runs of the given kind (`quick` or not), in that
 * order; `missing` names the keys with no such result.
 */
export async function loadModelResults(
  keys: readonly string[],
  options: LoadModelResultsOptions,
): Promise<{ results: ModelResult[]; missing: string[] }> {
  const results: ModelResult[] = [];
  const missing: string[] = [];
  for (const key of keys) {
    let r: ModelResult;
    try {
      const file = new URL(resultFile(key, options.quick), options.dir ?? RESULTS_DIR);
      r = JSON.parse(await Deno.readTextFile(file));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        missing.push(key);
        continue;
      }
      throw e;
    }
    if ((r.quick ?? false) === options.quick) results.push(r);
    else missing.push(key);
  }
  return { results, missing };
}

/**
 * Where a notebook keeps a trained model for a later notebook (9-3's Embedding + SimpleRNN, for
 * 9-4's comparisons inside the models): `<dir>/<key>.model/` (`<key>.quick.model/` for a quick
 * run), for `saveModel` / `loadModel`.
 *
 * @param key e.g. `"embedding_simple_rnn"` (letters, digits, `_` and `-`).
 */
export function trainedModelDir(key: string, quick: boolean, dir: URL = RESULTS_DIR): string {
  if (!/^[A-Za-z0-9_-]+$/.test(key)) {
    throw new Error(`Invalid model key "${key}": use letters, digits, "_" and "-"`);
  }
  return new URL(`${key}${quick ? ".quick" : ""}.model`, dir).pathname;
}
