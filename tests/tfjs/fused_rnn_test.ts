import assert from "node:assert/strict";
import { tf } from "../../src/tfjs/tf.ts";
import type { io, layers, LayersModel, Scalar, Tensor, Variable } from "@tensorflow/tfjs";
import { FusedLSTM, fusedLSTM, FusedSimpleRNN, fusedSimpleRNN } from "../../src/tfjs/fused_rnn.ts";
import { assertClose } from "./_compare.ts";

type Kind = "simpleRNN" | "lstm";

/** Shapes checked: [batch, steps, inputDim, units], units 1 and steps 2 included. */
const SHAPES: Array<[number, number, number, number]> = [
  [3, 5, 4, 6],
  [2, 7, 3, 1],
  [1, 2, 1, 1],
  [4, 12, 8, 8],
];

/** The stock layer and the fused one with the same config (stock given Keras's LSTM defaults). */
function layerPair(kind: Kind, config: Record<string, unknown>): [layers.Layer, layers.Layer] {
  const args = { units: 1, ...config };
  if (kind === "simpleRNN") return [tf.layers.simpleRNN(args), fusedSimpleRNN(args)];
  const lstmArgs = { recurrentActivation: "sigmoid", unitForgetBias: true, ...args } as const;
  return [tf.layers.lstm(lstmArgs), fusedLSTM(lstmArgs)];
}

/**
 * Builds both layers on x, copies the stock weights (random, bias included) into the fused one,
 * and compares outputs and the gradients of a random projection of the outputs w.r.t. x and
 * every weight.
 */
function compareWithStock(
  kind: Kind,
  shape: number[],
  config: Record<string, unknown>,
  input: "normal" | "oneHot" = "normal",
): void {
  const [batch, steps, inputDim, units] = shape;
  tf.tidy(() => {
    const [stock, fused] = layerPair(kind, { units, ...config });
    const x = input === "normal"
      ? tf.randomNormal([batch, steps, inputDim], 0, 1, "float32", 11)
      : tf.oneHot(
        tf.randomUniform([batch, steps], 0, inputDim, "int32", 11) as Tensor,
        inputDim,
      ).toFloat();
    stock.apply(x);
    fused.apply(x);
    const weights = stock.getWeights().map((w, i) =>
      tf.randomNormal(w.shape, 0, 0.5, "float32", i + 1) // seed 0 would be unseeded in tfjs
    );
    stock.setWeights(weights);
    fused.setWeights(weights);
    const yStock = stock.apply(x) as Tensor;
    const yFused = fused.apply(x) as Tensor;
    assertClose(yFused, yStock, `${kind} ${shape} output`);
    const probe = tf.randomNormal(yStock.shape, 0, 1, "float32", 5);
    for (const [layer, name] of [[stock, "stock"], [fused, "fused"]] as const) {
      assert.equal(layer.trainableWeights.length, weights.length, `${name} weight count`);
    }
    const gradsOf = (layer: layers.Layer) => {
      const loss = (xx: Tensor) => tf.sum(tf.mul(layer.apply(xx) as Tensor, probe)) as Scalar;
      const dx = tf.grad(loss)(x);
      const vars = layer.trainableWeights.map((w) => w.read() as Variable);
      const { grads } = tf.variableGrads(() => loss(x), vars);
      return [dx, ...vars.map((v) => grads[v.name])];
    };
    const gStock = gradsOf(stock);
    const gFused = gradsOf(fused);
    const names = ["x", ...stock.trainableWeights.map((w) => w.originalName)];
    gFused.forEach((g, i) => assertClose(g, gStock[i], `${kind} ${shape} d/d ${names[i]}`));
    stock.dispose();
    fused.dispose();
  });
}

