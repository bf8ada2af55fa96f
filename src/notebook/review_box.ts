/**
 * The review box: a text box where a reader types a review and sees, as they type, a trained
 * model's probability that it is positive, and the probability word by word, with the words the
 * model does not read shown as such. It runs in the page, without the kernel: the models' weights
 * travel inside the output, TensorFlow.js runs them, and the review is read by
 * `src/data/review_input.ts` itself, bundled for the page by `deno bundle` (the one tokenizer and
 * preprocessing of the chapter, the code `predictReview` runs in Deno).
 *
 * - {@link reviewBoxBundle}: the box as ONE media bundle: HTML with the models, the vocabulary
 *   they read (the words whose id is below the largest `numWords`, `modelVocabulary`), examples
 *   with `predictReview`'s probability computed here, beside which the page shows its own, and the
 *   page script; `text/plain`: the examples' probabilities, for front ends without HTML.
 * - {@link showReviewBox}: shows it in a notebook; TensorFlow.js is fetched from beside the
 *   notebook (`_tfjs/tf-<version>.js.gz`, written once), or carried by the output where that
 *   cannot work (a read-only folder; VS Code, whose outputs cannot fetch the notebook's files).
 * - {@link withTfjs}: puts one packed TensorFlow.js in a page that holds a box (the HTML
 *   reports, which work offline from `file://`).
 *
 * Contract for tests: the box is `.ch9-review-box`, its text box a `<textarea data-review-input>`,
 * the model a `<select data-review-model>`, the probability (0..1, six decimals) the text of
 * `[data-review-probability]`, and `data-review-state="ready"` once it is the current text's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildModel } from "../tfjs/models.ts";
 * import { reviewBoxBundle } from "./review_box.ts";
 *
 * const wordIndex = { the: 1, movie: 17, great: 84 }; // ranks, as getWordIndex() gives them
 * const model = buildModel("embedding_lstm", { seed: 42 }); // untrained
 * const box = await reviewBoxBundle([{ name: "LSTM", model }], {
 *   wordIndex,
 *   examples: ["A great movie!"],
 * });
 * assert.match(String(box["text/html"]), /<textarea data-review-input/);
 * assert.match(String(box["text/plain"]), /^review box: LSTM\n"A great movie!": 0\.\d{6}/);
 * ```
 * @module
 */
import { display, inJupyter, type MediaBundle } from "./display.ts";
import { base64, packedScriptTag, TFJS, TFJS_LOADER_JS, writePackedAsset } from "./_npm_assets.ts";
import { escapeHtml } from "./_text.ts";
import type { WordIndex } from "../data/tokenize.ts";
import { modelVocabulary } from "../data/review_input.ts";
import type { LayersModel } from "../tfjs/training.ts";
import { type SavedModel, serializeModel } from "../tfjs/model_io.ts";
import { type ModelReading, modelReading, predictReview } from "../tfjs/predict_review.ts";

/** The class of a box's outermost element. */
export const REVIEW_BOX_CLASS = "ch9-review-box";

/** One model the box offers. */
export interface ReviewBoxModel {
  /** What the reader picks, e.g. `"Embedding + LSTM (9-4)"`. */
  name: string;
  model: LayersModel;
}

/** A model as the page gets it. */
export interface ReviewBoxModelData {
  name: string;
  /** How it reads a review (`modelReading`: numWords, skipTop, maxlen, oneHot). */
  reading: ModelReading;
  /** `model.json` as `saveModel` writes it. */
  modelJson: SavedModel["modelJson"];
  /** `weights.bin`, base64. */
  weights: string;
}

/** What the page reads from the box's JSON. */
export interface ReviewBoxData {
  /** The words the models read, with their ranks (`modelVocabulary`). */
  vocabulary: WordIndex;
  models: ReviewBoxModelData[];
  /** Each example with `predictReview`'s probability for each model, in Deno (`null`: no word
   * the model reads). */
  examples: { text: string; predictReview: (number | null)[] }[];
}

/** Options of {@link reviewBoxBundle} and {@link showReviewBox}. */
export interface ReviewBoxOptions {
  /** Word → rank, as `getWordIndex()` returns. */
  wordIndex: WordIndex;
  /** Reviews shown under the box, each with `predictReview`'s probability and the page's; the
   * first is in the box to begin with. */
  examples?: readonly string[];
  /** Where the page finds the packed TensorFlow.js, relative to the notebook's folder; omitted:
   * only on the page itself. */
  tfjsSrc?: string;
  /** A `<script>` carrying TensorFlow.js itself (`packedScriptTag(TFJS)`), put before the box. */
  tfjsTag?: string;
  /** The element id (default: a fresh `ch9-review-<n>-<random>`). */
  id?: string;
}

