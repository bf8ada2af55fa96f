/**
 * Times one training batch (batch 32, 100 steps) of the chapter's three models (`buildModel`
 * of `src/tfjs/models.ts`) with the fused layers and with the stock tfjs layers, on random word ids. Prints JSON lines in the form of
 * `../shared/bench/peers.py`: model, impl, ms_per_batch (median after warm-up), batches, threads.
 * impl: `tfjs_fast_step` (fused layers, `trainOnBatchFast` of `src/tfjs/_train_step.ts`), `tfjs_fused`
 * (fused layers, `model.trainOnBatch`), `tfjs_stock` (stock layers and `tf.train.adam`).
 *
 *     deno run -A bench/fused_layers.ts [--batches 60] [--stock-batches 5] [--no-stock]
 *       [--peers] [--peer-threads N] [--rounds R]
 *
 * `--peers` also runs `../shared/bench/peers.py --batches N` (numpy and PyTorch, on real IMDB
 * batches; data from IMDB_DATA_DIR or ../shared/data/imdb) after each round; `--rounds R` repeats
 * everything R times, alternating ours and PyTorch on the shared machine, and prints the median
 * of the R medians (each round's lines go to stderr).
 * @module
 */
import { tf } from "../src/tfjs/tf.ts";
import { trainOnBatchFast } from "../src/tfjs/_train_step.ts";
import {
  buildModel,
  MAXLEN,
  MODEL_KINDS,
  MODEL_SPECS,
  type ModelKind,
} from "../src/tfjs/models.ts";
import { median } from "./stats.ts";
import type { Tensor } from "@tensorflow/tfjs";

const BATCH = 32;
/** Seed of the weights (the timings do not depend on it). */
const SEED = 42;

/**
 * Random batches: int32 ids [32, 100] (float32 one-hot [32, 100, 100] for the one-hot model),
 * float32 labels [32, 1].
 */
function randomBatch(kind: ModelKind, seed: number): { x: Tensor; y: Tensor } {
  return tf.tidy(() => {
    const { numWords: words, oneHot } = MODEL_SPECS[kind];
    const ids = tf.randomUniform([BATCH, MAXLEN], 0, words, "int32", seed);
    // as src/tfjs/training.ts cuts batches: one-hot float32 data in a Float32Array, int32 word ids
    const x = oneHot
      ? tf.tensor3d(Float32Array.from(tf.oneHot(ids, words).dataSync()), [BATCH, MAXLEN, words])
      : ids;
    const y = tf.randomUniform([BATCH, 1], 0, 2, "int32", seed + 1).toFloat();
    return { x, y };
  });
}

/** How a batch is trained: stock layers, fused layers + trainOnBatch, fused + trainOnBatchFast. */
type Impl = "stock" | "fused" | "fast_step";

async function timeTraining(kind: ModelKind, impl: Impl, batches: number): Promise<number> {
  const fused = impl !== "stock";
  const model = buildModel(kind, { seed: SEED, fused });
  const data = Array.from({ length: 4 }, (_, i) => randomBatch(kind, 1 + 2 * i));
  const warmUp = Math.min(3, batches);
  const times: number[] = [];
  for (let i = 0; i < warmUp + batches; i++) {
    const { x, y } = data[i % data.length];
    const t0 = performance.now();
    if (impl === "fast_step") await trainOnBatchFast(model, x, y);
    else await model.trainOnBatch(x, y);
    if (i >= warmUp) times.push(performance.now() - t0);
  }
  model.dispose();
  data.forEach(({ x, y }) => tf.dispose([x, y]));
  return median(times);
}

/** One JSON line of the peers.py format. */
interface BenchLine {
  model: string;
  impl: string;
  ms_per_batch: number;
  batches: number;
  threads: number;
}

/** Runs ../shared/bench/peers.py (numpy and PyTorch) and returns its JSON lines. */
async function runPeers(batches: number, threads: number | null): Promise<BenchLine[]> {
  const dataDir = Deno.env.get("IMDB_DATA_DIR") ??
    new URL("../../shared/data/imdb", import.meta.url)
      .pathname;
  const script = new URL("../../shared/bench/peers.py", import.meta.url).pathname;
  const peerArgs = [script, "--batches", String(batches), "--data", dataDir];
  if (threads !== null) peerArgs.push("--threads", String(threads));
  const out = await new Deno.Command("/usr/bin/python3", { args: peerArgs, stderr: "inherit" })
    .output();
  if (!out.success) throw new Error(`peers.py failed with code ${out.code}`);
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as BenchLine);
}

const args = Deno.args;
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const batches = flag("--batches", 60);
const stockBatches = flag("--stock-batches", 5);
const rounds = flag("--rounds", 1);
const peerThreads = args.includes("--peer-threads") ? flag("--peer-threads", 1) : null;
const lines: BenchLine[] = [];
for (let round = 0; round < rounds; round++) {
  const roundLines: BenchLine[] = [];
  for (const kind of MODEL_KINDS) {
    const fastMs = await timeTraining(kind, "fast_step", batches);
    roundLines.push({
      model: kind,
      impl: "tfjs_fast_step",
      ms_per_batch: fastMs,
      batches,
      threads: 1,
    });
    const ms = await timeTraining(kind, "fused", batches);
    roundLines.push({ model: kind, impl: "tfjs_fused", ms_per_batch: ms, batches, threads: 1 });
    if (!args.includes("--no-stock")) {
      const stockMs = await timeTraining(kind, "stock", stockBatches);
      roundLines.push({
        model: kind,
        impl: "tfjs_stock",
        ms_per_batch: stockMs,
        batches: stockBatches,
        threads: 1,
      });
    }
  }
  if (args.includes("--peers")) roundLines.push(...await runPeers(batches, peerThreads));
  roundLines.forEach((l) => console.error(`round ${round + 1}: ${JSON.stringify(l)}`));
  lines.push(...roundLines);
}
// The median over rounds of each (model, impl)'s median ms per batch.
const keys = [...new Set(lines.map((l) => `${l.model} ${l.impl}`))];
for (const key of keys) {
  const runs = lines.filter((l) => `${l.model} ${l.impl}` === key);
  const ms = median(runs.map((l) => l.ms_per_batch));
  console.log(JSON.stringify({ ...runs[0], ms_per_batch: Number(ms.toFixed(3)), rounds }));
}
