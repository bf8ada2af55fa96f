import { simpleRnnBackward, simpleRnnForward, lstmForward, lstmBackward, inputGrad } from "../src/rnn_kernels.ts";
function rnd(n: number) { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5; return a; }
function onehot(rows: number, d: number) { const a = new Float32Array(rows * d); for (let r = 0; r < rows; r++) a[r * d + Math.floor(Math.random() * d)] = 1; return a; }
const B = 32, T = 100;
const oh = { batch: B, steps: T, inputDim: 100, units: 32, x: onehot(B * T, 100), kernel: rnd(100 * 32), recurrentKernel: rnd(32 * 32), bias: rnd(32) };
const lin = { ...oh, x: new Float32Array(B * T * 100) };
const lstm = { batch: B, steps: T, inputDim: 32, units: 8, x: rnd(B * T * 32), kernel: rnd(32 * 32), recurrentKernel: rnd(8 * 32), bias: rnd(32) };
const res: Record<string, number[]> = {};
const time = (k: string, f: () => unknown) => { const t0 = performance.now(); f(); (res[k] ??= []).push(performance.now() - t0); };
for (let i = 0; i < 30; i++) {
  time("rnn fwd tanh", () => simpleRnnForward(oh, "tanh"));
  time("rnn fwd linear", () => simpleRnnForward(oh, "linear"));
  time("rnn fwd zero-x", () => simpleRnnForward(lin, "linear"));
  const c = simpleRnnForward(oh, "tanh");
  time("rnn bwd", () => simpleRnnBackward(c, { dy: new Float32Array(B * 32).fill(0.1), returnSequences: false }));
  time("lstm fwd", () => lstmForward(lstm, "tanh", "sigmoid"));
  time("lstm fwd linear", () => lstmForward(lstm, "linear", "linear"));
  const lc = lstmForward(lstm, "tanh", "sigmoid");
  let g: unknown;
  time("lstm bwd", () => g = lstmBackward(lc, { dy: new Float32Array(B * 8).fill(0.1), returnSequences: false }));
  time("lstm dx", () => inputGrad(g as never, lstm));
}
for (const k in res) { const s = res[k].sort((a, b) => a - b); console.log(k.padEnd(18), "median", s[15].toFixed(2), "min", s[0].toFixed(2)); }
