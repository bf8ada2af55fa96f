/**
 * Dropout on the fused layers and the fast road: tfjs's masks from the same seeds (the fused
 * layer = tfjs's own layer with the seeded `dropoutFunc` that `layers.*` gives it; `model.fit`
 * on the fast road = `model.fit` through tfjs's ops, dropout included), masks fixed over the
 * steps with about `rate` of them zero, only in training, rate 0 the same as none.
 */
import assert from "node:assert/strict";
import type { LayersModel, Tensor, Variable } from "@tensorflow/tfjs";
import { tf } from "../../src/tfjs/tf.ts";
import { layers } from "../../src/tfjs/layers.ts";
import { dropoutSeed, setRandomSeed } from "../../src/tfjs/random_seed.ts";
import { canTrainFast } from "../../src/tfjs/fast_road.ts";
import {
  fusedGRU,
  fusedLSTM,
  fusedSimpleRNN,
  gruOp,
  StockGRU,
  StockLSTM,
  StockSimpleRNN,
} from "../../src/tfjs/fused_rnn.ts";
import { dropoutMask, recurrentMasks } from "../../src/tfjs/_dropout_masks.ts";
import { stageOf } from "../../src/tfjs/_train_stages.ts";
import { maxAbsDiff, quietly } from "./_compare.ts";

const VOCABULARY = 30;
const STEPS = 8;

/** What `layers.*` gives tfjs's own recurrent layers: each mask seeded by setRandomSeed. */
const seededDropoutFunc = (x: Tensor, level: number) =>
  tf.dropout(x, level, undefined, dropoutSeed());

Deno.test("dropoutMask and recurrentMasks: tfjs's masks", async (t) => {
  await t.step("tf.dropout's values for the same seed, bit for bit", () => {
    const x = tf.ones([32, 100, 8]);
    for (const [rate, seed] of [[0.3, 12], [0.2, 2 ** 31 - 2], [0.5, 0], [0.9, 77], [0, 5]]) {
      const expected = tf.dropout(x, rate, undefined, seed).dataSync();
      assert.deepEqual(dropoutMask([32, 100, 8], rate, seed), expected, `rate ${rate}`);
    }
    assert.throws(() => dropoutMask([2], 1, 1), /rate must be in \[0, 1\), got 1/);
  });
  await t.step("an LSTM draws 4 seeds per mask, a GRU 3, a SimpleRNN 1 (tfjs's cells)", () => {
    const dims = { batch: 2, inputDim: 3, units: 4 };
    for (const [className, draws] of [["LSTM", 4], ["GRU", 3], ["SimpleRNN", 1]] as const) {
      setRandomSeed(8);
      const masks = recurrentMasks(className, { dropout: 0.5, recurrentDropout: 0.5 }, dims);
      const next = dropoutSeed();
      setRandomSeed(8);
      const seeds = Array.from({ length: 2 * draws + 1 }, () => dropoutSeed());
      assert.deepEqual(masks.input, dropoutMask([2, 3], 0.5, seeds[0]));
      assert.deepEqual(masks.recurrent, dropoutMask([2, 4], 0.5, seeds[draws]));
      assert.equal(next, seeds[2 * draws]); // the seed after them is the one tfjs's would get
    }
    setRandomSeed(undefined);
  });
  await t.step("no mask (and no seed) for a rate of 0 or 1", () => {
    setRandomSeed(8);
    const masks = recurrentMasks("LSTM", { dropout: 0, recurrentDropout: 1 }, {
      batch: 2,
      inputDim: 3,
      units: 4,
    });
    assert.deepEqual(masks, { input: null, recurrent: null });
    const next = dropoutSeed();
    setRandomSeed(8);
    assert.equal(next, dropoutSeed());
    setRandomSeed(undefined);
  });
});

