/**
 * A static SVG picture of one of the chapter's plotly figures, drawn without plotly.js: what a
 * figure output shows where its script cannot run (an untrusted notebook, a viewer without
 * JavaScript). It draws the parts of plotly's schema the chapter's figures use: scatter traces
 * as lines and/or markers (one colour, or a colour per point on a colour scale) with text
 * labels, bars (grouped on categories, or of a given width on numbers), heatmaps with their
 * cell texts; a left and an optional right (`yaxis: "y2"`, `overlaying`) value axis, panels
 * stacked by their y axes' `domain`, linear, log and category axes, `tickvals` / `ticktext`;
 * shapes (lines and rectangles), annotations, colour bars, the title and its subtitle, axis
 * titles and a legend.
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

type Value = number | string | null;

/** The parts of a plotly trace drawn here. */
interface Trace {
  type: string;
  name?: string;
  mode?: string;
  x?: readonly Value[];
  y?: readonly Value[];
  /** heatmap values [rows][columns] */
  z?: readonly (readonly (number | null)[])[];
  /** per-point labels (scatter) or per-cell texts [rows][columns] (heatmap) */
  text?: unknown;
  yaxis?: unknown;
  width?: unknown;
  opacity?: unknown;
  showlegend?: unknown;
  showscale?: unknown;
  colorscale?: unknown;
  zmin?: unknown;
  zmax?: unknown;
  colorbar?: unknown;
  line?: { color?: string; dash?: string; width?: number };
  marker?: {
    color?: unknown;
    size?: unknown;
    colorscale?: unknown;
    cmin?: unknown;
    cmax?: unknown;
    showscale?: unknown;
    colorbar?: unknown;
  };
  [key: string]: unknown;
}

interface AxisLayout {
  title?: { text?: string };
  type?: string;
  range?: [number, number];
  rangemode?: string;
  domain?: [number, number];
  overlaying?: string;
  tickvals?: readonly number[];
  ticktext?: readonly string[];
  tickangle?: number;
  autorange?: unknown;
}

