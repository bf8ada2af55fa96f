/**
 * The exported chapter in a reader's browser: the pages `deno task report` wrote to `reports/`,
 * opened from `file://` in headless Chromium (Debian's, driven by playwright-core) with the
 * network cut off. It checks that
 *
 * 1. every page opens without one request leaving it and without an error logged;
 * 2. in the review box of the 9-4 page and of `reports/index.html`, for each of the models the
 *    box offers, a clearly positive and a clearly negative review typed key by key get, within a
 *    second of the last key, probabilities equal to `predictReview` in Deno on the same model
 *    (its weights read back from the page, the whole word index) to 1e-5; the word-by-word plot
 *    shows every word, the ones the model does not read as such; the examples' `predictReview`
 *    values printed by the kernel equal the page's.
 *
 * CI runs it after `CH9_QUICK=1 deno task report`. Without Chromium or the reports it is skipped
 * with a message, or fails when `CH9_REQUIRE_BROWSER=1` (CI sets it).
 */
import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import type { io } from "@tensorflow/tfjs";
import { tf } from "../../src/tfjs/tf.ts";
import "../../src/tfjs/model_io.ts"; // the fused layers, under the stock names the page uses
import { predictReview } from "../../src/tfjs/predict_review.ts";
import { getWordIndex } from "../../src/data/imdb.ts";
import { reviewWords } from "../../src/data/review_input.ts";
import type { LayersModel } from "../../src/tfjs/training.ts";
import type { ReviewBoxData } from "../../src/notebook/review_box.ts";
import { realData } from "../_real_data.ts";

const REPORTS = new URL("../../reports/", import.meta.url);
/** The page of the notebook whose last section shows the box. */
const BOX_PAGE = "9-4_lstm.html";

const POSITIVE = "A wonderful film. The story is great, the acting is excellent and the music " +
  "is beautiful. I loved every minute of it and I would watch it again: one of the best movies " +
  "of the year.";
const NEGATIVE = "A terrible film. The plot makes no sense, the acting is awful and the dialogue " +
  "is stupid. Boring from start to end, a complete waste of time: the worst movie of the year.";
/** "the" is skipped (one of the 20 most frequent words), "zqxv" unknown. */
const WITH_UNREAD = "the zqxv movie was great";

function onPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
    } catch { /* not here */ }
  }
  return undefined;
}

function reportPages(): string[] {
  try {
    return [...Deno.readDirSync(REPORTS)].filter((e) => e.isFile && e.name.endsWith(".html"))
      .map((e) => e.name).sort();
  } catch {
    return [];
  }
}

const chromiumPath = Deno.env.get("CHROMIUM") ?? onPath("chromium") ?? onPath("chromium-browser");
const pages = reportPages();
const data = realData("the review box test", ["imdb_word_index.json"]);
const missing = chromiumPath === undefined
  ? "chromium (apt-get install chromium)"
  : !pages.includes(BOX_PAGE) || !pages.includes("index.html")
  ? `reports/${BOX_PAGE} and reports/index.html (run \`CH9_QUICK=1 deno task report\` first)`
  : "";
if (missing !== "") {
  if (Deno.env.get("CH9_REQUIRE_BROWSER") === "1") {
    Deno.test("the review box test needs its browser and reports (CH9_REQUIRE_BROWSER=1)", () => {
      throw new Error(`not found: ${missing}`);
    });
  } else {
    console.log(`%creview box test skipped: not found: ${missing}`, "color: yellow");
  }
}

/** The box's data as the page carries it (`<script class="ch9-review-data">`). */
function boxData(html: string): ReviewBoxData {
  const m = html.match(
    /<script type="application\/json" class="ch9-review-data">([\s\S]*?)<\/script>/,
  );
  assert.ok(m, "the page carries a review box");
  return JSON.parse(m[1]);
}

/** The page's models, built in Deno from the weights the page carries. */
async function pageModels(box: ReviewBoxData): Promise<LayersModel[]> {
  const models: LayersModel[] = [];
  for (const m of box.models) {
    const weights = Uint8Array.from(atob(m.weights), (c) => c.charCodeAt(0));
    models.push(
      await tf.loadLayersModel(tf.io.fromMemory({
        modelTopology: m.modelJson.modelTopology as object,
        weightSpecs: m.modelJson.weightsManifest[0].weights as io.WeightsManifestEntry[],
        weightData: weights.buffer,
      })),
    );
  }
  return models;
}

/** Opens a report page offline, recording every request and every error it logs. */
async function openOffline(browser: Browser, name: string) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 1000 } });
  await context.setOffline(true);
  const page = await context.newPage();
  const url = new URL(name, REPORTS).href;
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (r) => {
    const u = r.url();
    if (u !== url && !u.startsWith("data:") && !u.startsWith("blob:")) requests.push(u);
  });
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console.error: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`exception: ${e.message}`));
  await page.goto(url, { waitUntil: "load" });
  return { context, page, requests, errors };
}

