/**
 * Rich outputs in Deno's Jupyter kernel: media bundles shown with {@link display}, `print` for
 * text (in order, unlike `console.log` from a cell), tables and tfjs model summaries.
 *
 * Everything also works outside a kernel (`deno run`, `deno test`): a bundle falls back to its
 * `text/plain` part on the console.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { print, tableBundle } from "./display.ts";
 *
 * const table = tableBundle(["model", "acc"], [["LSTM", 0.8274], ["SimpleRNN", 0.7]]);
 * assert.equal(
 *   table["text/plain"],
 *   "model      acc\n---------  ------\nLSTM       0.8274\nSimpleRNN  0.7",
 * );
 * await print("x_train:", "(20000, 100)"); // outside a kernel: console.log
 * ```
 * @module
 */

import { escapeHtml, stripAnsi } from "./_text.ts";

/** A Jupyter media bundle: MIME type -> data (strings, or JSON objects for JSON MIME types). */
export type MediaBundle = Record<string, unknown>;

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

/** Wraps a bundle so that, as the value of a cell, the kernel shows it. */
export function asDisplayable(bundle: MediaBundle): Displayable {
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
  // Numbers right-aligned, text left-aligned; a header as its column (right when every cell of
  // the column is a number), not as the page's default for <th>.
  const align = (c: string | number) => (typeof c === "number" ? "right" : "left");
  const numeric = header.map((_, j) =>
    rows.length > 0 && rows.every((r) => typeof r[j] === "number")
  );
  const th = header.map((h, j) =>
    `<th style="text-align:${numeric[j] ? "right" : "left"}">${escapeHtml(h)}</th>`
  ).join("");
  const trs = rows.map((r) =>
    `<tr>${
      r.map((c) => `<td style="text-align:${align(c)}">${escapeHtml(String(c))}</td>`).join("")
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
