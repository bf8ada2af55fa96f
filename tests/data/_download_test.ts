import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  dataFolders,
  downloadFile,
  type FileHash,
  locateDataFile,
  resolveDataFile,
} from "../../src/data/_download.ts";
import { DataSetError } from "../../src/data/data_set_error.ts";

const BODY = new TextEncoder().encode("0123456789".repeat(5000)); // 50,000 bytes
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");
const GOOD: FileHash = { algorithm: "sha256", hex: sha256(BODY) };
const quiet = { onProgress: () => {} };

/** Files left in `dir` (to check that nothing partial stays behind). */
async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

/** An HTTP server on 127.0.0.1 (loopback only) for the duration of `fn`. */
async function withServer(
  fn: (base: string) => Promise<void>,
): Promise<void> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/data.bin") return new Response(BODY);
    return new Response("not here", { status: 404 });
  });
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

/** A raw TCP server that promises 100,000 bytes, sends 10, and hangs up. */
async function withTruncatingServer(fn: (url: string) => Promise<void>): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for await (const conn of listener) {
      const buf = new Uint8Array(4096);
      await conn.read(buf);
      await conn.write(
        new TextEncoder().encode(
          "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n0123456789",
        ),
      );
      conn.close();
    }
  })();
  try {
    await fn(`http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/imdb.npz`);
  } finally {
    listener.close();
    await serving.catch(() => {});
  }
}

