import { tf } from "../src/tf.ts";
import { fusedLSTM, fusedSimpleRNN } from "../src/fused_rnn.ts";
import { fusedAdam } from "../src/fused_adam.ts";
import { trainOnBatchFast } from "../src/train_step.ts";
const kind = Deno.args[0];
const model = tf.sequential();
if (kind === "onehot") model.add(fusedSimpleRNN({ units: 32, inputShape: [100, 100] }));
else {
  model.add(tf.layers.embedding({ inputDim: 1000, outputDim: 32, inputShape: [null] }));
  model.add(kind === "lstm" ? fusedLSTM({ units: 8 }) : fusedSimpleRNN({ units: 8 }));
}
model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
model.compile({ optimizer: kind === "onehot" ? tf.train.sgd(0.01) : fusedAdam(), loss: "binaryCrossentropy", metrics: ["accuracy"] });
const ids = tf.randomUniform([32, 100], 0, kind === "onehot" ? 100 : 1000, "int32", 1);
const x = kind === "onehot" ? tf.oneHot(ids, 100).toFloat() : ids;
const y = tf.randomUniform([32, 1], 0, 2, "int32", 2).toFloat();
const n = Number(Deno.args[1] ?? 200);
const times = [];
for (let i = 0; i < n; i++) { const t0 = performance.now(); await trainOnBatchFast(model, x, y); times.push(performance.now() - t0); }
times.sort((a, b) => a - b);
console.log(kind, "median", times[times.length >> 1].toFixed(2), "min", times[0].toFixed(2));
