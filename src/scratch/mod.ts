/**
 * The hand-written recurrent network of chapters 9-1 and 9-2: the book's numpy class
 * `RecurrentNetwork`, written in the numpy-like operations of `np` (`./np.ts`), the
 * finite-difference check of its gradients, and the gradient reaching each earlier hidden state
 * (`hiddenStateGradients`: why the book truncates backpropagation).
 * @module
 */
export { RecurrentNetwork } from "./recurrent_network.ts";
export type {
  RecurrentNetworkBatch,
  RecurrentNetworkBatchLogs,
  RecurrentNetworkEpochLogs,
  RecurrentNetworkFitOptions,
  RecurrentNetworkGradients,
  RecurrentNetworkOptions,
  RecurrentNetworkWeights,
} from "./_types.ts";
export * as np from "./np.ts";
export { networkLoss, numericalGradients } from "./gradient_check.ts";
export { type HiddenStateGradients, hiddenStateGradients } from "./hidden_gradients.ts";
