import assert from "node:assert/strict";
import { tf } from "../../src/tfjs/tf.ts";
import { embeddingMatrix, projectPca, wordPushes } from "../../src/tfjs/embedding_map.ts";
import { smallModel } from "./_small_models.ts";

type Tensor = ReturnType<typeof tf.tensor>;

Deno.test("projectPca: a case with a known answer", async (t) => {
  // Points c + a·u + b·v with u, v orthonormal in 3-D and a, b centred: spread 3 along u, 1
  // along v. The components are u and v, the coordinates a and b, the shares 9/10 and 1/10.
  const u = [2 / 3, 2 / 3, 1 / 3];
  const v = [-2 / 3, 1 / 3, 2 / 3]; // u·v = 0, |u| = |v| = 1
  const c = [5, -1, 2];
  const ab = [[3, 1], [-3, 1], [3, -1], [-3, -1], [0, 0]];
  const rows = Float64Array.from(
    ab.flatMap(([a, b]) => c.map((ci, d) => ci + a * u[d] + b * v[d])),
  );
  const { coords, explained, components } = projectPca(rows, 3);

  await t.step("the directions: u and v, signs with the largest entry positive", () => {
    // u's largest entry is positive as it is; v's is 2/3 as well
    [...u, ...v].forEach((x, k) => assert.ok(Math.abs(components[k] - x) < 1e-12, `${k}`));
  });
  await t.step("the coordinates: a and b", () => {
    ab.forEach(([a, b], i) => {
      assert.ok(Math.abs(coords[2 * i] - a) < 1e-12, `row ${i}: ${coords[2 * i]} vs ${a}`);
      assert.ok(Math.abs(coords[2 * i + 1] - b) < 1e-12, `row ${i}: ${coords[2 * i + 1]} vs ${b}`);
    });
  });
  await t.step("the shares of the variance: 36 / 40 and 4 / 40", () => {
    assert.ok(Math.abs(explained[0] - 0.9) < 1e-12 && Math.abs(explained[1] - 0.1) < 1e-12);
  });
  await t.step("argument checks", () => {
    assert.throws(() => projectPca([1, 2, 3], 3), /at least 2 rows of 3 numbers, got 3/);
    assert.throws(() => projectPca(rows, 3, 4), /components must be in \[1, 3\], got 4/);
  });
});

Deno.test("wordPushes: the logit of the one-word review minus the empty one's", () => {
  const model = smallModel("simpleRNN", 7);
  const pushes = wordPushes(model, [0, 3, 11], { maxlen: 6 });
  const logit = (ids: number[]) => {
    const p = (model.predict(tf.tensor2d([ids], [1, ids.length], "int32")) as Tensor).dataSync()[0];
    return Math.log(p / (1 - p));
  };
  const nothing = logit([0, 0, 0, 0, 0, 0]);
  assert.equal(pushes[0], 0);
  for (const [k, id] of [[1, 3], [2, 11]]) {
    const expected = logit([0, 0, 0, 0, 0, id]) - nothing;
    assert.ok(Math.abs(pushes[k] - expected) < 1e-4, `${pushes[k]} vs ${expected}`);
  }
  assert.ok(Math.abs(pushes[1] - pushes[2]) > 0.01, "different words push differently");
  const { vectors, dim } = embeddingMatrix(model);
  assert.equal(dim, 4);
  assert.deepEqual(Array.from(vectors), Array.from(model.getWeights()[0].dataSync()));
});
