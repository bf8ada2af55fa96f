/**
 * The fused GRU (`fused_rnn.ts`): equal to tfjs's own `tf.layers.gru` (resetAfter false) in
 * outputs and gradients, to Keras's `reset_after=True` equations written in tfjs ops
 * (resetAfter true), and trained by `model.fit` on the fast road as tfjs's own layer and road
 * train it. Saving into a stock tfjs: `stock_round_trip_test.ts`.
 */
import assert from "node:assert/strict";
import type { layers as tfLayers, LayersModel, Scalar, Tensor, Variable } from "@tensorflow/tfjs";
import { tf } from "../../src/tfjs/tf.ts";
import { FusedGRU, fusedGRU } from "../../src/tfjs/fused_rnn.ts";
import { layers } from "../../src/tfjs/layers.ts";
import { setRandomSeed } from "../../src/tfjs/random_seed.ts";
import { canTrainFast } from "../../src/tfjs/fast_road.ts";
import { withTfjsOwnTraining } from "../../src/tfjs/_internals.ts";
import { gruForwardReference } from "../../src/kernels/gru.ts";
import { assertClose } from "./_compare.ts";

/** x [batch, steps, inputDim]: normal, or one-hot rows (the kernels' sparse path). */
function input(shape: number[], oneHot: boolean): Tensor {
  const [batch, steps, inputDim] = shape;
  return oneHot
    ? tf.oneHot(tf.randomUniform([batch, steps], 0, inputDim, "int32", 11) as Tensor, inputDim)
      .toFloat()
    : tf.randomNormal([batch, steps, inputDim], 0, 1, "float32", 11);
}

/**
 * The gradients of sum(f(x) * probe) w.r.t. x and each of `variables`, f a layer's output.
 */
function gradients(f: (x: Tensor) => Tensor, x: Tensor, variables: Variable[], probe: Tensor) {
  const loss = (xx: Tensor) => tf.sum(tf.mul(f(xx), probe)) as Scalar;
  const dx = tf.grad(loss)(x);
  const { grads } = tf.variableGrads(() => loss(x), variables);
  return [dx, ...variables.map((v) => grads[v.name])];
}

/**
 * Builds tfjs's GRU and the fused one with `config` on x, gives both the same random weights,
 * and compares outputs and the gradients w.r.t. x and every weight.
 */
function compareWithStock(shape: number[], config: Record<string, unknown>, oneHot = false) {
  const [, , , units] = shape;
  tf.tidy(() => {
    const args = { units, recurrentActivation: "sigmoid", ...config } as const;
    const stock = tf.layers.gru(args);
    const fused = fusedGRU(args);
    const x = input(shape, oneHot);
    stock.apply(x);
    fused.apply(x);
    const weights = stock.getWeights().map((w, i) =>
      tf.randomNormal(w.shape, 0, 0.5, "float32", i + 1) // seed 0 would be unseeded in tfjs
    );
    stock.setWeights(weights);
    fused.setWeights(weights);
    const what = `GRU ${JSON.stringify(config)} [${shape}]${oneHot ? " one-hot" : ""}`;
    const yStock = stock.apply(x) as Tensor;
    assertClose(fused.apply(x) as Tensor, yStock, `${what} output`);
    const probe = tf.randomNormal(yStock.shape, 0, 1, "float32", 5);
    const names = ["x", ...stock.trainableWeights.map((w) => w.originalName)];
    const of = (layer: tfLayers.Layer) =>
      gradients(
        (xx) => layer.apply(xx) as Tensor,
        x,
        layer.trainableWeights.map((w) => w.read() as Variable),
        probe,
      );
    const [gStock, gFused] = [of(stock), of(fused)];
    assert.equal(gFused.length, weights.length + 1);
    gFused.forEach((g, i) => assertClose(g, gStock[i], `${what} d/d ${names[i]}`));
    stock.dispose();
    fused.dispose();
  });
}