const READY = `document.querySelector(".ch9-review-box")?.dataset.reviewState === "ready"`;

/** Types `text` key by key into the box and returns the probability shown and how long it took
 * to appear after the last key. */
async function typeReview(page: Page, text: string): Promise<{ p: number; ms: number }> {
  const box = page.locator("[data-review-input]");
  await box.fill("");
  await box.pressSequentially(text);
  const typed = performance.now();
  await page.waitForFunction(READY, undefined, { timeout: 10_000 });
  const ms = performance.now() - typed;
  const shown = await page.locator("[data-review-probability]").textContent();
  assert.match(shown ?? "", /^0\.\d{6}$|^1\.000000$/, "a probability between 0 and 1");
  return { p: Number(shown), ms };
}

Deno.test({
  name:
    "the reports offline in Chromium: no request, no error; the review box equals predictReview",
  ignore: missing !== "" || data.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const started = performance.now();
    const wordIndex = await getWordIndex({ path: data.paths["imdb_word_index.json"] });
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      await t.step("every page opens offline: no request leaves it, no error", async () => {
        for (const name of pages) {
          const { context, page, requests, errors } = await openOffline(browser, name);
          // Let the page's scripts run (figures, math, the review box's models).
          await page.waitForTimeout(1500);
          if (await page.locator(".ch9-review-box").count() > 0) {
            await page.waitForFunction(READY, undefined, { timeout: 30_000 });
          }
          assert.deepEqual(requests, [], `${name} made requests`);
          assert.deepEqual(errors, [], `${name} logged errors`);
          await context.close();
        }
      });

      for (const name of [BOX_PAGE, "index.html"]) {
        await t.step(`${name}: each model's probabilities equal predictReview's`, async () => {
          const html = await Deno.readTextFile(new URL(name, REPORTS));
          const box = boxData(html);
          const models = await pageModels(box);
          assert.deepEqual(
            box.models.map((m) => m.name.replace(/ \(.*/, "")),
            ["Embedding + LSTM", "Embedding + SimpleRNN", "SimpleRNN, one-hot"],
            "the LSTM and both models of 9-3",
          );
          const { context, page, requests, errors } = await openOffline(browser, name);
          await page.waitForFunction(READY, undefined, { timeout: 30_000 });
          for (const [i, m] of box.models.entries()) {
            await page.selectOption("[data-review-model]", String(i));
            await page.waitForFunction(READY);
            for (const text of [POSITIVE, NEGATIVE]) {
              const { p, ms } = await typeReview(page, text);
              const deno = predictReview(models[i], text, { wordIndex });
              assert.ok(
                Math.abs(p - deno) <= 1e-5,
                `${m.name}: the page shows ${p}, predictReview gives ${deno}`,
              );
              assert.ok(
                ms < 1000,
                `${m.name}: the probability came ${ms.toFixed(0)} ms after input`,
              );
              console.log(
                `${name} ${m.name}: page ${p}, Deno ${deno.toFixed(7)}, ${ms.toFixed(0)} ms`,
              );
            }
            // The examples under the box: predictReview printed by the kernel beside the page's.
            const rows = await page.$$eval("[data-review-example]", (trs) =>
              trs.map((tr) => [
                tr.querySelector("[data-review-deno]")?.textContent ?? "",
                tr.querySelector("[data-review-page]")?.textContent ?? "",
              ]));
            assert.equal(rows.length, box.examples.length);
            for (const [deno, here] of rows) {
              if (deno === "") continue; // no word this model reads
              assert.ok(Math.abs(Number(deno) - Number(here)) <= 1e-5, `${deno} vs ${here}`);
            }
          }
          await page.selectOption("[data-review-model]", "0");
          await typeReview(page, WITH_UNREAD);
          // Each word's label (its first text node; its tooltip is a <title> inside it).
          const words = await page.$$eval("text.ch9-review-word", (ts) =>
            ts.map((el) => [
              el.firstChild?.textContent ?? "",
              el.getAttribute("class")?.replace("ch9-review-word ch9-review-", "") ?? "",
            ]));
          const expected = reviewWords(WITH_UNREAD, wordIndex, box.models[0].reading);
          assert.deepEqual(words, expected.map((w) => [w.word, w.fate]));
          assert.deepEqual(words.slice(0, 2), [["the", "skipped"], ["zqxv", "unknown"]]);
          assert.deepEqual(requests, [], `${name} made requests`);
          assert.deepEqual(errors, [], `${name} logged errors`);
          await context.close();
          for (const model of models) model.dispose();
        });
      }
    } finally {
      await browser.close();
      console.log(`review box test: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  },
});