Deno.test("fused layers with dropout = tfjs's own layers with the same masks", async (t) => {
  const x = tf.randomUniform([5, STEPS, 6], -1, 1, "float32", 3);
  const cases = [
    ["LSTM", { dropout: 0.3, recurrentDropout: 0.4 }],
    ["LSTM", { recurrentDropout: 0.25, returnSequences: true, goBackwards: true }],
    ["SimpleRNN", { dropout: 0.5, recurrentDropout: 0.2 }],
    ["SimpleRNN", { dropout: 0.2, returnSequences: true }],
    ["GRU", { dropout: 0.3 }],
    ["GRU", { dropout: 0.25, returnSequences: true, goBackwards: true }],
    ["GRU", { dropout: 0.3, recurrentDropout: 0.4 }],
    ["GRU", { recurrentDropout: 0.25, returnSequences: true, goBackwards: true }],
  ] as const;
  for (const [cls, options] of cases) {
    await t.step(`${cls} ${JSON.stringify(options)}: outputs and gradients to 1e-5`, () => {
      const config = { units: 4, ...options, recurrentActivation: "sigmoid" as const };
      const fused = cls === "LSTM"
        ? fusedLSTM(config)
        : cls === "GRU"
        ? fusedGRU(config)
        : fusedSimpleRNN(config);
      const stock = cls === "LSTM"
        ? new StockLSTM({ ...config, dropoutFunc: seededDropoutFunc })
        : cls === "GRU"
        ? new StockGRU({ ...config, dropoutFunc: seededDropoutFunc })
        : new StockSimpleRNN({ ...config, dropoutFunc: seededDropoutFunc });
      fused.apply(x);
      stock.apply(x);
      // seeded weights: the same comparison every run
      fused.setWeights(
        fused.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.5, 0.5, "float32", 40 + i)),
      );
      stock.setWeights(fused.getWeights());
      const run = (layer: typeof fused) => {
        setRandomSeed(17); // the same seeds: the same masks
        const variables = layer.trainableWeights.map((w) => w.read() as Variable);
        let out: Float32Array = new Float32Array();
        const { grads } = tf.variableGrads(() => {
          const y = layer.apply(x, { training: true }) as Tensor;
          out = y.dataSync() as Float32Array;
          return tf.sum(tf.mul(y, tf.linspace(-1, 1, y.size).reshape(y.shape)));
        }, variables);
        return { out, grads: variables.map((v) => grads[v.name].dataSync()) };
      };
      const a = run(fused);
      const b = run(stock as typeof fused);
      assert.ok(maxAbsDiff(a.out, b.out) < 1e-5, `outputs differ by ${maxAbsDiff(a.out, b.out)}`);
      a.grads.forEach((g, i) => assert.ok(maxAbsDiff(g, b.grads[i]) < 1e-5, `gradient ${i}`));
      // dropout changed something, and not in inference
      setRandomSeed(17);
      const plain = (fused.apply(x) as Tensor).dataSync();
      assert.ok(maxAbsDiff(plain, a.out) > 1e-3);
      assert.deepEqual((fused.apply(x, { training: false }) as Tensor).dataSync(), plain);
      setRandomSeed(undefined);
    });
  }

  await t.step("GRU with resetAfter true (no stock layer): the GRU of x_t m, m tfjs's mask", () => {
    const config = { units: 4, resetAfter: true, returnSequences: true, goBackwards: true };
    const dropped = fusedGRU({ ...config, dropout: 0.3 });
    const plain = fusedGRU(config);
    dropped.apply(x);
    plain.apply(x);
    plain.setWeights(dropped.getWeights());
    setRandomSeed(19);
    const mask = recurrentMasks("GRU", { dropout: 0.3 }, { batch: 5, inputDim: 6, units: 4 });
    setRandomSeed(19);
    const y = (dropped.apply(x, { training: true }) as Tensor).dataSync();
    const masked = tf.mul(x, tf.tensor3d(mask.input!, [5, 1, 6]));
    const expected = (plain.apply(masked, { training: true }) as Tensor).dataSync();
    assert.deepEqual(y, expected); // the same ops on the same numbers: bit for bit
    assert.ok(maxAbsDiff(y, (dropped.apply(x) as Tensor).dataSync()) > 1e-3);
    setRandomSeed(undefined);
  });

  await t.step("GRU with resetAfter true and recurrentDropout: h_{t-1} m in the whole step", () => {
    // no stock layer to compare with (tfjs has no resetAfter): the kernels' masked step is
    // checked in tests/kernels/recurrent_mask_test.ts; here the layer draws tfjs's mask from its
    // seed and hands it to them: the op run with that mask, bit for bit
    const config = { units: 4, resetAfter: true, returnSequences: true };
    const layer = fusedGRU({ ...config, recurrentDropout: 0.3 });
    layer.apply(x);
    setRandomSeed(23);
    const masks = recurrentMasks("GRU", { recurrentDropout: 0.3 }, {
      batch: 5,
      inputDim: 6,
      units: 4,
    });
    setRandomSeed(23);
    const y = (layer.apply(x, { training: true }) as Tensor).dataSync();
    const [kernel, recurrentKernel, bias] = layer.getWeights();
    const expected = gruOp(x, { kernel, recurrentKernel, bias }, {
      activation: "tanh",
      recurrentActivation: "sigmoid",
      returnSequences: true,
      resetAfter: true,
      recurrentMask: masks.recurrent,
    }).dataSync();
    assert.deepEqual(y, expected);
    assert.ok(maxAbsDiff(y, (layer.apply(x) as Tensor).dataSync()) > 1e-3);
    setRandomSeed(undefined);
  });
  tf.dispose(x);
});

