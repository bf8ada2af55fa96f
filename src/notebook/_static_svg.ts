/**
 * A static SVG picture of one of the chapter's plotly figures, drawn without plotly.js: what a
 * figure output shows where its script cannot run (an untrusted notebook, a viewer without
 * JavaScript). It draws what `historyFigure` and `comparisonFigure` use: scatter traces as lines
 * with markers, grouped bars, a left and an optional right (`yaxis: "y2"`) value axis, numeric or
 * category x values, the title, the axis titles and a legend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { figureSvg } from "./_static_svg.ts";
 *
 * const svg = figureSvg({
 *   data: [{ type: "scatter", name: "loss", x: [1, 2, 3], y: [0.7, 0.6, 0.5] }],
 *   layout: { title: { text: "Loss by epoch" } },
 * });
 * assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="700" height="380"/);
 * assert.equal(svg.match(/<polyline /g)?.length, 1); // the line, through its 3 points
 * assert.equal(svg.match(/<circle /g)?.length, 3); // and its markers
 * assert.match(svg, />Loss by epoch<\/text>/);
 * ```
 * @module
 */

import { escapeHtml } from "./_text.ts";

/** The parts of a plotly trace drawn here. */
interface Trace {
  type: string;
  name?: string;
  x?: readonly (number | string)[];
  y?: readonly (number | string | null)[];
  yaxis?: unknown;
  line?: { color?: string };
  marker?: { color?: string };
  [key: string]: unknown;
}

/** The parts of a plotly figure drawn here. */
interface Figure {
  data: readonly Trace[];
  layout: {
    title?: { text: string };
    height?: unknown;
    xaxis?: unknown;
    yaxis?: unknown;
    yaxis2?: unknown;
    [key: string]: unknown;
  };
}

/** plotly's default colours, for traces that name none. */
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
const FONT = 'font-family="sans-serif"';

/** Options of {@link figureSvg}. */
export interface FigureSvgOptions {
  /** Width in pixels (default 700). */
  width?: number;
  /** Height in pixels (default: the layout's height, else 380). */
  height?: number;
}

/** A linear map from a value range onto a pixel range. */
function scale(d0: number, d1: number, p0: number, p1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => p0 + ((v - d0) / span) * (p1 - p0);
}

/**
 * About `count` round tick values covering [lo, hi]: 1, 2 or 5 times a power of ten apart,
 * whichever gives the count closest to `count` (d3's rule).
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const error = raw / power;
  const step = power *
    (error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.SQRT2 ? 2 : 1);
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    ticks.push(Number((k * step).toPrecision(12)));
  }
  return ticks;
}

function tickLabel(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

function numbers(values: readonly unknown[] | undefined): number[] {
  return (values ?? []).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
}

function axisTitle(axis: unknown): string {
  const title = (axis as { title?: { text?: string } } | undefined)?.title?.text;
  return title ?? "";
}

/** The value range of an axis: the layout's `range`, else the data's, padded (from 0 if asked). */
function valueRange(axis: unknown, values: number[], bars: boolean): [number, number] {
  const range = (axis as { range?: [number, number] } | undefined)?.range;
  if (range) return range;
  let lo = Math.min(...values), hi = Math.max(...values);
  if (values.length === 0) [lo, hi] = [0, 1];
  const toZero = bars || (axis as { rangemode?: string } | undefined)?.rangemode === "tozero";
  if (toZero) lo = Math.min(0, lo);
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.06;
  return [toZero && lo === 0 ? 0 : lo - pad, hi + pad];
}

/**
 * The figure as an SVG document (a string): plot area, gridlines and tick labels, lines with
 * markers, grouped bars, title, axis titles and a legend below.
 */
