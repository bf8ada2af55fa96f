import { tf } from "../src/tf.ts";
import { fusedSimpleRNN } from "../src/fused_rnn.ts";
import { canTrainFast } from "../src/train_step.ts";
const model = tf.sequential();
model.add(fusedSimpleRNN({ units: 32, inputShape: [100, 100] }));
model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
model.compile({ optimizer: tf.train.sgd(0.01), loss: "binaryCrossentropy", metrics: ["accuracy"] });
const ids = tf.randomUniform([32, 100], 0, 100, "int32", 1);
const x = tf.oneHot(ids, 100).toFloat();
for (const [name, f] of [["canTrainFast", () => canTrainFast(model)], ["dataSync", () => x.dataSync()], ["from", () => Float32Array.from(x.dataSync())], ["new F32", () => new Float32Array(x.dataSync())]] as const) {
  const ts = []; for (let i = 0; i < 50; i++) { const t0 = performance.now(); f(); ts.push(performance.now() - t0); }
  ts.sort((a, b) => a - b); console.log(name, ts[5].toFixed(3), ts[25].toFixed(3));
}
const x2 = tf.tensor3d(new Float32Array(x.dataSync()), [32, 100, 100]);
const x3 = tf.cast(ids, "float32");
for (const [name, f] of [["dataSync f32 tensor", () => x2.dataSync()], ["dataSync cast ids", () => x3.dataSync()], ["ids", () => ids.dataSync()]] as const) {
  const ts = []; for (let i = 0; i < 50; i++) { const t0 = performance.now(); f(); ts.push(performance.now() - t0); }
  ts.sort((a, b) => a - b); console.log(name, ts[5].toFixed(3), ts[25].toFixed(3), f().constructor.name);
}
