/**
 * `deno task report`: runs every chapter notebook headlessly and writes self-contained HTML
 * reports to `reports/`, one page per notebook plus `index.html` with each notebook's headline
 * figures.
 *
 * Steps:
 * 1. `deno install`: fetches the npm packages of deno.json (tfjs, plotly.js, MathJax) if missing.
 * 2. Installs Deno's Jupyter kernel spec (`deno jupyter --install`) only if `jupyter kernelspec
 *    list` shows no `deno` kernel; other kernels are left alone.
 * 3. For each notebook: `jupyter nbconvert --execute --to notebook` (the kernel inherits this
 *    environment, with `NO_COLOR=1`; `CH9_QUICK=1` selects the quick run), then
 *    `jupyter nbconvert --to html` of the executed copy. Any cell error fails the task.
 * 4. Makes each page self-contained: nbconvert's links to RequireJS and MathJax files are
 *    replaced by an inline MathJax 3 (SVG output, fonts included), and a page with figures gets
 *    one packed copy of plotly.js (a notebook's figures fetch it from beside the notebook, which
 *    a page opened from disk cannot do).
 *
 * Usage: `deno task report [notebook-name-prefix ...]`, e.g. `deno task report 9-1 9-2`.
 * Environment: `CH9_QUICK=1` small subset and few epochs; `IMDB_DATA_DIR` the data directory;
 * `REPORT_CELL_TIMEOUT` seconds per cell (default 3600).
 * @module
 */

import { figureBundle, PLOTLY_MIME, type PlotlyFigure } from "../src/notebook/figures.ts";
import { plotlyScriptTag, readNpmFile } from "../src/notebook/_npm_assets.ts";
import { escapeHtml } from "../src/notebook/_text.ts";

const ROOT = new URL("../", import.meta.url);
const NOTEBOOKS = new URL("notebooks/", ROOT);
const REPORTS = new URL("reports/", ROOT);

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
  seconds: number;
  /** Size of the executed notebook, with its outputs, as Jupyter would save it. */
  bytes?: number;
  figures: PlotlyFigure[];
  /** Executed with CH9_QUICK=1. */
  quick: boolean;
}

