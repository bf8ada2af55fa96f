/**
 * The fused layers' float32 kernels (`_wasm_f32.ts`): every activation, applied in WebAssembly to
 * float32 values, gives `Math.fround` of `activations.ts`'s `activate` (the plain references'
 * numbers), bit for bit, for every count (groups of eight and the rest) and every mix of values
 * within and beyond ±0.625 (tanh's two branches).
 */
import assert from "node:assert/strict";
import { activate, activationCode, ACTIVATIONS, slope } from "../../src/kernels/activations.ts";
import { F32Kernels, f32Kernels } from "../../src/kernels/_wasm_f32.ts";
import { F32X4 } from "../../src/kernels/_wasm_products.ts";

/** A small deterministic generator for test data. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const simd = f32Kernels !== null;

Deno.test({
  name: "F32Kernels.activate is Math.fround(activate(code, z)) bit for bit, in place",
  ignore: !simd,
  fn: async (t) => {
    const kernels = f32Kernels!;
    const rand = lcg(4);
    for (const name of ACTIVATIONS) {
      const code = activationCode(name);
      for (const count of [1, 2, 7, 8, 9, 16, 31, 1000]) {
        await t.step(`${name}, ${count} values`, () => {
          // values 1 .. count of a region, between two that must stay as they are
          const { values } = kernels.arena.regions({ values: count + 2 });
          const xs = Float32Array.from({ length: count + 2 }, () => {
            const scale = rand() < 0.5 ? 1.2 : 30; // within ±0.625, and beyond
            return (rand() - 0.5) * scale;
          });
          const specials = [0, -0, NaN, 0.625, -0.625, Infinity, -Infinity, 200, -200, 1e-30];
          for (let i = 1; i <= Math.min(count, specials.length); i += 2) xs[i] = specials[i - 1];
          values.set(xs);
          kernels.activate(code, values.subarray(1, count + 1));
          for (let i = 0; i < count + 2; i++) {
            const inside = i >= 1 && i <= count;
            const want = inside ? Math.fround(activate(code, xs[i])) : xs[i];
            if (!Object.is(values[i], want)) {
              assert.fail(`${name}(${xs[i]}) at ${i}: WebAssembly ${values[i]}, expected ${want}`);
            }
          }
        });
      }
    }
    await t.step("tanh: groups of eight all within ±0.625, and mixed", () => {
      const n = 64;
      const { values } = kernels.arena.regions({ values: n });
      const xs = Float32Array.from({ length: n }, () => (rand() - 0.5) * 1.25);
      xs[8] = 0.6250001; // one beyond in the second group
      xs[63] = -3;
      values.set(xs);
      kernels.activate(activationCode("tanh"), values);
      xs.forEach((x, i) => {
        assert.ok(Object.is(values[i], Math.fround(activate(activationCode("tanh"), x))), `${x}`);
      });
    });
    await t.step("an unknown code throws naming it", () => {
      const { values } = kernels.arena.regions({ values: 4 });
      assert.throws(() => kernels.activate(9, values), /no activation of code 9/);
    });
  },
});

Deno.test({
  name: "F32Kernels: the float32 products beside the activations, in one arena",
  ignore: !simd,
  fn: () => {
    const kernels = F32Kernels.create()!;
    assert.equal(kernels.products.lanes, F32X4);
    assert.equal(kernels.products.arena, kernels.arena);
    const { a, w, out } = kernels.arena.regions({ a: 2, w: 8, out: 4 });
    a.set([1, -2]);
    w.set([1, 2, 3, 4, 0.5, 0.5, 0.5, 0.5]);
    kernels.products.gemm({ out, a, w, rows: 1, n: 2, cols: 4 });
    kernels.activate(activationCode("relu"), out);
    assert.deepEqual(Array.from(out), [0, 1, 2, 3]);
  },
});

/** Seeded float32 values in [-scale, scale). */
function values(n: number, rand: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rand() - 0.5) * 2 * scale);
}

