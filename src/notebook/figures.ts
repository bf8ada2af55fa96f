/**
 * The chapter's figures as plotly figures, and how a notebook shows them: training curves by
 * epoch (the book's `plt.plot(history.history["loss"])`), the closing comparison of the four
 * models, and {@link showFigure}.
 *
 * Every figure output draws on its own, whatever happened to the outputs before it (cleared,
 * reloaded, run again, saved and reopened), and the saved notebook stays small. Its bundle holds
 *
 * - the plotly JSON, which JupyterLab (with plotly's extension) and VS Code draw natively;
 * - HTML with the figure and a small loader (`_npm_assets.ts`) that takes plotly.js from the page
 *   or else fetches the packed copy `showFigure` keeps beside the notebook
 *   (`_plotly/plotly-<version>.js.gz`, written once); classic Notebook and JupyterLab without the
 *   extension draw this. The HTML reports carry the library once per page instead;
 * - inside the HTML, a static SVG picture of the figure with a line saying why the interactive
 *   one is missing, shown until the figure is drawn: what an untrusted notebook or a viewer
 *   without JavaScript shows;
 * - a `text/plain` summary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { historyFigure, showFigure } from "./figures.ts";
 *
 * const fig = historyFigure({ loss: [0.69, 0.62], val_loss: [0.68, 0.64] }, "loss");
 * assert.deepEqual(fig.data.map((trace) => trace.name), ["loss", "val_loss"]);
 * assert.deepEqual(fig.data[0].x, [1, 2]); // epochs, 1-based
 * await showFigure(fig); // outside a kernel: "<plotly figure: Loss by epoch (loss, val_loss)>"
 * ```
 * @module
 */

import { display, inJupyter, type MediaBundle } from "./display.ts";
import { PLOTLY_LOADER_JS, plotlyScriptTag, writePlotlyAsset } from "./_npm_assets.ts";
import { figureSvg, svgDataUrl } from "./_static_svg.ts";
import { escapeHtml } from "./_text.ts";
import type { ModelResult } from "./results.ts";

/** MIME type of plotly figures; JupyterLab and VS Code render it natively. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** One plotly trace (the subset of plotly's schema our figures use, open for the rest). */
export interface PlotlyTrace {
  type: "scatter" | "bar" | "heatmap";
  name?: string;
  x?: readonly (number | string)[];
  y?: readonly (number | string)[];
  mode?: string;
  [key: string]: unknown;
}

/** A plotly figure: traces plus layout, exactly what `Plotly.newPlot` takes. */
export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout: {
    /** The title; its `subtitle` is the figure's one-line caption (what to see in it). */
    title?: { text: string; subtitle?: { text: string } };
    [key: string]: unknown;
  };
}

let figureCounter = 0;

/** Options of {@link figureBundle}. */
export interface FigureBundleOptions {
  /** Where the page finds the packed plotly.js, relative to the notebook's folder (see
   * `writePlotlyAsset`); omitted: only on the page itself. */
  plotlySrc?: string;
  /** An HTML `<script>` that brings plotly.js along (see `plotlyScriptTag`), put before the
   * figure: for an output that must carry the library itself. */
  plotlyTag?: string;
  /** The element id; defaults to a fresh `ch9-fig-<n>-<random>`. */
  id?: string;
  /** Height of the plot in pixels (default 380). */
  height?: number;
}

/** What the static picture says when no script drew the figure (an untrusted notebook, a
 * viewer without JavaScript). */
const NO_SCRIPT_NOTE = "<b>A static picture of the figure:</b> the interactive figure needs " +
  "this output's script, which did not run. In Jupyter, trust the notebook (classic Notebook: " +
  "File &#8594; Trust Notebook; JupyterLab: &#8220;Trust Notebook&#8221; in the command " +
  "palette) or run this cell again.";

/**
 * A figure as ONE media bundle (see the module doc): the plotly JSON, HTML that draws it with
 * plotly.js from the page or from `plotlySrc` and shows a static picture until then, and a
 * `text/plain` summary.
 */
export function figureBundle(figure: PlotlyFigure, options: FigureBundleOptions = {}): MediaBundle {
  const id = options.id ?? `ch9-fig-${++figureCounter}-${Math.random().toString(36).slice(2, 10)}`;
  const height = options.height ?? 380;
  const layout = { height, ...figure.layout };
  const fig = { data: figure.data, layout };
  const title = figure.layout.title?.text ?? "figure";
  const traces = figure.data.map((t) => t.name ?? t.type).join(", ");
  // JSON inside <script>: escape "<" so no string in it can end the element.
  const json = JSON.stringify(fig).replace(/</g, "\\u003c");
  const picture = svgDataUrl(figureSvg(fig, { height: layout.height as number }));
  const link = options.plotlySrc === undefined
    ? ""
    : `<a class="ch9-plotly-src" href="${escapeHtml(options.plotlySrc)}"></a>`;
  const html = `<div id="${id}" class="ch9-figure">` +
    `<div class="ch9-figure-fallback"><p class="ch9-figure-note">${NO_SCRIPT_NOTE}</p>` +
    `<img class="ch9-figure-static" src="${picture}" alt="${escapeHtml(`${title} (${traces})`)}"` +
    ` style="max-width:100%;height:auto"></div>` +
    `<div id="${id}-plot" class="ch9-plotly" data-traces="${figure.data.length}"></div>${link}` +
    `</div>${options.plotlyTag ?? ""}<script type="text/javascript">${PLOTLY_LOADER_JS}
(function () {
  var fig = ${json};
  var tries = 0;
  function draw() {
    var root = document.getElementById(${JSON.stringify(id)});
    if (!root) {
      if (++tries < 100) setTimeout(draw, 50);
      return;
    }
    var note = root.querySelector(".ch9-figure-note");
    note.textContent = "Loading plotly.js to draw the figure...";
    window.__ch9PlotlyLoader1.load(root.querySelector(".ch9-plotly-src")).then(function (Plotly) {
      var el = root.querySelector(".ch9-plotly");
      return Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false });
    }).then(function () {
      root.querySelector(".ch9-figure-fallback").style.display = "none";
    }, function (e) {
      note.textContent = "The interactive figure could not be drawn: plotly.js did not load (" +
        (e && e.message || e) + "). Run this cell again to restore it; below, a static picture.";
    });
  }
  draw();
})();</script>`;
  return {
    [PLOTLY_MIME]: fig,
    "text/html": html,
    "text/plain": `<plotly figure: ${title} (${traces})>`,
  };
}

