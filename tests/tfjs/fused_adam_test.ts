import assert from "node:assert/strict";
import { tf } from "../../src/tfjs/tf.ts";
import type { Optimizer, Scalar, Variable } from "@tensorflow/tfjs";
import { FusedAdam, fusedAdam } from "../../src/tfjs/fused_adam.ts";
import { registeredClass } from "../../src/tfjs/_internals.ts";

/** Runs 5 steps of optimizer on a small least-squares problem; returns the weights after each. */
function trajectory(optimizer: Optimizer): number[][] {
  const w = tf.variable(
    tf.tensor2d([[0.5, -1.5], [2, 0.25], [-0.75, 1]]),
    true,
    "w_" + Math.random(),
  );
  const b = tf.variable(tf.tensor1d([0.1, -0.2]), true, "b_" + Math.random());
  const x = tf.tensor2d([[1, 2, 3], [-1, 0.5, 2], [0, -2, 1], [3, 1, -1]]);
  const y = tf.tensor2d([[1, 0], [0, 1], [1, 1], [-1, 2]]);
  const out: number[][] = [];
  for (let step = 0; step < 5; step++) {
    optimizer.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), y))) as Scalar);
    out.push([...w.dataSync(), ...b.dataSync()]);
  }
  tf.dispose([w, b, x, y] as Variable[]);
  return out;
}

Deno.test("FusedAdam", async (t) => {
  await t.step("produces exactly tf.train.adam's weights, step after step", () => {
    for (const [lr, b1, b2, eps] of [[1e-3, 0.9, 0.999, 1e-7], [0.1, 0.8, 0.95, 1e-3]]) {
      const stock = trajectory(tf.train.adam(lr, b1, b2, eps));
      const fused = trajectory(fusedAdam({ learningRate: lr, beta1: b1, beta2: b2, epsilon: eps }));
      assert.deepEqual(fused, stock);
      assert.notDeepEqual(fused[0], fused[4]); // it did move
    }
  });

  await t.step("keeps the stock moments, config and serialisation", async () => {
    const optimizer = fusedAdam({ learningRate: 0.01 });
    trajectory(optimizer);
    const weights = await optimizer.getWeights();
    assert.equal(weights.length, 1 + 2 * 2); // iterations, m and v of w and b
    assert.equal(weights[0].tensor.dataSync()[0], 5);
    assert.equal(optimizer.getClassName(), "FusedAdam");
    const config = optimizer.getConfig();
    assert.deepEqual(config, { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    const { cls, fromConfig } = registeredClass<typeof FusedAdam>("FusedAdam");
    assert.equal(cls, FusedAdam);
    const rebuilt = fromConfig(cls, config) as FusedAdam;
    assert.ok(rebuilt instanceof FusedAdam);
    assert.deepEqual(rebuilt.getConfig(), config);
  });
});
