/**
 * The fast path with x given as rows of a table (`args.lookup`, `_projection.ts`): the same
 * outputs as the same x given densely (the projection of a row is the same float32 sums), the
 * kernel gradient and d loss / d table (`tableGrad`) within float32 rounding of the dense path's
 * and of the references', for SimpleRNN, LSTM and GRU.
 */
import assert from "node:assert/strict";
import { lookupRows, tableGradFast } from "../../src/kernels/_projection.ts";
import { gruBackward, gruForward } from "../../src/kernels/gru.ts";
import { lstmBackward, lstmForward } from "../../src/kernels/lstm.ts";
import {
  inputGrad,
  type RnnBackwardArgs,
  type RnnForwardArgs,
  type RnnGrads,
  tableGrad,
  tableGradReference,
} from "../../src/kernels/rnn.ts";
import { simpleRnnBackward, simpleRnnForward } from "../../src/kernels/simple_rnn.ts";
import { f32Kernels } from "../../src/kernels/_wasm_f32.ts";
import { assertClose, callArgs, uniform } from "./_rnn_testing.ts";

type Run = (args: RnnForwardArgs, back: RnnBackwardArgs) => { h: Float32Array; grads: RnnGrads };

const KINDS: Array<[string, number, Run]> = [
  ["SimpleRNN", 1, (args, back) => {
    const cache = simpleRnnForward(args, "tanh");
    return { h: cache.h.slice(), grads: simpleRnnBackward(cache, back) };
  }],
  ["LSTM", 4, (args, back) => {
    const cache = lstmForward(args, "tanh", "sigmoid");
    return { h: cache.h.slice(), grads: lstmBackward(cache, back) };
  }],
  ["GRU", 3, (args, back) => {
    const cache = gruForward(args, "tanh", "sigmoid", true);
    return { h: cache.h.slice(), grads: gruBackward(cache, back) };
  }],
];

/** A table of `tableRows` rows and ids drawn from its first `used` rows (some repeated). */
function lookupCall(
  gatesPerUnit: number,
  sizes: { batch: number; steps: number; inputDim: number; units: number; tableRows: number },
  seed: number,
): RnnForwardArgs {
  const { batch, steps, inputDim, units, tableRows } = sizes;
  const rows = batch * steps;
  const table = uniform(tableRows * inputDim, seed, 1);
  const pick = uniform(rows, seed + 5, 1);
  const ids = Int32Array.from(pick, (p) => Math.floor((p + 1) / 2 * (tableRows - 1)));
  const x = new Float32Array(rows * inputDim);
  ids.forEach((id, r) => x.set(table.subarray(id * inputDim, (id + 1) * inputDim), r * inputDim));
  const args = callArgs({ batch, steps, inputDim, units }, gatesPerUnit, seed);
  // GRU with resetAfter: an input and a recurrent bias
  const bias = gatesPerUnit === 3 ? uniform(2 * 3 * units, seed + 3, 0.2) : args.bias;
  return { ...args, x, bias, lookup: { table, ids } };
}

Deno.test("lookupRows: the distinct ids ascending, each row's place, ids checked", () => {
  const table = new Float32Array(5 * 2);
  const { distinct, place } = lookupRows({ table, ids: Int32Array.from([3, 1, 3, 0]) }, 2);
  assert.deepEqual(Array.from(distinct), [0, 1, 3]);
  assert.deepEqual(Array.from(place), [2, 1, 2, 0]);
  assert.throws(() => lookupRows({ table, ids: Int32Array.from([1, 5]) }, 2), /id 5 at row 1/);
  assert.throws(() => lookupRows({ table, ids: Int32Array.from([-1]) }, 2), /id -1 at row 0/);
});

Deno.test("the fast path with a lookup equals the dense call's", async (t) => {
  if (f32Kernels === null) return; // the lookup is the fast path's; the reference reads x
  const shapes = [
    { batch: 4, steps: 6, inputDim: 8, units: 8, tableRows: 10 },
    { batch: 3, steps: 5, inputDim: 5, units: 5, tableRows: 40 }, // more rows than ids
    { batch: 2, steps: 7, inputDim: 3, units: 7, tableRows: 4 }, // every row read again
  ];
  for (const [name, gatesPerUnit, run] of KINDS) {
    for (const [i, sizes] of shapes.entries()) {
      for (const returnSequences of [false, true]) {
        await t.step(
          `${name}, ${JSON.stringify(sizes)}, returnSequences ${returnSequences}`,
          () => {
            const args = lookupCall(gatesPerUnit, sizes, 10 * i + gatesPerUnit);
            const dense = { ...args, lookup: undefined };
            const { batch, steps, units } = args;
            const dy = uniform((returnSequences ? batch * steps : batch) * units, 99, 1);
            const back = { dy, returnSequences };
            const a = run(args, back), b = run(dense, back);
            // the same float32 sums per row: the same outputs and dZ
            assert.deepEqual(a.h, b.h, "h");
            // and the lookup path is what ran: it reads the table, not x
            const blind = run({ ...args, x: new Float32Array(args.x.length) }, back);
            assert.deepEqual(blind.h, b.h, "h without x");
            assert.deepEqual(blind.grads.dKernel, a.grads.dKernel, "dKernel without x");
            assert.deepEqual(a.grads.dZ, b.grads.dZ, "dZ");
            assert.deepEqual(a.grads.dRecurrentKernel, b.grads.dRecurrentKernel);
            // summed in another order
            assertClose(a.grads.dKernel, b.grads.dKernel, "dKernel", 1e-5);
            const table = tableGrad(a.grads, args);
            assertClose(table, tableGradReference(b.grads, args), "d table", 1e-5);
            // the backward's d table (from the sums per id it took dKernel from) is what
            // tableGradFast makes again from dZ, bit for bit
            assert.ok(a.grads.dTable !== undefined && b.grads.dTable === undefined);
            assert.deepEqual(tableGradFast(f32Kernels!.products, a.grads.dZ, args), table);
            // d table is dx added up per id
            const dx = inputGrad(b.grads, dense);
            const sums = new Float64Array(table.length);
            args.lookup!.ids.forEach((id, r) => {
              for (let d = 0; d < args.inputDim; d++) {
                sums[id * args.inputDim + d] += dx[r * args.inputDim + d];
              }
            });
            assertClose(table, sums, "d table vs dx", 1e-5);
          },
        );
      }
    }
  }
});

Deno.test("tableGrad: clear errors", () => {
  const args = lookupCall(1, { batch: 1, steps: 2, inputDim: 2, units: 1, tableRows: 3 }, 1);
  const { grads } = KINDS[0][2](args, { dy: [1], returnSequences: false });
  assert.throws(() => tableGrad(grads, { ...args, lookup: undefined }), /not given as lookup/);
  assert.throws(
    () => simpleRnnForward({ ...args, lookup: { ...args.lookup!, ids: Int32Array.of(0) } }, "tanh"),
    /lookup has 1 ids/,
  );
});
