import assert from "node:assert/strict";
import { RecurrentNetwork, type RecurrentNetworkWeights } from "../../src/scratch/mod.ts";
import { type NDArray, ndarray } from "../../src/data/ndarray.ts";
import { toCategorical } from "../../src/data/preprocessing.ts";
import { RandomState } from "../../src/data/random_state.ts";
import { tf } from "../../src/tfjs/tf.ts";
import { numericalGradients } from "../../src/scratch/gradient_check.ts";
import { useSimd } from "../../src/scratch/np.ts";

type Tensor = InstanceType<typeof tf.Tensor>;

/** A small deterministic generator for test data (not the code under test). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** One-hot float32 [m, steps, features] from ids [m * steps]. */
function oneHot(ids: ArrayLike<number>, m: number, steps: number, features: number) {
  const seqs = ndarray({ shape: [m, steps], dtype: "int32", data: Int32Array.from(ids) });
  return toCategorical(seqs, features);
}

/** Random float32-representable weights (non-zero biases) for the gradient checks. */
function randomWeights(rand: () => number, n: number, f: number, c = 1): RecurrentNetworkWeights {
  const r = (len: number, scale: number) =>
    Float64Array.from({ length: len }, () => Math.fround((rand() * 2 - 1) * scale));
  return { w1h: r(n * n, 0.8), w1x: r(f * n, 0.8), b1: r(n, 0.3), w2: r(n * c, 1), b2: r(c, 0.3) };
}

/** A random input with one-hot, zero and dense rows, float32-representable: [m, steps, f]. */
function mixedInput(rand: () => number, m: number, steps: number, f: number) {
  const data = new Float64Array(m * steps * f);
  for (let r = 0; r < m * steps; r++) {
    const kind = rand();
    if (kind < 0.4) data[r * f + Math.floor(rand() * f)] = 1;
    else if (kind < 0.5) continue;
    else {for (let k = 0; k < f; k++) {
        data[r * f + k] = rand() < 0.4 ? 0 : Math.fround(rand() * 2 - 1);
      }}
  }
  return ndarray({ shape: [m, steps, f], dtype: "float64", data });
}

function gradients(rn: RecurrentNetwork, x: NDArray, y: ArrayLike<number>) {
  const a = rn.sigmoid(rn.forpass(x));
  const err = a.map((ai, i) => ai - y[i]);
  return rn.backprop(x, err);
}

const NAMES = ["w1h", "w1x", "b1", "w2", "b2"] as const;

function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what: string,
) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= tol)) {
      assert.fail(`${what}[${i}]: ${actual[i]} vs ${expected[i]} (difference ${d} > ${tol})`);
    }
  }
}

/**
 * The same forward pass in tfjs (float32), one weight set per step when `perStep`; returns the
 * mean logistic loss. Used through tf.grads.
 */
function tfLoss(
  x: NDArray,
  y: ArrayLike<number>,
  w: { w1h: Tensor[]; w1x: Tensor[]; b1: Tensor[]; w2: Tensor; b2: Tensor },
): Tensor {
  const [m, steps, f] = x.shape;
  const n = w.b1[0].shape[0];
  const xs = tf.tensor3d(Float32Array.from(x.data), [m, steps, f]);
  let h: Tensor = tf.zeros([m, n]);
  for (let t = 0; t < steps; t++) {
    const s = w.w1h.length === 1 ? 0 : t;
    const xt = xs.slice([0, t, 0], [m, 1, f]).reshape([m, f]);
    h = tf.tanh(tf.add(tf.add(tf.matMul(xt, w.w1x[s]), tf.matMul(h, w.w1h[s])), w.b1[s]));
  }
  const z = tf.add(tf.matMul(h, w.w2), w.b2);
  const yt = tf.tensor2d(Float32Array.from(y), [m, 1]);
  return tf.mean(tf.sub(tf.softplus(z), tf.mul(yt, z)));
}

