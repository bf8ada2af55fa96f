/**
 * Benchmark of the book's 9-2 data steps: load (Keras `load_data(skip_top=20, num_words=100)`),
 * drop ids <= 2, the seed-42 split, `padSequences(maxlen=100)` and `toCategorical` of train
 * (20000, 100, 100) and validation (5000, 100, 100), each run in a fresh process (nothing
 * cached), alternating with the same steps in Python/numpy (`scripts/bench_data_pipeline.py`).
 * Prints one JSON line per run, then the medians.
 *
 * Usage: `IMDB_DATA_DIR=../shared/data/imdb deno run -A bench/data_pipeline.ts [--runs 5]
 * [--no-python]`; `--once` runs the pipeline once in this process.
 * @module
 */
import { loadImdb } from "../src/imdb.ts";
import { dropIds, padSequences, toCategorical, trainValSplit } from "../src/preprocessing.ts";

/** Run the steps once, here, and return the timings in seconds. */
async function once(): Promise<{ total_s: number; steps_s: Record<string, number> }> {
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
  return { total_s: Math.round(performance.now() - t0) / 1000, steps_s: steps };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

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
    const python3 = Deno.env.get("PYTHON") ?? "python3";
    const self = new URL(import.meta.url).pathname;
    const script = new URL("../scripts/bench_data_pipeline.py", import.meta.url).pathname;
    const totals: Record<string, number[]> = {};
    for (let r = 0; r < runs; r++) {
      const results = [await runChild(Deno.execPath(), ["run", "-A", self, "--once"])];
      if (python) results.push(await runChild(python3, [script]));
      for (const res of results) {
        console.log(JSON.stringify({ run: r + 1, ...res }));
        (totals[res.impl as string] ??= []).push(res.total_s as number);
      }
    }
    for (const [impl, xs] of Object.entries(totals)) {
      console.log(JSON.stringify({ impl, runs: xs.length, median_total_s: median(xs) }));
    }
  }
}
