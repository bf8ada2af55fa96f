/**
 * The one TensorFlow.js instance everything in this project uses, on the `cpu` backend.
 *
 * Importing tfjs under Deno prints a banner suggesting `@tensorflow/tfjs-node`; that package
 * cannot load here, so the banner is silenced while tfjs initialises.
 * @module
 */
const warn = console.warn;
const log = console.log;
const quiet = (...args: unknown[]) => {
  const first = String(args[0] ?? "");
  if (first.includes("tfjs-node") || first.includes("TensorFlow.js in Node.js")) return;
  warn(...args);
};
console.log = quiet;
console.warn = quiet;
const tf = await import("@tensorflow/tfjs");
await tf.setBackend("cpu");
await tf.ready();
// Scatter-add UnsortedSegmentSum (the embedding gradient) in place of the stock O(n^2) cpu kernel.
await import("../kernels/segment_sum.ts");
// Slice-copy GatherV2 (the embedding lookup) and strided Transpose in place of the stock cpu
// kernels, which convert every element's index to coordinates and back (~10 ms and ~4 ms a batch).
await import("../kernels/gather.ts");
await import("../kernels/transpose.ts");
// Block-copy Reverse (goBackwards, Bidirectional) in place of the stock cpu kernel, which does
// the same per element (~80 ms for a batch's [32, 100, 32] embeddings).
await import("../kernels/reverse.ts");
// The cpu backend prints its banner on the first tensor it stores: store one while silenced.
tf.tensor1d([0]).dispose();
console.log = log;
console.warn = warn;

export { tf };