Deno.test("backprop with full BPTT equals finite differences and tf.grad", async (t) => {
  for (
    const [label, seed, m, steps, f, n] of [["one-hot", 3, 3, 6, 4, 3], [
      "mixed",
      4,
      5,
      7,
      5,
      4,
    ]] as const
  ) {
    await t.step(`${label} input, m=${m} steps=${steps} features=${f} cells=${n}`, () => {
      const rand = lcg(seed);
      const x = label === "one-hot"
        ? oneHot(Array.from({ length: m * steps }, () => Math.floor(rand() * f)), m, steps, f)
        : mixedInput(rand, m, steps, f);
      const y = Array.from({ length: m }, (_, i) => i % 2);
      const rn = new RecurrentNetwork({ nCells: n, tbpttSteps: Infinity });
      const weights = randomWeights(rand, n, f);
      rn.setWeights(weights);
      const grads = gradients(rn, x, y);

      // Central finite differences in float64.
      const numericAll = numericalGradients(rn, x, y, { eps: 1e-6 });
      for (const name of NAMES) {
        const numeric = numericAll[name];
        assertClose(grads[name], numeric, 1e-8, `finite differences ${name}`);
      }

      // tf.grad of the same forward pass written in tfjs.
      const tfGrads = tf.tidy(() => {
        const ws = NAMES.map((k) => tf.tensor(Float32Array.from(weights[k])));
        const shaped = [
          ws[0].reshape([n, n]),
          ws[1].reshape([f, n]),
          ws[2],
          ws[3].reshape([n, 1]),
          ws[4],
        ];
        const g = tf.grads((w1h: Tensor, w1x: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) =>
          tfLoss(x, y, { w1h: [w1h], w1x: [w1x], b1: [b1], w2, b2 })
        )(shaped);
        return g.map((gi) => gi.reshape([-1]));
      });
      NAMES.forEach((name, i) => {
        assertClose(grads[name], tfGrads[i].dataSync(), 1e-6, `tf.grad ${name}`);
      });
      tf.dispose(tfGrads);
    });
  }
});

Deno.test("backprop with tbpttSteps k sums the gradient over the last k steps", async (t) => {
  const rand = lcg(7);
  const m = 4, steps = 6, f = 5, n = 3;
  const x = mixedInput(rand, m, steps, f);
  const y = [1, 0, 0, 1];
  const weights = randomWeights(rand, n, f);
  // d loss / d (step t's own copy of W1h, W1x, b1), from tfjs with one weight set per step.
  const perStep = tf.tidy(() => {
    const copies = (k: "w1h" | "w1x" | "b1", shape: number[]) =>
      Array.from({ length: steps }, () => tf.tensor(Float32Array.from(weights[k]), shape));
    const w1h = copies("w1h", [n, n]), w1x = copies("w1x", [f, n]), b1 = copies("b1", [n]);
    const w2 = tf.tensor(Float32Array.from(weights.w2), [n, 1]),
      b2 = tf.tensor(Float32Array.from(weights.b2));
    const g = tf.grads((...args: Tensor[]) =>
      tfLoss(x, y, {
        w1h: args.slice(0, steps),
        w1x: args.slice(steps, 2 * steps),
        b1: args.slice(2 * steps, 3 * steps),
        w2,
        b2,
      })
    )([...w1h, ...w1x, ...b1]);
    return g.map((gi) => gi.reshape([-1]));
  });
  const contribution = perStep.map((g) => Float64Array.from(g.dataSync()));
  tf.dispose(perStep);
  for (const k of [1, 2, 4, steps, 10]) {
    await t.step(`tbpttSteps ${k}`, () => {
      const rn = new RecurrentNetwork({ nCells: n, tbpttSteps: k });
      rn.setWeights(weights);
      const g = gradients(rn, x, y);
      NAMES.slice(0, 3).forEach((name, p) => {
        const expected = new Float64Array(g[name].length);
        for (let s = Math.max(0, steps - k); s < steps; s++) {
          contribution[p * steps + s].forEach((v, i) => expected[i] += v);
        }
        assertClose(g[name], expected, 1e-6, `${name} over the last ${k} steps`);
      });
    });
  }
  await t.step("tbpttSteps Infinity equals tbpttSteps >= steps exactly", () => {
    const a = new RecurrentNetwork({ nCells: n, tbpttSteps: Infinity });
    const b = new RecurrentNetwork({ nCells: n, tbpttSteps: steps });
    a.setWeights(weights);
    b.setWeights(weights);
    assert.deepEqual(gradients(a, x, y), gradients(b, x, y));
  });
  await t.step(
    "bookBackprop differs only through W1h: equal for k = 1 and for symmetric W1h",
    () => {
      const book = new RecurrentNetwork({ nCells: n, tbpttSteps: 1, bookBackprop: true });
      const ours = new RecurrentNetwork({ nCells: n, tbpttSteps: 1 });
      book.setWeights(weights);
      ours.setWeights(weights);
      assert.deepEqual(gradients(book, x, y), gradients(ours, x, y));
      const sym = structuredClone(weights);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < i; j++) {
          sym.w1h[i * n + j] = sym.w1h[j * n + i];
        }
      }
      const bookAll = new RecurrentNetwork({ nCells: n, tbpttSteps: Infinity, bookBackprop: true });
      const oursAll = new RecurrentNetwork({ nCells: n, tbpttSteps: Infinity });
      bookAll.setWeights(sym);
      oursAll.setWeights(sym);
      assert.deepEqual(gradients(bookAll, x, y), gradients(oursAll, x, y));
      oursAll.setWeights(weights);
      bookAll.setWeights(weights);
      assert.notDeepEqual(gradients(bookAll, x, y).w1h, gradients(oursAll, x, y).w1h);
    },
  );
});

