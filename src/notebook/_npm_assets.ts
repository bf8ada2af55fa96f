/**
 * The browser libraries the notebook pages carry, read from Deno's npm cache (the versions
 * pinned in deno.json): any file of an npm package ({@link readNpmFile}; the report takes
 * MathJax from it), and two libraries a cell's output runs, packed (gzip) for the page:
 * plotly.js ({@link PLOTLY}: the figures) and TensorFlow.js ({@link TFJS}: the review box, which
 * runs the trained models in the page). For each:
 *
 * - {@link loaderJs}, the small loader every such output carries: it finds the library already
 *   on the page (its global, or a copy being unpacked), else fetches the packed copy that
 *   {@link writePackedAsset} wrote beside the notebook, through the link in the output (which
 *   the page resolves against the notebook's folder), and unpacks it;
 * - {@link packedScriptTag}, a `<script>` carrying the packed library itself, for pages with no
 *   server behind them (the HTML reports put one in each page that needs it).
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

/** A library a page runs, from an npm package of deno.json. */
export interface PackedLibrary {
  /** Its name in messages, e.g. `"plotly.js"`. */
  label: string;
  /** The bundle's npm specifier, e.g. `"plotly.js-dist"`. */
  specifier: string;
  /** Its package.json, for the version. */
  packageJson: string;
  /** The global it defines, e.g. `"Plotly"`. */
  global: string;
  /** The page-wide object the loader defines, e.g. `"__ch9PlotlyLoader1"`. */
  loader: string;
  /** Folder and file name stem of the packed copy beside a notebook, e.g. `"_plotly/plotly"`. */
  asset: string;
}

/** plotly.js, for the figures. */
export const PLOTLY: PackedLibrary = {
  label: "plotly.js",
  specifier: "plotly.js-dist",
  packageJson: "plotly.js-dist/package.json",
  global: "Plotly",
  loader: "__ch9PlotlyLoader1",
  asset: "_plotly/plotly",
};

/** TensorFlow.js's browser bundle (`dist/tf.min.js`, the cpu and WebGL backends), for the
 * review box. */
export const TFJS: PackedLibrary = {
  label: "TensorFlow.js",
  specifier: "@tensorflow/tfjs/dist/tf.min.js",
  packageJson: "@tensorflow/tfjs/package.json",
  global: "tf",
  loader: "__ch9TfjsLoader1",
  asset: "_tfjs/tf",
};

const sources = new Map<string, string>();
const versions = new Map<string, string>();
const packs = new Map<string, Uint8Array>();

/** The library's bundle, read from Deno's npm cache (see {@link readNpmFile}); cached. */
export async function libraryJs(lib: PackedLibrary): Promise<string> {
  if (!sources.has(lib.label)) sources.set(lib.label, await readNpmFile(lib.specifier));
  return sources.get(lib.label)!;
}

/** The version of the library's pinned package, e.g. `"3.7.0"`. */
export async function libraryVersion(lib: PackedLibrary): Promise<string> {
  if (!versions.has(lib.label)) {
    versions.set(lib.label, JSON.parse(await readNpmFile(lib.packageJson)).version as string);
  }
  return versions.get(lib.label)!;
}

/** The library gzip-compressed (the same bytes on every call and run); cached. */
export async function libraryGzip(lib: PackedLibrary): Promise<Uint8Array> {
  if (!packs.has(lib.label)) {
    const text = new TextEncoder().encode(await libraryJs(lib));
    packs.set(lib.label, gzipSync(text, { level: 6, mtime: 0 }));
  }
  return packs.get(lib.label)!;
}

/** The plotly.js bundle from the `plotly.js-dist` npm package (see {@link libraryJs}). */
export function plotlyJs(): Promise<string> {
  return libraryJs(PLOTLY);
}

/** The version of the pinned `plotly.js-dist` package, e.g. `"3.7.0"`. */
export function plotlyVersion(): Promise<string> {
  return libraryVersion(PLOTLY);
}

/** plotly.js gzip-compressed (2.0 MB instead of 11 MB). */
export function plotlyGzip(): Promise<Uint8Array> {
  return libraryGzip(PLOTLY);
}

/** Base64 of bytes, in chunks (String.fromCharCode cannot take millions of arguments). */
export function base64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const chunk = 3 * 16384; // a multiple of 3: no padding inside the string
  for (let i = 0; i < bytes.length; i += chunk) {
    parts.push(btoa(String.fromCharCode(...bytes.subarray(i, i + chunk))));
  }
  return parts.join("");
}

