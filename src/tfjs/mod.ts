/**
 * The TensorFlow.js side of chapters 9-3 and 9-4: the one tfjs instance (`tf`), the chapter's
 * three models, training (`fitModel`, `evaluateModel`), saving and loading, `predictReview`,
 * and the fused SimpleRNN and LSTM layers and Adam the models are built from (drop-in for
 * `tf.layers.simpleRNN`, `tf.layers.lstm`, `tf.train.adam`).
 *
 * Private files: `_train_step.ts` (one training step of the chapter's models in typed arrays),
 * `_internals.ts` (every use of tfjs internals, with a check of the tfjs version).
 * @module
 */
export { tf } from "./tf.ts";
export {
  buildModel,
  type BuildModelOptions,
  MODEL_KINDS,
  MODEL_SPECS,
  type ModelKind,
  type ModelSpec,
  type Sequential,
} from "./models.ts";
export {
  type BatchLogs,
  type EpochLogs,
  evaluateModel,
  type Evaluation,
  fitModel,
  type FitModelOptions,
  type History,
  type Inputs,
  type LayersModel,
} from "./training.ts";
export { loadModel, saveModel, type SaveModelOptions } from "./model_io.ts";
export { predictReview, type PredictReviewOptions } from "./predict_review.ts";
export {
  fusedLSTM,
  type FusedLSTMConfig,
  fusedSimpleRNN,
  type FusedSimpleRNNConfig,
} from "./fused_rnn.ts";
export { fusedAdam, type FusedAdamOptions } from "./fused_adam.ts";
