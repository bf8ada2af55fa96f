/**
 * The fused RNN kernels and the fast training step, bit for bit, against digests recorded in
 * `tests/fixtures/rnn_kernels.json` (see `_rnn_fixture.ts` for the cases and the command).
 *
 * History: until issue 8's one tanh and one exp, the fixture was recorded at commit e1480e0
 * (before the kernels were split into references and fast paths) and every later tree matched
 * it bit for bit. That equality held until a deliberate change: the fused layers' tanh became
 * `Math.fround` of the kernels' shared float64 tanh (`_wasm_math.ts`, the hand-written
 * network's), replacing a rational float32 approximation (3e-7 relative: about a third of the
 * activations move by 1 to 3 float32 ulps), their sigmoid 1 / (1 + exp(−z)) with the shared
 * exp, and the LSTM's cell update reads its gates as the float32 numbers they are stored as.
 * The fixture was recorded again at that commit. It was recorded once more when the fused
 * layers' tanh and sigmoid became the same functions in float32 arithmetic on four float32 lanes
 * (`_wasm_math.ts`'s `FLOAT32`: exp's Taylor polynomial to r^7, every operation rounded to
 * float32; within 2-3 float32 ulp of the exact values, where the float64 functions were within
 * half an ulp), which made the layers' activations three to four times faster (issue 9's epoch
 * times); and its training digests once more when the fast step's embedding models began to
 * project the table's rows once each (`RnnForwardArgs.lookup`: the kernel gradient and
 * d loss / d table summed per word id first, a deliberate change of the order of the sums);
 * and once more when the LSTM's and GRU's backward passes' per-step dh_{t-1} = dz_t ·
 * recurrentKernelᵀ became a gemm on the kernel's transpose (sums in ascending order) instead of
 * a gemmT (sums per lane).
 * It holds the trees after it to their numbers.
 */
import assert from "node:assert/strict";
import * as kernels from "../../src/kernels/mod.ts";
import { tf } from "../../src/tfjs/tf.ts";
import { buildModel } from "../../src/tfjs/models.ts";
import { trainOnBatchFast } from "../../src/tfjs/_train_step.ts";
import { kernelDigests, trainingDigests } from "./_rnn_fixture.ts";

const recorded = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/rnn_kernels.json", import.meta.url)),
) as { kernels: Record<string, string>; training: Record<string, string[]> };

Deno.test("fused RNN kernels give the recorded numbers bit for bit", async (t) => {
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
