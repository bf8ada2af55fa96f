import assert from "node:assert/strict";
import { networkLoss, numericalGradients } from "../../src/scratch/gradient_check.ts";
import { ndarray } from "../../src/data/ndarray.ts";
import { RandomState } from "../../src/data/random_state.ts";
import { RecurrentNetwork } from "../../src/scratch/recurrent_network.ts";

/** A small dense problem: x [m, steps, features] standard normal, y alternating 0/1. */
function problem(m: number, steps: number, features: number, nCells: number) {
  const random = new RandomState(7);
  const x = ndarray({
    shape: [m, steps, features],
    dtype: "float32",
    data: Float32Array.from({ length: m * steps * features }, () => random.normal()),
  });
  const y = Float64Array.from({ length: m }, (_, i) => i % 2);
  const net = new RecurrentNetwork({ nCells, tbpttSteps: Infinity, weightDtype: "float64" });
  net.initWeights(features, 1);
  return { x, y, net };
}

Deno.test("networkLoss is the book's logistic loss of the forward pass", () => {
  const { x, y, net } = problem(5, 4, 3, 4);
  const z = net.forpass(x);
  let expected = 0;
  for (let i = 0; i < z.length; i++) {
    const a = 1 / (1 + Math.exp(-z[i]));
    expected -= y[i] * Math.log(a) + (1 - y[i]) * Math.log(1 - a);
  }
  expected /= z.length;
  assert.ok(Math.abs(networkLoss(net, x, y) - expected) < 1e-14);
  assert.throws(() => networkLoss(net, x, [1, 0]), /y has 2 targets, x has 5 samples/);
});

Deno.test("numericalGradients", async (t) => {
  const { x, y, net } = problem(5, 4, 3, 4);
  const before = net.getWeights();
  const numeric = numericalGradients(net, x, y);

  await t.step(
    "output layer equals its closed form: ∂b2 = mean(A2 − Y), ∂W2 = Hᵀ(A2 − Y)/m",
    () => {
      const a = net.sigmoid(net.forpass(x)); // A2 [m, 1]
      const m = y.length;
      const cells = 4;
      const h = net.h!; // [steps + 1, m, cells]
      const hLast = h.data.subarray((h.shape[0] - 1) * m * cells); // H of the last step [m, cells]
      const b2 = a.reduce((s, ai, i) => s + ai - y[i], 0) / m;
      assert.ok(Math.abs(numeric.b2[0] - b2) < 1e-8, `${numeric.b2[0]} vs ${b2}`);
      for (let c = 0; c < cells; c++) {
        let w2 = 0;
        for (let i = 0; i < m; i++) w2 += hLast[i * cells + c] * (a[i] - y[i]);
        w2 /= m;
        assert.ok(Math.abs(numeric.w2[c] - w2) < 1e-8, `w2[${c}]: ${numeric.w2[c]} vs ${w2}`);
      }
    },
  );

  await t.step("has every weight's shape and restores the weights exactly", () => {
    for (const name of ["w1h", "w1x", "b1", "w2", "b2"] as const) {
      assert.equal(numeric[name].length, before[name].length, name);
      assert.deepEqual(net.getWeights()[name], before[name], name);
    }
  });

  await t.step("rejects a non-positive eps", () => {
    assert.throws(() => numericalGradients(net, x, y, { eps: 0 }), /eps must be positive, got 0/);
  });
});
