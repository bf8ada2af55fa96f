/**
 * Speed of the hand-written {@linkcode RecurrentNetwork} (model `scratch_rnn`), measured the way
 * `../shared/bench/peers.py` measures the book's numpy class: the book's settings (32 cells,
 * learning rate 0.01, 100 one-hot features), `training` on consecutive real batches of 32 from
 * the seed-42 training split, each batch one-hot encoded inside the timed step as peers.py does
 * (into a buffer reused between batches);
 * the figure is the median over `batches` after `warmup` untimed batches (before them, 100
 * batches on a throwaway network let V8's optimising compiler finish). With `epochs` it
 * instead trains that many shuffled epochs (`fit`, batch order of the book's seed 42) and adds
 * `epoch_s` (training seconds per epoch, validation excluded as in peers.py), `val_accuracy`
 * and `test_accuracy`.
 *
 * Used by `bench/main.ts`; also runs alone, printing one JSON line like peers.py:
 *
 * ```
 * deno run -A bench/scratch_rnn.ts [--batches 60] [--warmup 5] [--epochs N] [--book-backprop]
 * {"model":"scratch_rnn","impl":"deno","batches":60,"threads":1,"ms_per_batch":0.9}
 * ```
 * @module
 */
import { type NDArray, ndarray } from "../src/data/ndarray.ts";
import { type PreparedImdb, prepareImdb, toCategorical } from "../src/data/preprocessing.ts";
import { RecurrentNetwork } from "../src/scratch/recurrent_network.ts";
import { median } from "./stats.ts";

/** The book's settings of 9-2. */
const N_CELLS = 32;
const BATCH_SIZE = 32;
const LEARNING_RATE = 0.01;
const NUM_WORDS = 100;
/** Untimed batches on a throwaway network before timing, so that V8 has optimised the code. */
const JIT_WARMUP_BATCHES = 100;

/** Options of {@linkcode benchScratchRnn}. */
export interface ScratchRnnBenchOptions {
  /** Timed batches (default 60, as peers.py). */
  batches?: number;
  /** Untimed batches first (default 5, as peers.py). */
  warmup?: number;
  /** Train this many full epochs instead and report accuracy (default 0: batch timing only). */
  epochs?: number;
  /** Prepared data of `prepareImdb({ numWords: 100 })`; loaded when absent. */
  data?: PreparedImdb;
  /** Directory of imdb.npz when `data` is absent (default $IMDB_DATA_DIR). */
  dataDir?: string;
  /** Use the book's printed backprop line (δ·W1h) instead of the gradient (δ·W1hᵀ). */
  bookBackprop?: boolean;
}

/** One bench line (bench/main.ts adds `model`, `batches`, `threads`). */
export type ScratchRnnBenchResult = {
  /** Implementation name: plain TypeScript on Deno. */
  impl: "deno";
  /** Median milliseconds per training batch of 32 (one-hot encoding included). */
  ms_per_batch: number;
  /** Training seconds per epoch (with `epochs`). */
  epoch_s?: number;
  /** Validation accuracy after `epochs` (with `epochs`). */
  val_accuracy?: number;
  /** Test accuracy after `epochs` (with `epochs`). */
  test_accuracy?: number;
};

/**
 * One-hot encode rows [start, end) of ids [n, maxlen] into `out` [end − start, maxlen, numWords]
 * (float32, reused between batches: what `toCategorical` returns, without a new allocation).
 */
function oneHotRows(
  x: NDArray<"int32">,
  start: number,
  end: number,
  out: Float32Array,
): NDArray<"float32"> {
  const maxlen = x.shape[1];
  const data = out.subarray(0, (end - start) * maxlen * NUM_WORDS);
  data.fill(0);
  for (let r = 0; r < (end - start) * maxlen; r++) {
    data[r * NUM_WORDS + x.data[start * maxlen + r]] = 1;
  }
  return ndarray({ shape: [end - start, maxlen, NUM_WORDS], dtype: "float32", data });
}

/**
 * Time the hand-written RNN on real batches; see the module documentation.
 *
 * @example
 * ```ts
 * const { ms_per_batch } = await benchScratchRnn({ batches: 60, warmup: 5 });
 * ```
 */
