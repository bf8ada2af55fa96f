/**
 * `deno task report`'s run (`scripts/report.ts`): the order the notebooks start in, the failing
 * cell read from nbconvert's output, and, on small notebooks in Deno's Jupyter kernel, two runs:
 * notebooks in parallel where one waits for the result the other saves in the same run, and a
 * failing cell that fails the run with the notebook's name, the cell and its error, stops the
 * other notebook and leaves the earlier reports as they were.
 *
 * The runs need Jupyter's nbconvert; without it they are skipped with a message (with
 * `CH9_REQUIRE_BROWSER=1`, as CI sets, they fail).
 */
import assert from "node:assert/strict";
import {
  descendants,
  ensureDenoKernel,
  failedCell,
  readsResults,
  runReport,
  savedResultKeys,
  startOrder,
  which,
} from "../../scripts/report.ts";

const RESULTS_TS = new URL("../../src/notebook/results.ts", import.meta.url).href;
const DISPLAY_TS = new URL("../../src/notebook/display.ts", import.meta.url).href;

Deno.test("savedResultKeys: the literal keys of saveModelResult calls in code cells", () => {
  const nb = {
    cells: [
      { cell_type: "markdown", source: 'saveModelResult("not_code")' },
      {
        cell_type: "code",
        source: ['await saveModelResult("simple_rnn_onehot", {\n', "}, { model });\n"],
      },
      { cell_type: "code", source: 'await saveModelResult(\n  "embedding_simple_rnn", r);' },
      { cell_type: "code", source: "await loadModelResults(KEYS, { quick });" },
    ],
  };
  assert.deepEqual(savedResultKeys(nb), ["simple_rnn_onehot", "embedding_simple_rnn"]);
});

Deno.test("readsResults: a code cell that loads results or trained models", () => {
  const nb = (source: string) => ({ cells: [{ cell_type: "code", source }] });
  assert.equal(readsResults(nb("const { results } = await loadModelResults(KEYS, o);")), true);
  assert.equal(readsResults(nb("await loadTrainedModels(['a'], o);")), true);
  assert.equal(readsResults(nb('await saveModelResult("a", r);')), false);
  assert.equal(
    readsResults({ cells: [{ cell_type: "markdown", source: "loadModelResults(" }] }),
    false,
  );
});

Deno.test("startOrder: notebooks that only save results first, each group longest first", () => {
  // 9-4 saves its own result but reads 9-2's and 9-3's: it must not take a core before them.
  const order = startOrder([
    { name: "9-1", saves: [], reads: false, estimate: 5 },
    { name: "9-2", saves: ["scratch_rnn"], reads: false, estimate: 30 },
    {
      name: "9-3",
      saves: ["simple_rnn_onehot", "embedding_simple_rnn"],
      reads: false,
      estimate: 60,
    },
    { name: "9-4", saves: ["embedding_lstm"], reads: true, estimate: 38 },
  ]);
  assert.deepEqual(order.map((j) => j.name), ["9-3", "9-2", "9-4", "9-1"]);
  // Quick runs' times: 9-4 (11.7 s) would come before 9-2 (10.5 s) if it only saved.
  const quick = startOrder([
    { name: "9-1", saves: [], reads: false, estimate: 2.8 },
    { name: "9-2", saves: ["scratch_rnn"], reads: false, estimate: 10.5 },
    { name: "9-3", saves: ["a", "b"], reads: false, estimate: 15.8 },
    { name: "9-4", saves: ["embedding_lstm"], reads: true, estimate: 11.7 },
  ]);
  assert.deepEqual(quick.map((j) => j.name), ["9-3", "9-2", "9-4", "9-1"]);
  // Without earlier times: the notebooks' order within each group.
  const first = startOrder([
    { name: "9-1", saves: [], reads: false },
    { name: "9-2", saves: ["a"], reads: false },
    { name: "9-3", saves: ["b"], reads: false },
    { name: "9-4", saves: ["c"], reads: true },
  ]);
  assert.deepEqual(first.map((j) => j.name), ["9-2", "9-3", "9-1", "9-4"]);
});

