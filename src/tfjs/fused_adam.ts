/**
 * Adam whose update of each variable is one typed-array loop instead of ~15 tfjs ops.
 *
 * `tf.train.adam` updates every variable with ~15 elementwise ops (mul, add, square, div,
 * sqrt, ...) plus their bookkeeping; for the chapter's Embedding(1000, 32) table that is 15 passes
 * over 32,000 numbers per batch, the largest cost of a batch once the recurrent layers are fused.
 * `FusedAdam` extends `tf.AdamOptimizer` and replaces only `applyGradients`: the same
 * arithmetic, each step rounded to float32 as the cpu kernels round it, so the weights it
 * produces are the ones `tf.train.adam` produces (the tests check equality). Moments, `getWeights`,
 * `setWeights`, `getConfig` and serialisation are the stock ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Scalar } from "@tensorflow/tfjs";
 * import { tf } from "./tf.ts";
 * import { fusedAdam } from "./fused_adam.ts";
 *
 * // Three steps on the same problem, with tf.train.adam and with fusedAdam
 * const run = (optimizer: ReturnType<typeof tf.train.adam>) => {
 *   const w = tf.variable(tf.tensor1d([0.5, -1.5, 2]));
 *   for (let step = 0; step < 3; step++) {
 *     optimizer.minimize(() => tf.sum(tf.square(tf.sub(w, tf.tensor1d([1, 2, 3])))) as Scalar);
 *   }
 *   return w.dataSync();
 * };
 * const stock = run(tf.train.adam(0.1, 0.9, 0.999, 1e-7));
 * const fused = run(fusedAdam({ learningRate: 0.1 })); // Keras's betas and epsilon
 * assert.deepEqual(fused, stock); // the same float32 numbers
 * ```
 * @module
 */
import type { NamedTensorMap, Tensor, Variable } from "@tensorflow/tfjs";
import { tf } from "./tf.ts";
import { adamMomentsOf, registeredVariable } from "./_internals.ts";
import { KERAS_EPSILON } from "../kernels/logistic_loss.ts";
import { adam, type AdamHyper, type AdamState } from "../kernels/adam.ts";

/** A gradient by variable name, as `Optimizer.applyGradients` may receive it. */
type NamedTensor = { name: string; tensor: Tensor };

const f32 = Math.fround;

/**
 * One Adam step for one variable, on typed arrays, rounding like tfjs's float32 ops: `adam` of
 * `../kernels/adam.ts` (WebAssembly where it runs, its plain reference elsewhere: the same
 * numbers).
 *
 * @param state `value` [n] the current weights, `gradient` [n], `m` [n] the first moment and
 *   `v` [n] the second (not modified, unless `out` names them)
 * @param hyper beta1, beta2, epsilon, learningRate, and 1 - beta1^t, 1 - beta2^t (float32)
 * @param out where to write the results (default: new arrays); `out.m` may be `state.m` and
 *   `out.v` may be `state.v` (each element is read before it is written)
 * @returns value, m, v: the arrays of `out`
 */
export function adamStep(
  state: AdamState,
  hyper: AdamHyper,
  out?: { value: Float32Array; m: Float32Array; v: Float32Array },
): { value: Float32Array; m: Float32Array; v: Float32Array } {
  return adam(state, hyper, out);
}

/** `tf.AdamOptimizer` with a fused per-variable update (see the module documentation). */
export class FusedAdam extends tf.AdamOptimizer {
  /** The name the class is serialised under. */
  static override get className(): string {
    return "FusedAdam";
  }

  override applyGradients(variableGradients: NamedTensorMap | NamedTensor[]): void {
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    const gradients = names.map((name, i) => {
      const gradient: Tensor | undefined = Array.isArray(variableGradients)
        ? variableGradients[i].tensor
        : variableGradients[name];
      return gradient == null ? undefined : gradient.dataSync();
    });
    adamUpdate(this, names.map(registeredVariable), gradients);
  }
}

