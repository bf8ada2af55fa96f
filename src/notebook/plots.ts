/**
 * The chapter's figures as plotly figure objects (shown with `showFigure` from display.ts):
 * training and validation loss or accuracy by epoch (the book's `plt.plot(history...)`), and
 * the closing comparison of the four models.
 *
 * @example
 * ```ts
 * import { historyFigure } from "./plots.ts";
 *
 * const fig = historyFigure({ loss: [0.69, 0.62], val_loss: [0.68, 0.64] }, "loss");
 * fig.data.map((t) => t.name); // ["loss", "val_loss"]
 * ```
 * @module
 */

import type { PlotlyFigure, PlotlyTrace } from "./display.ts";

/** Per-epoch curves as Keras's `history.history` names them (any subset). */
export interface HistoryCurves {
  loss?: readonly number[];
  val_loss?: readonly number[];
  acc?: readonly number[];
  val_acc?: readonly number[];
}

const COLORS = { train: "#1f77b4", val: "#ff7f0e" } as const;

function epochs(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

function checkCurve(name: string, ys: readonly number[]): void {
  if (ys.length === 0) throw new Error(`${name} is empty: nothing to plot`);
  for (const y of ys) {
    if (typeof y !== "number") throw new Error(`${name} holds a non-number: ${String(y)}`);
  }
}

/**
 * The book's training curves: `"loss"` plots `loss` and `val_loss`, `"acc"` plots `acc` and
 * `val_acc`, by epoch (1-based x axis), with axis titles and a legend. Missing curves are left
 * out; at least one must be present.
 *
 * @param history per-epoch values, e.g. `{ loss: number[], val_loss: number[] }`
 * @param metric which pair to plot
 * @param title figure title (default: "Loss by epoch" / "Accuracy by epoch")
 * @throws Error when neither curve of the pair is present or one is empty.
 */
export function historyFigure(
  history: HistoryCurves,
  metric: "loss" | "acc",
  title?: string,
): PlotlyFigure {
  const names = metric === "loss" ? (["loss", "val_loss"] as const) : (["acc", "val_acc"] as const);
  const data: PlotlyTrace[] = [];
  for (const name of names) {
    const ys = history[name];
    if (ys === undefined) continue;
    checkCurve(name, ys);
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name,
      x: epochs(ys.length),
      y: [...ys],
      line: { color: name.startsWith("val_") ? COLORS.val : COLORS.train },
    });
  }
  if (data.length === 0) {
    throw new Error(`history has neither ${names[0]} nor ${names[1]}`);
  }
  const label = metric === "loss" ? "Loss" : "Accuracy";
  const n = Math.max(...data.map((t) => t.x!.length));
  return {
    data,
    layout: {
      title: { text: title ?? `${label} by epoch` },
      // Whole epochs only: a tick per epoch up to 20 epochs, fewer beyond.
      xaxis: { title: { text: "epoch" }, tickmode: "linear", tick0: 1, dtick: Math.ceil(n / 20) },
      yaxis: { title: { text: metric === "loss" ? "binary cross-entropy" : "accuracy" } },
      legend: { orientation: "h", y: -0.2 },
      margin: { t: 50, r: 20, b: 40, l: 60 },
    },
  };
}

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

/**
 * Saves one model's result as `<dir>/<key>.json` (`<key>.quick.json` when `result.quick`), for
 * the comparison at the end of 9-4.
 *
 * @param key file name, e.g. `"embedding_lstm"` (letters, digits, `_` and `-`).
 */
export async function saveModelResult(
  key: string,
  result: ModelResult,
  dir: URL = RESULTS_DIR,
): Promise<void> {
  if (!/^[A-Za-z0-9_-]+$/.test(key)) throw new Error(`Invalid result key "${key}"`);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    new URL(resultFile(key, result.quick ?? false), dir),
    JSON.stringify(result, null, 2) + "\n",
  );
}

/**
 * Reads the results saved under `keys` by runs of the given kind (`quick` or not), in that
 * order; `missing` names the keys with no such result.
 */
export async function loadModelResults(
  keys: readonly string[],
  options: { quick: boolean; dir?: URL },
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
 * The closing comparison of the chapter's models: grouped bars of validation and test accuracy
 * (left axis) and a line of training time in seconds (right axis), one group per model.
 *
 * @throws Error when `results` is empty or an accuracy is outside [0, 1].
 */
export function comparisonFigure(results: readonly ModelResult[], title?: string): PlotlyFigure {
  if (results.length === 0) throw new Error("comparisonFigure needs at least one model result");
  for (const r of results) {
    for (const [k, v] of [["valAcc", r.valAcc], ["testAcc", r.testAcc]] as const) {
      if (v !== undefined && !(v >= 0 && v <= 1)) {
        throw new Error(`${r.name}: ${k} must be in [0, 1], got ${v}`);
      }
    }
  }
  const x = results.map((r) => r.name);
  const data: PlotlyTrace[] = [
    {
      type: "bar",
      name: "validation accuracy",
      x,
      y: results.map((r) => r.valAcc),
      marker: { color: COLORS.val },
      text: results.map((r) => r.valAcc.toFixed(3)),
      textposition: "auto",
    },
  ];
  if (results.some((r) => r.testAcc !== undefined)) {
    data.push({
      type: "bar",
      name: "test accuracy",
      x,
      y: results.map((r) => r.testAcc ?? null) as number[],
      marker: { color: COLORS.train },
      text: results.map((r) => (r.testAcc === undefined ? "" : r.testAcc.toFixed(3))),
      textposition: "auto",
    });
  }
  data.push({
    type: "scatter",
    mode: "lines+markers",
    name: "training time (s)",
    x,
    y: results.map((r) => r.trainSeconds),
    yaxis: "y2",
    line: { color: "#2ca02c" },
  });
  return {
    data,
    layout: {
      title: { text: title ?? "Chapter 9 models: accuracy and training time" },
      barmode: "group",
      xaxis: { automargin: true }, // long model names: room below the axis
      yaxis: { title: { text: "accuracy" }, range: [0, 1] },
      yaxis2: {
        title: { text: "training time (s)" },
        overlaying: "y",
        side: "right",
        rangemode: "tozero",
      },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      margin: { t: 80, r: 60, b: 60, l: 60 },
    },
  };
}
