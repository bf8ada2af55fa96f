import assert from "node:assert/strict";
import { tf } from "../../src/tfjs/tf.ts";
import { RandomState } from "../../src/data/random_state.ts";
import {
  dropoutSeed,
  initializerSeed,
  randomSeed,
  setRandomSeed,
} from "../../src/tfjs/random_seed.ts";

Deno.test("setRandomSeed", async (t) => {
  await t.step("fit's shuffle: numpy's RandomState(seed).shuffle, one stream", () => {
    setRandomSeed(42);
    const order = Array.from({ length: 20 }, (_, i) => i);
    tf.util.shuffle(order); // what model.fit calls every epoch
    const numpy = new RandomState(42);
    assert.deepEqual(order, Array.from(numpy.permutation(20)));
    tf.util.shuffle(order); // the next epoch shuffles that order again, from the same stream
    const stream = new RandomState(42);
    const once = stream.shuffled(Array.from({ length: 20 }, (_, i) => i));
    assert.deepEqual(order, stream.shuffled(once));
    setRandomSeed(undefined);
  });

  await t.step("initialiser seeds count up from the seed; setting it again restarts", () => {
    setRandomSeed(7);
    assert.deepEqual([initializerSeed(), initializerSeed(), initializerSeed()], [7, 8, 9]);
    setRandomSeed(7);
    assert.equal(initializerSeed(), 7);
    assert.equal(randomSeed(), 7);
  });

  await t.step("dropout seeds: their own stream, reproducible", () => {
    setRandomSeed(7);
    const a = [dropoutSeed(), dropoutSeed()];
    setRandomSeed(7);
    initializerSeed(); // initialisers do not move the dropout stream
    assert.deepEqual([dropoutSeed(), dropoutSeed()], a);
    assert.notEqual(a[0], a[1]);
  });

  await t.step("undefined: tfjs's Math.random again", () => {
    setRandomSeed(undefined);
    assert.equal(initializerSeed(), undefined);
    assert.equal(dropoutSeed(), undefined);
    assert.equal(randomSeed(), undefined);
    const random = Math.random;
    let calls = 0;
    Math.random = () => (calls++, 0.5);
    try {
      tf.util.shuffle([1, 2, 3]);
    } finally {
      Math.random = random;
    }
    assert.equal(calls, 3); // tfjs's own Fisher-Yates
  });

  await t.step("a clear error for a seed that is not an integer in range", () => {
    assert.throws(
      () => setRandomSeed(1.5),
      /seed must be an integer in \[0, 2147483647\), got 1\.5/,
    );
    assert.throws(() => setRandomSeed(-1), /got -1/);
  });
});
