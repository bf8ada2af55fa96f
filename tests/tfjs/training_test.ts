import assert from "node:assert/strict";
import type { Tensor } from "@tensorflow/tfjs";
import { tf } from "../../src/tfjs/tf.ts";
import { type NDArray, ndarray } from "../../src/data/ndarray.ts";
import { RandomState } from "../../src/data/random_state.ts";
import { withTfjsOwnTraining } from "../../src/tfjs/_internals.ts";
import { toCategorical } from "../../src/data/preprocessing.ts";
import { buildModel, type ModelKind } from "../../src/tfjs/models.ts";
import {
  type BatchLogs,
  type EpochLogs,
  evaluateModel,
  fitModel,
} from "../../src/tfjs/training.ts";

/** Word id that marks a positive synthetic review. */
const POSITIVE_WORD = 7;

/**
 * A learnable toy task: `n` reviews of random ids in [3, numWords) over `steps`, labels 0/1
 * alternating; positive reviews carry POSITIVE_WORD in their last 10 steps.
 */
function toyReviews(
  n: number,
  steps: number,
  numWords: number,
  seed: number,
): { x: NDArray<"int32">; y: Int32Array } {
  const random = new RandomState(seed);
  const x = ndarray({ shape: [n, steps], dtype: "int32" }); // [n, steps]
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let t = 0; t < steps; t++) {
      x.data[i * steps + t] = y[i] && t >= steps - 10
        ? POSITIVE_WORD
        : random.randint(3, numWords) as number;
    }
  }
  return { x, y };
}

function fresh(kind: ModelKind, fused = true) {
  return buildModel(kind, { seed: 42, fused });
}

