import assert from "node:assert/strict";
import type { Tensor } from "@tensorflow/tfjs";
import { tf } from "../../src/tfjs/tf.ts";
import { layers } from "../../src/tfjs/layers.ts";
import { setRandomSeed } from "../../src/tfjs/random_seed.ts";
import { buildModel } from "../../src/tfjs/models.ts";
import { modelSummaryText } from "../../src/notebook/display.ts";
import { FusedGRU, FusedLSTM, FusedSimpleRNN } from "../../src/tfjs/fused_rnn.ts";

const same = (a: Tensor[], b: Tensor[]) =>
  a.length === b.length &&
  a.every((w, i) => w.dataSync().every((v, k) => v === b[i].dataSync()[k]));

Deno.test("layers: the book's layers with Keras 2's defaults and names", async (t) => {
  await t.step("the book's three models: buildModel's weights from the same seed", () => {
    const book = {
      simple_rnn_onehot: () => [
        layers.simpleRNN({ units: 32, inputShape: [100, 100] }),
        layers.dense({ units: 1, activation: "sigmoid" }),
      ],
      embedding_simple_rnn: () => [
        layers.embedding({ inputDim: 1000, outputDim: 32 }),
        layers.simpleRNN({ units: 8 }),
        layers.dense({ units: 1, activation: "sigmoid" }),
      ],
      embedding_lstm: () => [
        layers.embedding({ inputDim: 1000, outputDim: 32 }),
        layers.lstm({ units: 8 }),
        layers.dense({ units: 1, activation: "sigmoid" }),
      ],
    };
    for (const [kind, build] of Object.entries(book)) {
      setRandomSeed(42);
      const model = tf.sequential({ layers: build() });
      const reference = buildModel(kind as keyof typeof book, { seed: 42 });
      assert.equal(model.countParams(), reference.countParams(), kind);
      assert.ok(same(model.getWeights(), reference.getWeights()), `${kind}: initial weights`);
    }
    setRandomSeed(undefined);
  });

  await t.step("model.summary() reads like Keras's: lstm (LSTM), no internal names", () => {
    const model = tf.sequential();
    model.add(layers.embedding({ inputDim: 1000, outputDim: 32 }));
    model.add(layers.lstm({ units: 8 }));
    model.add(layers.dense({ units: 1, activation: "sigmoid" }));
    const summary = modelSummaryText(model);
    assert.match(
      summary,
      /^embedding(_\d+)? \(Embedding\) +\[\[null,null\]\] +\[null,null,32\] +32000/m,
    );
    assert.match(summary, /^lstm(_\d+)? \(LSTM\) +\[\[null,null,32\]\] +\[null,8\] +1312/m);
    assert.match(summary, /^dense(_\d+)? \(Dense\) +\[\[null,8\]\] +\[null,1\] +9/m);
    assert.doesNotMatch(summary, /Fused|_LSTM\d|_Dense\d/);
    assert.match(summary, /Total params: 33321/);
  });

  await t.step("Keras's names count per kind: lstm, lstm_1, ...", () => {
    const [a, b] = [layers.gru({ units: 2 }), layers.gru({ units: 2 })];
    const n = (name: string) => name === "gru" ? 0 : Number(name.replace(/^gru_/, ""));
    assert.match(a.name, /^gru(_\d+)?$/);
    assert.equal(n(b.name), n(a.name) + 1);
    assert.equal(layers.dense({ units: 1, name: "out" }).name, "out"); // a given name wins
  });

  await t.step("Keras 2's defaults where tfjs's differ", () => {
    const lstm = layers.lstm({ units: 2 }).getConfig();
    assert.equal(lstm.recurrentActivation, "sigmoid"); // tfjs: hardSigmoid
    assert.equal(lstm.unitForgetBias, true);
    const kernel = (config: Record<string, unknown>) =>
      (config.kernelInitializer as { config: { distribution: string; mode: string } }).config;
    assert.deepEqual(
      [kernel(lstm).distribution, kernel(lstm).mode],
      ["uniform", "fanAvg"], // glorotUniform (tfjs: glorotNormal)
    );
    assert.equal(kernel(layers.dense({ units: 1 }).getConfig()).distribution, "uniform");
    assert.equal(kernel(layers.simpleRNN({ units: 1 }).getConfig()).distribution, "uniform");
    const gru = layers.gru({ units: 2 }).getConfig();
    assert.equal(gru.recurrentActivation, "sigmoid");
    assert.equal(kernel(gru).distribution, "uniform");
  });

  await t.step("fused where the kernels allow, tfjs's own class otherwise", () => {
    assert.ok(layers.simpleRNN({ units: 4 }) instanceof FusedSimpleRNN);
    assert.ok(
      layers.lstm({ units: 4, returnSequences: true, goBackwards: true }) instanceof FusedLSTM,
    );
    assert.ok(layers.lstm({ units: 4, dropout: 0.2 }) instanceof FusedLSTM);
    assert.ok(layers.simpleRNN({ units: 4, recurrentDropout: 0.1 }) instanceof FusedSimpleRNN);
    assert.ok(!(layers.simpleRNN({ units: 4, activation: "elu" }) instanceof FusedSimpleRNN));
    assert.equal(layers.lstm({ units: 4, activation: "elu" }).getClassName(), "LSTM");
    const gru = layers.gru({ units: 4 });
    assert.ok(gru instanceof FusedGRU);
    assert.equal(gru.getConfig().resetAfter, false); // tfjs's form: loads in a stock tfjs
    assert.equal((layers.gru({ units: 4, resetAfter: true }) as FusedGRU).resetAfter, true);
    // dropout and recurrentDropout: the fused GRU (its masks), in either form
    assert.ok(layers.gru({ units: 4, dropout: 0.2 }) instanceof FusedGRU);
    assert.ok(layers.gru({ units: 4, dropout: 0.2, resetAfter: true }) instanceof FusedGRU);
    assert.ok(layers.gru({ units: 4, recurrentDropout: 0.2 }) instanceof FusedGRU);
    assert.ok(
      layers.gru({ units: 4, recurrentDropout: 0.2, resetAfter: true }) instanceof FusedGRU,
    );
    // an activation the kernels lack: tfjs's own GRU, which has no resetAfter: true
    const stockGru = layers.gru({ units: 4, activation: "elu" });
    assert.ok(!(stockGru instanceof FusedGRU));
    assert.equal(stockGru.getClassName(), "GRU");
    assert.throws(
      () => layers.gru({ units: 4, activation: "elu", resetAfter: true }),
      /layers\.gru: resetAfter: true runs only in the fused GRU, and option activation="elu" is not/,
    );
  });

  await t.step("bidirectional: the backward copy starts from weights of its own", () => {
    setRandomSeed(3);
    const model = tf.sequential();
    model.add(layers.embedding({ inputDim: 20, outputDim: 4 }));
    model.add(layers.bidirectional({ layer: layers.lstm({ units: 4 }) as never }));
    model.add(layers.dense({ units: 1, activation: "sigmoid" }));
    const weights = model.layers[1].getWeights(); // forward kernel, recurrent, bias; backward ...
    assert.equal(weights.length, 6);
    assert.ok(!same([weights[0]], [weights[3]]), "forward and backward kernels differ");
    setRandomSeed(3);
    const again = tf.sequential();
    again.add(layers.embedding({ inputDim: 20, outputDim: 4 }));
    again.add(layers.bidirectional({ layer: layers.lstm({ units: 4 }) as never }));
    again.add(layers.dense({ units: 1, activation: "sigmoid" }));
    assert.ok(same(again.getWeights(), model.getWeights()), "the same seed, the same weights");
    setRandomSeed(undefined);
  });

  await t.step("dropout: seeded masks, a new one every training call", () => {
    const x = tf.ones([4, 50]);
    const masks = (seed: number) => {
      setRandomSeed(seed);
      const dropout = layers.dropout({ rate: 0.5 });
      return [0, 1].map(() =>
        Array.from((dropout.apply(x, { training: true }) as Tensor).dataSync())
      );
    };
    const [first, second] = masks(9);
    assert.notDeepEqual(first, second); // one seed per call, not one per layer
    assert.deepEqual(masks(9), [first, second]); // reproducible
    assert.ok(first.some((v) => v === 0) && first.some((v) => v === 2)); // rate 0.5: 0 or 1/0.5
    const dropout = layers.dropout({ rate: 0.5 });
    assert.deepEqual(Array.from((dropout.apply(x) as Tensor).dataSync()), Array(200).fill(1));
    assert.equal(dropout.getClassName(), "Dropout");
    setRandomSeed(undefined);
  });
});

