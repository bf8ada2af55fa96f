import assert from "node:assert/strict";
import type { Tensor } from "@tensorflow/tfjs";
import { tf } from "../../src/tfjs/tf.ts";
import { layers } from "../../src/tfjs/layers.ts";
import { setRandomSeed } from "../../src/tfjs/random_seed.ts";
import { loadModel, saveModel } from "../../src/tfjs/model_io.ts";
import { FusedGRU, FusedLSTM, FusedSimpleRNN } from "../../src/tfjs/fused_rnn.ts";
import { canTrainFast } from "../../src/tfjs/fast_road.ts";

const STOCK = new URL("./_stock_tfjs.ts", import.meta.url).pathname;

/** Runs `_stock_tfjs.ts` (a stock tfjs, none of our code) in its own process. */
async function stockTfjs(
  mode: "load" | "save",
  dir: string,
): Promise<{ classes: string[]; predictions: number[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", STOCK, mode, dir],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (out.code !== 0) {
    throw new Error(`_stock_tfjs.ts ${mode} failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(text.trim().split("\n").at(-1)!);
}

async function writeInputs(dir: string, x: Tensor): Promise<void> {
  await Deno.writeTextFile(
    `${dir}/inputs.json`,
    JSON.stringify({ shape: x.shape, dtype: x.dtype, data: Array.from(x.dataSync()) }),
  );
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= tolerance, `[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

Deno.test("models are plain tfjs models: a stock @tensorflow/tfjs loads them", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "stock_round_trip_" });
  try {
    const cases = [
      {
        name: "Embedding + LSTM",
        build: () => [
          layers.embedding({ inputDim: 50, outputDim: 6 }),
          layers.lstm({ units: 4 }),
          layers.dense({ units: 1, activation: "sigmoid" }),
        ],
        x: tf.randomUniform([5, 9], 0, 50, "int32", 3),
        classes: ["Embedding", "LSTM", "Dense"],
        weights: [
          /^embedding(_\d+)?\/embeddings$/,
          /^lstm(_\d+)?\/kernel$/,
          /^lstm(_\d+)?\/recurrent_kernel$/,
          /^lstm(_\d+)?\/bias$/,
          /^dense(_\d+)?\/kernel$/,
          /^dense(_\d+)?\/bias$/,
        ],
      },
      {
        name: "Embedding + GRU (resetAfter false, returnSequences) + GRU",
        build: () => [
          layers.embedding({ inputDim: 50, outputDim: 6 }),
          layers.gru({ units: 5, returnSequences: true }),
          layers.gru({ units: 3, goBackwards: true }),
          layers.dense({ units: 1, activation: "sigmoid" }),
        ],
        x: tf.randomUniform([5, 9], 0, 50, "int32", 6),
        classes: ["Embedding", "GRU", "GRU", "Dense"],
        weights: [
          /^embedding(_\d+)?\/embeddings$/,
          /^gru(_\d+)?\/kernel$/,
          /^gru(_\d+)?\/recurrent_kernel$/,
          /^gru(_\d+)?\/bias$/,
          /^gru(_\d+)?\/kernel$/,
          /^gru(_\d+)?\/recurrent_kernel$/,
          /^gru(_\d+)?\/bias$/,
          /^dense(_\d+)?\/kernel$/,
          /^dense(_\d+)?\/bias$/,
        ],
      },
      {
        name: "one-hot SimpleRNN",
        build: () => [
          layers.simpleRNN({ units: 4, inputShape: [7, 10] }),
          layers.dense({ units: 1, activation: "sigmoid" }),
        ],
        x: tf.oneHot(tf.randomUniform([5, 7], 0, 10, "int32", 4), 10, 1, 0, "float32"),
        classes: ["SimpleRNN", "Dense"],
        weights: [
          /^simple_rnn(_\d+)?\/kernel$/,
          /^simple_rnn(_\d+)?\/recurrent_kernel$/,
          /^simple_rnn(_\d+)?\/bias$/,
          /^dense(_\d+)?\/kernel$/,
          /^dense(_\d+)?\/bias$/,
        ],
      },
      {
        name: "Embedding + stacked LSTM",
        build: () => [
          layers.embedding({ inputDim: 50, outputDim: 6 }),
          layers.lstm({ units: 4, returnSequences: true }),
          layers.lstm({ units: 4, goBackwards: true }),
          layers.dense({ units: 1, activation: "sigmoid" }),
        ],
        x: tf.randomUniform([5, 9], 0, 50, "int32", 6),
        classes: ["Embedding", "LSTM", "LSTM", "Dense"],
        weights: [
          /^embedding(_\d+)?\/embeddings$/,
          ...["kernel", "recurrent_kernel", "bias"].map((w) => new RegExp(`^lstm(_\\d+)?/${w}$`)),
          ...["kernel", "recurrent_kernel", "bias"].map((w) => new RegExp(`^lstm_\\d+/${w}$`)),
          /^dense(_\d+)?\/kernel$/,
          /^dense(_\d+)?\/bias$/,
        ],
      },
      ...([["LSTM", "concat"], ["LSTM", "ave"], ["GRU", "concat"], ["GRU", "mul"]] as const).map((
        [inner, mergeMode],
      ) => ({
        name: `Embedding + Bidirectional(${inner}), ${mergeMode}`,
        build: () => [
          layers.embedding({ inputDim: 50, outputDim: 6 }),
          layers.bidirectional({
            layer:
              (inner === "LSTM" ? layers.lstm({ units: 4 }) : layers.gru({ units: 4 })) as never,
            mergeMode,
          }),
          layers.dense({ units: 1, activation: "sigmoid" }),
        ],
        x: tf.randomUniform([5, 9], 0, 50, "int32", 7),
        classes: ["Embedding", "Bidirectional", "Dense"],
        inner,
        weights: [
          /^embedding(_\d+)?\/embeddings$/,
          ...["forward", "backward"].flatMap((direction) =>
            ["kernel", "recurrent_kernel", "bias"].map((w) =>
              new RegExp(
                `^bidirectional(_\\d+)?/${direction}_${inner.toLowerCase()}(_\\d+)?/${w}$`,
              )
            )
          ),
          /^dense(_\d+)?\/kernel$/,
          /^dense(_\d+)?\/bias$/,
        ],
      })),
      {
        name: "Embedding + GRU with dropout",
        build: () => [
          layers.embedding({ inputDim: 50, outputDim: 6 }),
          layers.gru({ units: 4, dropout: 0.25 }),
          layers.dense({ units: 1, activation: "sigmoid" }),
        ],
        x: tf.randomUniform([5, 9], 0, 50, "int32", 9),
        classes: ["Embedding", "GRU", "Dense"],
        weights: [
          /^embedding(_\d+)?\/embeddings$/,
          /^gru(_\d+)?\/kernel$/,
          /^gru(_\d+)?\/recurrent_kernel$/,
          /^gru(_\d+)?\/bias$/,
          /^dense(_\d+)?\/kernel$/,
          /^dense(_\d+)?\/bias$/,
        ],
      },
      {
        name: "Embedding + Dropout + LSTM with dropout and recurrentDropout",
        build: () => [
          layers.embedding({ inputDim: 50, outputDim: 6 }),
          layers.dropout({ rate: 0.2 }),
          layers.lstm({ units: 4, dropout: 0.2, recurrentDropout: 0.3 }),
          layers.dense({ units: 1, activation: "sigmoid" }),
        ],
        x: tf.randomUniform([5, 9], 0, 50, "int32", 8),
        classes: ["Embedding", "Dropout", "LSTM", "Dense"],
        weights: [
          /^embedding(_\d+)?\/embeddings$/,
          /^lstm(_\d+)?\/kernel$/,
          /^lstm(_\d+)?\/recurrent_kernel$/,
          /^lstm(_\d+)?\/bias$/,
          /^dense(_\d+)?\/kernel$/,
          /^dense(_\d+)?\/bias$/,
        ],
      },
    ];
    for (const c of cases) {
      await t.step(`${c.name}: saved here, predicts the same in stock tfjs`, async () => {
        setRandomSeed(21);
        const model = tf.sequential({ layers: c.build() });
        model.compile({ optimizer: "adam", loss: "binaryCrossentropy", metrics: ["accuracy"] });
        // a few steps, so that the weights are trained ones
        const y = tf.tensor2d([[1], [0], [1], [1], [0]]);
        await model.fit(c.x, y, { epochs: 3, batchSize: 2, verbose: 0 });
        const path = `${dir}/${c.classes.join("_")}`;
        await saveModel(model, path);
        await writeInputs(path, c.x);
        const json = JSON.parse(await Deno.readTextFile(`${path}/model.json`));
        const names: string[] = json.weightsManifest[0].weights.map((w: { name: string }) =>
          w.name
        );
        names.forEach((name, i) => assert.match(name, c.weights[i])); // Keras's order and names
        assert.equal(names.length, c.weights.length);
        const stock = await stockTfjs("load", path);
        assert.deepEqual(stock.classes, c.classes);
        const ours = (model.predict(c.x) as Tensor).dataSync();
        assertClose(stock.predictions, ours, 1e-6); // stock ops vs the fused kernels
        // the saved layers are tfjs's own classes, a Bidirectional's inner layer too
        const topology = json.modelTopology.config.layers as Array<
          { class_name: string; config: { layer?: { class_name?: string; className?: string } } }
        >;
        const inner = topology.flatMap((layer) => layer.config.layer ?? []);
        assert.equal(inner.length, c.classes.includes("Bidirectional") ? 1 : 0);
        const innerClass = "inner" in c ? c.inner : undefined; // LSTM or GRU
        for (const layer of inner) assert.equal(layer.class_name ?? layer.className, innerClass);
        // and load back here onto the fused layers, on the fast road
        const loaded = await loadModel(path);
        assertClose((loaded.predict(c.x) as Tensor).dataSync(), ours, 1e-6);
        loaded.compile({ optimizer: "adam", loss: "binaryCrossentropy", metrics: ["accuracy"] });
        assert.deepEqual(canTrainFast(loaded), { fast: true });
        setRandomSeed(undefined);
      });
    }

    await t.step("a GRU with resetAfter true: loads here, stock tfjs refuses it", async () => {
      setRandomSeed(22);
      const model = tf.sequential({
        layers: [
          layers.embedding({ inputDim: 50, outputDim: 6 }),
          layers.gru({ units: 4, resetAfter: true }),
          layers.dense({ units: 1, activation: "sigmoid" }),
        ],
      });
      setRandomSeed(undefined);
      const x = tf.randomUniform([3, 7], 0, 50, "int32", 7);
      const path = `${dir}/reset_after`;
      await saveModel(model, path);
      await writeInputs(path, x);
      const loaded = await loadModel(path);
      assert.ok(loaded.layers[1] instanceof FusedGRU);
      assert.equal(loaded.layers[1].getConfig().resetAfter, true);
      assertClose(
        (loaded.predict(x) as Tensor).dataSync(),
        (model.predict(x) as Tensor).dataSync(),
        0,
      );
      await assert.rejects(
        stockTfjs("load", path),
        /GRUCell does not support reset_after parameter set to true/,
      );
    });

    await t.step("saved by stock tfjs, loads here into the fused layers", async () => {
      const path = `${dir}/stock_saved`;
      await Deno.mkdir(path);
      const x = tf.randomUniform([4, 8], 0, 50, "int32", 5);
      await writeInputs(path, x);
      const stock = await stockTfjs("save", path);
      assert.deepEqual(stock.classes, ["Embedding", "LSTM", "Dense"]);
      const loaded = await loadModel(path);
      assert.ok(loaded.layers[1] instanceof FusedLSTM);
      assert.equal(loaded.layers[1].getConfig().recurrentActivation, "hardSigmoid"); // tfjs's
      assertClose((loaded.predict(x) as Tensor).dataSync(), stock.predictions, 1e-6);
    });

    await t.step("a stock configuration outside the fused set loads as the stock class", () => {
      const config = tf.layers.simpleRNN({ units: 3, activation: "elu", inputShape: [4, 2] });
      const json = tf.sequential({ layers: [config] }).toJSON(undefined, false);
      const rebuilt = tf.models.modelFromJSON(json as never);
      return rebuilt.then((model) => {
        assert.equal(model.layers[0].getClassName(), "SimpleRNN");
        assert.ok(!(model.layers[0] instanceof FusedSimpleRNN)); // elu: the stock layer
      });
    });

    await t.step("a GRU with dropout or recurrentDropout loads fused; with elu, tfjs's own", () => {
      const build = (
        options: { dropout?: number; recurrentDropout?: number; activation?: "elu" },
      ) => tf.sequential({ layers: [tf.layers.gru({ units: 3, inputShape: [4, 2], ...options })] });
      const load = (model: ReturnType<typeof build>) =>
        tf.models.modelFromJSON(model.toJSON(undefined, false) as never);
      return Promise.all([
        load(build({ recurrentDropout: 0.2 })),
        load(build({ dropout: 0.2 })),
        load(build({ activation: "elu" })),
      ]).then(([recurrent, input, elu]) => {
        assert.ok(recurrent.layers[0] instanceof FusedGRU);
        assert.ok(input.layers[0] instanceof FusedGRU);
        assert.equal(elu.layers[0].getClassName(), "GRU");
        assert.ok(!(elu.layers[0] instanceof FusedGRU)); // an activation the kernels lack
      });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