Deno.test("fused GRU (resetAfter false) equals tfjs's tf.layers.gru", async (t) => {
  // [batch, steps, inputDim, units]: units 1, 5, 7, 13 (remainder columns), inputDim 3
  const shapes = [[3, 5, 4, 6], [2, 7, 3, 1], [1, 2, 1, 1], [4, 12, 8, 8], [2, 6, 3, 5], [
    3,
    4,
    3,
    7,
  ], [2, 5, 6, 13]];
  for (const shape of shapes) {
    for (const returnSequences of [false, true]) {
      await t.step(
        `[batch, steps, inputDim, units] = [${shape}], returnSequences ${returnSequences}`,
        () => {
          compareWithStock(shape, { returnSequences });
        },
      );
    }
  }
  await t.step("goBackwards, useBias false, tfjs's hardSigmoid, other activations", () => {
    compareWithStock([2, 6, 3, 4], { goBackwards: true });
    compareWithStock([2, 6, 3, 5], { goBackwards: true, returnSequences: true });
    compareWithStock([2, 6, 3, 4], { useBias: false });
    compareWithStock([3, 5, 3, 7], { useBias: false, returnSequences: true });
    compareWithStock([2, 6, 3, 4], { recurrentActivation: "hardSigmoid" });
    compareWithStock([2, 6, 3, 4], { activation: "relu", returnSequences: true });
  });
  await t.step("one-hot input (the kernels' sparse path)", () => {
    compareWithStock([3, 7, 13, 8], { returnSequences: true }, true);
    compareWithStock([1, 5, 10, 5], {}, true);
  });
});

/**
 * Keras's GRU with reset_after=True in tfjs ops, step by step (the layer's equations as Keras
 * writes them): bias [2, 3 units] = input bias, recurrent bias.
 */
function keras2Gru(
  x: Tensor,
  kernel: Tensor,
  recurrentKernel: Tensor,
  bias: Tensor | null,
  returnSequences: boolean,
): Tensor {
  const [batch, steps] = x.shape;
  const units = recurrentKernel.shape[0];
  const [inputBias, recurrentBias] = bias === null
    ? [tf.zeros([3 * units]), tf.zeros([3 * units])]
    : tf.unstack(bias);
  let h: Tensor = tf.zeros([batch, units]);
  const outputs: Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    const xt = tf.squeeze(tf.slice(x, [0, t, 0], [batch, 1, x.shape[2]!]), [1]);
    const [xz, xr, xh] = tf.split(tf.add(tf.matMul(xt, kernel), inputBias), 3, 1);
    const [iz, ir, ih] = tf.split(tf.add(tf.matMul(h, recurrentKernel), recurrentBias), 3, 1);
    const z = tf.sigmoid(tf.add(xz, iz));
    const r = tf.sigmoid(tf.add(xr, ir));
    const hh = tf.tanh(tf.add(xh, tf.mul(r, ih)));
    h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
    outputs.push(h);
  }
  return returnSequences ? tf.stack(outputs, 1) : h;
}

