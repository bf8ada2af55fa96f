/**
 * The notebooks in a learner's browser: a classic Jupyter Notebook server on 127.0.0.1, started
 * here, and headless Chromium driven by playwright-core, at 800 px wide. It
 *
 * 1. opens 9-4 (a copy, beside the repository's `src/`) and runs all its cells in quick mode
 *    (`CH9_QUICK=1`), then checks every figure drew, the progress display (at 800 px, updated in
 *    place), the tables, and the notes saying the numbers come from a small subset;
 * 2. saves it (the saved notebook must not carry plotly.js) and reloads the page: the saved
 *    figures draw; then clears all outputs, saves, reloads the page while the kernel runs on,
 *    runs ONE figure cell, and checks that figure draws;
 * 3. opens a copy that Jupyter does not trust, and checks that each figure shows its static
 *    picture and the note saying why.
 *
 * With `CH9_BROWSER_SHOTS=<folder>` it saves screenshots of what it checks there.
 *
 * `deno task test:browser` runs this file alone. It needs `jupyter-notebook` and `chromium`
 * (Debian packages; CI installs them) and the IMDB files; without them it is skipped with a
 * message, or fails when `CH9_REQUIRE_BROWSER=1` (CI sets it).
 */
import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import { ensureDenoKernel } from "../../scripts/report.ts";
import { realData } from "../_real_data.ts";

const ROOT = new URL("../../", import.meta.url);
const NOTEBOOK = "9-4_lstm.ipynb";
/** The cell of 9-4 re-run alone after the reload: the loss curves. */
/** The figures 9-4 shows: one per `showFigure(` in its code cells. */
const FIGURE_COUNT = (JSON.parse(
  Deno.readTextFileSync(new URL("../../notebooks/9-4_lstm.ipynb", import.meta.url)),
).cells as { cell_type: string; source: string[] }[])
  .filter((c) => c.cell_type === "code")
  .reduce((n, c) => n + (c.source.join("").match(/\bshowFigure\(/g) ?? []).length, 0);
const FIGURE_CELL = 'historyFigure(history.history as HistoryCurves, "loss"';
/** The training runs of 9-4, each with its progress display: the LSTM, then Try it yourself's. */
const TRAINING_RUNS = 1 + ((JSON.parse(
  Deno.readTextFileSync(new URL("../../notebooks/9-4_lstm.ipynb", import.meta.url)),
).cells as { source: string[] }[])
  .map((c) => c.source.join(""))
  .find((code) => code.includes("const variants = ["))
  ?.match(/^ {2}\{ name: "|^ {4}name: "/gm) ?? []).length;

function onPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
    } catch { /* not here */ }
  }
  return undefined;
}

const chromiumPath = Deno.env.get("CHROMIUM") ?? onPath("chromium") ?? onPath("chromium-browser");
const jupyterNotebook = onPath("jupyter-notebook");
const data = realData("the browser test", ["imdb.npz", "imdb_word_index.json"]);
const missing = [
  chromiumPath === undefined ? "chromium (apt-get install chromium)" : "",
  jupyterNotebook === undefined ? "jupyter-notebook (apt-get install jupyter-notebook)" : "",
].filter((m) => m !== "").join(", ");
if (missing !== "") {
  if (Deno.env.get("CH9_REQUIRE_BROWSER") === "1") {
    Deno.test("the browser test's programs are required (CH9_REQUIRE_BROWSER=1)", () => {
      throw new Error(`not found: ${missing}`);
    });
  } else {
    console.log(`%cbrowser test skipped: not found: ${missing}`, "color: yellow");
  }
}

const SHOTS = Deno.env.get("CH9_BROWSER_SHOTS");

/** Saves a screenshot of the first element matching `selector` when CH9_BROWSER_SHOTS is set. */
async function shot(page: Page, selector: string, name: string): Promise<void> {
  if (SHOTS === undefined) return;
  await Deno.mkdir(SHOTS, { recursive: true });
  await page.locator(selector).first().screenshot({ path: `${SHOTS}/${name}.png` });
}

