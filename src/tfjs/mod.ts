/**
 * The TensorFlow.js side of chapters 9-3 and 9-4: the one tfjs instance (`tf`), the fused
 * SimpleRNN and LSTM layers and Adam, the chapter's three models, training (`fitModel`,
 * `evaluateModel`), saving and loading, and `predictReview`.
 *
 * Private file: `_train_step.ts` (one training step of the chapter's models in typed arrays).
 * @module
 */
export { tf } from "./tf.ts";
export {
  FusedLSTM,
  fusedLSTM,
  type FusedLSTMConfig,
  FusedSimpleRNN,
  fusedSimpleRNN,
  type FusedSimpleRNNConfig,
} from "./fused_rnn.ts";
export { FusedAdam, fusedAdam } from "./fused_adam.ts";
export {
  buildModel,
  type BuildModelOptions,
  MAXLEN,
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
export { predictReview, type PredictReviewOptions, reviewToInput } from "./predict_review.ts";
