import assert from "node:assert/strict";
import { FusedGRU, FusedLSTM, FusedSimpleRNN } from "../../src/tfjs/fused_rnn.ts";
import { tf } from "../../src/tfjs/tf.ts";
import { canTrainFast } from "../../src/tfjs/fast_road.ts";
import { setRandomSeed } from "../../src/tfjs/random_seed.ts";
import {
  bookModel,
  buildModel,
  MAXLEN,
  MODEL_KINDS,
  MODEL_SPECS,
  type ModelKind,
  VARIANT_KINDS,
} from "../../src/tfjs/models.ts";

type Tensor = ReturnType<typeof tf.tensor>;

/** model.summary() captured line by line. */
function summaryLines(kind: ModelKind, fused: boolean): string[] {
  const lines: string[] = [];
  buildModel(kind, { seed: 1, fused }).summary(undefined, undefined, (line) => lines.push(line));
  return lines;
}

/** Input of `n` reviews for `kind`: one-hot float32 [n, 100, 100] or int32 ids [n, 100]. */
function reviews(kind: ModelKind, n: number, seed: number): Tensor {
  const { numWords, oneHot } = MODEL_SPECS[kind];
  const ids = tf.randomUniform([n, MAXLEN], 0, numWords, "int32", seed);
  return oneHot ? tf.oneHot(ids, numWords).toFloat() : ids;
}

function weightsOf(kind: ModelKind, seed: number, fused: boolean): Float32Array[] {
  return buildModel(kind, { seed, fused }).getWeights().map((w) => w.dataSync() as Float32Array);
}

for (const fused of [true, false]) {
  Deno.test(`buildModel (fused: ${fused})`, async (t) => {
    for (const kind of MODEL_KINDS) {
      await t.step(`${kind}: the book's parameter count, in summary() too`, () => {
        const model = buildModel(kind, { seed: 1, fused });
        assert.equal(model.countParams(), MODEL_SPECS[kind].params);
        assert.ok(summaryLines(kind, fused).includes(`Total params: ${MODEL_SPECS[kind].params}`));
      });

      await t.step(`${kind}: output [batch, 1] probabilities`, () => {
        const model = buildModel(kind, { seed: 1, fused });
        const x = reviews(kind, 3, 7);
        const p = model.predict(x) as Tensor;
        assert.deepEqual(p.shape, [3, 1]);
        for (const v of p.dataSync()) assert.ok(v > 0 && v < 1, `probability ${v}`);
        tf.dispose([x, p]);
      });

      await t.step(`${kind}: same seed same weights, other seed other weights`, () => {
        const a = weightsOf(kind, 5, fused);
        assert.deepEqual(a, weightsOf(kind, 5, fused));
        const b = weightsOf(kind, 6, fused);
        // Kernels differ (biases are zeros for both).
        assert.notDeepEqual(a[0], b[0]);
      });
    }
  });
}

Deno.test("buildModel: fused and stock layers, same weights, same predictions", async (t) => {
  // Both saved under tfjs's class name; the fused one is the subclass
  const classes = {
    simple_rnn_onehot: ["SimpleRNN", "SimpleRNN"],
    embedding_simple_rnn: ["SimpleRNN", "SimpleRNN"],
    embedding_lstm: ["LSTM", "LSTM"],
    embedding_gru: ["GRU", "GRU"],
  };
  for (const kind of [...MODEL_KINDS, ...VARIANT_KINDS]) {
    await t.step(kind, () => {
      const fused = buildModel(kind, { seed: 8, fused: true });
      const stock = buildModel(kind, { seed: 8, fused: false });
      const recurrent = MODEL_SPECS[kind].oneHot ? 0 : 1;
      assert.equal(fused.layers[recurrent].getClassName(), classes[kind][0]);
      assert.equal(stock.layers[recurrent].getClassName(), classes[kind][1]);
      const fusedClass = kind === "embedding_lstm"
        ? FusedLSTM
        : kind === "embedding_gru"
        ? FusedGRU
        : FusedSimpleRNN;
      assert.ok(fused.layers[recurrent] instanceof fusedClass);
      assert.ok(!(stock.layers[recurrent] instanceof fusedClass));
      assert.deepEqual(
        fused.getWeights().map((w) => w.dataSync()),
        stock.getWeights().map((w) => w.dataSync()),
      );
      const x = reviews(kind, 5, 3);
      const [a, b] = [fused, stock].map((m) => (m.predict(x) as Tensor).dataSync());
      a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5, `${v} vs ${b[i]}`));
      tf.dispose(x);
    });
  }
});

Deno.test("buildModel: the variant embedding_gru", async (t) => {
  await t.step("Embedding(1000, 32) + GRU(8) + Dense: 32,993 parameters, Keras 2's GRU", () => {
    const fused = buildModel("embedding_gru", { seed: 8 });
    assert.ok(VARIANT_KINDS.includes("embedding_gru"));
    assert.equal(fused.countParams(), MODEL_SPECS.embedding_gru.params);
    assert.equal(MODEL_SPECS.embedding_gru.params, 32000 + 32 * 24 + 8 * 24 + 24 + 9);
    const config = fused.layers[1].getConfig();
    assert.equal(config.recurrentActivation, "sigmoid");
    assert.equal(config.resetAfter, false);
    assert.ok(summaryLines("embedding_gru", true).includes("Total params: 32993"));
  });
});