Deno.test({
  name: "F32Kernels' step kernels give the TypeScript's float32 numbers, rows a stride apart",
  ignore: !simd,
  fn: async (t) => {
    const kernels = f32Kernels!;
    const { fns } = kernels;
    const rand = lcg(5);
    const f32 = Math.fround;
    for (const [rows, count] of [[1, 1], [3, 4], [5, 7], [2, 32]]) {
      const stride = count + 3; // rows of `count` values, 3 apart
      await t.step(`slopeMul, ${rows} rows of ${count}`, () => {
        for (const name of ACTIVATIONS) {
          const code = activationCode(name);
          const r = kernels.arena.regions({
            dz: rows * stride,
            dh: rows * count,
            y: rows * stride,
          });
          const dh = values(rows * count, rand, 2), y = values(rows * stride, rand);
          y[0] = 0; // relu's and hardSigmoid's edges
          r.dh.set(dh);
          r.y.set(name === "sigmoid" ? y.map((v) => f32((v + 1) / 2)) : y);
          r.dz.fill(7);
          fns.slopeMul(
            code,
            r.dz.byteOffset,
            4 * stride,
            r.dh.byteOffset,
            4 * count,
            r.y.byteOffset,
            4 * stride,
            count,
            rows,
          );
          for (let i = 0; i < rows; i++) {
            for (let u = 0; u < stride; u++) {
              const want = u < count
                ? f32(dh[i * count + u] * slope(code, r.y[i * stride + u]))
                : 7;
              assert.ok(Object.is(r.dz[i * stride + u], want), `${name} [${i}, ${u}]`);
            }
          }
        }
      });
      await t.step(`sumRows64 backwards, ${rows} rows of ${count}`, () => {
        const r = kernels.arena.regions({ dst: { float64: count }, src: rows * stride });
        const src = values(rows * stride, rand, 3);
        r.src.set(src);
        const start = Float64Array.from({ length: count }, () => rand());
        r.dst.set(start);
        fns.sumRows64(
          r.dst.byteOffset,
          r.src.byteOffset + 4 * (rows - 1) * stride,
          count,
          rows,
          -4 * stride,
        );
        for (let u = 0; u < count; u++) {
          let s = start[u];
          for (let i = rows - 1; i >= 0; i--) s += src[i * stride + u];
          assert.ok(Object.is(r.dst[u], s), `dst[${u}]`);
        }
      });
    }
    for (const [rows, units] of [[1, 1], [3, 3], [2, 8], [4, 5]]) {
      await t.step(`lstmCell and lstmCellBack, ${rows} rows of ${units} units`, () => {
        const n = 4 * units, steps = 2; // rows of sequences of 2 steps: step 1 has a c_prev
        const gateStride = steps * n, stateStride = steps * units;
        for (
          const [actName, recName] of [["tanh", "sigmoid"], ["relu", "hardSigmoid"], [
            "linear",
            "tanh",
          ]]
        ) {
          const act = activationCode(actName), rec = activationCode(recName);
          const r = kernels.arena.regions({
            gates: rows * gateStride,
            c: rows * stateStride,
            actC: rows * stateStride,
            h: rows * stateStride,
            dz: rows * gateStride,
            dh: rows * units,
            dy: rows * stateStride,
            dc: { float64: rows * units },
          });
          const gates = Float32Array.from(
            values(rows * gateStride, rand),
            (v, i) => f32(activate(i % n < 2 * units || i % n >= 3 * units ? rec : act, 2 * v)),
          );
          r.gates.set(gates);
          r.c.set(values(rows * stateStride, rand, 2)); // step 0's c: step 1's c_prev
          for (const step of [0, 1]) {
            fns.lstmCell(
              act,
              r.gates.byteOffset + 4 * step * n,
              4 * gateStride,
              r.c.byteOffset + 4 * step * units,
              r.actC.byteOffset + 4 * step * units,
              r.h.byteOffset + 4 * step * units,
              4 * stateStride,
              rows,
              units,
              step === 0 ? 1 : 0,
            );
          }
          for (let b = 0; b < rows; b++) {
            for (let step = 0; step < steps; step++) {
              for (let u = 0; u < units; u++) {
                const g = (k: number) => gates[b * gateStride + step * n + k * units + u];
                const s = b * stateStride + step * units + u;
                const cPrev = step === 0 ? 0 : r.c[s - units];
                const cv = f32(g(1) * cPrev + g(0) * g(2));
                const a = f32(activate(act, cv));
                assert.ok(Object.is(r.c[s], cv), `c [${b}, ${step}, ${u}]`);
                assert.ok(Object.is(r.actC[s], a), `actC [${b}, ${step}, ${u}]`);
                assert.ok(Object.is(r.h[s], f32(g(3) * a)), `h [${b}, ${step}, ${u}]`);
              }
            }
          }
          // backward step 1 then step 0, dh from dh (step 1) and dy added at both
          const dh = values(rows * units, rand), dy = values(rows * stateStride, rand);
          r.dh.set(dh);
          r.dy.set(dy);
          const dc0 = Float64Array.from({ length: rows * units }, () => rand() - 0.5);
          r.dc.set(dc0);
          const expectedDc = dc0.slice();
          for (const step of [1, 0]) {
            fns.lstmCellBack(
              act,
              rec,
              r.gates.byteOffset + 4 * step * n,
              4 * gateStride,
              r.c.byteOffset + 4 * step * units,
              r.actC.byteOffset + 4 * step * units,
              4 * stateStride,
              r.dz.byteOffset + 4 * step * n,
              4 * gateStride,
              r.dh.byteOffset,
              4 * units,
              r.dy.byteOffset + 4 * step * units,
              4 * stateStride,
              r.dc.byteOffset,
              rows,
              units,
              step === 0 ? 1 : 0,
            );
            for (let b = 0; b < rows; b++) {
              for (let u = 0; u < units; u++) {
                const g = (k: number) => gates[b * gateStride + step * n + k * units + u];
                const s = b * stateStride + step * units + u;
                const [i, f, gg, o] = [g(0), g(1), g(2), g(3)];
                const a = r.actC[s], cPrev = step === 0 ? 0 : r.c[s - units];
                const dhu = dh[b * units + u] + dy[s];
                const dcu = expectedDc[b * units + u] + dhu * o * slope(act, a);
                const dz = [
                  dcu * gg * slope(rec, i),
                  dcu * cPrev * slope(rec, f),
                  dcu * i * slope(act, gg),
                  dhu * a * slope(rec, o),
                ];
                expectedDc[b * units + u] = dcu * f;
                dz.forEach((v, k) => {
                  const got = r.dz[b * gateStride + step * n + k * units + u];
                  assert.ok(
                    Object.is(got, f32(v)),
                    `${actName}/${recName} dz${k} [${b}, ${step}, ${u}]`,
                  );
                });
                assert.ok(
                  Object.is(r.dc[b * units + u], expectedDc[b * units + u]),
                  `dc [${b}, ${u}]`,
                );
              }
            }
          }
        }
      });
    }
  },
});