Deno.test("fused SimpleRNN and LSTM equal the stock layers", async (t) => {
  for (const kind of ["simpleRNN", "lstm"] as const) {
    for (const shape of SHAPES) {
      for (const returnSequences of [false, true]) {
        await t.step(
          `${kind} [batch, steps, inputDim, units] = [${shape}] ` +
            `returnSequences ${returnSequences}`,
          () => {
            compareWithStock(kind, shape, { returnSequences });
          },
        );
      }
    }
  }

  await t.step("options: goBackwards, useBias false, other activations", () => {
    compareWithStock("simpleRNN", [2, 6, 3, 4], { goBackwards: true });
    compareWithStock("simpleRNN", [2, 6, 3, 4], { useBias: false, activation: "relu" });
    compareWithStock("simpleRNN", [2, 6, 3, 4], { activation: "sigmoid", returnSequences: true });
    compareWithStock("lstm", [2, 6, 3, 4], { goBackwards: true, returnSequences: true });
    compareWithStock("lstm", [2, 6, 3, 4], { useBias: false });
    // tfjs's own LSTM default, hard sigmoid gates, and a linear cell activation
    compareWithStock("lstm", [2, 6, 3, 4], { recurrentActivation: "hardSigmoid" });
    compareWithStock("lstm", [2, 6, 3, 4], { activation: "linear" });
  });

  await t.step("one-hot input (the kernels' sparse path), sizes not multiples of 4", () => {
    for (const kind of ["simpleRNN", "lstm"] as const) {
      for (const returnSequences of [false, true]) {
        compareWithStock(kind, [3, 7, 13, 8], { returnSequences }, "oneHot");
        compareWithStock(kind, [1, 5, 10, 5], { returnSequences }, "oneHot");
      }
      compareWithStock(kind, [2, 6, 5, 12], { returnSequences: true });
      compareWithStock(kind, [1, 9, 7, 3], {});
    }
  });

  await t.step("a single step (forward only: the stock layer's gradient fails on 1 step)", () => {
    tf.tidy(() => {
      const x = tf.randomNormal([3, 1, 2], 0, 1, "float32", 3);
      for (const kind of ["simpleRNN", "lstm"] as const) {
        const [stock, fused] = layerPair(kind, { units: 3, biasInitializer: "randomNormal" });
        stock.apply(x);
        fused.apply(x);
        fused.setWeights(stock.getWeights());
        assertClose(fused.apply(x) as Tensor, stock.apply(x) as Tensor, `${kind} 1 step`);
      }
    });
  });
});

/** The book's three models, built with fused layers. */
function bookModels(): Record<string, LayersModel> {
  const onehot = tf.sequential();
  onehot.add(fusedSimpleRNN({ units: 32, inputShape: [100, 100] }));
  onehot.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
  const embeddingRnn = tf.sequential();
  embeddingRnn.add(tf.layers.embedding({ inputDim: 1000, outputDim: 32, inputLength: 100 }));
  embeddingRnn.add(fusedSimpleRNN({ units: 8 }));
  embeddingRnn.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
  const embeddingLstm = tf.sequential();
  embeddingLstm.add(tf.layers.embedding({ inputDim: 1000, outputDim: 32, inputLength: 100 }));
  embeddingLstm.add(fusedLSTM({ units: 8 }));
  embeddingLstm.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
  return { onehot, embeddingRnn, embeddingLstm };
}

Deno.test("fused layers in tf.sequential()", async (t) => {
  await t.step("the book's parameter counts: 4,289, 32,337, 33,321", () => {
    const models = bookModels();
    assert.equal(models.onehot.countParams(), 4289);
    assert.equal(models.embeddingRnn.countParams(), 32337);
    assert.equal(models.embeddingLstm.countParams(), 33321);
    Object.values(models).forEach((m) => m.dispose());
  });

  await t.step("TF2 Keras defaults and stock weight names, order and shapes", () => {
    const lstm = fusedLSTM({ units: 2, inputShape: [5, 3] });
    const model = tf.sequential({ layers: [lstm] });
    const config = lstm.getConfig();
    assert.equal(config.recurrentActivation, "sigmoid");
    assert.equal(config.activation, "tanh");
    assert.equal(config.unitForgetBias, true);
    // glorotUniform serialises as the variance scaling it is
    const glorotUniform = { scale: 1, mode: "fanAvg", distribution: "uniform", seed: null };
    const initConfig = (c: unknown) => (c as { config: Record<string, unknown> }).config;
    assert.deepEqual(initConfig(config.kernelInitializer), glorotUniform);
    assert.equal((config.recurrentInitializer as { className: string }).className, "Orthogonal");
    assert.deepEqual(
      lstm.weights.map((w) => [w.originalName.split("/").pop(), w.shape]),
      [["kernel", [3, 8]], ["recurrent_kernel", [2, 8]], ["bias", [8]]],
    );
    // unitForgetBias: gate blocks i, f, c, o -> bias [0 0 | 1 1 | 0 0 | 0 0]
    assert.deepEqual(Array.from(lstm.getWeights()[2].dataSync()), [0, 0, 1, 1, 0, 0, 0, 0]);
    const rnn = fusedSimpleRNN({ units: 4, inputShape: [5, 3] });
    const rnnConfig = rnn.getConfig();
    assert.equal(rnnConfig.activation, "tanh");
    assert.deepEqual(initConfig(rnnConfig.kernelInitializer), glorotUniform);
    // saved under tfjs's own class names: a stock tfjs loads them
    assert.equal(rnn.getClassName(), "SimpleRNN");
    assert.equal(lstm.getClassName(), "LSTM");
    model.dispose();
  });

  await t.step("clear errors for options the kernels do not implement", () => {
    assert.throws(
      () => fusedSimpleRNN({ units: 2, stateful: true }),
      /option stateful=true is not supported/,
    );
    assert.throws(() => fusedLSTM({ units: 2, returnState: true }), /returnState/);
    assert.throws(() => fusedSimpleRNN({ units: 2, activation: "elu" }), /activation="elu"/);
    const masked = tf.sequential();
    masked.add(tf.layers.embedding({ inputDim: 10, outputDim: 3, maskZero: true, inputLength: 4 }));
    masked.add(fusedLSTM({ units: 2 }));
    assert.throws(() => masked.predict(tf.zeros([1, 4])), /mask is not supported/);
    masked.dispose();
  });

  await t.step(
    "trains like the stock layers: same losses and predictions over 4 steps",
    async () => {
      // stacked SimpleRNN (every step) + LSTM, predictions between the steps: the scratch arrays
      // of a forward pass with no backward pass must not disturb the next training step
      const rand = (shape: number[], seed: number) => tf.randomUniform(shape, 0, 50, "int32", seed);
      const x = rand([8, 12], 1).toFloat();
      const y = tf.randomUniform([8, 1], 0, 2, "int32", 2).toFloat();
      const histories: number[][] = [];
      for (const fused of [false, true]) {
        const model = tf.sequential();
        model.add(tf.layers.embedding({
          inputDim: 50,
          outputDim: 4,
          inputLength: 12,
          embeddingsInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 1 }),
        }));
        const init = (seed: number) => ({
          kernelInitializer: tf.initializers.glorotUniform({ seed }),
          recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
        });
        const rnnConfig = { units: 5, returnSequences: true, ...init(2) };
        model.add(fused ? fusedSimpleRNN(rnnConfig) : tf.layers.simpleRNN(rnnConfig));
        const lstmConfig = {
          units: 3,
          recurrentActivation: "sigmoid",
          unitForgetBias: true,
        } as const;
        model.add(
          fused ? fusedLSTM({ ...lstmConfig, ...init(4) }) : tf.layers.lstm({
            ...lstmConfig,
            ...init(4),
          }),
        );
        model.add(tf.layers.dense({
          units: 1,
          activation: "sigmoid",
          kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }),
        }));
        model.compile({ optimizer: tf.train.adam(0.05), loss: "binaryCrossentropy" });
        const history: number[] = [];
        for (let i = 0; i < 4; i++) {
          history.push(await model.trainOnBatch(x, y) as number);
          const p = model.predict(x.slice([0, 0], [3, 12])) as Tensor;
          history.push(...p.dataSync());
          p.dispose();
        }
        histories.push(history);
        model.dispose();
      }
      histories[1].forEach((v, i) =>
        assert.ok(Math.abs(v - histories[0][i]) < 1e-5, `${i}: ${v} vs ${histories[0][i]}`)
      );
      tf.dispose([x, y]);
    },
  );
});

