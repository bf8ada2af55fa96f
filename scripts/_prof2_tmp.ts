import { tf } from "../src/tf.ts";
import { fusedLSTM, fusedSimpleRNN } from "../src/fused_rnn.ts";
import { fusedAdam } from "../src/fused_adam.ts";
import { trainOnBatchFast } from "../src/train_step.ts";
const kinds = Deno.args.length ? Deno.args : ["onehot", "simple", "lstm"];
for (const kind of kinds) {
const model = tf.sequential();
if (kind === "onehot") model.add(fusedSimpleRNN({ units: 32, inputShape: [100, 100] }));
else {
  model.add(tf.layers.embedding({ inputDim: 1000, outputDim: 32, inputShape: [null] }));
  model.add(kind === "lstm" ? fusedLSTM({ units: 8 }) : fusedSimpleRNN({ units: 8 }));
}
model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
model.compile({ optimizer: kind === "onehot" ? tf.train.sgd(0.01) : fusedAdam(), loss: "binaryCrossentropy", metrics: ["accuracy"] });
const ids = tf.randomUniform([32, 100], 0, kind === "onehot" ? 100 : 1000, "int32", 1);
const x = kind === "onehot" ? tf.tensor3d(Float32Array.from(tf.oneHot(ids, 100).dataSync()), [32, 100, 100]) : ids;
const y = tf.randomUniform([32, 1], 0, 2, "int32", 2).toFloat();
for (let i = 0; i < 5; i++) await trainOnBatchFast(model, x, y);
const ts = [];
for (let i = 0; i < 80; i++) { const t0 = performance.now(); await trainOnBatchFast(model, x, y); ts.push(performance.now() - t0); }
ts.sort((a, b) => a - b);
console.log(kind, "p10", ts[8].toFixed(2), "median", ts[40].toFixed(2));
}
