/**
 * `deno task bench`: milliseconds per training batch of the chapter's models, in the JSON-lines
 * form of `../shared/bench/peers.py` (the PyTorch and numpy references), one line per model:
 *
 * ```
 * {"model":"embedding_lstm","impl":"tfjs-fused","road":"model.fit","batches":60,"threads":1,"ms_per_batch":4.2}
 * ```
 *
 * Each tfjs model is built and trained as notebooks 9-3 and 9-4 do it: `tf.sequential()` with
 * `layers.*` after `setRandomSeed(42)`, `model.compile` with the book's optimizer, loss and
 * metric, and `model.fit(x, y, { batchSize: 32 })` on tensors of the seed-42 training split (the
 * one-hot model on the one-hot array, as the book's `x_train_onehot`). The figure is the median,
 * over `--batches` consecutive batches after `--warmup` untimed ones, of the time between two
 * `onBatchEnd` callbacks: one batch of `fit`'s own loop (cutting the batch, the training step,
 * the callbacks). With `--epochs N` it instead trains N full epochs (shuffled, seed 42) and
 * prints `epoch_s` (mean training seconds per epoch, validation excluded, as peers.py),
 * `val_accuracy` and `test_accuracy` (`model.evaluate`).
 *
 * The variants a reader tries after the chapter (not in the default run; `--models` picks them):
 * `embedding_gru` (`VARIANT_KINDS` of `src/tfjs/models.ts`: GRU(8) in the place of the LSTM) and
 * peers.py's `VARIANTS` ({@link VARIANTS}); each Embedding(1000, 32), recurrent layers of 8
 * units, Dense(1, sigmoid), Adam, built with `layers.*` as a notebook would build them.
 *
 * Flags: `--models a,b` (default the four of the chapter), `--batches 60`, `--warmup 5`,
 * `--epochs N`, `--impl fused|stock` (default fused: the project's layers; stock:
 * `tf.layers.simpleRNN` / `tf.layers.lstm` / `tf.layers.gru`, which train through tfjs's own
 * ops; the chapter's models and `embedding_gru`), `--road fit|fitModel|tfjs` (default
 * `fit`: `model.fit`, the notebooks' road; `fitModel`: the earlier typed-array loop over the
 * same models, `src/tfjs/training.ts`; `tfjs`: `model.fit` with tfjs's own training step
 * (`withTfjsOwnTraining`), the road of a model outside the fast set, the fused layers still
 * one op each), `--data DIR` (default $IMDB_DATA_DIR).
 * tfjs' cpu backend runs on one thread: `threads` is 1. `scratch_rnn` is the hand-written
 * `RecurrentNetwork` (`bench/scratch_rnn.ts`).
 * @module
 */
import type { LayersModel, Tensor } from "@tensorflow/tfjs";
import type { Layer } from "../src/tfjs/layers.ts";
import { tf } from "../src/tfjs/tf.ts";
import { firstRows, type NDArray } from "../src/data/ndarray.ts";
import { prepareImdb, toCategorical } from "../src/data/preprocessing.ts";
import {
  bookModel,
  MODEL_KINDS,
  MODEL_SPECS,
  type ModelKind,
  VARIANT_KINDS,
} from "../src/tfjs/models.ts";
import { layers } from "../src/tfjs/layers.ts";
import { setRandomSeed } from "../src/tfjs/random_seed.ts";
import { fitModel } from "../src/tfjs/training.ts";
import { withTfjsOwnTraining } from "../src/tfjs/_internals.ts";
import { benchScratchRnn } from "./scratch_rnn.ts";
import { median } from "./stats.ts";

/**
 * peers.py's variants, each the middle of Embedding(1000, 32) -> ... -> Dense(1, sigmoid):
 * `embedding_lstm_stacked` LSTM(8) returning sequences, then LSTM(8); `embedding_bilstm`
 * Bidirectional(LSTM(8)), concatenated; `embedding_lstm_dropout` Dropout(0.2) on the
 * embeddings, then LSTM(8). And one peers.py lacks: `embedding_gru_recurrent_dropout`,
 * GRU(8, recurrentDropout 0.2), Keras's `GRU(8, recurrent_dropout=0.2, reset_after=False)`.
 */
const VARIANTS: Readonly<Record<string, () => Layer[]>> = Object.freeze({
  embedding_lstm_stacked: () => [
    layers.lstm({ units: 8, returnSequences: true }),
    layers.lstm({ units: 8 }),
  ],
  embedding_bilstm: () => [layers.bidirectional({ layer: layers.lstm({ units: 8 }) as never })],
  embedding_lstm_dropout: () => [layers.dropout({ rate: 0.2 }), layers.lstm({ units: 8 })],
  embedding_gru_recurrent_dropout: () => [layers.gru({ units: 8, recurrentDropout: 0.2 })],
});