Deno.test("fused GRU with resetAfter true equals Keras's reset_after=True equations", async (t) => {
  const cases: Array<[number[], Record<string, unknown>]> = [
    [[3, 5, 4, 6], {}],
    [[2, 7, 3, 5], { returnSequences: true }],
    [[1, 3, 2, 1], { returnSequences: true }],
    [[2, 6, 3, 7], { useBias: false }],
    [[4, 8, 8, 8], { returnSequences: true, useBias: false }],
  ];
  for (const [shape, config] of cases) {
    await t.step(`[${shape}] ${JSON.stringify(config)}: outputs and gradients`, () => {
      tf.tidy(() => {
        const [, , , units] = shape;
        const layer = fusedGRU({ units, resetAfter: true, ...config });
        const x = input(shape, false);
        layer.apply(x);
        const weights = layer.getWeights().map((w, i) =>
          tf.randomNormal(w.shape, 0, 0.5, "float32", 20 + i)
        );
        layer.setWeights(weights);
        const useBias = config.useBias !== false;
        assert.deepEqual(
          weights.map((w) => w.shape),
          useBias
            ? [[shape[2], 3 * units], [units, 3 * units], [2, 3 * units]]
            : [[shape[2], 3 * units], [units, 3 * units]],
        );
        const returnSequences = config.returnSequences === true;
        const variables = layer.trainableWeights.map((w) => w.read() as Variable);
        const keras = (xx: Tensor) =>
          keras2Gru(xx, variables[0], variables[1], useBias ? variables[2] : null, returnSequences);
        const y = layer.apply(x) as Tensor;
        assertClose(y, keras(x), "output");
        // and the plain-loop kernel
        const reference = gruForwardReference({
          batch: shape[0],
          steps: shape[1],
          inputDim: shape[2],
          units,
          x: x.dataSync(),
          kernel: weights[0].dataSync(),
          recurrentKernel: weights[1].dataSync(),
          bias: useBias ? weights[2].dataSync() : null,
        }, { activation: "tanh", recurrentActivation: "sigmoid", resetAfter: true });
        const h = tf.tensor3d(reference.h, [shape[0], shape[1], units]);
        const last = tf.squeeze(tf.slice(h, [0, shape[1] - 1, 0], [shape[0], 1, units]), [1]);
        assertClose(y, returnSequences ? h : last, "output vs gruForwardReference", 1e-6);
        const probe = tf.randomNormal(y.shape, 0, 1, "float32", 5);
        const fused = gradients((xx) => layer.apply(xx) as Tensor, x, variables, probe);
        const want = gradients(keras, x, variables, probe);
        const names = ["x", "kernel", "recurrent_kernel", "bias"];
        fused.forEach((g, i) => assertClose(g, want[i], `d/d ${names[i]}`));
        layer.dispose();
      });
    });
  }
  await t.step("saved with resetAfter: true, rebuilt with it", () => {
    const layer = fusedGRU({ units: 3, resetAfter: true, inputShape: [4, 2] });
    const model = tf.sequential({ layers: [layer] });
    const config = layer.getConfig();
    assert.equal(config.resetAfter, true);
    assert.equal(layer.getClassName(), "GRU");
    const rebuilt = tf.sequential({ layers: [FusedGRU.fromConfig(FusedGRU, config) as FusedGRU] });
    assert.ok(rebuilt.layers[0] instanceof FusedGRU);
    assert.equal((rebuilt.layers[0] as FusedGRU).resetAfter, true);
    assert.deepEqual(rebuilt.layers[0].getWeights()[2].shape, [2, 9]);
    model.dispose();
    rebuilt.dispose();
  });
});

const VOCABULARY = 30;
const STEPS = 10;

/** Embedding(30, 6) + GRU(5) + Dense(1, sigmoid), fused (layers.gru) or tfjs's tf.layers.gru. */
function gruModel(fused: boolean, resetAfter = false): LayersModel {
  const model = tf.sequential();
  model.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 6 }));
  model.add(
    fused
      ? layers.gru({ units: 5, resetAfter })
      : tf.layers.gru({ units: 5, recurrentActivation: "sigmoid" }),
  );
  model.add(layers.dense({ units: 1, activation: "sigmoid" }));
  model.compile({
    optimizer: tf.train.adam(0.02),
    loss: "binaryCrossentropy",
    metrics: ["accuracy"],
  });
  return model;
}

/** Seeded ids [n, STEPS] int32 and labels [n, 1]: positive when at least two ids are below 5. */
function data(n: number, seed: number): { x: Tensor; y: Tensor } {
  return tf.tidy(() => {
    const x = tf.randomUniform([n, STEPS], 0, VOCABULARY, "int32", seed);
    const y = tf.cast(
      tf.greater(tf.sum(tf.cast(tf.less(x, 5), "float32"), 1, true), 1.5),
      "float32",
    );
    return { x, y };
  });
}

