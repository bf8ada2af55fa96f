/**
 * The chapter's public API, what the notebooks and a reader's scripts import: the data pipeline
 * (`./data/`), the hand-written RNN (`./scratch/`), the TensorFlow.js models (`./tfjs/`) and the
 * notebook helpers (`./notebook/`). Each package's `mod.ts` lists its public names; everything
 * else, and the kernels beneath the layers (`./kernels/`), stays internal (tests import it from
 * its file).
 * @module
 */
export * from "./data/mod.ts";
export * from "./scratch/mod.ts";
export * from "./tfjs/mod.ts";
export * from "./notebook/mod.ts";