/** The default run: the chapter's models, in peers.py's order. */
const CHAPTER_MODELS = ["scratch_rnn", ...MODEL_KINDS] as const;
/** Every model the bench knows: the chapter's, `VARIANT_KINDS` and {@link VARIANTS}. */
const ALL_MODELS: readonly string[] = [
  ...CHAPTER_MODELS,
  ...VARIANT_KINDS,
  ...Object.keys(VARIANTS),
];
/** The book's batch size. */
const BATCH_SIZE = 32;
/** Seed of the weights and of the shuffling in `--epochs` mode. */
const SEED = 42;
/** Time steps per review. */
const MAXLEN = 100;

interface BenchArgs {
  models: string[];
  batches: number;
  warmup: number;
  epochs: number;
  impl: "fused" | "stock";
  road: "fit" | "fitModel" | "tfjs";
  dataDir?: string;
}

function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    models: [...CHAPTER_MODELS],
    batches: 60,
    warmup: 5,
    epochs: 0,
    impl: "fused",
    road: "fit",
    dataDir: Deno.env.get("IMDB_DATA_DIR"),
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i];
    const integer = () => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs an integer, got ${v}`);
      return n;
    };
    if (flag === "--models") args.models = value().split(",");
    else if (flag === "--batches") args.batches = integer();
    else if (flag === "--warmup") args.warmup = integer();
    else if (flag === "--epochs") args.epochs = integer();
    else if (flag === "--data") args.dataDir = value();
    else if (flag === "--impl") {
      const impl = value();
      if (impl !== "fused" && impl !== "stock") {
        throw new Error(`--impl must be fused or stock, got ${impl}`);
      }
      args.impl = impl;
    } else if (flag === "--road") {
      const road = value();
      if (road !== "fit" && road !== "fitModel" && road !== "tfjs") {
        throw new Error(`--road must be fit, fitModel or tfjs, got ${road}`);
      }
      args.road = road;
    } else throw new Error(`Unknown flag ${argv[i]}`);
  }
  for (const model of args.models) {
    if (!(ALL_MODELS as readonly string[]).includes(model)) {
      throw new Error(`Unknown model "${model}"; expected one of ${ALL_MODELS.join(", ")}`);
    }
  }
  if (args.batches < 1) throw new Error(`--batches must be at least 1, got ${args.batches}`);
  const variants = args.models.filter((model) => model in VARIANTS);
  if (args.impl === "stock" && variants.length > 0) {
    throw new Error(`--impl stock: only the chapter's models, not ${variants.join(", ")}`);
  }
  return args;
}

type Prepared = Awaited<ReturnType<typeof prepareImdb>>;

/** A tfjs model of the bench: one of the chapter's or one of {@link VARIANTS}. */
type BenchKind = ModelKind | string;

/**
 * The model `kind` as the notebooks build and compile it: the chapter's by `bookModel` of
 * `src/tfjs/models.ts` (`impl` "stock": tfjs's own recurrent layers), a variant of
 * {@link VARIANTS} with `layers.*`, after `setRandomSeed(SEED)`.
 */
function benchModelOf(kind: BenchKind, impl: "fused" | "stock"): LayersModel {
  if (!(kind in VARIANTS)) return bookModel(kind as ModelKind, { seed: SEED, impl });
  setRandomSeed(SEED);
  const model = tf.sequential();
  model.add(layers.embedding({ inputDim: 1000, outputDim: 32 }));
  for (const layer of VARIANTS[kind]()) model.add(layer);
  model.add(layers.dense({ units: 1, activation: "sigmoid" }));
  model.compile({ optimizer: "adam", loss: "binaryCrossentropy", metrics: ["accuracy"] });
  return model;
}

/** `x` as the model's input tensor: the one-hot array [n, 100, 100] or the ids [n, 100]. */
function inputTensor(kind: BenchKind, x: NDArray<"int32">): Tensor {
  if (kind !== "simple_rnn_onehot") return tf.tensor(x.data, [...x.shape], "int32");
  const onehot = toCategorical(x, MODEL_SPECS.simple_rnn_onehot.numWords); // x_train_onehot
  return tf.tensor(onehot.data, [...onehot.shape], "float32");
}

/** Labels as `model.fit` takes them: float32 [n]. */
function labelTensor(y: Int32Array): Tensor {
  return tf.tensor1d(y, "float32");
}

/** Accuracy of `model` on (x, y) by `model.evaluate`, 5,000 rows at a time (one-hot: 200 MB). */
function accuracy(kind: BenchKind, model: LayersModel, x: NDArray<"int32">, y: Int32Array) {
  let correct = 0;
  for (let from = 0; from < x.shape[0]; from += 5000) {
    const rows = Math.min(5000, x.shape[0] - from);
    const slice = {
      ...x,
      shape: [rows, MAXLEN],
      data: x.data.subarray(from * MAXLEN, (from + rows) * MAXLEN),
    };
    const xs = inputTensor(kind, slice as NDArray<"int32">);
    const ys = labelTensor(y.subarray(from, from + rows));
    const result = model.evaluate(xs, ys, { batchSize: 500 }) as Tensor[];
    correct += rows * result[1].dataSync()[0];
    tf.dispose([xs, ys, ...result]);
  }
  return correct / x.shape[0];
}

