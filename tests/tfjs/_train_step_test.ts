import assert from "node:assert/strict";
import type { LayersModel, Tensor } from "@tensorflow/tfjs";
import { tf } from "../../src/tfjs/tf.ts";
import { fusedLSTM, fusedSimpleRNN } from "../../src/tfjs/fused_rnn.ts";
import { fusedAdam } from "../../src/tfjs/fused_adam.ts";
import { sigmoidBce, trainOnBatchFast } from "../../src/tfjs/_train_step.ts";
import { canTrainFast } from "../../src/tfjs/fast_road.ts";
import { withTfjsOwnTraining } from "../../src/tfjs/_internals.ts";
import { maxAbsDiff } from "./_compare.ts";

type Kind = "onehot_simple_rnn" | "embedding_simple_rnn" | "embedding_lstm" | "stock_lstm";

const VOCABULARY = 40;
const STEPS = 12;
const BATCH = 8;

/** The chapter's three models in miniature (seeded), plus one with the stock LSTM. */
function build(kind: Kind, seed: number, optimizer?: string): LayersModel {
  let s = seed;
  const glorot = () => tf.initializers.glorotUniform({ seed: s++ });
  const orthogonal = () => tf.initializers.orthogonal({ seed: s++, gain: 1 });
  const model = tf.sequential();
  if (kind !== "onehot_simple_rnn") {
    model.add(tf.layers.embedding({
      inputDim: VOCABULARY,
      outputDim: 6,
      inputShape: [null],
      embeddingsInitializer: tf.initializers.randomUniform({
        minval: -0.5,
        maxval: 0.5,
        seed: s++,
      }),
    }));
  }
  const rnn = { kernelInitializer: glorot(), recurrentInitializer: orthogonal() };
  if (kind === "onehot_simple_rnn") {
    model.add(fusedSimpleRNN({ units: 5, inputShape: [STEPS, VOCABULARY], ...rnn }));
  } else if (kind === "embedding_simple_rnn") model.add(fusedSimpleRNN({ units: 4, ...rnn }));
  else if (kind === "embedding_lstm") model.add(fusedLSTM({ units: 3, ...rnn }));
  else {
    model.add(
      tf.layers.lstm({ units: 3, recurrentActivation: "sigmoid", unitForgetBias: true, ...rnn }),
    );
  }
  model.add(tf.layers.dense({ units: 1, activation: "sigmoid", kernelInitializer: glorot() }));
  const opt = optimizer ?? (kind === "onehot_simple_rnn" ? "sgd" : "fusedAdam");
  model.compile({
    optimizer: opt === "sgd"
      ? tf.train.sgd(0.5)
      : opt === "adam"
      ? tf.train.adam(0.05)
      : fusedAdam({ learningRate: 0.05 }),
    loss: "binaryCrossentropy",
    metrics: ["accuracy"],
  });
  return model;
}

/** Seeded batches: one-hot [BATCH, STEPS, VOCABULARY] or ids [BATCH, STEPS]; labels [BATCH, 1]. */
function batches(kind: Kind, n: number): Array<{ x: Tensor; y: Tensor }> {
  return Array.from({ length: n }, (_, i) =>
    tf.tidy(() => {
      const ids = tf.randomUniform([BATCH, STEPS], 0, VOCABULARY, "int32", 10 + i);
      const x = kind === "onehot_simple_rnn" ? tf.oneHot(ids, VOCABULARY).toFloat() : ids;
      const y = tf.randomUniform([BATCH, 1], 0, 2, "int32", 100 + i).toFloat();
      return { x, y };
    }));
}

