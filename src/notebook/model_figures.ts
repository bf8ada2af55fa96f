/**
 * Figures of what the chapter's trained models do inside (issue 11), built from the numbers that
 * `src/data/lengths.ts`, `src/scratch/hidden_gradients.ts` and the `src/tfjs/` computations
 * return. Each has a title, axis titles with units, and a one-line caption under its title
 * (plotly's `title.subtitle`) saying what to see; captions quote the figure's own numbers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gradientFlowFigure } from "./model_figures.ts";
 *
 * const steps = 30; // the gradient at step t (1-based): 10^-(30 − t) / 10 and 10^-(30 − t) / 40
 * const fig = gradientFlowFigure([
 *   { name: "SimpleRNN", normByStep: Float64Array.from({ length: steps }, (_, t) => 10 ** ((t - 29) / 10)) },
 *   { name: "LSTM", normByStep: Float64Array.from({ length: steps }, (_, t) => 10 ** ((t - 29) / 40)) },
 * ], { reviews: 2 });
 * assert.equal((fig.layout.yaxis as { type: string }).type, "log");
 * // step 1 against step 21, 10 steps before the end
 * assert.match(fig.layout.title!.subtitle!.text, /step 21: SimpleRNN 10\^-2\.0, LSTM 10\^-0\.5/);
 * ```
 * @module
 */
import type { PlotlyFigure, PlotlyTrace } from "./figures.ts";
import type { PaddingSummary } from "../data/lengths.ts";
import { lengthHistogram } from "../data/lengths.ts";
import type { ConfusionCounts } from "../tfjs/mistakes.ts";
import type { LstmGates } from "../tfjs/word_by_word.ts";

const BLUE = "#1f77b4", ORANGE = "#ff7f0e", RED = "#d62728", GREEN = "#2ca02c";
/** Negative (red) through white to positive (blue). */
const DIVERGING: [number, string][] = [[0, "#b2182b"], [0.5, "#f7f7f7"], [1, "#2166ac"]];
const VIRIDIS: [number, string][] = [
  [0, "#440154"],
  [0.25, "#3b528b"],
  [0.5, "#21918c"],
  [0.75, "#5ec962"],
  [1, "#fde725"],
];

function percent(part: number, whole: number): string {
  return `${(100 * part / Math.max(whole, 1)).toFixed(1)}%`;
}

function title(text: string, caption: string): { text: string; subtitle: { text: string } } {
  return { text, subtitle: { text: caption } };
}

/**
 * 9-2: the histogram of review lengths before padding, with `maxlen` marked and the shares of
 * reviews padded and truncated.
 *
 * @param summary `paddingSummary(reviews, maxlen)`
 * @param options `binWidth` (default 10) and `max`, the longest length drawn (default: the
 *   99th percentile rounded up to 50, at least 2 · maxlen); longer reviews are counted in the
 *   caption.
 */
export function paddingFigure(
  summary: PaddingSummary,
  options: { binWidth?: number; max?: number; what?: string } = {},
): PlotlyFigure {
  const { lengths, maxlen, truncated, padded } = summary;
  const n = lengths.length;
  if (n === 0) throw new Error("paddingFigure: no reviews");
  const binWidth = options.binWidth ?? 10;
  const sorted = Int32Array.from(lengths).sort();
  const p99 = sorted[Math.min(n - 1, Math.floor(0.99 * n))];
  const step = Math.max(50, binWidth);
  const max = options.max ??
    Math.max(2 * maxlen, Math.ceil((p99 + 1) / step) * step, binWidth);
  const { starts, counts, over } = lengthHistogram(lengths, { binWidth, max });
  const what = options.what ?? "reviews";
  return {
    data: [{
      type: "bar",
      name: `${what} (${n.toLocaleString("en")})`,
      x: starts.map((s) => s + binWidth / 2),
      y: counts,
      width: binWidth * 0.92,
      marker: { color: BLUE },
    }],
    layout: {
      title: title(
        `Review lengths before padding (maxlen = ${maxlen})`,
        `${percent(padded, n)} get zeros in front, ${percent(truncated, n)} lose their first ` +
          `words` +
          (over > 0 ? ` (${over.toLocaleString("en")} longer than ${max} not drawn)` : ""),
      ),
      xaxis: { title: { text: `length before padding (word ids, bins of ${binWidth})` } },
      yaxis: { title: { text: "reviews" }, rangemode: "tozero" },
      shapes: [{
        type: "line",
        xref: "x",
        yref: "paper",
        x0: maxlen,
        x1: maxlen,
        y0: 0,
        y1: 1,
        line: { color: RED, width: 2, dash: "dash" },
      }],
      annotations: [
        {
          x: maxlen,
          y: 0.97,
          xref: "x",
          yref: "paper",
          text: `maxlen = ${maxlen}`,
          showarrow: false,
          xanchor: "left",
          font: { size: 12, color: RED },
        },
        {
          x: maxlen,
          y: 0.85,
          xref: "x",
          yref: "paper",
          text: `← padded: ${percent(padded, n)}`,
          showarrow: false,
          xanchor: "right",
        },
        {
          x: maxlen,
          y: 0.85,
          xref: "x",
          yref: "paper",
          text: `truncated: ${percent(truncated, n)} →`,
          showarrow: false,
          xanchor: "left",
        },
      ],
      showlegend: true,
      legend: { orientation: "h", y: -0.25 },
      margin: { t: 80, r: 20, b: 60, l: 60 },
    },
  };
}