/** The parts of a plotly figure drawn here. */
interface Figure {
  data: readonly Trace[];
  layout: {
    title?: { text: string; subtitle?: { text?: string } };
    height?: unknown;
    barmode?: unknown;
    shapes?: unknown;
    annotations?: unknown;
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

/** Tick values of a log axis over [10^lo, 10^hi]: powers of ten, every n-th when many. */
function logTicks(lo: number, hi: number): number[] {
  const first = Math.ceil(lo - 1e-9), last = Math.floor(hi + 1e-9);
  const every = Math.max(1, Math.ceil((last - first + 1) / 8));
  const ticks: number[] = [];
  for (let k = first; k <= last; k += every) ticks.push(10 ** k);
  if (ticks.length < 2) {
    for (let k = Math.floor(lo); k <= hi; k++) {
      for (const m of [2, 5]) {
        const v = m * 10 ** k;
        if (Math.log10(v) >= lo && Math.log10(v) <= hi) ticks.push(v);
      }
    }
    ticks.sort((a, b) => a - b);
  }
  return ticks;
}

function tickLabel(v: number): string {
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) {
    const [m, e] = v.toExponential().split("e");
    return `${Number(Number(m).toPrecision(3))}e${e.replace("+", "")}`;
  }
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

function numbers(values: readonly unknown[] | undefined): number[] {
  return (values ?? []).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
}

function titleOf(axis: AxisLayout | undefined): string {
  return axis?.title?.text ?? "";
}

/** A colour scale: named ones the figures use, or plotly's [[0, colour], ..., [1, colour]]. */
const NAMED_SCALES: Record<string, [number, string][]> = {
  Viridis: [[0, "#440154"], [0.25, "#3b528b"], [0.5, "#21918c"], [0.75, "#5ec962"], [1, "#fde725"]],
  Blues: [[0, "#f7fbff"], [0.5, "#6baed6"], [1, "#08306b"]],
  RdBu: [[0, "#053061"], [0.25, "#4393c3"], [0.5, "#f7f7f7"], [0.75, "#d6604d"], [1, "#67001f"]],
};

function colorScale(spec: unknown): [number, string][] {
  if (Array.isArray(spec)) return spec as [number, string][];
  return NAMED_SCALES[String(spec)] ?? NAMED_SCALES.Viridis;
}

function rgb(hex: string): [number, number, number] {
  const h = hex.replace("#", "");
  const full = h.length === 3 ? [...h].map((c) => c + c).join("") : h;
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as [number, number, number];
}

/** The colour of `t` in [0, 1] on a scale of hex colours. */
function colorAt(scaleStops: [number, string][], t: number): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  let k = 1;
  while (k < scaleStops.length - 1 && scaleStops[k][0] < u) k++;
  const [s0, c0] = scaleStops[k - 1], [s1, c1] = scaleStops[k];
  const f = s1 > s0 ? (u - s0) / (s1 - s0) : 0;
  const [a, b] = [rgb(c0), rgb(c1)];
  const mix = a.map((v, i) => Math.round(v + (b[i] - v) * f));
  return `#${mix.map((v) => v.toString(16).padStart(2, "0")).join("")}`;
}

/** A y axis of a panel, set up for drawing. */
interface YAxis {
  id: string;
  layout: AxisLayout | undefined;
  log: boolean;
  categories: string[] | null;
  lo: number;
  hi: number;
  /** value (or category index) to pixels */
  map: (v: number) => number;
  px0: number;
  px1: number;
  right: boolean;
}

/** A colour bar to draw at the right. */
interface ColorBar {
  stops: [number, string][];
  min: number;
  max: number;
  title: string;
  /** the bar's centre and length, as fractions of the plot's height (plotly's y and len) */
  y: number;
  len: number;
}

function axisKey(id: string): string {
  return id === "y" ? "yaxis" : `yaxis${id.slice(1)}`;
}

/** Heatmap cell texts: trace.text [rows][cols] through a `%{text}` / `%{z}` template. */
function cellText(t: Trace, r: number, c: number): string {
  const template = typeof t.texttemplate === "string" ? t.texttemplate : "";
  if (!template) return "";
  const text = Array.isArray(t.text) ? String((t.text as unknown[][])[r]?.[c] ?? "") : "";
  const z = t.z?.[r]?.[c];
  return template.replace(/%\{text\}/g, text).replace(/%\{z\}/g, z == null ? "" : String(z));
}

/**
 * The figure as an SVG document (a string): panels with gridlines and tick labels, heatmaps,
 * bars, lines with markers, marker clouds with labels, shapes and annotations, title, axis
 * titles, colour bars and a legend below.
 */
export function figureSvg(figure: Figure, options: FigureSvgOptions = {}): string {
  const width = options.width ?? 700;
  const layoutHeight = typeof figure.layout.height === "number" ? figure.layout.height : 380;
  const height = options.height ?? layoutHeight;
  const layout = figure.layout as Record<string, unknown>;
  const traces = figure.data.map((t, i) => ({
    ...t,
    color: t.line?.color ?? (typeof t.marker?.color === "string" ? t.marker.color : undefined) ??
      PALETTE[i % PALETTE.length],
    yid: typeof t.yaxis === "string" ? t.yaxis : "y",
  }));
  const axisOf = (id: string) => layout[axisKey(id)] as AxisLayout | undefined;
  const ids = [...new Set(["y", ...traces.map((t) => t.yid)])].filter((id) =>
    id === "y" || traces.some((t) => t.yid === id)
  );
  const rightIds = ids.filter((id) => axisOf(id)?.overlaying !== undefined);
  const panelIds = ids.filter((id) => !rightIds.includes(id));

  // Colour bars: heatmaps (unless showscale is false) and markers with showscale.
  const colorBars: ColorBar[] = [];
  for (const t of traces) {
    const bar = t.type === "heatmap" ? t.showscale !== false : t.marker?.showscale === true;
    if (!bar) continue;
    const spec = (t.type === "heatmap" ? t.colorbar : t.marker?.colorbar) as
      | { title?: { text?: string }; y?: number; len?: number }
      | undefined;
    const values = t.type === "heatmap"
      ? numbers((t.z ?? []).flat())
      : numbers(Array.isArray(t.marker?.color) ? t.marker.color : []);
    const min = Number(
      t.type === "heatmap" ? t.zmin ?? Math.min(...values) : t.marker?.cmin ?? Math.min(...values),
    );
    const max = Number(
      t.type === "heatmap" ? t.zmax ?? Math.max(...values) : t.marker?.cmax ?? Math.max(...values),
    );
    colorBars.push({
      stops: colorScale(t.type === "heatmap" ? t.colorscale : t.marker?.colorscale),
      min,
      max,
      title: spec?.title?.text ?? "",
      y: spec?.y ?? 0.5,
      len: spec?.len ?? 1,
    });
  }

  // Category labels of y axes (heatmap rows), for the left margin.
  const yCategories = (id: string): string[] | null => {
    const hm = traces.filter((t) => t.yid === id && t.type === "heatmap");
    if (hm.length === 0 && axisOf(id)?.type !== "category") return null;
    const labels = hm.flatMap((t) =>
      (t.y ?? Array.from({ length: t.z?.length ?? 0 }, (_, r) => r)).map(String)
    );
    return [...new Set(labels)];
  };
  const longestY = Math.max(
    0,
    ...panelIds.flatMap((id) => yCategories(id) ?? []).map((s) => s.length),
  );

  // x: categories (any string x) or numbers; tickvals/ticktext; rotated labels.
  const xLayout = layout.xaxis as AxisLayout | undefined;
  const categorical = traces.some((t) => (t.x ?? []).some((v) => typeof v === "string"));
  const categories = categorical
    ? [...new Set(traces.flatMap((t) => (t.x ?? []).map(String)))]
    : [];
  const tickText = xLayout?.ticktext ?? [];
  const angle = xLayout?.tickangle ?? 0;
  const longestX = Math.max(
    1,
    ...tickText.map((s) => s.length),
    ...categories.map((c) => c.length),
  );
  const rotatedExtra = angle !== 0
    ? Math.ceil(longestX * 6 * Math.abs(Math.sin((angle * Math.PI) / 180)))
    : 0;

  const subtitle = figure.layout.title?.subtitle?.text;
  const m = {
    top: subtitle ? 62 : 44,
    right: 20 + (rightIds.length > 0 ? 44 : 0) + (colorBars.length > 0 ? 76 : 0),
    bottom: 76 + rotatedExtra,
    left: Math.max(64, 30 + longestY * 7),
  };
  const plot = { x0: m.left, x1: width - m.right, y0: m.top, y1: height - m.bottom };

  const xs: number[] = [];
  let halfCell = 0;
  for (const t of traces) {
    if (t.type === "heatmap" && !categorical) {
      const cols = t.z?.[0]?.length ?? 0;
      const xv = t.x ? numbers(t.x) : Array.from({ length: cols }, (_, c) => c);
      xs.push(...xv);
      if (xv.length > 1) halfCell = Math.max(halfCell, (xv[1] - xv[0]) / 2);
      else halfCell = Math.max(halfCell, 0.5);
    } else if (t.type === "bar" && !categorical) {
      const w = typeof t.width === "number" ? t.width : 0;
      halfCell = Math.max(halfCell, w / 2);
      xs.push(...numbers(t.x));
    } else xs.push(...numbers(t.x));
  }
  const xRange = xLayout?.range;
  const [xlo, xhi] = xRange ?? (categorical ? [0, 1] : [Math.min(...xs), Math.max(...xs)]);
  const xpad = categorical || xRange ? 0 : halfCell > 0 ? halfCell : (xhi - xlo || 1) * 0.04;
  const xNumeric = scale(xlo - xpad, xhi + xpad, plot.x0, plot.x1);
  const band = (plot.x1 - plot.x0) / Math.max(categories.length, 1);
  const xOf = (v: Value) =>
    categorical ? plot.x0 + band * (categories.indexOf(String(v)) + 0.5) : xNumeric(Number(v));

  // The panels, top to bottom by their domains, and their axes.
  const gap = 14;
  const panelPx = (domain: [number, number] | undefined): [number, number] => {
    const [d0, d1] = domain ?? [0, 1];
    const span = plot.y1 - plot.y0;
    return [
      plot.y1 - d1 * span + (d1 < 1 ? gap / 2 : 0),
      plot.y1 - d0 * span - (d0 > 0 ? gap / 2 : 0),
    ];
  };
  const makeAxis = (id: string, px: [number, number], right: boolean): YAxis => {
    const axis = axisOf(id);
    const ts = traces.filter((t) => t.yid === id);
    const cats = yCategories(id);
    const [px0, px1] = px;
    if (cats) {
      const n = Math.max(cats.length, 1);
      const reversed = axis?.autorange === "reversed";
      const map = (k: number) =>
        reversed ? px0 + ((k + 0.5) / n) * (px1 - px0) : px1 - ((k + 0.5) / n) * (px1 - px0);
      return { id, layout: axis, log: false, categories: cats, lo: 0, hi: n, map, px0, px1, right };
    }
    const log = axis?.type === "log";
    let values = ts.filter((t) => t.type !== "heatmap").flatMap((t) => numbers(t.y));
    if (log) values = values.filter((v) => v > 0).map(Math.log10);
    let lo: number, hi: number;
    if (axis?.range) [lo, hi] = axis.range;
    else {
      [lo, hi] = values.length ? [Math.min(...values), Math.max(...values)] : [0, 1];
      const toZero = !log && (ts.some((t) => t.type === "bar") || axis?.rangemode === "tozero");
      if (toZero) lo = Math.min(0, lo);
      const pad = (hi - lo || Math.abs(hi) || 1) * 0.06;
      [lo, hi] = [toZero && lo === 0 ? 0 : lo - pad, hi + pad];
    }
    const lin = scale(lo, hi, px1, px0);
    const map = log ? (v: number) => lin(Math.log10(v)) : lin;
    return { id, layout: axis, log, categories: null, lo, hi, map, px0, px1, right };
  };
  const axes = new Map<string, YAxis>();
  for (const id of panelIds) axes.set(id, makeAxis(id, panelPx(axisOf(id)?.domain), false));
  for (const id of rightIds) {
    const base = axes.get(axisOf(id)!.overlaying!) ?? axes.get("y")!;
    axes.set(id, makeAxis(id, [base.px0, base.px1], true));
  }

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  ];
  const text = (x: number, y: number, s: string, attrs = "") =>
    `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${FONT} ${attrs}>${escapeHtml(s)}</text>`;