Deno.test("downloadFile", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await withServer(async (base) => {
      await t.step("a verified download lands whole, with no temp file left", async () => {
        const dest = `${dir}/data.bin`;
        let last = 0;
        await downloadFile(`${base}/data.bin`, dest, GOOD, { onProgress: (r) => (last = r) });
        assert.deepEqual(await Deno.readFile(dest), BODY);
        assert.equal(last, BODY.length);
        assert.deepEqual(await listDir(dir), ["data.bin"]);
        await Deno.remove(dest);
      });

      await t.step("md5 works too (Keras's word index hash)", async () => {
        const dest = `${dir}/w.json`;
        await downloadFile(`${base}/data.bin`, dest, { algorithm: "md5", hex: md5(BODY) }, quiet);
        assert.deepEqual(await Deno.readFile(dest), BODY);
        await Deno.remove(dest);
      });

      await t.step("a checksum mismatch is an error and leaves nothing", async () => {
        const bad: FileHash = { algorithm: "sha256", hex: "0".repeat(64) };
        await assert.rejects(
          downloadFile(`${base}/data.bin`, `${dir}/data.bin`, bad, quiet),
          /checksum mismatch .*sha256 [0-9a-f]{64}, expected 0{64}.*put it at .*data\.bin/,
        );
        assert.deepEqual(await listDir(dir), []);
      });

      await t.step("an HTTP error is an error and leaves nothing", async () => {
        await assert.rejects(
          downloadFile(`${base}/missing.npz`, `${dir}/missing.npz`, GOOD, quiet),
          /HTTP 404/,
        );
        assert.deepEqual(await listDir(dir), []);
      });
    });

    await t.step("a download cut short is an error and leaves nothing", async () => {
      await withTruncatingServer(async (url) => {
        await assert.rejects(
          downloadFile(url, `${dir}/imdb.npz`, GOOD, quiet),
          /(broke off|incomplete).*Download .* yourself/,
        );
      });
      assert.deepEqual(await listDir(dir), []);
    });

    await t.step("no server (offline) is an error saying how to supply the file", async () => {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (listener.addr as Deno.NetAddr).port;
      listener.close(); // nothing listens there now
      await assert.rejects(
        downloadFile(`http://127.0.0.1:${port}/imdb.npz`, `${dir}/imdb.npz`, GOOD, quiet),
        /cannot download .*set IMDB_DATA_DIR/,
      );
      await assert.rejects(
        downloadFile("http://127.0.0.1:9/imdb.npz", `${dir}/imdb.npz`, GOOD, { offline: true }),
        /imdb\.npz not found and downloads are off \(offline\)/,
      );
      assert.deepEqual(await listDir(dir), []);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveDataFile", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await t.step("an explicit path wins, and must exist", async () => {
      await Deno.writeFile(`${dir}/given.bin`, BODY);
      const opts = { fileName: "given.bin", url: "http://127.0.0.1:9/x", hash: GOOD };
      assert.equal(
        await resolveDataFile({ ...opts, path: `${dir}/given.bin` }),
        `${dir}/given.bin`,
      );
      await assert.rejects(
        resolveDataFile({ ...opts, path: `${dir}/nope.bin` }),
        /given\.bin: no file at path ".*nope\.bin"/,
      );
    });

    await t.step("dataDir is looked in; else it downloads into downloadDir", async () => {
      const name = `resolve-test-${crypto.randomUUID()}.bin`; // in no real data directory
      await withServer(async (base) => {
        const opts = {
          fileName: name,
          url: `${base}/data.bin`,
          hash: GOOD,
          dataDir: `${dir}/empty`,
          downloadDir: `${dir}/downloads`,
          download: quiet,
        };
        const got = await resolveDataFile(opts);
        assert.equal(got, `${dir}/downloads/${name}`);
        assert.deepEqual(await Deno.readFile(got), BODY);
        assert.equal(await resolveDataFile({ ...opts, dataDir: `${dir}/downloads` }), got);
      });
    });

    await t.step("offline with the file nowhere is an error", async () => {
      const name = `resolve-test-${crypto.randomUUID()}.bin`;
      await assert.rejects(
        resolveDataFile({
          fileName: name,
          url: "http://127.0.0.1:9/x",
          hash: GOOD,
          downloadDir: `${dir}/downloads`,
          download: { offline: true },
        }),
        (err) => {
          assert.ok(err instanceof DataSetError);
          assert.equal(err.missing[0].fileName, name);
          assert.equal(err.missing[0].folders.at(-1)?.dir, `${dir}/downloads`);
          assert.match(
            err.message,
            /downloads are off \(offline\); its URL is http:\/\/127\.0\.0\.1:9\/x/,
          );
          return true;
        },
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("locateDataFile: where a file was looked for and why it was not downloaded", async (t) => {
  const dir = await Deno.makeTempDir();
  const saved = { data: Deno.env.get("IMDB_DATA_DIR"), keras: Deno.env.get("KERAS_HOME") };
  try {
    Deno.env.set("IMDB_DATA_DIR", `${dir}/env`);
    Deno.env.set("KERAS_HOME", `${dir}/keras`);
    await t.step("the folders in order, each with where it comes from", () => {
      assert.deepEqual(dataFolders(`${dir}/mine`, `${dir}/downloads`), [
        { dir: `${dir}/mine`, source: "dataDir" },
        { dir: `${dir}/env`, source: "IMDB_DATA_DIR" },
        { dir: `${dir}/keras/datasets`, source: "Keras cache" },
        { dir: `${dir}/downloads`, source: "download folder" },
      ]);
    });
    await t.step("a failed download: the server's answer, nothing left behind", async () => {
      await withServer(async (base) => {
        const found = await locateDataFile({
          fileName: "gone.bin",
          url: `${base}/gone.bin`,
          hash: GOOD,
          size: "50 kB",
          dataDir: `${dir}/mine`,
          downloadDir: `${dir}/downloads`,
          download: quiet,
        });
        assert.equal(found.path, undefined);
        assert.equal(found.missing?.size, "50 kB");
        assert.equal(found.missing?.folders.length, 4);
        assert.equal(
          found.missing?.notDownloaded,
          `cannot download ${base}/gone.bin: HTTP 404 Not Found`,
        );
        assert.deepEqual(await listDir(`${dir}/downloads`), []);
      });
    });
  } finally {
    if (saved.data !== undefined) Deno.env.set("IMDB_DATA_DIR", saved.data);
    else Deno.env.delete("IMDB_DATA_DIR");
    if (saved.keras !== undefined) Deno.env.set("KERAS_HOME", saved.keras);
    else Deno.env.delete("KERAS_HOME");
    await Deno.remove(dir, { recursive: true });
  }
});
