/**
 * The hand-written recurrent network of chapters 9-1 and 9-2: the book's numpy class
 * `RecurrentNetwork`, and the finite-difference check of its gradients.
 * @module
 */
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
export { meanLogisticLoss, numericalGradients } from "./gradient_check.ts";
