import assert from "node:assert/strict";
import {
  activationCode,
  exp,
  fastTanh,
  inputGrad,
  lastStep,
  lstmBackward,
  lstmForward,
  type RnnForwardArgs,
  setWasmKernels,
  simpleRnnBackward,
  simpleRnnForward,
} from "../../src/kernels/rnn.ts";

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
    const h1 = Math.tanh(0.5);
    const h2 = Math.tanh(0.5 + h1);
    // float32 results of a tanh within 3e-7 relative (fastTanh)
    assert.ok(Math.abs(h[0] / h1 - 1) < 4e-7, `${h[0]} vs ${h1}`);
    assert.ok(Math.abs(h[1] / h2 - 1) < 4e-7, `${h[1]} vs ${h2}`);
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

  await t.step("WebAssembly and TypeScript paths agree within 1e-6 (the book's sizes)", () => {
    let seed = 7;
    const random = (n: number) =>
      Float32Array.from({ length: n }, () => {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        return (seed / 2 ** 32 - 0.5) * 0.6;
      });
    const oneHot = new Float32Array(4 * 30 * 100);
    for (let r = 0; r < 4 * 30; r++) oneHot[r * 100 + ((r * 37) % 100)] = 1;
    const cases: Array<[string, RnnForwardArgs, boolean]> = [
      ["one-hot SimpleRNN(32)", {
        batch: 4,
        steps: 30,
        inputDim: 100,
        units: 32,
        x: oneHot,
        kernel: random(100 * 32),
        recurrentKernel: random(32 * 32),
        bias: random(32),
      }, false],
      ["embedded SimpleRNN(8)", {
        batch: 4,
        steps: 30,
        inputDim: 32,
        units: 8,
        x: random(4 * 30 * 32),
        kernel: random(32 * 8),
        recurrentKernel: random(8 * 8),
        bias: random(8),
      }, false],
      ["embedded LSTM(8)", {
        batch: 4,
        steps: 30,
        inputDim: 32,
        units: 8,
        x: random(4 * 30 * 32),
        kernel: random(32 * 32),
        recurrentKernel: random(8 * 32),
        bias: null,
      }, true],
    ];
    const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
      let scale = 0;
      for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
      for (let i = 0; i < b.length; i++) {
        assert.ok(Math.abs(a[i] - b[i]) <= 1e-6 * scale, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
      }
    };
    for (const [name, args, lstm] of cases) {
      for (const returnSequences of [false, true]) {
        const { batch, steps, units } = args;
        const dy = random(returnSequences ? batch * steps * units : batch * units);
        const run = (wasm: boolean) => {
          const previous = setWasmKernels(wasm);
          try {
            const cache = lstm
              ? lstmForward(args, "tanh", "sigmoid")
              : simpleRnnForward(args, "tanh");
            const h = cache.h.slice();
            const back = { dy, returnSequences };
            const grads = lstm
              ? lstmBackward(cache as ReturnType<typeof lstmForward>, back)
              : simpleRnnBackward(cache as ReturnType<typeof simpleRnnForward>, back);
            return { h, ...grads, dZ: grads.dZ.slice(), dx: inputGrad(grads, args) };
          } finally {
            setWasmKernels(previous);
          }
        };
        const js = run(false);
        const wasm = run(true);
        const what = `${name} returnSequences ${returnSequences}`;
        close(wasm.h, js.h, `${what} h`);
        close(wasm.dKernel, js.dKernel, `${what} dKernel`);
        close(wasm.dRecurrentKernel, js.dRecurrentKernel, `${what} dRecurrentKernel`);
        close(wasm.dBias, js.dBias, `${what} dBias`);
        close(wasm.dx, js.dx, `${what} dx`);
      }
    }
  });
});
