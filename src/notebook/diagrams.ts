/**
 * The book's diagrams as SVG drawn by code, in the notebooks' notation (issue 11): the recurrent
 * structure and one layer unrolled over time steps (p.281-282), the cell's computation with the
 * shapes of its arrays (p.283), the network with its output layer (p.283), one-hot vectors
 * against embedding vectors (p.308) and the LSTM cell with its equations (p.313-314).
 *
 * A diagram is an SVG document with its title and one-line caption drawn in it; {@link
 * showDiagram} shows it as an `<img>` inside HTML (class `ch9-diagram`), which Jupyter,
 * VS Code, untrusted notebooks and the HTML reports all display, 720 px wide at most.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { diagramBundle, lstmCellDiagram } from "./diagrams.ts";
 *
 * const d = lstmCellDiagram();
 * assert.match(d.svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
 * assert.match(d.svg, /forget gate/);
 * const html = diagramBundle(d)["text/html"] as string;
 * assert.match(html, /^<figure class="ch9-diagram" data-title="The LSTM cell/);
 * ```
 * @module
 */
import { display, type MediaBundle } from "./display.ts";
import { svgDataUrl } from "./_static_svg.ts";
import { escapeHtml } from "./_text.ts";

/** A diagram: its SVG, and the title and caption drawn in it. */
export interface Diagram {
  title: string;
  caption: string;
  svg: string;
}

const W = 720;
const FONT = 'font-family="sans-serif"';
const MATH = 'font-family="serif" font-style="italic"';
const INK = "#222", BLUE = "#1f77b4", ORANGE = "#ff7f0e", GREEN = "#2ca02c", RED = "#d62728";

/**
 * Math-like text: `x_t`, `h_{t−1}`, `W_{1x}` become subscripts (tspans shifted down), the rest
 * is escaped as it is.
 */
export function mathText(s: string): string {
  const parts: string[] = [];
  let last = 0;
  let lowered = false; // the text after a subscript goes back up by the same amount
  const plain = (text: string) =>
    lowered ? `<tspan dy="-4">${escapeHtml(text) || "\u200b"}</tspan>` : escapeHtml(text);
  for (const m of s.matchAll(/_(\{[^}]*\}|.)/g)) {
    const before = s.slice(last, m.index);
    if (before || lowered) parts.push(plain(before));
    const sub = m[1].startsWith("{") ? m[1].slice(1, -1) : m[1];
    parts.push(`<tspan dy="4" font-size="75%">${escapeHtml(sub)}</tspan>`);
    lowered = true;
    last = m.index! + m[0].length;
  }
  const rest = s.slice(last);
  if (rest) parts.push(plain(rest));
  return parts.join("");
}

function t(x: number, y: number, s: string, attrs = "", math = false): string {
  return `<text x="${x}" y="${y}" ${math ? MATH : FONT} ${attrs}>${
    math ? mathText(s) : escapeHtml(s)
  }</text>`;
}

function frame(d: Omit<Diagram, "svg">, height: number, body: string[]): Diagram {
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${INK}"/></marker></defs>`,
    `<rect width="${W}" height="${height}" fill="#fff"/>`,
    t(W / 2, 24, d.title, `font-size="16" fill="${INK}" text-anchor="middle"`),
    t(W / 2, height - 12, d.caption, 'font-size="12" fill="#555" text-anchor="middle"'),
    ...body,
    "</svg>",
  ].join("\n");
  return { ...d, svg };
}

function arrow(x1: number, y1: number, x2: number, y2: number, color = INK, dash = false): string {
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${color}" stroke-width="1.6"` +
    `${dash ? ' stroke-dasharray="5 3"' : ""} marker-end="url(#arrow)"/>`;
}

function box(
  x: number,
  y: number,
  w: number,
  h: number,
  fill: string,
  stroke = INK,
  r = 6,
): string {
  return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${r}" fill="${fill}" stroke="${stroke}" stroke-width="1.4"/>`;
}

function circle(cx: number, cy: number, r: number, fill: string, stroke = INK): string {
  return `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${fill}" stroke="${stroke}" stroke-width="1.4"/>`;
}

/**
 * 9-1 (book p.281-282): a recurrent layer, folded (its output loops back as the next step's
 * h_p) and unrolled over four time steps, with x_t, h_t, h_p, W_x, W_h and b.
 */