/** How each `--road` is named in the JSON lines. */
const ROAD_NAMES = { fit: "model.fit", fitModel: "fitModel", tfjs: "model.fit, tfjs's step" };

/** Runs `fit` on the road: the fast road's hooks, or tfjs's own training step. */
function onRoad<T>(road: BenchArgs["road"], fit: () => Promise<T>): Promise<T> {
  return road === "tfjs" ? withTfjsOwnTraining(fit) : fit();
}

/** ms per batch (or epoch figures) of one tfjs model. */
async function benchModel(
  kind: BenchKind,
  data: Prepared,
  args: BenchArgs,
): Promise<Record<string, number>> {
  const model = benchModelOf(kind, args.impl);
  try {
    if (args.epochs > 0) {
      const trainSeconds: number[] = [];
      let epochStart = 0;
      let lastBatch = 0;
      const x = inputTensor(kind, data.xTrain);
      const y = labelTensor(data.yTrain);
      if (args.road !== "fitModel") {
        await onRoad(args.road, () =>
          model.fit(x, y, {
            epochs: args.epochs,
            batchSize: BATCH_SIZE,
            verbose: 0,
            callbacks: {
              onEpochBegin: () => void (epochStart = performance.now()),
              onBatchEnd: () => void (lastBatch = performance.now()),
              onEpochEnd: () => void trainSeconds.push((lastBatch - epochStart) / 1000),
            },
          }));
      } else {
        await fitModel(model, data.xTrain, data.yTrain, {
          epochs: args.epochs,
          batchSize: BATCH_SIZE,
          seed: SEED,
          onBatchEnd: (logs) => {
            if (logs.batch === logs.batches - 1) trainSeconds.push(logs.seconds);
          },
        });
      }
      tf.dispose([x, y]);
      return {
        epoch_s: trainSeconds.reduce((a, b) => a + b, 0) / trainSeconds.length,
        val_accuracy: accuracy(kind, model, data.xVal, data.yVal),
        test_accuracy: accuracy(kind, model, data.xTest, data.yTest),
      };
    }
    // Consecutive batches 0, 1, 2, ... of the unshuffled training split, timed one by one
    // between fit's onBatchEnd callbacks (or fitModel's).
    const rows = (args.warmup + args.batches) * BATCH_SIZE;
    const ends: number[] = [];
    const start = performance.now();
    if (args.road !== "fitModel") {
      const x = inputTensor(kind, firstRows(data.xTrain, rows));
      const y = labelTensor(data.yTrain.subarray(0, rows));
      const started = performance.now();
      await onRoad(args.road, () =>
        model.fit(x, y, {
          batchSize: BATCH_SIZE,
          shuffle: false,
          verbose: 0,
          callbacks: { onBatchEnd: () => void ends.push(performance.now()) },
        }));
      tf.dispose([x, y]);
      const times = ends.map((end, i) => end - (i === 0 ? started : ends[i - 1]));
      return { ms_per_batch: median(times.slice(args.warmup)) };
    }
    await fitModel(model, firstRows(data.xTrain, rows), data.yTrain.subarray(0, rows), {
      batchSize: BATCH_SIZE,
      seed: SEED,
      shuffle: false,
      onBatchEnd: () => void ends.push(performance.now()),
    });
    const times = ends.map((end, i) => end - (i === 0 ? start : ends[i - 1]));
    return { ms_per_batch: median(times.slice(args.warmup)) };
  } finally {
    model.dispose();
    setRandomSeed(undefined);
  }
}

if (import.meta.main) {
  const args = parseArgs(Deno.args);
  const prepared = new Map<number, Prepared>();
  const dataFor = async (numWords: number) => {
    if (!prepared.has(numWords)) {
      prepared.set(numWords, await prepareImdb({ numWords, dataDir: args.dataDir }));
    }
    return prepared.get(numWords)!;
  };
  for (const model of args.models) {
    let impl: string;
    let result: Record<string, number>;
    if (model === "scratch_rnn") {
      const scratch = await benchScratchRnn({
        batches: args.batches,
        warmup: args.warmup,
        epochs: args.epochs,
        data: await dataFor(MODEL_SPECS.simple_rnn_onehot.numWords),
      });
      ({ impl, ...result } = scratch);
    } else {
      impl = `tfjs-${args.impl}`;
      const numWords = MODEL_SPECS[model as ModelKind]?.numWords ?? 1000; // variants: 1000
      result = await benchModel(model, await dataFor(numWords), args);
    }
    const road = model === "scratch_rnn" ? {} : { road: ROAD_NAMES[args.road] };
    const line = { model, impl, ...road, batches: args.batches, threads: 1, ...result };
    console.log(JSON.stringify(line));
  }
  tf.disposeVariables();
}
