import assert from "node:assert/strict";
import type { LayersModel, Tensor } from "@tensorflow/tfjs";
import { tf } from "../../src/tfjs/tf.ts";
import { layers } from "../../src/tfjs/layers.ts";
import { setRandomSeed } from "../../src/tfjs/random_seed.ts";
import { canTrainFast } from "../../src/tfjs/fast_road.ts";
import { FusedGRU, FusedLSTM, FusedSimpleRNN } from "../../src/tfjs/fused_rnn.ts";

type Kind = "onehot_simple_rnn" | "embedding_simple_rnn" | "embedding_lstm";

const VOCABULARY = 30;
const STEPS = 10;

/**
 * The chapter's three models in miniature, with the project's layers (fused) or with tfjs's
 * own `tf.layers.simpleRNN` / `tf.layers.lstm` (Keras 2's options spelled out), compiled as the
 * book compiles them.
 */
function build(kind: Kind, fused: boolean): LayersModel {
  const model = tf.sequential();
  if (kind !== "onehot_simple_rnn") {
    model.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 6 }));
  }
  const inputShape = kind === "onehot_simple_rnn" ? { inputShape: [STEPS, VOCABULARY] } : {};
  if (kind === "embedding_lstm") {
    model.add(
      fused
        ? layers.lstm({ units: 4, ...inputShape })
        : tf.layers.lstm({ units: 4, recurrentActivation: "sigmoid", ...inputShape }),
    );
  } else {
    const units = kind === "onehot_simple_rnn" ? 8 : 4;
    model.add(
      fused
        ? layers.simpleRNN({ units, ...inputShape })
        : tf.layers.simpleRNN({ units, ...inputShape }),
    );
  }
  model.add(layers.dense({ units: 1, activation: "sigmoid" }));
  model.compile({
    optimizer: kind === "onehot_simple_rnn" ? tf.train.sgd(0.5) : tf.train.adam(0.02),
    loss: "binaryCrossentropy",
    metrics: ["accuracy"],
  });
  return model;
}

/** Seeded data: x one-hot [n, STEPS, VOCABULARY] float32 or ids [n, STEPS] int32; y [n, 1]. */
function data(kind: Kind, n: number, seed: number): { x: Tensor; y: Tensor } {
  return tf.tidy(() => {
    const ids = tf.randomUniform([n, STEPS], 0, VOCABULARY, "int32", seed);
    const y = tf.cast(
      tf.greater(tf.sum(tf.cast(tf.less(ids, 5), "float32"), 1, true), 1.5),
      "float32",
    );
    const x = kind === "onehot_simple_rnn" ? tf.oneHot(ids, VOCABULARY, 1, 0, "float32") : ids;
    return { x, y };
  });
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  assert.equal(a.length, b.length);
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}

/** Captures console.warn while `run` runs. */
async function warnings(run: () => unknown): Promise<string[]> {
  const lines: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  try {
    await run();
  } finally {
    console.warn = warn;
  }
  return lines;
}