  // Gridlines and tick labels of each axis.
  for (const ax of axes.values()) {
    if (ax.categories) {
      const rowPx = Math.abs(ax.px1 - ax.px0) / Math.max(ax.categories.length, 1);
      const size = Math.max(6, Math.min(10, rowPx * 0.95)).toFixed(1);
      ax.categories.forEach((c, k) =>
        out.push(
          text(
            plot.x0 - 6,
            ax.map(k),
            c,
            `font-size="${size}" fill="#444" text-anchor="end" dominant-baseline="middle"`,
          ),
        )
      );
      continue;
    }
    const ticks = ax.log
      ? logTicks(ax.lo, ax.hi)
      : niceTicks(ax.lo, ax.hi, ax.px1 - ax.px0 < 150 ? 3 : 5);
    for (const v of ticks) {
      const y = ax.map(v);
      if (!ax.right) {
        out.push(
          `<line x1="${plot.x0}" x2="${plot.x1}" y1="${y.toFixed(1)}" y2="${
            y.toFixed(1)
          }" stroke="#e5e5e5"/>`,
          text(
            plot.x0 - 6,
            y,
            tickLabel(v),
            'font-size="11" fill="#444" text-anchor="end" dominant-baseline="middle"',
          ),
        );
      } else {
        out.push(
          text(
            plot.x1 + 6,
            y,
            tickLabel(v),
            'font-size="11" fill="#444" dominant-baseline="middle"',
          ),
        );
      }
    }
  }
  // x tick labels under the lowest panel: every category, tickvals/ticktext, or round numbers.
  const bottom = Math.max(...[...axes.values()].map((a) => a.px1));
  const xTicks: [number | string, string][] = categorical
    ? categories.map((c) => [c, c])
    : xLayout?.tickvals
    ? xLayout.tickvals.map((v, i) => [v, xLayout.ticktext?.[i] ?? tickLabel(v)])
    : niceTicks(xlo, xhi, Math.min(10, Math.max(1, xhi - xlo)))
      .filter((v) => (xs.every(Number.isInteger) ? Number.isInteger(v) : true))
      .map((v) => [v, tickLabel(v)]);
  const fit = categorical || xLayout?.tickvals
    ? Math.max(
      7,
      Math.min(
        11,
        (plot.x1 - plot.x0) / Math.max(xTicks.length, 1) / (angle ? 0.9 : 0.6 * longestX),
      ),
    )
    : 11;
  for (const [v, label] of xTicks) {
    const x = xOf(v);
    const y = bottom + 14;
    out.push(
      angle
        ? text(
          x,
          y,
          label,
          `font-size="${fit.toFixed(1)}" fill="#444" text-anchor="end" transform="rotate(${angle} ${
            x.toFixed(1)
          } ${y})"`,
        )
        : text(x, y + 2, label, `font-size="${fit.toFixed(1)}" fill="#444" text-anchor="middle"`),
    );
  }
  for (const ax of axes.values()) {
    if (ax.right) continue;
    out.push(
      `<rect x="${plot.x0}" y="${ax.px0.toFixed(1)}" width="${plot.x1 - plot.x0}" ` +
        `height="${(ax.px1 - ax.px0).toFixed(1)}" fill="none" stroke="#bbb"/>`,
    );
  }