Deno.test("the masks are fixed over the steps, about rate of them zero", async (t) => {
  const batch = 64, units = 8, rate = 0.3;
  const keep = Math.fround(1 / (1 - rate));
  /** A linear SimpleRNN(8) with kernel and recurrent kernel the identity, no bias. */
  const identityRnn = (options: Record<string, number>) => {
    const layer = fusedSimpleRNN({
      units,
      activation: "linear",
      useBias: false,
      returnSequences: true,
      kernelInitializer: "identity",
      recurrentInitializer: "identity",
      ...options,
    });
    layer.apply(tf.zeros([1, 2, units]));
    return layer;
  };
  const fraction = (values: ArrayLike<number>) =>
    Array.from(values).filter((v) => v === 0).length / values.length;

  await t.step("input dropout: h_t = x_t m with x_t = 1: the same m at every step", () => {
    setRandomSeed(5);
    const layer = identityRnn({ dropout: rate });
    const noRecurrence = tf.zeros([units, units]);
    layer.setWeights([layer.getWeights()[0], noRecurrence]);
    const h = (layer.apply(tf.ones([batch, STEPS, units]), { training: true }) as Tensor)
      .arraySync() as number[][][];
    for (const sequence of h) for (const step of sequence) assert.deepEqual(step, sequence[0]);
    const first = h.flatMap((sequence) => sequence[0]);
    assert.ok(first.every((v) => v === 0 || v === keep));
    const dropped = fraction(first);
    assert.ok(Math.abs(dropped - rate) < 0.06, `dropped ${dropped}`);
    setRandomSeed(undefined);
  });

  await t.step("recurrent dropout: h_t = h_{t-1} m from h_0 = 1: h_t = m^t", () => {
    setRandomSeed(6);
    const layer = identityRnn({ recurrentDropout: rate });
    const x = tf.concat([tf.ones([batch, 1, units]), tf.zeros([batch, STEPS - 1, units])], 1);
    const h = (layer.apply(x, { training: true }) as Tensor).arraySync() as number[][][];
    for (const sequence of h) {
      const m = sequence[1]; // h_1 = h_0 m = m
      assert.ok(m.every((v) => v === 0 || v === keep));
      sequence.forEach((step, t) =>
        step.forEach((v, u) => assert.ok(Math.abs(v - m[u] ** t) < 1e-5 * keep ** t))
      );
    }
    const dropped = fraction(h.flatMap((sequence) => sequence[1]));
    assert.ok(Math.abs(dropped - rate) < 0.06, `dropped ${dropped}`);
    setRandomSeed(undefined);
  });

  await t.step(
    "the fast step's Dropout: every value alone, about rate zero, only in training",
    () => {
      setRandomSeed(7);
      const stage = stageOf(layers.dropout({ rate }));
      if (typeof stage === "string") throw new Error(stage);
      const flow = {
        data: new Float32Array(batch * STEPS * units).fill(1),
        batch,
        steps: STEPS,
        width: units,
        sequence: true,
      };
      const run = stage.forward(flow, true);
      assert.ok(run.output.data.every((v) => v === 0 || v === keep));
      assert.ok(Math.abs(fraction(run.output.data) - rate) < 0.03);
      assert.equal(stage.forward(flow, false).output.data, flow.data); // inference: untouched
      setRandomSeed(undefined);
    },
  );
});

