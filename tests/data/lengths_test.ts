import assert from "node:assert/strict";
import { lengthHistogram, paddingSummary } from "../../src/data/lengths.ts";
import { padSequences } from "../../src/data/preprocessing.ts";
import { RandomState } from "../../src/data/random_state.ts";

Deno.test("paddingSummary agrees with what padSequences does to each review", () => {
  const random = new RandomState(3);
  // ids from 1 (no zero inside a review), lengths 0 to 30
  const seqs = Array.from(
    { length: 200 },
    () => Int32Array.from({ length: random.randint(0, 31) }, () => random.randint(1, 50)),
  );
  const maxlen = 12;
  const s = paddingSummary(seqs, maxlen);
  const padded = padSequences(seqs, { maxlen });
  let truncated = 0, filled = 0;
  seqs.forEach((seq, i) => {
    const row = padded.data.subarray(i * maxlen, (i + 1) * maxlen);
    if (row[0] === 0) filled++; // zeros were put before it
    else if (seq.length > maxlen) {
      truncated++;
      assert.deepEqual(row, seq.subarray(seq.length - maxlen)); // its first ids cut off
    }
  });
  assert.equal(s.truncated, truncated);
  assert.equal(s.padded, filled);
  assert.equal(s.truncated + s.padded + s.unchanged, 200);
  assert.ok(s.truncated > 0 && s.padded > 0 && s.unchanged > 0, "all three cases occur");
  assert.throws(() => paddingSummary(seqs, 0), /maxlen must be a positive integer, got 0/);
});

Deno.test("lengthHistogram: bins, the overflow, and checks", () => {
  const h = lengthHistogram([0, 9, 10, 19, 25, 30, 31, 100], { binWidth: 10, max: 30 });
  assert.deepEqual(h, { starts: [0, 10, 20], counts: [2, 2, 1], over: 3 });
  assert.equal(h.counts.reduce((a, b) => a + b) + h.over, 8);
  assert.throws(() => lengthHistogram([1], { binWidth: 7, max: 30 }), /multiple of binWidth/);
  assert.throws(
    () => lengthHistogram([-1], { binWidth: 10, max: 30 }),
    /values\[0\] = -1 is negative/,
  );
});
