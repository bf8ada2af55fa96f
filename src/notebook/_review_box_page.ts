/**
 * The review box in the browser: this module is bundled for the page by `review_box.ts`
 * (`deno bundle`, with `src/data/review_input.ts` and what it imports) and never imported by
 * Deno code. It defines `window.__ch9ReviewBox1.start(id)`, which
 *
 * 1. reads the box's data (the models' topology and weights, the vocabulary they read, the
 *    examples with `predictReview`'s probabilities from Deno) from its
 *    `<script type="application/json" class="ch9-review-data">`;
 * 2. loads TensorFlow.js (`window.__ch9TfjsLoader1`: from the page, or beside the notebook),
 *    on its `cpu` backend, the backend the models were trained and tested on in Deno;
 * 3. builds each model with `tf.loadLayersModel(tf.io.fromMemory(...))`, the stock tfjs layers;
 * 4. on every input (and model choice) reads the review with `review_input.ts`, exactly as
 *    `predictReview` does, and shows P(positive) in `[data-review-probability]`, the word-by-word
 *    probability as a small SVG plot (the words the model does not read in grey), and, for the
 *    examples, the page's probability beside `predictReview`'s.
 *
 * The box's `data-review-state` is `"ready"` once the probability shown is the current text's.
 *
 * Type-checked with the project (Deno's types, without the DOM library, which would change the
 * types of every other file): the few DOM members it uses are declared below.
 * @module
 */
import type * as TF from "@tensorflow/tfjs";
import {
  modelInput,
  prefixIds,
  reviewIds,
  type ReviewWord,
  reviewWords,
} from "../data/review_input.ts";
import type { NDArray } from "../data/ndarray.ts";
import type { ReviewBoxData, ReviewBoxModelData } from "./review_box.ts";

/** The members of DOM elements this module uses (one interface for all of them). */
interface PageElement {
  textContent: string | null;
  readonly dataset: Record<string, string | undefined>;
  readonly style: Record<string, string>;
  /** A `<textarea>`'s text. */
  value: string;
  /** A `<select>`'s choice. */
  readonly selectedIndex: number;
  disabled: boolean;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  setAttribute(name: string, value: string): void;
  append(...children: PageElement[]): void;
  replaceChildren(): void;
  remove(): void;
  addEventListener(type: string, listener: () => void): void;
}

/** The page's `document`, the members used here. */
interface PageDocument {
  getElementById(id: string): PageElement | null;
  createElementNS(namespace: string, name: string): PageElement;
}

/** The page-wide objects this module uses and defines. */
interface PageGlobals {
  document: PageDocument;
  __ch9ReviewBox1?: { start(id: string): void };
  __ch9TfjsLoader1?: { load(link: PageElement | null): Promise<typeof TF> };
}

const page = globalThis as unknown as PageGlobals;

/** The most words the plot shows (the probability always reads the whole review). */
const PLOT_WORDS = 300;
/** Milliseconds after the last keystroke before the review is read again. */
const DEBOUNCE_MS = 60;

const SVG_NS = "http://www.w3.org/2000/svg";
const COLOURS = { positive: "#2ca02c", negative: "#d62728", unread: "#999999" } as const;

/** A model the page runs, with how it reads a review. */
interface PageModel {
  data: ReviewBoxModelData;
  model: TF.LayersModel;
}

