/**
 * A stock TensorFlow.js and nothing of this project: the other side of
 * `stock_round_trip_test.ts`, run in its own process so that no class of ours is registered.
 *
 *     deno run --allow-read --allow-write tests/tfjs/_stock_tfjs.ts load DIR
 *     deno run --allow-read --allow-write tests/tfjs/_stock_tfjs.ts save DIR
 *
 * `load`: loads DIR/model.json + DIR/weights.bin with `tf.loadLayersModel`, predicts on
 * DIR/inputs.json ({ shape, dtype, data }) and prints `{ classes, predictions }` as JSON.
 * `save`: builds an Embedding(50, 6) + LSTM(4) + Dense(1, sigmoid) model with tfjs's own layers
 * (seeded), saves it to DIR in the same layout and prints its predictions on DIR/inputs.json.
 * @module
 */
import * as tf from "@tensorflow/tfjs"; // npm:@tensorflow/tfjs@4.22.0 (deno.json)

const [mode, dir] = Deno.args;
await tf.setBackend("cpu");

const inputs = JSON.parse(await Deno.readTextFile(`${dir}/inputs.json`));
const x = tf.tensor(inputs.data, inputs.shape, inputs.dtype);

if (mode === "load") {
  const json = JSON.parse(await Deno.readTextFile(`${dir}/model.json`));
  const weights = await Deno.readFile(`${dir}/weights.bin`);
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: weights.buffer,
  }));
  const predictions = Array.from((model.predict(x) as tf.Tensor).dataSync());
  const classes = model.layers.map((layer) => layer.getClassName());
  console.log(JSON.stringify({ classes, predictions }));
} else if (mode === "save") {
  const model = tf.sequential();
  model.add(tf.layers.embedding({
    inputDim: 50,
    outputDim: 6,
    inputShape: [null],
    embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 1 }),
  }));
  model.add(tf.layers.lstm({
    units: 4,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
    recurrentInitializer: tf.initializers.orthogonal({ seed: 3 }),
  }));
  model.add(tf.layers.dense({
    units: 1,
    activation: "sigmoid",
    kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }),
  }));
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const data = tf.io.CompositeArrayBuffer.join(artifacts.weightData!);
    await Deno.writeFile(`${dir}/weights.bin`, new Uint8Array(data));
    await Deno.writeTextFile(
      `${dir}/model.json`,
      JSON.stringify({
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
      }),
    );
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }));
  const predictions = Array.from((model.predict(x) as tf.Tensor).dataSync());
  console.log(JSON.stringify({ classes: model.layers.map((l) => l.getClassName()), predictions }));
} else {
  throw new Error(`usage: _stock_tfjs.ts load|save DIR (got ${mode})`);
}
