/**
 * The chapter's figures as plotly figures, and how a notebook shows them: training curves by
 * epoch (the book's `plt.plot(history.history["loss"])`), the closing comparison of the four
 * models, and {@link showFigure}, whose first figure carries plotly.js so that the page draws
 * with no network (in JupyterLab, VS Code, nbconvert's HTML export or any browser).
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

import { display, type MediaBundle } from "./display.ts";
import { plotlyJs, plotlyScriptTag } from "./_npm_assets.ts";
import type { ModelResult } from "./results.ts";

/** MIME type of plotly figures; JupyterLab and VS Code render it natively. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** One plotly trace (the subset of plotly's schema our figures use, open for the rest). */
export interface PlotlyTrace {
  type: "scatter" | "bar";
  name?: string;
  x?: readonly (number | string)[];
  y?: readonly (number | string)[];
  mode?: string;
  [key: string]: unknown;
}

/** A plotly figure: traces plus layout, exactly what `Plotly.newPlot` takes. */
export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout: { title?: { text: string }; [key: string]: unknown };
}

let figureCounter = 0;

/** Options of {@link figureBundle}. */
export interface FigureBundleOptions {
  /** The plotly.js source to embed (the first figure of a page); omitted: reuse `window.Plotly`. */
  plotlyJs?: string;
  /** The element id; defaults to a fresh `ch9-plot-<n>-<random>`. */
  id?: string;
  /** Height of the plot in pixels (default 380). */
  height?: number;
}

/**
 * A figure as ONE media bundle: the plotly JSON (rendered natively by JupyterLab and VS Code)
 * plus `text/html` that draws the same figure with no network access (what classic Jupyter,
 * nbconvert's HTML export and any browser use), plus a `text/plain` summary.
 *
 * The HTML draws with `window.Plotly`; pass `plotlyJs` to embed the library in this figure
 * (do it for the first figure of a notebook; later ones wait for it).
 */
export function figureBundle(figure: PlotlyFigure, options: FigureBundleOptions = {}): MediaBundle {
  const id = options.id ?? `ch9-plot-${++figureCounter}-${Math.random().toString(36).slice(2, 10)}`;
  const height = options.height ?? 380;
  const layout = { height, ...figure.layout };
  const fig = { data: figure.data, layout };
  // JSON inside <script>: escape "<" so no string in it can end the element.
  const json = JSON.stringify(fig).replace(/</g, "\\u003c");
  const library = options.plotlyJs === undefined ? "" : plotlyScriptTag(options.plotlyJs);
  const html = `<div id="${id}" class="ch9-plotly" data-traces="${figure.data.length}" ` +
    `style="width:100%;min-height:${height}px"></div>${library}` +
    `<script type="text/javascript">(function () {
  var fig = ${json};
  var tries = 0;
  function draw() {
    var el = document.getElementById(${JSON.stringify(id)});
    if (!el) return;
    if (!window.Plotly) {
      if (++tries < 200) return setTimeout(draw, 50);
      el.textContent = "plotly.js is not loaded: run the notebook's first plot cell again.";
      return;
    }
    window.Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false });
  }
  draw();
})();</script>`;
  const title = figure.layout.title?.text ?? "figure";
  const traces = figure.data.map((t) => t.name ?? t.type).join(", ");
  return {
    [PLOTLY_MIME]: fig,
    "text/html": html,
    "text/plain": `<plotly figure: ${title} (${traces})>`,
  };
}

let plotlyEmbedded = false;

/**
 * Shows a figure. The first figure shown in a kernel session carries the plotly.js bundle
 * (2.7 MB packed, once per notebook); later figures reuse `window.Plotly`.
 */
export async function showFigure(figure: PlotlyFigure): Promise<void> {
  const source = plotlyEmbedded ? undefined : await plotlyJs();
  await display(figureBundle(figure, { plotlyJs: source }));
  plotlyEmbedded = true;
}

/** Makes the next {@link showFigure} embed plotly.js again (e.g. after clearing all outputs). */
export function resetPlotlyEmbedding(): void {
  plotlyEmbedded = false;
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