export function recurrentStructureDiagram(): Diagram {
  const body: string[] = [];
  // folded: x -> cell -> h, loop back
  const fx = 60, fy = 120;
  body.push(
    t(fx + 40, 50, "a recurrent layer", 'font-size="13" fill="#444" text-anchor="middle"'),
    box(fx, fy, 80, 50, "#e8f1fa", BLUE),
    t(fx + 40, fy + 30, "cell", `font-size="14" fill="${INK}" text-anchor="middle"`),
    arrow(fx + 40, fy + 110, fx + 40, fy + 52),
    t(fx + 40, fy + 128, "x", `font-size="16" fill="${INK}" text-anchor="middle"`, true),
    arrow(fx + 40, fy, fx + 40, fy - 40),
    t(fx + 40, fy - 48, "h", `font-size="16" fill="${INK}" text-anchor="middle"`, true),
    `<path d="M${fx + 40},${fy - 20} C${fx + 130},${fy - 30} ${fx + 130},${fy + 85} ${fx + 40},${
      fy + 80
    }" fill="none" stroke="${ORANGE}" stroke-width="1.6" marker-end="url(#arrow)"/>`,
    t(fx + 118, fy + 30, "h_p", `font-size="15" fill="${ORANGE}"`, true),
    t(fx + 58, fy + 90, "W_x", `font-size="13" fill="${BLUE}"`, true),
    t(fx + 104, fy + 6, "W_h", `font-size="13" fill="${ORANGE}"`, true),
    t(235, fy + 32, "=", `font-size="30" fill="${INK}" text-anchor="middle"`),
  );
  // unrolled: four steps
  const x0 = 270, dx = 110;
  body.push(
    t(
      x0 + 1.5 * dx + 40,
      50,
      "the same layer unrolled over the time steps",
      'font-size="13" fill="#444" text-anchor="middle"',
    ),
  );
  for (let s = 0; s < 4; s++) {
    const x = x0 + s * dx;
    const step = ["1", "2", "3", "t"][s];
    body.push(
      box(x, fy, 80, 50, "#e8f1fa", BLUE),
      t(x + 40, fy + 24, "tanh(Z)", `font-size="12" fill="${INK}" text-anchor="middle"`),
      t(
        x + 40,
        fy + 40,
        "Z = xW_x + h_pW_h + b",
        `font-size="8.5" fill="#444" text-anchor="middle"`,
        true,
      ),
      arrow(x + 40, fy + 110, x + 40, fy + 52, BLUE),
      t(x + 40, fy + 128, `x_${step}`, `font-size="16" fill="${INK}" text-anchor="middle"`, true),
      t(x + 46, fy + 90, "W_x", `font-size="12" fill="${BLUE}"`, true),
      arrow(x + 40, fy, x + 40, fy - 40),
      t(x + 40, fy - 48, `h_${step}`, `font-size="16" fill="${INK}" text-anchor="middle"`, true),
    );
    if (s < 3) {
      body.push(
        arrow(x + 80, fy + 25, x + dx - 2, fy + 25, ORANGE, s === 2),
        t(x + 95, fy + 18, "W_h", `font-size="12" fill="${ORANGE}" text-anchor="middle"`, true),
      );
    }
  }
  body.push(
    arrow(x0 - 30, fy + 25, x0 - 2, fy + 25, ORANGE),
    t(x0 - 32, fy + 44, "h_0 = 0", `font-size="11" fill="${ORANGE}" text-anchor="middle"`, true),
    t(
      x0 + 2 * dx + 95,
      fy + 44,
      "h_p",
      `font-size="12" fill="${ORANGE}" text-anchor="middle"`,
      true,
    ),
  );
  return frame(
    {
      title: "The recurrent structure: one layer, unrolled over time steps",
      caption:
        "Each step's hidden state h goes back into the same cell as h_p for the next input: " +
        "the same W_x, W_h and b at every step",
    },
    300,
    body,
  );
}

