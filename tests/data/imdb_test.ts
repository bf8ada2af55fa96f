import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { DataFileError } from "../../src/data/data_file_error.ts";
import { DataSetError } from "../../src/data/data_set_error.ts";
import {
  checkImdbFiles,
  decodeReview,
  getWordIndex,
  loadImdb,
  type LoadImdbOptions,
  readImdbNpz,
} from "../../src/data/imdb.ts";
import { dropIds } from "../../src/data/preprocessing.ts";
import { realData } from "../_real_data.ts";
import {
  header1d,
  imdbNpz,
  intListOps,
  labelsNpy,
  npyFile,
  objectArrayPickle,
  reviewsNpy,
} from "./_files.ts";

/** Keras load_data run by numpy on the same file (scripts/fixtures/imdb_load_data.py). */
const fixture = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/imdb_load_data.json", import.meta.url)),
);

const real = realData("imdb tests on real data", ["imdb.npz", "imdb_word_index.json"]);

/** sha256 over (int32 length, int32 ids...) of every sequence, as the fixture script hashes. */
function digestSeqs(seqs: Int32Array[]): string {
  const h = createHash("sha256");
  for (const s of seqs) {
    h.update(new Uint8Array(Int32Array.of(s.length).buffer));
    h.update(new Uint8Array(s.buffer, s.byteOffset, s.byteLength));
  }
  return h.digest("hex");
}
const digest = (a: Int32Array) =>
  createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex");

/** Keras's snake_case options -> ours. */
function options(py: Record<string, number | null>): LoadImdbOptions {
  const names: Record<string, keyof LoadImdbOptions> = {
    num_words: "numWords",
    skip_top: "skipTop",
    maxlen: "maxlen",
    seed: "seed",
    start_char: "startChar",
    oov_char: "oovChar",
    index_from: "indexFrom",
  };
  return Object.fromEntries(Object.entries(py).map(([k, v]) => [names[k], v]));
}

Deno.test("loadImdb: bad options are clear errors", async () => {
  await assert.rejects(
    loadImdb({ numWords: 20, skipTop: 20 }),
    /numWords \(20\) must be greater than skipTop \(20\)/,
  );
  await assert.rejects(loadImdb({ numWords: 5, skipTop: 10 }), /numWords \(5\)/);
  await assert.rejects(loadImdb({ maxlen: -1 }), /maxlen must be an integer >= 0, got -1/);
  await assert.rejects(loadImdb({ skipTop: 1.5 }), /skipTop .* got 1.5/);
  await assert.rejects(
    loadImdb({ path: "/nonexistent/imdb.npz" }),
    /imdb\.npz: no file at path "\/nonexistent\/imdb\.npz"/,
  );
});