// ---- the book's numpy code (tests/fixtures/recurrent_network_numpy.json) ----

interface NumpyRun {
  weights: Record<string, number[]>;
  activations: number[][];
}
const fixture = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/recurrent_network_numpy.json", import.meta.url)),
);

function initialWeights(json: Record<string, number[]>): RecurrentNetworkWeights {
  return {
    w1h: Float64Array.from(json.w1h),
    w1x: Float64Array.from(json.w1x),
    b1: Float64Array.from(json.b1),
    w2: Float64Array.from(json.w2),
    b2: Float64Array.from(json.b2),
  };
}

function assertWeights(
  rn: RecurrentNetwork,
  expected: Record<string, number[]>,
  tol: number,
  what: string,
) {
  const w = rn.getWeights();
  for (const name of NAMES) assertClose(w[name], expected[name], tol, `${what} ${name}`);
}

Deno.test("three training steps equal the book's numpy code", async (t) => {
  for (const caseName of ["training", "dense"] as const) {
    const c = fixture[caseName];
    const batches = (c.m as number[]).map((m, b) =>
      caseName === "training" ? oneHot(c.ids[b], m, c.steps, c.nFeatures) : ndarray({
        shape: [m, c.steps, c.nFeatures],
        dtype: "float64",
        data: Float64Array.from(c.x[b]),
      })
    );
    for (const variant of ["book", "fixed"] as const) {
      await t.step(`${caseName} input, ${variant === "book" ? "as printed" : "with W1hᵀ"}`, () => {
        const rn = new RecurrentNetwork({
          nCells: c.nCells,
          learningRate: c.learningRate,
          bookBackprop: variant === "book",
        });
        rn.setWeights(initialWeights(c.initial));
        const run: NumpyRun = c[variant];
        batches.forEach((x, b) => {
          const a = rn.training(x, c.y[b]);
          assertClose(a, run.activations[b], 1e-13, `step ${b} activations`);
        });
        assertWeights(rn, run.weights, 1e-13, "weights");
        // w1h, w1x, w2 stay float32 values, as numpy's float32 arrays do.
        const w = rn.getWeights();
        for (const name of ["w1h", "w1x", "w2"] as const) {
          assert.ok(w[name].every((v) => Math.fround(v) === v), `${name} is float32`);
        }
      });
    }
  }
});

