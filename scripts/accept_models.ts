/**
 * Acceptance run of the chapter's TensorFlow models with the book's settings on the real IMDB
 * data: seed-42 train/validation split, batch 32, 20 epochs for the one-hot SimpleRNN and 10 for
 * the two embedding models. Prints each epoch, then validation and test accuracy, mean epoch
 * seconds and the process's peak RSS, checks validation accuracy against the range the book's
 * own reruns gave, and exits 1 if any model falls outside it.
 *
 * As in the book, the one-hot model trains on a materialised one-hot training set
 * (20,000 × 100 × 100 float32, 0.8 GB): the peak RSS shows what that costs.
 *
 *     deno run -A scripts/accept_models.ts [--models a,b] [--impl fused|stock] [--epochs N]
 *                                          [--save DIR] [--data DIR]
 *
 * `--epochs N` overrides the book's epochs (for a quick look; the ranges then need not hold).
 * `--save DIR` writes each trained model to DIR/<model>/ (model.json + weights.bin).
 * @module
 */
import { prepareImdb, toCategorical } from "../src/data/preprocessing.ts";
import { buildModel, MODEL_KINDS, MODEL_SPECS, type ModelKind } from "../src/tfjs/models.ts";
import { evaluateModel, fitModel } from "../src/tfjs/training.ts";
import { terminalProgressBar } from "../src/notebook/progress.ts";
import { saveModel } from "../src/tfjs/model_io.ts";

/** Validation accuracy the book's reruns gave (book figure in the comment). */
const ACCEPTED: Record<ModelKind, readonly [number, number]> = {
  simple_rnn_onehot: [0.68, 0.72], // 0.6998
  embedding_simple_rnn: [0.77, 0.82], // 0.8096
  embedding_lstm: [0.82, 0.85], // 0.8274
};
const SEED = 42;
const BATCH_SIZE = 32;

/** Peak resident set size of this process so far, in bytes (Linux VmHWM). */
function peakRssBytes(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kb = status.match(/^VmHWM:\s+(\d+) kB/m);
    if (kb) return Number(kb[1]) * 1024;
  } catch { /* not Linux: fall back to the current RSS */ }
  return Deno.memoryUsage().rss;
}

function parseArgs(argv: readonly string[]) {
  const args = {
    models: [...MODEL_KINDS] as ModelKind[],
    impl: "fused",
    epochs: 0,
    save: "",
    dataDir: Deno.env.get("IMDB_DATA_DIR"),
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i];
    if (flag === "--models") args.models = value().split(",") as ModelKind[];
    else if (flag === "--impl") args.impl = value();
    else if (flag === "--epochs") args.epochs = Number(value());
    else if (flag === "--save") args.save = value();
    else if (flag === "--data") args.dataDir = value();
    else throw new Error(`Unknown flag ${argv[i]}`);
  }
  for (const kind of args.models) {
    if (!MODEL_SPECS[kind]) throw new Error(`Unknown model "${kind}"`);
  }
  if (args.impl !== "fused" && args.impl !== "stock") {
    throw new Error(`--impl must be fused or stock, got ${args.impl}`);
  }
  if (!Number.isInteger(args.epochs) || args.epochs < 0) {
    throw new Error(`--epochs needs a non-negative integer, got ${args.epochs}`);
  }
  return args;
}

if (import.meta.main) {
  const args = parseArgs(Deno.args);
  const results = [];
  for (const kind of args.models) {
    const spec = MODEL_SPECS[kind];
    const epochs = args.epochs || spec.epochs;
    console.log(`\n=== ${kind} (${args.impl}), ${epochs} epochs, batch ${BATCH_SIZE} ===`);
    const data = await prepareImdb({ numWords: spec.numWords, dataDir: args.dataDir });
    // The book one-hot encodes the whole sets up front: x_train_onehot, x_val_onehot.
    const [xTrain, xVal, xTest] = spec.oneHot
      ? [
        toCategorical(data.xTrain, spec.numWords),
        toCategorical(data.xVal, spec.numWords),
        data.xTest,
      ]
      : [data.xTrain, data.xVal, data.xTest];
    console.log(`x_train ${xTrain.shape.join("x")} ${xTrain.dtype}, ${xTrain.nbytes} bytes`);
    const model = buildModel(kind, { seed: SEED, fused: args.impl === "fused" });
    model.summary();
    const history = await fitModel(model, xTrain, data.yTrain, {
      epochs,
      batchSize: BATCH_SIZE,
      validationData: [xVal, data.yVal],
      seed: SEED,
      ...terminalProgressBar(),
    });
    const val = evaluateModel(model, xVal, data.yVal);
    // The test set goes in as ids: fitModel/evaluateModel one-hot encode batch by batch.
    const test = evaluateModel(model, xTest, data.yTest);
    const [low, high] = ACCEPTED[kind];
    const result = {
      model: kind,
      impl: `tfjs-${args.impl}`,
      epochs,
      val_accuracy: val.accuracy,
      val_loss: val.loss,
      test_accuracy: test.accuracy,
      test_loss: test.loss,
      epoch_s: history.epochSeconds.reduce((a, b) => a + b, 0) / epochs,
      peak_rss_mb: Math.round(peakRssBytes() / 2 ** 20),
      accepted: [low, high],
      pass: val.accuracy >= low && val.accuracy <= high,
    };
    results.push(result);
    console.log(
      `${kind}: val accuracy ${val.accuracy.toFixed(4)} (accepted ${low}–${high}: ` +
        `${result.pass ? "PASS" : "FAIL"}), test accuracy ${test.accuracy.toFixed(4)}, ` +
        `${result.epoch_s.toFixed(1)} s/epoch, peak RSS ${result.peak_rss_mb} MB`,
    );
    console.log(JSON.stringify(result));
    if (args.save) {
      const { modelJson } = await saveModel(model, `${args.save}/${kind}`);
      console.log(`saved ${modelJson}`);
    }
    model.dispose();
  }
  console.log("\nmodel | val acc | test acc | s/epoch | peak RSS MB | pass");
  for (const r of results) {
    console.log(
      `${r.model} | ${r.val_accuracy.toFixed(4)} | ${r.test_accuracy.toFixed(4)} | ` +
        `${r.epoch_s.toFixed(1)} | ${r.peak_rss_mb} | ${r.pass}`,
    );
  }
  if (!results.every((r) => r.pass)) Deno.exit(1);
}