Deno.test("failedCell: the cell's number and its error, from nbconvert's stderr", () => {
  // What nbconvert 6.5 printed for a Deno cell that threw (its traceback shortened).
  const stderr = `[NbConvertApp] Converting notebook fail.ipynb to notebook
Traceback (most recent call last):
  File "/usr/bin/jupyter-nbconvert", line 33, in <module>
nbclient.exceptions.CellExecutionError: An error occurred while executing the following cell:
------------------
function f() { throw new Error("validation accuracy 0.61 is outside [0.68, 0.72]"); }
f();
------------------

Error: validation accuracy 0.61 is outside [0.68, 0.72]
    at f (<anonymous>:2:9)
    at <anonymous>:4:1
Error: validation accuracy 0.61 is outside [0.68, 0.72]

`;
  const nb = {
    cells: [
      { cell_type: "markdown", source: "# x" },
      { cell_type: "code", source: "const a = 1;" },
      {
        cell_type: "code",
        source: [
          'function f() { throw new Error("validation accuracy 0.61 is outside [0.68, 0.72]"); }\n',
          "f();",
        ],
      },
    ],
  };
  assert.deepEqual(failedCell(stderr, nb), {
    cell: 3,
    error: "Error: validation accuracy 0.61 is outside [0.68, 0.72]",
  });
  assert.equal(failedCell("Kernel died", nb), undefined);
});

Deno.test("descendants: the processes below a process, from /proc", async () => {
  if (!(await Deno.stat("/proc/self").then(() => true, () => false))) return;
  const child = new Deno.Command("sh", { args: ["-c", "sleep 5 & wait"] }).spawn();
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const below = descendants(Deno.pid);
    assert.ok(below.includes(child.pid), "the shell");
    assert.ok(descendants(child.pid).length >= 1, "its sleep");
  } finally {
    for (const pid of [...descendants(child.pid), child.pid]) Deno.kill(pid, "SIGTERM");
    await child.status;
  }
});

const jupyter = await which("jupyter-nbconvert");
const skip = jupyter ? "" : "jupyter-nbconvert not found (apt-get install jupyter-nbconvert)";
if (skip !== "") {
  if (Deno.env.get("CH9_REQUIRE_BROWSER") === "1") {
    Deno.test("report runs need jupyter-nbconvert (CH9_REQUIRE_BROWSER=1)", () => {
      throw new Error(skip);
    });
  } else {
    console.log(`%creport_run_test: the runs are skipped: ${skip}`, "color: yellow");
  }
}