Deno.test("model.fit of a fused GRU on the fast road", async (t) => {
  await t.step("the history and weights of tfjs's own GRU and road, to 1e-5", async () => {
    setRandomSeed(5);
    const fused = gruModel(true);
    const stock = gruModel(false);
    assert.ok(fused.layers[1] instanceof FusedGRU);
    assert.ok(!(stock.layers[1] instanceof FusedGRU));
    assert.deepEqual(canTrainFast(fused), { fast: true });
    assert.equal(canTrainFast(stock).fast, false);
    stock.setWeights(fused.getWeights());
    const train = data(96, 1);
    const val = data(40, 2);
    const fit = async (model: LayersModel) => {
      setRandomSeed(11); // the same shuffles
      return (await model.fit(train.x, train.y, {
        epochs: 3,
        batchSize: 16,
        validationData: [val.x, val.y],
        verbose: 0,
      })).history as Record<string, number[]>;
    };
    const a = await fit(fused);
    const warn = console.warn;
    console.warn = () => {}; // the stock layer's slow-road line
    let b: Record<string, number[]>;
    try {
      b = await withTfjsOwnTraining(() => fit(stock));
    } finally {
      console.warn = warn;
    }
    assert.deepEqual(Object.keys(a).sort(), ["acc", "loss", "val_acc", "val_loss"]);
    for (const key of Object.keys(a)) {
      assert.equal(a[key].length, 3);
      a[key].forEach((v, i) =>
        assert.ok(Math.abs(v - b[key][i]) < 1e-5, `${key}: ${a[key]} vs ${b[key]}`)
      );
    }
    assert.ok(a.loss[2] < a.loss[0], `it learns: loss ${a.loss}`);
    const [wa, wb] = [fused, stock].map((m) => m.getWeights().map((w) => w.dataSync()));
    wa.forEach((w, i) =>
      w.forEach((v, j) => assert.ok(Math.abs(v - wb[i][j]) < 1e-5, `weight ${i}[${j}]`))
    );
    tf.dispose([train.x, train.y, val.x, val.y]);
    setRandomSeed(undefined);
  });

  await t.step("resetAfter true trains on the fast road as through tfjs's small ops", async () => {
    setRandomSeed(6);
    const fast = gruModel(true, true);
    setRandomSeed(6);
    const small = gruModel(true, true);
    assert.deepEqual(canTrainFast(fast), { fast: true });
    const train = data(64, 3);
    const fit = async (model: LayersModel) => {
      setRandomSeed(12);
      return (await model.fit(train.x, train.y, { epochs: 2, batchSize: 16, verbose: 0 }))
        .history as Record<string, number[]>;
    };
    const a = await fit(fast);
    const b = await withTfjsOwnTraining(() => fit(small)); // the fused op inside tfjs's step
    for (const key of ["loss", "acc"]) {
      a[key].forEach((v, i) =>
        assert.ok(Math.abs(v - b[key][i]) < 1e-5, `${key}: ${a[key]} vs ${b[key]}`)
      );
    }
    tf.dispose([train.x, train.y]);
    setRandomSeed(undefined);
  });
});

Deno.test("a model saved with tfjs's own GRU loads as the fused GRU, predicting the same", async () => {
  const model = tf.sequential();
  model.add(tf.layers.embedding({ inputDim: 20, outputDim: 4, inputShape: [null] }));
  model.add(tf.layers.gru({ units: 3, biasInitializer: "randomNormal" })); // tfjs's hardSigmoid
  model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
  assert.ok(!(model.layers[1] instanceof FusedGRU));
  let saved: Parameters<typeof tf.io.fromMemory>[0] | undefined;
  await model.save(tf.io.withSaveHandler((artifacts) => {
    saved = artifacts;
    return Promise.resolve({
      modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" },
    });
  }));
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
  assert.ok(loaded.layers[1] instanceof FusedGRU);
  assert.equal(loaded.layers[1].getConfig().recurrentActivation, "hardSigmoid");
  const x = tf.tensor2d([[1, 2, 3, 4], [0, 0, 19, 7]], [2, 4], "int32");
  assertClose(loaded.predict(x) as Tensor, model.predict(x) as Tensor, "prediction", 1e-6);
  tf.dispose([x]);
  model.dispose();
  loaded.dispose();
});