/** Powers of ten between two positive numbers, as "10^x.x". */
function decades(from: number, to: number): string {
  return `10^${Math.log10(to / from).toFixed(1)}`;
}

/**
 * 9-2: the mean size of the gradient reaching the hidden state k steps before the last one, on
 * a log scale, with the steps truncated backpropagation keeps shaded.
 *
 * @param curves e.g. `[{ name: "trained", normByDistance }]` from `hiddenStateGradients`
 */
export function gradientDistanceFigure(
  curves: readonly { name: string; normByDistance: ArrayLike<number> }[],
  options: { tbpttSteps: number; reviews: number },
): PlotlyFigure {
  if (curves.length === 0) throw new Error("gradientDistanceFigure: no curves");
  const colors = [BLUE, ORANGE, GREEN];
  const data: PlotlyTrace[] = curves.map((c, i) => ({
    type: "scatter",
    mode: "lines",
    name: c.name,
    x: Array.from(c.normByDistance, (_, k) => k),
    y: Array.from(c.normByDistance),
    line: { color: colors[i % colors.length], width: 2 },
  }));
  const first = curves[0].normByDistance;
  const last = first.length - 1;
  const k = options.tbpttSteps;
  return {
    data,
    layout: {
      title: title(
        "How far back the gradient reaches in the hand-written RNN",
        `${curves[0].name}: the gradient ${last} steps back is ${
          decades(first[0], first[last])
        } times the last step's; TBPTT keeps only the shaded ${k} steps`,
      ),
      xaxis: { title: { text: "steps back from the last word, k" } },
      yaxis: {
        title: { text: `mean ‖∂L/∂h(T−k)‖ over ${options.reviews} reviews (log)` },
        type: "log",
      },
      shapes: [{
        type: "rect",
        xref: "x",
        yref: "paper",
        x0: -0.5,
        x1: k - 0.5,
        y0: 0,
        y1: 1,
        fillcolor: RED,
        opacity: 0.12,
        line: { width: 0 },
      }],
      annotations: [{
        x: k - 0.5,
        y: 0.04,
        xref: "x",
        yref: "paper",
        text: ` TBPTT: ${k} steps`,
        showarrow: false,
        xanchor: "left",
        font: { size: 12, color: RED },
      }],
      legend: { orientation: "h", y: -0.25 },
      margin: { t: 80, r: 20, b: 60, l: 70 },
    },
  };
}

/**
 * 9-3: the embedding vectors in 2-D (PCA), coloured by each word's push; the most positive and
 * most negative words labelled.
 *
 * @param options coords [words, 2] and explained from `projectPca`, the words' text, their
 *   pushes from `wordPushes`, and how many to label at each end (default 20)
 */