/**
 * The in-page loader of a library, as JavaScript source. It defines, once per page,
 * `window[lib.loader]` with
 *
 * - `load(link)`: a promise of the library's global: the one on the page; else the copy being
 *   unpacked; else the packed copy at `link.href` (a `<a>` whose relative `href` the page resolves
 *   against the notebook's folder: classic Notebook serves `/notebooks/<dir>/<file>` from the
 *   notebook server, JupyterLab rewrites the link to its file URL, which is why the link is read
 *   again, for up to 3 s, when a fetch fails), checked for the gzip magic bytes, unpacked and run;
 * - `packed(base64)`: unpacks and runs a copy carried by the page itself.
 *
 * The library runs inside a function whose `define`, `module`, `exports` and `require` are
 * undefined, so that a page with RequireJS (classic Jupyter) still gets the global.
 */
export function loaderJs(lib: PackedLibrary): string {
  const global = `window.${lib.global}`;
  return `(function () {
  if (window.${lib.loader}) return;
  var pending = null;
  function run(code) {
    var s = document.createElement("script");
    s.text = "(function (define, module, exports, require) {\\n" + code + "\\n}).call(window);";
    document.head.appendChild(s);
    if (!${global}) throw new Error("${lib.label} ran but did not define ${global}");
    return ${global};
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
        if (b.length < 2 || b[0] !== 0x1f || b[1] !== 0x8b) throw new Error(url + " is not ${lib.label}");
        return unpack(b);
      }).catch(function (e) {
        last = e;
        return later();
      });
    }
    function later() {
      if (Date.now() > deadline) {
        return Promise.reject(last || new Error("this output has no link to ${lib.label}"));
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
  window.${lib.loader} = {
    load: function (link) {
      if (${global}) return Promise.resolve(${global});
      return pending || remember(fetchPacked(link));
    },
    packed: function (text) {
      if (${global}) return Promise.resolve(${global});
      if (pending) return pending;
      var bin = atob(text), bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return remember(unpack(bytes));
    }
  };
})();`;
}

/** The in-page loader of plotly.js: `window.__ch9PlotlyLoader1` (see {@link loaderJs}). */
export const PLOTLY_LOADER_JS: string = loaderJs(PLOTLY);

/** The in-page loader of TensorFlow.js: `window.__ch9TfjsLoader1` (see {@link loaderJs}). */
export const TFJS_LOADER_JS: string = loaderJs(TFJS);

/**
 * A `<script>` element that defines the library's global from a packed copy it carries (gzip,
 * base64: plotly.js 2.7 MB instead of 11 MB, TensorFlow.js 0.5 MB instead of 1.5 MB), through
 * {@link loaderJs}; outputs on the page wait for it. For pages with no notebook server behind
 * them (the HTML reports).
 */
export async function packedScriptTag(lib: PackedLibrary): Promise<string> {
  const packed = base64(await libraryGzip(lib));
  return `<script type="text/javascript">${loaderJs(lib)}
window.${lib.loader}.packed("${packed}").catch(function (e) {
  console.error("${lib.label} could not be unpacked: " + e);
});</script>`;
}

/** {@link packedScriptTag} of plotly.js. */
export function plotlyScriptTag(): Promise<string> {
  return packedScriptTag(PLOTLY);
}

/** Where {@link writePackedAsset} puts the library, relative to the notebook's folder, e.g.
 * `_plotly/plotly-3.7.0.js.gz`. */
export async function packedAssetPath(lib: PackedLibrary): Promise<string> {
  return `${lib.asset}-${await libraryVersion(lib)}.js.gz`;
}

/** Where {@link writePlotlyAsset} puts plotly.js, relative to the notebook's folder. */
export function plotlyAssetPath(): Promise<string> {
  return packedAssetPath(PLOTLY);
}

/**
 * Writes the packed library into `dir` (the notebook's folder: a kernel's working directory) as
 * {@link packedAssetPath}, unless a copy of the same size is there already. The file is written
 * beside its final name and renamed, so that a page never fetches half of it.
 *
 * @returns the path relative to `dir`, for the output's link.
 * @throws Error when the file cannot be written (a read-only folder).
 */
export async function writePackedAsset(dir: string, lib: PackedLibrary): Promise<string> {
  const relative = await packedAssetPath(lib);
  const path = `${dir.replace(/\/$/, "")}/${relative}`;
  const bytes = await libraryGzip(lib);
  const size = await Deno.stat(path).then((s) => s.size, () => -1);
  if (size === bytes.length) return relative;
  const folder = path.slice(0, path.lastIndexOf("/"));
  await Deno.mkdir(folder, { recursive: true });
  const temp = await Deno.makeTempFile({ dir: folder, prefix: ".asset-", suffix: ".part" });
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

/** {@link writePackedAsset} of plotly.js. */
export function writePlotlyAsset(dir: string): Promise<string> {
  return writePackedAsset(dir, PLOTLY);
}
