/**
 * Stacked, backwards and bidirectional fused layers against tfjs's own layers with the same
 * weights: outputs and gradients (`tf.variableGrads` through both), then `model.fit` on the
 * fast road against `model.fit` of the stock layers through tfjs's ops, for SimpleRNN, LSTM and
 * GRU (tfjs's form, `resetAfter: false`).
 */
import assert from "node:assert/strict";
import type { LayersModel, Tensor, Variable } from "@tensorflow/tfjs";
import { tf } from "../../src/tfjs/tf.ts";
import { layers } from "../../src/tfjs/layers.ts";
import { setRandomSeed } from "../../src/tfjs/random_seed.ts";
import { canTrainFast } from "../../src/tfjs/fast_road.ts";
import { withTfjsOwnTraining } from "../../src/tfjs/_internals.ts";
import {
  FusedGRU,
  FusedLSTM,
  FusedSimpleRNN,
  StockGRU,
  StockLSTM,
  StockSimpleRNN,
} from "../../src/tfjs/fused_rnn.ts";
import { maxAbsDiff, quietly } from "./_compare.ts";

const VOCABULARY = 30;
const STEPS = 9;

type Cell = "simpleRNN" | "lstm" | "gru";
type Merge = "concat" | "sum" | "mul" | "ave";

/** A model's recurrent middle, built with the project's layers or tfjs's own. */
interface Arrangement {
  name: string;
  /** the layers between the embedding and the dense head */
  build(cell: Cell, fused: boolean): ReturnType<typeof tf.layers.lstm>[];
}

/** tfjs's own recurrent layer with Keras 2's options, or the project's (fused). */
function recurrent(cell: Cell, fused: boolean, options: Record<string, unknown>) {
  const config = { units: 4, ...options };
  if (fused) {
    return cell === "lstm"
      ? layers.lstm(config)
      : cell === "gru"
      ? layers.gru(config)
      : layers.simpleRNN(config);
  }
  return cell === "lstm"
    ? tf.layers.lstm({ ...config, recurrentActivation: "sigmoid" })
    : cell === "gru"
    ? tf.layers.gru({ ...config, recurrentActivation: "sigmoid" })
    : tf.layers.simpleRNN(config);
}

/**
 * Runs `build` with tfjs's own SimpleRNN, LSTM and GRU classes registered (what a `Bidirectional`
 * copies its layer from), then the fused ones again: a stock `Bidirectional` in this process.
 */
function withStockClasses<T>(build: () => T): T {
  tf.serialization.registerClass(StockSimpleRNN as never);
  tf.serialization.registerClass(StockLSTM as never);
  tf.serialization.registerClass(StockGRU as never);
  try {
    return build();
  } finally {
    tf.serialization.registerClass(FusedSimpleRNN);
    tf.serialization.registerClass(FusedLSTM);
    tf.serialization.registerClass(FusedGRU);
  }
}

function bidirectional(cell: Cell, fused: boolean, mergeMode: Merge, returnSequences = false) {
  const config = { layer: recurrent(cell, fused, { returnSequences }) as never, mergeMode };
  return fused
    ? layers.bidirectional(config)
    : withStockClasses(() => tf.layers.bidirectional(config));
}

const ARRANGEMENTS: Arrangement[] = [
  {
    name: "stacked: returnSequences, then the last step",
    build: (cell, fused) => [
      recurrent(cell, fused, { returnSequences: true }),
      recurrent(cell, fused, {}),
    ],
  },
  {
    name: "stacked, goBackwards in both",
    build: (cell, fused) => [
      recurrent(cell, fused, { returnSequences: true, goBackwards: true }),
      recurrent(cell, fused, { goBackwards: true }),
    ],
  },
  ...(["concat", "sum", "mul", "ave"] as const).map((mode) => ({
    name: `bidirectional, mergeMode ${mode}`,
    build: (cell: Cell, fused: boolean) => [bidirectional(cell, fused, mode)] as never[],
  })),
  {
    name: "bidirectional returning sequences (concat), then another (ave)",
    build: (cell, fused) =>
      [
        bidirectional(cell, fused, "concat", true),
        bidirectional(cell, fused, "ave"),
      ] as never[],
  },
];