async function run(
  cmd: string,
  args: string[],
  options: { env?: Record<string, string>; quiet?: boolean } = {},
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
    const helpers = /\b(print|showTable|showText|showModelSummary|showFigure)\(|\.finish\(\)/;
    if (helpers.test(src) && outputs.length === 0) {
      throw new Error(`${name}: cell ${i + 1} displays something but has no output`);
    }
    for (const o of outputs) {
      const bytes = JSON.stringify(o.data ?? {}).length;
      if (bytes > MAX_OUTPUT_BYTES) {
        throw new Error(
          `${name}: cell ${i + 1} has an output of ${bytes} bytes (over ${MAX_OUTPUT_BYTES}): ` +
            "does a figure carry plotly.js? The saved notebook would grow by it",
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

async function executeNotebook(
  name: string,
  tmp: string,
  env: Record<string, string>,
  timeout: number,
): Promise<{ nb: Notebook; bytes: number }> {
  const args = [
    "nbconvert",
    "--execute",
    "--to",
    "notebook",
    "--ExecutePreprocessor.kernel_name=deno",
    `--ExecutePreprocessor.timeout=${timeout}`,
    "--ExecutePreprocessor.startup_timeout=300",
    "--output-dir",
    tmp,
    "--output",
    name,
    new URL(`${name}.ipynb`, NOTEBOOKS).pathname,
  ];
  const r = await run("jupyter", args, { env });
  if (r.code !== 0) {
    // nbconvert prints the failing cell and the traceback on stderr.
    const tail = r.stderr.split("\n").filter((l) => !l.includes("is unstable")).slice(-60);
    throw new Error(`${name}: a cell failed (jupyter nbconvert --execute):\n${tail.join("\n")}`);
  }
  const text = await Deno.readTextFile(`${tmp}/${name}.ipynb`);
  const nb = JSON.parse(text) as Notebook;
  assertNoErrors(nb, name);
  assertOutputsComplete(nb, name);
  return { nb, bytes: new TextEncoder().encode(text).length };
}

async function toHtml(name: string, tmp: string): Promise<string> {
  const r = await run("jupyter", [
    "nbconvert",
    "--to",
    "html",
    "--output-dir",
    tmp,
    "--output",
    name,
    `${tmp}/${name}.ipynb`,
  ]);
  if (r.code !== 0) throw new Error(`${name}: jupyter nbconvert --to html failed:\n${r.stderr}`);
  return await Deno.readTextFile(`${tmp}/${name}.html`);
}

/** The index page: one section per notebook with its link, run time and headline figures. */
export async function indexPage(pages: PageSummary[]): Promise<string> {
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
  const total = pages.reduce((s, p) => s + p.seconds, 0);
  return await withPlotly(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Chapter 9: recurrent neural networks - reports</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; }
.meta { color: #555; margin-top: -0.5em; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 1em; }
section { border-top: 1px solid #ddd; padding-top: 0.5em; }
</style>
</head>
<body>
<h1>Do it! 딥러닝 입문, chapter 9 in TypeScript</h1>
<p>Generated ${
    new Date().toISOString()
  } by <code>deno task report</code>: ${pages.length} notebooks, executed in ${
    total.toFixed(1)
  } s.</p>
${sections}
</body>
</html>
`);
}

/**
 * This run's pages plus those of earlier runs (kept in `reports/pages.json`) whose HTML still
 * exists, in notebook order; writes the merged list back.
 */
async function mergePages(pages: PageSummary[]): Promise<PageSummary[]> {
  const file = new URL("pages.json", REPORTS);
  let earlier: PageSummary[] = [];
  try {
    earlier = JSON.parse(await Deno.readTextFile(file));
  } catch {
    // first run
  }
  const byName = new Map<string, PageSummary>();
  for (const p of earlier) {
    try {
      await Deno.stat(new URL(`${p.name}.html`, REPORTS));
      byName.set(p.name, p);
    } catch {
      // its page is gone
    }
  }
  for (const p of pages) byName.set(p.name, p);
  const all = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  await Deno.writeTextFile(file, JSON.stringify(all) + "\n");
  return all;
}

async function main(args: string[]): Promise<void> {
  const started = performance.now();
  const quick = Deno.env.get("CH9_QUICK") === "1";
  const timeout = Number(Deno.env.get("REPORT_CELL_TIMEOUT") ?? 3600);
  for (const cmd of ["jupyter", "jupyter-nbconvert"]) {
    if (!(await which(cmd))) {
      throw new Error(
        `${cmd} not found. Install Jupyter's nbconvert first, e.g. ` +
          "`sudo apt-get install jupyter-nbconvert jupyter-client python3-ipykernel` " +
          "or `pip install nbconvert jupyter_client`.",
      );
    }
  }
  const install = await run(Deno.execPath(), ["install", "--quiet"]);
  if (install.code !== 0) throw new Error(`deno install failed:\n${install.stderr}`);
  await ensureDenoKernel();

  const names: string[] = [];
  for await (const e of Deno.readDir(NOTEBOOKS)) {
    if (e.isFile && e.name.endsWith(".ipynb")) names.push(e.name.replace(/\.ipynb$/, ""));
  }
  names.sort();
  const selected = args.length ? names.filter((n) => args.some((a) => n.startsWith(a))) : names;
  if (selected.length === 0) throw new Error(`no notebook in notebooks/ matches ${args.join(" ")}`);

  await Deno.mkdir(REPORTS, { recursive: true });
  const tmp = await Deno.makeTempDir({ prefix: "ch9-report-" });
  const env = { ...Deno.env.toObject(), NO_COLOR: "1" };
  const pages: PageSummary[] = [];
  try {
    for (const name of selected) {
      const t0 = performance.now();
      console.log(`${name}: running${quick ? " (CH9_QUICK=1)" : ""}...`);
      const { nb, bytes } = await executeNotebook(name, tmp, env, timeout);
      const seconds = (performance.now() - t0) / 1000;
      const page = await makeSelfContained(await toHtml(name, tmp), name, { math: hasMath(nb) });
      await Deno.writeTextFile(new URL(`${name}.html`, REPORTS), await withPlotly(page));
      const title = titleOf(nb, name);
      pages.push({ name, title, seconds, bytes, figures: headlineFigures(nb), quick });
      console.log(`${name}: ok in ${seconds.toFixed(1)} s -> reports/${name}.html`);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  // The index lists every notebook that has a page: this run's, plus earlier runs' of others.
  const all = await mergePages(pages);
  await Deno.writeTextFile(new URL("index.html", REPORTS), await indexPage(all));
  const total = (performance.now() - started) / 1000;
  await Deno.writeTextFile(
    new URL("timings.json", REPORTS),
    JSON.stringify(
      {
        quick,
        total_s: total,
        notebooks: pages.map((p) => ({ name: p.name, seconds: p.seconds, bytes: p.bytes })),
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`reports/index.html: ${pages.length} notebooks, ${total.toFixed(1)} s in total`);
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (e) {
    console.error(`report failed: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
