/**
 * `deno task report`: runs every chapter notebook headlessly, several at a time, and writes
 * self-contained HTML reports to `reports/`, one page per notebook plus `index.html` with each
 * notebook's headline figures, its time, and the review box of 9-4.
 *
 * Steps:
 * 1. `deno install` (the npm packages of deno.json: tfjs, plotly.js, MathJax) and, only if
 *    `jupyter kernelspec list` shows no `deno` kernel, `deno jupyter --install`; side by side.
 * 2. The notebooks run in parallel, as many at a time as the machine has cores
 *    (`navigator.hardwareConcurrency`, or `CH9_REPORT_JOBS`), each
 *    `jupyter nbconvert --execute --to notebook` then `--to html` (the kernel inherits this
 *    environment, with `NO_COLOR=1`; `CH9_QUICK=1` selects the quick run). 9-4's comparison and
 *    review box read what 9-2 and 9-3 save: the report names its run and the results its
 *    notebooks save (`CH9_REPORT_RUN`, `CH9_REPORT_PENDING`), and `loadModelResults` in 9-4
 *    waits for this run's (`src/notebook/results.ts`). So the notebooks that save results start
 *    first, the longest first (by the last run's times in `reports/timings.json`), then the rest.
 * 3. Each page is made self-contained: nbconvert's links to RequireJS and MathJax files are
 *    replaced by an inline MathJax 3 (SVG output, fonts included), a page with figures gets one
 *    packed copy of plotly.js, and a page with the review box one of TensorFlow.js (outputs in a
 *    notebook fetch them from beside the notebook, which a page opened from disk cannot do).
 * 4. Only when every notebook succeeded are the pages moved into `reports/`: a failed cell fails
 *    the task with the notebook's name, the cell's number and its error, stops the other
 *    notebooks, and leaves the previous reports as they were.
 *
 * Usage: `deno task report [notebook-name-prefix ...]`, e.g. `deno task report 9-1 9-2`.
 * Environment: `CH9_QUICK=1` small subset and few epochs; `IMDB_DATA_DIR` the data directory;
 * `CH9_REPORT_JOBS` notebooks at a time (default: the number of cores); `REPORT_CELL_TIMEOUT`
 * seconds per cell (default 3600).
 * @module
 */

import { figureBundle, PLOTLY_MIME, type PlotlyFigure } from "../src/notebook/figures.ts";
import { plotlyScriptTag, readNpmFile } from "../src/notebook/_npm_assets.ts";
import { escapeHtml } from "../src/notebook/_text.ts";
import { REVIEW_BOX_CLASS, withTfjs } from "../src/notebook/review_box.ts";

const ROOT = new URL("../", import.meta.url);

/** A notebook as nbformat 4 stores it (the parts we read). */
interface Notebook {
  cells: {
    cell_type: string;
    source: string | string[];
    metadata?: { tags?: string[] };
    outputs?: {
      output_type: string;
      data?: Record<string, unknown>;
      ename?: string;
      evalue?: string;
    }[];
  }[];
  metadata: Record<string, unknown>;
}

/** What the index shows for one notebook. */
interface PageSummary {
  name: string;
  title: string;
  /** Execution time of the notebook (`nbconvert --execute`), in seconds. */
  seconds: number;
  /** When it started, in seconds after its run started. */
  startedAt?: number;
  /** Size of the executed notebook, with its outputs, as Jupyter would save it. */
  bytes?: number;
  figures: PlotlyFigure[];
  /** The HTML of its review box (9-4's), shown again at the top of the index. */
  reviewBox?: string;
  /** Executed with CH9_QUICK=1. */
  quick: boolean;
}

/** A whole `deno task report` run, as the index and `timings.json` record it. */
interface RunSummary {
  quick: boolean;
  /** Wall time of the whole run, in seconds. */
  seconds: number;
  /** Notebooks run at a time. */
  jobs: number;
  /** The most memory the run's processes held at once (sum of their resident sets), in bytes;
   * absent where `/proc` is not there to read. */
  peakBytes?: number;
  notebooks: string[];
}