/** Embedding -> Dropout(0.2) -> LSTM(4, dropout, recurrentDropout) -> dense(1, sigmoid). */
function dropoutModel(options: { fused: boolean; rate?: number; none?: boolean }): LayersModel {
  const { fused, rate = 0.2, none = false } = options;
  const model = tf.sequential();
  model.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 6 }));
  if (!none) model.add(layers.dropout({ rate }));
  const config = {
    units: 4,
    ...(none ? {} : { dropout: rate, recurrentDropout: rate }),
    recurrentActivation: "sigmoid" as const,
  };
  model.add(
    fused ? layers.lstm(config) : new StockLSTM({ ...config, dropoutFunc: seededDropoutFunc }),
  );
  model.add(layers.dense({ units: 1, activation: "sigmoid" }));
  model.compile({
    optimizer: tf.train.adam(0.02),
    loss: "binaryCrossentropy",
    metrics: ["accuracy"],
  });
  return model;
}

/**
 * Embedding -> LSTM(4, returnSequences, goBackwards, dropout, recurrentDropout) ->
 * SimpleRNN(4, dropout, recurrentDropout) -> dense(1, sigmoid): masks on reversed steps, and
 * the gradient back through a masked stack.
 */
function stackedDropoutModel(fused: boolean): LayersModel {
  const model = tf.sequential();
  model.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 6 }));
  const first = {
    units: 4,
    returnSequences: true,
    goBackwards: true,
    dropout: 0.3,
    recurrentDropout: 0.2,
    recurrentActivation: "sigmoid" as const,
  };
  const second = { units: 4, dropout: 0.25, recurrentDropout: 0.35 };
  model.add(
    fused ? layers.lstm(first) : new StockLSTM({ ...first, dropoutFunc: seededDropoutFunc }),
  );
  model.add(
    fused
      ? layers.simpleRNN(second)
      : new StockSimpleRNN({ ...second, dropoutFunc: seededDropoutFunc }),
  );
  model.add(layers.dense({ units: 1, activation: "sigmoid" }));
  model.compile({
    optimizer: tf.train.adam(0.02),
    loss: "binaryCrossentropy",
    metrics: ["accuracy"],
  });
  return model;
}

/**
 * Embedding -> Dropout(0.2) -> GRU(4, returnSequences, dropout 0.3) -> GRU(3, dropout 0.25) ->
 * dense(1, sigmoid): the fused GRUs or tfjs's own with the seeded masks.
 */
function gruDropoutModel(fused: boolean): LayersModel {
  const model = tf.sequential();
  model.add(layers.embedding({ inputDim: VOCABULARY, outputDim: 6 }));
  model.add(layers.dropout({ rate: 0.2 }));
  const configs = [
    { units: 4, returnSequences: true, dropout: 0.3, recurrentActivation: "sigmoid" as const },
    {
      units: 3,
      returnSequences: false,
      dropout: 0.25,
      recurrentDropout: 0.3,
      recurrentActivation: "sigmoid" as const,
    },
  ];
  for (const config of configs) {
    model.add(
      fused ? layers.gru(config) : new StockGRU({ ...config, dropoutFunc: seededDropoutFunc }),
    );
  }
  model.add(layers.dense({ units: 1, activation: "sigmoid" }));
  model.compile({
    optimizer: tf.train.adam(0.02),
    loss: "binaryCrossentropy",
    metrics: ["accuracy"],
  });
  return model;
}