/**
 * What `optimizer.applyGradients` does for a `tf.AdamOptimizer` (stock or {@link FusedAdam}),
 * one typed-array loop per variable ({@link adamStep}): the same float32 numbers, the same
 * moments and step count in the optimizer. The fast training step calls it with the gradients
 * it computed in typed arrays, without making tensors of them.
 *
 * @param variables in the order of the optimizer's moments (the order its gradients come in)
 * @param gradients one per variable, [variable.size]; undefined: that variable is left alone
 */
export function adamUpdate(
  optimizer: InstanceType<typeof tf.AdamOptimizer>,
  variables: Variable[],
  gradients: Array<ArrayLike<number> | undefined>,
): void {
  // beta1, beta2, epsilon, learningRate: protected fields of tf.AdamOptimizer; the moments
  // and accumulated betas are private ones (see _internals.ts).
  const fields = optimizer as unknown as {
    beta1: number;
    beta2: number;
    epsilon: number;
    learningRate: number;
    incrementIterations(): void;
  };
  const state = adamMomentsOf(optimizer);
  const accBeta1 = state.accBeta1.dataSync()[0];
  const accBeta2 = state.accBeta2.dataSync()[0];
  const hyper = {
    beta1: fields.beta1,
    beta2: fields.beta2,
    epsilon: fields.epsilon,
    learningRate: fields.learningRate,
    oneMinusAccBeta1: f32(1 - accBeta1),
    oneMinusAccBeta2: f32(1 - accBeta2),
  };
  const updated: Array<[Variable, Float32Array]> = [];
  variables.forEach((value, i) => {
    const name = value.name;
    if (state.accumulatedFirstMoment[i] == null) {
      state.accumulatedFirstMoment[i] = {
        originalName: `${name}/m`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
    }
    if (state.accumulatedSecondMoment[i] == null) {
      state.accumulatedSecondMoment[i] = {
        originalName: `${name}/v`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
    }
    const gradient = gradients[i];
    if (gradient == null) return;
    // The moments are updated in place, in the arrays the backend holds for them: nothing but
    // the optimizer reads them, and no other tensor shares their data (see _internals.ts).
    const m = state.accumulatedFirstMoment[i].variable.dataSync() as Float32Array;
    const v = state.accumulatedSecondMoment[i].variable.dataSync() as Float32Array;
    const next = adamStep(
      { value: value.dataSync(), gradient, m, v },
      hyper,
      { value: new Float32Array(value.size), m, v },
    );
    updated.push([value, next.value]);
  });
  tf.tidy(() => {
    for (const [value, next] of updated) value.assign(tf.tensor(next, value.shape));
    state.accBeta1.assign(tf.scalar(f32(accBeta1 * f32(fields.beta1))));
    state.accBeta2.assign(tf.scalar(f32(accBeta2 * f32(fields.beta2))));
  });
  fields.incrementIterations();
}
tf.serialization.registerClass(FusedAdam);

/** Options of {@link fusedAdam}: Keras's `Adam(learning_rate, beta_1, beta_2, epsilon)`. */
export interface FusedAdamOptions {
  /** Step size (default 1e-3). */
  learningRate?: number;
  /** Decay of the first moment (default 0.9). */
  beta1?: number;
  /** Decay of the second moment (default 0.999). */
  beta2?: number;
  /** Added to the root of the second moment (default Keras's `epsilon()`, 1e-7; tfjs's: 1e-8). */
  epsilon?: number;
}

/**
 * A {@link FusedAdam} with Keras's defaults: what `tf.train.adam(learningRate, beta1, beta2,
 * epsilon)` builds, with the fused update.
 */
export function fusedAdam(options: FusedAdamOptions = {}): FusedAdam {
  const { learningRate = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = KERAS_EPSILON } = options;
  return new FusedAdam(learningRate, beta1, beta2, epsilon);
}
