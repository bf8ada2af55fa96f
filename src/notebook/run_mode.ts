/**
 * Saying what kind of run a notebook is, where a reader looks at its numbers: the book's full
 * settings, or a quick run (`CH9_QUICK=1`: a small subset, few epochs) whose losses and
 * accuracies cannot match the values the book quotes. {@link showRunMode} puts a banner at the
 * top of a notebook (its config cell); {@link besideBook} is the note printed beside each value
 * quoted from the book.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { besideBook, runModeBundle } from "./run_mode.ts";
 *
 * assert.equal(besideBook(0.8274, false), "(the book: 0.8274)");
 * assert.equal(
 *   besideBook(0.8274, true),
 *   "(quick run on a small subset: not comparable with the book's 0.8274)",
 * );
 * const banner = runModeBundle(true, { subset: "2,000 of the 20,000 reviews, 2 epochs" });
 * assert.match(String(banner["text/plain"]), /^Quick run \(CH9_QUICK=1\): 2,000 of the 20,000/);
 * ```
 * @module
 */

import { display, type MediaBundle } from "./display.ts";
import { escapeHtml } from "./_text.ts";

/** Options of {@link runModeBundle} and {@link showRunMode}. */
export interface RunModeOptions {
  /** What a quick run trains on, e.g. `"the first 2,000 of the 20,000 training reviews, 2
   * epochs instead of 20"`; omitted: the quick run changes nothing in this notebook. */
  subset?: string;
}

/** The banner's text: one paragraph. */
function bannerText(quick: boolean, subset: string | undefined): { head: string; body: string } {
  if (!quick) {
    return {
      head: "Full run:",
      body: "the book's settings. (CH9_QUICK=1, set before Jupyter starts, trains on a small " +
        "subset instead, for a quick check.)",
    };
  }
  if (subset === undefined) {
    return {
      head: "Quick run (CH9_QUICK=1):",
      body: "it changes nothing in this notebook, whose numbers are those of a full run.",
    };
  }
  return {
    head: "Quick run (CH9_QUICK=1):",
    body: `${subset}. The losses, accuracies and curves below come from this small subset and ` +
      "differ from the values the book quotes; the data steps are the book's in full. For the " +
      "book's run, start Jupyter without CH9_QUICK.",
  };
}

/** The banner as a bundle: a highlighted HTML paragraph and the same text. */
export function runModeBundle(quick: boolean, options: RunModeOptions = {}): MediaBundle {
  const { head, body } = bannerText(quick, options.subset);
  const colour = quick && options.subset !== undefined ? "#b35c00" : "#2a6f2a";
  return {
    "text/plain": `${head} ${body}`,
    "text/html": `<div class="ch9-run-mode" style="border-left:4px solid ${colour};` +
      `padding:0.3em 0.8em;margin:0.2em 0"><b>${escapeHtml(head)}</b> ${escapeHtml(body)}</div>`,
  };
}

/** Shows the banner saying whether this is a quick run and what it trains on. */
export async function showRunMode(quick: boolean, options: RunModeOptions = {}): Promise<void> {
  await display(runModeBundle(quick, options));
}

/**
 * The note beside a value the book quotes: `(the book: 0.8274)`, or in a quick run that the two
 * are not comparable.
 */
export function besideBook(book: number | string, quick: boolean): string {
  return quick
    ? `(quick run on a small subset: not comparable with the book's ${book})`
    : `(the book: ${book})`;
}
