import assert from "node:assert/strict";
import {
  confusionFigure,
  embeddingMapFigure,
  gradientDistanceFigure,
  gradientFlowFigure,
  paddingFigure,
  wordByWordFigure,
} from "../../src/notebook/model_figures.ts";
import { figureSvg } from "../../src/notebook/_static_svg.ts";
import { paddingSummary } from "../../src/data/lengths.ts";
import { ndarray } from "../../src/data/ndarray.ts";
import type { PlotlyFigure } from "../../src/notebook/figures.ts";

type Axis = { title?: { text?: string }; type?: string };

/** Every figure: a title, a caption, a title on each axis. */
function assertLabelled(fig: PlotlyFigure): void {
  assert.ok(fig.layout.title?.text, "a title");
  assert.ok(fig.layout.title?.subtitle?.text, "a caption");
  const axes = Object.entries(fig.layout).filter(([k]) => /^[xy]axis\d*$/.test(k));
  assert.ok(axes.length >= 2);
  for (const [k, a] of axes) assert.ok((a as Axis).title?.text, `${k} has a title`);
}

Deno.test("paddingFigure: counts per bin, maxlen marked, the shares in the caption", () => {
  const reviews = [3, 12, 15, 100, 130, 250].map((n) => new Int32Array(n));
  const fig = paddingFigure(paddingSummary(reviews, 100), { binWidth: 10, max: 200 });
  assertLabelled(fig);
  const bars = fig.data[0];
  assert.equal(bars.type, "bar");
  assert.equal((bars.y as number[]).reduce((a, b) => a + b), 5); // 250 is beyond max
  assert.equal((bars.x as number[])[1], 15); // the centre of [10, 20)
  assert.equal((bars.y as number[])[1], 2);
  assert.match(
    fig.layout.title!.subtitle!.text,
    /50\.0% get zeros in front, 33\.3% lose their first words \(1 longer than 200 not drawn\)/,
  );
  assert.equal((fig.layout.shapes as { x0: number }[])[0].x0, 100);
  assert.throws(() => paddingFigure(paddingSummary([], 100)), /no reviews/);
});