  // Heatmaps: one rectangle per cell, coloured on the trace's scale; cell texts.
  for (const t of traces.filter((t) => t.type === "heatmap")) {
    const ax = axes.get(t.yid)!;
    const z = t.z ?? [];
    const stops = colorScale(t.colorscale);
    const values = numbers(z.flat());
    const [zmin, zmax] = [
      Number(t.zmin ?? Math.min(...values)),
      Number(t.zmax ?? Math.max(...values)),
    ];
    const rows = (t.y ?? z.map((_, r) => r)).map(String);
    const cols = z[0]?.length ?? 0;
    const xv: Value[] = t.x ? [...t.x] : Array.from({ length: cols }, (_, c) => c);
    const cellW = categorical ? band : Math.abs(xOf(xv[1] ?? 1) - xOf(xv[0] ?? 0)) || band;
    const cellH = Math.abs(ax.px1 - ax.px0) / Math.max(ax.categories?.length ?? rows.length, 1);
    z.forEach((row, r) => {
      const cy = ax.map(ax.categories?.indexOf(rows[r]) ?? r);
      row.forEach((v, c) => {
        if (v === null) return;
        const cx = xOf(xv[c]);
        out.push(
          `<rect x="${(cx - cellW / 2).toFixed(1)}" y="${(cy - cellH / 2).toFixed(1)}" ` +
            `width="${cellW.toFixed(1)}" height="${cellH.toFixed(1)}" ` +
            `fill="${colorAt(stops, (v - zmin) / (zmax - zmin || 1))}"/>`,
        );
        const label = cellText(t, r, c);
        if (label) {
          out.push(
            text(
              cx,
              cy,
              label,
              'font-size="14" fill="#222" text-anchor="middle" dominant-baseline="middle" paint-order="stroke" stroke="#fff" stroke-width="3"',
            ),
          );
        }
      });
    });
  }

