import assert from "node:assert/strict";
import { activate, activationCode, ACTIVATIONS, slope } from "../../src/kernels/activations.ts";
import { FLOAT32, sigmoid, tanh } from "../../src/kernels/_wasm_math.ts";

Deno.test("activations", async (t) => {
  await t.step(
    "tanh and sigmoid are the kernels' one tanh and exp in float32 (_wasm_math.ts)",
    () => {
      for (let z = -30; z <= 30; z += 0.0731) {
        const [t, s] = [tanh(z, FLOAT32), sigmoid(z, FLOAT32)];
        assert.ok(Object.is(activate(activationCode("tanh"), z), t), `tanh(${z})`);
        assert.ok(Object.is(activate(activationCode("sigmoid"), z), s), `sigmoid(${z})`);
        assert.ok(Object.is(Math.fround(t), t) && Object.is(Math.fround(s), s), `float32 at ${z}`);
      }
    },
  );

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
