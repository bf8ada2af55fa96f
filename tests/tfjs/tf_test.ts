import assert from "node:assert/strict";
import { tf } from "../../src/tfjs/tf.ts";

Deno.test("tf runs on the cpu backend", () => {
  assert.equal(tf.getBackend(), "cpu");
  const s = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).arraySync());
  assert.deepEqual(s, [4, 6]);
});
