/**
 * What each notebook leaves for the end of 9-4: one JSON file of results per model (for the
 * comparison of the four models) and, optionally, the trained model itself (for the review box),
 * in the git-ignored `data/results/`, kept apart for quick runs (`CH9_QUICK=1`) and full ones.
 *
 * `deno task report` runs the notebooks in parallel, so 9-4 may reach its comparison while 9-2
 * and 9-3 still train. The report therefore names its run and the results its notebooks will
 * save (`CH9_REPORT_RUN`, `CH9_REPORT_PENDING`): each result records the run that saved it, and
 * {@link loadModelResults} waits for a pending key until this run's result is there. Outside a
 * report (a reader's Jupyter, a test) nothing is pending and nothing waits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadModelResults, saveModelResult } from "./results.ts";
 *
 * const dir = new URL(`file://${await Deno.makeTempDir()}/`);
 * const lstm = { name: "Embedding + LSTM (9-4)", valAcc: 0.83, trainSeconds: 60, quick: true };
 * await saveModelResult("embedding_lstm", lstm, { dir, run: null });
 * const { results, missing } = await loadModelResults(["scratch_rnn", "embedding_lstm"], {
 *   quick: true,
 *   dir,
 *   run: null, // no report run: read what is there
 * });
 * assert.deepEqual(results, [lstm]);
 * assert.deepEqual(missing, ["scratch_rnn"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @module
 */
import { loadModel, saveModel } from "../tfjs/model_io.ts";
import type { LayersModel } from "../tfjs/training.ts";

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
  /** The `deno task report` run that saved it (absent outside a report). */
  run?: string;
}

/** Where notebooks leave their results for the closing comparison (git-ignored `data/`). */
export const RESULTS_DIR: URL = new URL("../../data/results/", import.meta.url);

/** A `deno task report` run as its notebooks see it: its id and the results it will save. */
export interface ReportRun {
  /** `CH9_REPORT_RUN`: an id unique to the run. */
  id: string;
  /** `CH9_REPORT_PENDING`: the keys the run's notebooks save (comma-separated there). */
  pending: readonly string[];
}

/** The report run this process belongs to, from `CH9_REPORT_RUN` and `CH9_REPORT_PENDING`;
 * `null` outside a report. */
export function reportRunFromEnv(): ReportRun | null {
  const id = Deno.env.get("CH9_REPORT_RUN");
  if (!id) return null;
  const pending = (Deno.env.get("CH9_REPORT_PENDING") ?? "").split(",").filter((k) => k !== "");
  return { id, pending };
}

/** `<key>.json`, or `<key>.quick.json` for a quick run's result. */
function resultFile(key: string, quick: boolean): string {
  return quick ? `${key}.quick.json` : `${key}.json`;
}

/** `<key>.model/`, or `<key>.quick.model/`: the saved model beside its result. */
function modelFolder(key: string, quick: boolean): string {
  return quick ? `${key}.quick.model/` : `${key}.model/`;
}

/** Options of {@link saveModelResult}. */
export interface SaveModelResultOptions {
  /** The directory (default {@link RESULTS_DIR}). */
  dir?: URL;
  /** Also save the trained model (`saveModel`), for {@link loadTrainedModels}. */
  model?: LayersModel;
  /** The report run to record (default {@link reportRunFromEnv}; `null`: none). */
  run?: ReportRun | null;
}

