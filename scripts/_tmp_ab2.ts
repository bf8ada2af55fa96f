import * as v1 from "/tmp/rnn_kernels_v1.ts";
import * as v3 from "/tmp/rnn_kernels_v3.ts";
function rnd(n: number) { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5; return a; }
function onehot(rows: number, d: number) { const a = new Float32Array(rows * d); for (let r = 0; r < rows; r++) a[r * d + Math.floor(Math.random() * d)] = 1; return a; }
const B = 32, T = 100;
const oh = { batch: B, steps: T, inputDim: 100, units: 32, x: onehot(B * T, 100), kernel: rnd(100 * 32), recurrentKernel: rnd(32 * 32), bias: rnd(32) };
const lstm = { batch: B, steps: T, inputDim: 32, units: 8, x: rnd(B * T * 32), kernel: rnd(32 * 32), recurrentKernel: rnd(8 * 32), bias: rnd(32) };
const res: Record<string, number[]> = {};
const time = (k: string, f: () => unknown) => { const t0 = performance.now(); f(); (res[k] ??= []).push(performance.now() - t0); };
for (let i = 0; i < 40; i++) {
  for (const [tag, m] of [["v1", v1], ["v3", v3]] as const) {
    time(tag + " rnn fwd", () => m.simpleRnnForward(oh, "tanh"));
    time(tag + " lstm fwd", () => m.lstmForward(lstm, "tanh", "sigmoid"));
  }
}
for (const k of Object.keys(res).sort()) { const s = res[k].sort((a, b) => a - b); console.log(k.padEnd(14), "median", s[20].toFixed(2), "min", s[0].toFixed(2)); }
