import assert from "node:assert/strict";
import { ndarray } from "../../src/data/ndarray.ts";
import { RandomState } from "../../src/data/random_state.ts";
import { RecurrentNetwork } from "../../src/scratch/recurrent_network.ts";
import { hiddenStateGradients } from "../../src/scratch/hidden_gradients.ts";
import type { RecurrentNetworkWeights } from "../../src/scratch/_types.ts";

/** x [m, steps, features] standard normal, y alternating 0/1, a network with seeded weights. */
function problem(m: number, steps: number, features: number, nCells: number) {
  const random = new RandomState(11);
  const x = ndarray({
    shape: [m, steps, features],
    dtype: "float32",
    data: Float32Array.from({ length: m * steps * features }, () => random.normal()),
  });
  const y = Float64Array.from({ length: m }, (_, i) => i % 2);
  const net = new RecurrentNetwork({ nCells, tbpttSteps: Infinity, weightDtype: "float64" });
  net.initWeights(features, 1);
  // larger recurrent weights than the orthogonal start, so the gradient changes along the way
  const w = net.getWeights();
  net.setWeights({ ...w, w1h: w.w1h.map((v) => 1.5 * v), b1: w.b1.map((_, c) => 0.1 * c) });
  return { x, y, net };
}

/**
 * Sample i's logistic loss, in plain float64 loops, with `delta` added to its hidden state of
 * step `t` (1-based) after the tanh: the function whose derivative in delta is ∂L_i/∂h_t.
 */
function lossWithDelta(
  w: RecurrentNetworkWeights,
  x: Float32Array,
  dims: { steps: number; features: number; cells: number },
  i: number,
  y: number,
  t: number,
  delta: Float64Array,
): number {
  const { steps, features, cells } = dims;
  let h = new Float64Array(cells);
  for (let s = 1; s <= steps; s++) {
    const next = new Float64Array(cells);
    for (let c = 0; c < cells; c++) {
      let z = w.b1[c];
      for (let f = 0; f < features; f++) {
        z += x[(i * steps + s - 1) * features + f] * w.w1x[f * cells + c];
      }
      for (let j = 0; j < cells; j++) z += h[j] * w.w1h[j * cells + c];
      next[c] = Math.tanh(z) + (s === t ? delta[c] : 0);
    }
    h = next;
  }
  let z2 = w.b2[0];
  for (let c = 0; c < cells; c++) z2 += h[c] * w.w2[c];
  return Math.max(z2, 0) + Math.log1p(Math.exp(-Math.abs(z2))) - y * z2;
}

Deno.test("hiddenStateGradients", async (t) => {
  const [m, steps, features, cells] = [3, 7, 4, 5];
  const { x, y, net } = problem(m, steps, features, cells);
  const before = net.getWeights();
  const { grads, normByDistance } = hiddenStateGradients(net, x, y);

  await t.step("equals central finite differences of each sample's loss", () => {
    const w = net.getWeights();
    const eps = 1e-6;
    let worst = 0;
    for (let i = 0; i < m; i++) {
      for (let s = 1; s <= steps; s++) {
        for (let c = 0; c < cells; c++) {
          const d = new Float64Array(cells);
          d[c] = eps;
          const up = lossWithDelta(
            w,
            x.data as Float32Array,
            { steps, features, cells },
            i,
            y[i],
            s,
            d,
          );
          d[c] = -eps;
          const down = lossWithDelta(
            w,
            x.data as Float32Array,
            { steps, features, cells },
            i,
            y[i],
            s,
            d,
          );
          const numeric = (up - down) / (2 * eps);
          const analytic = grads.data[((s - 1) * m + i) * cells + c];
          worst = Math.max(worst, Math.abs(numeric - analytic));
        }
      }
    }
    assert.ok(worst < 1e-8, `largest difference ${worst}`);
  });

  await t.step("summed over the steps, it gives backprop's full-BPTT gradient of W1x", () => {
    // ∂L/∂W1x = Σ_t X_tᵀ ((∂L/∂h_t) ⊙ (1 − h_t²)) / m, backprop's own formula
    const err = net.sigmoid(net.forpass(x)).map((a, i) => a - y[i]);
    const h = net.h!.data; // [steps + 1, m, cells]
    const expected = net.backprop(x, err).w1x; // [features, cells]
    const sum = new Float64Array(features * cells);
    for (let s = 1; s <= steps; s++) {
      for (let i = 0; i < m; i++) {
        for (let c = 0; c < cells; c++) {
          const hv = h[(s * m + i) * cells + c];
          const dz = grads.data[((s - 1) * m + i) * cells + c] * (1 - hv * hv);
          for (let f = 0; f < features; f++) {
            sum[f * cells + c] += x.data[(i * steps + s - 1) * features + f] * dz / m;
          }
        }
      }
    }
    sum.forEach((v, k) => assert.ok(Math.abs(v - expected[k]) < 1e-12, `w1x[${k}]`));
  });

  await t.step("normByDistance[k]: the mean norm k steps before the last", () => {
    assert.deepEqual(grads.shape, [steps, m, cells]);
    for (const k of [0, 3, steps - 1]) {
      let mean = 0;
      for (let i = 0; i < m; i++) {
        const row = grads.data.subarray(
          ((steps - 1 - k) * m + i) * cells,
          ((steps - 1 - k) * m + i + 1) * cells,
        );
        mean += Math.hypot(...row) / m;
      }
      assert.ok(Math.abs(normByDistance[k] - mean) < 1e-15, `k = ${k}`);
    }
    // the last step's gradient is (a − y) W2ᵀ: its norm is |a − y| ‖W2‖
    const a = net.sigmoid(net.forpass(x));
    const w2 = Math.hypot(...before.w2);
    const expected = a.reduce((s, ai, i) => s + Math.abs(ai - y[i]) * w2, 0) / m;
    assert.ok(Math.abs(normByDistance[0] - expected) < 1e-14);
  });

  await t.step("leaves the network as it was; checks y", () => {
    for (const name of ["w1h", "w1x", "b1", "w2", "b2"] as const) {
      assert.deepEqual(net.getWeights()[name], before[name]);
    }
    const other = new RecurrentNetwork({ nCells: cells });
    other.setWeights(before);
    assert.equal(other.h, null);
    hiddenStateGradients(other, x, y);
    assert.equal(other.h, null, "no forpass on the network itself");
    assert.throws(() => hiddenStateGradients(net, x, [1]), /y has 1 targets, x has 3 samples/);
  });
});