export function embeddingMapFigure(options: {
  coords: ArrayLike<number>;
  explained: readonly number[];
  words: readonly string[];
  push: ArrayLike<number>;
  label?: number;
  model?: string;
}): PlotlyFigure {
  const { coords, explained, words, push, label = 20 } = options;
  const n = words.length;
  if (coords.length !== 2 * n || push.length !== n) {
    throw new Error(
      `embeddingMapFigure: ${n} words, ${coords.length / 2} points, ${push.length} pushes`,
    );
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => push[b] - push[a]);
  const labelled = [...order.slice(0, label), ...order.slice(-label)];
  const big = Math.max(...Array.from(push, Math.abs), 1e-12);
  // 3 decimals: enough to draw, and the output of 1,000 points stays small
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const xs = Array.from({ length: n }, (_, i) => round(coords[2 * i]));
  const ys = Array.from({ length: n }, (_, i) => round(coords[2 * i + 1]));
  // how strongly the first component follows the push: Pearson's r
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const pv = Array.from(push, round);
  const [mx, mp] = [mean(xs), mean(pv)];
  let sxy = 0, sxx = 0, spp = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (pv[i] - mp);
    sxx += (xs[i] - mx) ** 2;
    spp += (pv[i] - mp) ** 2;
  }
  const r = sxy / Math.sqrt(sxx * spp || 1);
  const marker = (idx: number[], size: number) => ({
    color: idx.map((i) => round(push[i])),
    colorscale: DIVERGING,
    cmin: -big,
    cmax: big,
    size,
  });
  const pc = (k: number) =>
    `PC ${k + 1} (embedding units; ${(100 * explained[k]).toFixed(1)}% of the variance)`;
  return {
    data: [
      {
        type: "scatter",
        mode: "markers",
        name: `${n.toLocaleString("en")} words`,
        x: xs,
        y: ys,
        text: [...words],
        hovertemplate: "%{text}<extra></extra>",
        marker: {
          ...marker(order.map((_, i) => i), 5),
          color: pv,
          showscale: true,
          colorbar: { title: { text: "push (logit)" } },
        },
      },
      {
        type: "scatter",
        mode: "markers+text",
        name: `the ${label} most positive and ${label} most negative`,
        x: labelled.map((i) => xs[i]),
        y: labelled.map((i) => ys[i]),
        text: labelled.map((i) => words[i]),
        textposition: "top center",
        textfont: { size: 10 },
        marker: { ...marker(labelled, 8), line: { color: "#222", width: 1 } },
      },
    ],
    layout: {
      title: title(
        `What the embedding learned${
          options.model ? ` (${options.model})` : ""
        }: words in 2-D by PCA`,
        `Colour: how far the word alone moves the model's logit (blue: positive); ` +
          `PC 1 follows it with r = ${r.toFixed(2)}`,
      ),
      height: 560,
      xaxis: { title: { text: pc(0) } },
      yaxis: { title: { text: pc(1) } },
      legend: { orientation: "h", y: -0.14 },
      margin: { t: 80, r: 20, b: 70, l: 70 },
    },
  };
}

/**
 * 9-4: the gradient of the loss with respect to the recurrent layer's input at each step, mean
 * over reviews, log scale, for each model.
 *
 * @param curves e.g. `[{ name: "SimpleRNN", normByStep }, { name: "LSTM", normByStep }]` from
 *   `inputGradients`
 */
export function gradientFlowFigure(
  curves: readonly { name: string; normByStep: ArrayLike<number> }[],
  options: { reviews: number },
): PlotlyFigure {
  if (curves.length === 0) throw new Error("gradientFlowFigure: no curves");
  const colors = [ORANGE, BLUE, GREEN];
  const steps = curves[0].normByStep.length;
  // against the step 10 words before the end: what is left beyond the last few words
  const ref = Math.max(0, steps - 10);
  const fall = curves.map((c) => `${c.name} ${decades(c.normByStep[ref], c.normByStep[0])}`)
    .join(", ");
  return {
    data: curves.map((c, i) => ({
      type: "scatter",
      mode: "lines",
      name: c.name,
      x: Array.from(c.normByStep, (_, t) => t + 1),
      y: Array.from(c.normByStep),
      line: { color: colors[i % colors.length], width: 2 },
    })),
    layout: {
      title: title(
        "Gradient flow through time: SimpleRNN against LSTM",
        `The gradient at step 1 as a multiple of that at step ${ref + 1}: ${fall}`,
      ),
      xaxis: { title: { text: `time step t (${steps} = the last word)` } },
      yaxis: {
        title: { text: `mean ‖∂L/∂x_t‖ over ${options.reviews} reviews (log)` },
        type: "log",
        dtick: "D2",
      },
      legend: { orientation: "h", y: -0.25 },
      margin: { t: 80, r: 20, b: 60, l: 70 },
    },
  };
}

/**
 * 9-4: a review read word by word: P(positive) after each word for each model, and below it the
 * LSTM's input, forget and output gates and its cell state at each word.
 *
 * @param options the words (the model's input after padding, in order); P(positive) of each
 *   model at those steps; the LSTM's gates at those steps ([words, units] each)
 */