Deno.test("model.fit on the fast road", async (t) => {
  for (const kind of ["onehot_simple_rnn", "embedding_simple_rnn", "embedding_lstm"] as const) {
    await t.step(`${kind}: the same history as tfjs's own layers and road, to 1e-5`, async () => {
      setRandomSeed(5);
      const fused = build(kind, true);
      setRandomSeed(5);
      const stock = build(kind, false);
      const recurrent = fused.layers[kind === "onehot_simple_rnn" ? 0 : 1];
      assert.ok(recurrent instanceof FusedSimpleRNN || recurrent instanceof FusedLSTM);
      assert.deepEqual(canTrainFast(fused), { fast: true });
      assert.equal(canTrainFast(stock).fast, false);
      stock.setWeights(fused.getWeights()); // the same weights (tf.layers' initialisers differ)
      const train = data(kind, 96, 1);
      const val = data(kind, 40, 2);
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
      let b: Record<string, number[]> = {};
      await warnings(async () => b = await fit(stock)); // stock layers announce their slow road
      assert.deepEqual(Object.keys(a).sort(), ["acc", "loss", "val_acc", "val_loss"]);
      for (const key of Object.keys(a)) {
        assert.equal(a[key].length, 3);
        const diff = maxAbsDiff(a[key], b[key]);
        assert.ok(diff < 1e-5, `${key}: ${a[key]} vs ${b[key]} (max diff ${diff})`);
      }
      // the model learned something: the comparison is not between two untrained models
      assert.ok(a.loss[2] < a.loss[0], `loss ${a.loss}`);
      tf.dispose([train.x, train.y, val.x, val.y]);
      setRandomSeed(undefined);
    });
  }

  await t.step("the same seed, the same history; another seed, another shuffle", async () => {
    const train = data("embedding_lstm", 64, 3);
    const run = async (seed: number) => {
      setRandomSeed(seed);
      const model = build("embedding_lstm", true);
      const history = await model.fit(train.x, train.y, { epochs: 2, batchSize: 8, verbose: 0 });
      return history.history;
    };
    const first = await run(42);
    assert.deepEqual(await run(42), first);
    assert.notDeepEqual(await run(43), first);
    tf.dispose([train.x, train.y]);
    setRandomSeed(undefined);
  });

  await t.step("evaluate and trainOnBatch take the fast step too, with tfjs's names", async () => {
    setRandomSeed(8);
    const fused = build("embedding_lstm", true);
    setRandomSeed(8);
    const stock = build("embedding_lstm", false);
    stock.setWeights(fused.getWeights());
    const { x, y } = data("embedding_lstm", 24, 4);
    const scalars = (result: unknown) => (result as Tensor[]).map((s) => s.dataSync()[0]);
    const [loss, acc] = scalars(fused.evaluate(x, y, { batchSize: 10 }));
    let stockResult: unknown;
    await warnings(() => stockResult = stock.evaluate(x, y, { batchSize: 10 }));
    const [stockLoss, stockAcc] = scalars(stockResult);
    assert.ok(Math.abs(loss - stockLoss) < 1e-6, `${loss} vs ${stockLoss}`);
    assert.equal(acc, stockAcc);
    const step = await fused.trainOnBatch(x, y) as number[];
    const stockStep = await stock.trainOnBatch(x, y) as number[];
    assert.ok(Math.abs(step[0] - stockStep[0]) < 1e-6);
    assert.equal(step[1], stockStep[1]);
    tf.dispose([x, y]);
    setRandomSeed(undefined);
  });

  await t.step(
    "tfjs's loop: the same callback logs, stopTraining, initialEpoch, history",
    async () => {
      const { x, y } = data("embedding_lstm", 40, 9);
      const run = async (model: LayersModel) => {
        const seen: string[] = [];
        setRandomSeed(2);
        const history = await model.fit(x, y, {
          epochs: 4,
          initialEpoch: 1,
          batchSize: 16,
          validationSplit: 0.25,
          verbose: 0,
          callbacks: {
            onTrainBegin: () => void seen.push("train"),
            onEpochBegin: (epoch) => void seen.push(`epoch ${epoch}`),
            onBatchEnd: (batch, logs) =>
              void seen.push(`batch ${batch} ${Object.keys(logs!).sort().join(",")} ${logs!.size}`),
            onEpochEnd: (epoch, logs) => {
              seen.push(`end ${epoch} ${Object.keys(logs!).sort().join(",")}`);
              if (epoch === 2) model.stopTraining = true;
            },
          },
        });
        // tfjs keeps it on the LayersModel inside the Sequential
        assert.equal((model as unknown as { model: { history: unknown } }).model.history, history);
        return { seen, history: history.history as Record<string, number[]> };
      };
      setRandomSeed(6);
      const fused = build("embedding_lstm", true);
      setRandomSeed(6);
      const stock = build("embedding_lstm", false);
      stock.setWeights(fused.getWeights());
      const a = await run(fused);
      let b = a;
      await warnings(async () => b = await run(stock));
      assert.deepEqual(a.seen, b.seen); // the same calls with the same log keys, tfjs's
      assert.deepEqual(a.seen.slice(0, 4), [
        "train",
        "epoch 1",
        "batch 0 acc,batch,loss,size 16",
        "batch 1 acc,batch,loss,size 14", // 30 training samples after the split
      ]);
      assert.equal(a.history.loss.length, 2); // epochs 1 and 2, then stopTraining
      for (const key of Object.keys(b.history)) {
        assert.ok(maxAbsDiff(a.history[key], b.history[key]) < 1e-5, key);
      }
      tf.dispose([x, y]);
      setRandomSeed(undefined);
    },
  );

  await t.step("compiled without an accuracy metric: [loss] only, still fast", async () => {
    const model = build("embedding_simple_rnn", true);
    model.compile({ optimizer: "adam", loss: "binaryCrossentropy" });
    assert.deepEqual(canTrainFast(model), { fast: true });
    const { x, y } = data("embedding_simple_rnn", 16, 5);
    const history = await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    assert.deepEqual(Object.keys(history.history), ["loss"]);
    tf.dispose([x, y]);
  });
});