/** Options of {@link notebookFigureBundle}. */
export interface NotebookFigureBundleOptions {
  /** The notebook's folder, where plotly.js is kept (default: the working directory, which is
   * the notebook's folder in a Jupyter kernel). */
  dir?: string;
}

/**
 * The bundle {@link showFigure} shows: {@link figureBundle} linking to the packed plotly.js in
 * the notebook's folder, written there first if it is missing. When it cannot be written (a
 * read-only folder), the figure carries the packed library itself (2.7 MB) instead.
 */
export async function notebookFigureBundle(
  figure: PlotlyFigure,
  options: NotebookFigureBundleOptions = {},
): Promise<MediaBundle> {
  let plotlySrc: string;
  try {
    plotlySrc = await writePlotlyAsset(options.dir ?? Deno.cwd());
  } catch {
    return figureBundle(figure, { plotlyTag: await plotlyScriptTag() });
  }
  return figureBundle(figure, { plotlySrc });
}

/**
 * Shows a figure as a notebook output (see the module doc); outside a kernel, prints its
 * `text/plain` summary.
 */
export async function showFigure(figure: PlotlyFigure): Promise<void> {
  if (!inJupyter()) {
    await display(figureBundle(figure));
    return;
  }
  await display(await notebookFigureBundle(figure));
}

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

/** Options of {@link comparisonFigure}. */
export interface ComparisonFigureOptions {
  /** The figure's title (default "Chapter 9 models: accuracy and training time"). */
  title?: string;
  /**
   * The time line: `"total"` (default) the whole training in seconds, `"perEpoch"` seconds per
   * epoch (`trainSeconds / epochs`; every result then needs `epochs`), for models trained for
   * different numbers of epochs.
   */
  time?: "total" | "perEpoch";
  /** A one-line caption under the title (what to see in the figure). */
  caption?: string;
}

/**
 * The closing comparison of the chapter's models: grouped bars of validation and test accuracy
 * (left axis) and a line of training time in seconds, or seconds per epoch (right axis), one group
 * per model.
 *
 * @throws Error when `results` is empty, an accuracy is outside [0, 1], or `time: "perEpoch"`
 *   meets a result without a positive `epochs`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { comparisonFigure } from "./figures.ts";
 *
 * const f = comparisonFigure([
 *   { name: "LSTM (9-4)", valAcc: 0.8352, testAcc: 0.8452, trainSeconds: 19.2, epochs: 10 },
 *   { name: "GRU(8)", valAcc: 0.84, trainSeconds: 17, epochs: 10 },
 * ], { time: "perEpoch" });
 * assert.deepEqual(f.data.at(-1)!.y, [1.92, 1.7]);
 * ```
 */
export function comparisonFigure(
  results: readonly ModelResult[],
  options: ComparisonFigureOptions = {},
): PlotlyFigure {
  const { title, time = "total", caption } = options;
  if (results.length === 0) throw new Error("comparisonFigure needs at least one model result");
  for (const r of results) {
    for (const [k, v] of [["valAcc", r.valAcc], ["testAcc", r.testAcc]] as const) {
      if (v !== undefined && !(v >= 0 && v <= 1)) {
        throw new Error(`${r.name}: ${k} must be in [0, 1], got ${v}`);
      }
    }
    if (time === "perEpoch" && !(r.epochs !== undefined && r.epochs > 0)) {
      throw new Error(`${r.name}: time "perEpoch" needs epochs > 0, got ${r.epochs}`);
    }
  }
  const timeName = time === "perEpoch" ? "seconds per epoch" : "training time (s)";
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
    name: timeName,
    x,
    y: results.map((r) => time === "perEpoch" ? r.trainSeconds / r.epochs! : r.trainSeconds),
    yaxis: "y2",
    line: { color: "#2ca02c" },
  });
  return {
    data,
    layout: {
      title: {
        text: title ?? "Chapter 9 models: accuracy and training time",
        ...(caption === undefined ? {} : { subtitle: { text: caption } }),
      },
      barmode: "group",
      xaxis: { title: { text: "model" }, automargin: true }, // long names: room below the axis
      yaxis: { title: { text: "accuracy" }, range: [0, 1] },
      yaxis2: {
        title: { text: timeName },
        overlaying: "y",
        side: "right",
        rangemode: "tozero",
      },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      margin: { t: 80, r: 60, b: 60, l: 60 },
    },
  };
}