Deno.test("loadImdb: no file while offline is an error saying how to supply it", async () => {
  const empty = await Deno.makeTempDir();
  const saved = { data: Deno.env.get("IMDB_DATA_DIR"), keras: Deno.env.get("KERAS_HOME") };
  try {
    Deno.env.delete("IMDB_DATA_DIR");
    Deno.env.set("KERAS_HOME", empty);
    await assert.rejects(
      loadImdb({ downloadDir: empty, download: { offline: true } }),
      (err) => {
        assert.ok(err instanceof DataSetError);
        assert.deepEqual(err.files, ["imdb.npz"]);
        const m = err.message;
        assert.match(m, /^The IMDB data set cannot be used: imdb\.npz is missing\./);
        assert.match(m, /downloads are off \(offline\); its URL is https:\/\/storage\.googleapis/);
        assert.match(m, /\$IMDB_DATA_DIR works too, but only if it is set before Jupyter starts/);
        return true;
      },
    );
    await assert.rejects(
      getWordIndex({ downloadDir: empty, download: { offline: true } }),
      /imdb_word_index\.json is missing/,
    );
    assert.deepEqual([...Deno.readDirSync(empty)], []);
  } finally {
    if (saved.data !== undefined) Deno.env.set("IMDB_DATA_DIR", saved.data);
    if (saved.keras !== undefined) Deno.env.set("KERAS_HOME", saved.keras);
    else Deno.env.delete("KERAS_HOME");
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test({
  name: "loadImdb: the book's printed outputs (real data)",
  ignore: real.ignore,
  fn: async (t) => {
    const { xTrain, yTrain, xTest, yTest } = await loadImdb({ skipTop: 20, numWords: 100 });
    await t.step("(25000,) (25000,)", () => {
      assert.equal(xTrain.length, 25000);
      assert.equal(yTrain.length, 25000);
      assert.equal(xTest.length, 25000);
      assert.equal(yTest.length, 25000);
    });
    await t.step("x_train_all[0] is the book's list", () => {
      assert.deepEqual(Array.from(xTrain[0]), fixture.cases[0].x_train_head[0]);
      assert.deepEqual(Array.from(xTrain[0].subarray(0, 10)), [2, 2, 22, 2, 43, 2, 2, 2, 2, 65]);
      assert.equal(xTrain[0].length, 218);
    });
    const dropped = dropIds(xTrain);
    await t.step("without ids <= 2: the book's 59 ids; 59 and 32 long", () => {
      assert.deepEqual(Array.from(dropped[0]), [
        ...[22, 43, 65, 66, 36, 25, 43, 50, 35, 39, 38, 50, 22, 22, 71, 87, 43, 38, 76, 22, 62],
        ...[66, 33, 38, 25, 51, 36, 48, 25, 33, 22, 28, 77, 52, 82, 36, 71, 43, 26, 46, 88, 98],
        ...[32, 56, 26, 22, 21, 26, 30, 51, 36, 28, 92, 25, 65, 38, 88, 32, 32],
      ]);
      assert.equal(dropped[0].length, 59);
      assert.equal(dropped[1].length, 32);
    });
    await t.step("y_train_all[:10] = [1 0 0 1 0 0 1 0 1 0]", () => {
      assert.deepEqual(Array.from(yTrain.subarray(0, 10)), [1, 0, 0, 1, 0, 0, 1, 0, 1, 0]);
    });
    await t.step("word_to_index['movie'] = 17, and the book's decoded words", async () => {
      const wordIndex = await getWordIndex();
      assert.equal(wordIndex.movie, 17);
      assert.equal(Object.keys(wordIndex).length, 88584);
      assert.equal(wordIndex.constructor, 74661); // a real word: a dictionary, not an Object
      assert.equal(
        decodeReview(dropped[0], wordIndex),
        "film just story really they you just there an from so there film film were great just " +
          "so much film would really at so you what they if you at film have been good also " +
          "they were just are out because them all up are film but are be what they have " +
          "don't you story so because all all",
      );
      assert.equal(decodeReview([0, 1, 2, 20], wordIndex), "[PAD] [START] [OOV] movie");
    });
  },
});

Deno.test({
  name: "loadImdb: equals Keras's load_data for other options (real data)",
  ignore: real.ignore,
  fn: async (t) => {
    for (const c of fixture.cases) {
      await t.step(JSON.stringify(c.options), async () => {
        const d = await loadImdb(options(c.options));
        assert.equal(d.xTrain.length, c.n_train);
        assert.equal(d.xTest.length, c.n_test);
        assert.deepEqual(d.xTrain.slice(0, 2).map((s) => Array.from(s)), c.x_train_head);
        assert.deepEqual(d.xTest.slice(0, 2).map((s) => Array.from(s)), c.x_test_head);
        assert.equal(digestSeqs(d.xTrain), c.x_train_sha256);
        assert.equal(digestSeqs(d.xTest), c.x_test_sha256);
        assert.equal(digest(d.yTrain), c.y_train_sha256);
        assert.equal(digest(d.yTest), c.y_test_sha256);
      });
    }
    await t.step("a maxlen that keeps nothing is Keras's error", async () => {
      await assert.rejects(loadImdb({ maxlen: 1 }), /no sequence was kept\. Increase maxlen/);
    });
  },
});

const tinyDir = new URL("../fixtures/imdb_tiny/", import.meta.url);
/** Keras's load_data on the tiny file (scripts/fixtures/imdb_tiny.py). */
const tiny = JSON.parse(await Deno.readTextFile(new URL("expected.json", tinyDir)));
const tinyPath = decodeURIComponent(new URL("imdb.npz", tinyDir).pathname);
const tinyWordIndex = decodeURIComponent(new URL("imdb_word_index.json", tinyDir).pathname);

Deno.test("loadImdb: the tiny imdb.npz (Keras's layout, 300 + 60 reviews) equals Keras's load_data", async (t) => {
  for (const c of tiny.cases) {
    await t.step(JSON.stringify(c.options), async () => {
      const d = await loadImdb({ path: tinyPath, ...options(c.options) });
      assert.deepEqual(d.xTrain.map((s) => Array.from(s)), c.x_train);
      assert.deepEqual(Array.from(d.yTrain), c.y_train);
      assert.deepEqual(d.xTest.map((s) => Array.from(s)), c.x_test);
      assert.deepEqual(Array.from(d.yTest), c.y_test);
    });
  }
  await t.step("its word index", async () => {
    const wordIndex = await getWordIndex({ path: tinyWordIndex });
    assert.equal(Object.keys(wordIndex).length, tiny.words);
    assert.equal(wordIndex.movie, tiny.movie);
    assert.equal(wordIndex.constructor, 21);
    assert.equal(wordIndex.__proto__, 22);
    assert.equal(wordIndex["日本"], 26);
  });
});

Deno.test("checkImdbFiles: one message for the whole data set, naming every file", async (t) => {
  const dir = await Deno.makeTempDir();
  const saved = { data: Deno.env.get("IMDB_DATA_DIR"), keras: Deno.env.get("KERAS_HOME") };
  // Only the folders of this test: no $IMDB_DATA_DIR, an empty Keras cache, downloads off.
  const source = { dataDir: `${dir}/mine`, downloadDir: `${dir}/downloads` };
  const offline = { ...source, download: { offline: true } };
  const fixes = [
    /\nFix it in one of three ways, then run again:\n/,
    /\n1\. Download: with an internet connection, running again downloads the files? into .*\/downloads\//,
    /\n2\. The Keras cache: copy the files? into .*\/keras\/datasets\//,
    /\n3\. Your own folder: .*dataDir: "\/path\/to\/folder" in the config cell/,
  ];
  try {
    Deno.env.delete("IMDB_DATA_DIR");
    Deno.env.set("KERAS_HOME", `${dir}/keras`);
    await Deno.mkdir(`${dir}/mine`);

    await t.step(
      "both missing: both named, every folder, why not downloaded, 3 fixes",
      async () => {
        await assert.rejects(checkImdbFiles(offline), (err) => {
          assert.ok(err instanceof DataSetError);
          assert.deepEqual(err.files, ["imdb.npz", "imdb_word_index.json"]);
          const m = err.message;
          assert.match(
            m,
            /^The IMDB data set cannot be used: imdb\.npz and imdb_word_index\.json are missing\.\n/,
          );
          for (const [file, size] of [["imdb.npz", "17 MB"], ["imdb_word_index.json", "1.6 MB"]]) {
            const part = m.slice(m.indexOf(`${file} (${size}) is in none of these folders:`));
            assert.ok(part.length < m.length, `${file} has its own paragraph`);
            assert.match(
              part,
              new RegExp(`^.*\n {2}${dir}/mine +\\(dataDir: config.dataDir in the notebooks\\)\n`),
            );
            assert.match(part, new RegExp(`\n {2}${dir}/keras/datasets +\\(the Keras cache\\)\n`));
            assert.match(part, new RegExp(`\n {2}${dir}/downloads +\\(where downloads land\\)\n`));
            assert.match(
              part,
              /\nNot downloaded: downloads are off \(offline\); its URL is https:\/\/storage/,
            );
          }
          for (const fix of fixes) assert.match(m, fix);
          assert.match(m, /\$IMDB_DATA_DIR works too, but only if it is set before Jupyter starts/);
          return true;
        });
        assert.deepEqual([...Deno.readDirSync(`${dir}/mine`)], [], "nothing written");
      },
    );

    await t.step("the files a notebook needs only: 9-3 reads no word index", async () => {
      await assert.rejects(checkImdbFiles({ ...offline, files: ["imdb.npz"] }), (err) => {
        assert.ok(err instanceof DataSetError);
        assert.deepEqual(err.files, ["imdb.npz"]);
        assert.doesNotMatch(err.message, /word_index/);
        for (const fix of fixes) assert.match(err.message, fix);
        return true;
      });
    });

    await t.step("a missing file and an unreadable one, in one message", async () => {
      await Deno.writeTextFile(`${dir}/mine/imdb_word_index.json`, '{"the": 1, "movie": ');
      await assert.rejects(checkImdbFiles(offline), (err) => {
        assert.ok(err instanceof DataSetError);
        assert.deepEqual(err.files, ["imdb.npz", `${dir}/mine/imdb_word_index.json`]);
        assert.equal(err.unreadable[0].file, `${dir}/mine/imdb_word_index.json`);
        assert.match(
          err.message,
          /^The IMDB data set cannot be used: imdb\.npz is missing and imdb_word_index\.json is unreadable\./,
        );
        assert.match(
          err.message,
          /\/mine\/imdb_word_index\.json: not valid JSON .*\n {2}\(a damaged or partial copy: delete it/,
        );
        for (const fix of fixes) assert.match(err.message, fix);
        return true;
      });
    });

    await t.step("a download that fails says how, for each file", async () => {
      const server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen: () => {} },
        () => new Response("no", { status: 503 }),
      );
      try {
        const url = `http://127.0.0.1:${server.addr.port}/imdb`;
        await Deno.remove(`${dir}/mine/imdb_word_index.json`);
        await assert.rejects(
          checkImdbFiles({ ...source, download: { url, onProgress: () => {} } }),
          (err) => {
            assert.ok(err instanceof DataSetError);
            assert.equal(err.missing.length, 2);
            for (const m of err.missing) {
              assert.equal(m.notDownloaded, `cannot download ${url}: HTTP 503 Service Unavailable`);
            }
            return true;
          },
        );
      } finally {
        await server.shutdown();
      }
      assert.deepEqual([...Deno.readDirSync(`${dir}/downloads`)], [], "no partial download left");
    });

    await t.step("both there and readable: their paths", async () => {
      await Deno.copyFile(tinyPath, `${dir}/mine/imdb.npz`);
      await Deno.copyFile(tinyWordIndex, `${dir}/mine/imdb_word_index.json`);
      assert.deepEqual(await checkImdbFiles(offline), {
        "imdb.npz": `${dir}/mine/imdb.npz`,
        "imdb_word_index.json": `${dir}/mine/imdb_word_index.json`,
      });
    });
  } finally {
    if (saved.data !== undefined) Deno.env.set("IMDB_DATA_DIR", saved.data);
    if (saved.keras !== undefined) Deno.env.set("KERAS_HOME", saved.keras);
    else Deno.env.delete("KERAS_HOME");
    await Deno.remove(dir, { recursive: true });
  }
});

/** Writes `bytes` to a temporary file `name`, runs `fn` on its path, removes it. */
async function withFile<T>(name: string, bytes: Uint8Array, fn: (path: string) => Promise<T>) {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/${name}`, bytes);
    return await fn(`${dir}/${name}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Asserts `promise` rejects with a DataFileError of `path`, `entry`, whose problem matches. */
async function rejectsWith(
  promise: Promise<unknown>,
  path: string,
  entry: string | null,
  problem: RegExp,
  cause?: new (...args: never[]) => Error,
) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof DataFileError, `not a DataFileError: ${err}`);
    assert.equal(err.file, path);
    assert.equal(err.entry, entry);
    assert.match(err.problem, problem);
    assert.equal(err.message, `${path}${entry === null ? "" : `, entry ${entry}`}: ${err.problem}`);
    if (cause) assert.ok(err.cause instanceof cause, `cause: ${err.cause}`);
    return true;
  });
}

