/**
 * What the notebooks use to show their work: rich outputs in Deno's Jupyter kernel
 * (`display.ts`: `print`, tables, model summaries), plotly figures carrying plotly.js for
 * offline pages (`figures.ts`), the training progress (`progress.ts`: the live line of a
 * notebook, the terminal bar of a script), the assertions of the book's printed outputs
 * (`assertions.ts`), and the results each notebook saves for the comparison in 9-4
 * (`results.ts`).
 *
 * Private files: `_npm_assets.ts` (plotly.js and other npm files the pages carry), `_text.ts`
 * (ANSI and HTML escapes).
 * @module
 */
export { print, showModelSummary, showTable, showText, type Summarizable } from "./display.ts";
export {
  comparisonFigure,
  type HistoryCurves,
  historyFigure,
  type PlotlyFigure,
  type PlotlyTrace,
  showFigure,
} from "./figures.ts";
export {
  type ProgressState,
  terminalProgressBar,
  TrainingProgress,
  type TrainingProgressOptions,
} from "./progress.ts";
export { NotebookStopped, stopOnError } from "./stop.ts";
export { besideBook, type RunModeOptions, showRunMode } from "./run_mode.ts";
export { assertBetween, assertClose, assertEqual, assertShape, numpyStr } from "./assertions.ts";
export {
  loadModelResults,
  type LoadModelResultsOptions,
  type ModelResult,
  saveModelResult,
  type SaveModelResultOptions,
} from "./results.ts";
