/**
 * Benchmark of the book's 9-2 data steps: load (Keras `load_data(skip_top=20, num_words=100)`),
 * drop ids <= 2, the seed-42 split, `padSequences(maxlen=100)` and `toCategorical` of train
 * (20000, 100, 100) and validation (5000, 100, 100), each run in a fresh process (nothing
 * cached), alternating with the same steps in Python/numpy (`data_pipeline.py` beside it).
 * Prints one JSON line per run, then the medians. Each Deno run also times first writes to 1 GB
 * of fresh memory (`touch_1gb_fresh_memory_s`), the floor for the two one-hot arrays: on this
 * VM a first touch of a page is slow, and that, not computation, is most of the one-hot time.
 *
 * Usage: `IMDB_DATA_DIR=../shared/data/imdb deno run -A bench/data_pipeline.ts [--runs 5]
 * [--no-python] [--also-no-hugepages]`; `--also-no-hugepages` adds a numpy run without its
 * transparent-huge-page advice each round; `--once` runs the Deno pipeline once in this process.
 * `PYTHON` picks the Python (default `python3`, which needs numpy).
 * @module
 */
import { loadImdb } from "../src/data/imdb.ts";
import { dropIds, padSequences, toCategorical, trainValSplit } from "../src/data/preprocessing.ts";
import { median } from "./stats.ts";

/** Run the steps once, here, and return the timings in seconds. */
async function once(): Promise<
  { total_s: number; steps_s: Record<string, number>; touch_1gb_fresh_memory_s: number }
> {
  const steps: Record<string, number> = {};
  const t0 = performance.now();
  let t = t0;
  const lap = (name: string) => {
    const now = performance.now();
    steps[name] = Math.round(now - t) / 1000;
    t = now;
  };
  const { xTrain: xAll, yTrain: yAll } = await loadImdb({
    skipTop: 20,
    numWords: 100,
    cache: false,
  });
  lap("load");
  const kept = dropIds(xAll);
  lap("filter");
  const split = trainValSplit(kept, yAll, { nTrain: 20000, seed: 42 });
  lap("split");
  const xTrainSeq = padSequences(split.xTrain, { maxlen: 100 });
  const xValSeq = padSequences(split.xVal, { maxlen: 100 });
  lap("pad");
  const xTrainOnehot = toCategorical(xTrainSeq);
  const xValOnehot = toCategorical(xValSeq);
  lap("onehot");
  if (xTrainOnehot.nbytes !== 800_000_000 || xValOnehot.shape[0] !== 5000) {
    throw new Error("unexpected one-hot shapes");
  }
  const total = Math.round(performance.now() - t0) / 1000;
  // The floor for the one-hot step on this machine: first writes to as many fresh bytes
  // (1,000,000,000), one float per 4 KB page, no other work.
  const t1 = performance.now();
  const fresh = new Float32Array(xTrainOnehot.data.length + xValOnehot.data.length);
  for (let i = 0; i < fresh.length; i += 1024) fresh[i] = 1;
  const touch = Math.round(performance.now() - t1) / 1000;
  return { total_s: total, steps_s: steps, touch_1gb_fresh_memory_s: touch };
}

async function runChild(cmd: string, args: string[]): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "inherit" }).output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed`);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

if (import.meta.main) {
  const args = Deno.args;
  if (args.includes("--once")) {
    console.log(JSON.stringify({ impl: `deno ${Deno.version.deno}`, ...(await once()) }));
  } else {
    const runsAt = args.indexOf("--runs");
    const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
    const python = !args.includes("--no-python");
    const noHugepagesToo = args.includes("--also-no-hugepages");
    const python3 = Deno.env.get("PYTHON") ?? "python3";
    const self = new URL(import.meta.url).pathname;
    const script = new URL("./data_pipeline.py", import.meta.url).pathname;
    const byImpl: Record<string, Record<string, unknown>[]> = {};
    for (let r = 0; r < runs; r++) {
      const results = [await runChild(Deno.execPath(), ["run", "-A", self, "--once"])];
      if (python) results.push(await runChild(python3, [script]));
      if (python && noHugepagesToo) {
        results.push(await runChild(python3, [script, "--no-hugepages"]));
      }
      for (const res of results) {
        console.log(JSON.stringify({ run: r + 1, ...res }));
        (byImpl[res.impl as string] ??= []).push(res);
      }
    }
    for (const [impl, rs] of Object.entries(byImpl)) {
      const steps = Object.keys(rs[0].steps_s as Record<string, number>);
      const summary: Record<string, unknown> = {
        impl,
        runs: rs.length,
        median_total_s: median(rs.map((r) => r.total_s as number)),
        median_steps_s: Object.fromEntries(
          steps.map((k) => [k, median(rs.map((r) => (r.steps_s as Record<string, number>)[k]))]),
        ),
      };
      if ("touch_1gb_fresh_memory_s" in rs[0]) {
        summary.median_touch_1gb_fresh_memory_s = median(
          rs.map((r) => r.touch_1gb_fresh_memory_s as number),
        );
      }
      console.log(JSON.stringify(summary));
    }
  }
}
