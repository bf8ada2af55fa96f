import assert from "node:assert/strict";
import {
  cellComputationDiagram,
  diagramBundle,
  embeddingDiagram,
  lstmCellDiagram,
  mathText,
  recurrentNetworkDiagram,
  recurrentStructureDiagram,
} from "../../src/notebook/diagrams.ts";

/** The text of an SVG's `<text>` elements, tags removed. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text [^>]*>(.*?)<\/text>/g)].map((m) =>
    m[1].replace(/<[^>]+>/g, "").replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)))
      .replace(/\u200b/g, "")
  );
}

Deno.test("mathText: subscripts shifted down and back up", () => {
  assert.equal(mathText("x"), "x");
  assert.equal(
    mathText("h_{t−1}W_h"),
    'h<tspan dy="4" font-size="75%">t−1</tspan><tspan dy="-4">W</tspan>' +
      '<tspan dy="4" font-size="75%">h</tspan>',
  );
  assert.equal(mathText("a<b"), "a&#60;b");
});

Deno.test("the diagrams: well-formed SVG, in the notebooks' notation", async (t) => {
  const words = [
    { word: "great", id: 87, vector: Float64Array.of(0.1, -0.2, 0.3) },
    { word: "bad", id: 78, vector: Float64Array.of(-0.1, 0.2, -0.3) },
  ];
  const cases = [
    [recurrentStructureDiagram(), ["x1", "h1", "xt", "ht", "Wx", "Wh", "hp", "h0 = 0"]],
    [cellComputationDiagram(), [
      "X",
      "Wx",
      "Hp",
      "Wh",
      "b",
      "Z",
      "H",
      "(m, nf)",
      "(nf, nc)",
      "(nc, nc)",
    ]],
    [recurrentNetworkDiagram(), [
      "X: (m, nf)",
      "W1x: (nf, nc)",
      "W1h: (nc, nc)",
      "W2: (nc, nclasses)",
      "b1: (nc,)",
    ]],
    [embeddingDiagram(words, 1000), [
      "great",
      "bad",
      "[87]",
      "one-hot: 1,000 numbers, a single 1",
      "embedding: 3 learned numbers",
    ]],
    [lstmCellDiagram(), [
      "forget gate",
      "input gate",
      "output gate",
      "candidate",
      "ct = ft ⊙ ct−1 + it ⊙ gt",
      "ht = ot ⊙ tanh(ct)",
    ]],
  ] as const;
  for (const [d, expected] of cases) {
    await t.step(d.title, async () => {
      const all = texts(d.svg);
      for (const e of expected) assert.ok(all.includes(e), `"${e}" in ${JSON.stringify(all)}`);
      assert.ok(all.includes(d.title) && all.includes(d.caption), "title and caption drawn");
      // well-formed: every element closed (a browser's XML parser would refuse the picture)
      const open = (d.svg.match(/<(?!\/)[a-zA-Z]+[^>]*[^/]>/g) ?? []).length;
      const close = (d.svg.match(/<\/[a-zA-Z]+>/g) ?? []).length;
      assert.equal(open, close);
      assert.match(
        d.svg,
        /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="720" height="\d+"/,
      );
      const bundle = diagramBundle(d);
      assert.equal(bundle["text/plain"], `<diagram: ${d.title}>`);
      const html = bundle["text/html"] as string;
      const src = html.match(/src="data:image\/svg\+xml;base64,([^"]+)"/)![1];
      assert.equal(
        new TextDecoder().decode(Uint8Array.from(atob(src), (c) => c.charCodeAt(0))),
        d.svg,
      );
      await Promise.resolve();
    });
  }
  assert.throws(() => embeddingDiagram([], 1000), /no words/);
});