Deno.test("a model off the fast road trains through stock tfjs and says so once", async (t) => {
  const { x, y } = data("embedding_lstm", 16, 6);
  const compile = (model: LayersModel) =>
    model.compile({ optimizer: "adam", loss: "binaryCrossentropy", metrics: ["accuracy"] });

  await t.step(
    "tfjs's GRU: one line naming the layer and the reason, the first time only",
    async () => {
      const model = tf.sequential();
      model.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 4 }));
      model.add(tf.layers.gru({ units: 4 }));
      model.add(layers.dense({ units: 1, activation: "sigmoid" }));
      compile(model);
      const first = await warnings(() => model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 }));
      assert.equal(first.length, 1, first.join("\n"));
      assert.match(
        first[0],
        /^model\.fit: layer "gru_GRU\d+" \(GRU\) runs one time step at a time in stock TensorFlow\.js ops \(it is tfjs's own tf\.layers\.gru; layers\.gru \(src\/mod\.ts\) is fused\)/,
      );
      const again = await warnings(async () => {
        await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
        model.evaluate(x, y);
      });
      assert.deepEqual(again, []);
    },
  );

  await t.step("layers.gru: fused, on the fast road, nothing to announce", async () => {
    const model = tf.sequential();
    model.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 4 }));
    model.add(layers.gru({ units: 4 }));
    model.add(layers.dense({ units: 1, activation: "sigmoid" }));
    compile(model);
    assert.deepEqual(canTrainFast(model), { fast: true });
    const lines = await warnings(() => model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 }));
    assert.deepEqual(lines, []);
  });

  await t.step("GRU with dropout: fused, on the fast road, nothing to announce", async () => {
    const model = tf.sequential();
    model.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 4 }));
    model.add(layers.gru({ units: 4, dropout: 0.2 }));
    model.add(layers.dense({ units: 1, activation: "sigmoid" }));
    compile(model);
    assert.ok(model.layers[1] instanceof FusedGRU);
    assert.deepEqual(canTrainFast(model), { fast: true });
    const lines = await warnings(() => model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 }));
    assert.deepEqual(lines, []);
  });

  await t.step("GRU with recurrentDropout: fused, on the fast road, no notice", async () => {
    const model = tf.sequential();
    model.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 4 }));
    model.add(layers.gru({ units: 4, recurrentDropout: 0.2 }));
    model.add(layers.dense({ units: 1, activation: "sigmoid" }));
    compile(model);
    assert.ok(model.layers[1] instanceof FusedGRU);
    assert.deepEqual(canTrainFast(model), { fast: true });
    const lines = await warnings(() => model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 }));
    assert.deepEqual(lines, []);
  });

  await t.step("GRU with an activation the kernels lack: the stock layer, named", async () => {
    const model = tf.sequential();
    model.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 4 }));
    model.add(layers.gru({ units: 4, activation: "elu" }));
    model.add(layers.dense({ units: 1, activation: "sigmoid" }));
    compile(model);
    assert.ok(!(model.layers[1] instanceof FusedGRU));
    const lines = await warnings(() => model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 }));
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      /\(GRU\) runs one time step at a time .*its option activation="elu" is not in the fused kernels/,
    );
  });

  await t.step("LSTM with an activation the kernels lack: the stock layer, named", async () => {
    const model = tf.sequential();
    model.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 4 }));
    model.add(layers.lstm({ units: 4, activation: "elu" }));
    model.add(layers.dense({ units: 1, activation: "sigmoid" }));
    compile(model);
    assert.ok(!(model.layers[1] instanceof FusedLSTM));
    const lines = await warnings(() => model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 }));
    assert.equal(lines.length, 1);
    assert.match(lines[0], /\(LSTM\) runs one time step at a time .*its option activation="elu"/);
  });

  await t.step("a Dense layer before the LSTM: fused LSTM, but tfjs's training step", async () => {
    const model = tf.sequential();
    model.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 4 }));
    model.add(layers.dense({ units: 4 }));
    model.add(layers.lstm({ units: 4 }));
    model.add(layers.dense({ units: 1, activation: "sigmoid" }));
    compile(model);
    const lines = await warnings(() => model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 }));
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      /the training step runs as tfjs's small ops.*layer "dense(_\d+)?" \(Dense\) is not an embedding, dropout, fused recurrent or bidirectional layer/,
    );
  });

  await t.step("dropout, stacked and bidirectional layers are on the fast road", () => {
    const model = tf.sequential();
    model.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 4 }));
    model.add(layers.dropout({ rate: 0.2 }));
    model.add(layers.lstm({ units: 4, returnSequences: true, recurrentDropout: 0.1 }));
    model.add(layers.bidirectional({ layer: layers.simpleRNN({ units: 4 }) as never }));
    model.add(layers.dense({ units: 1, activation: "sigmoid" }));
    compile(model);
    assert.deepEqual(canTrainFast(model), { fast: true });
  });

  await t.step("a model without recurrent layers has nothing slow to announce", async () => {
    const model = tf.sequential();
    model.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 4, inputLength: STEPS }));
    model.add(tf.layers.flatten());
    model.add(layers.dense({ units: 1, activation: "sigmoid" }));
    compile(model);
    const lines = await warnings(() => model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 }));
    assert.deepEqual(lines, []);
  });
  tf.dispose([x, y]);
});

