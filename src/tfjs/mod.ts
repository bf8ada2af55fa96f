/**
 * The TensorFlow.js side of chapters 9-3 and 9-4: the one tfjs instance (`tf`), the book's
 * layers with Keras's defaults and names (`layers`), one seed for a reproducible run
 * (`setRandomSeed`), and the fast road that `model.fit`, `evaluate` and `trainOnBatch` take for
 * the chapter's models (`fast_road.ts`, installed on import); saving and loading,
 * `predictReview`; what the trained models do inside (`readWordByWord`, `inputGradients`,
 * `projectPca` and `wordPushes`, `confusionMatrix` and `confidentMistakes`); the fused SimpleRNN,
 * LSTM and GRU layers and Adam underneath; and, for scripts and benchmarks, the chapter's three
 * models and their variants ready-made (`buildModel`, `VARIANT_KINDS`) and the earlier training
 * loop over typed arrays (`fitModel`, `evaluateModel`).
 *
 * Private files: `_train_step.ts` (one training step of the chapter's models in typed arrays),
 * `_internals.ts` (every use of tfjs internals, with a check of the tfjs version).
 * @module
 */
export { tf } from "./tf.ts";
/** tfjs's tensor types, for annotations (`tf` is a value: `model.evaluate(x, y) as Scalar[]`). */
export type { Scalar, Tensor } from "@tensorflow/tfjs";
export {
  type BidirectionalConfig,
  type DenseConfig,
  type DropoutConfig,
  type EmbeddingConfig,
  type GRUConfig,
  type Layer,
  layers,
  type LSTMConfig,
  type RNNLayer,
  type SimpleRNNConfig,
} from "./layers.ts";
export { randomSeed, setRandomSeed } from "./random_seed.ts";
export { canTrainFast } from "./fast_road.ts";
export {
  buildModel,
  type BuildModelOptions,
  MODEL_KINDS,
  MODEL_SPECS,
  type ModelKind,
  type ModelSpec,
  type Sequential,
  VARIANT_KINDS,
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
export {
  loadModel,
  type SavedModel,
  saveModel,
  type SaveModelOptions,
  serializeModel,
} from "./model_io.ts";
export {
  type ModelReading,
  modelReading,
  predictReview,
  type PredictReviewOptions,
  reviewToInput,
} from "./predict_review.ts";
export {
  fusedGRU,
  type FusedGRUConfig,
  fusedLSTM,
  type FusedLSTMConfig,
  fusedSimpleRNN,
  type FusedSimpleRNNConfig,
} from "./fused_rnn.ts";
export { fusedAdam, type FusedAdamOptions } from "./fused_adam.ts";
export {
  embed,
  type EmbeddingRnnWeights,
  embeddingRnnWeights,
  type LstmGates,
  readWordByWord,
  runSteps,
  type StepTrace,
} from "./word_by_word.ts";
export { type InputGradients, inputGradients } from "./input_gradients.ts";
export {
  embeddingMatrix,
  type PcaProjection,
  projectPca,
  wordPushes,
  type WordPushOptions,
} from "./embedding_map.ts";
export {
  confidentMistakes,
  type ConfusionCounts,
  confusionMatrix,
  predictAll,
} from "./mistakes.ts";
