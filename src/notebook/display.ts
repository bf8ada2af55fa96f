/**
 * Notebook display helpers for Deno's Jupyter kernel: media bundles, offline plotly figures, a
 * live one-line training progress display, and assertions that fail a cell naming expected and
 * actual values.
 *
 * Everything also works outside a kernel (`deno run`, `deno test`): bundles fall back to their
 * `text/plain` part on the console, and the progress line prints one line per epoch.
 *
 * @example
 * ```ts
 * import { assertShape, showFigure } from "./display.ts";
 * import { historyFigure } from "./plots.ts";
 *
 * assertShape("x_train_seq", [20000, 100], [20000, 100]); // returns "(20000, 100)"
 * await showFigure(historyFigure({ loss: [0.7, 0.6], val_loss: [0.71, 0.65] }, "loss"));
 * ```
 * @module
 */

import { gzipSync } from "fflate";
import { shapeString } from "../data/ndarray.ts";

// ---------------------------------------------------------------------------------------------
// Media bundles

/** A Jupyter media bundle: MIME type -> data (strings, or JSON objects for JSON MIME types). */
export type MediaBundle = Record<string, unknown>;

/** MIME type of plotly figures; JupyterLab and VS Code render it natively. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/**
 * The symbol Deno's kernel looks for on a cell's value (`Deno.jupyter.$display`): an object
 * with a method under it is shown as the bundle the method returns.
 */
export const $display: unique symbol = Symbol.for("Jupyter.display") as never;

/** An object the kernel shows through its `[$display]()` bundle. */
export interface Displayable {
  [$display](): MediaBundle;
}

interface JupyterApi {
  display(
    obj: unknown,
    options?: { raw?: boolean; update?: boolean; display_id?: string },
  ): Promise<
    void
  >;
}

/** Deno's Jupyter API when running inside `deno jupyter --kernel`, else `undefined`. */
function jupyterApi(): JupyterApi | undefined {
  try {
    // Outside the kernel, reading the property throws.
    return (Deno as unknown as { jupyter?: JupyterApi }).jupyter;
  } catch {
    return undefined;
  }
}

/** True inside Deno's Jupyter kernel. */
export function inJupyter(): boolean {
  return jupyterApi() !== undefined;
}

/** Removes ANSI escape sequences (colours, cursor moves) from text meant for an output. */
export function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}

/** Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Wraps a bundle so that, as the value of a cell, the kernel shows it. */
export function displayable(bundle: MediaBundle): Displayable {
  return { [$display]: () => bundle };
}

/** Pause after every display message, in milliseconds (see {@link display}). */
const DISPLAY_GAP_MS = 5;
/** Extra pause per byte of a display message: 1 ms per 10 kB. */
const DISPLAY_BYTES_PER_MS = 10_000;

/** Approximate size in bytes of a bundle as a Jupyter message. */
function bundleBytes(bundle: MediaBundle): number {
  let n = 0;
  for (const v of Object.values(bundle)) {
    n += typeof v === "string" ? v.length : JSON.stringify(v)?.length ?? 0;
  }
  return n;
}

/**
 * Shows a media bundle as a cell output. With `displayId`, later calls with the same id and
 * `update: true` replace that output in place. Outside Jupyter it prints the `text/plain` part.
 *
 * Deno's kernel publishes outputs on a ZeroMQ PUB socket that drops messages while the
 * subscriber is still reading earlier ones: measured here, 50 displays in a tight loop lost up
 * to 47, and 10 small ones right after a 2.7 MB one lost 9, while a 2 ms pause between messages
 * (and 300 ms after the big one) lost none. So every message is followed by a pause of 5 ms plus
 * 1 ms per 10 kB (270 ms after the one that carries plotly.js).
 */
export async function display(
  bundle: MediaBundle,
  options: { displayId?: string; update?: boolean } = {},
): Promise<void> {
  const jupyter = jupyterApi();
  if (jupyter === undefined) {
    const text = bundle["text/plain"];
    if (typeof text === "string" && !options.update) console.log(text);
    return;
  }
  await jupyter.display(bundle, {
    raw: true,
    ...(options.displayId === undefined ? {} : { display_id: options.displayId }),
    ...(options.update ? { update: true } : {}),
  });
  const pause = DISPLAY_GAP_MS + bundleBytes(bundle) / DISPLAY_BYTES_PER_MS;
  await new Promise((resolve) => setTimeout(resolve, pause));
}

