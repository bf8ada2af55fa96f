import assert from "node:assert/strict";
import { tf } from "../../src/tfjs/tf.ts";
import { buildModel } from "../../src/tfjs/models.ts";
import {
  embed,
  embeddingRnnWeights,
  readWordByWord,
  runSteps,
} from "../../src/tfjs/word_by_word.ts";
import { lstmForwardReference } from "../../src/kernels/lstm.ts";
import { smallModel } from "./_small_models.ts";

type Tensor = ReturnType<typeof tf.tensor>;

const IDS = [0, 0, 0, 5, 11, 3, 7, 7, 2, 9];

Deno.test("readWordByWord: P(positive) after each step is model.predict of the prefix", async (t) => {
  for (const kind of ["simpleRNN", "lstm", "gru", "gruResetAfter"] as const) {
    await t.step(kind, () => {
      const model = smallModel(kind);
      const { p, z } = readWordByWord(model, IDS);
      assert.equal(p.length, IDS.length);
      let spread = 0;
      for (let t = 1; t <= IDS.length; t++) {
        const prefix = tf.tensor2d([IDS.slice(0, t)], [1, t], "int32");
        const expected = (model.predict(prefix) as Tensor).dataSync()[0];
        assert.ok(Math.abs(p[t - 1] - expected) < 2e-6, `step ${t}: ${p[t - 1]} vs ${expected}`);
        assert.ok(Math.abs(p[t - 1] - 1 / (1 + Math.exp(-z[t - 1]))) < 1e-15);
        spread = Math.max(spread, Math.abs(p[t - 1] - p[0]));
      }
      assert.ok(spread > 0.05, "the words move the prediction (a test that can fail)");
    });
  }

  await t.step("the book's LSTM model, a full padded review", () => {
    const model = buildModel("embedding_lstm", { seed: 42 });
    const ids = [...Array(90).fill(0), 87, 20, 531, 33, 41, 999, 500, 21, 64, 120];
    const { p } = readWordByWord(model, ids);
    const whole = (model.predict(tf.tensor2d([ids], [1, 100], "int32")) as Tensor).dataSync()[0];
    assert.ok(Math.abs(p[99] - whole) < 1e-6);
  });
});

Deno.test("readWordByWord: the LSTM's gates equal the plain-loop reference kernel", () => {
  const model = smallModel("lstm", 9);
  const w = embeddingRnnWeights(model);
  const { gates } = readWordByWord(model, IDS);
  assert.ok(gates);
  const reference = lstmForwardReference({
    batch: 1,
    steps: IDS.length,
    inputDim: w.dim,
    units: w.units,
    x: embed(w, IDS),
    kernel: w.kernel,
    recurrentKernel: w.recurrentKernel,
    bias: w.bias,
  }, { activation: "tanh", recurrentActivation: "sigmoid" });
  const n = 4 * w.units;
  let worst = 0;
  let range = 0;
  for (let t = 0; t < IDS.length; t++) {
    for (let u = 0; u < w.units; u++) {
      const at = t * w.units + u;
      const pairs: [number, number][] = [
        [gates.input.data[at], reference.gates[t * n + u]],
        [gates.forget.data[at], reference.gates[t * n + w.units + u]],
        [gates.candidate.data[at], reference.gates[t * n + 2 * w.units + u]],
        [gates.output.data[at], reference.gates[t * n + 3 * w.units + u]],
        [gates.cell.data[at], reference.c[at]],
        [gates.hidden.data[at], reference.h[at]],
      ];
      for (const [ours, ref] of pairs) worst = Math.max(worst, Math.abs(ours - ref));
      range = Math.max(range, Math.abs(gates.forget.data[at] - gates.forget.data[u]));
    }
  }
  assert.ok(worst < 1e-6, `largest difference ${worst}`); // the reference stores float32
  assert.ok(range > 0.1, "the forget gate changes over the steps");
  assert.deepEqual(gates.cell.shape, [IDS.length, w.units]);
});

Deno.test("embeddingRnnWeights and runSteps: structure and input checks", () => {
  const onehot = buildModel("simple_rnn_onehot", { seed: 1 });
  assert.throws(
    () => embeddingRnnWeights(onehot),
    /expected a model Embedding -> SimpleRNN \| LSTM \| GRU -> Dense\(1, sigmoid\), got SimpleRNN -> Dense/,
  );
  const w = embeddingRnnWeights(smallModel("simpleRNN"));
  assert.equal(w.kind, "SimpleRNN");
  assert.deepEqual([w.vocab, w.dim, w.units], [12, 4, 4]);
  assert.equal(runSteps(w, new Float64Array(8)).gates, undefined);
  assert.throws(
    () => runSteps(w, new Float64Array(7)),
    /xs has 7 numbers, not a whole number of steps of 4/,
  );
  assert.throws(() => embed(w, [1, 12]), /ids\[1\] = 12 is not a word id in \[0, 12\)/);
});

Deno.test("readWordByWord: a GRU's gates and state, in both forms", async (t) => {
  for (const kind of ["gru", "gruResetAfter"] as const) {
    await t.step(kind, () => {
      const model = smallModel(kind, 7);
      const w = embeddingRnnWeights(model);
      assert.deepEqual([w.kind, w.resetAfter], ["GRU", kind === "gruResetAfter"]);
      const reading = readWordByWord(model, IDS);
      assert.equal(reading.gates, undefined);
      const g = reading.gruGates!;
      assert.deepEqual(g.hidden.shape, [IDS.length, 3]);
      const at = (a: typeof g.hidden, t: number, u: number) => a.data[t * 3 + u];
      // h_t = z ⊙ h_(t−1) + (1 − z) ⊙ hh, gates in (0, 1), hh in (−1, 1)
      for (let t = 0; t < IDS.length; t++) {
        for (let u = 0; u < 3; u++) {
          const z = at(g.update, t, u), hh = at(g.candidate, t, u);
          const hp = t > 0 ? at(g.hidden, t - 1, u) : 0;
          assert.ok(Math.abs(at(g.hidden, t, u) - (z * hp + (1 - z) * hh)) < 1e-12);
          assert.ok(z > 0 && z < 1 && at(g.reset, t, u) > 0 && at(g.reset, t, u) < 1);
          assert.ok(Math.abs(hh) < 1);
        }
      }
      // the last state is the model's: its output through the dense unit
      const whole = tf.tensor2d([IDS], [1, IDS.length], "int32");
      const h = model.layers[1].apply(model.layers[0].apply(whole)) as Tensor;
      const last = h.dataSync();
      for (let u = 0; u < 3; u++) {
        assert.ok(Math.abs(at(g.hidden, IDS.length - 1, u) - last[u]) < 2e-6, `h[${u}]`);
      }
      tf.dispose([whole, h]);
    });
  }
});
