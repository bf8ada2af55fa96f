/** Small models with random weights for the tests of what the chapter's models compute. */
import { tf } from "../../src/tfjs/tf.ts";
import { layers } from "../../src/tfjs/layers.ts";
import { RandomState } from "../../src/data/random_state.ts";

/**
 * A small Embedding(12, 4) → SimpleRNN(4) | LSTM(3) → Dense(1, sigmoid) with random weights of
 * a size that moves the gates well away from their starting values.
 */
export function smallModel(
  kind: "simpleRNN" | "lstm" | "gru" | "gruResetAfter",
  seed = 5,
): ReturnType<typeof tf.sequential> {
  const model = tf.sequential();
  model.add(layers.embedding({ inputDim: 12, outputDim: 4 }));
  model.add(
    kind === "lstm"
      ? layers.lstm({ units: 3 })
      : kind === "simpleRNN"
      ? layers.simpleRNN({ units: 4 })
      : layers.gru({ units: 3, resetAfter: kind === "gruResetAfter" }),
  );
  model.add(layers.dense({ units: 1, activation: "sigmoid" }));
  model.build([null, null]);
  const random = new RandomState(seed);
  model.setWeights(
    model.getWeights().map((w) =>
      tf.tensor(Float32Array.from({ length: w.size }, () => random.normal()), w.shape)
    ),
  );
  return model;
}
