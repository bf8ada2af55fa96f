/**
 * The arithmetic beneath the layers: whole-sequence SimpleRNN, LSTM and GRU passes on typed
 * arrays (`simple_rnn.ts`, `lstm.ts`, `gru.ts`, what they share in `rnn.ts`, their activations in
 * `activations.ts`; each kernel a plain reference with a WebAssembly SIMD fast path beside it),
 * the logistic loss (`logistic_loss.ts`), Adam's update of a variable (`adam.ts`, also a
 * reference beside a WebAssembly path), and the tfjs `cpu` kernels that replace slow stock ones
 * (`gather.ts`, `transpose.ts`, `segment_sum.ts`; registered by `../tfjs/tf.ts`, reaching the
 * cpu backend through `../tfjs/_internals.ts`).
 *
 * Private files, the one WebAssembly stack: `_wasm_assembler.ts` (a tiny WebAssembly assembler),
 * `_wasm_arena.ts` (a module's memory as named regions), `_wasm_products.ts` (the one family of
 * matrix products, for float32 or float64 lanes), `_wasm_math.ts` (the one exp and tanh, as
 * TypeScript and as instructions, in float64 and in float32), and the two kernel sets built from
 * them: `_wasm_f32.ts` (the fused layers': float32 products, the RNN steps' elementwise kernels,
 * Adam) and `_wasm_f64.ts` (the hand-written RNN's: float64 products, tanh, addRows; rowKinds, what
 * float32 input rows are). The RNN kernels' helpers: `_projection.ts`, `_sparse_rows.ts`,
 * `_scratch.ts`.
 * @module
 */
export { type ActivationName, ACTIVATIONS } from "./activations.ts";
export {
  inputGrad,
  lastStep,
  type Lookup,
  type RnnBackwardArgs,
  type RnnDims,
  type RnnForwardArgs,
  type RnnGrads,
  tableGrad,
} from "./rnn.ts";
export { simpleRnnBackward, type SimpleRnnCache, simpleRnnForward } from "./simple_rnn.ts";
export { lstmBackward, type LstmCache, lstmForward } from "./lstm.ts";
export { gruBackward, type GruCache, gruForward } from "./gru.ts";
export { releaseScratch } from "./_scratch.ts";
export { adam, type AdamHyper, type AdamResult, type AdamState } from "./adam.ts";
export { scatterAdd } from "./segment_sum.ts";
export {
  binaryAccuracy,
  BOOK_EPSILON,
  KERAS_EPSILON,
  logisticLoss,
  meanLogisticLoss,
  THRESHOLD,
} from "./logistic_loss.ts";