Deno.test("fit and evaluate: clear errors naming the value", async (t) => {
  const embedding = build("embedding_lstm", true);
  const onehot = build("onehot_simple_rnn", true);
  const { x, y } = data("embedding_lstm", 12, 7);
  const fit = (model: LayersModel, xs: Tensor, ys: Tensor, args = {}) =>
    model.fit(xs, ys, { verbose: 0, ...args });

  await t.step("x / y sample counts", async () => {
    await assert.rejects(
      fit(embedding, x, tf.zeros([11, 1])),
      /model\.fit: x has 12 samples but y has 11 \(shape \[11,1\]\)/,
    );
  });
  await t.step("the wrong rank, with the fix", async () => {
    await assert.rejects(
      fit(onehot, x, y),
      /model\.fit: x has shape \[12,10\] \(rank 2\); the model's input is \[null,10,30\] \(rank 3\): one-hot encode/,
    );
    await assert.rejects(
      fit(embedding, tf.zeros([12, STEPS, 3]), y),
      /x has shape \[12,10,3\] \(rank 3\); the model's input is \[null,null\] \(rank 2\): this model takes word ids/,
    );
  });
  await t.step("ids outside the embedding's inputDim", async () => {
    const ids = x.arraySync() as number[][];
    ids[3][4] = VOCABULARY; // one past the last row of the table
    await assert.rejects(
      fit(embedding, tf.tensor2d(ids, [12, STEPS], "int32"), y),
      /model\.fit: x\[3, 4\] = 30 is not a word id in \[0, 30\) \(the embedding "embedding(_\d+)?" has inputDim 30\)/,
    );
    await assert.rejects(
      embedding.trainOnBatch(tf.tensor2d(ids, [12, STEPS], "int32"), y),
      /word id 30 at \[3, 4\] of the batch is not in \[0, 30\) \(the embedding's inputDim\)/,
    );
    ids[3][4] = -1;
    assert.throws(
      () => embedding.evaluate(tf.tensor2d(ids, [12, STEPS], "int32"), y),
      /model\.evaluate: x\[3, 4\] = -1 is not a word id/,
    );
  });
  await t.step("batchSize 0, epochs", async () => {
    await assert.rejects(
      fit(embedding, x, y, { batchSize: 0 }),
      /model\.fit: batchSize must be a positive integer, got 0/,
    );
    await assert.rejects(
      fit(embedding, x, y, { epochs: 1.5 }),
      /epochs must be a non-negative integer, got 1\.5/,
    );
    assert.throws(() => embedding.evaluate(x, y, { batchSize: 0 }), /batchSize .* got 0/);
  });
  await t.step("validationData of the wrong shape", async () => {
    await assert.rejects(
      fit(embedding, x, y, { validationData: [tf.zeros([5, STEPS, 2]), tf.zeros([5, 1])] }),
      /model\.fit: validationData\[0\] has shape \[5,10,2\] \(rank 3\); the model's input is \[null,null\]/,
    );
    await assert.rejects(
      fit(embedding, x, y, { validationData: [x, tf.zeros([4, 1])] }),
      /validationData\[0\] has 12 samples but validationData\[1\] has 4/,
    );
    await assert.rejects(
      fit(embedding, x, y, { validationData: [x] }),
      /validationData must be \[xVal, yVal\] \(tensors\), got an array of 1/,
    );
  });
  tf.dispose([x, y]);
});
