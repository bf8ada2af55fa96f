import { tf } from "../src/tf.ts";
import { releaseScratch, simpleRnnForward } from "../src/rnn_kernels.ts";
const ids = tf.randomUniform([32, 100], 0, 100, "int32", 1);
const xt = tf.oneHot(ids, 100).toFloat();
const x = xt.dataSync() as Float32Array;
console.log(x.constructor.name, x.length, x.byteOffset, x.buffer.byteLength);
function rnd(n: number, s = 0.3) { return Float32Array.from({ length: n }, () => (Math.random() - 0.5) * s); }
const x2 = new Float32Array(x);
for (const xx of [x, x2, x, x2]) {
  const args = { batch: 32, steps: 100, inputDim: 100, units: 32, x: xx, kernel: rnd(3200), recurrentKernel: rnd(1024), bias: rnd(32) };
  const ts = [];
  for (let i = 0; i < 30; i++) { const t0 = performance.now(); const c = simpleRnnForward(args, "tanh"); releaseScratch(c.h); ts.push(performance.now() - t0); }
  ts.sort((a, b) => a - b); console.log(ts[15].toFixed(2), ts[0].toFixed(2));
}