/** A matrix as a rectangle `rows` × `cols` cells of `cell` px, its name and shape under it. */
function matrix(
  x: number,
  y: number,
  rows: number,
  cols: number,
  name: string,
  shape: string,
  fill: string,
): string[] {
  const c = 9;
  const out = [
    `<rect x="${x}" y="${y}" width="${cols * c}" height="${
      rows * c
    }" fill="${fill}" stroke="${INK}" stroke-width="1.2"/>`,
  ];
  for (let i = 1; i < rows; i++) {
    out.push(
      `<line x1="${x}" x2="${x + cols * c}" y1="${y + i * c}" y2="${
        y + i * c
      }" stroke="#fff" stroke-width="0.8"/>`,
    );
  }
  for (let j = 1; j < cols; j++) {
    out.push(
      `<line x1="${x + j * c}" x2="${x + j * c}" y1="${y}" y2="${
        y + rows * c
      }" stroke="#fff" stroke-width="0.8"/>`,
    );
  }
  out.push(
    t(x + (cols * c) / 2, y - 8, name, `font-size="15" fill="${INK}" text-anchor="middle"`, true),
    t(
      x + (cols * c) / 2,
      y + rows * c + 16,
      shape,
      `font-size="11" fill="#444" text-anchor="middle"`,
      true,
    ),
  );
  return out;
}

/**
 * 9-1 (book p.283): the cell's computation Z = X·W_x + H_p·W_h + b, H = tanh(Z), each array
 * drawn with its shape (m = 4 samples, n_f = 5 features, n_c = 3 cells, as in 9-1's example).
 */
export function cellComputationDiagram(): Diagram {
  const [m, nf, nc] = [4, 5, 3];
  const y = 80;
  const body: string[] = [];
  let x = 20;
  const op = (s: string) => {
    body.push(t(x + 10, y + 22, s, `font-size="20" fill="${INK}" text-anchor="middle"`));
    x += 24;
  };
  const mat = (rows: number, cols: number, name: string, shape: string, fill: string) => {
    body.push(...matrix(x, y, rows, cols, name, shape, fill));
    x += cols * 9 + 8;
  };
  mat(m, nf, "X", "(m, n_f)", "#9ecae1");
  op("·");
  mat(nf, nc, "W_x", "(n_f, n_c)", BLUE);
  op("+");
  mat(m, nc, "H_p", "(m, n_c)", "#fdd0a2");
  op("·");
  mat(nc, nc, "W_h", "(n_c, n_c)", ORANGE);
  op("+");
  mat(1, nc, "b", "(n_c,)", "#bbb");
  op("=");
  mat(m, nc, "Z", "(m, n_c)", "#c7e9c0");
  body.push(arrow(x + 4, y + 18, x + 60, y + 18));
  body.push(t(x + 32, y + 10, "tanh", `font-size="13" fill="${INK}" text-anchor="middle"`));
  x += 70;
  mat(m, nc, "H", "(m, n_c)", GREEN);
  body.push(
    t(
      W / 2 - 60,
      190,
      "Z = XW_x + H_pW_h + b,",
      `font-size="18" fill="${INK}" text-anchor="middle"`,
      true,
    ),
    t(W / 2 + 110, 190, "H = tanh(Z)", `font-size="18" fill="${INK}" text-anchor="middle"`, true),
    t(
      W / 2,
      215,
      "H_p is the previous step's H (zeros before the first step); H goes on to the next step and the next layer",
      'font-size="12" fill="#444" text-anchor="middle"',
    ),
  );
  return frame(
    {
      title: "Inside the recurrent cell: one time step for a mini-batch",
      caption: `The shapes for m = ${m} samples, n_f = ${nf} features, n_c = ${nc} cells; ` +
        "one more weight than a dense layer: W_h for the previous hidden state",
    },
    260,
    body,
  );
}

/**
 * 9-1 (book p.283): the network of the chapter, input → recurrent layer → sigmoid output, with
 * the shapes of X, W1x, W1h, b1, H, W2, b2 and A2 as the notes list them.
 */