/** Embedding(30, 6) -> the arrangement -> dense(1, sigmoid), compiled with Adam. */
function model(arrangement: Arrangement, cell: Cell, fused: boolean): LayersModel {
  const m = tf.sequential();
  m.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 6 }));
  for (const layer of arrangement.build(cell, fused)) m.add(layer);
  m.add(layers.dense({ units: 1, activation: "sigmoid" }));
  m.compile({ optimizer: tf.train.adam(0.02), loss: "binaryCrossentropy", metrics: ["accuracy"] });
  return m;
}

/** Seeded ids [n, STEPS] and labels [n, 1] that depend on the words. */
function data(n: number, seed: number): { x: Tensor; y: Tensor } {
  return tf.tidy(() => {
    const x = tf.randomUniform([n, STEPS], 0, VOCABULARY, "int32", seed);
    const y = tf.cast(
      tf.greater(tf.sum(tf.cast(tf.less(x, 6), "float32"), 1, true), 1.5),
      "float32",
    );
    return { x, y };
  });
}

/** Mean binary cross-entropy of the model on (x, y) and its gradient for every weight. */
function lossAndGradients(m: LayersModel, x: Tensor, y: Tensor) {
  const variables = m.trainableWeights.map((w) => w.read() as Variable);
  const { value, grads } = tf.variableGrads(
    () => tf.mean(tf.metrics.binaryCrossentropy(y, m.apply(x, { training: true }) as Tensor)),
    variables,
  );
  return { loss: value.dataSync()[0], grads: variables.map((v) => grads[v.name].dataSync()) };
}

for (const cell of ["simpleRNN", "lstm", "gru"] as const) {
  Deno.test(`fused ${cell} stacked and bidirectional = tfjs's own layers`, async (t) => {
    const { x, y } = data(12, 1);
    for (const arrangement of ARRANGEMENTS) {
      await t.step(`${arrangement.name}: outputs and gradients to 1e-5`, () => {
        setRandomSeed(3);
        const fused = model(arrangement, cell, true);
        const stock = model(arrangement, cell, false);
        stock.setWeights(fused.getWeights());
        assert.deepEqual(canTrainFast(fused), { fast: true });
        assert.equal(canTrainFast(stock).fast, false);
        const p = (fused.predict(x) as Tensor).dataSync();
        const q = (stock.predict(x) as Tensor).dataSync();
        assert.ok(maxAbsDiff(p, q) < 1e-5, `predictions differ by ${maxAbsDiff(p, q)}`);
        const a = lossAndGradients(fused, x, y);
        const b = lossAndGradients(stock, x, y);
        assert.ok(Math.abs(a.loss - b.loss) < 1e-5);
        a.grads.forEach((g, i) => {
          const diff = maxAbsDiff(g, b.grads[i]);
          assert.ok(diff < 1e-5, `weight ${i}: gradients differ by ${diff}`);
        });
        // the gradient reaches the embedding through the whole stack
        assert.ok(a.grads[0].some((v) => Math.abs(v) > 1e-6));
        setRandomSeed(undefined);
      });

      await t.step(`${arrangement.name}: model.fit on the fast road = stock fit`, async () => {
        setRandomSeed(4);
        const fused = model(arrangement, cell, true);
        const stock = model(arrangement, cell, false);
        stock.setWeights(fused.getWeights());
        const train = data(48, 2);
        const val = data(20, 3);
        const fit = async (m: LayersModel) => {
          setRandomSeed(9); // the same shuffles
          const history = await m.fit(train.x, train.y, {
            epochs: 2,
            batchSize: 16,
            validationData: [val.x, val.y],
            verbose: 0,
          });
          return history.history as Record<string, number[]>;
        };
        const a = await fit(fused);
        const b = await quietly(() => fit(stock)); // the stock road announces itself
        for (const key of ["loss", "acc", "val_loss", "val_acc"]) {
          const diff = maxAbsDiff(a[key], b[key]);
          assert.ok(diff < 1e-5, `${key}: ${a[key]} vs ${b[key]}`);
        }
        const after = maxAbsDiff(
          fused.getWeights().flatMap((w) => [...w.dataSync()]),
          stock.getWeights().flatMap((w) => [...w.dataSync()]),
        );
        assert.ok(after < 1e-5, `weights after fit differ by ${after}`);
        assert.notEqual(a.loss[0], a.loss[1]); // it trained
        tf.dispose([train.x, train.y, val.x, val.y]);
        setRandomSeed(undefined);
      });
    }
    tf.dispose([x, y]);
  });
}