Deno.test("fit equals the book's fit: batch order, losses, val losses, weights", async (t) => {
  const c = fixture.fit;
  const x = oneHot(c.ids, c.y.length, c.steps, c.nFeatures);
  const xVal = oneHot(c.valIds, c.yVal.length, c.steps, c.nFeatures);
  await t.step("genBatch follows np.random.seed(42) permutations, each batch new arrays", () => {
    const rn = new RecurrentNetwork({ nCells: c.nCells, batchSize: c.batchSize });
    const random = new RandomState(42);
    for (const permutation of c.permutations) {
      const order: number[] = [];
      const sizes: number[] = [];
      // the batches are checked once all are made: a later batch overwrites none of them
      for (const batch of [...rn.genBatch(x, c.y, random)]) {
        order.push(...batch.indexes);
        sizes.push(batch.x.shape[0]);
        batch.indexes.forEach((s, i) => {
          assert.equal(batch.y[i], c.y[s]);
          const row = c.steps * c.nFeatures;
          assert.deepEqual(
            batch.x.data.subarray(i * row, (i + 1) * row),
            x.data.subarray(s * row, (s + 1) * row),
          );
        });
      }
      assert.deepEqual(order, permutation);
      assert.deepEqual(sizes, [4, 4, 3]);
    }
  });
  for (const variant of ["book", "fixed"] as const) {
    await t.step(`fit, ${variant === "book" ? "as printed" : "with W1hᵀ"}`, () => {
      const rn = new RecurrentNetwork({
        nCells: c.nCells,
        batchSize: c.batchSize,
        learningRate: c.learningRate,
        bookBackprop: variant === "book",
      });
      rn.setWeights(initialWeights(c.initial));
      const logs: number[] = [];
      rn.fit(x, c.y, {
        epochs: c.epochs,
        xVal,
        yVal: c.yVal,
        onEpochEnd: (log) => logs.push(log.epoch),
      });
      assert.deepEqual(logs, [0, 1]);
      assertClose(rn.losses, c[variant].losses, 1e-13, "losses");
      assertClose(rn.valLosses, c[variant].valLosses, 1e-13, "valLosses");
      assertWeights(rn, c[variant].weights, 1e-13, "weights");
      assert.equal(rn.score(xVal, c.yVal), c[variant].score);
    });
  }
});

Deno.test("shared hidden states and chunked prediction give the same numbers as one sample at a time", async (t) => {
  for (const n of [5, 8]) {
    await t.step(`nCells ${n}`, () => sharedStatesCheck(n));
  }
});

function sharedStatesCheck(n: number) {
  const rand = lcg(11);
  const m = 300, steps = 12, f = 6;
  // pre-padded one-hot rows (id 0), duplicates, some dense rows
  const ids = new Int32Array(m * steps);
  for (let i = 0; i < m; i++) {
    const pad = i % 4 === 0 ? 0 : Math.floor(rand() * (steps + 1));
    for (let t = pad; t < steps; t++) ids[i * steps + t] = 1 + Math.floor(rand() * (f - 1));
    if (i % 7 === 3) ids.copyWithin(i * steps, (i - 1) * steps, i * steps);
  }
  const x = oneHot(ids, m, steps, f);
  const data = x.data as Float32Array;
  for (let i = 5; i < m; i += 17) data[(i * steps + 2) * f + 1] = 0.5; // a dense row
  const rn = new RecurrentNetwork({ nCells: n });
  rn.setWeights(randomWeights(rand, n, f));
  const z = rn.forpass(x);
  assert.deepEqual(rn.h!.shape, [steps + 1, m, n]);
  const hAll = Float64Array.from(rn.h!.data); // a copy: the next forpass reuses the buffer
  const row = steps * f;
  for (let i = 0; i < m; i++) {
    const one = ndarray({
      shape: [1, steps, f],
      dtype: "float32",
      data: data.slice(i * row, (i + 1) * row),
    });
    const zi = rn.forpass(one);
    assert.equal(zi[0], z[i], `sample ${i}`);
    const h = rn.h!.data;
    for (let t = 0; t <= steps; t++) {
      for (let c = 0; c < n; c++) assert.equal(h[t * n + c], hAll[(t * m + i) * n + c]);
    }
  }
  const p = rn.predict(x);
  assert.deepEqual(Array.from(p), Array.from(z, (v) => (v > 0 ? 1 : 0)));
  const y = Array.from(p, (v, i) => (i % 10 === 0 ? 1 - v : v));
  assert.equal(rn.score(x, y), 0.9);
}

