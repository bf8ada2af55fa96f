/**
 * The chapter's public API, what the notebooks import: the data pipeline (`./data/`), the
 * hand-written RNN (`./scratch/`), the TensorFlow.js models (`./tfjs/`) and the notebook
 * helpers (`./notebook/`). The kernels beneath the layers (`./kernels/`) stay internal.
 * @module
 */
export * from "./data/mod.ts";
export * from "./scratch/mod.ts";
export * from "./tfjs/mod.ts";
export * from "./notebook/mod.ts";