export async function benchScratchRnn(
  options: ScratchRnnBenchOptions = {},
): Promise<ScratchRnnBenchResult> {
  const { batches = 60, warmup = 5, epochs = 0, bookBackprop = false } = options;
  const data = options.data ?? await prepareImdb({ numWords: NUM_WORDS, dataDir: options.dataDir });
  const { xTrain, yTrain } = data;
  const needed = (warmup + batches) * BATCH_SIZE;
  if (needed > xTrain.shape[0]) {
    throw new Error(`warmup + batches = ${warmup + batches} batches need ${needed} samples`);
  }
  const rn = new RecurrentNetwork({
    nCells: N_CELLS,
    batchSize: BATCH_SIZE,
    learningRate: LEARNING_RATE,
    bookBackprop,
  });
  rn.initWeights(NUM_WORDS, 1);
  const yColumn = Float64Array.from(yTrain);
  // peers.py: rn.training(onehot(x[i*32:(i+1)*32]), y[i*32:(i+1)*32]) per timed step.
  const buffer = new Float32Array(BATCH_SIZE * xTrain.shape[1] * NUM_WORDS);
  // numpy has no JIT to warm up: let V8 optimise the code first on a throwaway network.
  const throwaway = new RecurrentNetwork({
    nCells: N_CELLS,
    learningRate: LEARNING_RATE,
    bookBackprop,
  });
  throwaway.initWeights(NUM_WORDS, 1);
  for (let b = 0; b < JIT_WARMUP_BATCHES; b++) {
    const start = (b % (warmup + batches)) * BATCH_SIZE;
    throwaway.training(
      oneHotRows(xTrain, start, start + BATCH_SIZE, buffer),
      yColumn.subarray(start, start + BATCH_SIZE),
    );
  }
  const times: number[] = [];
  for (let b = 0; b < warmup + batches; b++) {
    const y = yColumn.subarray(b * BATCH_SIZE, (b + 1) * BATCH_SIZE);
    const t0 = performance.now();
    rn.training(oneHotRows(xTrain, b * BATCH_SIZE, (b + 1) * BATCH_SIZE, buffer), y);
    const ms = performance.now() - t0;
    if (b >= warmup) times.push(ms);
  }
  const result: ScratchRnnBenchResult = { impl: "deno", ms_per_batch: median(times) };
  if (epochs > 0) {
    const net = new RecurrentNetwork({
      nCells: N_CELLS,
      batchSize: BATCH_SIZE,
      learningRate: LEARNING_RATE,
      bookBackprop,
    });
    const x = toCategorical(xTrain, NUM_WORDS);
    const t0 = performance.now();
    net.fit(x, yTrain, { epochs });
    result.epoch_s = (performance.now() - t0) / 1000 / epochs;
    result.val_accuracy = net.score(toCategorical(data.xVal, NUM_WORDS), data.yVal);
    result.test_accuracy = net.score(toCategorical(data.xTest, NUM_WORDS), data.yTest);
  }
  return result;
}

if (import.meta.main) {
  const flags = { batches: 60, warmup: 5, epochs: 0, bookBackprop: false };
  for (let i = 0; i < Deno.args.length; i++) {
    const [flag, inline] = Deno.args[i].split("=", 2);
    if (flag === "--book-backprop") {
      flags.bookBackprop = true;
      continue;
    }
    const key = { "--batches": "batches", "--warmup": "warmup", "--epochs": "epochs" }[flag] as
      | "batches"
      | "warmup"
      | "epochs"
      | undefined;
    const value = Number(inline ?? Deno.args[++i]);
    if (key === undefined || !Number.isInteger(value) || value < 0) {
      throw new Error(
        `Bad flag ${Deno.args[i]}: expected --batches N, --warmup N, --epochs N, --book-backprop`,
      );
    }
    flags[key] = value;
  }
  const { impl, ...figures } = await benchScratchRnn(flags);
  const line = { model: "scratch_rnn", impl, batches: flags.batches, threads: 1, ...figures };
  console.log(JSON.stringify(line));
}