Deno.test("loadImdb: corrupt and hostile files are DataFileErrors naming the file and entry", async (t) => {
  await t.step("one huge review referenced by every entry is refused, not expanded", async () => {
    // one 100,000-id list, memoized, then fetched back 25,000 times: 2.5e9 ids for 250 kB
    const ids = Array.from({ length: 100_000 }, (_, i) => 1 + i % 1000);
    const items = "](]q\x01" + intListOps(ids).slice(1) + "h\x01".repeat(24_999) + "e";
    const x = npyFile(header1d("|O", 25_000), objectArrayPickle(25_000, items));
    const y = labelsNpy(new Array(25_000).fill(1));
    await withFile("imdb.npz", imdbNpz({ "x_train.npy": x, "y_train.npy": y }), async (path) => {
      const start = performance.now();
      await rejectsWith(
        loadImdb({ path, cache: false }),
        path,
        "x_train.npy",
        /the reviews up to 1342 hold more ids than 1073741824 bytes \(maxBytes\) can; a list shared by several reviews counts for each/,
      );
      assert.ok(performance.now() - start < 2000);
      // within a limit that allows them, the shared list is one list, not 25,000 copies
      const raw = await readImdbNpz(path, { maxBytes: 2 ** 35 });
      assert.equal(raw.xTrain.length, 25_000);
      assert.equal(raw.xTrain[0], raw.xTrain[24_999]);
    });
  });

  await t.step("entries missing, of the wrong kind, or of different lengths", async () => {
    const cases: [Record<string, Uint8Array | undefined>, string | null, RegExp][] = [
      [{ "y_test.npy": undefined }, "y_test.npy", /^missing from the archive$/],
      [
        { "x_train.npy": labelsNpy([1, 0]) },
        "x_train.npy",
        /not a 1-d object array of lists \(dtype "<i8", 1-d\)/,
      ],
      [
        { "y_train.npy": reviewsNpy([[1], [2]]) },
        "y_train.npy",
        /not a 1-d numeric array \(dtype "\|O", 1-d\)/,
      ],
      [
        { "y_train.npy": labelsNpy([1, 0, 1]) },
        null,
        /^x_train\.npy has 2 reviews but y_train\.npy 3 labels$/,
      ],
      [
        { "x_test.npy": npyFile(header1d("|O", 2), objectArrayPickle(2, "](K\x01]e")) },
        "x_test.npy",
        /review 0 is 1, not a list/,
      ],
      [
        {
          "x_test.npy": npyFile(
            header1d("|O", 2),
            objectArrayPickle(2, "](]K\x01a]\x8a\x05\x00\x00\x00\x80\x00ae"), // [[1], [2 ** 31]]
          ),
        },
        "x_test.npy",
        /review 1, item 0 is 2147483648, not an int32 word rank/,
      ],
    ];
    for (const [entries, entry, problem] of cases) {
      await withFile(
        "imdb.npz",
        imdbNpz(entries),
        (path) => rejectsWith(loadImdb({ path, cache: false }), path, entry, problem),
      );
    }
  });

  await t.step("a file over maxBytes is refused before it is read", async () => {
    const bytes = await Deno.readFile(tinyPath);
    await rejectsWith(
      loadImdb({ path: tinyPath, cache: false, maxBytes: 10_000 }),
      tinyPath,
      null,
      /^13553 bytes, over the limit of 10000 bytes \(maxBytes\)$/,
    );
    await rejectsWith(
      loadImdb({ path: tinyPath, cache: false, maxBytes: 20_000 }),
      tinyPath,
      "x_train.npy",
      /the entries up to this one declare 21114 bytes uncompressed, over the limit of 20000 bytes \(maxBytes\); the largest is "x_train\.npy" \(15554 bytes\)/,
    );
    assert.equal(bytes.length, 13553);
    await assert.rejects(loadImdb({ maxBytes: -1 }), /maxBytes must be an integer >= 0, got -1/);
  });

  await t.step("a pickle refused inside an entry names the file and the entry", async () => {
    const evil = npyFile(header1d("|O", 2), "\x80\x02cposix\nsystem\nX\x04\0\0\0echo\x85R.");
    await withFile(
      "imdb.npz",
      imdbNpz({ "x_test.npy": evil }),
      (path) =>
        rejectsWith(
          loadImdb({ path, cache: false }),
          path,
          "x_test.npy",
          /^pickle: GLOBAL "posix\.system" at byte 2 is not allowed/,
        ),
    );
  });
});

