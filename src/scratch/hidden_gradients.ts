/**
 * Why the book truncates backpropagation (9-1, 9-2: TBPTT): how large the gradient of a review's
 * loss still is when it reaches the hidden state k steps before the last one, ‖∂L/∂h_(T−k)‖, for
 * a trained {@linkcode RecurrentNetwork}. Each step back multiplies the gradient by
 * diag(1 − h_t²) · W1hᵀ, the product the book calls the cause of exploding and vanishing
 * gradients:
 *
 *   ∂L/∂h_T     = (a − y) · W2ᵀ                          a = sigmoid(Z2), one review's loss L
 *   ∂L/∂h_(t−1) = ((∂L/∂h_t) ⊙ (1 − h_t²)) · W1hᵀ         t = T, ..., 2
 *
 * Computed from the network's public methods (`getWeights`, `forpass`, `h`) on a copy of it, so
 * the network passed in is not changed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ndarray } from "../data/ndarray.ts";
 * import { RecurrentNetwork } from "./recurrent_network.ts";
 * import { hiddenStateGradients } from "./hidden_gradients.ts";
 *
 * const x = ndarray({ shape: [2, 3, 2], dtype: "float32", data: new Float32Array([
 *   1, 0, 0, 1, 1, 0,
 *   0, 1, 0, 1, 0, 1,
 * ]) }); // [m, steps, features]
 * const rn = new RecurrentNetwork({ nCells: 4 });
 * rn.initWeights(2);
 * const { grads, normByDistance } = hiddenStateGradients(rn, x, [1, 0]);
 * assert.deepEqual(grads.shape, [3, 2, 4]); // [steps, m, cells]: ∂L/∂h_1 ... ∂L/∂h_3
 * assert.equal(normByDistance.length, 3); // k = 0 (the last step), 1, 2
 * assert.ok(normByDistance.every((v) => v > 0));
 * ```
 * @module
 */
import { type NDArray, ndarray } from "../data/ndarray.ts";
import { RecurrentNetwork } from "./recurrent_network.ts";

/** What {@linkcode hiddenStateGradients} returns. */
export interface HiddenStateGradients {
  /**
   * [steps, m, cells] float64: grads[t − 1] is ∂L_i/∂h_t for each sample i (L_i its own
   * logistic loss) and each step t = 1..steps; h_0, the zero initial state, is left out.
   */
  grads: NDArray<"float64">;
  /**
   * [steps] float64: normByDistance[k] is the mean over the m samples of ‖∂L_i/∂h_(T−k)‖ (the
   * Euclidean norm over the cells); k = 0 is the last step, k = steps − 1 the first.
   */
  normByDistance: Float64Array;
}

/**
 * The gradient of each sample's logistic loss with respect to the hidden state of every time
 * step (see the module doc), all the way back (no truncation).
 *
 * @param net a network with weights (its `h` and weights are left as they were).
 * @param x input [m, steps, features], as `forpass` takes it (one-hot float32 in 9-2).
 * @param y targets 0/1 [m].
 * @throws Error when y does not have one target per sample.
 */
export function hiddenStateGradients(
  net: RecurrentNetwork,
  x: NDArray,
  y: ArrayLike<number>,
): HiddenStateGradients {
  const [m, steps] = x.shape;
  if (y.length !== m) throw new Error(`y has ${y.length} targets, x has ${m} samples`);
  const n = net.nCells;
  const copy = new RecurrentNetwork({ nCells: n, weightDtype: "float64" });
  const weights = net.getWeights();
  copy.setWeights(weights);
  const a = copy.sigmoid(copy.forpass(x)); // A2 [m, 1]
  const h = copy.h!.data; // [steps + 1, m, cells], h[0] = 0
  const { w1h, w2 } = weights; // [cells, cells], [cells, 1]
  const grads = new Float64Array(steps * m * n); // [steps, m, cells]
  const at = (t: number) => (t - 1) * m * n; // offset of ∂L/∂h_t
  // the last step: (a − y) · W2ᵀ
  for (let i = 0; i < m; i++) {
    const err = a[i] - y[i];
    for (let c = 0; c < n; c++) grads[at(steps) + i * n + c] = err * w2[c];
  }
  // one step back: ((∂L/∂h_t) ⊙ (1 − h_t²)) · W1hᵀ
  const dz = new Float64Array(n);
  for (let t = steps; t >= 2; t--) {
    for (let i = 0; i < m; i++) {
      const row = i * n;
      for (let c = 0; c < n; c++) {
        const ht = h[t * m * n + row + c];
        dz[c] = grads[at(t) + row + c] * (1 - ht * ht);
      }
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let c = 0; c < n; c++) s += dz[c] * w1h[j * n + c];
        grads[at(t - 1) + row + j] = s;
      }
    }
  }
  const normByDistance = new Float64Array(steps);
  for (let k = 0; k < steps; k++) {
    let sum = 0;
    for (let i = 0; i < m; i++) {
      let sq = 0;
      for (let c = 0; c < n; c++) sq += grads[at(steps - k) + i * n + c] ** 2;
      sum += Math.sqrt(sq);
    }
    normByDistance[k] = sum / m;
  }
  return {
    grads: ndarray({ shape: [steps, m, n], dtype: "float64", data: grads }),
    normByDistance,
  };
}