/** Writes artifacts as model.json + weights.bin in dir (the layout tf.io's file:// uses). */
async function saveToDirectory(model: LayersModel, dir: string): Promise<void> {
  await model.save(tf.io.withSaveHandler(async (artifacts: io.ModelArtifacts) => {
    const weightData = artifacts.weightData as ArrayBuffer;
    await Deno.writeFile(`${dir}/weights.bin`, new Uint8Array(weightData));
    await Deno.writeTextFile(
      `${dir}/model.json`,
      JSON.stringify({
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ["./weights.bin"], weights: artifacts.weightSpecs }],
      }),
    );
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
  }));
}

/** Reads what {@link saveToDirectory} wrote. */
async function loadFromDirectory(dir: string): Promise<LayersModel> {
  const json = JSON.parse(await Deno.readTextFile(`${dir}/model.json`));
  const weights = await Deno.readFile(`${dir}/weights.bin`);
  return await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }));
}

Deno.test("a model with fused layers saves and loads (model.json + weights.bin)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fused_rnn_test_" });
  try {
    const model = tf.sequential();
    model.add(tf.layers.embedding({ inputDim: 30, outputDim: 4, inputLength: 6 }));
    model.add(fusedSimpleRNN({ units: 5, returnSequences: true }));
    model.add(fusedLSTM({ units: 3, biasInitializer: "randomNormal" }));
    model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
    await saveToDirectory(model, dir);
    const loaded = await loadFromDirectory(dir);
    assert.ok(loaded.layers[1] instanceof FusedSimpleRNN);
    assert.ok(loaded.layers[2] instanceof FusedLSTM);
    assert.deepEqual(loaded.layers[2].getConfig().units, 3);
    const x = tf.tensor2d([[1, 2, 3, 4, 5, 6], [0, 0, 7, 29, 1, 1]]);
    const before = (model.predict(x) as Tensor).dataSync();
    const after = (loaded.predict(x) as Tensor).dataSync();
    assert.deepEqual(Array.from(after), Array.from(before));
    model.getWeights().forEach((w, i) =>
      assert.deepEqual(Array.from(loaded.getWeights()[i].dataSync()), Array.from(w.dataSync()))
    );
    model.dispose();
    loaded.dispose();
    x.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