export function recurrentNetworkDiagram(): Diagram {
  const body: string[] = [];
  const layerY = (n: number, k: number, top: number, gap: number) =>
    top + k * gap - ((n - 1) * gap) / 2;
  const inputs = [0, 1, 2, 3, 4].map((k) => [110, layerY(5, k, 150, 36)]);
  const cells = [0, 1, 2].map((k) => [330, layerY(3, k, 150, 48)]);
  const out = [540, 150];
  for (const [x1, y1] of inputs) {
    for (const [x2, y2] of cells) {
      body.push(
        `<line x1="${x1 + 14}" y1="${y1}" x2="${
          x2 - 18
        }" y2="${y2}" stroke="${BLUE}" stroke-width="0.9" opacity="0.6"/>`,
      );
    }
  }
  for (const [x1, y1] of cells) {
    body.push(
      `<line x1="${x1 + 18}" y1="${y1}" x2="${out[0] - 20}" y2="${
        out[1]
      }" stroke="${GREEN}" stroke-width="1.2"/>`,
    );
  }
  for (const [x, y] of inputs) body.push(circle(x, y, 14, "#9ecae1"));
  for (const [x, y] of cells) {
    body.push(
      circle(x, y, 18, "#e8f1fa", BLUE),
      `<path d="M${x + 12},${y - 13} C${x + 40},${y - 40} ${x - 40},${y - 40} ${x - 12},${
        y - 13
      }" fill="none" stroke="${ORANGE}" stroke-width="1.4" marker-end="url(#arrow)"/>`,
    );
  }
  body.push(
    circle(out[0], out[1], 20, "#c7e9c0", GREEN),
    t(out[0], out[1] + 5, "σ", `font-size="16" fill="${INK}" text-anchor="middle"`),
    arrow(out[0] + 22, out[1], out[0] + 70, out[1]),
    t(out[0] + 76, out[1] + 5, "A_2", `font-size="16" fill="${INK}"`, true),
    t(110, 62, "input X", `font-size="13" fill="#444" text-anchor="middle"`),
    t(330, 62, "recurrent layer (tanh)", `font-size="13" fill="#444" text-anchor="middle"`),
    t(540, 62, "output layer", `font-size="13" fill="#444" text-anchor="middle"`),
    t(110, 255, "X: (m, n_f)", `font-size="13" fill="${INK}" text-anchor="middle"`, true),
    t(220, 100, "W_{1x}: (n_f, n_c)", `font-size="13" fill="${BLUE}" text-anchor="middle"`, true),
    t(330, 255, "H, H_p, Z_1: (m, n_c)", `font-size="13" fill="${INK}" text-anchor="middle"`, true),
    t(330, 276, "b_1: (n_c,)", `font-size="13" fill="${INK}" text-anchor="middle"`, true),
    t(395, 82, "W_{1h}: (n_c, n_c)", `font-size="13" fill="${ORANGE}" text-anchor="start"`, true),
    t(
      440,
      205,
      "W_2: (n_c, n_{classes})",
      `font-size="13" fill="${GREEN}" text-anchor="middle"`,
      true,
    ),
    t(
      560,
      255,
      "Z_2, A_2: (m, n_{classes})",
      `font-size="13" fill="${INK}" text-anchor="middle"`,
      true,
    ),
    t(560, 276, "b_2: (n_{classes},)", `font-size="13" fill="${INK}" text-anchor="middle"`, true),
    t(
      200,
      310,
      "Z_1 = XW_{1x} + H_pW_{1h} + b_1,  H = tanh(Z_1)",
      `font-size="15" fill="${INK}" text-anchor="middle"`,
      true,
    ),
    t(
      540,
      310,
      "Z_2 = HW_2 + b_2,  A_2 = sigmoid(Z_2)",
      `font-size="15" fill="${INK}" text-anchor="middle"`,
      true,
    ),
  );
  return frame(
    {
      title: "The chapter's network: one recurrent layer and a sigmoid output",
      caption:
        "Every time step goes through the recurrent layer; only the last step's H reaches the " +
        "output layer (n_classes = 1)",
    },
    350,
    body,
  );
}

/** One word of {@link embeddingDiagram}: its text, id and embedding vector. */
export interface EmbeddedWord {
  word: string;
  id: number;
  vector: ArrayLike<number>;
}

/**
 * 9-3 (book p.308): one-hot vectors against the learned embedding vectors of a few words.
 *
 * @param words the words, their ids and their rows of the trained embedding
 * @param numWords the one-hot width (the vocabulary: 1000 in 9-3)
 */
