import { tf } from "../src/tf.ts";
import { fusedLSTM, fusedSimpleRNN } from "../src/fused_rnn.ts";
function cmp(kind: string, B: number, T: number, D: number, U: number, seq: boolean) {
  const stock = kind === "lstm"
    ? tf.layers.lstm({ units: U, recurrentActivation: "sigmoid", returnSequences: seq, biasInitializer: "randomNormal" })
    : tf.layers.simpleRNN({ units: U, returnSequences: seq, biasInitializer: "randomNormal" });
  const fused = kind === "lstm" ? fusedLSTM({ units: U, returnSequences: seq }) : fusedSimpleRNN({ units: U, returnSequences: seq });
  const x = tf.randomNormal([B, T, D]);
  stock.apply(x); fused.apply(x);
  fused.setWeights(stock.getWeights());
  const f = (layer: tf.layers.Layer) => (xx: tf.Tensor) => {
    const y = layer.apply(xx) as tf.Tensor;
    return y.mul(tf.randomNormal(y.shape, 0, 1, "float32", 7)).sum();
  };
  const lossGrads = (layer: tf.layers.Layer) => tf.variableGrads(() => f(layer)(x) as tf.Scalar, layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val));
  const ys = (stock.apply(x) as tf.Tensor), yf = (fused.apply(x) as tf.Tensor);
  const dxs = tf.grad(f(stock))(x), dxf = tf.grad(f(fused))(x);
  const gs = lossGrads(stock), gf = lossGrads(fused);
  const md = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
  console.log(kind, B, T, D, U, seq, "y", md(ys, yf), "dx", md(dxs, dxf), Object.keys(gs.grads).map((k, i) => md(gs.grads[k], Object.values(gf.grads)[i])));
}
cmp("rnn", 3, 5, 4, 6, false);
cmp("rnn", 3, 5, 4, 6, true);
cmp("lstm", 3, 5, 4, 6, false);
cmp("lstm", 2, 7, 3, 1, true);
cmp("rnn", 1, 1, 1, 1, false);
