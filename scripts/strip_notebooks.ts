/**
 * `deno task strip`: removes outputs, execution counts and run metadata from the notebooks, so
 * that git holds only what a person wrote. `deno task strip --check` changes nothing and fails
 * (exit 1) naming every notebook that is not stripped; CI runs it.
 *
 * The files are written as Jupyter writes them (sorted keys, one-space indent, source as a list
 * of lines), so opening and saving a stripped notebook in Jupyter gives the same bytes.
 *
 * Usage: `deno task strip [--check] [file.ipynb ...]` (default: every `notebooks/*.ipynb`).
 * @module
 */

/** A cell as nbformat 4 stores it. */
interface Cell {
  cell_type: string;
  source: string | string[];
  metadata?: Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
  [key: string]: unknown;
}

/** A notebook as nbformat 4 stores it. */
interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** Cell metadata that only records a run or a view (kept: tags, and anything a person set). */
const RUN_METADATA = ["execution", "collapsed", "scrolled", "ExecuteTime"];

/** Splits text into Jupyter's list-of-lines form: every line but the last keeps its "\n". */
export function toLines(source: string | string[]): string[] {
  const text = Array.isArray(source) ? source.join("") : source;
  if (text === "") return [];
  const lines = text.split("\n").map((l, i, all) => (i < all.length - 1 ? `${l}\n` : l));
  return lines.at(-1) === "" ? lines.slice(0, -1) : lines;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      out[k] = sortKeys((value as Record<string, unknown>)[k]);
    }
    return out;
  }
  return value;
}

/** Serialises like nbformat: `json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False)`. */
export function serializeNotebook(nb: unknown): string {
  return JSON.stringify(sortKeys(nb), null, 1) + "\n";
}

/** A copy of `nb` without outputs, execution counts and run metadata. */
export function stripNotebook(nb: Notebook): Notebook {
  const cells = nb.cells.map((cell) => {
    const metadata = { ...(cell.metadata ?? {}) };
    for (const k of RUN_METADATA) delete metadata[k];
    const out: Cell = { ...cell, metadata, source: toLines(cell.source) };
    if (cell.cell_type === "code") {
      out.outputs = [];
      out.execution_count = null;
    } else {
      delete out.outputs;
      delete out.execution_count;
    }
    return out;
  });
  const metadata = { ...nb.metadata };
  const info = metadata.language_info as Record<string, unknown> | undefined;
  if (info) {
    // The kernel fills in its TypeScript version on every run.
    const { version: _version, ...rest } = info;
    metadata.language_info = rest;
  }
  return { ...nb, cells, metadata };
}

async function main(args: string[]): Promise<number> {
  const check = args.includes("--check");
  let files = args.filter((a) => !a.startsWith("--"));
  if (files.length === 0) {
    const dir = new URL("../notebooks/", import.meta.url);
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.endsWith(".ipynb")) files.push(new URL(e.name, dir).pathname);
    }
    files = files.sort();
  }
  const dirty: string[] = [];
  for (const file of files) {
    const text = await Deno.readTextFile(file);
    let nb: Notebook;
    try {
      nb = JSON.parse(text);
    } catch (e) {
      throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
    }
    const stripped = serializeNotebook(stripNotebook(nb));
    if (stripped === text) continue;
    dirty.push(file);
    if (!check) await Deno.writeTextFile(file, stripped);
  }
  if (check && dirty.length) {
    console.error(
      `Notebooks with outputs or run metadata (run \`deno task strip\`):\n  ${dirty.join("\n  ")}`,
    );
    return 1;
  }
  console.log(
    check
      ? `${files.length} notebooks are stripped`
      : `stripped ${dirty.length} of ${files.length} notebooks`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
