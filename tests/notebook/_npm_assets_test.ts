import assert from "node:assert/strict";
import { gunzipSync } from "fflate";
import {
  libraryGzip,
  libraryJs,
  libraryVersion,
  packedAssetPath,
  packedScriptTag,
  plotlyAssetPath,
  plotlyGzip,
  plotlyJs,
  plotlyScriptTag,
  plotlyVersion,
  readNpmFile,
  TFJS,
  TFJS_LOADER_JS,
  writePlotlyAsset,
} from "../../src/notebook/_npm_assets.ts";

Deno.test("the plotly.js bundle comes from the pinned npm package, packed", async () => {
  const js = await plotlyJs();
  assert.match(js.slice(0, 200), /plotly\.js v3\.7\.0/);
  assert.equal(await plotlyVersion(), "3.7.0");
  assert.ok(js.length > 1_000_000);
  assert.equal(await plotlyJs(), js, "cached");
  const gz = await plotlyGzip();
  assert.equal(new TextDecoder().decode(gunzipSync(gz)), js);
  assert.ok(gz.length < 2_200_000, `packed size ${gz.length}`);
  const tag = await plotlyScriptTag();
  assert.ok(tag.length < 3_000_000, `packed size ${tag.length}`);
  assert.equal(tag.match(/<\/script/gi)?.length, 1, "only the closing tag");
  // The packed string unpacks to exactly the library.
  const packed = tag.match(/\.packed\("([A-Za-z0-9+/=]+)"\)/)![1];
  const bytes = Uint8Array.from(atob(packed), (c) => c.charCodeAt(0));
  assert.equal(new TextDecoder().decode(gunzipSync(bytes)), js);
});

Deno.test("writePlotlyAsset: the packed library beside the notebook, once, whole", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const relative = await plotlyAssetPath();
    assert.equal(relative, "_plotly/plotly-3.7.0.js.gz");
    await t.step("written where the figures' links point, the same bytes every run", async () => {
      assert.equal(await writePlotlyAsset(`${dir}/`), relative);
      assert.deepEqual(await Deno.readFile(`${dir}/${relative}`), await plotlyGzip());
      assert.deepEqual([...Deno.readDirSync(`${dir}/_plotly`)].map((e) => e.name), [
        "plotly-3.7.0.js.gz",
      ]);
    });
    await t.step("a whole copy is left alone; a cut-short one is replaced", async () => {
      const before = (await Deno.stat(`${dir}/${relative}`)).mtime!.getTime();
      await writePlotlyAsset(dir);
      assert.equal((await Deno.stat(`${dir}/${relative}`)).mtime!.getTime(), before);
      await Deno.writeFile(`${dir}/${relative}`, new Uint8Array(10));
      await writePlotlyAsset(dir);
      assert.deepEqual(await Deno.readFile(`${dir}/${relative}`), await plotlyGzip());
    });
    await t.step("a folder that cannot be written is an error, and leaves nothing", async () => {
      await Deno.writeTextFile(`${dir}/file`, "not a folder");
      await assert.rejects(writePlotlyAsset(`${dir}/file`));
      assert.equal((await Deno.stat(`${dir}/file`)).isFile, true);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readNpmFile reads a file of a package in deno.json's imports", async () => {
  const mathjax = await readNpmFile("mathjax/es5/tex-svg-full.js");
  assert.ok(mathjax.length > 100_000);
  await assert.rejects(
    () => readNpmFile("plotly.js-dist/no-such-file.js"),
    /Cannot read .*no-such-file\.js/,
  );
});

Deno.test("TensorFlow.js for the review box: the pinned browser bundle, packed", async () => {
  const js = await libraryJs(TFJS);
  assert.match(js.slice(0, 2000), /Copyright 2024 Google LLC/);
  assert.equal(await libraryVersion(TFJS), "4.22.0");
  const gz = await libraryGzip(TFJS);
  assert.equal(new TextDecoder().decode(gunzipSync(gz)), js);
  assert.ok(gz.length < 400_000, `packed size ${gz.length}`);
  assert.equal(await packedAssetPath(TFJS), "_tfjs/tf-4.22.0.js.gz");
  const tag = await packedScriptTag(TFJS);
  assert.equal(tag.match(/<\/script/gi)?.length, 1, "only the closing tag");
  assert.ok(tag.includes('window.__ch9TfjsLoader1.packed("'));
  assert.ok(TFJS_LOADER_JS.includes("window.tf"), "the loader waits for tfjs's global");
});
