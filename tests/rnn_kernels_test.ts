import assert from "node:assert/strict";
import {
  activationCode,
  exp,
  inputGrad,
  lastStep,
  lstmForward,
  simpleRnnBackward,
  simpleRnnForward,
  tanh,
} from "../src/rnn_kernels.ts";

const f32 = Math.fround;

Deno.test("rnn kernels", async (t) => {
  await t.step("exp agrees with Math.exp within 1e-11 over [-700, 700]", () => {
    for (let x = -700; x <= 700; x += 0.0137) {
      const rel = Math.abs(exp(x) / Math.exp(x) - 1);
      assert.ok(rel < 1e-11, `exp(${x}): ${exp(x)} vs ${Math.exp(x)}`);
    }
    assert.equal(exp(0), 1);
    assert.equal(exp(-1e6), exp(-700)); // clamped: 0 in float32 either way
  });

  await t.step("tanh agrees with Math.tanh within 1e-9 from 1e-8 to 400, both signs", () => {
    for (let e = -8; e <= 2.6; e += 0.01) {
      for (const x of [10 ** e, -(10 ** e)]) {
        const rel = Math.abs(tanh(x) - Math.tanh(x)) / Math.abs(Math.tanh(x));
        assert.ok(rel < 1e-9, `tanh(${x}): ${tanh(x)} vs ${Math.tanh(x)}`);
      }
    }
    assert.equal(tanh(0), 0);
    assert.equal(tanh(Infinity), 1);
    assert.ok(Number.isNaN(tanh(NaN)));
  });

  await t.step("SimpleRNN forward by hand: h1 = tanh(0.5), h2 = tanh(0.5 + h1)", () => {
    const args = {
      batch: 1,
      steps: 2,
      inputDim: 1,
      units: 1,
      x: [1, 1],
      kernel: [0.5],
      recurrentKernel: [1],
      bias: [0],
    };
    const { h } = simpleRnnForward(args, "tanh");
    const h1 = f32(Math.tanh(0.5));
    assert.deepEqual(Array.from(h), [h1, f32(Math.tanh(0.5 + h1))]);
    assert.deepEqual(Array.from(lastStep(h, args)), [h[1]]);
  });

  await t.step("LSTM forward by hand: one step, gates from x", () => {
    const { h, c } = lstmForward(
      {
        batch: 1,
        steps: 1,
        inputDim: 1,
        units: 1,
        x: [1],
        kernel: [1, 2, 3, 4], // i f c o
        recurrentKernel: [0, 0, 0, 0],
        bias: [0, 0, 0, 0],
      },
      "tanh",
      "sigmoid",
    );
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    const cell = sigmoid(1) * Math.tanh(3); // f * c_prev (0) + i * g
    assert.ok(Math.abs(c[0] - cell) < 1e-7);
    assert.ok(Math.abs(h[0] - sigmoid(4) * Math.tanh(cell)) < 1e-7);
  });

  await t.step("SimpleRNN backward matches central differences (linear activation)", () => {
    // linear activation keeps the loss a polynomial, so differences in float64 are exact enough
    const base = {
      batch: 2,
      steps: 3,
      inputDim: 2,
      units: 2,
      x: [0.5, -1, 0.25, 2, 1, 0, -0.5, 0.5, 1.5, -1, 0, 1],
      kernel: [0.5, -0.25, 0.75, 0.125],
      recurrentKernel: [0.5, 0.25, -0.5, 0.25],
      bias: [0.125, -0.25],
    };
    const dy = [1, -2, 0.5, 3]; // d loss / d last h, [2, 2]
    const loss = (args: typeof base) => {
      const last = lastStep(simpleRnnForward(args, "linear").h, args);
      return last.reduce((s, v, i) => s + v * dy[i], 0);
    };
    const cache = simpleRnnForward(base, "linear");
    const grads = simpleRnnBackward(cache, { dy, returnSequences: false });
    const dx = inputGrad(grads, base);
    const numeric = (key: "x" | "kernel" | "recurrentKernel" | "bias", i: number) => {
      const h = 1e-2;
      const plus = [...base[key]];
      const minus = [...base[key]];
      plus[i] += h;
      minus[i] -= h;
      return (loss({ ...base, [key]: plus }) - loss({ ...base, [key]: minus })) / (2 * h);
    };
    const check = (key: "x" | "kernel" | "recurrentKernel" | "bias", got: ArrayLike<number>) => {
      for (let i = 0; i < got.length; i++) {
        const want = numeric(key, i);
        assert.ok(Math.abs(got[i] - want) < 1e-4, `d/d ${key}[${i}]: ${got[i]} vs ${want}`);
      }
    };
    check("x", dx);
    check("kernel", grads.dKernel);
    check("recurrentKernel", grads.dRecurrentKernel);
    check("bias", grads.dBias);
  });

  await t.step("names the activations it lacks", () => {
    assert.throws(() => activationCode("elu"), /activation "elu" is not supported/);
    assert.equal(activationCode("hardSigmoid") >= 0, true);
  });
});
