import { tf } from "../src/tf.ts";
import { fusedLSTM, fusedSimpleRNN } from "../src/fused_rnn.ts";
import { fusedAdam } from "../src/fused_adam.ts";
const kind = Deno.args[0];
const model = tf.sequential();
if (kind === "onehot") model.add(fusedSimpleRNN({ units: 32, inputShape: [100, 100] }));
else { model.add(tf.layers.embedding({ inputDim: 1000, outputDim: 32, inputLength: 100 })); model.add(kind === "lstm" ? fusedLSTM({ units: 8 }) : fusedSimpleRNN({ units: 8 })); }
model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
model.compile({ optimizer: kind === "onehot" ? tf.train.sgd(0.01) : fusedAdam(), loss: "binaryCrossentropy", metrics: ["accuracy"] });
const ids = tf.randomUniform([32, 100], 0, kind === "onehot" ? 100 : 1000, "int32");
const x = kind === "onehot" ? tf.oneHot(ids, 100).toFloat() : ids.toFloat();
const y = tf.randomUniform([32, 1], 0, 2, "int32").toFloat();
for (let i = 0; i < 10; i++) await model.trainOnBatch(x, y);
const agg = new Map<string, [number, number]>();
let wall = 0;
const N = 20;
for (let i = 0; i < N; i++) {
  const t0 = performance.now();
  const prof = await tf.profile(async () => { await model.trainOnBatch(x, y); });
  wall += performance.now() - t0;
  for (const k of prof.kernels) { const a = agg.get(k.name) ?? [0, 0]; a[0] += k.kernelTimeMs as number; a[1]++; agg.set(k.name, a); }
}
let tot = 0, n = 0;
const rows = [...agg.entries()].sort((a, b) => b[1][0] - a[1][0]);
for (const [name, [ms, c]] of rows) { tot += ms; n += c; }
console.log("wall/batch", (wall / N).toFixed(2), "kernel ms/batch", (tot / N).toFixed(2), "ops/batch", n / N);
for (const [name, [ms, c]] of rows.slice(0, 15)) console.log(name.padEnd(24), (ms / N).toFixed(3), c / N);
const ts = [];
for (let i = 0; i < 30; i++) { const t0 = performance.now(); await model.trainOnBatch(x, y); ts.push(performance.now() - t0); }
ts.sort((a, b) => a - b); console.log("median no-profile", ts[15].toFixed(2));