Deno.test("layers: a recurrent layer's dropout masks are seeded too", async () => {
  const x = tf.tensor2d(
    Int32Array.from({ length: 24 * 5 }, (_, i) => (i * 7) % 20),
    [24, 5],
    "int32",
  );
  const y = tf.tensor2d(Float32Array.from({ length: 24 }, (_, i) => i % 2), [24, 1]);
  const run = async (seed: number) => {
    setRandomSeed(seed);
    const model = tf.sequential();
    model.add(layers.embedding({ inputDim: 20, outputDim: 4 }));
    model.add(layers.lstm({ units: 4, dropout: 0.3, recurrentDropout: 0.3 }));
    model.add(layers.dense({ units: 1, activation: "sigmoid" }));
    model.compile({ optimizer: "adam", loss: "binaryCrossentropy" });
    const warn = console.warn;
    console.warn = () => {}; // a slow road's line, if any
    try {
      const history = await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
      // the seeded dropout function is not part of the saved configuration
      assert.ok(!JSON.stringify(model.toJSON(undefined, false)).includes("dropoutFunc"));
      return history.history.loss;
    } finally {
      console.warn = warn;
    }
  };
  const first = await run(4);
  assert.deepEqual(await run(4), first);
  assert.notDeepEqual(await run(5), first);
  tf.dispose([x, y]);
  setRandomSeed(undefined);
});
