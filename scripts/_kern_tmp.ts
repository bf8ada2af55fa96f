import { inputGrad, lstmBackward, lstmForward, releaseScratch, simpleRnnBackward, simpleRnnForward } from "../src/rnn_kernels.ts";
import { adamStep } from "../src/fused_adam.ts";
function rnd(n: number, s = 0.3) { return Float32Array.from({ length: n }, () => (Math.random() - 0.5) * s); }
const B = 32, T = 100;
function med(f: () => void, n = 60) { const ts = []; for (let i = 0; i < n; i++) { const t0 = performance.now(); f(); ts.push(performance.now() - t0); } ts.sort((a, b) => a - b); return `${ts[n >> 1].toFixed(2)} (min ${ts[0].toFixed(2)})`; }
// one-hot simple rnn 32
{
  const D = 100, U = 32;
  const x = new Float32Array(B * T * D); for (let r = 0; r < B * T; r++) x[r * D + Math.floor(Math.random() * D)] = 1;
  const args = { batch: B, steps: T, inputDim: D, units: U, x, kernel: rnd(D * U), recurrentKernel: rnd(U * U), bias: rnd(U) };
  const dy = rnd(B * U);
  console.log("onehot fwd", med(() => { const c = simpleRnnForward(args, "tanh"); releaseScratch(c.h); }));
  console.log("onehot fwd+bwd", med(() => { const c = simpleRnnForward(args, "tanh"); const g = simpleRnnBackward(c, { dy, returnSequences: false }); releaseScratch(c.h, g.dZ); }));
}
for (const lstm of [false, true]) {
  const D = 32, U = 8, G = lstm ? 32 : 8;
  const args = { batch: B, steps: T, inputDim: D, units: U, x: rnd(B * T * D), kernel: rnd(D * G), recurrentKernel: rnd(U * G), bias: rnd(G) };
  const dy = rnd(B * U);
  const name = lstm ? "lstm" : "simple8";
  if (lstm) {
    console.log(name, "fwd", med(() => { const c = lstmForward(args, "tanh", "sigmoid"); releaseScratch(c.gates, c.c, c.actC, c.h); }));
    console.log(name, "fwd+bwd", med(() => { const c = lstmForward(args, "tanh", "sigmoid"); const g = lstmBackward(c, { dy, returnSequences: false }); releaseScratch(c.gates, c.c, c.actC, c.h, g.dZ); }));
    const c = lstmForward(args, "tanh", "sigmoid"); const g = lstmBackward(c, { dy, returnSequences: false });
    console.log(name, "inputGrad", med(() => inputGrad(g, args)));
  } else {
    console.log(name, "fwd+bwd", med(() => { const c = simpleRnnForward(args, "tanh"); const g = simpleRnnBackward(c, { dy, returnSequences: false }); releaseScratch(c.h, g.dZ); }));
    const c = simpleRnnForward(args, "tanh"); const g = simpleRnnBackward(c, { dy, returnSequences: false });
    console.log(name, "inputGrad", med(() => inputGrad(g, args)));
  }
}
const n = 32000; const v = rnd(n), gg = rnd(n), m = rnd(n), vv = rnd(n).map(Math.abs);
console.log("adamStep 32000", med(() => adamStep(v, gg, m, vv, { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, learningRate: 1e-3, oneMinusAccBeta1: 0.1, oneMinusAccBeta2: 0.001 })));