Deno.test("fitModel", async (t) => {
  const train = toyReviews(96, 20, 1000, 1);
  const val = toyReviews(64, 20, 1000, 2);

  await t.step("learns the toy task (Embedding + LSTM), Keras-shaped history", async () => {
    const model = fresh("embedding_lstm");
    const history = await fitModel(model, train.x, train.y, {
      epochs: 6,
      batchSize: 16,
      validationData: [val.x, val.y],
      seed: 42,
    });
    for (const key of ["loss", "acc", "val_loss", "val_acc", "epochSeconds"] as const) {
      assert.equal(history[key].length, 6, key);
    }
    assert.ok(history.loss[5] < history.loss[0], `loss ${history.loss}`);
    assert.ok(history.val_acc[5] > 0.9, `val_acc ${history.val_acc}`);
    assert.ok(history.epochSeconds.every((s) => s > 0));
  });

  await t.step("same seed, same history; another seed, another shuffle", async () => {
    const run = (seed: number) =>
      fitModel(fresh("embedding_simple_rnn"), train.x, train.y, {
        epochs: 2,
        batchSize: 16,
        validationData: [val.x, val.y],
        seed,
      });
    const a = await run(3);
    const b = await run(3);
    const c = await run(4);
    assert.deepEqual(
      [a.loss, a.acc, a.val_loss, a.val_acc],
      [b.loss, b.acc, b.val_loss, b.val_acc],
    );
    assert.notDeepEqual(a.loss, c.loss);
  });

  await t.step("one batch: epoch loss and accuracy are tfjs' own before the step", async () => {
    const model = fresh("embedding_lstm");
    const xs = tf.tensor(train.x.data, [...train.x.shape], "int32");
    const ys = tf.tensor2d(Float32Array.from(train.y), [train.y.length, 1]);
    const [loss, acc] = (await withTfjsOwnTraining(() =>
      model.evaluate(xs, ys)
    ) as ReturnType<typeof tf.scalar>[])
      .map((s) => s.dataSync()[0]);
    const history = await fitModel(model, train.x, train.y, {
      batchSize: train.y.length,
      seed: 0,
    });
    assert.ok(Math.abs(history.loss[0] - loss) < 1e-6, `${history.loss[0]} vs ${loss}`);
    assert.equal(history.acc[0], acc);
    tf.dispose([xs, ys]);
  });

  await t.step("one-hot model: ids one-hot per batch == float32 one-hot input", async () => {
    const small = toyReviews(32, 100, 100, 5);
    const options = { epochs: 1, batchSize: 16, seed: 9, validationData: [small.x, small.y] };
    const fromIds = await fitModel(fresh("simple_rnn_onehot"), small.x, small.y, {
      ...options,
      validationData: [small.x, small.y],
    });
    const encoded = toCategorical(small.x, 100);
    const fromOneHot = await fitModel(fresh("simple_rnn_onehot"), encoded, small.y, {
      ...options,
      validationData: [encoded, small.y],
    });
    assert.deepEqual(
      [fromIds.loss, fromIds.acc, fromIds.val_loss],
      [fromOneHot.loss, fromOneHot.acc, fromOneHot.val_loss],
    );
  });

  await t.step("fused and stock layers: equal histories over a few batches", async () => {
    for (const kind of ["embedding_simple_rnn", "embedding_lstm"] as const) {
      const options = {
        epochs: 1,
        batchSize: 32,
        seed: 1,
        validationData: [val.x, val.y] as const,
      };
      const fused = await fitModel(fresh(kind, true), train.x, train.y, options);
      const stock = await fitModel(fresh(kind, false), train.x, train.y, options);
      assert.ok(Math.abs(fused.loss[0] - stock.loss[0]) < 1e-5, kind);
      assert.ok(Math.abs(fused.val_loss[0] - stock.val_loss[0]) < 1e-5, kind);
      assert.equal(fused.acc[0], stock.acc[0]);
      assert.equal(fused.val_acc[0], stock.val_acc[0]);
    }
  });

  await t.step("callbacks: running means per batch, one call per epoch", async () => {
    const batches: BatchLogs[] = [];
    const epochs: EpochLogs[] = [];
    const history = await fitModel(fresh("embedding_simple_rnn"), train.x, train.y, {
      epochs: 2,
      batchSize: 40, // 96 rows: 40 + 40 + 16
      validationData: [val.x, val.y],
      seed: 1,
      onBatchEnd: (logs) => void batches.push(logs),
      onEpochEnd: async (logs) => {
        await Promise.resolve();
        epochs.push(logs);
      },
    });
    assert.deepEqual(batches.map((b) => [b.epoch, b.batch, b.batches]), [
      [0, 0, 3],
      [0, 1, 3],
      [0, 2, 3],
      [1, 0, 3],
      [1, 1, 3],
      [1, 2, 3],
    ]);
    assert.equal(batches[2].loss, history.loss[0]);
    assert.equal(batches[5].acc, history.acc[1]);
    assert.deepEqual(epochs.map((e) => e.val_acc), history.val_acc);
    assert.deepEqual(epochs.map((e) => e.seconds), history.epochSeconds);
  });

  await t.step("leaves its arguments unchanged and no tensor behind", async () => {
    const x = toyReviews(16, 20, 1000, 3);
    const before = [x.x.data.slice(), x.y.slice()];
    const model = fresh("embedding_lstm");
    const options = { epochs: 1, seed: 1, batchSize: 6, validationData: [x.x, x.y] as const };
    await fitModel(model, x.x, x.y, options); // creates the optimizer's state
    const tensors = tf.memory().numTensors;
    await fitModel(model, x.x, x.y, options);
    assert.equal(tf.memory().numTensors, tensors);
    assert.deepEqual([x.x.data, x.y], before);
  });

  await t.step("clear errors", async () => {
    const model = fresh("embedding_lstm");
    await assert.rejects(
      fitModel(model, train.x, train.y.subarray(1), { seed: 1 }),
      /x has 96 rows but y has 95 labels/,
    );
    await assert.rejects(
      fitModel(model, train.x, train.y, { seed: 1, batchSize: 0 }),
      /batchSize must be a positive integer, got 0/,
    );
    await assert.rejects(
      fitModel(fresh("simple_rnn_onehot"), toCategorical(toyReviews(2, 20, 50, 1).x, 50), [0, 1], {
        seed: 1,
      }),
      /shape \[2, 20, 50\]; the model expects \[null, 100, 100\]/,
    );
    const bad = toyReviews(2, 100, 1000, 1);
    await assert.rejects(
      fitModel(fresh("simple_rnn_onehot"), bad.x, bad.y, { seed: 1 }),
      /is not a valid id below 100/,
    );
  });
});

