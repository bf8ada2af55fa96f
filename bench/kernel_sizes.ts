/**
 * Milliseconds of one forward and backward pass of the recurrent kernels (`src/kernels/`) on a
 * batch of 32 sequences of 100 steps, at sizes that are and are not multiples of 4, as JSON
 * lines: `{"tree", "kernel", "units", "inputDim", "forward_ms", "backward_ms"}` (medians of
 * `--runs` after `--warmup` untimed runs, random inputs and weights).
 *
 *     deno run -A bench/kernel_sizes.ts [--tree DIR] [--runs 30] [--warmup 10]
 *
 * `--tree DIR` times the kernels of another checkout of this repository (e.g. the tree before
 * a change; GRU is timed only where the tree has `src/kernels/gru.ts`).
 * @module
 */
import { median } from "./stats.ts";

interface Args {
  tree: string;
  runs: number;
  warmup: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { tree: new URL("..", import.meta.url).pathname, runs: 30, warmup: 10 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i];
    if (flag === "--tree") args.tree = value();
    else if (flag === "--runs" || flag === "--warmup") {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer`);
      args[flag === "--runs" ? "runs" : "warmup"] = n;
    } else throw new Error(`Unknown flag ${argv[i]}`);
  }
  return args;
}

/** Seeded uniform numbers in [-scale, scale) (a linear congruential generator). */
function uniform(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2 * scale;
  });
}

type Cache = Record<string, unknown> & { h: Float32Array };
interface Kernel {
  forward(args: unknown): Cache;
  backward(cache: Cache, back: unknown): { dZ: Float32Array };
  caches(cache: Cache): Float32Array[];
}

if (import.meta.main) {
  const args = parseArgs(Deno.args);
  const src = `${args.tree.replace(/\/$/, "")}/src/kernels`;
  const simple = await import(`${src}/simple_rnn.ts`);
  const lstm = await import(`${src}/lstm.ts`);
  const { releaseScratch } = await import(`${src}/_scratch.ts`);
  const gru = await import(`${src}/gru.ts`).catch(() => null);
  const kernels: Record<string, [number, Kernel]> = {
    simpleRNN: [1, {
      forward: (a) => simple.simpleRnnForward(a, "tanh"),
      backward: (c, b) => simple.simpleRnnBackward(c, b),
      caches: (c) => [c.h],
    }],
    lstm: [4, {
      forward: (a) => lstm.lstmForward(a, "tanh", "sigmoid"),
      backward: (c, b) => lstm.lstmBackward(c, b),
      caches: (c) => [c.gates, c.c, c.actC, c.h] as Float32Array[],
    }],
  };
  if (gru !== null) {
    kernels.gru = [3, {
      forward: (a) => gru.gruForward(a, "tanh", "sigmoid"),
      backward: (c, b) => gru.gruBackward(c, b),
      caches: (c) => [c.gates, c.reset, c.h] as Float32Array[],
    }];
  }
  const sizes: Array<[string, number, number]> = [
    ["simpleRNN", 8, 32],
    ["simpleRNN", 5, 32],
    ["simpleRNN", 7, 32],
    ["simpleRNN", 13, 32],
    ["simpleRNN", 8, 3],
    ["lstm", 8, 32],
    ["lstm", 5, 32],
    ["lstm", 8, 3],
    ["gru", 8, 32],
    ["gru", 5, 32],
    ["gru", 7, 3],
  ];
  const warn = console.warn;
  console.warn = () => {}; // a tree's "runs the plain reference" line
  for (const [name, units, inputDim] of sizes) {
    if (!(name in kernels)) continue;
    const [perUnit, kernel] = kernels[name];
    const gates = perUnit * units, batch = 32, steps = 100;
    const call = {
      batch,
      steps,
      inputDim,
      units,
      x: uniform(batch * steps * inputDim, 1),
      kernel: uniform(inputDim * gates, 2, 0.3),
      recurrentKernel: uniform(units * gates, 3, 0.3),
      bias: uniform(gates, 4, 0.1),
    };
    const back = { dy: uniform(batch * units, 5), returnSequences: false };
    const forward: number[] = [], backward: number[] = [];
    for (let i = 0; i < args.warmup + args.runs; i++) {
      const t0 = performance.now();
      const cache = kernel.forward(call);
      const t1 = performance.now();
      const grads = kernel.backward(cache, back);
      const t2 = performance.now();
      releaseScratch(...kernel.caches(cache), grads.dZ);
      if (i >= args.warmup) {
        forward.push(t1 - t0);
        backward.push(t2 - t1);
      }
    }
    const ms = (times: number[]) => Math.round(median(times) * 1000) / 1000;
    console.log(JSON.stringify({
      tree: args.tree,
      kernel: name,
      units,
      inputDim,
      forward_ms: ms(forward),
      backward_ms: ms(backward),
    }));
  }
  console.warn = warn;
}