/**
 * Saves one model's result as `<dir>/<key>.json` (`<key>.quick.json` when `result.quick`), for
 * the comparison at the end of 9-4, and with `model` the trained model in `<key>.model/`
 * (`<key>.quick.model/`) before it. The JSON is written to a temporary file and renamed, so a
 * notebook waiting for it never reads half of it.
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
  const run = options.run === undefined ? reportRunFromEnv() : options.run;
  if (!/^[A-Za-z0-9_-]+$/.test(key)) {
    throw new Error(`Invalid result key "${key}": use letters, digits, "_" and "-"`);
  }
  const quick = result.quick ?? false;
  await Deno.mkdir(dir, { recursive: true });
  const folder = new URL(modelFolder(key, quick), dir).pathname;
  if (options.model) await saveModel(options.model, folder);
  else await Deno.remove(folder, { recursive: true }).catch(() => {}); // none outlives its result
  const record = run === null ? result : { ...result, run: run.id };
  const file = new URL(resultFile(key, quick), dir);
  const temp = await Deno.makeTempFile({ dir: dir.pathname, prefix: `.${key}-`, suffix: ".part" });
  try {
    await Deno.writeTextFile(temp, JSON.stringify(record, null, 2) + "\n");
    await Deno.rename(temp, file);
  } catch (err) {
    await Deno.remove(temp).catch(() => {});
    throw err;
  }
}

/** Options of {@link loadModelResults}. */
export interface LoadModelResultsOptions {
  /** Read the results of quick runs (`CH9_QUICK=1`), or of full ones. */
  quick: boolean;
  /** The directory (default {@link RESULTS_DIR}). */
  dir?: URL;
  /** The report run whose pending results to wait for (default {@link reportRunFromEnv};
   * `null`: read what is there). */
  run?: ReportRun | null;
  /** How long to wait for a pending result, in seconds (default 3600). */
  timeoutSeconds?: number;
}

/** The result saved under `key`, or `undefined` when there is none. */
async function readResult(file: URL): Promise<ModelResult | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(file));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * Reads the results saved under `keys` by runs of the given kind (`quick` or not), in that
 * order; `missing` names the keys with no such result. In a report run, a key the run's
 * notebooks will save is waited for until this run has saved it.
 *
 * @throws Error naming the keys when a pending result does not come within the timeout.
 */
export async function loadModelResults(
  keys: readonly string[],
  options: LoadModelResultsOptions,
): Promise<{ results: ModelResult[]; missing: string[] }> {
  const { dir = RESULTS_DIR, timeoutSeconds = 3600 } = options;
  const run = options.run === undefined ? reportRunFromEnv() : options.run;
  const deadline = Date.now() + timeoutSeconds * 1000;
  const results: ModelResult[] = [];
  const missing: string[] = [];
  for (const key of keys) {
    const file = new URL(resultFile(key, options.quick), dir);
    let r = await readResult(file);
    while (run !== null && run.pending.includes(key) && r?.run !== run.id) {
      if (Date.now() > deadline) {
        throw new Error(
          `${key}: this report run (${run.id}) has not saved its result in ${timeoutSeconds} s ` +
            `(${file.pathname})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      r = await readResult(file);
    }
    if (r !== undefined && (r.quick ?? false) === options.quick) results.push(r);
    else missing.push(key);
  }
  return { results, missing };
}

/** A trained model saved with its result, and the result's name for it. */
export interface TrainedModel {
  key: string;
  /** The result's `name`, e.g. `"Embedding + SimpleRNN (9-3)"`. */
  name: string;
  model: LayersModel;
}

/**
 * Loads the models saved with `saveModelResult(key, result, { model })` under `keys` (waiting
 * as {@link loadModelResults} does); `missing` names the keys with no result or no saved model.
 */
export async function loadTrainedModels(
  keys: readonly string[],
  options: LoadModelResultsOptions,
): Promise<{ models: TrainedModel[]; missing: string[] }> {
  const { dir = RESULTS_DIR } = options;
  const { results, missing } = await loadModelResults(keys, options);
  const models: TrainedModel[] = [];
  const absent = new Set(missing);
  for (const [i, key] of keys.filter((k) => !missing.includes(k)).entries()) {
    const folder = new URL(modelFolder(key, options.quick), dir).pathname;
    try {
      await Deno.stat(`${folder}/model.json`);
    } catch {
      absent.add(key);
      continue;
    }
    models.push({ key, name: results[i].name, model: await loadModel(folder) });
  }
  return { models, missing: keys.filter((k) => absent.has(k)) };
}
