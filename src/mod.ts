/**
 * The public API of the chapter: data pipeline, hand-written RNN, TensorFlow.js models, plots.
 * @module
 */
export { tf } from "./tf.ts";
export * from "./fused_rnn.ts";
export * from "./fused_adam.ts";
export { canTrainFast, trainOnBatchFast } from "./train_step.ts";
export * from "./ndarray.ts";
export { meanLogisticLoss, numericalGradients } from "./gradient_check.ts";
export * from "./random_state.ts";
export * from "./imdb.ts";
export * from "./preprocessing.ts";
export {
  RecurrentNetwork,
  type RecurrentNetworkBatch,
  type RecurrentNetworkBatchLog,
  type RecurrentNetworkEpochLog,
  type RecurrentNetworkFitAsyncOptions,
  type RecurrentNetworkFitOptions,
  type RecurrentNetworkGradients,
  type RecurrentNetworkOptions,
  type RecurrentNetworkWeights,
} from "./recurrent_network.ts";
export * from "./tokenize.ts";
export { type NpyArray, parseNpy } from "./npy.ts";
export { readNpz, unzip } from "./npz.ts";
export { unpickle } from "./pickle.ts";
export { downloadFile, type DownloadOptions, resolveDataFile } from "./download.ts";
export * from "./display.ts";
export * from "./plots.ts";
export * from "./models.ts";
export * from "./training.ts";
export * from "./progress_bar.ts";
export * from "./model_io.ts";
export * from "./predict_review.ts";