Deno.test("model.fit with dropout on the fast road", async (t) => {
  const x = tf.randomUniform([48, STEPS], 0, VOCABULARY, "int32", 4);
  const y = tf.cast(tf.greater(tf.sum(tf.cast(tf.less(x, 6), "float32"), 1, true), 1.2), "float32");
  const fit = async (model: LayersModel, seed: number) => {
    setRandomSeed(seed); // the shuffles and the masks
    const history = await model.fit(x, y, {
      epochs: 2,
      batchSize: 16,
      validationSplit: 0.25,
      verbose: 0,
    });
    setRandomSeed(undefined);
    return history.history as Record<string, number[]>;
  };
  const weightsOf = (seed: number, build: () => LayersModel) => {
    setRandomSeed(seed);
    return build();
  };

  await t.step("= model.fit through tfjs's ops with the same seed (the same masks)", async () => {
    const fused = weightsOf(1, () => dropoutModel({ fused: true }));
    const stock = dropoutModel({ fused: false });
    stock.setWeights(fused.getWeights());
    assert.deepEqual(canTrainFast(fused), { fast: true });
    assert.equal(canTrainFast(stock).fast, false);
    const a = await fit(fused, 21);
    const b = await quietly(() => fit(stock, 21));
    for (const key of ["loss", "acc", "val_loss", "val_acc"]) {
      assert.ok(maxAbsDiff(a[key], b[key]) < 1e-5, `${key}: ${a[key]} vs ${b[key]}`);
    }
  });

  await t.step(
    "Dropout + GRUs with dropout and recurrentDropout: = tfjs's own GRU, same masks",
    async () => {
      const fused = weightsOf(3, () => gruDropoutModel(true));
      const stock = gruDropoutModel(false);
      stock.setWeights(fused.getWeights());
      assert.deepEqual(canTrainFast(fused), { fast: true });
      assert.equal(canTrainFast(stock).fast, false);
      const a = await fit(fused, 25);
      const b = await quietly(() => fit(stock, 25));
      for (const key of ["loss", "acc", "val_loss", "val_acc"]) {
        assert.ok(maxAbsDiff(a[key], b[key]) < 1e-5, `${key}: ${a[key]} vs ${b[key]}`);
      }
      const after = maxAbsDiff(
        fused.getWeights().flatMap((w) => [...w.dataSync()]),
        stock.getWeights().flatMap((w) => [...w.dataSync()]),
      );
      assert.ok(after < 1e-5, `weights after fit differ by ${after}`);
    },
  );

  await t.step("stacked, goBackwards, both dropouts in both layers: = tfjs's ops", async () => {
    const fused = weightsOf(2, () => stackedDropoutModel(true));
    const stock = stackedDropoutModel(false);
    stock.setWeights(fused.getWeights());
    assert.deepEqual(canTrainFast(fused), { fast: true });
    const a = await fit(fused, 23);
    const b = await quietly(() => fit(stock, 23));
    for (const key of ["loss", "acc", "val_loss", "val_acc"]) {
      assert.ok(maxAbsDiff(a[key], b[key]) < 1e-5, `${key}: ${a[key]} vs ${b[key]}`);
    }
    const after = maxAbsDiff(
      fused.getWeights().flatMap((w) => [...w.dataSync()]),
      stock.getWeights().flatMap((w) => [...w.dataSync()]),
    );
    assert.ok(after < 1e-5, `weights after fit differ by ${after}`);
  });

  await t.step("the same seed, the same history; another seed, another", async () => {
    const run = (seed: number) => fit(weightsOf(1, () => dropoutModel({ fused: true })), seed);
    const first = await run(21);
    assert.deepEqual(await run(21), first);
    assert.notDeepEqual((await run(22)).loss, first.loss);
  });

  await t.step("rate 0: the same history as no dropout", async () => {
    const zero = weightsOf(1, () => dropoutModel({ fused: true, rate: 0 }));
    const none = dropoutModel({ fused: true, none: true });
    none.setWeights(zero.getWeights());
    assert.deepEqual(await fit(zero, 21), await fit(none, 21));
  });
  tf.dispose([x, y]);
});
