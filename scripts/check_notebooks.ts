/**
 * Type-checks the notebooks' code cells against `src/` (part of `deno task check`).
 *
 * `deno check` cannot read `.ipynb` files, and `deno test` on a notebook passes with zero tests,
 * so each notebook's code cells are written, in order, into one temporary TypeScript module
 * (relative imports made absolute, deno.json's import map applied) and that module is checked.
 * Errors are reported as `notebooks/<name>.ipynb cell <n>, line <m>`.
 *
 * Usage: `deno run -A scripts/check_notebooks.ts [file.ipynb ...]`.
 * @module
 */

const ROOT = new URL("../", import.meta.url);

/** Where each line of the generated module came from. */
interface LineOrigin {
  cell: number;
  line: number;
}

/**
 * The module for one notebook: every code cell in order, each after a `// cell <n>` comment,
 * with `"./..."` / `"../..."` import specifiers resolved against the notebook's directory.
 */
export function notebookModule(
  cells: { cell_type: string; source: string | string[] }[],
  notebookDir: URL,
): { code: string; origins: (LineOrigin | undefined)[] } {
  const lines: string[] = [];
  const origins: (LineOrigin | undefined)[] = [];
  cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const text = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
    lines.push(`// cell ${i + 1}`);
    origins.push(undefined);
    text.split("\n").forEach((l, j) => {
      lines.push(
        l.replace(
          /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(["'])(\.\.?\/[^"']+)\2/g,
          (_m, kw: string, q: string, spec: string) =>
            `${kw}${q}${new URL(spec, notebookDir).href}${q}`,
        ),
      );
      origins.push({ cell: i + 1, line: j + 1 });
    });
  });
  return { code: lines.join("\n") + "\nexport {};\n", origins };
}

async function checkNotebook(file: string, tmp: string): Promise<boolean> {
  const nb = JSON.parse(await Deno.readTextFile(file));
  const url = new URL(file, `file://${Deno.cwd()}/`);
  const { code, origins } = notebookModule(nb.cells, new URL("./", url));
  const name = url.pathname.split("/").at(-1)!.replace(/\.ipynb$/, "");
  const module = `${tmp}/${name}.ts`;
  await Deno.writeTextFile(module, code);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", "--config", new URL("deno.json", ROOT).pathname, module],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code === 0) return true;
  const relative = url.pathname.replace(new URL(".", ROOT).pathname, "");
  const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
  // Map "file:///tmp/.../name.ts:12:5" to the notebook cell and line.
  const mapped = text.replaceAll(
    new RegExp(`(?:file://)?${module.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+):(\\d+)`, "g"),
    (_m, l: string, c: string) => {
      const o = origins[Number(l) - 1];
      return o ? `${relative} cell ${o.cell}, line ${o.line}:${c}` : `${relative}:${l}:${c}`;
    },
  );
  console.error(mapped.trimEnd());
  return false;
}

async function main(args: string[]): Promise<number> {
  let files = args;
  if (files.length === 0) {
    const dir = new URL("notebooks/", ROOT);
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.endsWith(".ipynb")) files.push(new URL(e.name, dir).pathname);
    }
    files = files.sort();
  }
  const tmp = await Deno.makeTempDir({ prefix: "ch9-nbcheck-" });
  let failed = 0;
  try {
    for (const f of files) if (!(await checkNotebook(f, tmp))) failed++;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  if (failed) {
    console.error(`${failed} of ${files.length} notebooks have type errors`);
    return 1;
  }
  console.log(`type-checked the code cells of ${files.length} notebooks`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