Deno.test("buildModel: TensorFlow 2 Keras initialisers and settings", async (t) => {
  await t.step("Glorot-uniform kernels within ±sqrt(6 / (fanIn + fanOut))", () => {
    const model = buildModel("simple_rnn_onehot", { seed: 3 });
    const [kernel, , , dense] = model.getWeights(); // [100, 32], [32, 32], [32], [32, 1]
    for (const [w, fanIn, fanOut] of [[kernel, 100, 32], [dense, 32, 1]] as const) {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const values = w.dataSync();
      assert.ok(values.every((v) => Math.abs(v) <= limit));
      // Uniform, not normal: the largest magnitude comes close to the limit.
      assert.ok(Math.max(...values.map(Math.abs)) > 0.9 * limit);
    }
  });

  await t.step("orthogonal recurrent kernels: Wᵀ W = I", () => {
    for (const kind of MODEL_KINDS) {
      const recurrent = buildModel(kind, { seed: 4 }).getWeights()
        .find((w) => w.shape[0] === MODEL_SPECS[kind].units && w.shape.length === 2)!;
      // [units, units] (SimpleRNN) or [units, 4 units] (LSTM): rows are orthonormal when wide.
      const gram = tf.tidy(() =>
        recurrent.shape[1] === recurrent.shape[0]
          ? tf.matMul(recurrent, recurrent, true, false)
          : tf.matMul(recurrent, recurrent, false, true)
      );
      const eye = tf.eye(gram.shape[0]);
      assert.ok(tf.max(tf.abs(tf.sub(gram, eye))).dataSync()[0] < 1e-5, kind);
    }
  });

  await t.step("zero biases; LSTM forget-gate bias 1 (unit_forget_bias)", () => {
    const rnn = buildModel("embedding_simple_rnn", { seed: 1 }).getWeights();
    assert.ok(rnn[3].dataSync().every((v) => v === 0)); // SimpleRNN bias [8]
    const lstm = buildModel("embedding_lstm", { seed: 1 }).getWeights();
    const bias = Array.from(lstm[3].dataSync()); // [32] = input, forget, cell, output gates
    assert.deepEqual(bias, [0, 1, 0, 0].flatMap((v) => Array(8).fill(v)));
  });

  await t.step("LSTM recurrentActivation sigmoid, not tfjs' hardSigmoid", () => {
    const layer = buildModel("embedding_lstm", { seed: 1 }).layers[1];
    assert.equal(layer.getConfig().recurrentActivation, "sigmoid");
  });

  await t.step("Embedding uniform(-0.05, 0.05), shape [1000, 32]", () => {
    const [embeddings] = buildModel("embedding_lstm", { seed: 1 }).getWeights();
    assert.deepEqual(embeddings.shape, [1000, 32]);
    const values = embeddings.dataSync();
    assert.ok(values.every((v) => Math.abs(v) <= 0.05));
    assert.ok(Math.max(...values) > 0.049 && Math.min(...values) < -0.049);
  });

  await t.step("optimizers: sgd 0.01 for one-hot, adam 1e-3 (epsilon 1e-7) for embeddings", () => {
    const sgd = buildModel("simple_rnn_onehot", { seed: 1 }).optimizer.getConfig();
    assert.equal(sgd.learningRate, 0.01);
    for (const [fused, className] of [[true, "FusedAdam"], [false, "Adam"]] as const) {
      const optimizer = buildModel("embedding_lstm", { seed: 1, fused }).optimizer;
      assert.equal(optimizer.getClassName(), className);
      const adam = optimizer.getConfig();
      assert.deepEqual(
        [adam.learningRate, adam.beta1, adam.beta2, adam.epsilon],
        [1e-3, 0.9, 0.999, 1e-7],
      );
    }
  });

  await t.step("clear errors for a bad kind or seed", () => {
    assert.throws(() => buildModel("gru" as ModelKind, { seed: 1 }), /Unknown model kind "gru"/);
    assert.throws(() => buildModel("embedding_lstm", { seed: 0.5 }), /seed must be an integer/);
  });
});

Deno.test("bookModel: the notebooks' model, fused or tfjs's own layers, seeded", async (t) => {
  for (const kind of [...MODEL_KINDS, ...VARIANT_KINDS]) {
    await t.step(
      `${kind}: the book's parameters and compile, the same seed the same weights`,
      () => {
        const fused = bookModel(kind, { seed: 42 });
        const stock = bookModel(kind, { seed: 42, impl: "stock" });
        for (const model of [fused, stock]) {
          assert.equal(model.countParams(), MODEL_SPECS[kind].params);
          assert.equal(model.layers.length, MODEL_SPECS[kind].oneHot ? 2 : 3);
          assert.deepEqual(model.metricsNames, ["loss", "acc"]);
        }
        assert.deepEqual(canTrainFast(fused), { fast: true });
        assert.equal(canTrainFast(stock).fast, false); // tfjs's own layers: their own road
        const again = bookModel(kind, { seed: 42 });
        const weights = (m: typeof fused) => m.getWeights().map((w) => w.dataSync());
        assert.deepEqual(weights(again), weights(fused));
        assert.notDeepEqual(weights(bookModel(kind, { seed: 43 }))[0], weights(fused)[0]);
        setRandomSeed(undefined);
      },
    );
  }
  await t.step("unknown kinds and impls are named", () => {
    assert.throws(() => bookModel("lstm" as ModelKind, { seed: 1 }), /unknown model "lstm"/);
    assert.throws(
      () => bookModel("embedding_lstm", { seed: 1, impl: "gpu" as "fused" }),
      /impl must be "fused" or "stock", got "gpu"/,
    );
  });
});
