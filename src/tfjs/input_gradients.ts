/**
 * Gradient flow through time (9-4): how strongly each time step's input still moves the loss of
 * a trained model, ‖∂L/∂x_t‖, where x_t is the recurrent layer's input at step t (the
 * embedding's output) and L one review's logistic loss. A SimpleRNN multiplies the gradient by
 * its recurrent weights at every step back, so it fades with the distance from the last word; an
 * LSTM passes it back through its cell state by addition and keeps more of it.
 *
 * Computed with `tf.grad` through the model's own layers (the fused kernels' backward pass).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildModel } from "./models.ts";
 * import { ndarray } from "../data/ndarray.ts";
 * import { inputGradients } from "./input_gradients.ts";
 *
 * const model = buildModel("embedding_lstm", { seed: 42 });
 * const ids = ndarray({ shape: [2, 4], dtype: "int32", data: Int32Array.of(0, 87, 20, 531, 0, 0, 33, 41) });
 * const { grads, normByStep } = inputGradients(model, ids, [1, 0]);
 * assert.deepEqual(grads.shape, [2, 4, 32]); // [reviews, steps, embedding width]
 * assert.equal(normByStep.length, 4); // the mean norm at each step
 * ```
 * @module
 */
import { tf } from "./tf.ts";
import { type NDArray, ndarray } from "../data/ndarray.ts";
import { embeddingRnnWeights } from "./word_by_word.ts";
import type { LayersModel } from "./training.ts";

type Tensor = ReturnType<typeof tf.tensor>;

/** What {@linkcode inputGradients} returns. */
export interface InputGradients {
  /** [n, steps, dim] float32: ∂L_i/∂x_t for each review i and step t */
  grads: NDArray<"float32">;
  /** [steps] float64: the mean over the n reviews of ‖∂L_i/∂x_t‖ (Euclidean norm over dim) */
  normByStep: Float64Array;
}

/**
 * The gradient of each review's logistic loss (−log P(label), from the output unit's logit)
 * with respect to the recurrent layer's input at every step.
 *
 * @param model Embedding → SimpleRNN | LSTM | GRU → Dense(1, sigmoid), e.g. 9-3's or 9-4's model.
 * @param ids [n, steps] int32 word ids (rows of `prepareImdb`'s arrays).
 * @param y [n] labels 0/1.
 * @throws Error when the model has another structure or y does not have one label per review.
 */
export function inputGradients(
  model: LayersModel,
  ids: NDArray<"int32">,
  y: ArrayLike<number>,
): InputGradients {
  embeddingRnnWeights(model); // checks the structure
  const [n, steps] = ids.shape;
  if (ids.shape.length !== 2) throw new Error(`ids must be [n, steps], got [${ids.shape}]`);
  if (y.length !== n) throw new Error(`y has ${y.length} labels, ids has ${n} reviews`);
  const [embedding, rnn, dense] = model.layers;
  // tidy returns the tensor: a typed array returned from tidy is walked element by element
  // (tfjs looks for tensors in it), which took ~1 s for 500 reviews
  const grad = tf.tidy(() => {
    const x = embedding.apply(tf.tensor2d(ids.data, [n, steps], "int32")) as Tensor; // [n, steps, dim]
    const [kernel, bias] = dense.getWeights(); // [units, 1], [1]
    const labels = tf.tensor1d(Float32Array.from(y)); // [n]
    const loss = (xs: Tensor) => {
      const h = rnn.apply(xs) as Tensor; // [n, units]
      const z = tf.add(tf.matMul(h, kernel), bias).reshape([n]); // logits [n]
      // Σ_i softplus(z_i) − y_i z_i: each review's −log P(its label), summed
      return tf.sum(tf.sub(tf.softplus(z), tf.mul(labels, z)));
    };
    return tf.grad(loss)(x);
  });
  const data = grad.dataSync() as Float32Array;
  grad.dispose();
  const dim = data.length / (n * steps);
  const normByStep = new Float64Array(steps);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < steps; t++) {
      let sq = 0;
      for (let d = 0; d < dim; d++) sq += data[(i * steps + t) * dim + d] ** 2;
      normByStep[t] += Math.sqrt(sq) / n;
    }
  }
  return { grads: ndarray({ shape: [n, steps, dim], dtype: "float32", data }), normByStep };
}
