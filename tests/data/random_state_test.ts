import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { RandomState } from "../../src/data/random_state.ts";

/** Numbers numpy's legacy RandomState produced (scripts/fixtures/random_state.py). */
const fixture = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/random_state.json", import.meta.url)),
);

/** sha256 of an int32 array's little-endian bytes, as the fixture script hashes numpy's. */
function sha256Int32(a: Int32Array): string {
  return createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest("hex");
}

Deno.test("RandomState", async (t) => {
  await t.step("raw MT19937 output of init_genrand(5489) is the reference sequence", () => {
    const rs = new RandomState(5489);
    assert.equal(rs.nextUint32(), 3499211612);
    assert.equal(rs.nextUint32(), 581869302);
  });

  await t.step("permutation equals numpy for several seeds and sizes", () => {
    for (const c of fixture.permutations) {
      const p = new RandomState(c.seed).permutation(c.n);
      assert.equal(p.length, c.n);
      assert.deepEqual(Array.from(p.subarray(0, 64)), c.head, `seed ${c.seed}, n ${c.n}`);
      assert.equal(sha256Int32(p), c.sha256, `seed ${c.seed}, n ${c.n}`);
    }
  });

  await t.step("new RandomState(42).permutation(25000) is the book's split order", () => {
    const p = new RandomState(42).permutation(25000);
    assert.deepEqual(Array.from(p), fixture.seed42_permutation_25000);
  });

  await t.step("Keras: train then test shuffled from one RandomState(113) stream", () => {
    const rs = new RandomState(113);
    const train = Int32Array.from(rs.shuffled(Array.from({ length: 25000 }, (_, i) => i)));
    const test = rs.permutation(25000);
    assert.deepEqual(Array.from(train.subarray(0, 32)), fixture.keras113.train_head);
    assert.equal(sha256Int32(train), fixture.keras113.train_sha256);
    assert.deepEqual(Array.from(test.subarray(0, 32)), fixture.keras113.test_head);
    assert.equal(sha256Int32(test), fixture.keras113.test_sha256);
  });

  await t.step("shuffled copies a list in numpy's shuffle order, input untouched", () => {
    const words = Array.from({ length: 30 }, (_, i) => `w${i}`);
    const before = [...words];
    assert.deepEqual(new RandomState(7).shuffled(words), fixture.shuffled_list_seed7);
    assert.deepEqual(words, before);
  });

  await t.step("randomSample, randint, uniform, normal equal numpy", () => {
    for (
      const [seed, s] of Object.entries(fixture.samples) as [string, Record<string, number[]>][]
    ) {
      const rs = new RandomState(Number(seed));
      assert.deepEqual(Array.from({ length: 20 }, () => rs.randomSample()), s.random_sample);
      assert.deepEqual(
        Array.from(new RandomState(Number(seed)).randint(0, 10, 20)),
        s.randint_0_10,
      );
      assert.deepEqual(
        Array.from(new RandomState(Number(seed)).randint(-5, 1000, 20)),
        s.randint_m5_1000,
      );
      const u = new RandomState(Number(seed));
      assert.deepEqual(Array.from({ length: 10 }, () => u.uniform(-1, 1)), s.uniform_m1_1);
      const g = new RandomState(Number(seed));
      // Exact here; in general V8's Math.log may differ from libm's in the last bit.
      assert.deepEqual(Array.from({ length: 11 }, () => g.normal(0, 1)), s.normal);
    }
  });

  await t.step("rejects bad seeds and arguments, naming the value", () => {
    assert.throws(() => new RandomState(-1), /seed .* got -1/);
    assert.throws(() => new RandomState(2 ** 32), /got 4294967296/);
    assert.throws(() => new RandomState(1.5), /got 1.5/);
    assert.throws(() => new RandomState(0).permutation(-3), /got -3/);
    assert.throws(() => new RandomState(0).randint(5, 5), /low=5, high=5/);
  });
});
