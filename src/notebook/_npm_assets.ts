/**
 * The browser libraries the notebook pages carry, read from Deno's npm cache (the versions
 * pinned in deno.json): any file of an npm package ({@link readNpmFile}; the report takes
 * MathJax from it), plotly.js ({@link plotlyJs}), and how a page gets it:
 *
 * - {@link PLOTLY_LOADER_JS}, the small loader every figure output carries: it finds plotly.js
 *   already on the page (`window.Plotly`, or a copy being unpacked), else fetches the packed copy
 *   that {@link writePlotlyAsset} wrote beside the notebook, through the link in the figure
 *   (which the page resolves against the notebook's folder), and unpacks it;
 * - {@link plotlyScriptTag}, a `<script>` carrying the packed library itself, for pages with no
 *   server behind them (the HTML reports put one in each page).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plotlyJs, plotlyScriptTag, plotlyVersion } from "./_npm_assets.ts";
 *
 * const source = await plotlyJs();
 * assert.match(source.slice(0, 200), /plotly\.js v3\.7\.0/);
 * assert.equal(await plotlyVersion(), "3.7.0");
 * assert.ok((await plotlyScriptTag()).length < source.length / 3); // gzip + base64
 * ```
 * @module
 */

import { gzipSync } from "fflate";

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

let plotlyPackage: string | undefined;

/** The version of the pinned `plotly.js-dist` package, e.g. `"3.7.0"`. */
export async function plotlyVersion(): Promise<string> {
  plotlyPackage ??= JSON.parse(await readNpmFile("plotly.js-dist/package.json")).version as string;
  return plotlyPackage;
}

let plotlyPacked: Uint8Array | undefined;

/** plotly.js gzip-compressed (2.0 MB instead of 11 MB; the same bytes on every call and run). */
export async function plotlyGzip(): Promise<Uint8Array> {
  plotlyPacked ??= gzipSync(new TextEncoder().encode(await plotlyJs()), { level: 6, mtime: 0 });
  return plotlyPacked;
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

/**
 * The in-page loader of plotly.js, as JavaScript source. It defines, once per page,
 * `window.__ch9PlotlyLoader1` with
 *
 * - `load(link)`: a promise of `window.Plotly`: the one on the page; else the copy being
 *   unpacked; else the packed copy at `link.href` (a `<a>` whose relative `href` the page resolves
 *   against the notebook's folder: classic Notebook serves `/notebooks/<dir>/<file>` from the
 *   notebook server, JupyterLab rewrites the link to its file URL, which is why the link is read
 *   again, for up to 3 s, when a fetch fails), checked for the gzip magic bytes, unpacked and run;
 * - `packed(base64)`: unpacks and runs a copy carried by the page itself.
 *
 * plotly.js runs inside a function whose `define`, `module`, `exports` and `require` are
 * undefined, so that a page with RequireJS (classic Jupyter) still gets the global.
 */
export const PLOTLY_LOADER_JS = `(function () {
  if (window.__ch9PlotlyLoader1) return;
  var pending = null;
  function run(code) {
    var s = document.createElement("script");
    s.text = "(function (define, module, exports, require) {\\n" + code + "\\n}).call(window);";
    document.head.appendChild(s);
    if (!window.Plotly) throw new Error("plotly.js ran but did not define window.Plotly");
    return window.Plotly;
  }
  function unpack(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(run);
  }
  function fetchPacked(link) {
    var tried = [], last = null, deadline = Date.now() + 3000;
    function attempt() {
      var url = link && link.href;
      if (!url || tried.indexOf(url) >= 0) return later();
      tried.push(url);
      return fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status + " for " + url);
        return r.arrayBuffer();
      }).then(function (buffer) {
        var b = new Uint8Array(buffer);
        if (b.length < 2 || b[0] !== 0x1f || b[1] !== 0x8b) throw new Error(url + " is not plotly.js");
        return unpack(b);
      }).catch(function (e) {
        last = e;
        return later();
      });
    }
    function later() {
      if (Date.now() > deadline) {
        return Promise.reject(last || new Error("this output has no link to plotly.js"));
      }
      return new Promise(function (resolve) { setTimeout(resolve, 250); }).then(attempt);
    }
    return attempt();
  }
  function remember(p) {
    pending = p;
    p.catch(function () { if (pending === p) pending = null; });
    return p;
  }
  window.__ch9PlotlyLoader1 = {
    load: function (link) {
      if (window.Plotly) return Promise.resolve(window.Plotly);
      return pending || remember(fetchPacked(link));
    },
    packed: function (text) {
      if (window.Plotly) return Promise.resolve(window.Plotly);
      if (pending) return pending;
      var bin = atob(text), bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return remember(unpack(bytes));
    }
  };
})();`;

/**
 * A `<script>` element that defines `window.Plotly` from a packed copy of plotly.js it carries
 * (gzip, base64: 2.7 MB instead of 11 MB), through {@link PLOTLY_LOADER_JS}; figures on the page
 * wait for it. For pages with no notebook server behind them (the HTML reports).
 */
export async function plotlyScriptTag(): Promise<string> {
  const packed = base64(await plotlyGzip());
  return `<script type="text/javascript">${PLOTLY_LOADER_JS}
window.__ch9PlotlyLoader1.packed("${packed}").catch(function (e) {
  console.error("plotly.js could not be unpacked: " + e);
});</script>`;
}

/** Where {@link writePlotlyAsset} puts plotly.js, relative to the notebook's folder. */
export async function plotlyAssetPath(): Promise<string> {
  return `_plotly/plotly-${await plotlyVersion()}.js.gz`;
}

/**
 * Writes the packed plotly.js into `dir` (the notebook's folder: a kernel's working directory)
 * as {@link plotlyAssetPath}, unless a copy of the same size is there already. The file is
 * written beside its final name and renamed, so that a page never fetches half of it.
 *
 * @returns the path relative to `dir`, for the figure's link.
 * @throws Error when the file cannot be written (a read-only folder).
 */
export async function writePlotlyAsset(dir: string): Promise<string> {
  const relative = await plotlyAssetPath();
  const path = `${dir.replace(/\/$/, "")}/${relative}`;
  const bytes = await plotlyGzip();
  const size = await Deno.stat(path).then((s) => s.size, () => -1);
  if (size === bytes.length) return relative;
  const folder = path.slice(0, path.lastIndexOf("/"));
  await Deno.mkdir(folder, { recursive: true });
  const temp = await Deno.makeTempFile({ dir: folder, prefix: ".plotly-", suffix: ".part" });
  try {
    await Deno.writeFile(temp, bytes);
    if (Deno.build.os !== "windows") await Deno.chmod(temp, 0o644); // temp files are 0600
    await Deno.rename(temp, path);
  } catch (err) {
    await Deno.remove(temp).catch(() => {});
    throw err;
  }
  return relative;
}
