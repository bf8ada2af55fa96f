import assert from "node:assert/strict";
import { comparisonFigure, historyFigure } from "../../src/notebook/figures.ts";
import { figureSvg, niceTicks, svgDataUrl } from "../../src/notebook/_static_svg.ts";

/** The numbers of every `name="..."` attribute of the elements `tag` in `svg`. */
function attrs(svg: string, tag: string, name: string): number[] {
  return [...svg.matchAll(new RegExp(`<${tag} [^>]*\\b${name}="([-\\d.]+)"`, "g"))].map((m) =>
    Number(m[1])
  );
}

Deno.test("niceTicks: round values 1, 2 or 5 times a power of ten apart", () => {
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0.41, 0.69), [0.45, 0.5, 0.55, 0.6, 0.65]);
  assert.deepEqual(niceTicks(1, 10, 9), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(niceTicks(3, 3), [3]);
});

Deno.test("figureSvg: training curves", async (t) => {
  const fig = historyFigure(
    { loss: [0.7, 0.6, 0.5, 0.4], val_loss: [0.72, 0.66, 0.64, 0.65] },
    "loss",
  );
  const svg = figureSvg(fig);

  await t.step("a line and markers per curve, at the data's places", () => {
    assert.equal(svg.match(/<polyline /g)?.length, 2);
    assert.equal(svg.match(/<circle /g)?.length, 8);
    const xs = attrs(svg, "circle", "cx");
    const ys = attrs(svg, "circle", "cy");
    // Equal epochs, equal steps; the same epoch, the same x in both curves.
    assert.ok(Math.abs((xs[1] - xs[0]) - (xs[3] - xs[2])) < 0.2);
    assert.deepEqual(xs.slice(0, 4), xs.slice(4));
    // Higher loss is higher up (smaller y), in proportion.
    const [y07, y06, y05] = ys;
    assert.ok(y07 < y06 && y06 < y05);
    assert.ok(Math.abs((y07 - y06) - (y06 - y05)) < 0.2);
    // Inside the plot area.
    const [x0] = attrs(svg, "rect", "x").slice(-1);
    assert.ok(xs.every((x) => x > x0) && ys.every((y) => y > 44 && y < 380 - 76));
  });

  await t.step("title, axis titles, whole epochs, a legend", () => {
    assert.match(svg, />Loss by epoch<\/text>/);
    assert.match(svg, />epoch<\/text>/);
    assert.match(svg, /rotate\(-90 [\d.]+ [\d.]+\)">binary cross-entropy<\/text>/);
    for (const e of ["1", "2", "3", "4"]) assert.match(svg, new RegExp(`>${e}</text>`));
    assert.doesNotMatch(svg, />1\.5<\/text>/);
    assert.match(svg, />loss<\/text>/);
    assert.match(svg, />val_loss<\/text>/);
  });

  await t.step("the height of the layout, a data URL", () => {
    const tall = figureSvg({ ...fig, layout: { ...fig.layout, height: 500 } });
    assert.match(tall, /^<svg [^>]*width="700" height="500" viewBox="0 0 700 500">/);
    assert.match(figureSvg(fig, { width: 400, height: 300 }), /width="400" height="300"/);
    const url = svgDataUrl("<svg>한</svg>");
    assert.equal(
      new TextDecoder().decode(Uint8Array.from(atob(url.split(",")[1]), (c) => c.charCodeAt(0))),
      "<svg>한</svg>",
    );
  });
});

Deno.test("figureSvg: the comparison of the models", () => {
  const svg = figureSvg(comparisonFigure([
    { name: "RecurrentNetwork (9-2)", valAcc: 0.6, testAcc: 0.62, trainSeconds: 15 },
    { name: "Embedding + LSTM (9-4)", valAcc: 0.8, trainSeconds: 30 },
  ]));
  // Bars: 2 validation + 1 test (no test accuracy for the LSTM); 3 legend swatches.
  const bars = [
    ...svg.matchAll(
      /<rect class="bar" x="[\d.]+" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g,
    ),
  ]
    .map((m) => ({ y: Number(m[1]), height: Number(m[3]) }));
  assert.equal(bars.length, 3);
  // On the accuracy axis [0, 1]: 0.8 is 4/3 as tall as 0.6, and all stand on the same base.
  assert.ok(Math.abs(bars[1].height / bars[0].height - 0.8 / 0.6) < 0.01);
  assert.ok(Math.abs((bars[0].y + bars[0].height) - (bars[1].y + bars[1].height)) < 0.2);
  // Training time on the right axis, from 0.
  assert.equal(svg.match(/<polyline /g)?.length, 1);
  assert.match(svg, /rotate\(90 [\d.]+ [\d.]+\)">training time \(s\)<\/text>/);
  assert.match(svg, />RecurrentNetwork \(9-2\)<\/text>/);
  assert.match(svg, />validation accuracy<\/text>/);
});