Deno.test({
  name: "F32Kernels sparseOuterAdd64 is the plain float64 loop bit for bit (even and odd gates)",
  ignore: !simd,
  fn: () => {
    const kernels = f32Kernels!;
    const rand = lcg(9);
    for (const [rows, inputDim, gates] of [[7, 5, 4], [9, 6, 3], [4, 3, 1], [6, 10, 32]]) {
      // sparse rows: 0, 1 or 2 entries each (a one-hot 1 or any float32 value, then any)
      const start = [0], index: number[] = [], value: number[] = [];
      for (let r = 0; r < rows; r++) {
        const count = Math.floor(rand() * 3);
        for (let n = 0; n < count; n++) {
          index.push(Math.floor(rand() * inputDim));
          value.push(n === 0 && rand() < 0.5 ? 1 : Math.fround(rand() * 4 - 2));
        }
        start.push(index.length);
      }
      const r = kernels.arena.regions({
        dst: { float64: inputDim * gates },
        dz: rows * gates,
        start: { int32: start.length },
        index: { int32: index.length },
        value: value.length,
      });
      r.dz.set(Array.from({ length: rows * gates }, () => rand() * 2 - 1));
      r.start.set(start);
      r.index.set(index);
      r.value.set(value);
      const want = Float64Array.from({ length: inputDim * gates }, () => rand() - 0.5);
      r.dst.set(want);
      for (let row = 0; row < rows; row++) {
        for (let n = start[row]; n < start[row + 1]; n++) {
          for (let g = 0; g < gates; g++) {
            want[index[n] * gates + g] += r.value[n] * r.dz[row * gates + g];
          }
        }
      }
      kernels.fns.sparseOuterAdd64(
        r.dst.byteOffset,
        r.dz.byteOffset,
        gates,
        r.start.byteOffset,
        r.index.byteOffset,
        r.value.byteOffset,
        rows,
      );
      assert.deepEqual(Array.from(r.dst), Array.from(want), `rows ${rows}, gates ${gates}`);
    }
  },
});

Deno.test({
  name: "F32Kernels sparseProject64 is the plain float64 loop bit for bit (even and odd gates)",
  ignore: !simd,
  fn: () => {
    const kernels = f32Kernels!;
    const rand = lcg(10);
    for (const [rows, inputDim, gates] of [[7, 5, 4], [9, 6, 3], [4, 3, 1], [6, 10, 32]]) {
      const start = [0], index: number[] = [], value: number[] = [];
      for (let r = 0; r < rows; r++) {
        const count = Math.floor(rand() * 3);
        for (let n = 0; n < count; n++) {
          index.push(Math.floor(rand() * inputDim));
          value.push(n === 0 && rand() < 0.5 ? 1 : Math.fround(rand() * 4 - 2));
        }
        start.push(index.length);
      }
      const r = kernels.arena.regions({
        out: rows * gates,
        kernel: inputDim * gates,
        bias: gates,
        start: { int32: start.length },
        index: { int32: index.length },
        value: value.length,
      });
      r.kernel.set(Array.from({ length: inputDim * gates }, () => rand() * 2 - 1));
      r.bias.set(Array.from({ length: gates }, () => rand() - 0.5));
      r.start.set(start);
      r.index.set(index);
      r.value.set(value);
      const want = new Float32Array(rows * gates);
      for (let row = 0; row < rows; row++) {
        for (let g = 0; g < gates; g++) {
          let s = r.bias[g];
          for (let n = start[row]; n < start[row + 1]; n++) {
            s += r.value[n] * r.kernel[index[n] * gates + g];
          }
          want[row * gates + g] = s;
        }
      }
      kernels.fns.sparseProject64(
        r.out.byteOffset,
        r.kernel.byteOffset,
        gates,
        r.start.byteOffset,
        r.index.byteOffset,
        r.value.byteOffset,
        r.bias.byteOffset,
        rows,
      );
      assert.deepEqual(Array.from(r.out), Array.from(want), `rows ${rows}, gates ${gates}`);
    }
  },
});
