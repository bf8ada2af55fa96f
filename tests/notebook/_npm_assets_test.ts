import assert from "node:assert/strict";
import { gunzipSync } from "fflate";
import { plotlyJs, plotlyScriptTag, readNpmFile } from "../../src/notebook/_npm_assets.ts";

Deno.test("the plotly.js bundle comes from the pinned npm package, packed", async () => {
  const js = await plotlyJs();
  assert.match(js.slice(0, 200), /plotly\.js v3\.7\.0/);
  assert.ok(js.length > 1_000_000);
  assert.equal(await plotlyJs(), js, "cached");
  const tag = plotlyScriptTag(js);
  assert.ok(tag.length < 3_500_000, `packed size ${tag.length}`);
  assert.equal(tag.match(/<\/script/gi)?.length, 1, "only the closing tag");
  // The packed string unpacks to exactly the library.
  const packed = tag.match(/var packed = "([A-Za-z0-9+/=]+)";/)![1];
  const bytes = Uint8Array.from(atob(packed), (c) => c.charCodeAt(0));
  assert.equal(new TextDecoder().decode(gunzipSync(bytes)), js);
});

Deno.test("readNpmFile reads a file of a package in deno.json's imports", async () => {
  const mathjax = await readNpmFile("mathjax/es5/tex-svg-full.js");
  assert.ok(mathjax.length > 100_000);
  await assert.rejects(
    () => readNpmFile("plotly.js-dist/no-such-file.js"),
    /Cannot read .*no-such-file\.js/,
  );
});