export function embeddingDiagram(words: readonly EmbeddedWord[], numWords: number): Diagram {
  if (words.length === 0) throw new Error("embeddingDiagram: no words");
  const dim = words[0].vector.length;
  const big = Math.max(...words.flatMap((w) => Array.from(w.vector, Math.abs)), 1e-9);
  const color = (v: number) => {
    const u = Math.max(-1, Math.min(1, v / big));
    const [r, g, b] = u >= 0
      ? [247 - 214 * u, 247 - 145 * u, 247 - 75 * u]
      : [247 + 31 * u, 247 + 223 * u, 247 + 204 * u];
    return `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})`;
  };
  const body: string[] = [
    t(
      190,
      62,
      `one-hot: ${numWords.toLocaleString("en")} numbers, a single 1`,
      'font-size="13" fill="#444" text-anchor="middle"',
    ),
    t(
      530,
      62,
      `embedding: ${dim} learned numbers`,
      'font-size="13" fill="#444" text-anchor="middle"',
    ),
  ];
  const cw = Math.min(9, 300 / dim);
  words.forEach((w, k) => {
    const y = 80 + k * 34;
    body.push(
      t(70, y + 14, w.word, `font-size="14" fill="${INK}" text-anchor="end"`),
      `<rect x="80" y="${y}" width="240" height="18" fill="#f0f0f0" stroke="#bbb"/>`,
      `<rect x="${
        (80 + (240 * w.id) / numWords).toFixed(1)
      }" y="${y}" width="2.5" height="18" fill="${INK}"/>`,
      t(326, y + 14, `[${w.id}]`, 'font-size="10" fill="#666"'),
    );
    for (let d = 0; d < dim; d++) {
      body.push(
        `<rect x="${(380 + d * cw).toFixed(1)}" y="${y}" width="${
          cw.toFixed(1)
        }" height="18" fill="${color(w.vector[d])}" stroke="#fff" stroke-width="0.5"/>`,
      );
    }
  });
  const h = 80 + words.length * 34 + 40;
  return frame(
    {
      title: "One-hot vectors against embedding vectors",
      caption:
        `Left: position = the word's id among ${numWords.toLocaleString("en")}; right: the ` +
        `trained vectors (blue > 0 > red): unlike one-hot vectors, they can put similar words close`,
    },
    h,
    body,
  );
}

/**
 * 9-4 (book p.313-314): the LSTM cell, cell state c and hidden state h, the forget, input and
 * output gates and the candidate, with the equations beside it.
 */