let pageScript: Promise<string> | undefined;

/**
 * The page's script: `_review_box_page.ts` and `src/data/review_input.ts` with what it imports,
 * bundled into one classic script by `deno bundle` (run once per process).
 *
 * @throws Error with `deno bundle`'s output when it fails.
 */
export function reviewBoxScript(): Promise<string> {
  pageScript ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "ch9-review-box-" });
    try {
      const entry = new URL("./_review_box_page.ts", import.meta.url).pathname;
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "bundle",
          "--quiet",
          "--platform",
          "browser",
          "--format",
          "iife",
          "--config",
          new URL("../../deno.json", import.meta.url).pathname,
          "--output",
          `${dir}/review_box.js`,
          entry,
        ],
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!out.success) {
        throw new Error(
          `deno bundle ${entry} failed:\n${new TextDecoder().decode(out.stderr).trim()}`,
        );
      }
      return await Deno.readTextFile(`${dir}/review_box.js`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  })();
  pageScript.catch(() => (pageScript = undefined)); // a failure is not remembered
  return pageScript;
}

/** JSON inside a `<script>` element: `<` escaped, so no string in it can end the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/** P(positive) of `text` by `model` in Deno, or `null` when the model reads none of its words. */
function denoProbability(model: LayersModel, text: string, wordIndex: WordIndex): number | null {
  try {
    return predictReview(model, text, { wordIndex });
  } catch (e) {
    if ((e as Error).message.startsWith("No word of the review")) return null;
    throw e;
  }
}

let boxCounter = 0;

/**
 * The box as one media bundle (see the module doc).
 *
 * @throws Error when `models` is empty.
 */