export function figureSvg(figure: Figure, options: FigureSvgOptions = {}): string {
  const width = options.width ?? 700;
  const layoutHeight = typeof figure.layout.height === "number" ? figure.layout.height : 380;
  const height = options.height ?? layoutHeight;
  const traces = figure.data.map((t, i) => ({
    ...t,
    color: t.line?.color ?? t.marker?.color ?? PALETTE[i % PALETTE.length],
    right: t.yaxis === "y2",
  }));
  const hasRight = traces.some((t) => t.right);
  const m = { top: 44, right: hasRight ? 64 : 20, bottom: 76, left: 64 };
  const plot = { x0: m.left, x1: width - m.right, y0: m.top, y1: height - m.bottom };
  const out: string[] = [];

  // x: categories (any string x) or numbers.
  const categorical = traces.some((t) => (t.x ?? []).some((v) => typeof v === "string"));
  const categories = categorical
    ? [...new Set(traces.flatMap((t) => (t.x ?? []).map(String)))]
    : [];
  const xs = categorical ? [] : traces.flatMap((t) => numbers(t.x));
  const [xlo, xhi] = categorical ? [0, 1] : [Math.min(...xs), Math.max(...xs)];
  const xpad = categorical ? 0 : (xhi - xlo || 1) * 0.04;
  const xNumeric = scale(xlo - xpad, xhi + xpad, plot.x0, plot.x1);
  const band = (plot.x1 - plot.x0) / Math.max(categories.length, 1);
  const xOf = (v: number | string) =>
    categorical ? plot.x0 + band * (categories.indexOf(String(v)) + 0.5) : xNumeric(Number(v));

  const bars = traces.filter((t) => t.type === "bar");
  const side = (right: boolean) => traces.filter((t) => t.right === right);
  const axis = (right: boolean) => {
    const ts = side(right);
    const layoutAxis = right ? figure.layout.yaxis2 : figure.layout.yaxis;
    const [lo, hi] = valueRange(
      layoutAxis,
      ts.flatMap((t) => numbers(t.y)),
      ts.some((t) => t.type === "bar"),
    );
    return { lo, hi, map: scale(lo, hi, plot.y1, plot.y0), title: axisTitle(layoutAxis) };
  };
  const left = axis(false);
  const right = hasRight ? axis(true) : undefined;

  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  );
  // Gridlines and tick labels of the left axis; tick labels of the right one.
  for (const v of niceTicks(left.lo, left.hi)) {
    const y = left.map(v).toFixed(1);
    out.push(
      `<line x1="${plot.x0}" x2="${plot.x1}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${plot.x0 - 6}" y="${y}" ${FONT} font-size="11" fill="#444" text-anchor="end" ` +
        `dominant-baseline="middle">${tickLabel(v)}</text>`,
    );
  }
  if (right) {
    for (const v of niceTicks(right.lo, right.hi)) {
      out.push(
        `<text x="${plot.x1 + 6}" y="${right.map(v).toFixed(1)}" ${FONT} font-size="11" ` +
          `fill="#444" dominant-baseline="middle">${tickLabel(v)}</text>`,
      );
    }
  }
  // x tick labels: every category, or round numbers (whole ones for epochs).
  const xTicks = categorical
    ? categories
    : niceTicks(xlo, xhi, Math.min(10, Math.max(1, xhi - xlo))).filter((v) =>
      xs.every(Number.isInteger) ? Number.isInteger(v) : true
    );
  // Category names shrink to fit their band (about 0.6 em per character), down to 8 px.
  const longest = Math.max(1, ...categories.map((c) => c.length));
  const xFont = categorical ? Math.max(8, Math.min(11, band / (0.6 * longest))).toFixed(1) : "11";
  for (const v of xTicks) {
    out.push(
      `<text x="${xOf(v).toFixed(1)}" y="${
        plot.y1 + 16
      }" ${FONT} font-size="${xFont}" fill="#444" ` +
        `text-anchor="middle">${escapeHtml(typeof v === "number" ? tickLabel(v) : v)}</text>`,
    );
  }
  out.push(
    `<rect x="${plot.x0}" y="${plot.y0}" width="${plot.x1 - plot.x0}" ` +
      `height="${plot.y1 - plot.y0}" fill="none" stroke="#bbb"/>`,
  );

  // Bars, grouped within each category; then lines with markers over them.
  const barWidth = (band * 0.8) / Math.max(bars.length, 1);
  bars.forEach((t, k) => {
    const ax = t.right && right ? right : left;
    (t.x ?? []).forEach((xv, i) => {
      const yv = t.y?.[i];
      if (typeof yv !== "number" || !Number.isFinite(yv)) return;
      const x = xOf(xv) - (band * 0.8) / 2 + k * barWidth;
      const [ya, yb] = [ax.map(yv), ax.map(Math.max(ax.lo, 0))];
      out.push(
        `<rect class="bar" x="${x.toFixed(1)}" y="${Math.min(ya, yb).toFixed(1)}" ` +
          `width="${barWidth.toFixed(1)}" height="${Math.abs(yb - ya).toFixed(1)}" ` +
          `fill="${escapeHtml(t.color)}"/>`,
      );
    });
  });
  for (const t of traces.filter((t) => t.type !== "bar")) {
    const ax = t.right && right ? right : left;
    const points = (t.x ?? []).flatMap((xv, i) => {
      const yv = t.y?.[i];
      return typeof yv === "number" && Number.isFinite(yv) ? [[xOf(xv), ax.map(yv)]] : [];
    });
    const color = escapeHtml(t.color);
    out.push(
      `<polyline points="${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ")}" ` +
        `fill="none" stroke="${color}" stroke-width="2"/>`,
    );
    for (const [x, y] of points) {
      out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${color}"/>`);
    }
  }

  // Title, axis titles, legend.
  const title = figure.layout.title?.text;
  if (title) {
    out.push(
      `<text x="${width / 2}" y="26" ${FONT} font-size="16" fill="#222" text-anchor="middle">` +
        `${escapeHtml(title)}</text>`,
    );
  }
  const xTitle = axisTitle(figure.layout.xaxis);
  if (xTitle) {
    out.push(
      `<text x="${(plot.x0 + plot.x1) / 2}" y="${plot.y1 + 34}" ${FONT} font-size="12" ` +
        `fill="#222" text-anchor="middle">${escapeHtml(xTitle)}</text>`,
    );
  }
  for (const [ax, x, turn] of [[left, 16, -90], [right, width - 14, 90]] as const) {
    if (!ax?.title) continue;
    const y = (plot.y0 + plot.y1) / 2;
    out.push(
      `<text x="${x}" y="${y}" ${FONT} font-size="12" fill="#222" text-anchor="middle" ` +
        `transform="rotate(${turn} ${x} ${y})">${escapeHtml(ax.title)}</text>`,
    );
  }
  let lx = plot.x0;
  const ly = height - 16;
  for (const t of traces) {
    const name = escapeHtml(t.name ?? t.type);
    out.push(
      t.type === "bar"
        ? `<rect x="${lx}" y="${ly - 6}" width="14" height="10" fill="${escapeHtml(t.color)}"/>`
        : `<line x1="${lx}" x2="${lx + 14}" y1="${ly - 1}" y2="${ly - 1}" ` +
          `stroke="${escapeHtml(t.color)}" stroke-width="2"/>`,
      `<text x="${lx + 19}" y="${ly}" ${FONT} font-size="12" fill="#222" ` +
        `dominant-baseline="middle">${name}</text>`,
    );
    lx += 19 + 7 * name.length + 18;
  }
  out.push("</svg>");
  return out.join("\n");
}

/** The SVG as a `data:` URL for an `<img>` (UTF-8, base64). */
export function svgDataUrl(svg: string): string {
  const bytes = new TextEncoder().encode(svg);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}