Deno.test("one-hot input, no embedding: dropout, a bidirectional SimpleRNN(5) (the reference kernels), a stacked LSTM", async () => {
  const build = (fused: boolean) => {
    const m = tf.sequential();
    m.add(layers.dropout({ rate: 0.25, inputShape: [STEPS, VOCABULARY] }));
    const inner = { units: 5, returnSequences: true };
    m.add(
      fused
        ? layers.bidirectional({ layer: layers.simpleRNN(inner) as never, mergeMode: "sum" })
        : withStockClasses(() =>
          tf.layers.bidirectional({ layer: tf.layers.simpleRNN(inner), mergeMode: "sum" })
        ),
    );
    m.add(recurrent("lstm", fused, { goBackwards: true }));
    m.add(layers.dense({ units: 1, activation: "sigmoid" }));
    m.compile({ optimizer: tf.train.sgd(0.5), loss: "binaryCrossentropy", metrics: ["accuracy"] });
    return m;
  };
  const warn = console.warn;
  console.warn = () => {}; // SimpleRNN(5) runs the reference loops, and says so
  try {
    setRandomSeed(6);
    const fused = build(true);
    const stock = build(false);
    stock.setWeights(fused.getWeights());
    assert.deepEqual(canTrainFast(fused), { fast: true });
    const ids = data(40, 7);
    const x = tf.oneHot(ids.x, VOCABULARY).toFloat();
    const fit = async (m: LayersModel) => {
      setRandomSeed(8); // the shuffles and the dropout masks
      const h = await m.fit(x, ids.y, { epochs: 2, batchSize: 8, verbose: 0 });
      return h.history as Record<string, number[]>;
    };
    const a = await fit(fused);
    const b = await fit(stock);
    for (const key of ["loss", "acc"]) {
      assert.ok(maxAbsDiff(a[key], b[key]) < 1e-5, `${key}: ${a[key]} vs ${b[key]}`);
    }
    tf.dispose([x, ids.x, ids.y]);
  } finally {
    console.warn = warn;
    setRandomSeed(undefined);
  }
});

