/**
 * Opens the generated HTML reports (`reports/*.html`, made by `deno task report`) in headless
 * Chromium through the DevTools protocol and checks that every plot rendered plotly's SVG with
 * the expected traces and legend, that every diagram's picture loaded, that each notebook has
 * each of its figures and diagrams (by title; {@link EXPECTED}), each with its axis titles and
 * the new ones with a caption, that every page's math was typeset, and that no page logged an
 * error or threw. Skipped, with a message, when Chromium or the reports are absent; CI runs it
 * after `CH9_QUICK=1 deno task report`.
 */
import assert from "node:assert/strict";
import { makeSelfContained } from "../../scripts/report.ts";
import { serializeNotebook, stripNotebook, toLines } from "../../scripts/strip_notebooks.ts";
import { notebookModule } from "../../scripts/check_notebooks.ts";

const REPORTS = new URL("../../reports/", import.meta.url);
const CHROMIUM = ["chromium", "chromium-browser", "google-chrome"];

function findChromium(): string | undefined {
  for (const name of CHROMIUM) {
    for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
      try {
        if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
      } catch { /* not here */ }
    }
  }
  return undefined;
}

function reportPages(): string[] {
  try {
    return [...Deno.readDirSync(REPORTS)]
      .filter((e) => e.isFile && e.name.endsWith(".html"))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/**
 * The figures (plotly plots) and diagrams each page must show, by title; `caption: true` for the
 * figures that must carry a one-line caption (their title's subtitle). A page may show more.
 */
const EXPECTED: Record<string, { plots: { title: RegExp; caption?: true }[]; diagrams: RegExp[] }> =
  {
    "9-1_sequential_data_and_rnn_cell.html": {
      plots: [],
      diagrams: [
        /^The recurrent structure/,
        /^Inside the recurrent cell/,
        /^The chapter's network/,
      ],
    },
    "9-2_imdb_and_hand_written_rnn.html": {
      plots: [
        { title: /^Review lengths before padding/, caption: true },
        { title: /^RecurrentNetwork \(9-2\): loss by epoch$/ },
        { title: /^How far back the gradient reaches/, caption: true },
      ],
      diagrams: [],
    },
    "9-3_tensorflow_simple_rnn_and_embedding.html": {
      plots: [
        { title: /^SimpleRNN, one-hot: loss/ },
        { title: /^SimpleRNN, one-hot: accuracy/ },
        { title: /^Embedding \+ SimpleRNN: loss/ },
        { title: /^Embedding \+ SimpleRNN: accuracy/ },
        { title: /^What the embedding learned/, caption: true },
      ],
      diagrams: [/^One-hot vectors against embedding vectors$/],
    },
    "9-4_lstm.html": {
      plots: [
        { title: /^Embedding \+ LSTM: loss/ },
        { title: /^Embedding \+ LSTM: accuracy/ },
        { title: /^Chapter 9 models: accuracy and training time$/ },
        { title: /^Gradient flow through time/, caption: true },
        { title: /^Test review \d+ \(positive\), read word by word$/, caption: true },
        { title: /^Test review \d+ \(negative\), read word by word$/, caption: true },
        { title: /^A typed review, read word by word$/, caption: true },
        { title: /^Where the LSTM is wrong/, caption: true },
        { title: /^The book's models and a reader's next tries/, caption: true },
      ],
      diagrams: [/^The LSTM cell/],
    },
  };

const chromium = findChromium();
const pages = reportPages();
const skip = chromium === undefined
  ? "chromium not found"
  : pages.length === 0
  ? "no reports/*.html (run `deno task report` first)"
  : "";
if (skip) console.log(`%creport_test skipped: ${skip}`, "color: yellow");

/** A minimal DevTools protocol client over the browser's websocket. */
class DevTools {
  #ws: WebSocket;
  #next = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly events: { method: string; params: Record<string, unknown>; sessionId?: string }[] = [];

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (e) => {
      const msg = JSON.parse(e.data as string);
      if (msg.id !== undefined) {
        const p = this.#pending.get(msg.id);
        this.#pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(`${msg.error.message} (${msg.error.code})`));
        else p?.resolve(msg.result);
      } else {
        this.events.push(msg);
      }
    };
  }

  static async connect(url: string): Promise<DevTools> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    return new DevTools(ws);
  }

  send<T = Record<string, unknown>>(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<T> {
    const id = this.#next++;
    this.#ws.send(JSON.stringify({ id, method, params, sessionId }));
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
  }

  close(): void {
    this.#ws.close();
  }
}

/** Starts headless Chromium with remote debugging on 127.0.0.1 and returns its websocket URL. */
async function launch(profile: string): Promise<{ child: Deno.ChildProcess; url: string }> {
  const child = new Deno.Command(chromium!, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-dev-shm-usage",
      "--allow-file-access-from-files",
      `--user-data-dir=${profile}`,
      "--remote-debugging-address=127.0.0.1",
      "--remote-debugging-port=0",
      "about:blank",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
    const m = seen.match(/DevTools listening on (ws:\/\/\S+)/);
    if (m) {
      // Keep draining stderr so Chromium never blocks on a full pipe.
      (async () => {
        try {
          while (!(await reader.read()).done) { /* discard */ }
        } catch { /* closed */ }
      })();
      return { child, url: m[1] };
    }
  }
  child.kill();
  throw new Error(`chromium did not start its DevTools endpoint:\n${seen}`);
}

/** What the page reports about its plots and math, gathered in the browser. */
interface PageState {
  plots: {
    id: string;
    expected: number;
    svg: boolean;
    fallback: number;
    traces: number;
    names: string[];
    /** the names of the traces plotly puts in the legend (none when it shows no legend) */
    legendNames: string[];
    legend: string[];
    title: string;
    caption: string;
    axisTitles: string[];
  }[];
  diagrams: { title: string; caption: string; loaded: boolean }[];
  mathSource: number;
  mathTypeset: number;
  plotlyVersion: string | null;
  /** Output elements nbconvert made from ANSI escape codes. */
  ansi: number;
  /** Text of outputs written to stderr. */
  stderr: string[];
}

const INSPECT = `(() => {
  const plots = [...document.querySelectorAll(".ch9-plotly")].map((el) => ({
    id: el.id,
    expected: Number(el.dataset.traces),
    svg: el.querySelector("svg.main-svg") !== null,
    // The static picture and its note, shown only until the figure is drawn.
    fallback: el.closest(".ch9-figure")?.querySelector(".ch9-figure-fallback")?.offsetHeight ?? -1,
    // scatter and bar traces are g.trace, heatmaps g.hm
    traces: el.querySelectorAll(".cartesianlayer g.trace, .cartesianlayer g.hm").length,
    names: (el.data || []).map((t) => t.name || ""),
    legendNames: el._fullLayout && el._fullLayout.showlegend
      ? (el._fullData || []).filter((t) => t.showlegend).map((t) => t.name || "")
      : [],
    legend: [...el.querySelectorAll(".legend .legendtext")].map((t) => t.textContent),
    title: (el.layout && el.layout.title && el.layout.title.text) || "",
    caption: (el.layout && el.layout.title && el.layout.title.subtitle &&
      el.layout.title.subtitle.text) || "",
    axisTitles: Object.keys(el.layout || {}).filter((k) => /^[xy]axis\d*$/.test(k))
      .map((k) => (el.layout[k].title && el.layout[k].title.text) || ""),
  }));
  const diagrams = [...document.querySelectorAll("figure.ch9-diagram")].map((f) => ({
    title: f.dataset.title || "",
    caption: f.dataset.caption || "",
    loaded: [...f.querySelectorAll("img")].some((img) => img.complete && img.naturalWidth > 0),
  }));
  const text = [...document.querySelectorAll(".jp-MarkdownOutput, .jp-RenderedMarkdown")]
    .map((e) => e.textContent).join(" ");
  return {
    plots,
    diagrams,
    mathSource: (text.match(/\\$[^$]+\\$/g) || []).length,
    mathTypeset: document.querySelectorAll("mjx-container").length,
    plotlyVersion: window.Plotly ? window.Plotly.version : null,
    ansi: document.querySelectorAll('.jp-OutputArea-output [class*="ansi-"]').length,
    stderr: [...document.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')]
      .map((e) => e.textContent.slice(0, 200)),
  };
})()`;

async function inspectPage(
  cdp: DevTools,
  url: string,
): Promise<{ state: PageState; errors: string[] }> {
  const { targetId } = await cdp.send<{ targetId: string }>("Target.createTarget", {
    url: "about:blank",
  });
  const { sessionId } = await cdp.send<{ sessionId: string }>("Target.attachToTarget", {
    targetId,
    flatten: true,
  });
  const mine = () => cdp.events.filter((e) => e.sessionId === sessionId);
  try {
    await cdp.send("Runtime.enable", {}, sessionId);
    await cdp.send("Log.enable", {}, sessionId);
    await cdp.send("Page.enable", {}, sessionId);
    await cdp.send("Page.navigate", { url }, sessionId);
    const deadline = Date.now() + 60_000;
    let state: PageState | undefined;
    // Wait for the load event, then until every plot has drawn and math is typeset (or timeout).
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      if (!mine().some((e) => e.method === "Page.loadEventFired")) continue;
      const r = await cdp.send<{ result: { value: PageState } }>("Runtime.evaluate", {
        expression: INSPECT,
        returnByValue: true,
      }, sessionId);
      state = r.result.value;
      const plotsDone = state.plots.every((p) => p.svg && p.traces >= p.expected && !p.fallback) &&
        state.diagrams.every((d) => d.loaded);
      const mathDone = state.mathSource === 0 || state.mathTypeset > 0;
      if (plotsDone && mathDone) break;
    }
    if (!state) throw new Error(`${url} never fired its load event`);
    const errors: string[] = [];
    for (const e of mine()) {
      const p = e.params as Record<string, Record<string, unknown>>;
      if (e.method === "Runtime.exceptionThrown") {
        const d = p.exceptionDetails;
        errors.push(
          `exception: ${(d.exception as { description?: string })?.description ?? d.text}`,
        );
      } else if (e.method === "Runtime.consoleAPICalled" && p.type as unknown === "error") {
        errors.push(`console.error: ${JSON.stringify(p.args)}`);
      } else if (e.method === "Log.entryAdded" && p.entry.level === "error") {
        errors.push(`log: ${p.entry.text} ${p.entry.url ?? ""}`);
      }
    }
    return { state, errors };
  } finally {
    await cdp.send("Target.closeTarget", { targetId });
  }
}