function bytesOf(base64: string): Uint8Array {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** P(positive) for each row of `x`, as `predictReview` computes it in Deno. */
function probabilities(tf: typeof TF, model: TF.LayersModel, x: NDArray): Float32Array {
  return tf.tidy(() => {
    const input = tf.tensor(x.data, [...x.shape], x.dtype === "int32" ? "int32" : "float32");
    return (model.predict(input) as TF.Tensor).dataSync() as Float32Array;
  });
}

function element(
  name: string,
  attributes: Record<string, string | number>,
  text?: string,
): PageElement {
  const el = page.document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** What the plot says of a word the model does not read. */
function unreadNote(word: ReviewWord, numWords: number): string {
  return word.fate === "skipped"
    ? `"${word.word}": one of the 20 most frequent words, which the book leaves out (skip_top)`
    : `"${word.word}": unknown, not among the model's ${numWords.toLocaleString("en")} words`;
}

/**
 * The word-by-word plot: one column per word, the probability after it (a word the model does
 * not read leaves it as it was, and is drawn hollow and grey, its label in grey italics).
 */
function wordPlot(
  words: readonly ReviewWord[],
  after: (number | null)[],
  numWords: number,
): PageElement {
  const step = 16, left = 34, top = 8, plotHeight = 90, labels = 70;
  const width = left + words.length * step + 8;
  const svg = element("svg", {
    width,
    height: top + plotHeight + labels,
    viewBox: `0 0 ${width} ${top + plotHeight + labels}`,
    role: "img",
    "aria-label": "P(positive) after each word",
  });
  const y = (p: number) => top + (1 - p) * plotHeight;
  for (const p of [0, 0.5, 1]) {
    svg.append(element("line", {
      x1: left,
      x2: width - 4,
      y1: y(p),
      y2: y(p),
      stroke: p === 0.5 ? "#888" : "#ddd",
      "stroke-dasharray": p === 0.5 ? "4 3" : "",
    }));
    svg.append(
      element(
        "text",
        { x: left - 4, y: y(p) + 4, "text-anchor": "end", "font-size": 10 },
        String(p),
      ),
    );
  }
  const points = after.flatMap((p, i) => p === null ? [] : [`${left + (i + 0.5) * step},${y(p)}`]);
  if (points.length > 1) {
    svg.append(element("polyline", {
      points: points.join(" "),
      fill: "none",
      stroke: "#1f77b4",
      "stroke-width": 1.5,
    }));
  }
  words.forEach((word, i) => {
    const x = left + (i + 0.5) * step;
    const p = after[i];
    const read = word.fate === "read";
    const colour = !read ? COLOURS.unread : p! >= 0.5 ? COLOURS.positive : COLOURS.negative;
    const dot = element("circle", {
      cx: x,
      cy: y(p ?? 0.5),
      r: read ? 3.5 : 3,
      fill: read ? colour : "white",
      stroke: colour,
      class: `ch9-review-dot ch9-review-${word.fate}`,
    });
    dot.append(
      element(
        "title",
        {},
        read ? `"${word.word}": P(positive) ${p!.toFixed(3)} after it` : unreadNote(word, numWords),
      ),
    );
    svg.append(dot);
    const labelY = top + plotHeight + 10;
    const label = element("text", {
      x,
      y: labelY,
      transform: `rotate(-60 ${x} ${labelY})`,
      "text-anchor": "end",
      "font-size": 11,
      fill: read ? "#222" : COLOURS.unread,
      "font-style": read ? "normal" : "italic",
      class: `ch9-review-word ch9-review-${word.fate}`,
    }, word.word);
    label.append(element("title", {}, read ? `"${word.word}"` : unreadNote(word, numWords)));
    svg.append(label);
  });
  return svg;
}

/** Runs one box: loads TensorFlow.js and the models, then reads the review at every input. */
async function run(root: PageElement): Promise<void> {
  const find = (selector: string) => {
    const el = root.querySelector(selector);
    if (el === null) throw new Error(`the review box has no ${selector}`);
    return el;
  };
  const data = JSON.parse(find(".ch9-review-data").textContent ?? "") as ReviewBoxData;
  const input = find("[data-review-input]");
  const select = find("[data-review-model]");
  const probability = find("[data-review-probability]");
  const verdict = find("[data-review-label]");
  const status = find("[data-review-status]");
  const plot = find("[data-review-words]");
  const examples = Array.from(root.querySelectorAll("[data-review-example]"));

  status.textContent = "Loading TensorFlow.js...";
  const loader = page.__ch9TfjsLoader1;
  if (loader === undefined) throw new Error("the TensorFlow.js loader is not on the page");
  const tf = await loader.load(root.querySelector(".ch9-tfjs-src"));
  await tf.setBackend("cpu");
  await tf.ready();
  const models: PageModel[] = [];
  for (const m of data.models) {
    const model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: m.modelJson.modelTopology as TF.io.ModelArtifacts["modelTopology"],
      weightSpecs: m.modelJson.weightsManifest[0].weights as TF.io.WeightsManifestEntry[],
      weightData: bytesOf(m.weights).buffer as ArrayBuffer,
    }));
    models.push({ data: m, model });
  }
  select.disabled = false;
  input.disabled = false;

  const read = () => {
    const { data: m, model } = models[select.selectedIndex];
    const text = input.value;
    const words = reviewWords(text, data.vocabulary, m.reading);
    const count = words.filter((w) => w.fate === "read").length;
    plot.replaceChildren();
    if (count === 0) {
      probability.textContent = "";
      verdict.textContent = "";
      status.textContent = text.trim() === ""
        ? "Type a review above."
        : `No word of this review is among the ${m.reading.numWords.toLocaleString("en")} ` +
          "words the model reads: nothing to classify.";
    } else {
      const p = probabilities(
        tf,
        model,
        modelInput(reviewIds(text, data.vocabulary, m.reading), m.reading),
      )[0];
      probability.textContent = p.toFixed(6);
      verdict.textContent = p > 0.5 ? "positive" : "negative";
      verdict.style.color = p > 0.5 ? COLOURS.positive : COLOURS.negative;
      const shown = words.slice(0, PLOT_WORDS);
      const steps = probabilities(tf, model, modelInput(prefixIds(shown, m.reading), m.reading));
      const after: (number | null)[] = [];
      let r = -1;
      for (const w of shown) {
        if (w.fate === "read") r++;
        after.push(r < 0 ? null : steps[r]);
      }
      plot.append(wordPlot(shown, after, m.reading.numWords));
      const unread = words.length - count;
      status.textContent = `${words.length} words, ${count} read by the model` +
        (unread > 0 ? `, ${unread} not (grey)` : "") +
        (words.length > PLOT_WORDS ? `; the plot shows the first ${PLOT_WORDS}` : "") +
        (count > m.reading.maxlen ? `; the model reads the last ${m.reading.maxlen} of them` : "") +
        ".";
    }
    for (const row of examples) {
      const i = Number(row.dataset.reviewExample);
      const deno = data.examples[i].predictReview[select.selectedIndex];
      const cell = row.querySelector("[data-review-page]");
      const diff = row.querySelector("[data-review-difference]");
      const ids = (() => {
        try {
          return reviewIds(data.examples[i].text, data.vocabulary, m.reading);
        } catch {
          return null; // no word the model reads
        }
      })();
      const here = ids === null ? null : probabilities(tf, model, modelInput(ids, m.reading))[0];
      row.querySelector("[data-review-deno]")!.textContent = deno === null ? "" : deno.toFixed(6);
      if (cell) cell.textContent = here === null ? "" : here.toFixed(6);
      if (diff) {
        const d = here === null || deno === null ? null : Math.abs(here - deno);
        diff.textContent = d === null ? "" : d === 0 ? "0" : d.toExponential(1);
      }
    }
    root.dataset.reviewState = "ready";
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    root.dataset.reviewState = "busy";
    clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        if (input.value === lastText && select.selectedIndex === lastModel) {
          root.dataset.reviewState = "ready";
          return;
        }
        lastText = input.value;
        lastModel = select.selectedIndex;
        read();
      } catch (e) {
        status.textContent = `The review could not be read: ${(e as Error).message}`;
        console.error(e);
      }
    }, DEBOUNCE_MS);
  };
  let lastText: string | null = null;
  let lastModel = -1;
  input.addEventListener("input", schedule);
  select.addEventListener("change", schedule);
  for (const row of examples) {
    row.querySelector("button")?.addEventListener("click", () => {
      input.value = data.examples[Number(row.dataset.reviewExample)].text;
      schedule();
    });
  }
  schedule();
}

/** Starts the box with this id once it is in the document (an output's script may run first). */
function start(id: string, tries = 0): void {
  const root = page.document.getElementById(id);
  if (root === null) {
    if (tries < 100) setTimeout(() => start(id, tries + 1), 50);
    return;
  }
  if (root.dataset.reviewState !== undefined) return;
  root.dataset.reviewState = "loading";
  root.querySelector(".ch9-review-noscript")?.remove();
  run(root).catch((e) => {
    root.dataset.reviewState = "failed";
    const status = root.querySelector("[data-review-status]");
    if (status) status.textContent = `The review box could not start: ${(e as Error).message}`;
    console.error(e);
  });
}

page.__ch9ReviewBox1 ??= { start };