/** A free TCP port on 127.0.0.1. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A classic Notebook server serving `dir`, with a fresh in-memory trust database. */
async function startNotebookServer(dir: string): Promise<{
  base: string;
  token: string;
  stop: () => Promise<void>;
}> {
  const port = freePort();
  const token = crypto.randomUUID().replaceAll("-", "");
  const log = await Deno.open(`${dir}/.server.log`, { write: true, create: true });
  const child = new Deno.Command(jupyterNotebook!, {
    args: [
      "--no-browser",
      "--ip=127.0.0.1",
      `--port=${port}`,
      "--port-retries=0",
      `--notebook-dir=${dir}`,
      `--NotebookApp.token=${token}`,
      "--NotebookNotary.db_file=:memory:",
      ...(Deno.uid() === 0 ? ["--allow-root"] : []), // CI runs as root
    ],
    env: {
      CH9_QUICK: "1",
      NO_COLOR: "1",
      IMDB_DATA_DIR: data.paths["imdb.npz"].replace(/\/imdb\.npz$/, ""),
      JUPYTER_RUNTIME_DIR: `${dir}/.runtime`,
    },
    stdout: "null",
    stderr: "piped", // the server logs there
  }).spawn();
  const logging = child.stderr.pipeTo(log.writable);
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      child.kill("SIGTERM"); // the server shuts its kernels down and exits
    } catch { /* already gone */ }
    await child.status;
    await logging.catch(() => {});
  };
  let exited = false;
  child.status.then(() => (exited = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !exited) {
    const ok = await fetch(`${base}/api/status?token=${token}`).then(
      async (r) => (await r.body?.cancel(), r.ok),
      () => false,
    );
    if (ok) return { base, token, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(
    `the notebook server did not start:\n${await Deno.readTextFile(`${dir}/.server.log`)}`,
  );
}

/** Opens a notebook (or, without `url`, reloads the page) and waits until its kernel is ready. */
async function openNotebook(page: Page, url?: string): Promise<void> {
  if (url === undefined) await page.reload();
  else await page.goto(url);
  await page.waitForFunction(
    () => {
      // deno-lint-ignore no-explicit-any
      const nb = (window as any).Jupyter?.notebook;
      return nb?._fully_loaded && nb.kernel?.is_connected() &&
        nb.kernel?.info_reply?.status === "ok";
    },
    undefined,
    { timeout: 90_000 },
  );
}

/** Waits until no code cell is queued or running (`In [*]`) and the kernel is idle. */
async function waitIdle(page: Page, timeout = 300_000): Promise<void> {
  await page.waitForFunction(
    () => {
      // deno-lint-ignore no-explicit-any
      const nb = (window as any).Jupyter.notebook;
      // deno-lint-ignore no-explicit-any
      const cells = nb.get_cells().filter((c: any) => c.cell_type === "code");
      // deno-lint-ignore no-explicit-any
      return !nb.kernel_busy && cells.every((c: any) => c.input_prompt_number !== "*");
    },
    undefined,
    { timeout, polling: 250 },
  );
}

/** What the page shows of each figure output. */
interface FigureState {
  drawn: boolean;
  traces: number;
  expected: number;
  fallbackHeight: number;
  note: string;
  pictureWidth: number;
}

const FIGURES = `[...document.querySelectorAll(".ch9-figure")].map((root) => ({
  drawn: root.querySelector(".ch9-plotly svg.main-svg") !== null,
  traces: root.querySelectorAll(".cartesianlayer g.trace, .cartesianlayer g.hm").length, // hm: heatmaps
  expected: Number(root.querySelector(".ch9-plotly")?.dataset.traces ?? -1),
  fallbackHeight: root.querySelector(".ch9-figure-fallback")?.offsetHeight ?? -1,
  note: root.querySelector(".ch9-figure-note")?.textContent ?? "",
  pictureWidth: root.querySelector("img.ch9-figure-static")?.naturalWidth ?? 0,
}))`;

/** Records, at every change of the page's outputs, how many progress displays there are and
 * the value of the last one's bar (in `window.__ch9Progress`). */
const WATCH_PROGRESS = `(() => {
  window.__ch9Progress = [];
  new MutationObserver(() => {
    const all = document.querySelectorAll(".ch9-progress");
    const values = [...all].map((el) => Number(el.querySelector("progress")?.value ?? -1));
    window.__ch9Progress.push({ n: all.length, values });
  }).observe(document.getElementById("notebook-container"), { childList: true, subtree: true });
})()`;

/** The training cell's outputs, the width of its progress display, and on how many lines each
 * of its items is laid out (a wrap inside an item would make it two). */
const PROGRESS_LAYOUT = `(() => {
  const box = document.querySelector(".ch9-progress");
  const area = box.closest(".output");
  const lineHeight = parseFloat(getComputedStyle(box).lineHeight);
  return {
    outputs: area.querySelectorAll(".output_area").length,
    width: area.clientWidth,
    scrollWidth: area.scrollWidth,
    items: [...box.querySelectorAll(".ch9-progress-item")].map((el) => ({
      text: el.textContent,
      lines: Math.round(el.getBoundingClientRect().height / lineHeight),
    })),
  };
})()`;

/** For each column of each table output: the header's and the first cell's alignment. */
const TABLE_ALIGNMENT = `[...document.querySelectorAll("table.ch9-table")].flatMap((table) => {
  const ths = [...table.querySelectorAll("thead th")];
  const tds = [...(table.querySelector("tbody tr")?.children ?? [])];
  return ths.map((th, j) => [getComputedStyle(th).textAlign, tds[j] ? getComputedStyle(tds[j]).textAlign : getComputedStyle(th).textAlign]);
})`;

async function figures(page: Page): Promise<FigureState[]> {
  return await page.evaluate(FIGURES) as FigureState[];
}

/** Waits until every figure on the page is drawn (or the timeout), then returns their state. */
async function drawnFigures(page: Page, count: number): Promise<FigureState[]> {
  await page.waitForFunction(
    `(() => { const f = ${FIGURES}; return f.length === ${count} && f.every((x) => x.drawn && x.fallbackHeight === 0); })()`,
    undefined,
    { timeout: 30_000 },
  ).catch(() => {});
  return await figures(page);
}

Deno.test({
  name:
    "9-4 in classic Jupyter Notebook: figures draw after clear and reload; untrusted, a picture",
  ignore: missing !== "" || data.ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const started = performance.now();
    await ensureDenoKernel();
    // Beside src/, so that the notebook's "../src/mod.ts" and deno.json are found (git ignores
    // /_tmp*).
    const work = await Deno.makeTempDir({
      dir: new URL(".", ROOT).pathname,
      prefix: "_tmp_browser_",
    });
    const dir = work;
    let server: Awaited<ReturnType<typeof startNotebookServer>> | undefined;
    let browser: Browser | undefined;
    try {
      await Deno.copyFile(new URL(`notebooks/${NOTEBOOK}`, ROOT), `${dir}/${NOTEBOOK}`);
      server = await startNotebookServer(dir);
      browser = await chromium.launch({
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
      const context = await browser.newContext({ viewport: { width: 800, height: 1000 } });
      const page = await context.newPage();
      const fetched: string[] = [];
      const tfjsFetched: string[] = [];
      page.on("request", (r) => {
        // The first request of each fetch (classic Notebook redirects it to /files/...).
        if (r.url().includes("_plotly/") && r.redirectedFrom() === null) fetched.push(r.url());
        if (r.url().includes("_tfjs/") && r.redirectedFrom() === null) tfjsFetched.push(r.url());
      });
      const { base, token } = server;
      const url = (name: string) => `${base}/notebooks/${name}?token=${token}`;
      let saved = "";

      await t.step("Run All in quick mode: every figure drawn, no error", async () => {
        await openNotebook(page, url(NOTEBOOK));
        await page.evaluate(WATCH_PROGRESS);
        await page.evaluate("Jupyter.notebook.execute_all_cells()");
        await waitIdle(page);
        const errors = await page.evaluate(
          `[...document.querySelectorAll(".output_error")].map((e) => e.textContent.slice(0, 300))`,
        );
        assert.deepEqual(errors, [], "error outputs");
        const figs = await drawnFigures(page, FIGURE_COUNT);
        assert.equal(figs.length, FIGURE_COUNT, `${FIGURE_COUNT} figures`);
        for (const f of figs) {
          assert.ok(f.drawn, `not drawn: ${f.note}`);
          assert.equal(f.traces, f.expected);
          assert.equal(f.fallbackHeight, 0, "the static picture is hidden once drawn");
        }
        assert.equal(await page.evaluate("window.Plotly.version"), "3.7.0");
        assert.equal(fetched.length, 1, `plotly.js fetched once: ${fetched.join(", ")}`);
        await shot(page, ".ch9-figure", "figure");
        assert.match(fetched[0], /\/notebooks\/_plotly\/plotly-3\.7\.0\.js\.gz$/);
      });

      await t.step("the progress display: one output updated in place, fits 800 px", async () => {
        const seen = await page.evaluate("window.__ch9Progress") as {
          n: number;
          values: number[];
        }[];
        // one output per training run, each updated in place: never more outputs than runs
        assert.equal(Math.max(...seen.map((s) => s.n)), TRAINING_RUNS, "one output per run");
        for (let run = 0; run < TRAINING_RUNS; run++) {
          const values = [
            ...new Set(seen.filter((s) => s.n > run).map((s) => s.values[run])),
          ];
          assert.deepEqual(values, [...values].sort((a, b) => a - b), `run ${run}: only forward`);
          assert.equal(values.at(-1), 1, `run ${run} ends at 100%`);
          if (run === 0) assert.ok(values.length >= 3, `updated in place: ${values.join(", ")}`);
        }
        const layout = await page.evaluate(PROGRESS_LAYOUT) as {
          outputs: number;
          width: number;
          scrollWidth: number;
          items: { text: string; lines: number }[];
        };
        assert.equal(layout.outputs, 1, "the training cell has one output");
        assert.ok(layout.scrollWidth <= layout.width, `${layout.scrollWidth} > ${layout.width} px`);
        assert.ok(layout.items.length >= 8, JSON.stringify(layout.items));
        for (const item of layout.items) assert.equal(item.lines, 1, `"${item.text}" wraps`);
        await shot(page, ".ch9-progress", "progress");
      });

      await t.step("the review box runs the models in the page, as predictReview", async () => {
        const ready = `document.querySelector(".ch9-review-box")?.dataset.reviewState === "ready"`;
        await page.waitForFunction(ready, undefined, { timeout: 30_000 });
        const shown = await page.evaluate(
          `[...document.querySelectorAll("[data-review-example]")].map((tr) => [
            tr.querySelector("[data-review-deno]").textContent,
            tr.querySelector("[data-review-page]").textContent,
          ])`,
        ) as string[][];
        assert.equal(shown.length, 3, "the three reviews of the cell above");
        for (const [deno, here] of shown) {
          assert.ok(Math.abs(Number(deno) - Number(here)) <= 1e-5, `${deno} vs ${here}`);
        }
        const input = page.locator("[data-review-input]");
        await input.fill("");
        await input.pressSequentially("What a wonderful, excellent movie.");
        await page.waitForFunction(ready);
        assert.match(
          await page.locator("[data-review-probability]").textContent() ?? "",
          /^0\.\d{6}$/,
        );
        assert.equal(tfjsFetched.length, 1, `TensorFlow.js fetched once: ${tfjsFetched.join(" ")}`);
        assert.match(tfjsFetched[0], /\/notebooks\/_tfjs\/tf-4\.22\.0\.js\.gz$/);
        await shot(page, ".ch9-review-box", "review-box");
      });

      await t.step("quick mode says so at the top and beside the book's value", async () => {
        const first = await page.evaluate(
          `document.querySelector(".output_area").textContent.trim()`,
        ) as string;
        assert.match(first, /^Quick run \(CH9_QUICK=1\): the LSTM trains on the first 2,000 of /);
        const text = await page.evaluate(
          `document.getElementById("notebook").textContent`,
        ) as string;
        assert.match(
          text,
          /validation accuracy 0\.\d{4} \(quick run on a small subset: not comparable with the book's 0\.8274\)/,
        );
      });

      await t.step("tables: each header aligned as its column", async () => {
        const columns = await page.evaluate(TABLE_ALIGNMENT) as string[][];
        assert.ok(columns.length >= 2, "9-4's tables");
        for (const [th, td] of columns) assert.equal(th, td);
      });

      await t.step("saved, it holds no copy of plotly.js or TensorFlow.js", async () => {
        await page.evaluate("Jupyter.notebook.save_notebook()");
        await page.waitForFunction("!Jupyter.notebook.dirty", undefined, { timeout: 30_000 });
        saved = await Deno.readTextFile(`${dir}/${NOTEBOOK}`);
        const bytes = new TextEncoder().encode(saved).length;
        // The review box carries the models' weights (373 kB in base64), not TensorFlow.js; the rest
        // is under 1 MB with every figure (plotly.js alone is 2.7 MB).
        const box = JSON.parse(saved).cells.flatMap((c: { outputs?: unknown[] }) => c.outputs ?? [])
          .map((o: { data?: Record<string, string[]> }) => (o.data?.["text/html"] ?? []).join(""))
          .find((html: string) => html.includes('class="ch9-review-box"')) as string;
        assert.ok(box !== undefined, "the review box is saved");
        const boxBytes = new TextEncoder().encode(JSON.stringify(box)).length;
        console.log(
          `saved ${NOTEBOOK} with its outputs: ${bytes} bytes (the review box ${boxBytes})`,
        );
        assert.ok(!box.includes("__ch9TfjsLoader1.packed("), "the box carries no TensorFlow.js");
        assert.ok(boxBytes < 600_000, `the review box: ${boxBytes} bytes`);
        assert.ok(bytes - boxBytes < 1_000_000, `${bytes - boxBytes} bytes besides the review box`);
        assert.equal(
          JSON.parse(saved).cells.flatMap((c: { outputs?: unknown[] }) => c.outputs ?? [])
            .filter((o: { data?: Record<string, unknown> }) =>
              o.data?.["application/vnd.plotly.v1+json"]
            ).length,
          FIGURE_COUNT,
        );
      });

      await t.step("reopened as saved: its figures draw", async () => {
        fetched.length = 0;
        await openNotebook(page);
        assert.equal(await page.evaluate("Jupyter.notebook.trusted"), true, "signed when saved");
        const figs = await drawnFigures(page, FIGURE_COUNT);
        assert.deepEqual(
          figs.map((f) => f.drawn && f.fallbackHeight === 0),
          new Array(FIGURE_COUNT).fill(true),
        );
        assert.equal(
          fetched.length,
          1,
          `plotly.js fetched once for the page: ${fetched.join(" ")}`,
        );
      });

      await t.step("cleared, saved, reloaded: one figure cell run alone draws", async () => {
        await page.evaluate("Jupyter.notebook.clear_all_output()");
        await page.evaluate("Jupyter.notebook.save_notebook()");
        await page.waitForFunction("!Jupyter.notebook.dirty", undefined, { timeout: 30_000 });
        await openNotebook(page); // reloaded: the kernel runs on
        assert.equal(await page.evaluate("typeof window.Plotly"), "undefined", "a fresh page");
        assert.equal(await page.evaluate("document.querySelectorAll('.output_area').length"), 0);
        const index = await page.evaluate(
          `Jupyter.notebook.get_cells().findIndex((c) => c.get_text().includes(${
            JSON.stringify(FIGURE_CELL)
          }))`,
        ) as number;
        assert.ok(index > 0);
        fetched.length = 0;
        await page.evaluate(`Jupyter.notebook.get_cell(${index}).execute()`);
        await waitIdle(page);
        const figs = await drawnFigures(page, 1);
        assert.equal(figs.length, 1);
        assert.ok(figs[0].drawn, `not drawn: ${figs[0].note}`);
        assert.equal(figs[0].traces, 2);
        assert.equal(figs[0].fallbackHeight, 0);
        assert.equal(fetched.length, 1, "plotly.js fetched from beside the notebook");
        await shot(page, ".ch9-figure", "figure-after-reload");
      });

      await t.step("an untrusted copy: each figure's static picture and the note why", async () => {
        const copy = JSON.parse(saved);
        copy.metadata.ch9_copy = "received from someone else"; // a notebook this server never signed
        await Deno.writeTextFile(`${dir}/untrusted.ipynb`, JSON.stringify(copy));
        const other = await context.newPage();
        await openNotebook(other, url("untrusted.ipynb"));
        assert.equal(await other.evaluate("Jupyter.notebook.trusted"), false);
        await other.waitForFunction(
          `[...document.querySelectorAll("img.ch9-figure-static")].every((i) => i.complete)`,
        );
        const figs = await figures(other);
        assert.equal(figs.length, FIGURE_COUNT);
        for (const f of figs) {
          assert.equal(f.drawn, false);
          assert.ok(f.fallbackHeight > 300, `the picture shows: ${f.fallbackHeight} px`);
          assert.ok(f.pictureWidth > 0, "the picture loaded");
          assert.match(
            f.note,
            /^A static picture of the figure: .* trust the notebook \(classic Notebook: File → Trust Notebook/,
          );
        }
        await shot(other, ".output_area:has(.ch9-figure)", "figure-untrusted");
        await other.close();
      });
    } finally {
      await browser?.close();
      await server?.stop();
      await Deno.remove(work, { recursive: true });
      console.log(`browser test: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  },
});
