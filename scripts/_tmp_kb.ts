import { inputGrad, lstmBackward, lstmForward, simpleRnnBackward, simpleRnnForward } from "../src/rnn_kernels.ts";
function rnd(n: number) { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5; return a; }
function onehot(rows: number, d: number) { const a = new Float32Array(rows * d); for (let r = 0; r < rows; r++) a[r * d + Math.floor(Math.random() * d)] = 1; return a; }
const B = 32, T = 100;
const cases = [
  ["onehot rnn32", { batch: B, steps: T, inputDim: 100, units: 32, x: onehot(B * T, 100), kernel: rnd(100 * 32), recurrentKernel: rnd(32 * 32), bias: rnd(32) }, "rnn"],
  ["emb rnn8", { batch: B, steps: T, inputDim: 32, units: 8, x: rnd(B * T * 32), kernel: rnd(32 * 8), recurrentKernel: rnd(8 * 8), bias: rnd(8) }, "rnn"],
  ["emb lstm8", { batch: B, steps: T, inputDim: 32, units: 8, x: rnd(B * T * 32), kernel: rnd(32 * 32), recurrentKernel: rnd(8 * 32), bias: rnd(32) }, "lstm"],
] as const;
for (const [name, args, kind] of cases) {
  const res: number[][] = [];
  for (let k = 0; k < 20; k++) {
    let t0 = performance.now();
    const cache = kind === "rnn" ? simpleRnnForward(args, "tanh") : lstmForward(args, "tanh", "sigmoid");
    const f = performance.now() - t0;
    const dy = rnd(B * args.units);
    t0 = performance.now();
    const g = kind === "rnn" ? simpleRnnBackward(cache as never, { dy, returnSequences: false }) : lstmBackward(cache as never, { dy, returnSequences: false });
    const b = performance.now() - t0;
    t0 = performance.now();
    inputGrad(g, args);
    const dx = performance.now() - t0;
    res.push([f, b, dx]);
  }
  const med = (i: number) => res.map((r) => r[i]).sort((a, b) => a - b)[10].toFixed(2);
  console.log(name, "fwd", med(0), "bwd", med(1), "dx", med(2));
}
