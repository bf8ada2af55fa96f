/**
 * What a reader without the IMDB files sees: each notebook that reads them (9-2, 9-3, 9-4) runs
 * in Deno's Jupyter kernel (`jupyter nbconvert --execute --allow-errors`, which, like Deno's
 * "Run All", runs every cell whatever failed before) with no file anywhere and downloads off.
 * Its first data cell must fail with ONE message naming every file it needs, every folder looked
 * in and the three fixes; every later cell must either run or fail with one `NotebookStopped`
 * line naming that cell; no `ReferenceError` anywhere.
 *
 * Needs Jupyter's nbconvert (CI installs it); skipped with a message without it. The project's
 * `data/` is one of the folders looked in: when it holds the files, the test is skipped saying so.
 */
import assert from "node:assert/strict";
import { ensureDenoKernel, which } from "../../scripts/report.ts";
import { candidatePaths } from "../../src/data/_download.ts";

const NOTEBOOKS = new URL("../../notebooks/", import.meta.url);

/** The notebooks that read the data, with the files each needs and its first data cell. */
const CASES = [
  {
    name: "9-2_imdb_and_hand_written_rnn",
    files: ["imdb.npz", "imdb_word_index.json"],
    cell: "1. Loading the data set",
  },
  {
    name: "9-3_tensorflow_simple_rnn_and_embedding",
    files: ["imdb.npz"],
    cell: "1. and 2. The model",
  },
  {
    name: "9-4_lstm",
    files: ["imdb.npz", "imdb_word_index.json"],
    cell: "1. The model",
  },
];

interface Output {
  output_type: string;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}
interface Cell {
  cell_type: string;
  source: string[];
  outputs?: Output[];
}

const inProject = candidatePaths("imdb.npz", undefined, undefined).at(-1)!;
const skip = !(await which("jupyter-nbconvert"))
  ? "jupyter-nbconvert not found (apt-get install jupyter-nbconvert)"
  : (await Deno.stat(inProject).then(() => true, () => false))
  ? `${inProject} exists: the notebooks would find the data there`
  : "";
if (skip) console.log(`%cmissing_data_test skipped: ${skip}`, "color: yellow");

Deno.test({
  name: "without the IMDB files: one message at the first data cell, one line in each cell after",
  ignore: skip !== "",
  fn: async (t) => {
    await ensureDenoKernel();
    const tmp = await Deno.makeTempDir({ prefix: "ch9-missing-data-" });
    const env: Record<string, string> = {
      ...Deno.env.toObject(),
      KERAS_HOME: `${tmp}/keras`, // an empty Keras cache
      IMDB_OFFLINE: "1",
      CH9_QUICK: "1",
      NO_COLOR: "1",
    };
    delete env.IMDB_DATA_DIR;
    try {
      for (const c of CASES) {
        await t.step(c.name, async () => {
          const out = await new Deno.Command("jupyter", {
            args: [
              "nbconvert",
              "--execute",
              "--allow-errors",
              "--to",
              "notebook",
              "--ExecutePreprocessor.kernel_name=deno",
              "--ExecutePreprocessor.timeout=300",
              "--output-dir",
              tmp,
              "--output",
              c.name,
              new URL(`${c.name}.ipynb`, NOTEBOOKS).pathname,
            ],
            env,
            clearEnv: true,
            stdout: "piped",
            stderr: "piped",
          }).output();
          assert.ok(out.success, new TextDecoder().decode(out.stderr));
          const nb = JSON.parse(await Deno.readTextFile(`${tmp}/${c.name}.ipynb`));
          const code = (nb.cells as Cell[]).filter((cell) => cell.cell_type === "code");
          const errors = code.map((cell) => cell.outputs?.find((o) => o.output_type === "error"));
          const first = errors.findIndex((e) => e !== undefined);
          assert.ok(first >= 0, "no cell failed");
          assert.match(code[first].source.join(""), new RegExp(`stopOnError\\("${c.cell}"`));

          // The one message, in full, with no stack frames.
          const e = errors[first]!;
          assert.equal(e.ename, "DataSetError");
          assert.deepEqual(e.traceback, `DataSetError: ${e.evalue}`.split("\n"));
          const m = e.evalue!;
          assert.match(m, /^The IMDB data set cannot be used: /);
          for (const file of c.files) {
            assert.match(
              m,
              new RegExp(`\\n${file} \\(\\d\\S* MB\\) is in none of these folders:\\n`),
            );
          }
          assert.equal(
            [...m.matchAll(/is in none of these folders/g)].length,
            c.files.length,
            "every needed file named, and no other",
          );
          assert.match(m, new RegExp(`\\n {2}${tmp}/keras/datasets +\\(the Keras cache\\)\\n`));
          assert.match(m, /\n {2}\S+\/data\/ +\(where downloads land\)\n/);
          assert.match(
            m,
            /\nNot downloaded: downloads are off \(IMDB_OFFLINE=1\); its URL is https:/,
          );
          assert.match(
            m,
            /\n1\. Download: .*\n2\. The Keras cache: .*\n3\. Your own folder: .*dataDir/,
          );

          // After it: each cell runs, or fails with one line pointing back to it.
          const later = errors.slice(first + 1).filter((x) => x !== undefined);
          assert.ok(later.length >= 3, `only ${later.length} cells failed after the data cell`);
          for (const x of later) {
            assert.equal(x!.ename, "NotebookStopped", `${x!.ename}: ${x!.evalue}`);
            assert.equal(x!.traceback!.length, 1, "one line");
            assert.ok(
              x!.evalue!.includes(`the cell "${c.cell}" stopped the notebook (the IMDB data set`),
              x!.evalue,
            );
          }
          assert.ok(later.some((x) => /^\w+ is not defined: /.test(x!.evalue!)), "a name's line");
        });
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