Deno.test("getWordIndex: corrupt and hostile files are DataFileErrors naming the file", async (t) => {
  const load = (text: string | Uint8Array, options = {}) =>
    withFile(
      "imdb_word_index.json",
      typeof text === "string" ? new TextEncoder().encode(text) : text,
      async (path) => {
        try {
          return await getWordIndex({ path, cache: false, ...options });
        } catch (err) {
          (err as { path?: string }).path = path;
          throw err;
        }
      },
    );
  const rejects = async (
    text: string | Uint8Array,
    problem: RegExp,
    cause?: new (...a: never[]) => Error,
    options = {},
  ) => {
    await assert.rejects(load(text, options), (err) => {
      assert.ok(err instanceof DataFileError, `not a DataFileError: ${err}`);
      assert.equal(err.file, (err as { path?: string }).path);
      assert.equal(err.entry, null);
      assert.match(err.problem, problem);
      if (cause) assert.ok(err.cause instanceof cause, `cause: ${err.cause}`);
      return true;
    });
  };
  await t.step("a rank nested 100,000 deep is described without recursion", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    await rejects(
      `{"the": ${deep}}`,
      /^the rank of the word "the" is an array of 1, not an integer$/,
    );
    await rejects(deep, /^not a JSON object of word -> index but an array of 1$/);
    await rejects(
      `{"${"w".repeat(100_000)}": "x"}`,
      /^the rank of the word "w{80}"\.\.\. \(100000 characters\) is the string "x", not an integer$/,
    );
  });
  await t.step("platform failures are wrapped, their errors the cause", async () => {
    await rejects('{"the": 1, "movie": ', /^not valid JSON/, SyntaxError);
    await rejects(
      Uint8Array.of(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d),
      /^not valid UTF-8/,
      TypeError,
    );
  });
  await t.step("a file over maxBytes is refused before it is read", async () => {
    await rejects('{"the": 1}', /^10 bytes, over the limit of 5 bytes \(maxBytes\)$/, undefined, {
      maxBytes: 5,
    });
    assert.deepEqual({ ...(await load('{"the": 1}', { maxBytes: 10 })) }, { the: 1 });
  });
});
