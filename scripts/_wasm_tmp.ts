import { wasmArena } from "../src/rnn_wasm.ts";
const A = wasmArena!;
console.log("arena", A !== null);
function rnd(n: number) { return Float32Array.from({ length: n }, () => Math.random() - 0.5); }
const rows = 5, n = 5, cols = 48;
const [pre, a, w, out, out2, dst] = A.alloc([rows * cols, rows * n, n * cols, rows * cols, rows * n, n * cols]);
pre.set(rnd(rows * cols)); a.set(rnd(rows * n)); w.set(rnd(n * cols));
A.gemmAdd(out, pre, a, w, { rows, n, cols });
let e = 0;
for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) { let s = pre[r * cols + c]; for (let k = 0; k < n; k++) s += a[r * n + k] * w[k * cols + c]; e = Math.max(e, Math.abs(s - out[r * cols + c])); }
console.log("gemmAdd err", e);
// gemmT: out2[r, j] = out[r,:] . w[j,:]
A.gemmT(out2, out, w, { rows, n, cols }); e = 0;
for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) { let s = 0; for (let c = 0; c < cols; c++) s += out[r * cols + c] * w[j * cols + c]; e = Math.max(e, Math.abs(s - out2[r * n + j])); }
console.log("gemmT err", e);
dst.fill(0.5); A.outerAdd(dst, a, out, { rows, n, cols }); e = 0;
for (let i = 0; i < n; i++) for (let c = 0; c < cols; c++) { let s = 0.5; for (let r = 0; r < rows; r++) s += a[r * n + i] * out[r * cols + c]; e = Math.max(e, Math.abs(s - dst[i * cols + c])); }
console.log("outerAdd err", e);
