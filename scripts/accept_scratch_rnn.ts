/**
 * Acceptance run of the hand-written RecurrentNetwork on the real data, with the book's 9-2
 * settings: `prepareImdb({ numWords: 100 })` (skip_top 20, ids <= 2 dropped, seed-42 split
 * 20000/5000, pre-padding to 100), `toCategorical`, `RecurrentNetwork({ nCells: 32,
 * batchSize: 32, learningRate: 0.01 })`, `fit` for 20 epochs with the validation set.
 *
 * Prints each epoch's training and validation loss, then the validation accuracy (the book
 * printed 0.6572; its reruns give 0.63 to 0.69), the test accuracy and the wall time, and a
 * JSON summary line. Exits with status 1 when a full 20-epoch run lands outside 0.63..0.69.
 *
 * ```
 * IMDB_DATA_DIR=/work/shared/data/imdb deno run -A scripts/accept_scratch_rnn.ts
 *   [--epochs 20] [--book-backprop]
 * ```
 * `--book-backprop` passes the error back with W1h as the book's printed code does (δ·W1h)
 * instead of the gradient's W1hᵀ.
 * @module
 */
import { prepareImdb, toCategorical } from "../src/data/preprocessing.ts";
import { RecurrentNetwork } from "../src/scratch/recurrent_network.ts";
import { shapeString } from "../src/data/ndarray.ts";

/** The book's settings. */
const EPOCHS = 20;
const NUM_WORDS = 100;
/** Validation accuracies of the book's reruns. */
const ACCEPT = [0.63, 0.69] as const;

let epochs = EPOCHS;
let bookBackprop = false;
for (let i = 0; i < Deno.args.length; i++) {
  const [flag, inline] = Deno.args[i].split("=", 2);
  if (flag === "--book-backprop") bookBackprop = true;
  else if (flag === "--epochs") {
    epochs = Number(inline ?? Deno.args[++i]);
    if (!Number.isInteger(epochs) || epochs < 1) {
      throw new Error(`--epochs needs a positive integer`);
    }
  } else throw new Error(`Unknown flag ${Deno.args[i]}: expected --epochs N, --book-backprop`);
}

const started = performance.now();
const data = await prepareImdb({ numWords: NUM_WORDS });
const xTrainOnehot = toCategorical(data.xTrain, NUM_WORDS);
const xValOnehot = toCategorical(data.xVal, NUM_WORDS);
console.log(
  `x_train_onehot ${shapeString(xTrainOnehot.shape)} ${xTrainOnehot.nbytes} bytes, ` +
    `x_val_onehot ${shapeString(xValOnehot.shape)}`,
);

const rn = new RecurrentNetwork({ nCells: 32, batchSize: 32, learningRate: 0.01, bookBackprop });
let epochStart = performance.now();
const fitStart = epochStart;
rn.fit(xTrainOnehot, data.yTrain, {
  epochs,
  xVal: xValOnehot,
  yVal: data.yVal,
  onEpochEnd: ({ epoch, loss, val_loss }) => {
    const seconds = (performance.now() - epochStart) / 1000;
    console.log(
      `epoch ${String(epoch).padStart(2)}  loss ${loss.toFixed(4)}  val_loss ${
        val_loss!.toFixed(4)
      }` +
        `  (${seconds.toFixed(1)} s)`,
    );
    epochStart = performance.now();
  },
});
const fitSeconds = (performance.now() - fitStart) / 1000;
const valAccuracy = rn.score(xValOnehot, data.yVal);
console.log(`validation accuracy ${valAccuracy.toFixed(4)} (book: 0.6572)`);
const testAccuracy = rn.score(toCategorical(data.xTest, NUM_WORDS), data.yTest);
console.log(`test accuracy ${testAccuracy.toFixed(4)}`);
const wallSeconds = (performance.now() - started) / 1000;
console.log(`fit ${fitSeconds.toFixed(1)} s, wall time ${wallSeconds.toFixed(1)} s`);
console.log(JSON.stringify({
  model: "scratch_rnn",
  backprop: bookBackprop ? "book (δ·W1h)" : "gradient (δ·W1hᵀ)",
  epochs,
  losses: rn.losses,
  valLosses: rn.valLosses,
  val_accuracy: valAccuracy,
  test_accuracy: testAccuracy,
  fit_s: fitSeconds,
  wall_s: wallSeconds,
}));
if (epochs === EPOCHS && !(valAccuracy >= ACCEPT[0] && valAccuracy <= ACCEPT[1])) {
  console.error(`validation accuracy ${valAccuracy} is outside ${ACCEPT[0]}..${ACCEPT[1]}`);
  Deno.exit(1);
}
