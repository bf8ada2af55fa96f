/**
 * The public API of the chapter: data pipeline, hand-written RNN, TensorFlow.js models, plots.
 * @module
 */
export { tf } from "./tf.ts";
export * from "./ndarray.ts";
