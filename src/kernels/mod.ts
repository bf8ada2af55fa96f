/**
 * The arithmetic beneath the layers: whole-sequence SimpleRNN and LSTM passes on typed arrays
 * (`rnn.ts`, with WebAssembly SIMD products), and the tfjs `cpu` kernels that replace slow stock
 * ones (`gather.ts`, `transpose.ts`, `segment_sum.ts`; registered by `../tfjs/tf.ts`, reaching
 * the cpu backend through `../tfjs/_internals.ts`).
 *
 * Private files: `_wasm_assembler.ts` (a tiny WebAssembly assembler), `_wasm_f32.ts` and
 * `_wasm_f64.ts` (the SIMD modules).
 * @module
 */
export {
  type ActivationName,
  ACTIVATIONS,
  inputGrad,
  lastStep,
  lstmBackward,
  type LstmCache,
  lstmForward,
  releaseScratch,
  type RnnBackwardArgs,
  type RnnDims,
  type RnnForwardArgs,
  type RnnGrads,
  setWasmKernels,
  simpleRnnBackward,
  type SimpleRnnCache,
  simpleRnnForward,
} from "./rnn.ts";
export { scatterAdd } from "./segment_sum.ts";
export {
  binaryAccuracy,
  BOOK_EPSILON,
  KERAS_EPSILON,
  logisticLoss,
  meanLogisticLoss,
  THRESHOLD,
} from "./logistic_loss.ts";