/** Trains two identical models, one per step function, and compares every step and weight. */
async function compareTraining(kind: Kind, optimizer?: string, steps = 5): Promise<void> {
  const stock = build(kind, 7, optimizer);
  const fast = build(kind, 7, optimizer);
  const data = batches(kind, steps);
  for (const [i, { x, y }] of data.entries()) {
    // tfjs's own train function, whatever other test modules installed
    const [loss, acc] = await withTfjsOwnTraining(() => stock.trainOnBatch(x, y)) as number[];
    const [fastLoss, fastAcc] = await trainOnBatchFast(fast, x, y);
    assert.ok(Math.abs(loss - fastLoss) < 1e-6, `step ${i}: loss ${fastLoss} vs ${loss}`);
    assert.equal(fastAcc, acc, `step ${i}: accuracy`);
  }
  const a = stock.getWeights();
  const b = fast.getWeights();
  a.forEach((w, i) => {
    const diff = maxAbsDiff(w.dataSync(), b[i].dataSync());
    assert.ok(diff < 1e-6, `${kind}: weight ${i} ${w.shape} differs by ${diff}`);
  });
  // the weights moved: the comparison is not between two untrained models
  const initial = build(kind, 7, optimizer).getWeights();
  assert.ok(maxAbsDiff(initial[0].dataSync(), b[0].dataSync()) > 1e-3);
  tf.dispose([...data.flatMap(({ x, y }) => [x, y])]);
  stock.dispose();
  fast.dispose();
}

Deno.test("trainOnBatchFast", async (t) => {
  await t.step(
    "one-hot SimpleRNN + SGD: same losses, accuracies, weights as trainOnBatch",
    () => compareTraining("onehot_simple_rnn"),
  );
  await t.step(
    "Embedding + SimpleRNN + fusedAdam: same as trainOnBatch",
    () => compareTraining("embedding_simple_rnn"),
  );
  await t.step(
    "Embedding + LSTM + fusedAdam: same as trainOnBatch",
    () => compareTraining("embedding_lstm"),
  );
  await t.step(
    "Embedding + LSTM + stock tf.train.adam, and SGD: same as trainOnBatch",
    async () => {
      await compareTraining("embedding_lstm", "adam", 3);
      await compareTraining("embedding_simple_rnn", "sgd", 3);
    },
  );
  await t.step("the fast path is taken for fused models only", () => {
    for (const kind of ["onehot_simple_rnn", "embedding_simple_rnn", "embedding_lstm"] as const) {
      assert.deepEqual(canTrainFast(build(kind, 1)), { fast: true });
    }
    const stock = canTrainFast(build("stock_lstm", 1));
    assert.equal(stock.fast, false);
    assert.match(stock.reason!, /^layer "lstm_LSTM\d+" \(LSTM\) is not a fused SimpleRNN \/ LSTM/);
  });
  await t.step(
    "other models go through model.trainOnBatch (stock LSTM)",
    () => compareTraining("stock_lstm", undefined, 2),
  );
  await t.step("no tensor is left behind", async () => {
    for (const kind of ["onehot_simple_rnn", "embedding_lstm"] as const) {
      const model = build(kind, 5);
      const data = batches(kind, 3);
      await trainOnBatchFast(model, data[0].x, data[0].y); // creates the optimizer's state
      const before = tf.memory().numTensors;
      for (const { x, y } of data) await trainOnBatchFast(model, x, y);
      assert.equal(tf.memory().numTensors, before, kind);
      tf.dispose(data.flatMap(({ x, y }) => [x, y]));
      model.dispose();
    }
  });
  await t.step("bad input: labels of another batch size, word ids out of range", async () => {
    const model = build("embedding_lstm", 3);
    const x = tf.tensor2d([[1, 2, VOCABULARY]], [1, 3], "int32");
    await assert.rejects(() => trainOnBatchFast(model, x, tf.zeros([1, 1])), /word id 40/);
    await assert.rejects(() => trainOnBatchFast(model, x, tf.zeros([2, 1])), /labels of shape/);
    const wrongMetrics = build("stock_lstm", 3);
    wrongMetrics.compile({ optimizer: "sgd", loss: "binaryCrossentropy" });
    await assert.rejects(
      () => trainOnBatchFast(wrongMetrics, tf.zeros([1, 3]), tf.zeros([1, 1])),
      /expected \[loss, accuracy\]/,
    );
  });
});

