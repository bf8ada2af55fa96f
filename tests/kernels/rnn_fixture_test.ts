import assert from "node:assert/strict";
import * as kernels from "../../src/kernels/mod.ts";
import { tf } from "../../src/tfjs/tf.ts";
import { buildModel } from "../../src/tfjs/models.ts";
import { trainOnBatchFast } from "../../src/tfjs/_train_step.ts";
import { kernelDigests, trainingDigests } from "./_rnn_fixture.ts";

/** Digests recorded at commit e1480e0, before the kernels were split (see `_rnn_fixture.ts`). */
const recorded = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/rnn_kernels_e1480e0.json", import.meta.url)),
) as { kernels: Record<string, string>; training: Record<string, string[]> };

Deno.test("fused RNN kernels are bit for bit those of e1480e0", async (t) => {
  await t.step("every output and gradient of the recorded kernel cases", async () => {
    const now = await kernelDigests(kernels);
    assert.deepEqual(Object.keys(now), Object.keys(recorded.kernels));
    for (const [name, hash] of Object.entries(recorded.kernels)) {
      assert.equal(now[name], hash, `${name}: the kernels' results changed`);
    }
  });
  await t.step("three training steps of each of the chapter's models", async () => {
    const now = await trainingDigests({ tf, buildModel, trainOnBatchFast });
    assert.deepEqual(now, recorded.training);
  });
});