/** evaluateModel's loss and accuracy as it computed them before the shared logistic loss. */
function evaluateReference(probabilities: ArrayLike<number>, y: ArrayLike<number>) {
  const EPSILON = 1e-7;
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < y.length; i++) {
    const label = y[i];
    const p = Math.min(Math.max(probabilities[i], EPSILON), 1 - EPSILON);
    lossSum -= label * Math.log(p) + (1 - label) * Math.log(1 - p);
    if ((probabilities[i] > 0.5 ? 1 : 0) === label) correct++;
  }
  return { loss: lossSum / y.length, accuracy: correct / y.length };
}

Deno.test("evaluateModel: the shared logistic loss gives the former loss, bit for bit", () => {
  const { x, y } = toyReviews(120, 30, 1000, 9);
  const model = fresh("embedding_lstm");
  const dense = model.layers[2];
  const [kernel, bias] = dense.getWeights();
  // scale 1: probabilities near 0.5; 600: logits of up to ~+-30, some probabilities clipped
  // to 1e-7 or 1 - 1e-7 (float32 sigmoid), some not
  for (const scale of [1, 600]) {
    tf.tidy(() => dense.setWeights([tf.mul(kernel, scale), bias]));
    const predicted = tf.tidy(() =>
      (model.predict(tf.tensor(x.data, [...x.shape], "int32")) as Tensor).dataSync()
    );
    const expected = evaluateReference(predicted, y);
    for (const batchSize of [7, 500]) {
      const ours = evaluateModel(model, x, y, { batchSize });
      assert.equal(ours.loss, expected.loss, `scale ${scale}, batchSize ${batchSize}`);
      assert.equal(ours.accuracy, expected.accuracy);
    }
    if (scale > 1) {
      const low = predicted.filter((p) => p < 1e-7).length;
      const high = predicted.filter((p) => p > 1 - 1e-7).length;
      assert.ok(low > 0 && high > 0 && low + high < y.length, `${low} and ${high} clipped`);
    }
  }
  model.dispose();
});

Deno.test("evaluateModel matches tfjs' model.evaluate", async () => {
  const { x, y } = toyReviews(50, 30, 1000, 8);
  const model = fresh("embedding_simple_rnn");
  const xs = tf.tensor(x.data, [...x.shape], "int32");
  const ys = tf.tensor2d(Float32Array.from(y), [y.length, 1]);
  const [loss, accuracy] =
    (await withTfjsOwnTraining(() => model.evaluate(xs, ys)) as ReturnType<typeof tf.scalar>[])
      .map((s) => s.dataSync()[0]);
  const ours = evaluateModel(model, x, y, { batchSize: 16 });
  assert.ok(Math.abs(ours.loss - loss) < 1e-6, `${ours.loss} vs ${loss}`);
  assert.ok(Math.abs(ours.accuracy - accuracy) < 1e-6);
  assert.throws(
    () => evaluateModel(model, ndarray({ shape: [0, 30], dtype: "int32" }), []),
    /empty set/,
  );
  const twoOutputs = tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: 1000, outputDim: 4, inputShape: [30] }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, activation: "softmax" }),
    ],
  });
  assert.throws(
    () => evaluateModel(twoOutputs, x, y, { batchSize: 16 }),
    {
      message: "evaluateModel: the model's output has shape [16,2]; expected [16, 1] " +
        "(one probability per row)",
    },
  );
  twoOutputs.dispose();
  tf.dispose([xs, ys]);
});