async function run(
  cmd: string,
  args: string[],
  options: { env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(cmd, {
    args,
    env: options.env,
    stdout: "piped",
    stderr: "piped",
  }).output().catch((e) => {
    throw new Error(`cannot run ${cmd}: ${(e as Error).message}`);
  });
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

export async function which(cmd: string): Promise<boolean> {
  return (await run("sh", ["-c", `command -v ${cmd}`])).code === 0;
}

/** Installs Deno's kernel spec unless a kernel named `deno` is already registered. */
export async function ensureDenoKernel(): Promise<void> {
  const list = await run("jupyter", ["kernelspec", "list", "--json"]);
  if (list.code !== 0) throw new Error(`jupyter kernelspec list failed:\n${list.stderr}`);
  const specs = (JSON.parse(list.stdout) as { kernelspecs: Record<string, unknown> }).kernelspecs;
  if ("deno" in specs) return;
  console.log("Installing the Deno Jupyter kernel spec (deno jupyter --install)");
  const r = await run(Deno.execPath(), ["jupyter", "--install"]);
  if (r.code !== 0) throw new Error(`deno jupyter --install failed:\n${r.stderr}`);
}

function sourceText(source: string | string[]): string {
  return Array.isArray(source) ? source.join("") : source;
}

/** The notebook's title: its first markdown heading. */
function titleOf(nb: Notebook, fallback: string): string {
  for (const cell of nb.cells) {
    if (cell.cell_type !== "markdown") continue;
    const m = sourceText(cell.source).match(/^#\s+(.+)$/m);
    if (m) return m[1].trim();
  }
  return fallback;
}

/** Throws naming the cell when an executed notebook holds an error output. */
function assertNoErrors(nb: Notebook, name: string): void {
  nb.cells.forEach((cell, i) => {
    for (const out of cell.outputs ?? []) {
      if (out.output_type === "error") {
        throw new Error(`${name}: cell ${i + 1} failed: ${out.ename}: ${out.evalue}`);
      }
    }
  });
}

/** Whether any markdown cell holds TeX math (`$...$`, `\\(...\\)` or `\\[...\\]`). */
function hasMath(nb: Notebook): boolean {
  return nb.cells.some((c) =>
    c.cell_type === "markdown" && /\$[^$]+\$|\\\(|\\\[/.test(sourceText(c.source))
  );
}

/** The largest output a cell may have: a figure with its static picture is about 20 kB; one
 * carrying plotly.js, 2.7 MB. */
const MAX_OUTPUT_BYTES = 200_000;
/** The largest review box: the chapter's three models' weights are 373 kB in base64, the
 * vocabulary and the page script 30 kB; one carrying TensorFlow.js would be 0.5 MB more. */
const MAX_REVIEW_BOX_BYTES = 600_000;

/**
 * Throws when a cell lacks outputs it must have: one plotly figure per `showFigure(` call, and
 * at least one output for a cell that calls a display helper. (Deno's kernel can drop output
 * messages; src/notebook/display.ts paces them, and this makes any loss fail the report, not hide.)
 */
function assertOutputsComplete(nb: Notebook, name: string): void {
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const src = sourceText(cell.source);
    const outputs = cell.outputs ?? [];
    const figures = (src.match(/\bshowFigure\(/g) ?? []).length;
    const shown = outputs.filter((o) => o.data?.[PLOTLY_MIME] !== undefined).length;
    if (shown !== figures) {
      throw new Error(`${name}: cell ${i + 1} shows ${figures} figures, its outputs hold ${shown}`);
    }
    const helpers =
      /\b(print|showTable|showText|showModelSummary|showFigure|showReviewBox)\(|\.finish\(\)/;
    if (helpers.test(src) && outputs.length === 0) {
      throw new Error(`${name}: cell ${i + 1} displays something but has no output`);
    }
    for (const o of outputs) {
      const bytes = JSON.stringify(o.data ?? {}).length;
      const box = reviewBoxHtml(o) !== undefined;
      const max = box ? MAX_REVIEW_BOX_BYTES : MAX_OUTPUT_BYTES;
      if (bytes > max) {
        throw new Error(
          `${name}: cell ${i + 1} has an output of ${bytes} bytes (over ${max}): ` +
            `does ${box ? "the review box carry TensorFlow.js" : "a figure carry plotly.js"}? ` +
            "The saved notebook would grow by it",
        );
      }
    }
  });
}

/**
 * Puts one packed copy of plotly.js at the start of `<head>` when the page has figures: their
 * loaders find it there instead of fetching it from beside the notebook.
 */
export async function withPlotly(html: string): Promise<string> {
  if (!html.includes('class="ch9-figure"')) return html;
  const tag = await plotlyScriptTag();
  const head = html.indexOf("<head>");
  if (head < 0) throw new Error("the page has figures but no <head> to put plotly.js in");
  const at = head + "<head>".length;
  return `${html.slice(0, at)}\n${tag}\n${html.slice(at)}`;
}

/** The HTML of an output that is a review box (`showReviewBox`), else `undefined`. */
function reviewBoxHtml(output: { data?: Record<string, unknown> }): string | undefined {
  const html = output.data?.["text/html"];
  const text = Array.isArray(html) ? html.join("") : html;
  return typeof text === "string" && text.includes(`class="${REVIEW_BOX_CLASS}"`)
    ? text
    : undefined;
}

/** The notebook's review box, if it shows one. */
function reviewBoxOf(nb: Notebook): string | undefined {
  for (const cell of nb.cells) {
    for (const out of cell.outputs ?? []) {
      const html = reviewBoxHtml(out);
      if (html !== undefined) return html;
    }
  }
  return undefined;
}

/** Plotly figures of the cells tagged `headline`, in order. */
function headlineFigures(nb: Notebook): PlotlyFigure[] {
  const figs: PlotlyFigure[] = [];
  for (const cell of nb.cells) {
    if (!cell.metadata?.tags?.includes("headline")) continue;
    for (const out of cell.outputs ?? []) {
      const fig = out.data?.[PLOTLY_MIME];
      if (fig) figs.push(fig as PlotlyFigure);
    }
  }
  return figs;
}

let mathJaxTag: string | undefined;

/** An inline MathJax 3 (TeX input, SVG output with its fonts) configured as nbconvert's was. */
async function mathJax(): Promise<string> {
  if (mathJaxTag) return mathJaxTag;
  const source = await readNpmFile("mathjax/es5/tex-svg-full.js");
  const js = source.replace(/<\/(script)/gi, "<\\/$1");
  const config = {
    tex: {
      inlineMath: [["$", "$"], ["\\(", "\\)"]],
      displayMath: [["$$", "$$"], ["\\[", "\\]"]],
      processEscapes: true,
      processEnvironments: true,
    },
    svg: { fontCache: "global" },
    options: { enableMenu: false },
  };
  mathJaxTag = `<script>window.MathJax = ${JSON.stringify(config)};</script>\n` +
    `<script type="text/javascript">${js}</script>`;
  return mathJaxTag;
}

/**
 * Replaces nbconvert's external script references (RequireJS, MathJax 2 from the Debian paths
 * or a CDN) with the inline MathJax 3, and checks nothing external is left.
 */
export async function makeSelfContained(
  html: string,
  name: string,
  options: { math: boolean },
): Promise<string> {
  let out = html.replace(/<script\s+src="[^"]*require(\.min)?\.js"\s*>\s*<\/script>/g, "");
  const mj = /<!-- Load mathjax -->[\s\S]*?<!-- End of mathjax configuration -->/;
  if (mj.test(out)) {
    const tag = options.math ? await mathJax() : "";
    out = out.replace(mj, () => tag);
  }
  const external = out.match(/<(script|link|img)\b[^>]*\b(src|href)="(https?:|file:|\/\/)[^"]*"/g);
  if (external) {
    throw new Error(`${name}: the page still loads external files: ${external.join(", ")}`);
  }
  return out;
}

/** The keys a notebook saves results under: the string literals of its `saveModelResult("...")`. */
export function savedResultKeys(nb: Pick<Notebook, "cells">): string[] {
  const keys: string[] = [];
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    for (const m of sourceText(cell.source).matchAll(/\bsaveModelResult\(\s*"([A-Za-z0-9_-]+)"/g)) {
      keys.push(m[1]);
    }
  }
  return keys;
}

/** Whether a notebook reads results other notebooks save (`loadModelResults`,
 * `loadTrainedModels`). */
export function readsResults(nb: Pick<Notebook, "cells">): boolean {
  return nb.cells.some((cell) =>
    cell.cell_type === "code" &&
    /\b(loadModelResults|loadTrainedModels)\(/.test(sourceText(cell.source))
  );
}

/** One notebook to run: its name, the results it saves and reads, how long it took last time. */
export interface ReportJob {
  name: string;
  /** Result keys it saves (see {@link savedResultKeys}). */
  saves: readonly string[];
  /** Whether it reads results (see {@link readsResults}): it may wait for other notebooks. */
  reads: boolean;
  /** Seconds it took in the last run of the same kind (quick or full), if known. */
  estimate?: number;
}

/**
 * The order to start the notebooks in: first those that save results and read none (a notebook
 * that reads results may wait for them, so they must never queue behind it), then the rest; in
 * each group the longest first (by `estimate`; unknown ones keep the notebooks' order, after the
 * known), which keeps the cores busy to the end.
 */
export function startOrder(jobs: readonly ReportJob[]): ReportJob[] {
  const byLength = (a: ReportJob, b: ReportJob) =>
    (b.estimate ?? -1) - (a.estimate ?? -1) || a.name.localeCompare(b.name);
  const first = (j: ReportJob) => j.saves.length > 0 && !j.reads;
  return [...jobs.filter(first).sort(byLength), ...jobs.filter((j) => !first(j)).sort(byLength)];
}

/**
 * The failing cell of a notebook from `jupyter nbconvert --execute`'s stderr: nbclient prints the
 * cell's source between two lines of dashes, then the traceback (the error, then `    at ...`
 * lines for a JavaScript error). Returns the cell's number (1-based, as the report's other
 * messages count cells) and the error without its stack; `undefined` when stderr holds no such
 * block (a kernel that died, a timeout).
 */
export function failedCell(
  stderr: string,
  nb: Pick<Notebook, "cells">,
): { cell: number; error: string } | undefined {
  const m = stderr.match(
    /An error occurred while executing the following cell:\n-{10,}\n([\s\S]*?)\n-{10,}\n\n([\s\S]*)$/,
  );
  if (!m) return undefined;
  const [, source, traceback] = m;
  const index = nb.cells.findIndex((c) =>
    c.cell_type === "code" && sourceText(c.source).trim() === source.trim()
  );
  const lines = traceback.replace(/\s+$/, "").split("\n");
  const stack = lines.findIndex((l) => /^\s+at /.test(l));
  const error = (stack > 0 ? lines.slice(0, stack) : lines).join("\n").trim();
  return { cell: index + 1, error };
}

/** The processes below `pid` (children, their children, ...), read from `/proc`; `[]` where
 * there is no `/proc`. */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  try {
    for (const e of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(e.name)) continue;
      try {
        const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
        // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ")".
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        parent.set(Number(e.name), ppid);
      } catch { /* gone meanwhile */ }
    }
  } catch {
    return [];
  }
  const out: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = [...parent].filter(([, ppid]) => frontier.includes(ppid)).map(([p]) => p);
    out.push(...next);
    frontier = next;
  }
  return out;
}

/** Resident memory of a process in bytes (`VmRSS`), 0 when it is gone or unreadable. */
function residentBytes(pid: number): number {
  try {
    const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Samples, twice a second, the memory held by this process and every process below it (the
 * notebooks' nbconvert and kernels); `stop()` returns the peak of the sums, or `undefined`
 * without `/proc`. Shared pages are counted once per process, so the sum is an upper bound.
 */
function sampleMemory(): { stop: () => number | undefined } {
  let peak = residentBytes(Deno.pid) || undefined;
  const timer = setInterval(() => {
    if (peak === undefined) return;
    const total = [Deno.pid, ...descendants(Deno.pid)].reduce((s, p) => s + residentBytes(p), 0);
    peak = Math.max(peak, total);
  }, 500);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

/** A notebook run that can be stopped: its nbconvert process and the kernel below it. */
class NotebookProcess {
  #child: Deno.ChildProcess | undefined;
  #stopped = false;

  /** Runs `jupyter` with `args`; resolves with its exit code and output. */
  async run(
    args: string[],
    env: Record<string, string>,
  ): Promise<{ code: number; stderr: string }> {
    if (this.#stopped) return { code: 1, stderr: "stopped" };
    this.#child = new Deno.Command("jupyter", {
      args,
      env,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const out = await this.#child.output();
    this.#child = undefined;
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
  }

  /** Stops nbconvert and every process it started (its kernel starts a session of its own, so
   * it is found by its parent, not by a process group), each by its id. */
  stop(): void {
    this.#stopped = true;
    const child = this.#child;
    if (child === undefined) return;
    for (const pid of [...descendants(child.pid), child.pid]) {
      try {
        Deno.kill(pid, "SIGTERM");
      } catch { /* already gone */ }
    }
  }

  get stopped(): boolean {
    return this.#stopped;
  }
}

/** Where a run reads its notebooks and writes its reports. */
export interface ReportPaths {
  notebooks: URL;
  reports: URL;
}

/** Executes one notebook into `tmp`, or throws naming the notebook, the cell and its error. */
async function executeNotebook(
  name: string,
  source: Notebook,
  options: { tmp: string; env: Record<string, string>; timeout: number; paths: ReportPaths },
  proc: NotebookProcess,
): Promise<{ nb: Notebook; bytes: number }> {
  const args = [
    "nbconvert",
    "--execute",
    "--to",
    "notebook",
    "--ExecutePreprocessor.kernel_name=deno",
    `--ExecutePreprocessor.timeout=${options.timeout}`,
    "--ExecutePreprocessor.startup_timeout=300",
    "--output-dir",
    options.tmp,
    "--output",
    name,
    new URL(`${name}.ipynb`, options.paths.notebooks).pathname,
  ];
  const r = await proc.run(args, options.env);
  if (proc.stopped) throw new Error(`${name}: stopped`);
  if (r.code !== 0) {
    const failed = failedCell(r.stderr, source);
    if (failed) throw new Error(`${name}: cell ${failed.cell} failed:\n${failed.error}`);
    // No cell's error: the kernel died or a cell timed out; nbconvert's last lines say which.
    const tail = r.stderr.split("\n").filter((l) => !l.includes("is unstable")).slice(-30);
    throw new Error(`${name}: jupyter nbconvert --execute failed:\n${tail.join("\n")}`);
  }
  const text = await Deno.readTextFile(`${options.tmp}/${name}.ipynb`);
  const nb = JSON.parse(text) as Notebook;
  assertNoErrors(nb, name);
  assertOutputsComplete(nb, name);
  return { nb, bytes: new TextEncoder().encode(text).length };
}

async function toHtml(name: string, tmp: string, proc: NotebookProcess): Promise<string> {
  const r = await proc.run([
    "nbconvert",
    "--to",
    "html",
    "--output-dir",
    tmp,
    "--output",
    name,
    `${tmp}/${name}.ipynb`,
  ], { ...Deno.env.toObject() });
  if (proc.stopped) throw new Error(`${name}: stopped`);
  if (r.code !== 0) throw new Error(`${name}: jupyter nbconvert --to html failed:\n${r.stderr}`);
  return await Deno.readTextFile(`${tmp}/${name}.html`);
}

/** "1 min 8 s" or "48.2 s". */
function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** The index page: the run's times, then one section per notebook with its link, run time and
 * headline figures. */
export async function indexPage(pages: PageSummary[], summary: RunSummary): Promise<string> {
  const sections = pages.map((p) => {
    const figs = p.figures.map((f) => {
      const html = figureBundle(f, { height: 320 })["text/html"] as string;
      return `<div class="figure">${html}</div>`;
    }).join("\n");
    return `<section>
<h2><a href="${escapeHtml(p.name)}.html">${escapeHtml(p.title)}</a></h2>
<p class="meta">${escapeHtml(p.name)}.ipynb, executed in ${p.seconds.toFixed(1)} s${
      p.quick ? " (quick run: <code>CH9_QUICK=1</code>, small subset, few epochs)" : ""
    }</p>
<div class="figures">${figs}</div>
</section>`;
  }).join("\n");
  const rows = pages.map((p) => {
    const inRun = summary.notebooks.includes(p.name);
    const start = inRun && p.startedAt !== undefined ? `${p.startedAt.toFixed(1)} s` : "";
    return `<tr><td><a href="${escapeHtml(p.name)}.html">${escapeHtml(p.name)}</a></td>` +
      `<td class="n">${start}</td><td class="n">${p.seconds.toFixed(1)} s</td>` +
      `<td>${inRun ? "" : "an earlier run"}${p.quick ? " quick run" : ""}</td></tr>`;
  }).join("\n");
  const memory = summary.peakBytes === undefined
    ? ""
    : `, peak memory ${(summary.peakBytes / 1e9).toFixed(1)} GB`;
  const kind = summary.quick ? "quick run (<code>CH9_QUICK=1</code>)" : "the book's settings";
  const withBox = pages.find((p) => p.reviewBox !== undefined);
  const box = withBox === undefined ? "" : `<section class="try">
<h2>Classify a review</h2>
<p class="meta">The models trained in <a href="${escapeHtml(withBox.name)}.html">${
    escapeHtml(withBox.name)
  }</a>${withBox.quick ? " (a quick run: small subset, few epochs)" : ""}, running in this page.</p>
${withBox.reviewBox}
</section>`;
  return await withTfjs(
    await withPlotly(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Chapter 9: recurrent neural networks - reports</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; }
.meta { color: #555; margin-top: -0.5em; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 1em; }
section { border-top: 1px solid #ddd; padding-top: 0.5em; }
table.times td { padding: 0.1em 0.8em 0.1em 0; }
table.times td.n { text-align: right; font-variant-numeric: tabular-nums; }
</style>
</head>
<body>
<h1>Do it! 딥러닝 입문, chapter 9 in TypeScript</h1>
<p class="run-summary">Generated ${
      new Date().toISOString()
    } by <code>deno task report</code>, ${kind}: ${summary.notebooks.length} notebooks, ${summary.jobs} at a time, in ${
      duration(summary.seconds)
    } (wall time)${memory}.</p>
<table class="times">
<thead><tr><th>notebook</th><th>started at</th><th>executed in</th><th></th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${box}
${sections}
</body>
</html>
`),
  );
}

/**
 * This run's pages plus those of earlier runs (kept in `pages.json`) whose HTML still exists, in
 * notebook order.
 */
async function mergePages(pages: PageSummary[], reports: URL): Promise<PageSummary[]> {
  let earlier: PageSummary[] = [];
  try {
    earlier = JSON.parse(await Deno.readTextFile(new URL("pages.json", reports)));
  } catch {
    // first run
  }
  const byName = new Map<string, PageSummary>();
  for (const p of earlier) {
    try {
      await Deno.stat(new URL(`${p.name}.html`, reports));
      byName.set(p.name, p);
    } catch {
      // its page is gone
    }
  }
  for (const p of pages) byName.set(p.name, p);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The last run's seconds per notebook, when it was of the same kind (quick or full). */
async function lastTimes(reports: URL, quick: boolean): Promise<Map<string, number>> {
  try {
    const t = JSON.parse(await Deno.readTextFile(new URL("timings.json", reports)));
    if (t.quick !== quick) return new Map();
    return new Map((t.notebooks as { name: string; seconds: number }[]).map((n) => [
      n.name,
      n.seconds,
    ]));
  } catch {
    return new Map();
  }
}

/** Options of {@link runReport}. */
export interface RunReportOptions {
  /** Notebook name prefixes; empty: all. */
  select?: readonly string[];
  /** Where the notebooks are and the reports go (default `notebooks/` and `reports/`). */
  paths?: ReportPaths;
  /** Notebooks at a time (default `CH9_REPORT_JOBS`, else the number of cores). */
  jobs?: number;
  /** Print progress lines (default true). */
  log?: (line: string) => void;
}

/**
 * Runs the selected notebooks and writes their pages, the index, `timings.json` and
 * `pages.json`; see the module doc.
 *
 * @throws Error naming the notebook, its failing cell and the error; `reports/` is left as it
 *   was.
 */
export async function runReport(options: RunReportOptions = {}): Promise<RunSummary> {
  const started = performance.now();
  const log = options.log ?? console.log;
  const paths = options.paths ?? {
    notebooks: new URL("notebooks/", ROOT),
    reports: new URL("reports/", ROOT),
  };
  const quick = Deno.env.get("CH9_QUICK") === "1";
  const timeout = Number(Deno.env.get("REPORT_CELL_TIMEOUT") ?? 3600);
  const jobsEnv = Deno.env.get("CH9_REPORT_JOBS");
  if (jobsEnv !== undefined && !(Number.isInteger(Number(jobsEnv)) && Number(jobsEnv) > 0)) {
    throw new Error(`CH9_REPORT_JOBS must be a positive integer, got "${jobsEnv}"`);
  }
  const jobs = options.jobs ?? (jobsEnv ? Number(jobsEnv) : navigator.hardwareConcurrency || 1);

  const names: string[] = [];
  for await (const e of Deno.readDir(paths.notebooks)) {
    if (e.isFile && e.name.endsWith(".ipynb")) names.push(e.name.replace(/\.ipynb$/, ""));
  }
  names.sort();
  const select = options.select ?? [];
  const selected = select.length ? names.filter((n) => select.some((a) => n.startsWith(a))) : names;
  if (selected.length === 0) {
    throw new Error(`no notebook in ${paths.notebooks.pathname} matches ${select.join(" ")}`);
  }
  const sources = new Map<string, Notebook>();
  for (const name of selected) {
    sources.set(
      name,
      JSON.parse(await Deno.readTextFile(new URL(`${name}.ipynb`, paths.notebooks))),
    );
  }
  const times = await lastTimes(paths.reports, quick);
  const queue = startOrder(selected.map((name) => ({
    name,
    saves: savedResultKeys(sources.get(name)!),
    reads: readsResults(sources.get(name)!),
    estimate: times.get(name),
  })));
  const atOnce = Math.max(1, Math.min(jobs, queue.length));

  await Deno.mkdir(paths.reports, { recursive: true });
  for await (const e of Deno.readDir(paths.reports)) {
    // What a run that was killed left behind.
    if (e.name.startsWith(".staging-")) {
      await Deno.remove(new URL(e.name, paths.reports), { recursive: true });
    }
  }
  const tmp = await Deno.makeTempDir({ prefix: "ch9-report-" });
  // The pages are written here, beside reports/, and moved in only when every notebook succeeded.
  const staging = await Deno.makeTempDir({ dir: paths.reports.pathname, prefix: ".staging-" });
  const env = {
    ...Deno.env.toObject(),
    NO_COLOR: "1",
    CH9_REPORT_RUN: crypto.randomUUID(),
    CH9_REPORT_PENDING: queue.flatMap((j) => j.saves).join(","),
  };
  const memory = sampleMemory();
  const processes = new Map<string, NotebookProcess>();
  const pages: PageSummary[] = [];
  let failure: Error | undefined;
  log(
    `${queue.length} notebooks, ${atOnce} at a time${quick ? " (CH9_QUICK=1)" : ""}: ` +
      queue.map((j) => j.name).join(", "),
  );
  const fail = (e: unknown) => {
    if (failure !== undefined) return;
    failure = e as Error;
    // Stop the others: a notebook may be waiting for what the failed one would save.
    for (const p of processes.values()) p.stop();
  };
  /** Executes one notebook; its page is then made while the next notebook runs. */
  const execute = async (job: ReportJob) => {
    const proc = new NotebookProcess();
    processes.set(job.name, proc);
    const t0 = performance.now();
    log(`${job.name}: running...`);
    const source = sources.get(job.name)!;
    const { nb, bytes } = await executeNotebook(
      job.name,
      source,
      { tmp, env, timeout, paths },
      proc,
    );
    const seconds = (performance.now() - t0) / 1000;
    log(`${job.name}: ok in ${seconds.toFixed(1)} s`);
    pages.push({
      name: job.name,
      title: titleOf(nb, job.name),
      seconds,
      startedAt: (t0 - started) / 1000,
      bytes,
      figures: headlineFigures(nb),
      reviewBox: reviewBoxOf(nb),
      quick,
    });
    return async () => {
      const html = await toHtml(job.name, tmp, proc);
      const page = await makeSelfContained(html, job.name, { math: hasMath(nb) });
      await Deno.writeTextFile(
        `${staging}/${job.name}.html`,
        await withTfjs(await withPlotly(page)),
      );
    };
  };
  try {
    let next = 0;
    const converting: Promise<void>[] = [];
    const worker = async () => {
      while (failure === undefined && next < queue.length) {
        const job = queue[next++];
        try {
          const makePage = await execute(job);
          converting.push(makePage().catch(fail));
        } catch (e) {
          fail(e);
        }
      }
    };
    await Promise.all(Array.from({ length: atOnce }, worker));
    await Promise.all(converting);
    if (failure !== undefined) throw failure;

    const seconds = (performance.now() - started) / 1000;
    const summary: RunSummary = {
      quick,
      seconds,
      jobs: atOnce,
      peakBytes: memory.stop(),
      notebooks: selected,
    };
    const all = await mergePages(pages, paths.reports);
    await Deno.writeTextFile(`${staging}/index.html`, await indexPage(all, summary));
    await Deno.writeTextFile(`${staging}/pages.json`, JSON.stringify(all) + "\n");
    const byName = (a: PageSummary, b: PageSummary) => a.name.localeCompare(b.name);
    await Deno.writeTextFile(
      `${staging}/timings.json`,
      JSON.stringify(
        {
          quick,
          total_s: seconds,
          jobs: atOnce,
          peak_bytes: summary.peakBytes ?? null,
          notebooks: [...pages].sort(byName).map((p) => ({
            name: p.name,
            started_s: p.startedAt,
            seconds: p.seconds,
            bytes: p.bytes,
          })),
        },
        null,
        2,
      ) + "\n",
    );
    for await (const e of Deno.readDir(staging)) {
      await Deno.rename(`${staging}/${e.name}`, new URL(e.name, paths.reports));
    }
    log(
      `reports/index.html: ${selected.length} notebooks, ${atOnce} at a time, in ` +
        `${seconds.toFixed(1)} s${
          summary.peakBytes ? `, peak memory ${(summary.peakBytes / 1e9).toFixed(2)} GB` : ""
        }`,
    );
    return summary;
  } finally {
    memory.stop();
    for (const p of processes.values()) p.stop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
}

async function main(args: string[]): Promise<void> {
  for (const cmd of ["jupyter", "jupyter-nbconvert"]) {
    if (!(await which(cmd))) {
      throw new Error(
        `${cmd} not found. Install Jupyter's nbconvert first, e.g. ` +
          "`sudo apt-get install jupyter-nbconvert jupyter-client python3-ipykernel` " +
          "or `pip install nbconvert jupyter_client`.",
      );
    }
  }
  const install = async () => {
    const r = await run(Deno.execPath(), ["install", "--quiet"]);
    if (r.code !== 0) throw new Error(`deno install failed:\n${r.stderr}`);
  };
  await Promise.all([install(), ensureDenoKernel()]);
  await runReport({ select: args });
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (e) {
    console.error(`report failed: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
