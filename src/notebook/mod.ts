/**
 * What the notebooks use to show their work: rich outputs in Deno's Jupyter kernel (`print`,
 * tables, model summaries, plotly figures carrying plotly.js for offline pages), the live
 * training progress line, the assertions of the book's printed outputs, and the results each
 * notebook saves for the comparison in 9-4.
 * @module
 */
export * from "./display.ts";
export * from "./plots.ts";
export * from "./progress_bar.ts";