Deno.test({
  name: "reports render every plot and log no error in headless Chromium",
  ignore: skip !== "",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const profile = await Deno.makeTempDir({ prefix: "ch9-chromium-" });
    const { child, url } = await launch(profile);
    const cdp = await DevTools.connect(url);
    try {
      for (const page of pages) {
        await t.step(page, async () => {
          const { state, errors } = await inspectPage(cdp, new URL(page, REPORTS).href);
          assert.deepEqual(errors, [], `${page} logged errors`);
          assert.equal(state.ansi, 0, `${page}: outputs carry ANSI colour codes`);
          assert.deepEqual(state.stderr, [], `${page}: outputs written to stderr`);
          if (state.plots.length > 0) assert.equal(state.plotlyVersion, "3.7.0");
          for (const p of state.plots) {
            assert.ok(p.svg, `${page} #${p.id}: no plotly SVG`);
            assert.equal(p.fallback, 0, `${page} #${p.id}: the static picture still shows`);
            assert.equal(p.traces, p.expected, `${page} #${p.id}: traces drawn`);
            assert.equal(p.names.length, p.expected, `${page} #${p.id}: traces in the figure`);
            assert.deepEqual(p.legend, p.legendNames, `${page} #${p.id}: legend entries`);
            assert.ok(p.title, `${page} #${p.id}: a title`);
            assert.ok(
              p.axisTitles.length >= 2 && p.axisTitles.every((t) => t !== ""),
              `${page} "${p.title}": axis titles ${JSON.stringify(p.axisTitles)}`,
            );
          }
          for (const d of state.diagrams) {
            assert.ok(d.loaded, `${page}: the picture of the diagram "${d.title}" did not load`);
            assert.ok(d.title && d.caption, `${page}: a diagram without title or caption`);
          }
          const expected = EXPECTED[page];
          if (expected) {
            const titles = state.plots.map((p) => p.title);
            for (const e of expected.plots) {
              const found = state.plots.filter((p) => e.title.test(p.title));
              assert.equal(
                found.length,
                1,
                `${page}: one figure ${e.title}; figures: ${titles.join(" | ")}`,
              );
              if (e.caption) assert.ok(found[0].caption, `${page} "${found[0].title}": a caption`);
            }
            const dtitles = state.diagrams.map((d) => d.title);
            for (const e of expected.diagrams) {
              assert.equal(
                dtitles.filter((t) => e.test(t)).length,
                1,
                `${page}: one diagram ${e}; diagrams: ${dtitles.join(" | ")}`,
              );
            }
            assert.ok(state.plots.length >= expected.plots.length);
            assert.ok(state.diagrams.length >= expected.diagrams.length);
          }
          if (state.mathSource > 0) {
            assert.ok(state.mathTypeset > 0, `${page}: ${state.mathSource} formulas not typeset`);
          }
          console.log(
            `${page}: ${state.plots.length} plots, ${state.diagrams.length} diagrams, ` +
              `${state.mathTypeset} formulas, no errors`,
          );
        });
      }
    } finally {
      cdp.close();
      child.kill();
      await child.status;
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("makeSelfContained replaces nbconvert's external scripts", async (t) => {
  // The head nbconvert 6.5 (Debian) writes, trimmed.
  const page =
    `<html><head><title>x</title><script src="file:///usr/share/javascript/requirejs/require.min.js"></script>
<style>p {}</style>
<!-- Load mathjax -->
    <script src="file:///usr/share/javascript/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"> </script>
    <script type="text/x-mathjax-config">init_mathjax();</script>
    <!-- End of mathjax configuration --></head><body><p>$x$</p></body></html>`;
  await t.step("with math: an inline MathJax 3", async () => {
    const out = await makeSelfContained(page, "p", { math: true });
    assert.ok(!out.includes("require.min.js") && !out.includes("MathJax.js?config"));
    assert.ok(out.includes("window.MathJax = {"));
    assert.ok(out.length > 1_000_000, "MathJax is inlined");
    assert.equal(out.match(/<script/g)?.length, 2);
  });
  await t.step("without math: nothing", async () => {
    const out = await makeSelfContained(page, "p", { math: false });
    assert.ok(!out.includes("<script"));
    assert.ok(out.includes("<style>p {}</style>") && out.includes("<p>$x$</p>"));
  });
  await t.step("anything else external fails the report", async () => {
    await assert.rejects(
      () => makeSelfContained(`<img src="https://example.com/a.png">`, "q", { math: false }),
      /q: the page still loads external files: <img src="https:\/\/example.com\/a.png"/,
    );
  });
});

Deno.test("strip_notebooks removes outputs and run metadata, in Jupyter's format", async (t) => {
  const executed = {
    cells: [
      { cell_type: "markdown", id: "a", metadata: {}, source: "# T\n\ntext" },
      {
        cell_type: "code",
        id: "b",
        metadata: { tags: ["headline"], execution: { "iopub.status.busy": "2026" } },
        source: ["const x = 1;\n", "x"],
        outputs: [{ output_type: "execute_result", data: { "text/plain": ["1"] } }],
        execution_count: 3,
      },
    ],
    metadata: {
      kernelspec: { name: "deno", display_name: "Deno", language: "typescript" },
      language_info: { name: "typescript", version: "6.0.3" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  await t.step("toLines keeps newlines as Jupyter does", () => {
    assert.deepEqual(toLines("a\nb\n"), ["a\n", "b\n"]);
    assert.deepEqual(toLines("a\nb"), ["a\n", "b"]);
    assert.deepEqual(toLines(""), []);
  });
  await t.step("strip", () => {
    const s = stripNotebook(executed);
    assert.deepEqual(s.cells[1].outputs, []);
    assert.equal(s.cells[1].execution_count, null);
    assert.deepEqual(s.cells[1].metadata, { tags: ["headline"] });
    assert.deepEqual(s.cells[0].source, ["# T\n", "\n", "text"]);
    assert.deepEqual(s.metadata.language_info, { name: "typescript" });
    assert.equal(executed.cells[1].execution_count, 3, "the argument is not mutated");
    // Idempotent, and byte-stable through serialisation.
    const text = serializeNotebook(s);
    assert.equal(serializeNotebook(stripNotebook(JSON.parse(text))), text);
    assert.ok(text.startsWith('{\n "cells": [\n  {\n   "cell_type": "markdown",'));
  });
  await t.step("the committed notebooks are stripped", async () => {
    const dir = new URL("../../notebooks/", import.meta.url);
    for await (const e of Deno.readDir(dir)) {
      if (!e.name.endsWith(".ipynb")) continue;
      const text = await Deno.readTextFile(new URL(e.name, dir));
      assert.equal(serializeNotebook(stripNotebook(JSON.parse(text))), text, e.name);
    }
  });
});

Deno.test("check_notebooks builds one module from the code cells", () => {
  const { code, origins } = notebookModule([
    { cell_type: "markdown", source: "# x" },
    { cell_type: "code", source: 'import { a } from "../src/mod.ts";\nconst b = a;' },
    { cell_type: "code", source: ["await import('./x.ts');"] },
  ], new URL("file:///p/notebooks/"));
  assert.equal(
    code,
    '// cell 2\nimport { a } from "file:///p/src/mod.ts";\nconst b = a;\n// cell 3\n' +
      "await import('file:///p/notebooks/x.ts');\nexport {};\n",
  );
  assert.deepEqual(origins[2], { cell: 2, line: 2 });
  assert.equal(origins[3], undefined);
});