Deno.test("gradientDistanceFigure and gradientFlowFigure: log scale, the ratios in the caption", () => {
  const fig = gradientDistanceFigure(
    [{ name: "trained", normByDistance: Float64Array.of(1, 0.1, 0.01, 0.001) }],
    { tbpttSteps: 2, reviews: 7 },
  );
  assertLabelled(fig);
  assert.equal((fig.layout.yaxis as Axis).type, "log");
  assert.deepEqual(fig.data[0].x, [0, 1, 2, 3]);
  assert.match(
    fig.layout.title!.subtitle!.text,
    /3 steps back is 10\^-3\.0 times the last step's; TBPTT keeps only the shaded 2 steps/,
  );
  assert.deepEqual((fig.layout.shapes as { x0: number; x1: number }[]).map((s) => [s.x0, s.x1]), [[
    -0.5,
    1.5,
  ]]);
  const norms = Float64Array.from({ length: 12 }, (_, t) => (t === 2 ? 100 : 1)); // step 3: 100
  const flow = gradientFlowFigure([{ name: "LSTM", normByStep: norms }], { reviews: 3 });
  assertLabelled(flow);
  assert.deepEqual(flow.data[0].x, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  // step 1 against step 3, 10 steps before the end
  assert.match(flow.layout.title!.subtitle!.text, /at step 3: LSTM 10\^-2\.0$/);
});

Deno.test("embeddingMapFigure: the most positive and negative words labelled, r in the caption", () => {
  const push = Float64Array.of(3, -2, 0.5, -0.1, 1, -4);
  const coords = Float64Array.from(Array.from(push).flatMap((p, i) => [p * 2, i])); // PC 1 ∝ push
  const fig = embeddingMapFigure({
    coords,
    explained: [0.3, 0.1],
    words: ["great", "bad", "fine", "meh", "good", "worst"],
    push,
    label: 2,
  });
  assertLabelled(fig);
  assert.deepEqual(fig.data[1].text, ["great", "good", "bad", "worst"]);
  assert.match(fig.layout.title!.subtitle!.text, /r = 1\.00/);
  assert.match(
    (fig.layout.xaxis as Axis).title!.text!,
    /^PC 1 \(embedding units; 30\.0% of the variance\)$/,
  );
  assert.throws(
    () => embeddingMapFigure({ coords, explained: [1, 0], words: ["a"], push }),
    /1 words, 6 points, 6 pushes/,
  );
});

Deno.test("wordByWordFigure: the words on the x axis, the gates as heatmap rows", () => {
  const [n, units] = [4, 2];
  const gate = (v: number) =>
    ndarray({ shape: [n, units], dtype: "float64", data: new Float64Array(n * units).fill(v) });
  const fig = wordByWordFigure({
    title: "A review",
    words: ["not", "bad", "at", "all"],
    curves: [{ name: "LSTM", p: Float64Array.of(0.4, 0.2, 0.3, 0.7) }],
    gates: { input: gate(0.1), forget: gate(0.9), output: gate(0.5), cell: gate(-1) },
  });
  assertLabelled(fig);
  assert.deepEqual((fig.layout.xaxis as { ticktext: string[] }).ticktext, [
    "not",
    "bad",
    "at",
    "all",
  ]);
  const heat = fig.data.filter((t) => t.type === "heatmap");
  assert.deepEqual(heat[0].y, ["i1", "i2", "f1", "f2", "o1", "o2"]);
  assert.deepEqual((heat[0].z as number[][])[2], [0.9, 0.9, 0.9, 0.9]);
  assert.match(fig.layout.title!.subtitle!.text, /end: LSTM 0\.70/);
  assert.throws(
    () =>
      wordByWordFigure({
        title: "x",
        words: ["a"],
        curves: [],
        gates: { input: gate(0), forget: gate(0), output: gate(0), cell: gate(0) },
      }),
    /1 words, gates of 4 steps/,
  );
});

Deno.test("confusionFigure: counts, shares of each row, accuracy in the caption", () => {
  const fig = confusionFigure({ tn: 40, fp: 10, fn: 5, tp: 45 }, {
    model: "LSTM",
    set: "test set",
  });
  assertLabelled(fig);
  assert.deepEqual(fig.data[0].z, [[40, 10], [5, 45]]);
  assert.deepEqual(fig.data[0].text, [["40 (80.0%)", "10 (20.0%)"], ["5 (10.0%)", "45 (90.0%)"]]);
  assert.match(
    fig.layout.title!.subtitle!.text,
    /Accuracy 85\.0%: 10 negative reviews called positive, 5 positive called negative/,
  );
});

Deno.test("static pictures of the new figures: heatmaps, log axes, shapes, labels", async (t) => {
  await t.step("a heatmap: one rectangle per cell, the cell texts", () => {
    const svg = figureSvg(
      confusionFigure({ tn: 40, fp: 10, fn: 5, tp: 45 }, { model: "LSTM", set: "s" }),
    );
    for (const text of ["40 (80.0%)", "45 (90.0%)", "predicted positive", "negative (0)"]) {
      assert.ok(svg.includes(`>${text}</text>`), text);
    }
    // 4 cells, then the frame; the darkest cell is the largest count
    const fills = [
      ...svg.matchAll(
        /<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="(#[0-9a-f]{6})"\/>/g,
      ),
    ].map((m) => m[1]);
    assert.equal(fills.length, 4);
    assert.equal(fills[3], "#2171b5");
  });
  await t.step("a log axis: powers of ten, equal steps per decade", () => {
    const svg = figureSvg(gradientDistanceFigure(
      [{ name: "trained", normByDistance: Float64Array.of(1, 0.1, 0.01) }],
      { tbpttSteps: 1, reviews: 1 },
    ));
    const points = svg.match(/<polyline points="([^"]+)"/)![1].split(" ").map((p) =>
      p.split(",").map(Number)
    );
    assert.ok(Math.abs((points[1][1] - points[0][1]) - (points[2][1] - points[1][1])) < 0.2);
    assert.ok(svg.includes(">0.1</text>") && svg.includes(">0.01</text>"));
    assert.match(svg, /fill-opacity="0\.12"/); // the shaded TBPTT steps
    assert.ok(svg.includes("> TBPTT: 1 steps</text>"));
  });
  await t.step("a caption under the title", () => {
    const svg = figureSvg(
      gradientFlowFigure([{ name: "LSTM", normByStep: Float64Array.of(1, 2) }], { reviews: 1 }),
    );
    assert.match(
      svg,
      /font-size="12" fill="#555" text-anchor="middle">The gradient at step 1 as a multiple/,
    );
  });
});