/**
 * `console.log` for notebooks: formats its arguments as `console.log` does (strings as they are,
 * other values through `Deno.inspect`, without colours) and shows them as one text output.
 *
 * Use it instead of `console.log` in cells: Deno's kernel forwards stdout asynchronously, so
 * lines printed just before a cell ends can land in the next cell's output or be lost when the
 * notebook is executed headlessly; displayed outputs arrive in order. Outside Jupyter it is
 * `console.log`.
 */
export async function print(...values: unknown[]): Promise<void> {
  const text = values.map((v) => typeof v === "string" ? v : Deno.inspect(v, { colors: false }))
    .join(" ");
  if (!inJupyter()) {
    console.log(text);
    return;
  }
  await display({ "text/plain": stripAnsi(text) });
}

/** Shows plain text (ANSI codes removed) in a monospace output. */
export async function showText(text: string): Promise<void> {
  const clean = stripAnsi(text);
  await display({ "text/plain": clean });
}

/** Anything with tfjs's `summary(lineLength?, positions?, printFn?)` (a `tf.LayersModel`). */
export interface Summarizable {
  summary(
    lineLength?: number,
    positions?: number[],
    // deno-lint-ignore no-explicit-any
    printFn?: (message?: any, ...optionalParams: any[]) => void,
  ): void;
}

/** The text of `model.summary()` (Keras's layer table), captured instead of printed. */
export function modelSummaryText(model: Summarizable): string {
  const lines: string[] = [];
  model.summary(undefined, undefined, (message?: unknown) => lines.push(String(message ?? "")));
  return lines.join("\n");
}

/**
 * Shows `model.summary()` as one output. (Printing it line by line with `console.log` from a
 * kernel cell can lose or misplace lines: stdout is forwarded asynchronously.)
 */
export async function showModelSummary(model: Summarizable): Promise<void> {
  await showText(modelSummaryText(model));
}

/** A table as a bundle: `text/plain` with aligned columns and an HTML `<table>`. */
export function tableBundle(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): MediaBundle {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = header.map((h, j) => Math.max(h.length, ...cells.map((r) => (r[j] ?? "").length)));
  const line = (r: readonly string[]) => r.map((c, j) => c.padEnd(widths[j])).join("  ").trimEnd();
  const text = [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join(
    "\n",
  );
  const th = header.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const trs = rows.map((r) =>
    `<tr>${
      r.map((c) =>
        `<td style="text-align:${typeof c === "number" ? "right" : "left"}">${
          escapeHtml(String(c))
        }</td>`
      )
        .join("")
    }</tr>`
  ).join("");
  const html =
    `<table class="ch9-table"><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
  return { "text/plain": text, "text/html": html };
}

/** Shows a table (see {@link tableBundle}). */
export async function showTable(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): Promise<void> {
  await display(tableBundle(header, rows));
}

// ---------------------------------------------------------------------------------------------
// Plotly figures

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

/**
 * The text of a file inside an npm package of deno.json's imports, e.g.
 * `"mathjax/es5/tex-svg-full.js"`, read from Deno's npm cache. Packages that no module imports
 * (plotly.js and MathJax only run in the browser) are not fetched by `deno run` or `deno test`,
 * so when the file is missing this runs `deno install` in the project once and reads it again.
 *
 * @throws Error naming the file and the command to run when it still cannot be read.
 */
export async function readNpmFile(specifier: string): Promise<string> {
  const url = import.meta.resolve(specifier);
  if (!url.startsWith("file:")) {
    throw new Error(`${specifier} resolved to ${url}; expected a file in Deno's npm cache`);
  }
  const path = new URL(url);
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const root = new URL("../../", import.meta.url);
  const install = await new Deno.Command(Deno.execPath(), {
    args: ["install", "--quiet"],
    cwd: root,
    stdout: "null",
    stderr: "piped",
  }).output();
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new Error(
      `Cannot read ${path.pathname} (${(e as Error).message}); \`deno install\` in ` +
        `${root.pathname} ${install.success ? "did not fetch it" : "failed"}: ` +
        new TextDecoder().decode(install.stderr).trim(),
    );
  }
}

