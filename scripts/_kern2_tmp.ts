import process from "node:process";
import { lstmBackward, lstmForward, releaseScratch, setWasmKernels, simpleRnnBackward, simpleRnnForward, inputGrad } from "../src/rnn_kernels.ts";
function rnd(n: number, s = 0.3) { return Float32Array.from({ length: n }, () => (Math.random() - 0.5) * s); }
const B = 32, T = 100;
function cpu(f: () => void, n = 80) { for (let i = 0; i < 5; i++) f(); const ts = []; for (let i = 0; i < n; i++) { const t0 = performance.now(); f(); ts.push(performance.now() - t0); } ts.sort((a, b) => a - b); return ts[Math.floor(n / 10)].toFixed(2); }
for (const w of [false, true]) {
  setWasmKernels(w);
  const D = 100, U = 32;
  const x = new Float32Array(B * T * D); for (let r = 0; r < B * T; r++) x[r * D + Math.floor(Math.random() * D)] = 1;
  const args = { batch: B, steps: T, inputDim: D, units: U, x, kernel: rnd(D * U), recurrentKernel: rnd(U * U), bias: rnd(U) };
  const dy = rnd(B * U);
  const c = simpleRnnForward(args, "tanh");
  const out = [`wasm=${w}`, "onehot fwd", cpu(() => { const c = simpleRnnForward(args, "tanh"); releaseScratch(c.h); }),
    "bwd", cpu(() => { const g = simpleRnnBackward(c, { dy, returnSequences: false }); releaseScratch(g.dZ); })];
  {
    const D = 32, U = 8, G = 32;
    const args = { batch: B, steps: T, inputDim: D, units: U, x: rnd(B * T * D), kernel: rnd(D * G), recurrentKernel: rnd(U * G), bias: rnd(G) };
    const c = lstmForward(args, "tanh", "sigmoid");
    const g = lstmBackward(c, { dy: rnd(B * U), returnSequences: false });
    out.push("lstm fwd", cpu(() => { const c = lstmForward(args, "tanh", "sigmoid"); releaseScratch(c.gates, c.c, c.actC, c.h); }),
      "bwd", cpu(() => { const g = lstmBackward(c, { dy, returnSequences: false }); releaseScratch(g.dZ); }), "inputGrad", cpu(() => inputGrad(g, args)));
  }
  console.log(out.join(" "));
}
