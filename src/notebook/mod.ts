/**
 * What the notebooks use to show their work: rich outputs in Deno's Jupyter kernel
 * (`display.ts`: `print`, tables, model summaries), plotly figures carrying plotly.js for
 * offline pages (`figures.ts`), the live training progress (`progress.ts`), the assertions of
 * the book's printed outputs (`assertions.ts`), and the results each notebook saves for the
 * comparison in 9-4 (`results.ts`).
 *
 * Private files: `_npm_assets.ts` (plotly.js and other npm files the pages carry), `_text.ts`
 * (ANSI and HTML escapes).
 * @module
 */
export * from "./display.ts";
export * from "./figures.ts";
export * from "./progress.ts";
export * from "./assertions.ts";
export * from "./results.ts";
