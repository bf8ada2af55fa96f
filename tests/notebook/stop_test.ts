/**
 * The state of a stop outside a kernel. What a stop does inside Deno's kernel (a cell's
 * `ReferenceError` turned into the `NotebookStopped` line) is tested on the real notebooks by
 * tests/notebooks/missing_data_test.ts.
 */
import assert from "node:assert/strict";
import { DataSetError } from "../../src/data/data_set_error.ts";
import { NotebookStopped, stopOnError } from "../../src/notebook/stop.ts";

Deno.test("stopOnError", async (t) => {
  const fail = (message: string) => () => Promise.reject(new Error(message));

  await t.step("a step that works: its value, nothing stopped", async () => {
    assert.equal(await stopOnError("a", () => 1), 1);
    assert.equal(await stopOnError("b", async () => await Promise.resolve("two")), "two");
  });

  await t.step("a step that fails: its own error, then every other step not run", async () => {
    await assert.rejects(stopOnError("data", fail("Files missing.\nDetails below")), {
      message: "Files missing.\nDetails below",
    });
    let runs = 0;
    for (const cell of ["vocabulary", "model"]) {
      await assert.rejects(stopOnError(cell, () => runs++), (err) => {
        assert.ok(err instanceof NotebookStopped);
        assert.equal(err.name, "NotebookStopped");
        assert.equal(err.cell, "data");
        assert.equal(
          err.message,
          'not run: the cell "data" stopped the notebook (files missing); fix it there first.',
        );
        assert.equal(err.stack, `NotebookStopped: ${err.message}`, "one line");
        return true;
      });
    }
    assert.equal(runs, 0);
  });

  await t.step("the stopping cell again: runs; failing again, the new reason", async () => {
    await assert.rejects(stopOnError("data", fail("Still missing: " + "x".repeat(300))));
    await assert.rejects(stopOnError("model", () => 0), (err) => {
      assert.ok(err instanceof NotebookStopped);
      assert.match(err.message, /\(still missing: x{145}\.\.\.\); fix it there first\.$/);
      return true;
    });
  });

  await t.step("the stopping cell works: the stop is lifted", async () => {
    assert.equal(await stopOnError("data", () => "loaded"), "loaded");
    assert.equal(await stopOnError("model", () => "built"), "built");
  });

  await t.step("a DataSetError keeps its message and loses its frames", async () => {
    const err = new DataSetError({
      dataSet: "the IMDB data set",
      missing: [{ fileName: "imdb.npz", url: "u", folders: [], notDownloaded: "offline" }],
      downloadDir: "/d",
    });
    await assert.rejects(stopOnError("data", () => Promise.reject(err)), (e) => e === err);
    assert.equal(err.stack, `DataSetError: ${err.message}`);
    await assert.rejects(
      stopOnError("other", () => 0),
      /\(the IMDB data set cannot be used: imdb\.npz is missing\)/,
    );
    assert.equal(await stopOnError("data", () => 0), 0);
  });
});