let plotlySource: string | undefined;

/**
 * The plotly.js bundle from the `plotly.js-dist` npm package (the version pinned in
 * deno.json), read from Deno's npm cache (see {@link readNpmFile}). Cached after the first call.
 */
export async function plotlyJs(): Promise<string> {
  plotlySource ??= await readNpmFile("plotly.js-dist");
  return plotlySource;
}

/** Base64 of bytes, in chunks (String.fromCharCode cannot take millions of arguments). */
function base64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const chunk = 3 * 16384; // a multiple of 3: no padding inside the string
  for (let i = 0; i < bytes.length; i += chunk) {
    parts.push(btoa(String.fromCharCode(...bytes.subarray(i, i + chunk))));
  }
  return parts.join("");
}

const scriptTags = new Map<string, string>();

/**
 * A `<script>` element that defines `window.Plotly` from `source` (plotly.js), gzip-compressed
 * and base64-encoded: 2.7 MB instead of 11 MB. Deno's kernel drops display messages of several
 * megabytes, and every report page carries the library once, so the size matters. The browser
 * unpacks it with `DecompressionStream` and runs it inside a function whose `define`, `module`,
 * `exports` and `require` are undefined, so that a page with RequireJS (classic Jupyter) still
 * gets the global. Figures wait for `window.Plotly` to appear.
 */
