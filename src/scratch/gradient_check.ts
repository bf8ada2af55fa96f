/**
 * Numerical gradient checking for the hand-written {@linkcode RecurrentNetwork} (9-1): the loss
 * that `backprop` differentiates, and its gradient by central finite differences, which uses only
 * the forward pass and so is an independent reference for `backprop`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ndarray } from "../data/ndarray.ts";
 * import { networkLoss, numericalGradients } from "./gradient_check.ts";
 * import { RecurrentNetwork } from "./recurrent_network.ts";
 *
 * const x = ndarray({ shape: [2, 3, 2], dtype: "float32", data: new Float32Array([
 *   1, 0, 0, 1, 1, 0,
 *   0, 1, 0, 1, 0, 1,
 * ]) }); // [m, steps, features]
 * const y = [1, 0];
 * const rn = new RecurrentNetwork({ nCells: 4, tbpttSteps: Infinity, weightDtype: "float64" });
 * rn.initWeights(2, 1);
 * assert.ok(networkLoss(rn, x, y) > 0);
 * const numeric = numericalGradients(rn, x, y); // { w1h, w1x, b1, w2, b2 }
 * const analytic = rn.backprop(x, rn.sigmoid(rn.forpass(x)).map((a, i) => a - y[i]));
 * for (const name of ["w1h", "w1x", "b1", "w2", "b2"] as const) {
 *   numeric[name].forEach((v, i) => assert.ok(Math.abs(v - analytic[name][i]) < 1e-8, name));
 * }
 * ```
 * @module
 */
import type { NDArray } from "../data/ndarray.ts";
import type { RecurrentNetwork } from "./recurrent_network.ts";
import type { RecurrentNetworkWeights } from "./_types.ts";

/** The weights' names, in the book's order. */
const WEIGHT_NAMES = ["w1h", "w1x", "b1", "w2", "b2"] as const;

/**
 * The mean logistic loss of the network's forward pass, unclipped: the function `backprop`
 * differentiates (not `meanLogisticLoss` of `../kernels/logistic_loss.ts`, which clips the
 * probabilities as training reports its loss). Computed stably as softplus(z) − y·z = −(y log σ(z) + (1 − y) log(1 − σ(z))).
 *
 * @param net the network, with weights set.
 * @param x input [m, steps, features].
 * @param y targets 0/1 [m].
 * @returns the mean over the m samples.
 */
export function networkLoss(
  net: RecurrentNetwork,
  x: NDArray,
  y: ArrayLike<number>,
): number {
  const z = net.forpass(x); // Z2 [m, 1]
  if (y.length !== z.length) {
    throw new Error(`y has ${y.length} targets, x has ${z.length} samples`);
  }
  let sum = 0;
  for (let i = 0; i < z.length; i++) {
    sum += Math.max(z[i], 0) + Math.log1p(Math.exp(-Math.abs(z[i]))) - y[i] * z[i];
  }
  return sum / z.length;
}

/**
 * The gradient of {@linkcode networkLoss} by central finite differences,
 * (L(w + ε) − L(w − ε)) / 2ε for every element of every weight. The network's weights are
 * restored before it returns. Costs two forward passes per weight element: for small networks.
 *
 * @param net the network, with weights set (use `weightDtype: "float64"` for exact steps).
 * @param x input [m, steps, features].
 * @param y targets 0/1 [m].
 * @returns gradients with the weights' names and shapes, row-major `Float64Array`s.
 */
export function numericalGradients(
  net: RecurrentNetwork,
  x: NDArray,
  y: ArrayLike<number>,
  options: { eps?: number } = {},
): RecurrentNetworkWeights {
  const { eps = 1e-6 } = options;
  if (!(eps > 0)) throw new Error(`eps must be positive, got ${eps}`);
  const base = net.getWeights();
  const numeric = {} as RecurrentNetworkWeights;
  try {
    for (const name of WEIGHT_NAMES) {
      numeric[name] = new Float64Array(base[name].length);
      for (let i = 0; i < base[name].length; i++) {
        const changed = Float64Array.from(base[name]);
        changed[i] = base[name][i] + eps;
        net.setWeights({ ...base, [name]: changed });
        const up = networkLoss(net, x, y);
        changed[i] = base[name][i] - eps;
        net.setWeights({ ...base, [name]: changed });
        const down = networkLoss(net, x, y);
        numeric[name][i] = (up - down) / (2 * eps);
      }
    }
  } finally {
    net.setWeights(base);
  }
  return numeric;
}