Deno.test("a toy separable sequence problem reaches score 1.0", () => {
  // label 1 when token 1 occurs anywhere in the sequence of 8 tokens over 5 symbols
  const rand = lcg(5);
  const m = 96, steps = 8, f = 5;
  const ids = Array.from({ length: m * steps }, () => 2 + Math.floor(rand() * (f - 2)));
  const y = Array.from({ length: m }, (_, i) => i % 2);
  for (let i = 0; i < m; i += 2) ids[i * steps + Math.floor(rand() * steps)] = 1;
  const x = oneHot(ids, m, steps, f);
  const rn = new RecurrentNetwork({ nCells: 8, batchSize: 16, learningRate: 0.5, seed: 3 });
  rn.fit(x, y, { epochs: 60, xVal: x, yVal: y });
  assert.equal(rn.score(x, y), 1);
  assert.equal(rn.losses.length, 60);
  assert.ok(rn.losses[59] < rn.losses[0] / 4, `loss ${rn.losses[0]} -> ${rn.losses[59]}`);
  assert.ok(rn.valLosses[59] < rn.valLosses[0]);
  // Keras's names, as tfjs's History.history has them: copies of losses and valLosses
  const history = rn.history;
  assert.deepEqual(history, { loss: rn.losses, val_loss: rn.valLosses });
  history.loss[0] = -1;
  assert.notEqual(rn.losses[0], -1);
});

/** The toy problem above, smaller: [m, 8, 5] one-hot, label 1 when token 1 occurs. */
function toyProblem(m: number, seed: number) {
  const rand = lcg(seed);
  const steps = 8, f = 5;
  const ids = Array.from({ length: m * steps }, () => 2 + Math.floor(rand() * (f - 2)));
  const y = Array.from({ length: m }, (_, i) => i % 2);
  for (let i = 0; i < m; i += 2) ids[i * steps + Math.floor(rand() * steps)] = 1;
  return { x: oneHot(ids, m, steps, f), y };
}

Deno.test("fitAsync equals fit exactly: weights, losses, valLosses, epoch logs", async (t) => {
  const train = toyProblem(70, 5); // 70 samples, batchSize 16: 5 batches, the last of 6
  const val = toyProblem(30, 6);
  const cases = [
    { nCells: 8, bookBackprop: false, yieldIntervalMs: 0 }, // SIMD kernels, a yield per batch
    { nCells: 5, bookBackprop: true, yieldIntervalMs: undefined }, // plain loops, default yields
  ];
  for (const { nCells, bookBackprop, yieldIntervalMs } of cases) {
    await t.step(`nCells ${nCells}, bookBackprop ${bookBackprop}`, async () => {
      const options = { nCells, batchSize: 16, learningRate: 0.5, seed: 3, bookBackprop };
      const common = { epochs: 4, xVal: val.x, yVal: val.y };
      const sync = new RecurrentNetwork(options);
      const syncLogs: unknown[] = [];
      sync.fit(train.x, train.y, { ...common, onEpochEnd: (log) => void syncLogs.push(log) });
      const async = new RecurrentNetwork(options);
      const asyncLogs: unknown[] = [];
      const batchLosses: number[][] = [[], [], [], []];
      const returned = await async.fitAsync(train.x, train.y, {
        ...common,
        yieldIntervalMs,
        onEpochEnd: (log) => void asyncLogs.push(log),
        onBatchEnd: ({ epoch, loss }) => void batchLosses[epoch].push(loss),
      });
      assert.equal(returned, async);
      assert.deepEqual(async.getWeights(), sync.getWeights());
      assert.deepEqual(async.losses, sync.losses);
      assert.deepEqual(async.valLosses, sync.valLosses);
      assert.deepEqual(asyncLogs, syncLogs);
      assert.deepEqual(syncLogs[3], {
        epoch: 3,
        epochs: 4,
        batches: 5,
        loss: sync.losses[3],
        val_loss: sync.valLosses[3],
      });
      // the running mean after an epoch's last batch is the epoch's loss
      assert.deepEqual(batchLosses.map((l) => l.length), [5, 5, 5, 5]);
      assert.deepEqual(batchLosses.map((l) => l[4]), sync.losses);
      // and training goes on from the weights reached, as fit's does
      sync.fit(train.x, train.y, { epochs: 1 });
      await async.fitAsync(train.x, train.y, { epochs: 1 });
      assert.deepEqual(async.getWeights(), sync.getWeights());
    });
  }
});

