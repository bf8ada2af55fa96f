/**
 * `deno task bench`: milliseconds per training batch of the chapter's models, in the JSON-lines
 * form of `../shared/bench/peers.py` (the PyTorch and numpy references), one line per model:
 *
 * ```
 * {"model":"embedding_lstm","impl":"tfjs-fused","batches":60,"threads":1,"ms_per_batch":4.2}
 * ```
 *
 * Each model trains on consecutive real batches of 32 from the seed-42 training split (the
 * one-hot model's batches are one-hot encoded inside the timed step, as peers.py does); the
 * figure is the median over `--batches` after `--warmup` untimed batches. With `--epochs N` it
 * instead trains N full epochs (shuffled, seed 42) and prints `epoch_s` (mean training seconds
 * per epoch, validation excluded, as peers.py), `val_accuracy` and `test_accuracy`.
 *
 * Flags: `--models a,b` (default all four), `--batches 60`, `--warmup 5`, `--epochs N`,
 * `--impl fused|stock` (default fused), `--data DIR` (default $IMDB_DATA_DIR).
 * tfjs' cpu backend runs on one thread: `threads` is 1.
 * @module
 */
import { tf } from "../src/tfjs/tf.ts";
import { type NDArray, ndarray } from "../src/data/ndarray.ts";
import { prepareImdb } from "../src/data/preprocessing.ts";
import { buildModel, MODEL_KINDS, MODEL_SPECS, type ModelKind } from "../src/tfjs/models.ts";
import { evaluateModel, fitModel } from "../src/tfjs/training.ts";
import { benchScratchRnn } from "./scratch_rnn.ts";
import { median } from "./stats.ts";

/** Every model the bench knows, in peers.py's order. */
const ALL_MODELS = ["scratch_rnn", ...MODEL_KINDS] as const;
/** The book's batch size. */
const BATCH_SIZE = 32;
/** Seed of the weights and of the shuffling in `--epochs` mode. */
const SEED = 42;

interface BenchArgs {
  models: string[];
  batches: number;
  warmup: number;
  epochs: number;
  impl: "fused" | "stock";
  dataDir?: string;
}

function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    models: [...ALL_MODELS],
    batches: 60,
    warmup: 5,
    epochs: 0,
    impl: "fused",
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
    } else throw new Error(`Unknown flag ${argv[i]}`);
  }
  for (const model of args.models) {
    if (!(ALL_MODELS as readonly string[]).includes(model)) {
      throw new Error(`Unknown model "${model}"; expected one of ${ALL_MODELS.join(", ")}`);
    }
  }
  if (args.batches < 1) throw new Error(`--batches must be at least 1, got ${args.batches}`);
  return args;
}

/** The first `rows` rows of `x` [n, ...] as a view (no copy). */
function firstRows(x: NDArray<"int32">, rows: number): NDArray<"int32"> {
  const rowSize = x.data.length / x.shape[0];
  return ndarray({
    shape: [rows, ...x.shape.slice(1)],
    dtype: "int32",
    data: x.data.subarray(0, rows * rowSize),
  });
}

type Prepared = Awaited<ReturnType<typeof prepareImdb>>;

/** ms per batch (or epoch figures) of one tfjs model. */
async function benchModel(
  kind: ModelKind,
  data: Prepared,
  args: BenchArgs,
): Promise<Record<string, number>> {
  const model = buildModel(kind, { seed: SEED, fused: args.impl === "fused" });
  try {
    if (args.epochs > 0) {
      const trainSeconds: number[] = [];
      const history = await fitModel(model, data.xTrain, data.yTrain, {
        epochs: args.epochs,
        batchSize: BATCH_SIZE,
        validationData: [data.xVal, data.yVal],
        seed: SEED,
        onBatchEnd: (logs) => {
          if (logs.batch === logs.batches - 1) trainSeconds.push(logs.seconds);
        },
      });
      const test = evaluateModel(model, data.xTest, data.yTest);
      return {
        epoch_s: trainSeconds.reduce((a, b) => a + b, 0) / trainSeconds.length,
        val_accuracy: history.val_acc[history.val_acc.length - 1],
        test_accuracy: test.accuracy,
      };
    }
    // Consecutive batches 0, 1, 2, ... of the unshuffled training split, timed one by one
    // through the same path as training (batch tensors cut from typed arrays, trainOnBatch).
    const rows = (args.warmup + args.batches) * BATCH_SIZE;
    const ends: number[] = [];
    const start = performance.now();
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
      const kind = model as ModelKind;
      impl = `tfjs-${args.impl}`;
      result = await benchModel(kind, await dataFor(MODEL_SPECS[kind].numWords), args);
    }
    const line = { model, impl, batches: args.batches, threads: 1, ...result };
    console.log(JSON.stringify(line));
  }
  tf.disposeVariables();
}
