import assert from "node:assert/strict";
import {
  activate,
  activationCode,
  ACTIVATIONS,
  exp,
  fastTanh,
  slope,
} from "../../src/kernels/activations.ts";

const f32 = Math.fround;

Deno.test("activations", async (t) => {
  await t.step("exp agrees with Math.exp within 1e-11 over [-700, 700]", () => {
    for (let x = -700; x <= 700; x += 0.0137) {
      const rel = Math.abs(exp(x) / Math.exp(x) - 1);
      assert.ok(rel < 1e-11, `exp(${x}): ${exp(x)} vs ${Math.exp(x)}`);
    }
    assert.equal(exp(0), 1);
    assert.equal(exp(-1e6), exp(-700)); // clamped: 0 in float32 either way
  });

  await t.step("fastTanh agrees with Math.tanh within 3e-7 relative, odd, saturates at ±1", () => {
    for (let x = -12; x <= 12; x += 1e-3) {
      const want = Math.tanh(x);
      const rel = Math.abs(fastTanh(x) - want) / Math.max(Math.abs(want), 1e-300);
      assert.ok(rel < 3e-7, `fastTanh(${x}): ${fastTanh(x)} vs ${want}`);
      assert.equal(fastTanh(-x), -fastTanh(x));
    }
    for (let e = -12; e <= -2; e += 0.5) {
      const x = 10 ** e;
      assert.ok(Math.abs(fastTanh(x) / Math.tanh(x) - 1) < 3e-7, `fastTanh(${x})`);
    }
    assert.equal(fastTanh(0), 0);
    assert.equal(f32(fastTanh(50)), 1);
    assert.equal(f32(fastTanh(-Infinity)), -1);
  });

  await t.step("each activation as tfjs-layers defines it, its slope its derivative", () => {
    const exact: Record<string, (z: number) => number> = {
      linear: (z) => z,
      tanh: Math.tanh,
      sigmoid: (z) => 1 / (1 + Math.exp(-z)),
      hardSigmoid: (z) => Math.min(1, Math.max(0, 0.2 * z + 0.5)),
      relu: (z) => Math.max(0, z),
    };
    for (const name of ACTIVATIONS) {
      const code = activationCode(name);
      for (const z of [-3.7, -1.1, -0.3, 0.2, 0.9, 2.6]) {
        const y = activate(code, z);
        assert.ok(Math.abs(y - exact[name](z)) < 1e-6, `${name}(${z}): ${y}`);
        const h = 1e-6;
        const numeric = (exact[name](z + h) - exact[name](z - h)) / (2 * h);
        assert.ok(Math.abs(slope(code, y) - numeric) < 1e-6, `${name}'(${z})`);
      }
    }
  });

  await t.step("names the activations it lacks", () => {
    assert.throws(() => activationCode("elu"), /activation "elu" is not supported/);
    assert.deepEqual(ACTIVATIONS.map(activationCode), [0, 1, 2, 3, 4]);
  });
});