export function plotlyScriptTag(source: string): string {
  const cached = scriptTags.get(source);
  if (cached !== undefined) return cached;
  const packed = base64(gzipSync(new TextEncoder().encode(source), { level: 6 }));
  const tag = `<script type="text/javascript">(function () {
  if (window.Plotly || window.__ch9PlotlyLoading) return;
  window.__ch9PlotlyLoading = true;
  var packed = "${packed}";
  var bin = atob(packed);
  var bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  new Response(stream).text().then(function (code) {
    var s = document.createElement("script");
    s.text = "(function (define, module, exports, require) {\\n" + code + "\\n}).call(window);";
    document.head.appendChild(s);
  }).catch(function (e) {
    window.__ch9PlotlyLoading = false;
    console.error("plotly.js could not be unpacked: " + e);
  });
})();</script>`;
  scriptTags.set(source, tag);
  return tag;
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

// ---------------------------------------------------------------------------------------------
// Live training progress

/** Formats seconds as `12.3s`, `4m 05s` or `1h 02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
}

/** The numbers one progress line shows. */
export interface ProgressState {
  /** 1-based epoch being run (or just finished). */
  epoch: number;
  /** Total epochs. */
  epochs: number;
  /** Batches done in this epoch (0 at its start). */
  batch: number;
  /** Batches per epoch (0 when unknown). */
  batches: number;
  /** Running mean training loss of this epoch, or the finished epoch's. */
  loss?: number;
  /** Running training accuracy of this epoch, or the finished epoch's. */
  acc?: number;
  /** Validation loss and accuracy of the last finished epoch. */
  valLoss?: number;
  valAcc?: number;
  /** Seconds since training started. */
  elapsed: number;
}

/** Fraction of the whole run that is done, in [0, 1]. */
export function progressFraction(s: ProgressState): number {
  if (s.epochs <= 0) return 0;
  const inEpoch = s.batches > 0 ? Math.min(s.batch / s.batches, 1) : 0;
  return Math.min(1, Math.max(0, (s.epoch - 1 + inEpoch) / s.epochs));
}

/**
 * One progress line: `label  epoch 3/10  batch 120/625  loss 0.5123  acc 0.7410  val_loss ...
 * elapsed 12.3s  remaining 29.0s` (remaining = elapsed / done fraction - elapsed).
 */
export function progressLine(label: string, s: ProgressState): string {
  const f = progressFraction(s);
  const parts = [label, `epoch ${s.epoch}/${s.epochs}`];
  if (s.batches > 0) parts.push(`batch ${s.batch}/${s.batches}`);
  if (s.loss !== undefined) parts.push(`loss ${s.loss.toFixed(4)}`);
  if (s.acc !== undefined) parts.push(`acc ${s.acc.toFixed(4)}`);
  if (s.valLoss !== undefined) parts.push(`val_loss ${s.valLoss.toFixed(4)}`);
  if (s.valAcc !== undefined) parts.push(`val_acc ${s.valAcc.toFixed(4)}`);
  parts.push(`elapsed ${formatDuration(s.elapsed)}`);
  parts.push(`remaining ${f > 0 ? formatDuration(s.elapsed / f - s.elapsed) : "?"}`);
  return parts.filter((p) => p !== "").join("  ");
}

/** Options of {@link TrainingProgress}. */
export interface TrainingProgressOptions {
  /** Name shown at the start of the line, e.g. `"SimpleRNN (one-hot)"`. */
  label?: string;
  /** Total epochs (else taken from the first callback's `epochs`). */
  epochs?: number;
  /** Batches per epoch, when known up front (else taken from the callbacks' `batches`). */
  batches?: number;
  /** Minimum milliseconds between two in-place updates (default 250). */
  minIntervalMs?: number;
  /** Clock in milliseconds (default `performance.now`); tests pass a fake one. */
  now?: () => number;
  /** Where lines go: by default the kernel's display (in place) or the console. */
  sink?: (line: string, final: boolean) => void | Promise<void>;
}

/** What `onBatchEnd` reads (training.ts's `BatchLogs` has these fields). */
export interface ProgressBatchLogs {
  /** 0-based epoch. */
  epoch: number;
  /** 0-based batch within the epoch. */
  batch: number;
  epochs?: number;
  batches?: number;
  /** Running means over the epoch so far. */
  loss?: number;
  acc?: number;
}

/** What `onEpochEnd` reads (training.ts's `EpochLogs` has these fields). */
export interface ProgressEpochLogs {
  /** 0-based epoch. */
  epoch: number;
  epochs?: number;
  batches?: number;
  loss?: number;
  acc?: number;
  val_loss?: number;
  val_acc?: number;
}

/**
 * A live one-line progress display for a training run, updated in place through a Jupyter
 * display id (one output, not thousands of lines). Feed it from the training callbacks
 * (`fitModel`'s `onBatchEnd` / `onEpochEnd`, whose logs carry 0-based `epoch` and `batch`,
 * `loss`, `acc`, `val_loss`, `val_acc`), then call `finish()`.
 *
 * @example
 * ```ts
 * const progress = new TrainingProgress({ label: "LSTM", epochs: 10 });
 * // await fitModel(model, x, y, { epochs: 10, ...progress.callbacks() });
 * await progress.finish();
 * ```
 */
export class TrainingProgress {
  readonly label: string;
  readonly displayId: string;
  #state: ProgressState;
  #start: number;
  #lastShown = -Infinity;
  #shown = false;
  #pending: Promise<void> = Promise.resolve();
  readonly #now: () => number;
  readonly #minIntervalMs: number;
  readonly #sink?: (line: string, final: boolean) => void | Promise<void>;

  constructor(options: TrainingProgressOptions = {}) {
    const { epochs } = options;
    if (epochs !== undefined && (!Number.isInteger(epochs) || epochs < 1)) {
      throw new Error(`epochs must be a positive integer, got ${epochs}`);
    }
    this.label = options.label ?? "training";
    this.displayId = `ch9-progress-${Math.random().toString(36).slice(2, 12)}`;
    this.#now = options.now ?? (() => performance.now());
    this.#minIntervalMs = options.minIntervalMs ?? 250;
    this.#sink = options.sink;
    this.#start = this.#now();
    this.#state = {
      epoch: 1,
      epochs: epochs ?? 0,
      batch: 0,
      batches: options.batches ?? 0,
      elapsed: 0,
    };
  }

  /** The current state (a copy). */
  get state(): ProgressState {
    return { ...this.#state };
  }

  /** The line as it would be shown now. */
  line(): string {
    return progressLine(this.label, this.#state);
  }

  /** Call after each batch. */
  onBatchEnd = (logs: ProgressBatchLogs): Promise<void> => {
    this.#state = {
      ...this.#state,
      epoch: logs.epoch + 1,
      epochs: logs.epochs ?? this.#state.epochs,
      batch: logs.batch + 1,
      batches: logs.batches ?? this.#state.batches,
      loss: logs.loss ?? this.#state.loss,
      acc: logs.acc ?? this.#state.acc,
      elapsed: (this.#now() - this.#start) / 1000,
    };
    return this.#maybeShow(false);
  };

  /** Call after each epoch, with the epoch's means. */
  onEpochEnd = (logs: ProgressEpochLogs): Promise<void> => {
    const batches = logs.batches ?? this.#state.batches;
    this.#state = {
      ...this.#state,
      epoch: logs.epoch + 1,
      epochs: logs.epochs ?? this.#state.epochs,
      batch: batches,
      batches,
      loss: logs.loss ?? this.#state.loss,
      acc: logs.acc ?? this.#state.acc,
      valLoss: logs.val_loss ?? this.#state.valLoss,
      valAcc: logs.val_acc ?? this.#state.valAcc,
      elapsed: (this.#now() - this.#start) / 1000,
    };
    return this.#maybeShow(true);
  };

  /** Both callbacks, to spread into training options. */
  callbacks(): Pick<TrainingProgress, "onBatchEnd" | "onEpochEnd"> {
    return { onBatchEnd: this.onBatchEnd, onEpochEnd: this.onEpochEnd };
  }

  /** Shows the final line (always) and waits for pending display messages; see `line()`. */
  async finish(): Promise<void> {
    this.#state = { ...this.#state, elapsed: (this.#now() - this.#start) / 1000 };
    await this.#show(true);
    await this.#pending;
  }

  #maybeShow(epochEnd: boolean): Promise<void> {
    const t = this.#now();
    if (!epochEnd && t - this.#lastShown < this.#minIntervalMs) return this.#pending;
    this.#lastShown = t;
    return this.#show(epochEnd);
  }

  #show(epochEnd: boolean): Promise<void> {
    const line = this.line();
    const first = !this.#shown;
    this.#shown = true;
    const send = async () => {
      if (this.#sink) return await this.#sink(line, epochEnd);
      if (!inJupyter()) {
        // A terminal or a log: one line per finished epoch, no carriage returns.
        if (epochEnd) console.log(line);
        return;
      }
      await display({
        "text/plain": line,
        "text/html": `<pre class="ch9-progress" style="margin:0">${escapeHtml(line)}</pre>`,
      }, { displayId: this.displayId, update: !first });
    };
    this.#pending = this.#pending.then(send);
    return this.#pending;
  }
}

// ---------------------------------------------------------------------------------------------
// Assertions that fail a cell with expected and actual

/** numpy-like text of a value: shapes as `(2, 3)`, arrays as `[1, 2, 3]`, numbers as is. */
export function formatValue(value: unknown): string {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return `[${Array.from(value as unknown as ArrayLike<number>).join(", ")}]`;
  }
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

/**
 * numpy's `str()` of a 1-D integer array, as `print(a)` shows it: elements right-aligned to a
 * common width, separated by spaces, wrapped at 75 characters with a one-space indent, e.g.
 * `[1 0 0 1 0 0 1 0 1 0]`.
 *
 * @throws Error when a value is not an integer.
 */
export function numpyStr(values: ArrayLike<number>): string {
  const words = Array.from(values, (v) => {
    if (!Number.isInteger(v)) throw new Error(`numpyStr: ${v} is not an integer`);
    return String(v);
  });
  const width = Math.max(0, ...words.map((w) => w.length));
  const lineWidth = 75 - 1; // numpy keeps room for the closing bracket
  const indent = " ";
  let text = "";
  let line = indent;
  words.forEach((w, i) => {
    const word = w.padStart(width);
    if (line.length + word.length > lineWidth && line.length > indent.length) {
      text += line.trimEnd() + "\n";
      line = indent;
    }
    line += word;
    if (i < words.length - 1) line += " ";
  });
  text += line;
  return `[${text.slice(indent.length)}]`;
}

function shapeOf(value: readonly number[] | { readonly shape: readonly number[] }): number[] {
  return Array.isArray(value) ? [...value] : [...(value as { shape: readonly number[] }).shape];
}

/**
 * Fails (throws, which fails the notebook cell) unless `actual` has shape `expected`.
 * `actual` is a shape or anything with a `shape` (NDArray, tf.Tensor).
 *
 * @returns the shape as numpy prints it, e.g. `"(20000, 100)"`.
 * @throws Error `"<name>: expected shape (20000, 100), got (20000, 99)"`.
 */
export function assertShape(
  name: string,
  actual: readonly number[] | { readonly shape: readonly number[] },
  expected: readonly number[],
): string {
  const got = shapeOf(actual);
  if (got.length !== expected.length || got.some((d, i) => d !== expected[i])) {
    throw new Error(`${name}: expected shape ${shapeString(expected)}, got ${shapeString(got)}`);
  }
  return shapeString(got);
}

/** Whether `v` is an array or a typed array (what deepEqual compares element by element). */
function isList(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (isList(a) && isList(b)) {
    const x = a as ArrayLike<unknown>, y = b as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  if (typeof a === "number" && typeof b === "number") return a === b;
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a), kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) =>
      deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
    );
  }
  return false;
}