/** A notebook of code cells, for the Deno kernel. */
function notebook(title: string, cells: string[]): string {
  return JSON.stringify({
    cells: [
      { cell_type: "markdown", id: "t", metadata: {}, source: `# ${title}` },
      ...cells.map((source, i) => ({
        cell_type: "code",
        id: `c${i}`,
        metadata: {},
        source,
        outputs: [],
        execution_count: null,
      })),
    ],
    metadata: { kernelspec: { display_name: "Deno", language: "typescript", name: "deno" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

/** Two notebooks: `a` saves a result after `delay` ms; `b` reads it, as 9-4 reads 9-3's. */
async function project(options: { failIn?: "a" | "b" }): Promise<{
  notebooks: URL;
  reports: URL;
  results: URL;
  remove: () => Promise<void>;
}> {
  // Inside the project (git ignores /_tmp*), so that the kernel finds deno.json's imports.
  const root = await Deno.makeTempDir({
    dir: new URL("../../", import.meta.url).pathname,
    prefix: "_tmp_report_run_",
  });
  const notebooks = new URL(`file://${root}/notebooks/`);
  const reports = new URL(`file://${root}/reports/`);
  const results = new URL(`file://${root}/results/`);
  await Deno.mkdir(notebooks);
  const imports = `import { loadModelResults, saveModelResult } from "${RESULTS_TS}";\n` +
    `import { print } from "${DISPLAY_TS}";\n` +
    `const dir = new URL(${JSON.stringify(results.href)});`;
  await Deno.writeTextFile(
    new URL("a.ipynb", notebooks),
    notebook("A saves", [
      imports,
      "await new Promise((resolve) => setTimeout(resolve, 3000));",
      'await saveModelResult("from_a", { name: "saved by a", valAcc: 0.5, trainSeconds: 3 }, ' +
      "{ dir });",
    ]),
  );
  await Deno.writeTextFile(
    new URL("b.ipynb", notebooks),
    notebook("B reads", [
      imports,
      options.failIn === "b"
        ? 'throw new Error("the cell of b fails");'
        : 'const { results } = await loadModelResults(["from_a"], { quick: false, dir });\n' +
          "await print(results[0].name);",
      "1 + 1;",
    ]),
  );
  return {
    notebooks,
    reports,
    results,
    remove: () => Deno.remove(root, { recursive: true }),
  };
}

Deno.test({
  name: "report run: two notebooks at once, the second waits for what the first saves",
  ignore: skip !== "",
  fn: async () => {
    await ensureDenoKernel();
    const p = await project({});
    try {
      // An earlier run's result: b must not read it.
      await Deno.mkdir(p.results);
      await Deno.writeTextFile(
        new URL("from_a.json", p.results),
        JSON.stringify({ name: "stale", valAcc: 0, trainSeconds: 0, run: "an earlier run" }),
      );
      const lines: string[] = [];
      const summary = await runReport({
        paths: { notebooks: p.notebooks, reports: p.reports },
        jobs: 2,
        log: (line) => lines.push(line),
      });
      assert.equal(summary.jobs, 2);
      assert.deepEqual(summary.notebooks, ["a", "b"]);
      assert.match(lines[0], /^2 notebooks, 2 at a time.*: a, b$/);
      const timings = JSON.parse(await Deno.readTextFile(new URL("timings.json", p.reports)));
      const [a, b] = timings.notebooks;
      assert.ok(b.started_s < a.seconds, "b started while a ran");
      // a saves 3 s after it starts: b, which started while a ran, ended after that.
      assert.ok(b.started_s + b.seconds >= a.started_s + 3, "b waited for a's result");
      const page = await Deno.readTextFile(new URL("b.html", p.reports));
      assert.ok(page.includes("saved by a"), "b read this run's result");
      assert.ok(!page.includes("stale"));
      const index = await Deno.readTextFile(new URL("index.html", p.reports));
      assert.match(index, /2 notebooks, 2 at a time, in \d+\.\d s \(wall time\)/);
      assert.match(index, /<td><a href="a\.html">a<\/a><\/td><td class="n">\d+\.\d s<\/td>/);
      assert.deepEqual(
        [...Deno.readDirSync(p.reports)].map((e) => e.name).sort(),
        ["a.html", "b.html", "index.html", "pages.json", "timings.json"],
      );
    } finally {
      await p.remove();
    }
  },
});

Deno.test({
  name: "report run: a failing cell names the notebook, the cell and its error; reports untouched",
  ignore: skip !== "",
  fn: async () => {
    await ensureDenoKernel();
    const p = await project({ failIn: "b" });
    try {
      await Deno.mkdir(p.reports);
      await Deno.writeTextFile(new URL("index.html", p.reports), "the earlier index");
      await Deno.writeTextFile(new URL("a.html", p.reports), "the earlier a");
      const started = performance.now();
      await assert.rejects(
        () =>
          runReport({
            paths: { notebooks: p.notebooks, reports: p.reports },
            jobs: 2,
            log: () => {},
          }),
        (e: Error) => {
          assert.equal(e.message, "b: cell 3 failed:\nError: the cell of b fails");
          return true;
        },
      );
      // a (3 s of waiting) was stopped, not run to its end, and no kernel is left behind.
      assert.ok(performance.now() - started < 15_000);
      const left = descendants(Deno.pid)
        .map((pid) => Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " "))
        .filter((cmd) => cmd.includes("jupyter"));
      assert.deepEqual(left, [], "nbconvert and kernels left running");
      assert.deepEqual(
        [...Deno.readDirSync(p.reports)].map((e) => e.name).sort(),
        ["a.html", "index.html"],
      );
      assert.equal(await Deno.readTextFile(new URL("a.html", p.reports)), "the earlier a");
      assert.equal(await Deno.stat(new URL("from_a.json", p.results)).catch(() => null), null);
    } finally {
      await p.remove();
    }
  },
});