Deno.test("the fast step's reasons for the models it does not take", async (t) => {
  const reason = (middle: () => unknown[]) => {
    const m = tf.sequential();
    m.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 6 }));
    for (const layer of middle()) m.add(layer as never);
    m.add(layers.dense({ units: 1, activation: "sigmoid" }));
    m.compile({ optimizer: "adam", loss: "binaryCrossentropy" });
    return canTrainFast(m).reason ?? "fast";
  };
  await t.step("a layer after the last step that needs a sequence", () => {
    assert.match(
      reason(() => [layers.lstm({ units: 4 }), tf.layers.repeatVector({ n: 2 })]),
      /layer "repeat_vector_RepeatVector\d+" \(RepeatVector\) is not an embedding, dropout/,
    );
  });
  await t.step("the last recurrent layer returns sequences", () => {
    assert.match(
      reason(() => [layers.lstm({ units: 4, returnSequences: true })]),
      /reads a sequence: the last recurrent layer must return its last step/,
    );
  });
  await t.step("an embedding after another layer", () => {
    const m = tf.sequential();
    m.add(layers.dropout({ rate: 0.1, inputShape: [STEPS] }));
    m.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 6 }));
    m.add(layers.lstm({ units: 4 }));
    m.add(layers.dense({ units: 1, activation: "sigmoid" }));
    m.compile({ optimizer: "adam", loss: "binaryCrossentropy" });
    assert.match(canTrainFast(m).reason!, /\(Embedding\) is an embedding after the first layer/);
  });
  await t.step("a dropout with a noiseShape", () => {
    assert.match(
      reason(
        () => [layers.dropout({ rate: 0.2, noiseShape: [16, 1, 6] }), layers.lstm({ units: 4 })],
      ),
      /\(Dropout\) has a noiseShape/,
    );
  });
  await t.step("bidirectional of tfjs's own layer", () => {
    setRandomSeed(2);
    const r = reason(() => [
      withStockClasses(() => tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 4 }) })),
    ]);
    assert.match(
      r!,
      /\(Bidirectional\) wraps layer "forward_lstm_LSTM\d+" \(LSTM\), which is not a fused SimpleRNN \/ LSTM \/ GRU/,
    );
    setRandomSeed(undefined);
  });
});

Deno.test("GRU with resetAfter true (no stock layer): fit on the fast road = fit through tfjs's own step", async () => {
  // stacked (goBackwards, dropout), then bidirectional (sum): the fused GRU's ops on tfjs's tape
  // against the fast step, the same seeds for the shuffles and the input masks
  const build = () => {
    const m = tf.sequential();
    m.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 6 }));
    m.add(
      layers.gru({
        units: 4,
        resetAfter: true,
        returnSequences: true,
        goBackwards: true,
        dropout: 0.3,
      }),
    );
    m.add(
      layers.bidirectional({
        layer: layers.gru({ units: 3, resetAfter: true, dropout: 0.2 }) as never,
        mergeMode: "sum",
      }),
    );
    m.add(layers.dense({ units: 1, activation: "sigmoid" }));
    m.compile({
      optimizer: tf.train.adam(0.02),
      loss: "binaryCrossentropy",
      metrics: ["accuracy"],
    });
    return m;
  };
  setRandomSeed(5);
  const fast = build();
  const own = build();
  own.setWeights(fast.getWeights());
  assert.deepEqual(canTrainFast(fast), { fast: true });
  const train = data(40, 11);
  const fit = async (m: LayersModel) => {
    setRandomSeed(12); // the shuffles and the dropout masks
    const h = await m.fit(train.x, train.y, { epochs: 2, batchSize: 8, verbose: 0 });
    return h.history as Record<string, number[]>;
  };
  const a = await fit(fast);
  const b = await withTfjsOwnTraining(() => fit(own));
  for (const key of ["loss", "acc"]) {
    assert.ok(maxAbsDiff(a[key], b[key]) < 1e-5, `${key}: ${a[key]} vs ${b[key]}`);
  }
  const after = maxAbsDiff(
    fast.getWeights().flatMap((w) => [...w.dataSync()]),
    own.getWeights().flatMap((w) => [...w.dataSync()]),
  );
  // 10 Adam(0.02) steps: m / sqrt(v) of a near-zero gradient turns its float32 rounding (the
  // fast step's float64 sums vs tfjs's ops) into ~1e-5 of a weight; a wrong mask or gradient
  // moves the weights by ~1e-2
  assert.ok(after < 5e-5, `weights after fit differ by ${after}`);
  assert.notEqual(a.loss[0], a.loss[1]); // it trained
  tf.dispose([train.x, train.y]);
  setRandomSeed(undefined);
});
