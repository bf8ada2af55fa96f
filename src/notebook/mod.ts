/**
 * What the notebooks use to show their work: rich outputs in Deno's Jupyter kernel
 * (`display.ts`: `print`, tables, model summaries), plotly figures that draw on their own in any
 * front end, with a static picture where no script runs (`figures.ts`), the training progress
 * (`progress.ts`: a bar and a compact line in a notebook, fed by `model.fit` as a tfjs callback,
 * Keras's bar in a terminal), the
 * assertions of the book's printed outputs (`assertions.ts`), the results (and trained models)
 * each notebook saves for the end of 9-4 (`results.ts`), the stop of a notebook at a cell the
 * rest depends on (`stop.ts`), the banner and notes of a quick run (`run_mode.ts`), the review
 * box, which runs the trained models on a typed review in the page (`review_box.ts`), the figures
 * of what the trained models do inside (`model_figures.ts`) and the book's diagrams drawn as SVG
 * (`diagrams.ts`).
 *
 * Private files: `_npm_assets.ts` (plotly.js, TensorFlow.js and other npm files the pages carry,
 * and their in-page loader), `_review_box_page.ts` (the review box's page script), `_static_svg.ts` (a figure's static picture), `_text.ts` (ANSI
 * and HTML escapes).
 * @module
 */
export { print, showModelSummary, showTable, showText, type Summarizable } from "./display.ts";
export {
  comparisonFigure,
  type ComparisonFigureOptions,
  type HistoryCurves,
  historyFigure,
  type PlotlyFigure,
  type PlotlyTrace,
  showFigure,
} from "./figures.ts";
export {
  type FitProgressCallback,
  type ProgressState,
  terminalProgressBar,
  TrainingProgress,
  type TrainingProgressOptions,
} from "./progress.ts";
export { NotebookStopped, stopOnError } from "./stop.ts";
export {
  reviewBoxBundle,
  type ReviewBoxModel,
  type ReviewBoxOptions,
  showReviewBox,
} from "./review_box.ts";
export { besideBook, type RunModeOptions, showRunMode } from "./run_mode.ts";
export { assertBetween, assertClose, assertEqual, assertShape, numpyStr } from "./assertions.ts";
export {
  loadModelResults,
  type LoadModelResultsOptions,
  loadTrainedModels,
  type ModelResult,
  type ReportRun,
  saveModelResult,
  type SaveModelResultOptions,
  type TrainedModel,
} from "./results.ts";
export {
  confusionFigure,
  embeddingMapFigure,
  gradientDistanceFigure,
  gradientFlowFigure,
  paddingFigure,
  wordByWordFigure,
} from "./model_figures.ts";
export {
  cellComputationDiagram,
  type Diagram,
  diagramBundle,
  type EmbeddedWord,
  embeddingDiagram,
  lstmCellDiagram,
  recurrentNetworkDiagram,
  recurrentStructureDiagram,
  showDiagram,
} from "./diagrams.ts";
