/**
 * The seeded fuzz test of the data readers (issue 13): thousands of mutations of the test files
 * (`_fuzz_cases.ts` says which), each loaded by `loadImdb` or `getWordIndex` in a process of its
 * own that this test watches. It fails when any outcome is neither the data nor a clean
 * `DataFileError` naming the file (and the damaged entry), when a case takes longer than
 * `CASE_LIMIT_MS`, when a case hangs (no progress for `HANG_MS`: the process is killed and the
 * case named), or when the process's peak memory passes `PEAK_LIMIT_MIB`.
 *
 * `CH9_FUZZ_SEED` and `CH9_FUZZ_CASES` change the seed (default 13) and the number of cases
 * (default 3,000, about 10 s on our 2-core machine); a failing case is reproduced with
 * `deno run -A tests/data/_fuzz_cases.ts --seed S --from I --cases 1`.
 * @module
 */
import assert from "node:assert/strict";

const SEED = Number(Deno.env.get("CH9_FUZZ_SEED") ?? 13);
const CASES = Number(Deno.env.get("CH9_FUZZ_CASES") ?? 3000);
/** A case slower than this fails the test (the slowest take about 50 ms). */
const CASE_LIMIT_MS = 2000;
/** No line from the cases' process for this long: the running case hangs. */
const HANG_MS = 15_000;
/** The cases' process's peak resident memory (they load under maxBytes = 64 MiB). */
const PEAK_LIMIT_MIB = 640;

interface Line {
  start?: number;
  case?: number;
  done?: number;
  kind?: string;
  detail?: string;
  outcome?: "data" | "error";
  ms?: number;
  bad?: string;
  peakKiB?: number;
}

/** The lines of a stream, each as it arrives. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest) yield rest;
}

Deno.test(`fuzz: ${CASES} mutations of the test files (seed ${SEED}) load as data or a DataFileError, each in bounded time and memory`, async () => {
  const script = new URL("./_fuzz_cases.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all", // reading its own /proc/self/status (the peak memory) needs all access
      "--v8-flags=--max-old-space-size=512",
      script,
      "--seed",
      String(SEED),
      "--cases",
      String(CASES),
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();

  const counts: Record<string, number> = {};
  const bad: string[] = [];
  const slow: string[] = [];
  let running: Line | undefined;
  let slowest: Line = { ms: -1 };
  let done: Line | undefined;
  const it = lines(child.stdout)[Symbol.asyncIterator]();
  let hung = false;
  while (true) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"hang">((resolve) =>
      timer = setTimeout(() => resolve("hang"), HANG_MS)
    );
    const next = await Promise.race([it.next(), timeout]);
    clearTimeout(timer);
    if (next === "hang") {
      hung = true;
      child.kill("SIGKILL");
      break;
    }
    if (next.done) break;
    const line: Line = JSON.parse(next.value);
    if (line.start !== undefined) running = line;
    else if (line.case !== undefined) {
      const key = `${line.kind} ${line.outcome}`;
      counts[key] = (counts[key] ?? 0) + 1;
      if (line.bad) bad.push(`case ${line.case} (${line.kind}: ${line.detail}): ${line.bad}`);
      if (line.ms! > CASE_LIMIT_MS) {
        slow.push(`case ${line.case} (${running?.kind}: ${running?.detail}) took ${line.ms} ms`);
      }
      if (line.ms! > slowest.ms!) slowest = { ...line, detail: running?.detail };
      running = undefined;
    } else if (line.done !== undefined) done = line;
  }
  const status = await child.status;
  const errors = await stderr;

  const reproduce = (i?: number) =>
    `deno run -A tests/data/_fuzz_cases.ts --seed ${SEED} --from ${i} --cases 1`;
  assert.ok(
    !hung,
    `case ${running?.start} (${running?.kind}: ${running?.detail}) made no progress for ` +
      `${HANG_MS} ms; reproduce: ${reproduce(running?.start)}`,
  );
  assert.ok(
    status.success && done !== undefined,
    `the cases' process ended with code ${status.code}` +
      (running ? ` in case ${running.start} (${running.kind}: ${running.detail})` : "") +
      `:\n${errors.slice(-2000)}`,
  );
  assert.deepEqual(bad, [], `outcomes that are neither data nor a clean DataFileError`);
  assert.deepEqual(slow, [], `cases over ${CASE_LIMIT_MS} ms`);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  assert.equal(total, CASES);
  const peakMiB = done!.peakKiB! / 1024;
  if (Deno.build.os === "linux") {
    assert.ok(peakMiB > 0 && peakMiB < PEAK_LIMIT_MIB, `peak resident memory ${peakMiB} MiB`);
  }
  const errorsSeen = Object.entries(counts).filter(([k]) => k.endsWith("error"))
    .reduce((a, [, n]) => a + n, 0);
  console.log(
    `fuzz seed ${SEED}: ${total} cases, ${errorsSeen} DataFileErrors, ${total - errorsSeen} ` +
      `loaded as data; slowest ${slowest.ms} ms (${slowest.kind}: ${slowest.detail}); ` +
      `peak ${peakMiB.toFixed(0)} MiB`,
  );
});