export function wordByWordFigure(options: {
  title: string;
  words: readonly string[];
  curves: readonly { name: string; p: ArrayLike<number> }[];
  gates: Pick<LstmGates, "input" | "forget" | "output" | "cell">;
}): PlotlyFigure {
  const { words, curves, gates } = options;
  const n = words.length;
  const units = gates.input.shape[1];
  if (gates.input.shape[0] !== n || curves.some((c) => c.p.length !== n)) {
    throw new Error(`wordByWordFigure: ${n} words, gates of ${gates.input.shape[0]} steps`);
  }
  const x = words.map((_, i) => i);
  const rowsOf = (a: LstmGates["input"]) =>
    Array.from({ length: units }, (_, u) => x.map((t) => Number(a.data[t * units + u].toFixed(4))));
  const names = (prefix: string) => Array.from({ length: units }, (_, u) => `${prefix}${u + 1}`);
  const cells = rowsOf(gates.cell);
  const cMax = Math.max(...cells.flat().map(Math.abs), 1e-6);
  const colors = [ORANGE, BLUE, GREEN];
  const finals = curves.map((c) => `${c.name} ${c.p[n - 1].toFixed(2)}`).join(", ");
  return {
    data: [
      ...curves.map((c, i): PlotlyTrace => ({
        type: "scatter",
        mode: "lines+markers",
        name: `P(positive), ${c.name}`,
        x,
        y: Array.from(c.p),
        line: { color: colors[i % colors.length], width: 2 },
        marker: { size: 4 },
      })),
      {
        type: "heatmap",
        name: "LSTM gates i, f, o",
        x,
        y: [...names("i"), ...names("f"), ...names("o")],
        z: [...rowsOf(gates.input), ...rowsOf(gates.forget), ...rowsOf(gates.output)],
        zmin: 0,
        zmax: 1,
        colorscale: VIRIDIS,
        colorbar: { title: { text: "gate (0 to 1)" }, y: 0.39, len: 0.34 },
        yaxis: "y2",
      },
      {
        type: "heatmap",
        name: "LSTM cell state c",
        x,
        y: names("c"),
        z: cells,
        zmin: -cMax,
        zmax: cMax,
        colorscale: DIVERGING,
        colorbar: { title: { text: "cell state" }, y: 0.09, len: 0.18 },
        yaxis: "y3",
      },
    ],
    layout: {
      height: 780,
      title: title(
        options.title,
        `P(positive) after each word (end: ${finals}); below, the LSTM's gates and cell state`,
      ),
      xaxis: {
        title: { text: "the words the model reads, in order (word position)" },
        tickvals: x,
        ticktext: [...words],
        tickangle: -60,
        range: [-0.5, n - 0.5],
        anchor: "y3",
      },
      yaxis: { title: { text: "P(positive)" }, range: [0, 1], domain: [0.62, 1] },
      yaxis2: {
        title: { text: "gates" },
        domain: [0.22, 0.56],
        autorange: "reversed",
        type: "category",
      },
      yaxis3: {
        title: { text: "cell" },
        domain: [0, 0.18],
        autorange: "reversed",
        type: "category",
      },
      shapes: [{
        type: "line",
        xref: "paper",
        yref: "y",
        x0: 0,
        x1: 1,
        y0: 0.5,
        y1: 0.5,
        line: { color: "#888", width: 1, dash: "dot" },
      }],
      legend: { orientation: "h", x: 0, y: 1.0, yanchor: "bottom" },
      margin: { t: 110, r: 20, b: 120, l: 60 },
    },
  };
}

/** 9-4: the confusion matrix of a model on a set, counts and shares of each row. */
export function confusionFigure(
  counts: ConfusionCounts,
  options: { model: string; set: string },
): PlotlyFigure {
  const { tn, fp, fn, tp } = counts;
  const n = tn + fp + fn + tp;
  const rows = [[tn, fp], [fn, tp]];
  const text = rows.map((r) =>
    r.map((v) => `${v.toLocaleString("en")} (${percent(v, r[0] + r[1])})`)
  );
  return {
    data: [{
      type: "heatmap",
      name: "reviews",
      x: ["predicted negative", "predicted positive"],
      y: ["negative (0)", "positive (1)"],
      z: rows,
      text,
      texttemplate: "%{text}",
      colorscale: [[0, "#f7fbff"], [1, "#2171b5"]],
      colorbar: { title: { text: "reviews" } },
    }],
    layout: {
      height: 360,
      title: title(
        `Where the ${options.model} is wrong: the ${options.set}`,
        `Accuracy ${percent(tn + tp, n)}: ${fp.toLocaleString("en")} negative reviews called ` +
          `positive, ${fn.toLocaleString("en")} positive called negative`,
      ),
      xaxis: { title: { text: "prediction (P(positive) > 0.5)" } },
      yaxis: { title: { text: "true label" }, autorange: "reversed", automargin: true },
      margin: { t: 80, r: 20, b: 60, l: 110 },
    },
  };
}