export async function reviewBoxBundle(
  models: readonly ReviewBoxModel[],
  options: ReviewBoxOptions,
): Promise<MediaBundle> {
  if (models.length === 0) throw new Error("reviewBoxBundle needs at least one model");
  const { wordIndex, examples = [] } = options;
  const id = options.id ?? `ch9-review-${++boxCounter}-${Math.random().toString(36).slice(2, 10)}`;
  const modelData: ReviewBoxModelData[] = [];
  for (const { name, model } of models) {
    const saved = await serializeModel(model);
    modelData.push({
      name,
      reading: modelReading(model),
      modelJson: saved.modelJson,
      weights: base64(saved.weights),
    });
  }
  const numWords = Math.max(...modelData.map((m) => m.reading.numWords));
  const data: ReviewBoxData = {
    vocabulary: modelVocabulary(wordIndex, { numWords }),
    models: modelData,
    examples: examples.map((text) => ({
      text,
      predictReview: models.map(({ model }) => denoProbability(model, text, wordIndex)),
    })),
  };
  const short = (text: string) => (text.length > 90 ? `${text.slice(0, 90)}...` : text);
  const options_ = modelData.map((m, i) =>
    `<option value="${i}">${escapeHtml(m.name)} (${m.reading.numWords.toLocaleString("en")} ` +
    `words${m.reading.oneHot === undefined ? "" : ", one-hot"})</option>`
  ).join("");
  const rows = data.examples.map((e, i) =>
    `<tr data-review-example="${i}"><td><button type="button" title="put this review in the box">` +
    `${escapeHtml(short(e.text))}</button></td><td class="n" data-review-deno></td>` +
    `<td class="n" data-review-page></td><td class="n" data-review-difference></td></tr>`
  ).join("");
  const examplesTable = rows === "" ? "" : `<table class="ch9-review-examples">
<thead><tr><th>example (click to try it)</th><th>predictReview in Deno</th><th>this page</th><th>|difference|</th></tr></thead>
<tbody>${rows}</tbody></table>`;
  const link = options.tfjsSrc === undefined
    ? ""
    : `<a class="ch9-tfjs-src" href="${escapeHtml(options.tfjsSrc)}"></a>`;
  const html = `<div id="${id}" class="${REVIEW_BOX_CLASS}">
<style>
.${REVIEW_BOX_CLASS} { font-family: system-ui, sans-serif; border: 1px solid #ccc; border-radius: 6px; padding: 0.6em 0.8em; max-width: 900px; }
.${REVIEW_BOX_CLASS} textarea { width: 100%; box-sizing: border-box; font: inherit; }
.${REVIEW_BOX_CLASS} .ch9-review-result { font-size: 1.2em; margin: 0.3em 0; }
.${REVIEW_BOX_CLASS} [data-review-probability] { font-variant-numeric: tabular-nums; font-weight: bold; }
.${REVIEW_BOX_CLASS} [data-review-words] { overflow-x: auto; }
.${REVIEW_BOX_CLASS} .ch9-review-note { color: #555; font-size: 0.9em; }
.${REVIEW_BOX_CLASS} table { border-collapse: collapse; font-size: 0.9em; margin-top: 0.5em; }
.${REVIEW_BOX_CLASS} td, .${REVIEW_BOX_CLASS} th { padding: 0.15em 0.5em; text-align: left; }
.${REVIEW_BOX_CLASS} td.n { text-align: right; font-variant-numeric: tabular-nums; }
.${REVIEW_BOX_CLASS} button { font: inherit; text-align: left; background: none; border: none; padding: 0; color: #1f4f9f; cursor: pointer; }
</style>
<p><b>Try the trained models:</b> type or paste a movie review (in English). The model runs in this
page with TensorFlow.js, and reads the review as the training data were read.</p>
<p class="ch9-review-noscript ch9-review-note">This box needs its script, which did not run: in
Jupyter, trust the notebook or run the cell again.</p>
<label>Model: <select data-review-model disabled>${options_}</select></label>
<textarea data-review-input rows="4" disabled>${escapeHtml(examples[0] ?? "")}</textarea>
<div class="ch9-review-result">P(positive) = <span data-review-probability></span>
<span data-review-label></span></div>
<div data-review-words></div>
<div class="ch9-review-note" data-review-status></div>
<div class="ch9-review-note">The plot: P(positive) after each word. Grey words are not read by
the model: one of the 20 most frequent words (left out, as the book does) or not among the
words it knows.</div>
${examplesTable}${link}
<script type="application/json" class="ch9-review-data">${scriptJson(data)}</script>
</div>${options.tfjsTag ?? ""}<script type="text/javascript">${TFJS_LOADER_JS}
${(await reviewBoxScript()).replace(/<\/(script)/gi, "<\\/$1")}
window.__ch9ReviewBox1.start(${JSON.stringify(id)});
</script>`;
  const plain = [
    `review box: ${modelData.map((m) => m.name).join(", ")}`,
    ...data.examples.map((e) =>
      `${JSON.stringify(short(e.text))}: ${
        e.predictReview.map((p) => (p === null ? "-" : p.toFixed(6))).join(", ")
      }`
    ),
  ].join("\n");
  return { "text/html": html, "text/plain": plain };
}

/** Whether this kernel was started by VS Code (the variables HoloViz Panel checks too). */
function inVsCode(): boolean {
  return Deno.env.get("VSCODE_PID") !== undefined || Deno.env.get("VSCODE_CWD") !== undefined;
}

/**
 * Shows the box as a notebook output (see the module doc); outside a kernel, prints its
 * `text/plain` part.
 */
export async function showReviewBox(
  models: readonly ReviewBoxModel[],
  options: ReviewBoxOptions,
): Promise<void> {
  if (!inJupyter()) {
    await display(await reviewBoxBundle(models, options));
    return;
  }
  let where: Pick<ReviewBoxOptions, "tfjsSrc" | "tfjsTag">;
  try {
    if (inVsCode()) throw new Error("VS Code's outputs cannot fetch the notebook's files");
    where = { tfjsSrc: await writePackedAsset(Deno.cwd(), TFJS) };
  } catch {
    where = { tfjsTag: await packedScriptTag(TFJS) };
  }
  await display(await reviewBoxBundle(models, { ...options, ...where }));
}

/** The page with one packed TensorFlow.js at the start of `<head>` when it holds a review box. */
export async function withTfjs(html: string): Promise<string> {
  if (!html.includes(`class="${REVIEW_BOX_CLASS}"`)) return html;
  const head = html.indexOf("<head>");
  if (head < 0) throw new Error("the page has a review box but no <head> to put TensorFlow.js in");
  const at = head + "<head>".length;
  return `${html.slice(0, at)}\n${await packedScriptTag(TFJS)}\n${html.slice(at)}`;
}