Deno.test("fitAsync awaits its callbacks in order and yields to the event loop", async (t) => {
  const train = toyProblem(40, 7); // batchSize 16: 3 batches per epoch
  const val = toyProblem(10, 8);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await t.step("each callback finishes before training goes on", async () => {
    const rn = new RecurrentNetwork({ nCells: 8, batchSize: 16, learningRate: 0.5 });
    const events: string[] = [];
    /** An async callback that checks the network did not move while it was waiting. */
    const slow = (name: string) => async () => {
      const before = { losses: rn.losses.length, w1h: rn.getWeights().w1h };
      events.push(`${name} start`);
      await sleep(2);
      assert.equal(rn.losses.length, before.losses);
      assert.deepEqual(rn.getWeights().w1h, before.w1h);
      events.push(`${name} end`);
    };
    let batchName = "";
    await rn.fitAsync(train.x, train.y, {
      epochs: 2,
      xVal: val.x,
      yVal: val.y,
      onBatchEnd: ({ epoch, batch }) => slow(batchName = `batch ${epoch}.${batch}`)(),
      onEpochEnd: ({ epoch }) => slow(`epoch ${epoch}`)(),
    });
    assert.equal(batchName, "batch 1.2");
    const expected = ["batch 0.0", "batch 0.1", "batch 0.2", "epoch 0"];
    expected.push(...expected.map((e) => e.replace(" 0", " 1")));
    assert.deepEqual(events, expected.flatMap((e) => [`${e} start`, `${e} end`]));
  });
  await t.step("a timer set before fitAsync runs after the first epoch", async () => {
    const rn = new RecurrentNetwork({ nCells: 8, batchSize: 16, learningRate: 0.5 });
    const events: string[] = [];
    setTimeout(() => events.push("timer"), 0);
    await rn.fitAsync(train.x, train.y, {
      epochs: 2,
      yieldIntervalMs: Infinity, // yield only after epochs
      onBatchEnd: ({ epoch, batch }) => void events.push(`batch ${epoch}.${batch}`),
      onEpochEnd: ({ epoch }) => void events.push(`epoch ${epoch}`),
    });
    assert.deepEqual(events.slice(0, 6), [
      "batch 0.0",
      "batch 0.1",
      "batch 0.2",
      "epoch 0",
      "timer",
      "batch 1.0",
    ]);
  });
  await t.step("yieldIntervalMs 0 yields after every batch", async () => {
    const rn = new RecurrentNetwork({ nCells: 8, batchSize: 16, learningRate: 0.5 });
    const events: string[] = [];
    setTimeout(() => events.push("timer"), 0);
    await rn.fitAsync(train.x, train.y, {
      epochs: 1,
      yieldIntervalMs: 0,
      onBatchEnd: ({ batch }) => void events.push(`batch ${batch}`),
    });
    assert.deepEqual(events, ["batch 0", "timer", "batch 1", "batch 2"]);
  });
  await t.step("a callback's rejection rejects fitAsync", async () => {
    const rn = new RecurrentNetwork({ nCells: 8, batchSize: 16, learningRate: 0.5 });
    await assert.rejects(
      rn.fitAsync(train.x, train.y, {
        epochs: 3,
        onEpochEnd: ({ epoch }) => epoch === 1 ? Promise.reject(new Error("stop")) : undefined,
      }),
      /stop/,
    );
    assert.equal(rn.losses.length, 2);
  });
});

