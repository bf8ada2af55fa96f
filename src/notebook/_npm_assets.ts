/**
 * The browser libraries the notebook pages carry, read from Deno's npm cache (the versions
 * pinned in deno.json): any file of an npm package ({@link readNpmFile}; the report takes
 * MathJax from it), plotly.js ({@link plotlyJs}) and the `<script>` element that defines
 * `window.Plotly` from a packed copy of it ({@link plotlyScriptTag}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plotlyJs, plotlyScriptTag } from "./_npm_assets.ts";
 *
 * const source = await plotlyJs();
 * assert.match(source.slice(0, 200), /plotly\.js v3\.7\.0/);
 * assert.ok(plotlyScriptTag(source).length < source.length / 3); // gzip + base64
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

/** Base64 of bytes, in chunks (String.fromCharCode cannot take millions of arguments). */
function base64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const chunk = 3 * 16384; // a multiple of 3: no padding inside the string
  for (let i = 0; i < bytes.length; i += chunk) {
    parts.push(btoa(String.fromCharCode(...bytes.subarray(i, i + chunk))));
  }
  return parts.join("");
}

const scriptTags = new Map<string, string>();

/**
 * A `<script>` element that defines `window.Plotly` from `source` (plotly.js), gzip-compressed
 * and base64-encoded: 2.7 MB instead of 11 MB. Deno's kernel drops display messages of several
 * megabytes, and every report page carries the library once, so the size matters. The browser
 * unpacks it with `DecompressionStream` and runs it inside a function whose `define`, `module`,
 * `exports` and `require` are undefined, so that a page with RequireJS (classic Jupyter) still
 * gets the global. Figures wait for `window.Plotly` to appear.
 */
export function plotlyScriptTag(source: string): string {
  const cached = scriptTags.get(source);
  if (cached !== undefined) return cached;
  const packed = base64(gzipSync(new TextEncoder().encode(source), { level: 6 }));
  const tag = `<script type="text/javascript">(function () {
  if (window.Plotly || window.__ch9PlotlyLoading) return;
  window.__ch9PlotlyLoading = true;
  var packed = "${packed}";
  var bin = atob(packed);
  var bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  new Response(stream).text().then(function (code) {
    var s = document.createElement("script");
    s.text = "(function (define, module, exports, require) {\\n" + code + "\\n}).call(window);";
    document.head.appendChild(s);
  }).catch(function (e) {
    window.__ch9PlotlyLoading = false;
    console.error("plotly.js could not be unpacked: " + e);
  });
})();</script>`;
  scriptTags.set(source, tag);
  return tag;
}
