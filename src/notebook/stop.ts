/**
 * Stopping a notebook at the cell the rest depends on. Deno's kernel runs every cell of "Run
 * All" even after one has failed, so a data cell that failed used to be followed by a
 * `ReferenceError: xTrainAll is not defined` in every cell after it. A step run through
 * {@link stopOnError} that fails instead
 *
 * - fails its cell with its own error, in full (a `DataSetError` without stack frames: its
 *   message says all a reader needs);
 * - makes every later {@link stopOnError} step fail, without running, with one line pointing
 *   back to that cell;
 * - inside a kernel, turns the `ReferenceError: xTrainAll is not defined` of a cell whose code
 *   uses a name that no cell could define because of the stop into that same line. It does so
 *   through V8's `Error.prepareStackTrace` hook, which formats an error's `stack` when it is
 *   first read (Deno's kernel reads it to show the error): a `ReferenceError` thrown by code typed
 *   in a cell (whose stack frames are `<anonymous>`) is renamed `NotebookStopped` and given the
 *   line; any other error keeps its message and frames. Outside a kernel nothing global changes.
 *
 * Running the failed step again, successfully, lifts the stop.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NotebookStopped, stopOnError } from "./stop.ts";
 *
 * const missing = () => Promise.reject(new Error("The data set cannot be used: a.npz is missing."));
 * await assert.rejects(stopOnError("1. Loading the data", missing), /a\.npz is missing/);
 * let ran = false;
 * await assert.rejects(stopOnError("5. The vocabulary", () => (ran = true)), (err) => {
 *   assert.ok(err instanceof NotebookStopped);
 *   assert.equal(
 *     err.message,
 *     'not run: the cell "1. Loading the data" stopped the notebook (the data set cannot be ' +
 *       "used: a.npz is missing); fix it there first.",
 *   );
 *   return true;
 * });
 * assert.equal(ran, false);
 * assert.equal(await stopOnError("1. Loading the data", () => 42), 42); // fixed: stop lifted
 * assert.equal(await stopOnError("5. The vocabulary", () => "runs"), "runs");
 * ```
 * @module
 */

import { DataSetError } from "../data/data_set_error.ts";
import { inJupyter } from "./display.ts";

/** Why the notebook stopped: the cell, the first line of its error, how to undo the name hook. */
interface Stop {
  readonly cell: string;
  readonly reason: string;
  readonly unhook?: () => void;
}

/** Kept on the global object, so that two copies of this module share one stop. */
const STATE: unique symbol = Symbol.for("ch9.notebook.stop") as never;

type Holder = { [STATE]?: Stop };

function current(): Stop | undefined {
  return (globalThis as Holder)[STATE];
}

/** The one line every cell after a stop fails with: `<what>: the cell "<cell>" stopped ...`. */
export class NotebookStopped extends Error {
  override readonly name = "NotebookStopped";
  /** The cell that stopped the notebook. */
  readonly cell: string;

  constructor(what: string, stop: { cell: string; reason: string }) {
    super(
      `${what}: the cell "${stop.cell}" stopped the notebook (${stop.reason}); fix it there first.`,
    );
    this.cell = stop.cell;
    // One line in the notebook: the frames are this module's, of no use to a reader.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/**
 * The first line of an error's message for the middle of a sentence: without its final period,
 * a capital that starts a sentence in lower case, at most 160 characters.
 */
function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  let line = text.split("\n")[0].replace(/\.$/, "");
  if (/^[A-Z][a-z]/.test(line)) line = line[0].toLowerCase() + line.slice(1);
  return line.length <= 160 ? line : `${line.slice(0, 160)}...`;
}

/**
 * Runs `step`, a step the rest of the notebook depends on (finding the data files, loading
 * them), as the cell named `cell` (e.g. its heading, `"1. Loading the data set"`).
 *
 * - The notebook is stopped by another cell: `step` is not run; rejects with
 *   {@link NotebookStopped} pointing back to that cell.
 * - `step` fails: stops the notebook (see the module doc) and rejects with `step`'s error.
 * - `step` succeeds: lifts a stop this cell had made, and resolves to `step`'s value.
 */
export async function stopOnError<T>(cell: string, step: () => T | Promise<T>): Promise<T> {
  const stopped = current();
  if (stopped !== undefined && stopped.cell !== cell) {
    throw new NotebookStopped("not run", stopped);
  }
  let value: T;
  try {
    value = await step();
  } catch (err) {
    stopped?.unhook?.();
    const stop = { cell, reason: reasonOf(err) };
    (globalThis as Holder)[STATE] = { ...stop, unhook: inJupyter() ? hookNames(stop) : undefined };
    if (err instanceof DataSetError) err.stack = `${err.name}: ${err.message}`;
    throw err;
  }
  if (stopped !== undefined) {
    stopped.unhook?.();
    delete (globalThis as Holder)[STATE];
  }
  return value;
}

/** A frame of code typed in a cell, as a CallSite prints: Deno's kernel runs cells as
 * `<anonymous>` scripts (`<anonymous>:3:7`, `f (<anonymous>:2:3)`). */
const CELL_FRAME = /^(?:.* \()?<anonymous>:\d+:\d+\)?$/;
/** The messages of V8's `ReferenceError`s for a name with no value. */
const UNDEFINED_NAME = /^(\S+) is not defined$|^Cannot access '(\S+)' before initialization$/;

type PrepareStackTrace = (err: Error, frames: NodeJS.CallSite[]) => unknown;
type ErrorWithHook = ErrorConstructor & { prepareStackTrace?: PrepareStackTrace };

/**
 * Sets `Error.prepareStackTrace` so that a cell's `ReferenceError` for an undefined name becomes
 * the {@link NotebookStopped} line. Returns the function that puts the former hook back.
 */
function hookNames(stop: { cell: string; reason: string }): () => void {
  const E = Error as ErrorWithHook;
  const previous = E.prepareStackTrace;
  const hook: PrepareStackTrace = (err, frames) => {
    const name = err instanceof ReferenceError ? UNDEFINED_NAME.exec(err.message) : null;
    if (name !== null && frames.length > 0 && CELL_FRAME.test(String(frames[0]))) {
      const line = new NotebookStopped(`${name[1] ?? name[2]} is not defined`, stop);
      Object.defineProperty(err, "name", { value: line.name, configurable: true });
      err.message = line.message;
      return line.stack;
    }
    if (previous !== undefined) return previous(err, frames);
    return `${err}${frames.map((f) => `\n    at ${f}`).join("")}`;
  };
  E.prepareStackTrace = hook;
  return () => {
    if (E.prepareStackTrace === hook) E.prepareStackTrace = previous;
  };
}
