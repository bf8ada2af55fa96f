import assert from "node:assert/strict";
import {
  comparisonFigure,
  figureBundle,
  historyFigure,
  notebookFigureBundle,
  PLOTLY_MIME,
} from "../../src/notebook/figures.ts";
import { plotlyAssetPath, plotlyGzip } from "../../src/notebook/_npm_assets.ts";
import { figureSvg } from "../../src/notebook/_static_svg.ts";

/** The SVG inside a bundle's static picture. */
function staticPicture(html: string): string {
  const m = html.match(/<img class="ch9-figure-static" src="data:image\/svg\+xml;base64,([^"]+)"/);
  assert.ok(m, "a static picture");
  return new TextDecoder().decode(Uint8Array.from(atob(m[1]), (c) => c.charCodeAt(0)));
}

Deno.test("figure bundles", async (t) => {
  const fig = historyFigure({ loss: [0.7, 0.6, 0.5], val_loss: [0.72, 0.66, 0.64] }, "loss");

  await t.step("one bundle: plotly JSON, HTML drawing it or showing a picture, a summary", () => {
    const b = figureBundle(fig, { id: "fig-1", plotlySrc: "_plotly/plotly-3.7.0.js.gz" });
    assert.deepEqual(Object.keys(b).sort(), [PLOTLY_MIME, "text/html", "text/plain"].sort());
    const json = b[PLOTLY_MIME] as typeof fig & { layout: { height: number } };
    assert.deepEqual(json.data, fig.data);
    assert.equal(json.layout.height, 380);
    const html = b["text/html"] as string;
    assert.match(html, /^<div id="fig-1" class="ch9-figure">/);
    assert.match(html, /<div id="fig-1-plot" class="ch9-plotly" data-traces="2"><\/div>/);
    assert.match(html, /<a class="ch9-plotly-src" href="_plotly\/plotly-3\.7\.0\.js\.gz"><\/a>/);
    assert.ok(html.includes("window.__ch9PlotlyLoader1.load("), "the loader");
    assert.ok(!html.includes("plotly.js v"), "no library unless asked");
    assert.equal(b["text/plain"], "<plotly figure: Loss by epoch (loss, val_loss)>");
    // The figure JSON embedded in the script parses back to the same figure.
    const m = html.match(/var fig = (.*);\n/);
    assert.ok(m);
    assert.deepEqual(JSON.parse(m[1]), json);
    // With no script: a note saying why and what to do, and the static picture of the figure.
    assert.match(
      html,
      /<p class="ch9-figure-note"><b>A static picture of the figure:<\/b> .*trust/,
    );
    assert.equal(staticPicture(html), figureSvg(json));
    assert.ok(html.length < 20_000, `${html.length} characters`);
  });

  await t.step("strings in the figure cannot close the script element", () => {
    const evil = historyFigure({ acc: [0.5] }, "acc", "</script><script>alert(1)</script>");
    const html = figureBundle(evil, { id: "e" })["text/html"] as string;
    assert.equal(html.match(/<\/script>/g)?.length, 1);
    assert.ok(html.includes("\\u003c/script>\\u003cscript>alert(1)"));
    assert.ok(staticPicture(html).includes("&#60;/script&#62;&#60;script&#62;alert(1)"));
  });

  await t.step("fresh ids for each figure", () => {
    const a = figureBundle(fig)["text/html"] as string;
    const b = figureBundle(fig)["text/html"] as string;
    assert.notEqual(a.match(/id="([^"]+)"/)![1], b.match(/id="([^"]+)"/)![1]);
  });

  await t.step("in a notebook: plotly.js kept beside it, the output small", async () => {
    const dir = await Deno.makeTempDir();
    try {
      const b = await notebookFigureBundle(fig, { dir });
      const src = await plotlyAssetPath();
      assert.ok((b["text/html"] as string).includes(`<a class="ch9-plotly-src" href="${src}">`));
      assert.deepEqual(await Deno.readFile(`${dir}/${src}`), await plotlyGzip());
      assert.ok(JSON.stringify(b).length < 30_000, "no library in the output");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  await t.step("a folder that cannot be written: the output carries plotly.js", async () => {
    const file = await Deno.makeTempFile();
    try {
      const html = (await notebookFigureBundle(fig, { dir: file }))["text/html"] as string;
      assert.match(html, /\.packed\("[A-Za-z0-9+/=]{1000000,}"\)/);
      assert.ok(html.indexOf(".packed(") < html.indexOf("var fig ="), "library before the figure");
      assert.ok(!html.includes('<a class="ch9-plotly-src"'), "no link to a file that is not there");
    } finally {
      await Deno.remove(file);
    }
  });
});

Deno.test("historyFigure", async (t) => {
  const history = { loss: [0.69, 0.6, 0.55], val_loss: [0.68, 0.62, 0.6], acc: [0.5, 0.7, 0.75] };

  await t.step("loss and val_loss by epoch, axis titles and legend names", () => {
    const f = historyFigure(history, "loss");
    assert.deepEqual(f.data.map((d) => d.name), ["loss", "val_loss"]);
    assert.deepEqual(f.data[0].x, [1, 2, 3]);
    assert.deepEqual(f.data[1].y, [0.68, 0.62, 0.6]);
    const layout = f.layout as Record<string, { title: { text: string } }>;
    assert.equal(layout.xaxis.title.text, "epoch");
    assert.equal((f.layout.xaxis as { dtick: number }).dtick, 1);
    const long = historyFigure({ loss: Array.from({ length: 45 }, (_, i) => 1 / (i + 1)) }, "loss");
    assert.equal((long.layout.xaxis as { dtick: number }).dtick, 3);
    assert.equal(layout.yaxis.title.text, "binary cross-entropy");
    assert.equal(f.layout.title?.text, "Loss by epoch");
  });

  await t.step("accuracy with only the training curve", () => {
    const f = historyFigure(history, "acc", "One-hot SimpleRNN accuracy");
    assert.deepEqual(f.data.map((d) => d.name), ["acc"]);
    assert.equal(f.layout.title?.text, "One-hot SimpleRNN accuracy");
  });

  await t.step("does not share or mutate the caller's arrays", () => {
    const f = historyFigure(history, "loss");
    assert.notEqual(f.data[0].y, history.loss);
    (f.data[0].y as number[]).push(9);
    assert.deepEqual(history.loss, [0.69, 0.6, 0.55]);
  });

  await t.step("clear errors", () => {
    assert.throws(() => historyFigure({ loss: [1] }, "acc"), /history has neither acc nor val_acc/);
    assert.throws(() => historyFigure({ loss: [] }, "loss"), /loss is empty/);
  });
});

Deno.test("comparisonFigure", async (t) => {
  const results = [
    { name: "RecurrentNetwork", valAcc: 0.6572, trainSeconds: 40 },
    { name: "LSTM", valAcc: 0.8274, testAcc: 0.82, trainSeconds: 60 },
  ];
  await t.step("grouped accuracy bars plus a time line on a second axis", () => {
    const f = comparisonFigure(results);
    assert.deepEqual(f.data.map((d) => [d.type, d.name]), [
      ["bar", "validation accuracy"],
      ["bar", "test accuracy"],
      ["scatter", "training time (s)"],
    ]);
    assert.deepEqual(f.data[0].x, ["RecurrentNetwork", "LSTM"]);
    assert.deepEqual(f.data[1].y, [null, 0.82]);
    assert.equal(f.data[2].yaxis, "y2");
    assert.equal(f.layout.barmode, "group");
  });
  await t.step("seconds per epoch for models trained for different epochs", () => {
    const f = comparisonFigure([
      { name: "a", valAcc: 0.7, trainSeconds: 30, epochs: 20 },
      { name: "b", valAcc: 0.8, trainSeconds: 12, epochs: 10 },
    ], { time: "perEpoch", title: "t", caption: "c" });
    assert.deepEqual(f.data.at(-1)!.y, [1.5, 1.2]);
    assert.equal(f.data.at(-1)!.name, "seconds per epoch");
    assert.deepEqual(f.layout.title, { text: "t", subtitle: { text: "c" } });
    assert.throws(
      () => comparisonFigure([results[0]], { time: "perEpoch" }),
      /RecurrentNetwork: time "perEpoch" needs epochs > 0, got undefined/,
    );
  });
  await t.step("no test bars when no model has a test accuracy", () => {
    assert.equal(comparisonFigure([results[0]]).data.length, 2);
  });
  await t.step("clear errors", () => {
    assert.throws(() => comparisonFigure([]), /at least one model result/);
    assert.throws(
      () => comparisonFigure([{ name: "m", valAcc: 65.7, trainSeconds: 1 }]),
      /m: valAcc must be in \[0, 1\], got 65.7/,
    );
  });
});