  // Bars: grouped within each category, or of their width on numbers; then lines and markers.
  const bars = traces.filter((t) => t.type === "bar");
  const overlay = figure.layout.barmode === "overlay" || !categorical;
  const barWidth = (band * 0.8) / Math.max(bars.length, 1);
  bars.forEach((t, k) => {
    const ax = axes.get(t.yid)!;
    const opacity = typeof t.opacity === "number" ? ` fill-opacity="${t.opacity}"` : "";
    (t.x ?? []).forEach((xv, i) => {
      const yv = t.y?.[i];
      if (typeof yv !== "number" || !Number.isFinite(yv)) return;
      let x: number, w: number;
      if (categorical && !overlay) {
        x = xOf(xv) - (band * 0.8) / 2 + k * barWidth;
        w = barWidth;
      } else if (categorical) {
        [x, w] = [xOf(xv) - band * 0.4, band * 0.8];
      } else {
        const half = (typeof t.width === "number" ? t.width : 1) / 2;
        [x, w] = [xOf(Number(xv) - half), xOf(Number(xv) + half) - xOf(Number(xv) - half)];
      }
      const [ya, yb] = [ax.map(yv), ax.map(ax.log ? 10 ** ax.lo : Math.max(ax.lo, 0))];
      out.push(
        `<rect class="bar" x="${x.toFixed(1)}" y="${Math.min(ya, yb).toFixed(1)}" ` +
          `width="${w.toFixed(1)}" height="${Math.abs(yb - ya).toFixed(1)}" ` +
          `fill="${escapeHtml(t.color)}"${opacity}/>`,
      );
    });
  });
  for (const t of traces.filter((t) => t.type === "scatter")) {
    const ax = axes.get(t.yid)!;
    const mode = t.mode ?? "lines+markers";
    const points = (t.x ?? []).flatMap((xv, i) => {
      const yv = t.y?.[i];
      const ok = typeof yv === "number" && Number.isFinite(yv) && (!ax.log || yv > 0);
      return ok ? [[xOf(xv), ax.map(yv as number), i]] : [];
    });
    const color = escapeHtml(t.color);
    if (mode.includes("lines")) {
      const dash = t.line?.dash === "dash"
        ? ' stroke-dasharray="6 4"'
        : t.line?.dash === "dot"
        ? ' stroke-dasharray="2 3"'
        : "";
      out.push(
        `<polyline points="${
          points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ")
        }" ` +
          `fill="none" stroke="${color}" stroke-width="${t.line?.width ?? 2}"${dash}/>`,
      );
    }
    if (mode.includes("markers")) {
      const perPoint = Array.isArray(t.marker?.color) ? t.marker.color as number[] : null;
      const stops = colorScale(t.marker?.colorscale);
      const cvals = perPoint ? numbers(perPoint) : [];
      const [cmin, cmax] = [
        Number(t.marker?.cmin ?? Math.min(...cvals)),
        Number(t.marker?.cmax ?? Math.max(...cvals)),
      ];
      const r = typeof t.marker?.size === "number" ? t.marker.size / 2 : 3;
      for (const [x, y, i] of points) {
        const fill = perPoint ? colorAt(stops, (perPoint[i] - cmin) / (cmax - cmin || 1)) : color;
        out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="${fill}"/>`);
      }
    }
    if (mode.includes("text") && Array.isArray(t.text)) {
      for (const [x, y, i] of points) {
        out.push(
          text(
            x,
            y - 6,
            String((t.text as unknown[])[i] ?? ""),
            'font-size="10" fill="#222" text-anchor="middle"',
          ),
        );
      }
    }
  }

  // Shapes and annotations, in data coordinates ("x", "y", "y2", ...) or the plot's ("paper").
  const xPx = (
    ref: unknown,
    v: number,
  ) => (ref === "paper" ? plot.x0 + v * (plot.x1 - plot.x0) : xOf(v));
  const yPx = (ref: unknown, v: number) => {
    if (ref === "paper" || ref === undefined) {
      return ref === "paper" ? plot.y1 - v * (plot.y1 - plot.y0) : axes.get("y")!.map(v);
    }
    const id = String(ref).replace(/ domain$/, "");
    const ax = axes.get(id) ?? axes.get("y")!;
    return String(ref).endsWith(" domain") ? ax.px1 - v * (ax.px1 - ax.px0) : ax.map(v);
  };
  for (
    const s of (Array.isArray(figure.layout.shapes) ? figure.layout.shapes : []) as Record<
      string,
      unknown
    >[]
  ) {
    const [x0, x1] = [xPx(s.xref, Number(s.x0)), xPx(s.xref, Number(s.x1))];
    const [y0, y1] = [yPx(s.yref, Number(s.y0)), yPx(s.yref, Number(s.y1))];
    const line = (s.line ?? {}) as { color?: string; width?: number; dash?: string };
    const stroke =
      `stroke="${escapeHtml(line.color ?? "#444")}" stroke-width="${line.width ?? 1}"` +
      (line.dash ? ' stroke-dasharray="6 4"' : "");
    if (s.type === "rect") {
      out.push(
        `<rect x="${Math.min(x0, x1).toFixed(1)}" y="${Math.min(y0, y1).toFixed(1)}" ` +
          `width="${Math.abs(x1 - x0).toFixed(1)}" height="${Math.abs(y1 - y0).toFixed(1)}" ` +
          `fill="${escapeHtml(String(s.fillcolor ?? "none"))}" fill-opacity="${
            Number(s.opacity ?? 1)
          }" ` +
          (line.width === 0 ? 'stroke="none"' : stroke) + "/>",
      );
    } else {
      out.push(
        `<line x1="${x0.toFixed(1)}" x2="${x1.toFixed(1)}" y1="${y0.toFixed(1)}" y2="${
          y1.toFixed(1)
        }" ${stroke}/>`,
      );
    }
  }
  for (
    const a
      of (Array.isArray(figure.layout.annotations) ? figure.layout.annotations : []) as Record<
        string,
        unknown
      >[]
  ) {
    const anchor = a.xanchor === "left" ? "start" : a.xanchor === "right" ? "end" : "middle";
    const base = a.yanchor === "top" ? "hanging" : a.yanchor === "bottom" ? "auto" : "middle";
    const size = (a.font as { size?: number } | undefined)?.size ?? 11;
    out.push(
      text(
        xPx(a.xref, Number(a.x)),
        yPx(a.yref, Number(a.y)),
        String(a.text ?? "").replace(/<[^>]+>/g, ""),
        `font-size="${size}" fill="#222" text-anchor="${anchor}" dominant-baseline="${base}"`,
      ),
    );
  }

  // Title and subtitle, axis titles, colour bars, legend.
  const title = figure.layout.title?.text;
  if (title) {
    out.push(text(width / 2, 26, title, 'font-size="16" fill="#222" text-anchor="middle"'));
  }
  if (subtitle) {
    out.push(text(width / 2, 46, subtitle, 'font-size="12" fill="#555" text-anchor="middle"'));
  }
  const xTitle = titleOf(xLayout);
  if (xTitle) {
    out.push(
      text(
        (plot.x0 + plot.x1) / 2,
        height - m.bottom + 34 + rotatedExtra,
        xTitle,
        'font-size="12" fill="#222" text-anchor="middle"',
      ),
    );
  }
  for (const ax of axes.values()) {
    const t = titleOf(ax.layout);
    if (!t) continue;
    const x = ax.right ? plot.x1 + 50 : 16;
    const y = (ax.px0 + ax.px1) / 2;
    out.push(
      text(
        x,
        y,
        t,
        `font-size="12" fill="#222" text-anchor="middle" transform="rotate(${
          ax.right ? 90 : -90
        } ${x} ${y.toFixed(1)})"`,
      ),
    );
  }
  colorBars.forEach((cb, k) => {
    const span = plot.y1 - plot.y0;
    const len = cb.len * span - 20;
    const top = plot.y1 - cb.y * span - len / 2;
    const x = width - 66 + (colorBars.length > 1 && k % 2 === 1 ? 0 : 0);
    const gid = `cb${k}`;
    out.push(
      `<defs><linearGradient id="${gid}" x1="0" y1="1" x2="0" y2="0">` +
        cb.stops.map(([s, c]) => `<stop offset="${s}" stop-color="${c}"/>`).join("") +
        `</linearGradient></defs>`,
      `<rect x="${x}" y="${top.toFixed(1)}" width="12" height="${
        len.toFixed(1)
      }" fill="url(#${gid})" stroke="#bbb"/>`,
      text(x + 16, top + 4, tickLabel(Number(cb.max.toPrecision(3))), 'font-size="10" fill="#444"'),
      text(
        x + 16,
        top + len,
        tickLabel(Number(cb.min.toPrecision(3))),
        'font-size="10" fill="#444"',
      ),
    );
    if (cb.title) {
      const tx = x + 48, ty = top + len / 2;
      out.push(
        text(
          tx,
          ty,
          cb.title,
          `font-size="10" fill="#444" text-anchor="middle" transform="rotate(90 ${tx} ${
            ty.toFixed(1)
          })"`,
        ),
      );
    }
  });
  let lx = plot.x0;
  const ly = height - 16;
  for (const t of traces) {
    if (t.showlegend === false || t.type === "heatmap") continue;
    const name = escapeHtml(t.name ?? t.type);
    const mode = t.mode ?? "lines+markers";
    out.push(
      t.type === "bar"
        ? `<rect x="${lx}" y="${ly - 6}" width="14" height="10" fill="${escapeHtml(t.color)}"/>`
        : mode.includes("lines")
        ? `<line x1="${lx}" x2="${lx + 14}" y1="${ly - 1}" y2="${ly - 1}" ` +
          `stroke="${escapeHtml(t.color)}" stroke-width="2"/>`
        : `<circle cx="${lx + 7}" cy="${ly - 1}" r="4" fill="${escapeHtml(t.color)}"/>`,
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