Deno.test("initWeights: orthogonal W1h, Glorot-uniform W1x and W2 from tfjs, zero biases, seeded", () => {
  const rn = new RecurrentNetwork({ nCells: 16, seed: 9 });
  rn.initWeights(20, 1);
  const w = rn.getWeights();
  assert.equal(w.w1h.length, 256);
  assert.equal(w.w1x.length, 320);
  assert.deepEqual(w.b1, new Float64Array(16));
  assert.equal(w.w2.length, 16);
  assert.deepEqual(w.b2, new Float64Array(1));
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let s = 0;
      for (let k = 0; k < 16; k++) s += w.w1h[i * 16 + k] * w.w1h[j * 16 + k];
      assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-5, `W1h·W1hᵀ[${i}, ${j}] = ${s}`);
    }
  }
  const limit = Math.sqrt(6 / (20 + 16));
  assert.ok(w.w1x.every((v) => Math.abs(v) <= limit && Math.fround(v) === v));
  assert.ok(Math.max(...w.w1x.map(Math.abs)) > limit * 0.8);
  assert.ok(w.w2.every((v) => Math.abs(v) <= Math.sqrt(6 / 17)));
  const again = new RecurrentNetwork({ nCells: 16, seed: 9 });
  again.initWeights(20, 1);
  assert.deepEqual(again.getWeights(), w);
  const other = new RecurrentNetwork({ nCells: 16, seed: 10 });
  other.initWeights(20, 1);
  assert.notDeepEqual(other.getWeights().w1x, w.w1x);
});

Deno.test("getWeights and setWeights copy", () => {
  const rn = new RecurrentNetwork({ nCells: 2 });
  const w = randomWeights(lcg(2), 2, 3);
  rn.setWeights(w);
  const got = rn.getWeights();
  assert.deepEqual(got, w);
  got.w1h[0] = 99;
  w.w1x[0] = 99;
  assert.notEqual(rn.getWeights().w1h[0], 99);
  assert.notEqual(rn.getWeights().w1x[0], 99);
});