function firstDifference(a: unknown, b: unknown): string {
  if (isList(a) && isList(b)) {
    const x = a as ArrayLike<unknown>, y = b as ArrayLike<unknown>;
    if (x.length !== y.length) return ` (length ${y.length}, expected ${x.length})`;
    for (let i = 0; i < x.length; i++) {
      if (!deepEqual(x[i], y[i])) {
        return ` (first difference at index ${i}: ${formatValue(y[i])}, expected ${
          formatValue(x[i])
        })`;
      }
    }
  }
  return "";
}

function clip(text: string, max = 400): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} chars)`;
}

/**
 * Fails unless `actual` deeply equals `expected` (numbers, strings, arrays, typed arrays and
 * plain objects; a typed array equals an array with the same elements).
 *
 * @returns `formatValue(actual)`.
 * @throws Error naming `name`, the expected and the actual value, and the first difference.
 */
export function assertEqual<T>(name: string, actual: T, expected: unknown): string {
  if (!deepEqual(expected, actual)) {
    throw new Error(
      `${name}: expected ${clip(formatValue(expected))}, got ${clip(formatValue(actual))}${
        firstDifference(expected, actual)
      }`,
    );
  }
  return formatValue(actual);
}

/**
 * Fails unless every element of `actual` is within `atol + rtol * |expected|` of `expected`.
 *
 * @returns the largest absolute difference.
 */
export function assertClose(
  name: string,
  actual: number | ArrayLike<number>,
  expected: number | ArrayLike<number>,
  options: { atol?: number; rtol?: number } = {},
): number {
  const { atol = 1e-8, rtol = 1e-5 } = options;
  const a = typeof actual === "number" ? [actual] : actual;
  const e = typeof expected === "number" ? [expected] : expected;
  if (a.length !== e.length) {
    throw new Error(`${name}: expected ${e.length} values, got ${a.length}`);
  }
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - e[i]);
    if (!(diff <= atol + rtol * Math.abs(e[i]))) {
      throw new Error(
        `${name}: at index ${i} expected ${e[i]} (atol ${atol}, rtol ${rtol}), got ${a[i]}`,
      );
    }
    worst = Math.max(worst, diff);
  }
  return worst;
}

/**
 * Fails unless `lo <= actual <= hi`.
 *
 * @returns `actual` with four decimals.
 */
export function assertBetween(name: string, actual: number, lo: number, hi: number): string {
  if (!(actual >= lo && actual <= hi)) {
    throw new Error(`${name}: expected a value in [${lo}, ${hi}], got ${actual}`);
  }
  return actual.toFixed(4);
}