export function lstmCellDiagram(): Diagram {
  const body: string[] = [];
  const [L, R, top, mid, bottom] = [40, 380, 80, 165, 250];
  // the cell's box
  body.push(box(L + 30, top - 20, R - L - 40, bottom - top + 10, "#fafafa", "#999", 12));
  // cell state line along the top
  body.push(
    t(L - 6, top + 5, "c_{t−1}", `font-size="14" fill="${INK}" text-anchor="end"`, true),
    `<line x1="${L}" y1="${top}" x2="${R}" y2="${top}" stroke="${INK}" stroke-width="2.2" marker-end="url(#arrow)"/>`,
    t(R + 4, top + 5, "c_t", `font-size="14" fill="${INK}"`, true),
  );
  // hidden state in along the bottom, x_t from below
  body.push(
    t(L - 6, bottom + 5, "h_{t−1}", `font-size="14" fill="${INK}" text-anchor="end"`, true),
    `<line x1="${L}" y1="${bottom}" x2="${
      L + 230
    }" y2="${bottom}" stroke="${INK}" stroke-width="1.6"/>`,
    arrow(L + 60, bottom + 45, L + 60, bottom + 2),
    t(L + 60, bottom + 60, "x_t", `font-size="14" fill="${INK}" text-anchor="middle"`, true),
  );
  // the four gates
  const gates: [string, string, number, string][] = [
    ["σ", "f_t", L + 70, RED],
    ["σ", "i_t", L + 125, BLUE],
    ["tanh", "g_t", L + 180, GREEN],
    ["σ", "o_t", L + 235, ORANGE],
  ];
  for (const [fn, name, x, c] of gates) {
    body.push(
      `<line x1="${x}" y1="${bottom}" x2="${x}" y2="${
        mid + 28
      }" stroke="${INK}" stroke-width="1.4"/>`,
      box(x - 22, mid + 6, 44, 22, "#fff", c, 4),
      t(x, mid + 22, fn, `font-size="12" fill="${INK}" text-anchor="middle"`),
      t(x + 16, mid - 4, name, `font-size="13" fill="${c}"`, true),
    );
  }
  const op = (
    x: number,
    y: number,
    s: string,
  ) => [
    circle(x, y, 10, "#fff"),
    t(x, y + 5, s, `font-size="14" fill="${INK}" text-anchor="middle"`),
  ];
  // f × c_{t−1}
  body.push(arrow(L + 70, mid + 6, L + 70, top + 11, RED), ...op(L + 70, top, "×"));
  // i × g, then + onto the cell line
  body.push(
    `<line x1="${L + 125}" y1="${mid + 6}" x2="${L + 125}" y2="${
      mid - 20
    }" stroke="${BLUE}" stroke-width="1.4"/>`,
    `<line x1="${L + 125}" y1="${mid - 20}" x2="${L + 170}" y2="${
      mid - 20
    }" stroke="${BLUE}" stroke-width="1.4"/>`,
    arrow(L + 180, mid + 6, L + 180, mid - 9, GREEN),
    ...op(L + 180, mid - 20, "×"),
    arrow(L + 180, mid - 31, L + 180, top + 11),
    ...op(L + 180, top, "+"),
  );
  // o × tanh(c_t) -> h_t
  body.push(
    `<line x1="${L + 290}" y1="${top}" x2="${L + 290}" y2="${
      top + 20
    }" stroke="${INK}" stroke-width="1.4"/>`,
    box(L + 270, top + 20, 40, 20, "#fff", INK, 4),
    t(L + 290, top + 35, "tanh", 'font-size="11" fill="#222" text-anchor="middle"'),
    arrow(L + 290, top + 40, L + 290, mid + 14),
    `<line x1="${L + 235}" y1="${mid + 6}" x2="${L + 235}" y2="${
      mid + 25
    }" stroke="${ORANGE}" stroke-width="1.4"/>`,
    arrow(L + 235, mid + 25, L + 279, mid + 25, ORANGE),
    ...op(L + 290, mid + 25, "×"),
    `<line x1="${L + 300}" y1="${mid + 25}" x2="${R - 20}" y2="${
      mid + 25
    }" stroke="${INK}" stroke-width="1.6"/>`,
    `<line x1="${R - 20}" y1="${mid + 25}" x2="${
      R - 20
    }" y2="${bottom}" stroke="${INK}" stroke-width="1.6"/>`,
    arrow(R - 20, bottom, R, bottom),
    t(R + 4, bottom + 5, "h_t", `font-size="14" fill="${INK}"`, true),
    arrow(R - 20, mid + 25, R - 20, top - 38),
    t(R - 14, top - 30, "h_t to the next layer", 'font-size="12" fill="#444"', true),
  );
  // equations
  const eq: [string, string, string][] = [
    ["f_t = σ(x_tW_{xf} + h_{t−1}W_{hf} + b_f)", "forget gate", RED],
    ["i_t = σ(x_tW_{xi} + h_{t−1}W_{hi} + b_i)", "input gate", BLUE],
    ["g_t = tanh(x_tW_{xg} + h_{t−1}W_{hg} + b_g)", "candidate", GREEN],
    ["o_t = σ(x_tW_{xo} + h_{t−1}W_{ho} + b_o)", "output gate", ORANGE],
    ["c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t", "cell state", INK],
    ["h_t = o_t ⊙ tanh(c_t)", "hidden state", INK],
  ];
  eq.forEach(([e, name, c], k) => {
    const y = 76 + k * 40;
    body.push(
      t(440, y, e, `font-size="14" fill="${INK}"`, true),
      t(440, y + 15, name, `font-size="11" fill="${c}"`),
    );
  });
  return frame(
    {
      title: "The LSTM cell: two states, three gates and a candidate",
      caption: "The cell state c runs along the top and changes by × f and + i ⊙ g only: " +
        "the path gradients flow back on",
    },
    350,
    body,
  );
}

/** A diagram as a media bundle: HTML with the SVG as an image, and a text summary. */
export function diagramBundle(diagram: Diagram): MediaBundle {
  const { title, caption, svg } = diagram;
  return {
    "text/html": `<figure class="ch9-diagram" data-title="${escapeHtml(title)}" ` +
      `data-caption="${escapeHtml(caption)}" style="margin:0.5em 0">` +
      `<img src="${svgDataUrl(svg)}" alt="${escapeHtml(`${title}: ${caption}`)}" ` +
      `style="max-width:100%;height:auto"></figure>`,
    "text/plain": `<diagram: ${title}>`,
  };
}

/** Shows a diagram as a notebook output (outside a kernel: its text summary). */
export async function showDiagram(diagram: Diagram): Promise<void> {
  await display(diagramBundle(diagram));
}