Deno.test("sigmoidBce matches tf.metrics.binaryCrossentropy / binaryAccuracy and tfjs gradients", () => {
  // logits far enough out that the probabilities are clipped at 1e-7 / 1 - 1e-7
  const logits = [-30, -4, -0.5, 0, 0.3, 2, 17, 40];
  const labels = [0, 1, 1, 0, 1, 0, 1, 0];
  const { loss, accuracy, dLogits } = sigmoidBce(Float64Array.from(logits), labels);
  const z = tf.tensor2d(logits, [8, 1]);
  const y = tf.tensor2d(labels, [8, 1]);
  const lossOf = (z: Tensor) => tf.mean(tf.metrics.binaryCrossentropy(y, tf.sigmoid(z)));
  const expectLoss = lossOf(z).dataSync()[0];
  const expectAcc = tf.mean(tf.metrics.binaryAccuracy(y, tf.sigmoid(z))).dataSync()[0];
  const expectGrad = tf.grad(lossOf)(z).dataSync();
  assert.ok(Math.abs(loss - expectLoss) < 1e-6, `${loss} vs ${expectLoss}`);
  assert.equal(accuracy, expectAcc);
  assert.ok(maxAbsDiff(dLogits, expectGrad) < 1e-7, `${dLogits} vs ${expectGrad}`);
  assert.equal(dLogits[0], 0); // clipped: no gradient, as clipByValue's
  assert.equal(dLogits[7], 0);
  assert.ok(Math.abs(sigmoidBce([0], [1]).loss - Math.LN2) < 1e-12);
  assert.throws(() => sigmoidBce([0, 1], [1]), /1 labels for 2 logits/);
});

Deno.test("trainOnBatchFast on the chapter's models (buildModel): same as trainOnBatch", async (t) => {
  const { buildModel } = await import("../../src/tfjs/models.ts");
  for (const kind of ["simple_rnn_onehot", "embedding_simple_rnn", "embedding_lstm"] as const) {
    await t.step(kind, async () => {
      const stock = buildModel(kind, { seed: 11 });
      const fast = buildModel(kind, { seed: 11 });
      assert.deepEqual(canTrainFast(fast), { fast: true });
      const batch = 6;
      for (let i = 0; i < 3; i++) {
        const [x, y] = tf.tidy(() => {
          const ids = tf.randomUniform([batch, 100], 3, 100, "int32", 20 + i);
          const x = kind === "simple_rnn_onehot"
            ? tf.tensor3d(Float32Array.from(tf.oneHot(ids, 100).dataSync()), [batch, 100, 100])
            : ids;
          return [x, tf.randomUniform([batch, 1], 0, 2, "int32", 30 + i).toFloat()];
        });
        // tfjs's own train function, whatever other test modules installed
        const [loss, acc] = await withTfjsOwnTraining(() => stock.trainOnBatch(x, y)) as number[];
        const [fastLoss, fastAcc] = await trainOnBatchFast(fast, x, y);
        assert.ok(Math.abs(loss - fastLoss) < 1e-6, `step ${i}: loss ${fastLoss} vs ${loss}`);
        assert.equal(fastAcc, acc);
        tf.dispose([x, y]);
      }
      // Adam moves a weight by lr·g/(|g| + ε) (ε = 1e-7): a gradient near ε, which the
      // embedding table's rows get when their words' terms cancel, turns the float32 rounding
      // of the two roads' different sums (tfjs's gather gradient, the fast step's segment sums)
      // into up to lr/(4ε) = 2500 times as much weight. So the table gets 1e-5 (1% of one step),
      // every other weight 1e-6.
      const a = stock.getWeights();
      fast.getWeights().forEach((w, i) => {
        const diff = maxAbsDiff(w.dataSync(), a[i].dataSync());
        const tolerance = i === 0 && kind !== "simple_rnn_onehot" ? 1e-5 : 1e-6;
        assert.ok(diff < tolerance, `weight ${i} ${w.shape} differs by ${diff}`);
      });
      stock.dispose();
      fast.dispose();
    });
  }
});