Deno.test("bad input throws errors naming the value", async (t) => {
  const x = oneHot([0, 1, 2, 0, 1, 2], 2, 3, 3);
  await t.step("options", () => {
    assert.throws(
      () => new RecurrentNetwork({ nCells: 0 }),
      /nCells must be a positive integer, got 0/,
    );
    assert.throws(() => new RecurrentNetwork({ batchSize: 2.5 }), /batchSize .* got 2.5/);
    assert.throws(() => new RecurrentNetwork({ learningRate: -1 }), /learningRate .* got -1/);
    assert.throws(() => new RecurrentNetwork({ tbpttSteps: 0 }), /tbpttSteps .* got 0/);
  });
  await t.step("no weights", () => {
    assert.throws(() => new RecurrentNetwork().predict(x), /No weights yet/);
    assert.throws(() => new RecurrentNetwork().getWeights(), /No weights yet/);
  });
  const rn = new RecurrentNetwork({ nCells: 2 });
  rn.setWeights(randomWeights(lcg(1), 2, 3));
  await t.step("x", () => {
    const flat = ndarray({ shape: [2, 9], dtype: "float32" });
    assert.throws(
      () => rn.forpass(flat),
      /x must be \[samples, steps, features\], got shape \[2,9\]/,
    );
    const wide = ndarray({ shape: [2, 3, 4], dtype: "float32" });
    assert.throws(() => rn.forpass(wide), /x has 4 features, the weights expect 3/);
    const short = { ...x, data: new Float32Array(5) };
    assert.throws(() => rn.forpass(short), /x.data has 5 values/);
  });
  await t.step("y", () => {
    assert.throws(() => rn.training(x, [1]), /y has 1 values, x has 2 samples/);
    assert.throws(() => rn.training(x, [1, 2]), /y\[1\] is 2, expected 0 or 1/);
    assert.throws(() => rn.score(x, [0, 0.5]), /y\[1\] is 0.5/);
  });
  await t.step("backprop before forpass, wrong err", () => {
    const fresh = new RecurrentNetwork({ nCells: 2 });
    fresh.setWeights(randomWeights(lcg(1), 2, 3));
    assert.throws(() => fresh.backprop(x, [0, 0]), /forpass\(x\) on the same x first/);
    fresh.forpass(x);
    assert.throws(() => fresh.backprop(x, [0, 0, 0]), /err has 3 values/);
  });
  await t.step("setWeights shapes", () => {
    const w = randomWeights(lcg(1), 2, 3);
    assert.throws(() => rn.setWeights({ ...w, w1h: new Float64Array(3) }), /w1h has 3 values/);
    assert.throws(
      () => rn.setWeights({ ...w, b1: new Float64Array(3) }),
      /b1 has 3 values, nCells is 2/,
    );
    assert.throws(() => rn.setWeights({ ...w, w2: new Float64Array(3) }), /w2 has 3 values/);
  });
  await t.step("fit", () => {
    assert.throws(
      () => rn.fit(x, [0, 1], { epochs: 1, xVal: x }),
      /xVal and yVal must be given together/,
    );
    assert.throws(() => rn.fit(x, [0, 1], { epochs: -1 }), /epochs .* got -1/);
  });
  await t.step("fitAsync", async () => {
    await assert.rejects(
      rn.fitAsync(x, [0, 1], { epochs: 1, xVal: x }),
      /xVal and yVal must be given together/,
    );
    await assert.rejects(rn.fitAsync(x, [0, 1], { epochs: 1.5 }), /epochs .* got 1.5/);
    await assert.rejects(
      rn.fitAsync(x, [0, 1], { yieldIntervalMs: -1 }),
      /yieldIntervalMs .* got -1/,
    );
  });
});

Deno.test("the WebAssembly SIMD products give bit-identical results to the plain loops", async (t) => {
  const rand = lcg(21);
  const m = 7, steps = 14, f = 12;
  const ids = new Int32Array(m * steps);
  for (let i = 0; i < m; i++) {
    const pad = i === 0 ? 0 : Math.floor(rand() * steps);
    for (let s = pad; s < steps; s++) ids[i * steps + s] = 1 + Math.floor(rand() * (f - 1));
  }
  const x = oneHot(ids, m, steps, f);
  (x.data as Float32Array)[(3 * steps + 9) * f + 2] = -0.25; // one dense row
  const y = [1, 0, 1, 1, 0, 0, 1];
  for (
    const [n, tbpttSteps, bookBackprop] of [[8, 3, false], [16, Infinity, false], [
      8,
      10,
      true,
    ], [10, 10, false]] as const
  ) {
    await t.step(`nCells ${n}, tbpttSteps ${tbpttSteps}, bookBackprop ${bookBackprop}`, () => {
      const weights = randomWeights(rand, n, f);
      /** Three training steps, then gradients, Z2, h and predictions, with or without SIMD. */
      const run = (simd: boolean) => {
        const previous = useSimd(simd);
        try {
          const rn = new RecurrentNetwork({
            nCells: n,
            tbpttSteps,
            bookBackprop,
            learningRate: 0.3,
          });
          rn.setWeights(weights);
          const activations = [0, 1, 2].map(() => rn.training(x, y));
          return {
            activations,
            weights: rn.getWeights(),
            gradients: gradients(rn, x, y),
            z2: rn.forpass(x),
            h: rn.h,
            predictions: rn.predict(x),
          };
        } finally {
          useSimd(previous);
        }
      };
      const [simd, plain] = [run(true), run(false)];
      assert.deepEqual(simd, plain);
    });
  }
});
